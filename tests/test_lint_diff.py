"""``pipwarden lint --fix --diff``: the fixes as a unified diff, nothing written.

The preview runs the same fix passes as ``--fix`` over texts held in memory, so its diff
must turn each file into exactly what ``--fix`` writes, and it must refuse the files
``--fix`` refuses, with the same message.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.lint import LintConfig, run_lint
from pipwarden.settings import Settings

PINNED = "requests==2.31.0\n"


def _project(base: Path) -> Path:
    """Fixes in three files (two passes on one line), a pyproject and an untouched file."""
    root = base / "proj"
    (root / "requirements").mkdir(parents=True)
    (root / "requirements.txt").write_text(
        "# app\nRequests==2.19.1  # keep me\n-r requirements/dev.txt\nnumpy>=1.26\n",
        encoding="utf-8",
    )
    (root / "requirements" / "dev.txt").write_text("pytest==8.0.0\n", encoding="utf-8")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "1"\ndependencies = ["pandas==2.1.0"]\n',
        encoding="utf-8",
    )
    (root / "constraints.txt").write_text("numpy>=1.26\n", encoding="utf-8")
    return root


def _digests(root: Path) -> dict[str, tuple[str, float]]:
    """Every file's SHA-256 and modification time."""
    return {
        str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime)
        for p in sorted(root.rglob("*")) if p.is_file()
    }


def _lint(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["lint", "--offline", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_diff_shows_every_file_fix_would_touch_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    before = _digests(root)
    code, out, err = _lint(["--fix", "--diff", str(root)], capsys)
    assert _digests(root) == before  # bytes and mtimes: nothing written
    assert code == 1  # would change
    assert "--- a/requirements.txt\n+++ b/requirements.txt\n" in out
    assert "-Requests==2.19.1  # keep me\n+requests>=2.19.1  # keep me\n" in out
    assert "--- a/requirements/dev.txt\n+++ b/requirements/dev.txt\n" in out
    assert "-pytest==8.0.0\n+pytest>=8.0.0\n" in out
    assert "--- a/pyproject.toml\n+++ b/pyproject.toml\n" in out
    assert '+dependencies = ["pandas>=2.1.0"]\n' in out
    assert "constraints.txt" not in out and str(tmp_path) not in out  # paths relative
    assert "Would fix" in err and "nothing written" in err  # the summary is not in the patch
    assert "Fixed" not in out + err


def test_diff_turns_each_file_into_what_fix_writes(tmp_path: Path) -> None:
    root = _project(tmp_path)
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    settings = Settings(cache_dir=tmp_path / "cache", db_path=tmp_path / "db.sqlite3",
                        offline=True)
    preview = run_lint([root], LintConfig(fix=True, diff=True), settings=settings, offline=True)
    fixed = run_lint([copy], LintConfig(fix=True), settings=settings, offline=True)
    assert preview.preview and not fixed.preview
    assert preview.fixed == fixed.fixed > 0
    assert [f.code for f in preview.findings] == [f.code for f in fixed.findings]
    changed = {c.path: c for c in preview.changes}
    assert set(changed) == {"pyproject.toml", "requirements.txt", "requirements/dev.txt"}
    for rel, change in changed.items():
        assert change.before == (root / rel).read_text(encoding="utf-8")
        assert change.after == (copy / rel).read_text(encoding="utf-8"), rel
    assert (copy / "constraints.txt").read_text(encoding="utf-8") == "numpy>=1.26\n"


def test_diff_alone_implies_the_preview(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    before = _digests(root)
    both = _lint(["--fix", "--diff", str(root)], capsys)
    alone = _lint(["--diff", str(root)], capsys)
    assert alone == both
    assert _digests(root) == before


def test_diff_of_a_clean_project_is_empty_and_exits_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2.31\n", encoding="utf-8")
    code, out, err = _lint(["--diff", str(tmp_path)], capsys)
    assert (code, out) == (0, "")
    assert "No problems in 1 file" in err


def test_diff_keeps_a_missing_final_newline_visible(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy>=1\nrequests==2.31.0", encoding="utf-8")
    code, out, _ = _lint(["--diff", "--select", "PW101", str(tmp_path)], capsys)
    assert code == 1
    assert out.endswith("-requests==2.31.0\n\\ No newline at end of file\n"
                        "+requests>=2.31.0\n\\ No newline at end of file\n")


def test_json_carries_the_diff(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    before = _digests(root)
    code, out, _ = _lint(["--diff", "-f", "json", str(root)], capsys)
    data = json.loads(out)
    assert code == 1 and data["preview"] is True
    assert data["summary"]["fixed"] == 0 and data["summary"]["would_fix"] >= 3
    assert "+++ b/requirements/dev.txt\n" in data["diff"]
    assert _digests(root) == before
    code, out, _ = _lint(["-f", "json", str(root)], capsys)
    assert json.loads(out)["preview"] is False and json.loads(out)["diff"] is None


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "readonly"])
def test_diff_refuses_what_fix_refuses_with_the_same_message(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    req = project / "requirements.txt"
    other = tmp_path / "elsewhere.txt"
    other.write_text(PINNED, encoding="utf-8")
    if kind == "symlink":
        req.symlink_to(other)
    elif kind == "hardlink":
        os.link(other, req)
    else:
        req.write_text(PINNED, encoding="utf-8")
        req.chmod(0o444)
    args = ["--select", "PW101", str(project)]
    code, out, err = _lint(["--diff", *args], capsys)
    assert (code, out) == (2, "")  # no diff for a file --fix would not write
    refusal = next(line for line in err.splitlines() if "error: not written" in line)
    fix_code, fix_out, _ = _lint(["--fix", *args], capsys)
    assert fix_code == 2 and refusal in fix_out.splitlines()
    assert req.read_text(encoding="utf-8") == PINNED == other.read_text(encoding="utf-8")
    if kind == "readonly":
        assert stat.S_IMODE(req.stat().st_mode) == 0o444


def test_diff_notes_the_files_fix_leaves_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared.txt"
    shared.write_text(PINNED, encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    hashed = "idna==3.4 --hash=sha256:" + "a" * 64 + "\nsix==1.16.0\n"  # hash-checking mode
    (project / "locked.txt").write_text(hashed, encoding="utf-8")
    (project / "requirements.txt").write_text("-r ../shared.txt\nidna==3.4\n", encoding="utf-8")
    (project / "requirements-locked.txt").write_text("-r locked.txt\n", encoding="utf-8")
    code, out, err = _lint(["--diff", "--select", "PW101", str(project)], capsys)
    assert code == 1
    assert "+++ b/requirements.txt\n" in out and "-idna==3.4\n+idna>=3.4\n" in out
    assert [line for line in out.splitlines() if line.startswith(("---", "+++"))] == [
        "--- a/requirements.txt", "+++ b/requirements.txt"]
    notes = [line for line in err.splitlines() if "fixes not applied" in line]
    assert any("outside the project folder" in n for n in notes)
    assert any("hash-checked" in n for n in notes)
    _lint(["--fix", "--select", "PW101", str(project)], capsys)
    assert shared.read_text(encoding="utf-8") == PINNED
    assert (project / "locked.txt").read_text(encoding="utf-8") == hashed
