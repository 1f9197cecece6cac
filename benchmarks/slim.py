"""Benchmark ``pipwarden slim`` on a large synthetic project and a real environment.

Usage: ``PYTHONPATH=src python benchmarks/slim.py [N_FILES]``

The project is generated in a temporary folder: N_FILES ``.py`` files (default 3000) of
~40 lines with a dozen imports each, N_FILES/10 notebooks with magics and ``!`` lines, a
Makefile and a CI workflow. Its ``.venv`` is a symlink to the running interpreter's
site-packages, so the metadata read is real. No ../shared data is needed.
"""

from __future__ import annotations

import json
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

from pipwarden.slim import run_slim
from pipwarden.sources.environment import read_environment

IMPORTS = [
    "import os", "import json", "import numpy as np", "import pandas as pd",
    "from sklearn.model_selection import train_test_split", "import yaml",
    "from google.cloud import bigquery", "import requests", "from packaging.version import Version",
    "import pytest", "from hypothesis import given", "import mypy.api",
]


def build(root: Path, n_files: int) -> None:
    (root / "requirements.txt").write_text(
        "pandas>=2\nnumpy>=1.26\nrequests>=2\npackaging>=23\npytest>=8\nhypothesis>=6\n"
        "mypy>=1\nruff>=0.5\ntomli>=2\nmatplotlib>=3\n"
    )
    (root / "pyproject.toml").write_text('[project]\nname = "b"\nrequires-python = ">=3.11"\n')
    (root / "Makefile").write_text("lint:\n\truff check .\n\tmypy src\n")
    for i in range(n_files):
        pkg = root / "src" / f"pkg{i % 50}"
        pkg.mkdir(parents=True, exist_ok=True)
        body = "\n".join(IMPORTS[j % len(IMPORTS)] for j in range(i % 7, i % 7 + 12))
        body += "\n\n" + "\n".join(f"def f{k}(x):\n    return x + {k}\n" for k in range(10))
        (pkg / f"mod{i}.py").write_text(body)
    for i in range(max(1, n_files // 10)):
        cells = [
            {"cell_type": "code", "source": ["%matplotlib inline\n", "import pandas as pd\n"]},
            {"cell_type": "code", "source": ["!ruff check .\n", "df = pd.DataFrame()\n"]},
            {"cell_type": "markdown", "source": ["# notes\n"]},
        ]
        (root / f"nb{i}.ipynb").write_text(json.dumps({"cells": cells}))
    venv = root / ".venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text(f"version = {sys.version.split()[0]}\n")
    lib = venv / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    lib.mkdir(parents=True)
    (lib / "site-packages").symlink_to(sysconfig.get_paths()["purelib"])


def main() -> None:
    n_files = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, n_files)
        start = time.perf_counter()
        env = read_environment(root / ".venv")
        t_env = time.perf_counter() - start
        start = time.perf_counter()
        report = run_slim(root)
        t_all = time.perf_counter() - start
    print(f"environment: {len(env.packages)} distributions read in {t_env:.2f} s")
    print(
        f"slim: {len(report.files_scanned)} files ({n_files} .py, {max(1, n_files // 10)} "
        f"notebooks) in {t_all:.2f} s; {len(report.unused)} unused, "
        f"{len(report.undeclared)} undeclared, {len(report.weights)} weights"
    )


if __name__ == "__main__":
    main()
