"""Hostile projects against the not-checked state: names that try to drive the terminal,
credentials in requirement URLs, an unreadable file that poses as something else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.cli import main

ESC = "\x1b"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small OSV sample shipped with the example project."""
    from pipwarden.vulndb.update import import_source

    path = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(Path(__file__).resolve().parents[2] / "examples" / "osv-sample.zip", path)
    return as_current(path)  # the sample is from 2024: not-checked states are under test


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


@pytest.mark.parametrize("fmt", ["text", "markdown", "sarif", "json"])
def test_escape_sequences_in_an_unreadable_file_name_never_reach_the_report(
    fmt: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
    # a conda package is "not checked": the hostile file name reaches every report format
    (project / f"environment-{ESC}[2J{ESC}]0;pwned\a\u202e.yml").write_text(
        "dependencies:\n  - numpy=1.26\n"
    )
    code, out = _run(
        ["audit", "--project", str(project), "--offline", "--db", str(db), "-f", fmt], capsys
    )
    assert code == 1
    assert ESC not in out and "\a" not in out and "\u202e" not in out
    if fmt in ("json", "sarif"):
        assert "\\u001b" not in out and "\\u202e" not in out.lower()
        json.loads(out)


def test_credentials_of_a_vcs_requirement_are_not_printed(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "p"
    project.mkdir()
    (project / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
    (project / "requirements.txt").write_text(
        "git+https://deploy:s3cr3t-token@git.example.com/lib.git#egg=lib\n"
    )
    for fmt in ("text", "json", "sarif", "markdown"):
        code, out = _run(
            ["audit", "--project", str(project), "--offline", "--db", str(db), "-f", fmt], capsys
        )
        assert code == 1
        assert "s3cr3t-token" not in out, fmt


def test_a_lock_file_named_like_a_pylock_is_read_as_one_and_a_uv_lock_never_is(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """uv.lock content in a file passed to --pylock: it is recognised by name as uv's, not
    read as an empty pylock (which would be "0 packages")."""
    project = tmp_path / "p"
    project.mkdir()
    (project / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
    (project / "uv.lock").write_text('lock-version = "1.0"\n')  # pretends to be a pylock
    code, out = _run(
        ["audit", "--pylock", str(project / "uv.lock"), "--project", str(project), "--offline",
         "--db", str(db)],
        capsys,
    )
    assert code in (1, 2) and "0 packages" not in out and "✓" not in out


def test_a_fifo_named_setup_cfg_never_blocks_discovery(tmp_path: Path) -> None:
    """setup.cfg is recognised by its content: a FIFO with that name must not be opened."""
    import os
    import threading

    from pipwarden.fleet import find_projects
    from pipwarden.sources.project import discover

    project = tmp_path / "p"
    project.mkdir()
    os.mkfifo(project / "setup.cfg")  # alone: nothing else makes the folder a project
    done: list[object] = []

    def work() -> None:
        done.append(find_projects([tmp_path]))
        done.append(discover(project))

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    thread.join(timeout=10)
    if thread.is_alive():  # unblock the reader so the test process can end
        fd = os.open(project / "setup.cfg", os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        thread.join(timeout=5)
        pytest.fail("discovery blocked on a FIFO")
    assert done[0] == [] and len(done) == 2
