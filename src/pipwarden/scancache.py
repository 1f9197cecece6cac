"""Per-file results of the project scans (slim's imports and commands, the secret scan),
kept between runs so that an unchanged file is not read again.

One JSON file per scanned project and scan, in the user's cache folder (``<cache>/scan/``,
from :class:`~pipwarden.settings.Settings`), never inside the scanned project. An entry is
used only for the same file (path relative to the root) with the same size, ``mtime_ns``
and inode; when any of those differ, or the modification time is too close to the time the
cache was written to tell two versions apart ("racy" entries, as git calls them), the file
is read and its SHA-256 must match. A cache that cannot be read, is not what we wrote or
was written by another version is ignored as a whole: it can make a scan faster, never
hide a file. Writes are atomic (a temp file in the same folder, then ``os.replace``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pipwarden.forkmap import map_files
from pipwarden.log import get_logger

__all__ = ["RACY_NS", "FileCache", "map_cached"]

R = TypeVar("R")
#: A file to scan for :func:`map_cached`'s task: its path, what else the task needs, and
#: the digest and stored result of a stale cache entry (or None).
Todo = tuple[str, Any, tuple[str, Any] | None]

log = get_logger(__name__)

_FORMAT = 1
#: A file modified this close to (or after) the cache's write time is checked by hash.
RACY_NS = 3_000_000_000
_MAX_CACHE_BYTES = 512 * 1024 * 1024


def _key(root: Path, scan: str) -> str:
    raw = f"{scan}\0{os.path.realpath(root)}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(raw).hexdigest()[:32]


class FileCache:
    """Results of one scan (``scan``, with the scanner's ``version``) of one project root.

    ``folder`` ``None`` disables the cache (every lookup misses, nothing is written).
    """

    def __init__(self, folder: Path | None, root: Path, scan: str, version: str) -> None:
        self.path = folder / f"{scan}-{_key(root, scan)}.json" if folder is not None else None
        self.version = f"{_FORMAT}:{scan}:{version}"
        self._old: dict[str, list[Any]] = {}
        self._new: dict[str, list[Any]] = {}
        self._written_ns = 0
        # a racy entry confirmed by its digest: rewriting the cache (a later write time)
        # lets the next run trust its stat instead of hashing the file again
        self._confirmed = False
        self.hits = self.misses = 0
        if self.path is not None:
            self._load(self.path)

    def _load(self, path: Path) -> None:
        try:
            if path.stat().st_size > _MAX_CACHE_BYTES:
                return
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return
        if (
            not isinstance(data, dict)
            or data.get("version") != self.version
            or not isinstance(data.get("written_ns"), int)
            or not isinstance(data.get("files"), dict)
        ):
            log.info("scan cache %s ignored: not ours or another version", path)
            return
        files = data["files"]
        for entry in files.values():
            if not (
                isinstance(entry, list)
                and len(entry) == 5
                and all(isinstance(v, int) for v in entry[:3])
                and isinstance(entry[3], str)
            ):
                log.info("scan cache %s ignored: malformed entry", path)
                return
        self._old = files
        self._written_ns = data["written_ns"]

    def check(self, rel: str, info: os.stat_result) -> tuple[bool, Any, str | None]:
        """The stat-only half of :meth:`lookup`: ``(True, result, None)`` when the entry of
        ``rel`` matches ``info`` (size, ``mtime_ns``, inode) and is not racy; else ``(False,
        result, digest)`` of a stale entry (to compare with the content once it is read),
        or ``(False, None, None)`` without one. A hit is kept for the next run."""
        entry = self._old.get(rel)
        if entry is None:
            return False, None, None
        if entry[:3] == [info.st_size, info.st_mtime_ns, info.st_ino] and (
            info.st_mtime_ns < self._written_ns - RACY_NS
        ):
            self._new[rel] = entry
            self.hits += 1
            return True, entry[4], None
        return False, entry[4], entry[3]

    def remember(self, rel: str, info: os.stat_result, digest: str, result: Any) -> None:
        """Keep ``result`` for ``rel``, whose content (hashed ``digest``) was read after
        ``info`` was taken: a later change gives another stamp, or a racy one."""
        if self.path is None:
            return
        old = self._old.get(rel)
        if old is not None and old[3] == digest:
            self._confirmed = True
            self.hits += 1
        else:
            self.misses += 1
        self._new[rel] = [info.st_size, info.st_mtime_ns, info.st_ino, digest, result]

    def save(self) -> None:
        """Write what this run used or computed (atomically); failures are only logged."""
        if self.path is None or not self._new or (
            self._new == self._old and not self._confirmed
        ):
            return
        payload = json.dumps(
            {"version": self.version, "written_ns": time.time_ns(), "files": self._new},
            separators=(",", ":"),
        )
        import tempfile  # (only when writing: it imports shutil and random)

        folder = self.path.parent
        tmp = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{self.path.name}.", suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(payload)
            Path(tmp).replace(self.path)
            tmp = None
        except OSError as exc:
            log.info("scan cache not written (%s)", exc)
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()


def map_cached(
    cache: FileCache | None,
    files: Sequence[tuple[str, str, Any]],
    decode: Callable[[Any], R | None],
    task: Callable[[list[Todo]], list[tuple[R, str | None]]],
    plain: Callable[[R], Any],
) -> list[R]:
    """Each file's result, in order, for files ``(path, path relative to the root, what
    else the task needs)``: from ``cache`` when a stat says the file is unchanged and
    ``decode`` accepts the entry; else from ``task`` (read, hash, scan: by forked workers
    when the files add up to a large scan, see :func:`pipwarden.forkmap.map_files`),
    which gives each result and its content's digest (``None``: not to be cached). Those
    are remembered in ``plain`` form and the cache saved."""
    results: list[R | None] = [None] * len(files)
    todo: list[int] = []
    items: list[Todo] = []
    infos: list[os.stat_result | None] = []
    for index, (path, rel, extra) in enumerate(files):
        info: os.stat_result | None = None
        old: tuple[str, Any] | None = None
        if cache is not None:
            try:
                info = os.stat(path)  # noqa: PTH116 (a str: no Path per file)
            except OSError:
                info = None  # the task reads it and reports the error
            if info is not None:
                hit, value, digest = cache.check(rel, info)
                results[index] = decode(value) if hit else None
                if results[index] is not None:
                    continue
                if digest is not None:
                    old = (digest, value)
        todo.append(index)
        items.append((path, extra, old))
        infos.append(info)
    sizes = [info.st_size if info is not None else 0 for info in infos]
    done: list[tuple[R, str | None]] = map_files(task, items, sizes)
    for index, info, (result, digest) in zip(todo, infos, done, strict=True):
        results[index] = result
        if cache is not None and info is not None and digest is not None:
            cache.remember(files[index][1], info, digest, plain(result))
    if cache is not None:
        cache.save()
    return [r for r in results if r is not None]
