"""Which files git tracks, read from the repository's index file without running git.

Why not ``git ls-files``: git reads the scanned repository's own ``.git/config``, and that
file may name commands git runs on its own (``core.fsmonitor``, ``filter.<x>.process``,
``diff.<x>.textconv``, ``core.hooksPath``, ``include.path`` pulling in more of the same).
``-c core.fsmonitor=`` on the command line overrides a few keys, but not every key a future
git version may learn to run, and not what an ``include.path`` brings in. A cloned
repository is attacker-controlled (TRUST.md §2), so pipwarden never starts git on it: the
list of tracked paths is in ``.git/index``, a documented binary format (versions 2, 3
and 4), and reading it runs nothing.

What is not supported is reported, not guessed: a split index (``core.splitIndex``), a
sparse index (directory entries), an unknown version or a damaged file give ``None``
("could not tell") with a warning, the same answer as "not a git repository".
"""

from __future__ import annotations

import hashlib
import re
import stat
from pathlib import Path

from pipwarden.log import get_logger

__all__ = ["MAX_INDEX_BYTES", "GitIndexError", "find_git_dir", "read_index_paths", "tracked_files"]

log = get_logger(__name__)

MAX_INDEX_BYTES = 256 * 1024 * 1024  # a 1-million-file monorepo's index is ~100 MB
_ENTRY_FIXED = 40  # ctime, mtime, dev, ino, mode, uid, gid, size: ten 32-bit fields
_FLAG_EXTENDED = 0x4000
_MODE_DIR = 0o040000


class GitIndexError(ValueError):
    """The index file cannot be read: damaged, unsupported, or too large."""


def find_git_dir(start: Path) -> tuple[Path, Path] | None:
    """``(worktree top, git dir)`` of the repository holding ``start``, or None.

    Looks for ``.git`` in ``start`` and its parents, as git does; a ``.git`` *file*
    (worktrees, submodules) names the git dir in its ``gitdir:`` line. Environment
    variables such as ``GIT_DIR`` are deliberately not honoured: they are not the project.
    """
    try:
        here = start.resolve()
    except OSError:
        return None
    for top in (here, *here.parents):
        dotgit = top / ".git"
        try:
            if dotgit.is_dir():
                return top, dotgit
            if dotgit.is_file():
                text = _small_text(dotgit, 4096) or ""
                match = re.match(r"gitdir:\s*(.+?)\s*$", text, re.MULTILINE)
                if match is None:
                    return None
                gitdir = Path(match.group(1))
                if not gitdir.is_absolute():
                    gitdir = top / gitdir
                return top, gitdir
        except OSError:
            return None
    return None


def _small_text(path: Path, limit: int = 1_000_000) -> str | None:
    """The start of a regular file (never a FIFO or device the project points at)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        with path.open("rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return None


def _hash_size(git_dir: Path) -> int:
    """20 (SHA-1) unless the repository says ``objectFormat = sha256``; worktrees ask commondir."""
    candidates = [git_dir / "config"]
    common = _small_text(git_dir / "commondir", 4096)
    if common and common.strip():
        candidates.insert(0, git_dir / common.strip() / "config")
    for config in candidates:
        text = _small_text(config)
        if text is None:
            continue
        if re.search(r"^\s*objectformat\s*=\s*sha256\s*$", text, re.IGNORECASE | re.MULTILINE):
            return 32
        return 20
    return 20


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """git's offset varint (index v4 path prefixes): value and the position after it."""
    if pos >= len(data):
        raise GitIndexError("truncated")
    byte = data[pos]
    pos += 1
    value = byte & 0x7F
    while byte & 0x80:
        if pos >= len(data) or value > 1 << 32:
            raise GitIndexError("bad varint")
        byte = data[pos]
        pos += 1
        value = ((value + 1) << 7) | (byte & 0x7F)
    return value, pos


def read_index_paths(data: bytes, hash_size: int = 20) -> list[bytes]:
    """The paths of an index file's entries, in index order (each path once).

    Raises :class:`GitIndexError` for anything that is not a complete, supported index.
    """
    if len(data) < 12 + hash_size or data[:4] != b"DIRC":
        raise GitIndexError("not a git index")
    version = int.from_bytes(data[4:8], "big")
    count = int.from_bytes(data[8:12], "big")
    if version not in (2, 3, 4):
        raise GitIndexError(f"index version {version} is not supported")
    body, checksum = data[:-hash_size], data[-hash_size:]
    digest = hashlib.new("sha1" if hash_size == 20 else "sha256", usedforsecurity=False)
    digest.update(body)
    if any(checksum) and digest.digest() != checksum:  # index.skipHash writes zeros
        raise GitIndexError("checksum mismatch")
    if count * (_ENTRY_FIXED + hash_size + 2) > len(body):
        raise GitIndexError("entry count larger than the file")
    paths: list[bytes] = []
    pos = 12
    previous = b""
    for _ in range(count):
        start = pos
        flags_at = pos + _ENTRY_FIXED + hash_size
        if flags_at + 2 > len(body):
            raise GitIndexError("truncated entry")
        mode = int.from_bytes(body[pos + 24 : pos + 28], "big")
        flags = int.from_bytes(body[flags_at : flags_at + 2], "big")
        pos = flags_at + 2
        if flags & _FLAG_EXTENDED:
            if version < 3:
                raise GitIndexError("extended flag in a version 2 index")
            pos += 2
        if version == 4:
            strip, pos = _varint(body, pos)
            end = body.find(b"\0", pos)
            if end < 0 or strip > len(previous):
                raise GitIndexError("bad path")
            path = previous[: len(previous) - strip] + body[pos:end]
            pos = end + 1
        else:
            end = body.find(b"\0", pos)
            if end < 0:
                raise GitIndexError("bad path")
            path = body[pos:end]
            pos = start + ((end - start) // 8 + 1) * 8  # 1-8 NULs pad the entry to 8 bytes
        if mode & 0o170000 == _MODE_DIR:
            raise GitIndexError("sparse index (directory entries) is not supported")
        if not path or path.startswith(b"/") or b"\0" in path:
            raise GitIndexError("bad path")
        if path != previous:
            paths.append(path)
        previous = path
    _check_extensions(body, pos)
    return paths


def _check_extensions(body: bytes, pos: int) -> None:
    """Refuse a split index: its entries live in another file this reader does not merge."""
    while pos + 8 <= len(body):
        signature = body[pos : pos + 4]
        size = int.from_bytes(body[pos + 4 : pos + 8], "big")
        if signature == b"link":
            raise GitIndexError("split index (core.splitIndex) is not supported")
        pos += 8 + size
    if pos != len(body):
        raise GitIndexError("truncated extension")


def _read_capped(path: Path) -> bytes:
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise GitIndexError("not a regular file")
    if info.st_size > MAX_INDEX_BYTES:
        raise GitIndexError(f"larger than {MAX_INDEX_BYTES // (1024 * 1024)} MB")
    with path.open("rb") as fh:
        return fh.read(MAX_INDEX_BYTES + 1)


def tracked_files(root: Path) -> list[str] | None:
    """Paths (relative to ``root``, ``/``-separated) that git tracks under ``root``.

    None when ``root`` is not inside a git work tree or its index cannot be read (the
    reason is logged as a warning for a damaged or unsupported index).
    """
    found = find_git_dir(root)
    if found is None:
        return None
    top, git_dir = found
    index = git_dir / "index"
    try:
        data = _read_capped(index)
    except FileNotFoundError:
        return []  # a fresh repository: nothing tracked yet
    except (OSError, GitIndexError) as exc:
        log.warning("cannot read the git index %s: %s", index, exc)
        return None
    try:
        raw = read_index_paths(data, _hash_size(git_dir))
    except GitIndexError as exc:
        log.warning("cannot read the git index %s: %s", index, exc)
        return None
    try:
        prefix = root.resolve().relative_to(top).as_posix()
    except (OSError, ValueError):
        return None
    prefix = "" if prefix == "." else prefix + "/"
    names = (p.decode("utf-8", "replace") for p in raw)
    return [name[len(prefix) :] for name in names if name.startswith(prefix)]
