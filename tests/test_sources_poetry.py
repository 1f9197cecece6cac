"""Poetry and PDM dependency tables in pyproject.toml, as those tools write them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.errors import InputError
from pipwarden.sources.poetry import poetry_specifier
from pipwarden.sources.pyproject import read_pyproject
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"

POETRY = """\
[tool.poetry]
name = "analytics"
version = "0.1.0"
description = ""
authors = ["Data Team <data@example.com>"]

[tool.poetry.dependencies]
python = "^3.11"
pandas = "^2.1"
jinja2 = "2.10.1"
requests = { version = "~2.25", extras = ["socks"] }
boto3 = { version = ">=1.28", optional = true }
internal = { git = "https://github.com/example/internal.git", tag = "v1.0" }

[tool.poetry.extras]
aws = ["boto3"]

[tool.poetry.dev-dependencies]
black = "*"

[tool.poetry.group.test.dependencies]
pytest = ">=7.0 <9"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""


@pytest.mark.parametrize(
    ("poetry", "pep440"),
    [
        ("^1.2.3", ">=1.2.3,<2"),
        ("^1.2", ">=1.2,<2"),
        ("^0.2.3", ">=0.2.3,<0.3"),
        ("^0.0.3", ">=0.0.3,<0.0.4"),
        ("^0", ">=0,<1"),
        ("~1.2.3", ">=1.2.3,<1.3"),
        ("~1", ">=1,<2"),
        ("1.2.*", "==1.2.*"),
        ("*", ""),
        ("1.4", "==1.4"),
        ("=1.4", "==1.4"),
        (">= 1.2, < 1.5", ">=1.2,<1.5"),
        (">=7.0 <9", ">=7.0,<9"),
        ("!=1.5", "!=1.5"),
    ],
)
def test_poetry_constraints_translate_to_pep440(poetry: str, pep440: str) -> None:
    assert poetry_specifier(poetry) == pep440


@pytest.mark.parametrize("bad", ["^1.0 || ^2.0", "^latest", ">="])
def test_untranslatable_constraints_raise(bad: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        poetry_specifier(bad)


def test_poetry_tables_read_with_groups_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(POETRY)
    deps = {d.name: d for d in read_pyproject(path).dependencies}
    assert set(deps) == {"pandas", "jinja2", "requests", "boto3", "internal", "black", "pytest"}
    assert deps["jinja2"].pinned_version == "2.10.1"
    assert deps["jinja2"].location.line == 10
    assert deps["pandas"].specifier == ">=2.1,<3"
    assert deps["requests"].extras == ("socks",)
    assert deps["boto3"].group == "optional:aws"
    assert deps["internal"].url == "git+https://github.com/example/internal.git@v1.0"
    assert deps["black"].group == "group:dev" and deps["black"].specifier == ""
    assert deps["pytest"].group == "group:test"


def test_poetry2_project_table_wins_over_tool_poetry_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = ["pandas>=2.1"]\n'
        '[tool.poetry.dependencies]\npandas = { source = "internal" }\n'
        '[tool.poetry.group.dev.dependencies]\npytest = "^8"\n'
    )
    deps = read_pyproject(path).dependencies
    assert [(d.name, d.group) for d in deps] == [("pandas", None), ("pytest", "group:dev")]


def test_or_forms_become_one_dependency_per_alternative(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[tool.poetry.dependencies]\npython = "^3.11"\nshapely = ">=1.6,<1.8|>=1.9,<2"\n'
        'numpy = [\n  { version = ">=1.21", python = "<3.12" },\n'
        '  { version = ">=1.26", python = ">=3.12", markers = "sys_platform != \'win32\'" },\n]\n'
    )
    deps = [(d.name, d.specifier, d.marker, d.location.line)
            for d in read_pyproject(path).dependencies]
    assert deps == [
        ("shapely", ">=1.6,<1.8", None, 3),
        ("shapely", ">=1.9,<2", None, 3),
        ("numpy", ">=1.21", 'python_full_version < "3.12"', 4),
        ("numpy", ">=1.26",
         '(sys_platform != \'win32\') and (python_full_version >= "3.12")', 4),
    ]


def test_bad_constraint_is_an_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.poetry.dependencies]\npython = "^3.11"\nnumpy = "^latest"\n')
    with pytest.raises(InputError) as info:
        read_pyproject(path)
    assert info.value.line == 3 and "not a version" in str(info.value)


def test_pdm_dev_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\nversion = "1"\ndependencies = []\n'
        '[tool.pdm.dev-dependencies]\nlint = ["ruff>=0.5"]\n'
        'test = ["pytest>=8", "-e file:///${PROJECT_ROOT}/libs/core#egg=core"]\n'
    )
    deps = read_pyproject(path).dependencies
    assert [(d.name, d.group, d.location.line) for d in deps if d.url is None] == [
        ("ruff", "group:lint", 6), ("pytest", "group:test", 7)]
    editable = [d for d in deps if d.url is not None]
    assert len(editable) == 1 and editable[0].editable


def test_audit_finds_a_vulnerable_poetry_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "db.sqlite3"
    import_source(ARCHIVE, db)
    as_current(db)  # the 2024 records, dated today: matching is under test
    (tmp_path / "pyproject.toml").write_text(POETRY)
    code = main(["audit", "--pyproject", str(tmp_path / "pyproject.toml"), "--db", str(db),
                 "--offline", "--project", str(tmp_path), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 1
    jinja = [f for f in doc["findings"] if f["package"] == "jinja2"]
    assert jinja and jinja[0]["kind"] == "pinned" and jinja[0]["line"] == 10
