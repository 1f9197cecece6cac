"""``pipwarden fleet`` through the command line: formats, exit codes, colour, progress."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from pipwarden.cli import main


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    base = tmp_path / "code"
    write(base / "etl" / "requirements.txt", "pandas>=2.0\nrequests>=2.31\n")
    write(base / "api" / "requirements.txt", "pandas>=2.2\nhttpx>=0.27\n")
    write(
        base / "ml" / "pyproject.toml",
        '[project]\nname = "ml"\nversion = "0"\ndependencies = ["pandas>=2.0", "requests"]\n',
    )
    return base


def test_text_report_and_exit_code(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--offline", str(fleet)]) == 1
    captured = capsys.readouterr()
    out = captured.out
    assert out.startswith("pipwarden fleet — 3 projects under")
    assert "pandas" in out and "→ consolidate on pandas>=2.2" in out
    assert "HTTP client: requests (etl, ml) · httpx (api)" in out
    assert "Used by one project only" in out
    assert "audit: n/a" in out
    assert "\x1b[" not in out  # not a terminal: no colour
    assert captured.err == ""  # no progress when stderr is not a terminal


def test_consistent_fleet_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path / "a" / "requirements.txt", "pandas>=2.2\n")
    write(tmp_path / "b" / "requirements.txt", "pandas>=2.2.0\n")
    assert main(["fleet", "--offline", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "✓ same dependencies everywhere" in out


def test_json_stdout_is_only_the_report(fleet: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--offline", "--format", "json", str(fleet)]) == 1
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["schema"] == "pipwarden.fleet/1"
    assert data["level"] == "warn"
    assert data["matrix"]["pandas"] == {"api": ">=2.2", "etl": ">=2.0", "ml": ">=2.0"}
    assert data["matrix"]["requests"] == {"etl": ">=2.31", "ml": "*"}
    [pandas] = [d for d in data["divergences"] if d["package"] == "pandas"]
    assert pandas["suggestion"] == "pandas>=2.2"
    assert data["single_uses"] == [{"package": "httpx", "project": "api", "spec": ">=0.27"}]
    assert data["overlaps"][0]["preferred"] == "requests"
    assert {p["name"]: p["audit_findings"] for p in data["projects"]} == {
        "api": None,
        "etl": None,
        "ml": None,
    }
    assert captured.err == ""


def test_markdown_and_html_to_a_file(fleet: Path, tmp_path: Path) -> None:
    md = tmp_path / "out" / "fleet.md"
    assert main(["fleet", "--offline", "-f", "markdown", "-o", str(md), str(fleet)]) == 1
    text = md.read_text(encoding="utf-8")
    assert "### Divergence" in text and "| pandas |" in text and "`pandas>=2.2`" in text
    page = tmp_path / "fleet.html"
    assert main(["fleet", "--offline", "-f", "html", "-o", str(page), str(fleet)]) == 1
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert 'id="divergence"' in html and 'id="matrix"' in html and 'class="tree"' in html
    assert "<script" not in html and "http://" not in html


def test_unreadable_file_is_reported_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path / "a" / "requirements.txt", "pandas=>2.0\n")
    write(tmp_path / "b" / "requirements.txt", "pandas>=2.0\n")
    assert main(["fleet", "--offline", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert "requirements.txt:1" in out and "1 unreadable file" in out


def test_no_projects_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fleet", "--offline", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no projects found" in captured.err


def test_colour_rules(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    main(["fleet", "--offline", str(fleet)])
    assert "\x1b[" in capsys.readouterr().out
    main(["fleet", "--offline", "--no-color", str(fleet)])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.setenv("NO_COLOR", "1")
    main(["fleet", "--offline", str(fleet)])
    assert "\x1b[" not in capsys.readouterr().out
    monkeypatch.delenv("NO_COLOR")
    main(["fleet", "--offline", "-f", "json", str(fleet)])
    assert "\x1b[" not in capsys.readouterr().out  # never in machine formats


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_goes_to_a_terminal_stderr_only(
    fleet: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = _Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(["fleet", "--offline", "-f", "json", str(fleet)]) == 1
    json.loads(capsys.readouterr().out)  # stdout untouched by progress
    shown = err.getvalue()
    assert "fleet:" in shown and "/3)" in shown
    assert shown.endswith("\r\x1b[2K")  # the line is cleared before the report
