"""End to end: ``slim`` on the fixture project in tests/data/slim/project."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.models import Location
from pipwarden.slim import SlimReport, run_slim

PROJECT = Path(__file__).parent / "data" / "slim" / "project"


@pytest.fixture(scope="module")
def report() -> SlimReport:
    return run_slim(PROJECT)


def test_reports_exactly_the_unused_dependencies(report: SlimReport) -> None:
    # matplotlib: only `%matplotlib inline` (a magic, not an import);
    # types-requests: stubs, flagged with a note.
    assert {u.dependency.name: u.note for u in report.unused} == {
        "matplotlib": None,
        "types-requests": "type stubs: used by type checkers, not imported",
    }
    assert report.unused[0].dependency.location == Location("requirements.txt", 9)


def test_reports_exactly_the_undeclared_imports(report: SlimReport) -> None:
    found = {
        u.distribution: (u.modules, tuple(str(loc) for loc in u.locations), u.via, u.installed)
        for u in report.undeclared
    }
    assert found == {
        # `from google.cloud import bigquery` in a notebook: the namespace package maps
        # through RECORD to google-cloud-bigquery, pulled in by dbt-bigquery
        "google-cloud-bigquery": (
            ("google.cloud.bigquery",), ("notebooks/explore.ipynb:5:1",), ("dbt-bigquery",), True
        ),
        "jinja2": (("jinja2",), ("scripts/utils.py:3:1",), ("dbt-bigquery",), True),
        "numpy": (
            ("numpy",), ("scripts/load.py:7:1",), ("matplotlib", "pandas", "scikit-learn"), True
        ),
    }
    # never scanned: the venv's own files, node_modules, build/
    all_modules = {m for u in report.undeclared for m in u.modules}
    assert not all_modules & {"boto3", "flask", "django", "utils", "notpandas"}


def test_reports_exactly_the_tool_dependencies(report: SlimReport) -> None:
    tools = {
        t.dependency.name: (t.commands, tuple(str(loc) for loc in t.locations), t.reason)
        for t in report.tools
    }
    assert tools == {
        # dbt is dbt-core's console script; dbt-bigquery is the declared dependency bringing it
        "dbt-bigquery": (
            ("dbt",), ("Makefile:5", "notebooks/explore.ipynb:6"), "command"
        ),
        "black": (("black",), (".github/workflows/ci.yml:10", "Makefile:8"), "command"),
        "ipykernel": ((), (), "runs the notebooks"),
    }


def test_used_dependencies_are_in_no_finding_list(report: SlimReport) -> None:
    flagged = (
        {u.dependency.name for u in report.unused}
        | {t.dependency.name for t in report.tools}
    )
    declared = {d.name for d in report.declared}
    # imports: pandas, sklearn, yaml; import_module("tomli"); __import__("httpx");
    # notebook `import requests`; CI `python -m pytest`
    assert declared - flagged == {
        "pandas", "scikit-learn", "pyyaml", "tomli", "httpx", "requests", "pytest",
    }


def test_stdlib_overlap_and_python(report: SlimReport) -> None:
    assert report.min_python == (3, 11)
    assert {f.dependency.name: f.alternative.replacement for f in report.stdlib} == {
        "requests": "urllib.request",
        "tomli": "tomllib",
    }
    assert [(o.category, o.names) for o in report.overlaps] == [
        ("http-client", ("httpx", "requests"))
    ]


def test_broken_notebook_is_reported_and_others_still_checked(report: SlimReport) -> None:
    assert [(p.path, p.line) for p in report.problems] == [("notebooks/broken.ipynb", 3)]
    assert "not valid JSON" in report.problems[0].message
    assert "notebooks/explore.ipynb" in report.files_scanned
    assert report.exit_code == 1  # not checked: the run fails, the rest is analysed


def test_subtree_weight_of_fixture_environment(report: SlimReport) -> None:
    weights = {w.name: (len(w.brings), w.only_through) for w in report.weights}
    # requests ─ certifi, charset-normalizer, idna, urllib3  (PySocks only with [socks])
    #   certifi, idna also via httpx; urllib3 also via types-requests
    assert weights["requests"] == (4, ("charset-normalizer",))
    # httpx ─ anyio ─ idna, sniffio; httpcore ─ certifi, h11; certifi; idna; sniffio
    assert weights["httpx"] == (6, ("anyio", "h11", "httpcore", "sniffio"))
    # dbt-bigquery ─ dbt-core ─ jinja2 ─ markupsafe; pyyaml (declared); click (black too)
    #              └ google-cloud-bigquery ─ google-api-core ─ google-auth, protobuf
    #                                      └ google-cloud-core ─ google-api-core
    assert weights["dbt-bigquery"] == (
        10,
        (
            "dbt-core", "google-api-core", "google-auth", "google-cloud-bigquery",
            "google-cloud-core", "jinja2", "markupsafe", "protobuf",
        ),
    )
    # pytest ─ iniconfig, packaging, pluggy; exceptiongroup only on Python < 3.11 (venv is
    # 3.11.9) and colorama only on win32: both installed, neither counted
    assert weights["pytest"] == (3, ("iniconfig", "pluggy"))


def test_bad_pyproject_is_a_file_line_error_and_the_rest_is_checked(tmp_path: Path) -> None:
    project = tmp_path / "p"
    shutil.copytree(PROJECT, project, symlinks=True)
    (project / "notebooks" / "broken.ipynb").unlink()
    (project / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = >=3.11\n')
    bad = run_slim(project)
    assert [(p.path, p.line) for p in bad.problems] == [("pyproject.toml", 3)]
    assert "not valid TOML" in bad.problems[0].message
    assert {u.dependency.name for u in bad.unused} == {"matplotlib", "types-requests"}
    assert bad.exit_code == 2


def test_bad_requirement_line(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\npandas=>2.0\n")
    (tmp_path / "a.py").write_text("import requests\n")
    bad = run_slim(tmp_path)
    assert [(p.path, p.line) for p in bad.problems] == [("requirements.txt", 2)]
    assert [d.name for d in bad.declared] == ["requests"]
    assert bad.weight_note is not None and "no environment" in bad.weight_note


def test_without_environment_uses_curated_tables(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "scikit-learn>=1\nbeautifulsoup4\ndbt-bigquery>=1.7\nruff\nsix\n"
    )
    (tmp_path / "a.py").write_text("from sklearn import svm\nimport bs4\nimport yaml\n")
    (tmp_path / "run.sh").write_text("#!/bin/sh\nset -e\nuv run dbt build && ruff check .\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.8"\n')
    out = run_slim(tmp_path)
    assert {t.dependency.name: t.commands for t in out.tools} == {
        "dbt-bigquery": ("dbt",),  # dbt-* adapters are plugins of dbt-core, which runs as dbt
        "ruff": ("ruff",),
    }
    assert [u.dependency.name for u in out.unused] == ["six"]
    assert [(u.distribution, u.installed) for u in out.undeclared] == [("pyyaml", None)]
    assert [f.dependency.name for f in out.stdlib] == ["six"]
    assert out.exit_code == 1


def test_cli_json_and_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["slim", str(PROJECT), "--format", "json"])
    assert code == 1
    data = json.loads(capsys.readouterr().out)
    assert data["schema"] == "pipwarden.slim/1"
    assert {u["name"] for u in data["unused"]} == {"matplotlib", "types-requests"}
    assert data["problems"][0]["path"] == "notebooks/broken.ipynb"
    assert {d["name"] for d in data["subtree_weight"]["dependencies"]} >= {"dbt-bigquery"}


def test_cli_text_and_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slim", str(PROJECT)]) == 1
    text = capsys.readouterr().out
    assert "dbt-bigquery>=1.7.0" in text and "brings 10 packages, 8 only through it" in text
    assert "matplotlib" in text and "pipwarden add" in text
    assert "\x1b[" not in text
    out = tmp_path / "slim.md"
    assert main(["slim", str(PROJECT), "-f", "markdown", "-o", str(out)]) == 1
    md = out.read_text()
    assert md.startswith("## pipwarden slim") and "| matplotlib |" in md


def test_cli_clean_project_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    (tmp_path / "main.py").write_text("import requests\n")
    assert main(["slim", str(tmp_path), "--offline"]) == 0
    assert "✓" in capsys.readouterr().out


def test_cli_not_a_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slim", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_stdlib_alternative_skipped_when_dependency_is_already_conditional(
    tmp_path: Path,
) -> None:
    (tmp_path / "requirements.txt").write_text(
        'tomli>=2; python_version < "3.11"\nexceptiongroup>=1\nbackports.zoneinfo\n'
    )
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.9"\n')
    out = run_slim(tmp_path, offline=True)
    # tomli: conditional; exceptiongroup: needs 3.11 but the project supports 3.9
    assert [(f.dependency.name, f.alternative.replacement) for f in out.stdlib] == [
        ("backports-zoneinfo", "zoneinfo")
    ]


def test_cli_empty_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slim", str(tmp_path), "--offline"]) == 0
    assert "no declared dependencies found" in capsys.readouterr().out


def test_python_m_pip_needs_no_declaration(tmp_path: Path) -> None:
    """Every venv holds pip: ``python -m pip`` in a script is not an undeclared import."""
    from pipwarden.slim import run_slim

    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    (tmp_path / "job.py").write_text("import requests\n")
    (tmp_path / "setup.sh").write_text(
        "#!/bin/bash\n.venv/bin/python -m pip install -U pip\npython -m pytest\n"
    )
    report = run_slim(tmp_path, offline=True)
    assert [u.distribution for u in report.undeclared] == ["pytest"]


def test_real_world_source_files_never_stop_the_analysis(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Magics in a .py export, a BOM, syntax newer than this Python, an R notebook and a
    dangling symlink: each file is analysed, partly analysed or skipped; never exit 2."""
    (tmp_path / "requirements.txt").write_text("pandas>=2\nrequests>=2\nrich>=13\nnumpy>=1\n")
    (tmp_path / "export.py").write_text("%matplotlib inline\n!pip list\nimport pandas\n")
    (tmp_path / "bom.py").write_bytes(b"\xef\xbb\xbfimport requests\n")
    (tmp_path / "new.py").write_text("import rich\ntype Alias = int\nx = $oops\n")
    # __import__ calls need the whole file parsed: it does not, so its imports come from a
    # line scan and the file is listed as partly analysed (new.py's import statements
    # parse on their own: its other lines do not matter to the import scan)
    (tmp_path / "old.py").write_text("__import__('os')\nimport rich\nx = $oops\n")
    (tmp_path / "r.ipynb").write_text(json.dumps({
        "cells": [{"cell_type": "code", "source": "library(dplyr)\nimport numpy"}],
        "metadata": {"kernelspec": {"language": "R", "name": "ir"}},
    }))
    (tmp_path / "dangling.py").symlink_to(tmp_path / "nowhere.py")
    code = main(["slim", str(tmp_path), "--offline", "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert [p["path"] for p in data["partial"]] == ["old.py"]
    # pandas (magic export), requests (BOM), rich (line scan) are used; numpy only in R text
    assert {u["name"] for u in data["unused"]} == {"numpy"}
    assert code == 1


def test_unreadable_source_file_is_not_checked_not_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2\n")
    (tmp_path / "main.py").write_text("import requests\n")
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\nimport os\n")
    assert main(["slim", str(tmp_path), "--offline"]) == 1
    out = capsys.readouterr().out
    assert "? latin1.py: cannot read: not UTF-8 text" in out
    assert "the rest of the project was analysed" in out
