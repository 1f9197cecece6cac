"""Committed secrets: recall on a planted repository, no false alarm on look-alikes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipwarden.secretscan import scan_project
from pipwarden.secretscan.files import GitIgnore
from secret_fixtures import plant

Planted = tuple[Path, set[tuple[str, str]], set[str]]


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> Planted:
    root = tmp_path_factory.mktemp("repo")
    expected, negatives = plant(root)
    return root, expected, negatives


def test_planted_secrets_are_found(planted: Planted) -> None:
    root, expected, _ = planted
    found = {(f.path, f.kind) for f in scan_project(root).findings}
    missed = expected - found
    kinds = {kind for _, kind in expected}
    types = {Path(path).suffix or Path(path).name for path, _ in expected}
    assert len(kinds) >= 30 and len(types) >= 12
    recall = 1 - len(missed) / len(expected)
    assert recall >= 0.95, sorted(missed)


def test_look_alikes_are_not_flagged(planted: Planted) -> None:
    root, _, negatives = planted
    assert len(negatives) >= 20
    flagged = {f.path for f in scan_project(root).findings} & negatives
    assert flagged == set()


def test_no_value_in_findings(planted: Planted) -> None:
    root, _, _ = planted
    for finding in scan_project(root).findings:
        assert set(vars(finding)) == {"path", "line", "kind", "severity", "ignored"}


def test_ignored_key_file_is_reported_as_ignored(
    planted: Planted
) -> None:
    root, _, _ = planted
    backup = [f for f in scan_project(root).findings if f.path == "secrets/backup_key.pem"]
    assert backup and backup[0].ignored and backup[0].severity == "problem"


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "ignored"),
    [
        ("*.log", "a/b/run.log", False, True),
        ("/build", "build", True, True),
        ("/build", "src/build", True, False),
        ("docs/*.md", "docs/a.md", False, True),
        ("docs/*.md", "docs/x/a.md", False, False),
        ("**/tmp", "a/b/tmp", True, True),
        ("cache/", "cache", False, False),
        ("cache/", "x/cache", True, True),
        ("a/**/b", "a/x/y/b", False, True),
    ],
)
def test_gitignore_patterns(
    tmp_path: Path, pattern: str, path: str, is_dir: bool, ignored: bool
) -> None:
    (tmp_path / ".gitignore").write_text(pattern + "\n")
    rules = GitIgnore()
    rules.add_file(tmp_path / ".gitignore", "")
    assert rules.ignored(path, is_dir=is_dir) is ignored


def test_negation_and_nested_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("*.env\n!keep.env\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / ".gitignore").write_text("local.cfg\n")
    rules = GitIgnore()
    rules.add_file(tmp_path / ".gitignore", "")
    rules.add_file(tmp_path / "sub" / ".gitignore", "sub")
    assert rules.ignored("x.env", is_dir=False)
    assert not rules.ignored("keep.env", is_dir=False)
    assert rules.ignored("sub/local.cfg", is_dir=False)
    assert not rules.ignored("local.cfg", is_dir=False)


@pytest.mark.parametrize("command", ["check", "doctor"])
def test_check_and_doctor_report_the_planted_secrets(
    planted: Planted, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recall >= 95 % through both commands, no negative flagged, no value printed."""
    import json
    import re

    from pipwarden.cli import main

    root, expected, negatives = planted
    argv = [command, str(root), "--format", "json"]
    if command == "check":
        argv += ["--offline", "--db", str(root / "missing.sqlite3")]
    code = main(argv)
    out, err = capsys.readouterr()
    assert code != 0
    doc = json.loads(out)
    creds = doc["credentials"] if command == "doctor" else doc["doctor"]["credentials"]
    found = {(c["location"].split(":")[0], c["kind"]) for c in creds}
    found_paths = {path for path, _ in found}
    hit = {(path, kind) for path, kind in expected if path in found_paths}
    assert len(hit) / len(expected) >= 0.95, sorted(expected - hit)
    assert not (found_paths & negatives)
    # no secret value in any output: the planted files' long random runs never appear
    secrets = set()
    for path, _ in expected:
        text = (root / path).read_text(errors="replace")
        secrets.update(re.findall(r"[A-Za-z0-9_\-]{16,}", text))
    secrets = {s for s in secrets if any(c.isdigit() for c in s) and any(c.isalpha() for c in s)}
    leaked = [s for s in secrets if s in out or s in err]
    assert not leaked[:1], "a secret value was printed"


_PARALLEL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import pipwarden.secretscan as scan
from pipwarden.secretscan.files import walk_project
from secret_fixtures import plant

root = Path(sys.argv[1])
plant(root)
files = list(walk_project(root))
serial = scan.scan_files(files, workers=1)
scan.PARALLEL_MIN_BYTES = 0  # every project counts as large here
forked = scan._scan_forked(files, [f.path.stat().st_size for f in files], 2)
assert forked is not None, "fork unavailable"
parallel = scan.scan_files(files, workers=2)
assert parallel == serial, (parallel, serial)
assert serial.findings
print("same", len(serial.findings))
"""


def test_a_large_project_scanned_by_forked_workers_gives_the_same_findings(
    tmp_path: Path,
) -> None:
    # in a fresh single-threaded interpreter: a pytest-xdist worker has threads, and the
    # scan (rightly) never forks a threaded process
    import subprocess
    import sys

    tests = Path(__file__).parent
    proc = subprocess.run(
        [sys.executable, "-c", _PARALLEL_SCRIPT, str(tmp_path / "p"), str(tests)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("same"), proc.stderr[-2000:]


def _json_run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    import json

    from pipwarden.cli import main

    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


def test_a_file_the_scan_cannot_read_is_not_checked_never_a_tick(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file too large to scan or one that cannot be read could hold a secret: doctor and
    check show it as not checked and fail (before, both said "✓ no credentials lying
    around"); the policy's allow-unread accepts it."""
    from pipwarden import secretscan

    monkeypatch.setattr(secretscan, "MAX_SCAN_BYTES", 256 * 1024)  # small sizes, same paths
    project = tmp_path / "proj"
    project.mkdir()
    (project / "app.py").write_text("print('hello')\n")
    (project / "export.log").write_text("x" * (secretscan.MAX_SCAN_BYTES + 10))
    (project / "locked.cfg").write_text("[db]\nhost = localhost\n")
    real_read = secretscan._read

    def read(path: Path) -> bytes | OSError | None:
        if path.name == "locked.cfg":
            return PermissionError(13, "Permission denied")
        return real_read(path)

    monkeypatch.setattr(secretscan, "_read", read)
    code, report = _json_run(["doctor", str(project), "--format", "json"], capsys)
    unread = {n["what"]: n for n in report["not_checked"]}  # type: ignore[union-attr]
    assert set(unread) == {"export.log", "locked.cfg"} and code == 1
    assert "larger than 0 MB" in unread["export.log"]["reason"]  # type: ignore[index]
    assert "Permission denied" in unread["locked.cfg"]["reason"]  # type: ignore[index]
    creds = [c for c in report["checks"] if c["id"] == "credentials"]  # type: ignore[union-attr,index]
    assert creds[0]["status"] == "warn" and "not scanned" in creds[0]["title"]
    code, text = main_text(["doctor", str(project)], capsys)
    assert "✓ all good" not in text and "? 2 files not checked" in text
    assert "no credentials lying around" not in text
    code, report = _json_run(
        ["check", str(project), "--offline", "--format", "json"], capsys
    )
    whats = {n["what"] for n in report["not_checked"]}  # type: ignore[union-attr]
    assert {"export.log", "locked.cfg"} <= whats and code != 0
    (project / ".pipwarden.toml").write_text('allow-unread = ["export.log", "*.cfg"]\n')
    code, report = _json_run(["doctor", str(project), "--format", "json"], capsys)
    assert code == 0 and all(not n["blocking"] for n in report["not_checked"])  # type: ignore[union-attr,index]


def main_text(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    from pipwarden.cli import main

    code = main(argv)
    return code, capsys.readouterr().out


def test_a_large_file_is_scanned_in_pieces_with_its_line_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A text file over the size read at once (a data export, a log) is still scanned,
    piece by piece cut at line ends: a secret past the first piece is found on its line,
    and a line longer than a piece is cut inside it, never skipped."""
    from pipwarden import secretscan

    monkeypatch.setattr(secretscan, "MAX_FILE_BYTES", 4096)
    project = tmp_path / "proj"
    project.mkdir()
    rows = [f"{n},some,value,{'z' * 40}" for n in range(2000)]  # ~100 KB: 25 pieces
    rows[1500] = "1500,key=AKIAIOSFODNN7EXAMPLX,row"
    rows[1800] = "1800," + "y" * 9000 + " ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    (project / "export.csv").write_text("\n".join(rows) + "\n")
    scan = scan_project(project)
    found = {(f.path, f.line, f.kind) for f in scan.findings}
    assert ("export.csv", 1501, "aws-access-key") in found
    assert any(f.path == "export.csv" and f.kind == "github-token" for f in scan.findings)
    assert scan.unread == ()
