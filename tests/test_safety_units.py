"""Units under the safety layers: the git index reader, safe_write, subproc, neutral output."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipwarden import gitindex, subproc
from pipwarden.fsutil import OutsideRootError, UnsafeWriteError, safe_write
from pipwarden.neutral import escape_json_controls, neutral, neutral_output
from pipwarden.redact import redact_text, redact_url
from pipwarden.report.output import Style, md_code, md_text

GIT = shutil.which("git")
needs_git = pytest.mark.skipif(GIT is None, reason="git builds the fixture repositories")


def _git(repo: Path, *args: str) -> str:
    empty = repo.parent / ".gitconfig-empty"  # not os.devnull: a test elsewhere may break it
    empty.touch()
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(empty)}
    done = subprocess.run(
        [GIT or "git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
        check=True, capture_output=True, env=env,
    )
    return done.stdout.decode("utf-8")


def _repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    for rel in ("a/b/requirements.txt", "a/poetry.lock", "c/ü name.env", ".env", "z.txt"):
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(rel, encoding="utf-8")
    for i in range(40):  # long and short names: every padding length of v2/v3 entries
        (repo / "d" / ("f" * (i % 9 + 1) + str(i))).parent.mkdir(exist_ok=True)
        (repo / "d" / ("f" * (i % 9 + 1) + str(i))).write_text(str(i), encoding="utf-8")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "x")  # a TREE extension in the index
    (repo / "new.txt").write_text("n", encoding="utf-8")
    _git(repo, "add", "-N", "new.txt")  # intent-to-add: an extended flag (v3)
    return repo


@needs_git
@pytest.mark.parametrize("version", ["2", "3", "4"])
def test_index_reader_agrees_with_git_ls_files(version: str, tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _git(repo, "update-index", "--index-version", version)
    expected = [p for p in _git(repo, "ls-files", "-z").split("\0") if p]
    assert gitindex.tracked_files(repo) == expected
    assert gitindex.tracked_files(repo / "a") == ["b/requirements.txt", "poetry.lock"]


@needs_git
def test_index_reader_follows_a_gitdir_file_and_refuses_what_it_cannot_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    repo = _repo(tmp_path)
    moved = tmp_path / "elsewhere.git"
    (repo / ".git").rename(moved)
    (repo / ".git").write_text(f"gitdir: {moved}\n", encoding="utf-8")
    assert "z.txt" in (gitindex.tracked_files(repo) or [])
    index = moved / "index"
    data = bytearray(index.read_bytes())
    data[20] ^= 0xFF  # damaged: the checksum no longer matches
    index.write_bytes(bytes(data))
    assert gitindex.tracked_files(repo) is None
    assert "checksum" in caplog.text
    assert gitindex.tracked_files(tmp_path / "not-a-repo-child") in (None, [])


@needs_git
def test_split_index_is_refused_not_misread(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    _git(repo, "update-index", "--split-index")
    assert gitindex.tracked_files(repo) is None


def test_outside_any_repository(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    found = gitindex.find_git_dir(folder)
    assert found is None or not str(found[0]).startswith(str(tmp_path))


def test_subproc_refuses_version_control_tools() -> None:
    for argv in (["git", "status"], ["/usr/bin/git", "ls-files"], ["HG", "status"]):
        with pytest.raises(subproc.RefusedCommandError):
            subproc.run(argv)


def test_safe_write_creates_replaces_and_refuses(tmp_path: Path) -> None:
    safe_write(tmp_path / "sub" / "new.txt", "a\r\n", root=tmp_path)
    assert (tmp_path / "sub" / "new.txt").read_bytes() == b"a\r\n"
    umask = os.umask(0o022)
    os.umask(umask)
    assert (tmp_path / "sub" / "new.txt").stat().st_mode & 0o777 == 0o666 & ~umask
    with pytest.raises(OutsideRootError):
        safe_write(tmp_path / "sub" / ".." / ".." / "x.txt", "a", root=tmp_path)
    with pytest.raises(OutsideRootError):
        safe_write(tmp_path.parent / "x.txt", "a", root=tmp_path)
    (tmp_path / "dir").mkdir()
    with pytest.raises(UnsafeWriteError, match="not a regular file"):
        safe_write(tmp_path / "dir", "a", root=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir", "sub"]


def test_neutral_keeps_own_colours_and_drops_the_rest() -> None:
    style = Style(True)
    text = style("ok", "green") + " \x1b]8;;x\x07a\x1b]8;;\x07 \x1b[2J\x9b\u202eb\n\tc"
    assert neutral_output(text) == "\x1b[32mok\x1b[0m a b\n\tc"
    assert neutral("a\x1b[31mb\nc\u2066") == "ab c"
    assert escape_json_controls('"\x9b\u202e"') == '"\\u009b\\u202e"'
    assert md_text("<img src=x>|&") == "&lt;img src=x&gt;\\|&amp;"
    assert md_code("a`b|c") == "`a'b\\|c`"


def test_index_reader_never_reads_devices_or_fifos(tmp_path: Path) -> None:
    """A hostile ``.git`` points the reader at /dev/zero and a FIFO: refused, not read."""
    project = tmp_path / "proj"
    gitdir = tmp_path / "gd"
    (gitdir / "common").mkdir(parents=True)
    project.mkdir()
    (project / ".git").write_text(f"gitdir: {gitdir}\n", encoding="utf-8")
    (gitdir / "commondir").write_text("common\n", encoding="utf-8")
    os.mkfifo(gitdir / "common" / "config")
    (gitdir / "index").symlink_to("/dev/zero")
    assert gitindex.tracked_files(project) is None
    (gitdir / "index").unlink()
    os.mkfifo(gitdir / "index")
    assert gitindex.tracked_files(project) is None


@settings(max_examples=300, deadline=None)
@given(
    user=st.from_regex(r"[a-z_]{1,8}", fullmatch=True),
    password=st.text(alphabet="abcXYZ019-_.~!$%&+/#?@:", min_size=4, max_size=24),
)
def test_an_unencoded_password_never_survives(user: str, password: str) -> None:
    """Passwords pasted without URL-encoding: ``/``, ``#``, ``?``, ``@``, ``:`` inside.

    Two shapes are out of reach because they read exactly like ordinary URLs, and the
    ordinary reading wins: an ``@`` followed later by ``/``, ``?`` or ``#``
    (``git+https://user:token@host/repo@ref``) and digits then ``/``, ``?`` or ``#``
    (``http://host:8080/repo@ref``).
    """
    assume(not re.search(r"@.*[/?#]", password) and not re.match(r"\d+[/?#]", password))
    url = f"https://{user}:{password}@idx.example/simple"
    for shown in (redact_url(url), redact_text(f'{{"u":"{url}","n":1}}')):
        assert password not in shown
        assert f"{user}:****@idx.example/simple" in shown


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_redact_and_neutral_never_fail(text: str) -> None:
    assert redact_text(redact_text(text)) == redact_text(text)
    cleaned = neutral_output(text)
    assert neutral_output(cleaned) == cleaned
    rest = re.sub(r"\x1b\[[0-9;]*m", "", cleaned)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", rest)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e]", neutral(text))


@pytest.mark.parametrize(
    "tail", ["def", "d\u00e9f", "d\u00e9\u4e2df", "d\ud800f"],
    ids=["ascii", "latin1", "wide", "lone-surrogate"],  # (no surrogate in a test id)
)
def test_the_quick_no_control_check_misses_no_character(tail: str) -> None:
    """neutral_output and escape_json_controls return early when a text holds nothing to
    remove or escape; with one character of any kind inside, they must still give what
    their patterns give (checked for every character up to U+3000 and every bidi one)."""
    from pipwarden import neutral as module

    def reference_output(text: str) -> str:
        return module._OUTPUT_RE.sub(lambda m: m.group(1) or "", text)

    def reference_json(text: str) -> str:
        return module._JSON_RAW_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

    for code in [*range(0x3000), *map(ord, module._BIDI)]:
        text = f"abc{chr(code)}{tail}\n"
        assert neutral_output(text) == reference_output(text), hex(code)
        assert escape_json_controls(text) == reference_json(text), hex(code)


def test_json_reports_are_ascii_and_decode_to_the_same_data() -> None:
    import json

    from pipwarden.report.output import json_text

    data = {"summary": "caf\u00e9 \u2019quoted\u2019 \u202eevil\x85\x7f\x1b[2J", "n": [1, None]}
    text = json_text(data)
    assert text.isascii() and text.endswith("}\n")
    assert "\x7f" not in text and "\x1b" not in text
    assert json.loads(text) == data
