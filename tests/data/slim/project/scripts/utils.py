import os

import jinja2


def read(path):
    return jinja2.Template(open(os.path.join("data", path)).read()).render()
