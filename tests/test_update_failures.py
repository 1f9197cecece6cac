"""``pipwarden update`` when pip fails: an index it cannot reach, a pip that hangs, an
upgrade that breaks in the middle. Never "nothing changed", never a half-upgraded venv.

One template (a venv holding ``pwt-good 1.0`` and ``pwt-bad 1.0``, which needs pwt-good) is
built per module and copied per test. ``w2`` offers ``pwt-good 2.0`` and a ``pwt-bad 2.0``
whose wheel holds a ``../`` path: pip upgrades pwt-good, then refuses pwt-bad mid-install.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipwarden import cli
from pipwarden.sources.environment import read_environment
from update_helpers import copy_venv, pip_install, use_isolated_pip
from wheelhouse import make_wheel


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("update-failures")
    project = root / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("pwt-bad>=1.0\n", encoding="utf-8")
    w1, w2 = root / "w1", root / "w2"
    make_wheel(w1, "pwt-good", "1.0")
    make_wheel(w1, "pwt-bad", "1.0", requires=["pwt-good"])
    make_wheel(w2, "pwt-good", "2.0")
    make_wheel(w2, "pwt-bad", "2.0", requires=["pwt-good>=2"],
               extra_files={"../../escape.txt": b"outside\n"})
    copy_venv(tmp_path_factory, project / ".venv")
    pip_install(project / ".venv", "--find-links", str(w1), "pwt-bad")
    return root


@pytest.fixture
def copy(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    shutil.copytree(template, tmp_path / "t", symlinks=True)
    use_isolated_pip(monkeypatch)
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", "http://127.0.0.1:9")
    yield tmp_path / "t"


def _versions(venv: Path) -> list[tuple[str, str]]:
    return sorted((p.name, p.version) for p in read_environment(venv).packages
                  if p.name.startswith("pwt-"))


def test_unreachable_index_is_exit_3_with_the_reason_never_nothing_changed(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip itself shrugs off an index it cannot reach ("Requirement already satisfied",
    exit 0); update reads pip's debug log and fails with the URL, fast."""
    started = time.monotonic()
    code = cli.main(["update", str(copy / "project"), "--offline",
                     "--index-url", "http://user:hunter2@127.0.0.1:9/simple"])
    out, err = capsys.readouterr()
    assert code == 3
    assert "pip could not reach the package index: http://user:" in err
    assert "@127.0.0.1:9/simple/pip/: [Errno 111] Connection refused" in err
    assert "hunter2" not in out + err
    assert "nothing changed" not in out + err
    assert time.monotonic() - started < 60


def test_a_pip_that_hangs_is_stopped_at_the_deadline(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An index that accepts the connection and never answers: pip's own timeout (15 s
    here) is longer than the deadline, so update stops pip at 2 s and says so (exit 3)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        port = server.getsockname()[1]
        started = time.monotonic()
        code = cli.main(["update", str(copy / "project"), "--offline", "--deadline", "2s",
                         "--index-url", f"http://127.0.0.1:{port}/simple"])
        elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert code == 3
    assert "pip did not finish within the 2 s deadline and was stopped" in err
    assert elapsed < 12
    assert _versions(copy / "project" / ".venv") == [("pwt-bad", "1.0"), ("pwt-good", "1.0")]


def test_an_upgrade_that_fails_midway_is_rolled_back(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip upgrades pwt-good to 2.0, then refuses pwt-bad 2.0 and exits 1, leaving a
    half-upgraded venv: update restores both 1.0 versions (same --no-index/--find-links)
    and says so; pip rejected the requirements, so exit 2."""
    venv = copy / "project" / ".venv"
    code = cli.main(["update", str(copy / "project"), "--offline", "--no-index",
                     "--find-links", str(copy / "w1"), "--find-links", str(copy / "w2")])
    err = capsys.readouterr().err
    assert code == 2
    assert "pip failed (exit 1): ERROR: For req: pwt-bad" in err
    assert "; the venv is restored to what it was before (pwt-bad 1.0, pwt-good 1.0)" in err
    assert _versions(venv) == [("pwt-bad", "1.0"), ("pwt-good", "1.0")]


def test_a_restore_that_fails_prints_the_command_with_the_same_index_options(
    copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only w2 is offered: pwt-good 1.0 cannot be found again. The message says the venv
    could not be put back, and the manual command keeps --no-index and --find-links (it
    used to drop them, so the printed command looked at PyPI instead)."""
    w2 = str(copy / "w2")
    code = cli.main(["update", str(copy / "project"), "--offline", "--no-index",
                     "--find-links", w2])
    err = capsys.readouterr().err
    assert code == 2
    assert "the venv could NOT be put back" in err
    manual = err[err.index("to get the previous versions back:"):].splitlines()[0]
    assert f"install --no-deps --find-links {w2} --no-index -r " in manual
    assert "restore-" in manual
