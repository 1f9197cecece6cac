from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipwarden.models import Location
from pipwarden.slim.imports import ShellLine
from pipwarden.slim.tools import commands_in_line, providers, scan_tools


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("dbt build --target prod", [("dbt", False)]),
        (".venv/bin/dbt deps && .venv/bin/dbt run", [("dbt", False), ("dbt", False)]),
        ("DBT_PROFILES_DIR=. dbt run", [("dbt", False)]),
        ("sudo -E env FOO=1 black .", [("black", False)]),
        ("uv run pytest -q", [("pytest", False)]),
        ("poetry run sqlfluff lint models", [("sqlfluff", False)]),
        ("python -m pytest tests", [("pytest", True)]),
        ("python3.11 -mjupyter lab", [("jupyter", True)]),
        ("python script.py", []),
        ("cat x | ruff check -", [("cat", False), ("ruff", False)]),
        ("echo $(mypy src) ; true", [("echo", False), ("mypy", False), ("true", False)]),
        ("black . # then ruff", [("black", False)]),
        ('echo "unterminated', [("echo", False)]),
        ("$(VENV)/bin/black scripts", [("black", False)]),
    ],
)
def test_commands_in_line(line: str, expected: list[tuple[str, bool]]) -> None:
    assert commands_in_line(line) == expected


def test_scan_tools_all_sources(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text(
        "BLACK = black\nall: lint\n\nlint:\n\t@ruff check .\n\t-mypy src\n"
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "deploy.sh").write_text("#!/bin/bash\n# dbt run\nsqlfluff lint\n")
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    (wf / "ci.yml").write_text(
        "jobs:\n  t:\n    steps:\n      - run: pre-commit run --all-files\n"
        "      - name: tests\n        run: |\n          pip install .\n"
        "          pytest -q\n      - uses: x/y@v1\n"
    )
    (tmp_path / ".pre-commit-config.yaml").write_text(
        "repos:\n- repo: local\n  hooks:\n  - id: nbqa-black\n    entry: nbqa black\n"
        "    language: system\n"
    )
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "tasks.json").write_text(
        '{\n  // comment\n  "tasks": [\n    {"label": "docs",\n     "command": "mkdocs",\n'
        '     "args": ["serve"]},\n  ]\n}\n'
    )
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "x.sh").write_text("hidden-tool\n")
    notebook = [ShellLine("jupyter nbconvert --to html x.ipynb", Location("nb.ipynb", 3))]
    scan = scan_tools(tmp_path, notebook)
    found = {(c.name, str(c.location)) for c in scan.commands}
    assert found == {
        ("ruff", "Makefile:5"),
        ("mypy", "Makefile:6"),
        ("sqlfluff", "scripts/deploy.sh:3"),
        ("pre-commit", ".github/workflows/ci.yml:4"),
        ("pip", ".github/workflows/ci.yml:7"),
        ("pytest", ".github/workflows/ci.yml:8"),
        ("nbqa-black", ".pre-commit-config.yaml:4"),
        ("nbqa", ".pre-commit-config.yaml:5"),
        ("mkdocs", ".vscode/tasks.json:5"),
        ("jupyter", "nb.ipynb:3"),
    }
    assert scan.problems == ()


def test_bad_tasks_json_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / ".vscode").mkdir()
    (tmp_path / ".vscode" / "tasks.json").write_text("{\n  nope\n")
    (tmp_path / "run.sh").write_text("black .\n")
    scan = scan_tools(tmp_path)
    assert [(p.path, p.line) for p in scan.problems] == [(".vscode/tasks.json", 2)]
    assert [c.name for c in scan.commands] == ["black"]
    json.dumps([str(p) for p in scan.problems])


def test_providers_environment_first_then_curated() -> None:
    env = {"dbt-core": ("dbt",), "Black": ("black", "blackd")}
    assert providers("dbt", env) == {"dbt-core"}
    assert providers("blackd", env) == {"black"}
    assert providers("sqlfluff", env) == {"sqlfluff"}  # curated fallback
    assert providers("jupyter") == {"jupyter-core", "jupyter", "jupyterlab", "notebook"}
    assert providers("ls", env) == frozenset()
