"""Hostile projects, indexes and data against the cross-cutting safety layers, through the CLI.

- a repository whose ``.git/config`` names commands: pipwarden never runs them;
- ``lint --fix`` and ``add`` never write outside the project, through links, over hard
  links or read-only files; hash-checked files are not loosened; index answers are checked;
- URL credentials never reach any output format, log line or error message;
- terminal escapes, controls and bidi overrides from data never reach the terminal;
- SIGTERM ends a command cleanly (exit 143, ``finally`` blocks run).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback import LoopbackServer
from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source
from pypi_server import fast_serve

GIT = shutil.which("git")


# -- 1. git config cannot run code -----------------------------------------------------------


def _git(repo: Path, *args: str) -> None:
    empty = repo.parent / ".gitconfig-empty"  # not os.devnull: a test elsewhere may break it
    empty.touch()
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(empty)}
    subprocess.run(
        [GIT or "git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True, capture_output=True, env=env,
    )


def _hostile_repo(base: Path, marker: Path) -> Path:
    """A project with a lockfile and a .env tracked by git, then a config that runs code."""
    project = base / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text("requests>=2.31\n", encoding="utf-8")
    (project / "poetry.lock").write_text("# lock\n", encoding="utf-8")
    (project / ".env").write_text("API_TOKEN=abc123\n", encoding="utf-8")
    (project / ".gitattributes").write_text("* filter=evil diff=evil\n", encoding="utf-8")
    _git(project, "init", "-q")
    _git(project, "add", "-A")
    _git(project, "commit", "-q", "-m", "init")
    hooks = project / "hooks"
    hooks.mkdir()
    for hook in ("post-index-change", "pre-commit", "post-checkout", "reference-transaction"):
        script = hooks / hook
        script.write_text(f"#!/bin/sh\ntouch '{marker}-hook'\n", encoding="utf-8")
        script.chmod(0o755)
    (project / "evil.cfg").write_text(
        f"[core]\n\tfsmonitor = touch '{marker}-include'\n", encoding="utf-8"
    )
    with (project / ".git" / "config").open("a", encoding="utf-8") as fh:
        fh.write(
            f"[core]\n\tfsmonitor = touch '{marker}-fsmonitor'\n"
            f"\thooksPath = {hooks}\n\tuntrackedCache = false\n"
            f"[filter \"evil\"]\n\tclean = touch '{marker}-clean'\n"
            f"\tsmudge = touch '{marker}-smudge'\n\tprocess = touch '{marker}-process'\n"
            f"[diff \"evil\"]\n\ttextconv = touch '{marker}-textconv'\n"
            f"[diff]\n\texternal = touch '{marker}-external'\n"
            f"[includeIf \"gitdir:/\"]\n\tpath = {project / 'evil.cfg'}\n"
        )
    return project


@pytest.mark.skipif(GIT is None, reason="git is needed to build the hostile repository")
@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--offline", "{project}"],
        ["lint", "--offline", "{project}"],
        ["doctor", "{project}"],
        ["fleet", "--offline", "{base}"],
    ],
    ids=["check", "lint", "doctor", "fleet"],
)
def test_git_config_commands_never_run(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / f"pwned-{uuid.uuid4().hex}"
    project = _hostile_repo(tmp_path, marker)
    main([a.format(project=project, base=tmp_path) for a in argv])
    capsys.readouterr()
    assert not list(tmp_path.glob("pwned-*")), "a command from .git/config ran"


@pytest.mark.skipif(GIT is None, reason="git is needed to build the hostile repository")
def test_tracked_files_still_found_without_git(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reading the index keeps the checks that need it: PW501 and tracked .env files."""
    marker = tmp_path / f"pwned-{uuid.uuid4().hex}"
    project = _hostile_repo(tmp_path, marker)
    main(["lint", "--offline", str(project)])
    assert "PW501" in capsys.readouterr().out
    main(["doctor", str(project), "--format", "json"])
    assert ".env" in capsys.readouterr().out
    assert not list(tmp_path.glob("pwned-*"))


# -- 2. writes stay inside the project, never through links ------------------------------------

PINNED = "requests==2.31.0\n"


def _lint_fix(target: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["lint", "--offline", "--fix", "--select", "PW101", str(target)])
    out, err = capsys.readouterr()
    return code, out, err


def test_fix_never_writes_an_include_outside_the_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared.txt"
    shared.write_text(PINNED, encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text(f"-r {shared}\n-r ../shared.txt\nidna==3.4\n",
                                              encoding="utf-8")
    code, out, _ = _lint_fix(project, capsys)
    assert shared.read_text(encoding="utf-8") == PINNED
    assert (project / "requirements.txt").read_text(encoding="utf-8").endswith("idna>=3.4\n")
    assert code == 1 and "outside the project folder" in out


def test_fix_never_writes_through_a_symlinked_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "reqs.txt").write_text(PINNED, encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "sub").symlink_to(outside, target_is_directory=True)
    (project / "requirements.txt").write_text("-r sub/reqs.txt\n", encoding="utf-8")
    _lint_fix(project, capsys)
    assert (outside / "reqs.txt").read_text(encoding="utf-8") == PINNED


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "readonly"])
def test_fix_refuses_links_and_read_only_files(
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
    code, out, err = _lint_fix(project, capsys)
    assert code == 2
    assert "requirements.txt: error: not written" in out and "Traceback" not in out + err
    assert other.read_text(encoding="utf-8") == PINNED
    assert req.read_text(encoding="utf-8") == PINNED
    if kind == "symlink":
        assert req.is_symlink()
    if kind == "hardlink":
        assert req.stat().st_ino == other.stat().st_ino
    if kind == "readonly":
        assert stat.S_IMODE(req.stat().st_mode) == 0o444


def test_fix_keeps_mode_and_cleans_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(PINNED, encoding="utf-8")
    req.chmod(0o640)
    code, _, _ = _lint_fix(tmp_path, capsys)
    assert code == 0
    assert req.read_text(encoding="utf-8") == "requests>=2.31.0\n"
    assert stat.S_IMODE(req.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["requirements.txt"]


def test_fix_never_loosens_a_hash_checked_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        "requests==2.31.0 --hash=sha256:" + "a" * 64 + "\n"
        "idna==3.4 \\\n    --hash=sha256:" + "b" * 64 + "\n"
        "six==1.16.0\n"
    )
    req = tmp_path / "requirements.txt"
    req.write_text(text, encoding="utf-8")
    _lint_fix(tmp_path, capsys)
    assert req.read_text(encoding="utf-8") == text


# -- add: the index's answer is checked, and the write is safe ---------------------------------


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    """A loopback index; each test decides what ``/pypi/<name>/json`` answers."""
    for server in fast_serve():
        monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
        yield server


def _answer(server: LoopbackServer, asked: str, name: str, version: str) -> None:
    data = {"info": {"name": name, "version": version, "summary": "x"}, "releases": {},
            "urls": []}
    server.add(f"/pypi/{asked}/json", json.dumps(data))


@pytest.mark.parametrize(
    ("name", "version"),
    [
        ("idna\n--extra-index-url http://evil.example/simple", "3.4"),
        ("idna", "3.4\n--extra-index-url http://evil.example/simple"),
        ("idna", "latest"),
        ("idna", "3.4+evil"),
        ("requests", "2.31.0"),
        ("idna==1.0 ; python_version", "3.4"),
    ],
    ids=["newline-in-name", "newline-in-version", "not-pep440", "local-version",
         "another-project", "spec-in-name"],
)
def test_add_refuses_what_the_index_should_not_say(
    name: str, version: str, index: LoopbackServer, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _answer(index, "idna", name, version)
    req = tmp_path / "requirements.txt"
    req.write_text("pandas>=2.0\n", encoding="utf-8")
    code = main(["add", "idna", "--yes", "-r", str(req)])
    err = capsys.readouterr().err
    assert code == 3 and "not added" in err
    assert req.read_text(encoding="utf-8") == "pandas>=2.0\n"


def test_add_writes_a_valid_answer(
    index: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer(index, "idna", "IDNA", "3.4")
    req = tmp_path / "requirements.txt"
    assert main(["add", "idna", "--yes", "-r", str(req)]) == 0
    assert req.read_text(encoding="utf-8") == "IDNA>=3.4\n"


@pytest.mark.parametrize("kind", ["symlink", "hardlink", "readonly"])
def test_add_refuses_links_and_read_only_files(
    kind: str, index: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer(index, "idna", "idna", "3.4")
    other = tmp_path / "elsewhere.txt"
    other.write_text("pandas>=2.0\n", encoding="utf-8")
    project = tmp_path / "proj"
    project.mkdir()
    req = project / "requirements.txt"
    if kind == "symlink":
        req.symlink_to(other)
    elif kind == "hardlink":
        os.link(other, req)
    else:
        req.write_text("pandas>=2.0\n", encoding="utf-8")
        req.chmod(0o444)
    code = main(["add", "idna", "--yes", "-r", str(req)])
    err = capsys.readouterr().err
    assert code == 2 and "not written" in err and "Traceback" not in err
    assert other.read_text(encoding="utf-8") == "pandas>=2.0\n"
    assert req.read_text(encoding="utf-8") == "pandas>=2.0\n"


# -- 3. secrets never reach an output ---------------------------------------------------------

SECRETS = ("glpat-SECRET1", "pa/ss-SECRET2", "SECRET3", "p#w-SECRET4", "p@ss-SECRET5")


@pytest.fixture
def leaky_project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text(
        "mypkg @ git+https://oauth2:glpat-SECRET1@gitlab.example/g/p.git@v1\n"
        "requests>=2.31\n"
        "--extra-index-url https://user:pa/ss-SECRET2@host.example/simple\n"
        "other @ https://files.example/o-1.0.tar.gz?private_token=SECRET3\n",
        encoding="utf-8",
    )
    return project


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--format", "text"],
        ["check", "--format", "json"],
        ["check", "--format", "markdown"],
        ["check", "--format", "sarif"],
        ["check", "--format", "html"],
        ["slim", "--format", "json"],
        ["lint", "--format", "json"],
        ["lint", "--format", "sarif"],
    ],
    ids=["check-text", "check-json", "check-md", "check-sarif", "check-html", "slim-json",
         "lint-json", "lint-sarif"],
)
def test_url_credentials_never_reach_a_report(
    argv: list[str], leaky_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--offline"] if argv[0] != "slim" else []
    main([*argv, *extra, "-v", str(leaky_project)])
    out, err = capsys.readouterr()
    assert out.strip()
    for secret in SECRETS:
        assert secret not in out + err


@pytest.mark.parametrize(
    "password", ["pa/ss-SECRET2", "p#w-SECRET4", "p@ss-SECRET5"], ids=["slash", "hash", "at"]
)
def test_odd_passwords_never_reach_an_error_or_a_log(
    password: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``db update`` against an unreachable OSV URL names the URL in logs and the error."""
    monkeypatch.setenv("PIPWARDEN_OSV_URL", f"http://user:{password}@127.0.0.1:9/all.zip")
    assert main(["db", "update", "-v", "--db", str(tmp_path / "osv.db")]) == 3
    out, err = capsys.readouterr()
    assert "user:****" in err
    first = password.replace("#", "/").replace("@", "/").split("/")[0]
    for shown in (password, f"user:{first}", f"'{first}'"):
        assert shown not in out + err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://user:pa/ss@host/simple", "https://user:****@host/simple"),
        ("https://user:p#w@host/simple", "https://user:****@host/simple"),
        ("https://user:p@ss@host/simple", "https://user:****@host/simple"),
        ("https://user:p/a@s@host/simple", "https://user:****@host/simple"),
        ("https://h/x?private_token=abc&page=2", "https://h/x?private_token=****&page=2"),
        ("http://localhost:8080/repo.git@v1", "http://localhost:8080/repo.git@v1"),
        ('{"r":"https://x","s":"a@b"}', '{"r":"https://x","s":"a@b"}'),
    ],
    ids=["slash", "hash", "at", "slash-and-at", "query-token", "port-and-ref", "json"],
)
def test_redact_odd_passwords(url: str, shown: str) -> None:
    from pipwarden.redact import redact_url

    assert redact_url(url) == shown


# -- 4. data cannot drive the terminal ----------------------------------------------------------

HOSTILE = (
    "evil \x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07 \x1b[2J\x1b[H\x07"
    "\x9b31m \u202egnp.exe\u202c \u2066x\u2069 \x1b]0;title\x07 \x1bP+q\x1b\\ \x1b[32mfixed\x1b[0m"
)
FORBIDDEN = ("\x1b]", "\x1b[2J", "\x1b[H", "\x07", "\x9b", "\u202e", "\u2066", "\x1bP")


def _strings(data: object) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def _assert_neutral(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, repr(bad)


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    record = {
        "id": "PYSEC-9999-1",
        "modified": "2026-11-01T00:00:00Z",
        "summary": HOSTILE,
        "details": HOSTILE,
        "affected": [{
            "package": {"name": "requests", "ecosystem": "PyPI"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.20.0"}]}],
        }],
    }
    src = tmp_path / "osv"
    src.mkdir()
    (src / "PYSEC-9999-1.json").write_text(json.dumps(record), encoding="utf-8")
    db = tmp_path / "osv.sqlite3"
    import_source(src, db)
    return as_current(db)  # its record's date is fixed: the data must be current


@pytest.mark.parametrize("fmt", ["text", "html", "json", "sarif"])
def test_osv_summaries_cannot_drive_the_terminal(
    fmt: str, hostile_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.19.1\n", encoding="utf-8")
    code = main(["audit", "--offline", "--db", str(hostile_db), "-r", str(req), "--format", fmt])
    out, err = capsys.readouterr()
    assert code == 1 and "PYSEC-9999-1" in out
    _assert_neutral(out + err)
    if fmt == "text":
        assert "\x1b[" in out  # pipwarden's own colours survive
        assert "click me" in out and "\x1b[32mfixed" not in out  # not a colour from data
    if fmt in {"json", "sarif"}:
        assert any(HOSTILE in v for v in _strings(json.loads(out)))  # the data is kept exact


def _hostile_project(server: LoopbackServer) -> None:
    data = {
        "info": {
            "name": "idna", "version": "3.4", "summary": HOSTILE,
            "author": HOSTILE, "maintainer": "<img src=x onerror=alert(1)>",
            "project_urls": {"Funding": "https://evil.example/\x1b]8;;x\x07",
                             "Security": "https://evil.example/\u202e"},
        },
        "ownership": {"organization": "org\x1b[2J\u202e",
                      "roles": [{"role": "Owner", "user": "bad\x9b31m\x07<b>x</b>"}]},
        "releases": {"3.4": []},
        "urls": [],
    }
    server.add("/pypi/idna/json", json.dumps(data))
    server.add("/pypi/idna/3.4/json", json.dumps(data))


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "html"])
def test_pypi_metadata_cannot_drive_the_terminal(
    fmt: str, index: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    _hostile_project(index)
    main(["vet", "idna", "--format", fmt])
    out, err = capsys.readouterr()
    assert "idna" in out
    _assert_neutral(out + err)
    if fmt in {"markdown", "html"}:
        assert "<img" not in out and "<b>" not in out


# -- 6. SIGTERM (CI cancel) exits cleanly ---------------------------------------------------------

_KILLED_MID_WRITE = """
import os, signal, sys
from pipwarden.cli import main
real_fsync = os.fsync
def fsync(fd):
    os.kill(os.getpid(), signal.SIGTERM)  # CI cancels the job while the fix is written
    real_fsync(fd)
os.fsync = fsync
sys.exit(main(["lint", "--offline", "--fix", "--select", "PW101", sys.argv[1]]))
"""


def test_sigterm_during_a_fix_exits_143_and_leaves_no_temp_file(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "requirements.txt").write_text(PINNED, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIPWARDEN_")}
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_MID_WRITE, str(project)],
        capture_output=True, text=True, timeout=120, env=env, check=False,
    )
    assert done.returncode == 143, done.stderr[-500:]
    assert "terminated" in done.stderr and "Traceback" not in done.stderr
    assert (project / "requirements.txt").read_text(encoding="utf-8") == PINNED
    assert sorted(p.name for p in project.iterdir()) == ["requirements.txt"]


def test_temp_files_of_a_killed_fix_are_removed_next_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """SIGKILL cannot be caught: the next fix of the same file removes what it left."""
    req = tmp_path / "requirements.txt"
    req.write_text(PINNED, encoding="utf-8")
    stale = tmp_path / ".requirements.txt.k1ll3d_x.tmp"
    fresh = tmp_path / ".requirements.txt.runn1ng_.tmp"
    mine = tmp_path / ".requirements.txt.notours.bak"
    for path in (stale, fresh, mine):
        path.write_text("partial", encoding="utf-8")
    two_hours_ago = stale.stat().st_mtime - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    os.utime(mine, (two_hours_ago, two_hours_ago))
    assert _lint_fix(tmp_path, capsys)[0] == 0
    assert not stale.exists() and fresh.exists() and mine.exists()


def test_add_never_loosens_a_hash_checked_file(
    index: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _answer(index, "idna", "idna", "3.4")
    req = tmp_path / "requirements.txt"
    text = "requests==2.31.0 --hash=sha256:" + "a" * 64 + "\n"
    req.write_text(text, encoding="utf-8")
    assert main(["add", "idna", "--yes", "-r", str(req)]) == 2
    assert "hash-checked" in capsys.readouterr().err
    assert req.read_text(encoding="utf-8") == text
