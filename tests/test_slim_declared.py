from __future__ import annotations

from pathlib import Path

import pytest

from pipwarden.slim.declared import lowest_python, read_declared


def test_requirements_files_includes_options_and_continuations(tmp_path: Path) -> None:
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements.txt").write_text(
        "# comment\n"
        "--index-url https://pypi.org/simple\n"
        "-c constraints.txt\n"
        "Pandas[performance] >= 2.0 ; python_version >= '3.9'  # trailing comment\n"
        "requests>=2 \\\n"
        "    --hash=sha256:abc\n"
        "-e git+https://github.com/o/r.git@abc#egg=My_Lib\n"
        "./local/path\n"
        "https://example.com/pkg-1.0.tar.gz\n"
        "-r requirements/base.txt\n"
        "-r requirements.txt\n"  # a cycle is followed once
    )
    (tmp_path / "requirements" / "base.txt").write_text("numpy>=1.26\n")
    declared = read_declared(tmp_path)
    assert declared.problems == ()
    got = [(d.name, d.specifier, str(d.location), d.extras) for d in declared.dependencies]
    assert got == [
        ("pandas", ">=2.0", "requirements.txt:4", ("performance",)),
        ("requests", ">=2", "requirements.txt:5", ()),
        ("my-lib", "", "requirements.txt:7", ()),
        ("numpy", ">=1.26", "requirements/base.txt:1", ()),
    ]
    assert declared.files == ("requirements.txt", "requirements/base.txt")


def test_pyproject_dependencies_extras_and_groups(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\n"
        'name = "x"\n'
        'requires-python = ">=3.10"\n'
        'dependencies = [\n  "httpx>=0.27",\n  "bad name here",\n]\n'
        "[project.optional-dependencies]\n"
        'plot = ["matplotlib>=3"]\n'
        "[dependency-groups]\n"
        'dev = ["pytest>=8", {include-group = "lint"}]\n'
        'lint = ["ruff"]\n'
    )
    declared = read_declared(tmp_path)
    assert declared.requires_python == ">=3.10"
    assert [(d.name, d.group, d.location.line) for d in declared.dependencies] == [
        ("httpx", None, 5), ("matplotlib", "plot", 9), ("pytest", "dev", 11),
        ("ruff", "lint", 12),
    ]
    assert [(p.path, p.line) for p in declared.problems] == [("pyproject.toml", 6)]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=3.11", (3, 11)),
        (">=3.9.2", (3, 9)),
        ("~=3.10", (3, 10)),
        (">=2.7,!=3.0.*,!=3.1.*", (2, 7)),
        ("!=3.8.*,>=3.8", (3, 9)),
        ("<3", (2, 7)),
        (None, None),
        ("nonsense", None),
    ],
)
def test_lowest_python(spec: str | None, expected: tuple[int, int] | None) -> None:
    assert lowest_python(spec) == expected
