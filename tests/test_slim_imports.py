from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipwarden.slim.imports import imports_in_source, scan_imports, scan_notebook


def _modules(source: str) -> list[str]:
    uses, problem = imports_in_source(source, "x.py")
    assert problem is None
    return [u.module for u in uses]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import a.b.c\n", ["a.b.c"]),
        ("import a, b as c\n", ["a", "b"]),
        ("from a.b import c, d\n", ["a.b.c", "a.b.d"]),
        ("from a import *\n", ["a"]),
        ("from . import x\nfrom .y import z\nfrom ..w import v\n", []),
        ("from __future__ import annotations\n", []),
        ("import importlib\nm = importlib.import_module('pkg.sub')\n", ["importlib", "pkg.sub"]),
        ("from importlib import import_module\nimport_module('x')\n", ["importlib.import_module",
                                                                       "x"]),
        ("importlib.import_module('.rel', package='p')\n", []),
        ("importlib.import_module(name)\n", []),
        ("m = __import__('yaml')\n", ["yaml"]),
        ("def f():\n    import lazy\n", ["lazy"]),
        ("try:\n    import ujson as json\nexcept ImportError:\n    import json\n",
         ["ujson", "json"]),
    ],
)
def test_python_imports(source: str, expected: list[str]) -> None:
    assert _modules(source) == expected


def test_syntax_error_is_a_problem_with_line() -> None:
    uses, problem = imports_in_source("import a\ndef (:\n", "bad.py")
    assert uses == []
    assert problem is not None and (problem.path, problem.line) == ("bad.py", 2)


def _notebook(*cells: tuple[str, str | list[str]]) -> str:
    return json.dumps(
        {"cells": [{"cell_type": t, "source": s, "metadata": {}} for t, s in cells],
         "nbformat": 4, "nbformat_minor": 5, "metadata": {}}
    )


def test_notebook_magics_shell_lines_and_line_numbers() -> None:
    text = _notebook(
        ("markdown", "import not_code\n"),
        ("code", ["%load_ext autoreload\n", "%autoreload 2\n", "import pandas as pd\n"]),
        ("code", ["!pip install -q polars\n", "out = !ls\n", "pd.read_csv?\n",
                  "if True:\n", "    !dbt run\n", "    import numpy\n"]),
        ("code", "%%bash\nblack .\nruff check\n"),
        ("code", "%%sql\nSELECT * FROM t\n"),
        ("code", "%%time\nimport scipy\n"),
        ("raw", "import not_code_either\n"),
    )
    uses, shell, problems = scan_notebook(text, "nb.ipynb")
    assert problems == []
    assert [(u.module, u.location.line) for u in uses] == [
        ("pandas", 4), ("numpy", 10), ("scipy", 17),
    ]
    assert [(s.command, s.location.line) for s in shell] == [
        ("pip install -q polars", 5), ("ls", 6), ("dbt run", 9),
        ("black .", 12), ("ruff check", 13),
    ]


def test_notebook_bad_cell_is_reported_and_other_cells_count() -> None:
    text = _notebook(("code", "import good\n"), ("code", "def broken(:\n"))
    uses, _, problems = scan_notebook(text, "nb.ipynb")
    assert [u.module for u in uses] == ["good"]
    assert len(problems) == 1 and problems[0].line == 2 and "cell 2" in problems[0].message


@pytest.mark.parametrize("text", ["not json at all", "[1, 2]", '{"cells": 3}'])
def test_notebook_not_json_or_wrong_shape(text: str) -> None:
    uses, shell, problems = scan_notebook(text, "nb.ipynb")
    assert uses == [] and shell == [] and len(problems) == 1


def test_scan_skips_venvs_and_build_folders_and_finds_local_modules(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("import requests\nfrom app import core\n")
    (tmp_path / "app" / "core.py").write_text("import helpers\n")
    (tmp_path / "helpers.py").write_text("")
    for skipped in ("node_modules/x", "build/lib", ".venv/lib", "myenv", ".tox/py"):
        (tmp_path / skipped).mkdir(parents=True)
        (tmp_path / skipped / "bad.py").write_text("import hidden\n")
    (tmp_path / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / "latin.py").write_bytes(b"x = '\xe9'\n")
    scan = scan_imports(tmp_path)
    assert sorted({u.module for u in scan.imports}) == ["app.core", "helpers", "requests"]
    assert {"app", "helpers", "core"} <= scan.local_modules
    assert [p.path for p in scan.problems] == ["latin.py"]
