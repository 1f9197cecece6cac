"""Lint on shapes real projects have: local versions, uv pip, per-group pyproject lists."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement

from pipwarden.cli import main


def _lint(project: Path, *args: str) -> int:
    return main(["lint", str(project), "--offline", *args])


def test_local_version_pin_fix_writes_a_valid_floor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.8.0+cpu\ntorchvision===0.23.0+cu128  # GPU build\n")
    assert _lint(tmp_path, "--select", "PW101") == 1
    out = capsys.readouterr().out
    assert "torch>=2.8.0 " in out and ">=2.8.0+cpu" not in out
    assert "+cpu comes from the index" in out
    assert _lint(tmp_path, "--select", "PW101", "--fix") == 0
    lines = [line.split("#")[0].strip() for line in req.read_text().splitlines()]
    assert lines == ["torch>=2.8.0", "torchvision>=0.23.0"]
    for line in lines:
        Requirement(line)  # every written line is a valid PEP 508 requirement


def test_no_floor_from_a_local_installed_version_is_valid(tmp_path: Path) -> None:
    from pipwarden.lint.pins import floor_version

    assert floor_version("2.8.0+cu128") == "2.8.0"
    assert floor_version("1.0") == "1.0"
    assert floor_version("latest") is None
    assert floor_version("") is None


@pytest.mark.parametrize(
    ("script", "fires"),
    [
        ("uv pip install pandas\n", False),
        ("uv pip install --system pandas\n", True),
        ("pip install pandas\n", True),
    ],
    ids=["uv-pip", "uv-pip-system", "plain-pip"],
)
def test_pw702_exempts_uv_pip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str, fires: bool
) -> None:
    (tmp_path / "setup.sh").write_text("#!/bin/sh\n" + script)
    code = _lint(tmp_path, "--select", "PW702")
    out = capsys.readouterr().out
    assert ("PW702" in out) is fires
    assert code == (1 if fires else 0)


def test_pw303_compares_within_one_extra_or_group(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["pandas>=2.1"]\n'
        '[project.optional-dependencies]\nperf = ["pandas[performance]>=2.1"]\n'
        'plot = ["matplotlib>=3.8"]\n'
        '[dependency-groups]\ndev = ["pytest>=8", "pandas>=2.2"]\n'
        'test = ["pytest>=8", "pytest>=7"]\n'
    )
    assert _lint(tmp_path, "--select", "PW303") == 1
    out = capsys.readouterr().out
    findings = [line for line in out.splitlines() if "PW303" in line]
    assert len(findings) == 1, out
    assert "pytest>=7 conflicts with pytest>=8" in findings[0]


def test_vulnerability_floor_rule_reads_a_local_version_pin(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """PW403 judges a pin as the floor it should become: +xpu must not crash it."""
    from pipwarden.vulndb.update import import_source

    db = tmp_path / "db.sqlite3"
    import_source(Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip",
                  db)
    project = tmp_path / "p"
    project.mkdir()
    (project / "requirements.txt").write_text("torch==2.1.0+xpu\njinja2==2.10.1+local\n")
    code = main(["lint", str(project), "--offline", "--db", str(db)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and code == 1
    assert "PW403" in captured.out and "jinja2" in captured.out
