"""pyproject.toml (PEP 621 + PEP 735), pylock.toml (PEP 751) and project discovery."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipwarden.errors import InputError
from pipwarden.sources.project import discover
from pipwarden.sources.pylock import read_pylock
from pipwarden.sources.pyproject import read_pyproject

DATA = Path(__file__).parent / "data" / "sources"


def test_pyproject_dependencies_groups_and_lines() -> None:
    project = read_pyproject(DATA / "pyproject.toml")
    assert project.name == "demo-project"
    assert project.requires_python == ">=3.11"
    assert project.tool_pipwarden == {"fail-on": "high", "ignore": [
        {"id": "PYSEC-2024-1", "reason": "not reachable", "until": "2030-01-01"}]}
    got = [(d.group, d.name, d.specifier, d.location.line, d.location.column)
           for d in project.dependencies]
    assert got == [
        (None, "requests", ">=2.31", 9, 6),
        (None, "pandas", ">=2", 10, 6),
        (None, "tomli", "", 11, 6),
        ("optional:excel", "openpyxl", ">=3.1", 15, 11),
        ("optional:dev", "pytest", ">=8", 16, 9),
        ("optional:dev", "requests", ">=2.31", 16, 22),
        ("group:test", "pytest", ">=8", 19, 10),
        ("group:test", "coverage", "", 19, 23),
        ("group:lint", "ruff", ">=0.5", 20, 10),
        ("group:dev", "pytest", ">=8", 19, 10),
        ("group:dev", "coverage", "", 19, 23),
        ("group:dev", "ruff", ">=0.5", 20, 10),
        ("group:dev", "mypy", "", 24, 6),
    ]
    tomli = project.dependencies[2]
    assert tomli.marker == 'python_version < "3.11"'
    assert project.dependencies[1].extras == ("excel",)
    assert [(d.name, d.group, d.location.line, d.location.column)
            for d in project.build_requires] == [
        ("flit-core", "build", 2, 14),
    ]


def test_pyproject_same_string_in_two_tables_gets_each_line(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[dependency-groups]\ndev = ["numpy"]\n\n[project]\nname = "x"\n'
        'dependencies = [\n  "numpy",\n  \'numpy; os_name == "nt"\',\n]\n',
        encoding="utf-8",
    )
    deps = read_pyproject(path).dependencies
    assert [(d.group, d.location.line) for d in deps] == [(None, 7), (None, 8), ("group:dev", 2)]


def test_pyproject_dotted_and_inline_optional_dependencies(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        '[project]\nname = "x"\ndependencies = ["a"]\n'
        'optional-dependencies.docs = ["sphinx>=7"]\n',
        encoding="utf-8",
    )
    deps = read_pyproject(path).dependencies
    assert [(d.group, d.name, d.location.line) for d in deps] == [
        (None, "a", 3), ("optional:docs", "sphinx", 4),
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ('[project]\nname = "x"\ndependencies = ["ok",\n  "pandas=>2"]\n', 4, "cannot parse"),
        ('[project]\nname = "x"\ndependencies = [\n', 3, "not valid TOML"),  # at the end
        ('[project]\nname = = "x"\n', 2, "not valid TOML"),
        ('[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n',
         None, "include cycle: a -> b -> a"),
        ('[dependency-groups]\na = [{include-group = "nope"}]\n', None, "unknown group"),
        ('[dependency-groups]\na = [{other = "x"}]\n', None, "include-group"),
        ('[project]\ndependencies = "requests"\n', None, "must be an array"),
        ('[project]\ndependencies = [1]\n', None, "must hold strings"),
    ],
)
def test_pyproject_errors(tmp_path: Path, text: str, line: int | None, fragment: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_pyproject(path)
    assert err.value.path == str(path)
    assert err.value.line == line
    assert fragment in str(err.value)


def test_pyproject_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_pyproject(tmp_path / "pyproject.toml")


def test_pylock_packages() -> None:
    deps = read_pylock(DATA / "pylock.toml")
    got = [(d.name, d.specifier, d.url, d.location.line, d.editable) for d in deps]
    assert got == [
        ("attrs", "==25.3.0", None, 8, False),
        ("my-lib", "", "./libs/my-lib", 18, True),
        ("numpy", "==2.2.0", None, 23, False),
        ("tool", "", "git+https://github.com/example/tool.git@"
                     "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567", 30, False),
    ]
    assert deps[0].hashes == ("sha256:aaaa", "sha256:bbbb")
    assert deps[2].marker == "python_version >= '3.10'"
    assert deps[0].pinned_version == "25.3.0"
    assert {d.group for d in deps} == {"main"}


def test_pylock_errors(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text('lock-version = "2.0"\n', encoding="utf-8")
    with pytest.raises(InputError, match="lock-version"):
        read_pylock(path)
    path.write_text('lock-version = "1.0"\n[[packages]]\nname = "x"\nversion = "not a '
                    'version!"\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_pylock(path)
    assert err.value.line == 2
    path.write_text('lock-version = "1.0"\n[[packages]]\nversion = "1"\n', encoding="utf-8")
    with pytest.raises(InputError, match="no name"):
        read_pylock(path)


def test_discover(tmp_path: Path) -> None:
    for name in ("requirements.txt", "requirements-dev.txt", "requirements/base.txt",
                 "requirements/notes.md", "pyproject.toml", "pylock.toml", "pylock.ci.toml",
                 "pylock.a.b.toml", ".venv/pyvenv.cfg", ".venv/requirements.txt",
                 "node_modules/x/requirements.txt", "sub/requirements.txt", "other.txt"):
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("", encoding="utf-8")
    project = discover(tmp_path, environ={})
    assert project.root == tmp_path
    assert [p.relative_to(tmp_path).as_posix() for p in project.requirements] == [
        "requirements-dev.txt", "requirements.txt", "requirements/base.txt",
    ]
    assert project.pyproject == tmp_path / "pyproject.toml"
    assert [p.name for p in project.pylock] == ["pylock.ci.toml", "pylock.toml"]
    assert project.venv == tmp_path / ".venv"
    empty = tmp_path / "sub"
    found = discover(empty, environ={})
    assert (found.pyproject, found.pylock, found.venv) == (None, (), None)
    with pytest.raises(InputError):
        discover(tmp_path / "missing", environ={})


def test_pyproject_collect_errors_and_each_string_once(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(
        "[project]\n"
        'dependencies = [\n  "httpx>=0.27",\n  "bad name here",\n]\n'
        "[dependency-groups]\n"
        'dev = ["pytest>=8", {include-group = "lint"}]\n'
        'lint = ["ruff", "not ok ("]\n'
    )
    with pytest.raises(InputError):
        read_pyproject(path)
    project = read_pyproject(path, collect_errors=True)
    assert [e.line for e in project.errors] == [4, 8]
    assert [(d.name, d.group) for d in project.dependencies] == [
        ("httpx", None), ("pytest", "group:dev"), ("ruff", "group:dev"), ("ruff", "group:lint"),
    ]
    once = read_pyproject(path, collect_errors=True, expand_includes=False)
    assert [(d.name, d.group, d.location.line) for d in once.dependencies] == [
        ("httpx", None, 3), ("pytest", "group:dev", 7), ("ruff", "group:lint", 8),
    ]
    path.write_text('[dependency-groups]\ndev = [{include-group = "nope"}]\n')
    with pytest.raises(InputError, match="unknown group"):
        read_pyproject(path, expand_includes=False)
