"""The one way pipwarden rewrites a project file: :func:`safe_write`.

``lint --fix`` and ``add`` edit files of a project pipwarden did not write, reached through
``-r`` includes it did not choose. A careless write follows a symlink to ``~/.bashrc``,
rewrites ``../../shared/requirements.txt`` of another project, turns a hard link into a
copy, or dies on a read-only file with a traceback. :func:`safe_write` refuses each of
these with a one-line message (exit 2) and otherwise replaces the file atomically: a temp
file in the same folder, fsync, ``os.replace``, the old file's mode kept; the temp file is
removed whatever goes wrong.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import time
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.log import get_logger

# os.path.abspath on purpose: it is lexical (``a/link/..`` stays ``a``), Path.resolve is not
_abspath = os.path.abspath

__all__ = [
    "OutsideRootError",
    "UnsafeWriteError",
    "check_writable",
    "is_below",
    "is_inside",
    "safe_write",
]

log = get_logger(__name__)

STALE_TEMP_SECONDS = 3600  # a temp file this old is left by a killed run, not a running one


class UnsafeWriteError(InputError):
    """pipwarden will not write this file (a link, read-only, outside the project, ...)."""


class OutsideRootError(UnsafeWriteError):
    """The file is not under the project root (an include such as ``-r ../common.txt``)."""


def is_below(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``root`` or below it as written (``..`` counted, links not
    followed): which root a file belongs to. :func:`safe_write` then checks the links."""
    base = _abspath(root)
    return os.path.commonpath([_abspath(path), base]) == base


def is_inside(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is ``root`` or below it, both lexically and after resolving links."""
    lexical = _abspath(path)
    base = _abspath(root)
    if os.path.commonpath([lexical, base]) != base:
        return False
    real = os.path.realpath(lexical)
    real_base = os.path.realpath(base)
    return os.path.commonpath([real, real_base]) == real_base


def _nearest_existing(path: Path) -> Path:
    """``path`` or its closest ancestor that exists (the filesystem root at worst)."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(path.anchor)


def _check_target(path: Path, root: str | os.PathLike[str], shown: str) -> int | None:
    """Refuse what must not be written; the mode to keep when the file exists."""
    base = _abspath(root)
    if os.path.commonpath([os.fspath(path), base]) != base or not is_inside(
        _nearest_existing(path.parent), root
    ):
        raise OutsideRootError("not written: outside the project folder", path=shown)
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UnsafeWriteError(f"not written: {exc.strerror or exc}", path=shown) from None
    if stat.S_ISLNK(info.st_mode):
        raise UnsafeWriteError(
            "not written: it is a symbolic link (pipwarden never writes through links)",
            path=shown,
        )
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeWriteError("not written: not a regular file", path=shown)
    if info.st_nlink > 1:
        raise UnsafeWriteError(
            f"not written: it has {info.st_nlink} hard links and replacing it would split "
            "them; edit it by hand",
            path=shown,
        )
    # the mode bits too: root may write anything, but a 0444 file says "do not edit me"
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(
        path, os.W_OK
    ):
        raise UnsafeWriteError("not written: the file is read-only", path=shown)
    return stat.S_IMODE(info.st_mode)


def check_writable(path: str | os.PathLike[str], *, root: str | os.PathLike[str]) -> None:
    """Raise what :func:`safe_write` would refuse ``path`` with, and write nothing: for a
    preview (``lint --fix --diff``) that must refuse exactly the files a fix refuses."""
    _check_target(Path(_abspath(path)), root, os.fspath(path))


def _new_file_mode() -> int:
    """What ``open(path, "w")`` would give a new file (0666 less the umask); mkstemp's own
    0600 would hide a new requirements file from the rest of the team."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _remove_stale_temps(target: Path) -> None:
    """Remove our own temp files for ``target`` left by a run that was killed (SIGKILL
    cannot be caught): ``.<name>.<8 random chars>.tmp``, regular, older than an hour."""
    pattern = re.compile(rf"\.{re.escape(target.name)}\.[a-z0-9_]{{8}}\.tmp")
    cutoff = time.time() - STALE_TEMP_SECONDS
    try:
        siblings = list(os.scandir(target.parent))
    except OSError:
        return
    for entry in siblings:
        if not pattern.fullmatch(entry.name):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_mtime < cutoff:
                Path(entry.path).unlink()
                log.info("removed %s, left by an interrupted run", entry.path)
        except OSError:
            continue


def safe_write(
    path: str | os.PathLike[str],
    text: str,
    *,
    root: str | os.PathLike[str],
    encoding: str = "utf-8",
) -> None:
    """Replace (or create) ``path`` with ``text``, only if it is a plain file under ``root``.

    Refuses (:class:`UnsafeWriteError`, exit 2; :class:`OutsideRootError` for a path that
    leaves ``root`` lexically or through a symlinked folder): a symbolic link, a file with
    more than one hard link, a read-only file, anything that is not a regular file.
    Line endings are written as given (no translation).
    """
    shown = os.fspath(path)
    target = Path(_abspath(path))
    mode = _check_target(target, root, shown)
    if not target.parent.exists():
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UnsafeWriteError(f"not written: {exc.strerror or exc}", path=shown) from None
        if not is_inside(target.parent, root):
            raise OutsideRootError("not written: outside the project folder", path=shown)
    _remove_stale_temps(target)
    import tempfile  # (only when writing: it imports shutil and random)

    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise UnsafeWriteError(f"not written: {exc.strerror or exc}", path=shown) from None
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(mode if mode is not None else _new_file_mode())
        Path(tmp).replace(target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        if isinstance(exc, OSError):
            raise UnsafeWriteError(
                f"not written: {exc.strerror or exc}", path=shown
            ) from None
        raise
