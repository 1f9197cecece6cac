"""Building the database: import OSV records from a zip, a folder or a URL; conditional updates.

Every import builds a NEW SQLite file next to the target and ``os.replace()``s it over the
old one only once it is complete, so the previous database stays usable whatever fails
(truncated download, full disk, Ctrl-C, SIGTERM). Temp files are named
``.<db name>.tmp-<pid>-<random>`` so that the next run removes those of a killed process.

Everything read is hostile input (TRUST §2), bounded by :class:`ImportLimits`: archive
size and entry count (declared sizes checked before inflating, actual bytes counted while
inflating), one record's size, JSON depth and number length, download size and a total
deadline per request. Only regular files are read; a database path that is a device or a
FIFO is refused. A record that cannot be read is skipped and counted, never the import.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import logging
import mmap
import os
import queue
import re
import signal
import sqlite3
import stat
import struct
import sys
import threading
import time
import urllib.parse
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, NamedTuple, Protocol

from pipwarden import __version__
from pipwarden.errors import DatabaseError, DataUnavailableError, InputError, NetworkError
from pipwarden.redact import redact_text, split_userinfo
from pipwarden.vulndb.matching import match_entries
from pipwarden.vulndb.osv import (
    Advisory,
    Affected,
    advisory_to_compact,
    encode_version_keys,
    parse_record,
)
from pipwarden.vulndb.records import RecordLimits, UnreadableRecord, load_record
from pipwarden.vulndb.store import SCHEMA, SCHEMA_VERSION, UPDATE_HINT, VulnStore

if TYPE_CHECKING:
    from pipwarden.settings import Settings

__all__ = [
    "ImportLimits",
    "ImportResult",
    "ProgressSink",
    "UpdateResult",
    "check_db_path",
    "import_source",
    "public_url",
    "remove_stale_temp_files",
    "temp_prefix",
    "update_from_url",
]

log = logging.getLogger(__name__)

_BATCH = 2000
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode
_CHUNK = 1 << 16


class ProgressSink(Protocol):
    """Anything with ``advance(n)``, e.g. :class:`pipwarden.report.output.Progress`."""

    def advance(self, amount: int = 1) -> None: ...


@dataclass(frozen=True)
class ImportLimits:
    """Resource caps on what an import reads (TRUST §2 "Bounded"); see :class:`Settings`.

    Archives: total uncompressed size, entry count, size of one entry (declared sizes are
    checked before anything is inflated, and actual bytes while inflating). Downloads: body
    size and a total deadline per request (connect, headers and every read). Records: JSON
    nesting depth and number length.
    """

    max_archive_bytes: int = 2 * 1024 * 1024 * 1024
    max_entries: int = 250_000
    max_entry_bytes: int = 8 * 1024 * 1024
    max_download_bytes: int = 1024 * 1024 * 1024
    deadline: float = 60.0
    record: RecordLimits = field(default_factory=RecordLimits)

    @classmethod
    def from_settings(cls, settings: Settings) -> ImportLimits:
        """The caps configured in ``settings`` (``PIPWARDEN_*`` variables)."""
        return cls(
            max_archive_bytes=settings.archive_max_bytes,
            max_entries=settings.archive_max_entries,
            max_entry_bytes=settings.archive_max_entry_bytes,
            max_download_bytes=settings.osv_max_download_bytes,
            deadline=settings.http_deadline,
            record=RecordLimits(settings.json_max_depth, settings.json_max_number_length),
        )


_MAX_EXAMPLES = 10  # unreadable records named in the result (all are counted)


@dataclass(frozen=True)
class ImportResult:
    """What an import stored: ``records`` (withdrawn included), and what it left out.

    ``skipped`` counts records without any PyPI ``affected`` entry (not stored).
    ``unreadable`` counts records that could not be decoded or parsed (not stored);
    ``unreadable_examples`` names the first few, with the reason (redacted).
    ``data_date``: the newest ``modified`` of the records (else the archive's
    Last-Modified): how old the data is, whatever the import time.
    """

    records: int
    skipped: int
    withdrawn: int
    packages: int
    source: str
    db_path: Path
    seconds: float
    unreadable: int = 0
    unreadable_examples: tuple[str, ...] = ()
    data_date: datetime | None = None


@dataclass(frozen=True)
class UpdateResult:
    """The outcome of :func:`update_from_url`."""

    status: Literal["updated", "not-modified"]
    records: int
    source: str
    etag: str | None
    last_modified: str | None
    downloaded_bytes: int
    seconds: float


# -- reading sources ----------------------------------------------------------------------


_LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")
_LOCAL_MAGIC = b"PK\x03\x04"


def _member_bytes(
    archive: zipfile.ZipFile | None, view: mmap.mmap | None, info: zipfile.ZipInfo | _Member
) -> bytes:
    """A member's content: inflated straight from the mapped file for plain deflate/stored
    members (zlib runs without the GIL; zipfile's per-member Python overhead doubled the
    reading time), through ``zipfile`` for anything else. CRC and size are checked."""
    if view is None or info.flag_bits & 0x1 or info.compress_type not in (0, 8):
        assert archive is not None and isinstance(info, zipfile.ZipInfo)  # else _Member
        return archive.read(info)
    offset = info.header_offset
    header = view[offset:offset + _LOCAL_HEADER.size]
    if len(header) != _LOCAL_HEADER.size:
        raise zipfile.BadZipFile(f"truncated local header of {info.filename}")
    fields = _LOCAL_HEADER.unpack(header)
    if fields[0] != _LOCAL_MAGIC:
        raise zipfile.BadZipFile(f"bad local header of {info.filename}")
    start = offset + _LOCAL_HEADER.size + fields[10] + fields[11]
    raw = view[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"truncated member {info.filename}")
    if info.compress_type == 8:
        # Never more than the declared size + 1 byte: a header that understates the size
        # (a zip bomb's lie) is caught here, not after inflating gigabytes.
        inflater = zlib.decompressobj(-15)
        data = inflater.decompress(raw, info.file_size + 1)
        if len(data) > info.file_size or not inflater.eof:
            raise zipfile.BadZipFile(
                f"{info.filename} inflates to more than the {info.file_size:,} bytes "
                "its header declares"
            )
    else:
        data = raw
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad CRC-32 or size for {info.filename}")
    return data


_END = struct.Struct("<4s4H2LH")
_END_MAGIC = b"PK\x05\x06"
_CENTRAL = struct.Struct("<4s4B4HL2L5HLL")
_CENTRAL_MAGIC = b"PK\x01\x02"


class _Member(NamedTuple):
    """What reading one member needs of its central directory entry (as ``ZipInfo``).

    Immutable; a named tuple because thousands are made at once (no per-field setattr).
    """

    filename: str
    flag_bits: int
    compress_type: int
    CRC: int  # spelled as ZipInfo spells it: either one goes to _member_bytes
    compress_size: int
    file_size: int
    header_offset: int


def _central_directory(view: mmap.mmap) -> list[_Member] | None:
    """Every entry of a plain archive's central directory, read in one pass over the
    mapped file (``zipfile`` spends ~5 µs of Python per entry on what the import never
    uses). ``None`` for anything unusual (zip64, several disks, data before the archive,
    encryption, other compression methods): ``zipfile`` then reads the archive."""
    size = len(view)
    at = view.rfind(_END_MAGIC, max(0, size - _END.size - 0xFFFF))
    if at < 0 or size - at < _END.size:
        return None
    magic, disk, cd_disk, _, count, cd_size, cd_offset, comment = _END.unpack_from(view, at)
    if (disk or cd_disk or count == 0xFFFF or cd_offset == 0xFFFFFFFF
            or at + _END.size + comment != size or cd_offset + cd_size != at):
        return None
    members: list[_Member] = []
    pos = cd_offset
    unpack = _CENTRAL.unpack_from
    for _ in range(count):
        if pos + _CENTRAL.size > at:
            return None
        (magic, _, _, _, _, flags, method, _, _, crc, csize, usize, name_len, extra_len,
         comment_len, _, _, _, offset) = unpack(view, pos)
        if (magic != _CENTRAL_MAGIC or flags & 0x1 or method not in (0, 8)
                or 0xFFFFFFFF in (csize, usize, offset)):
            return None
        pos += _CENTRAL.size
        raw = view[pos:pos + name_len]
        name = raw.decode("utf-8") if flags & 0x800 else raw.decode("cp437")
        if "\x00" in name:
            return None
        pos += name_len + extra_len + comment_len
        members.append(_Member(name, flags, method, crc, csize, usize, offset))
    return members if pos == at else None


_FRAME = struct.Struct("<q")
_CHILD_MIN_MEMBERS = 256  # below that, a process costs more than it saves


def _can_fork(members: int) -> bool:
    """Whether to inflate in a child process: a large archive, Linux, and this process
    runs no other thread (forking a threaded process is unsafe)."""
    return (
        members >= _CHILD_MIN_MEMBERS
        and sys.platform == "linux"
        and hasattr(os, "fork")
        and threading.active_count() == 1
    )


def _inflate_in_child(
    view: mmap.mmap, members: list[_Member], label: str
) -> Iterator[tuple[str, bytes]]:
    """Members inflated by a forked child and handed over through a pipe.

    Inflating ~30 ms of zlib in a thread overlaps with nothing: the thread needs the GIL
    between members and gets it only when this one waits. A child runs on another core.
    It only inflates and writes (``os._exit``, no clean-up of the parent's state); should it
    stop early, the remaining members are read here.
    """
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(rfd)
            with open(wfd, "wb", buffering=1 << 20) as out:
                for info in members:
                    try:
                        data = _member_bytes(None, view, info)
                    except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                        message = str(exc).encode("utf-8", "replace")
                        out.write(_FRAME.pack(-1) + _FRAME.pack(len(message)) + message)
                        break
                    out.write(_FRAME.pack(len(data)))
                    out.write(data)
        except BaseException:  # e.g. a broken pipe: the parent stopped reading
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    done = 0
    try:
        with open(rfd, "rb", buffering=1 << 20) as pipe:
            for info in members:
                name = f"{label}:{info.filename}"
                head = pipe.read(_FRAME.size)
                if len(head) != _FRAME.size:
                    break
                (size,) = _FRAME.unpack(head)
                if size < 0:
                    (length,) = _FRAME.unpack(pipe.read(_FRAME.size))
                    why = pipe.read(length).decode("utf-8", "replace")
                    raise InputError(f"corrupt zip member ({why})", path=name)
                data = pipe.read(size)
                if len(data) != size:
                    break
                done += 1
                yield name, data
    finally:
        os.waitpid(pid, 0)
    for info in members[done:]:  # the child stopped early: read the rest here
        name = f"{label}:{info.filename}"
        try:
            yield name, _member_bytes(None, view, info)
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"corrupt zip member ({exc})", path=name) from exc


_ZIP64_LOCATOR = struct.Struct("<4sLQL")
_ZIP64_LOCATOR_MAGIC = b"PK\x06\x07"
_ZIP64_END = struct.Struct("<4sQ2H2L4Q")
_ZIP64_END_MAGIC = b"PK\x06\x06"


def _declared_directory(view: mmap.mmap) -> tuple[int, int] | None:
    """(entry count, central directory size) as the end records declare them (zip64
    included), read before ``zipfile`` builds an object per entry; ``None`` if not found."""
    size = len(view)
    at = view.rfind(_END_MAGIC, max(0, size - _END.size - 0xFFFF))
    if at < 0 or size - at < _END.size:
        return None
    _, _, _, _, count, cd_size, _, _ = _END.unpack_from(view, at)
    locator = at - _ZIP64_LOCATOR.size
    if locator >= 0 and view[locator:locator + 4] == _ZIP64_LOCATOR_MAGIC:
        _, _, end64, _ = _ZIP64_LOCATOR.unpack_from(view, locator)
        if end64 + _ZIP64_END.size <= size and view[end64:end64 + 4] == _ZIP64_END_MAGIC:
            fields = _ZIP64_END.unpack_from(view, end64)
            count, cd_size = max(count, fields[7]), max(cd_size, fields[8])
    return int(count), int(cd_size)


def _check_declared(
    members: list[_Member] | list[zipfile.ZipInfo], label: str, limits: ImportLimits
) -> None:
    """Refuse an archive whose JSON members declare too much, before inflating any."""
    total = 0
    for info in members:
        if info.file_size > limits.max_entry_bytes:
            raise InputError(
                f"archive member {redact_text(info.filename)[:200]} declares "
                f"{info.file_size:,} bytes uncompressed (limit {limits.max_entry_bytes:,}; "
                "setting PIPWARDEN_ARCHIVE_MAX_ENTRY_BYTES)",
                path=label,
            )
        total += info.file_size
    if total > limits.max_archive_bytes:
        raise InputError(
            f"archive declares {total:,} bytes uncompressed (limit "
            f"{limits.max_archive_bytes:,}; setting PIPWARDEN_ARCHIVE_MAX_BYTES)",
            path=label,
        )


def _too_many_entries(count: int, label: str, limits: ImportLimits) -> InputError:
    return InputError(
        f"archive has {count:,} entries (limit {limits.max_entries:,}; setting "
        "PIPWARDEN_ARCHIVE_MAX_ENTRIES)",
        path=label,
    )


def _counted(
    items: Iterator[tuple[str, bytes]], label: str, limits: ImportLimits
) -> Iterator[tuple[str, bytes]]:
    """``items``, counting the bytes actually inflated against the archive caps (headers
    can lie; the per-member check already refuses a member longer than declared)."""
    total = 0
    for name, data in items:
        total += len(data)
        if len(data) > limits.max_entry_bytes or total > limits.max_archive_bytes:
            raise InputError(
                f"archive inflates to more than {limits.max_archive_bytes:,} bytes or has a "
                f"member over {limits.max_entry_bytes:,} bytes (settings "
                "PIPWARDEN_ARCHIVE_MAX_BYTES, PIPWARDEN_ARCHIVE_MAX_ENTRY_BYTES)",
                path=label,
            )
        yield name, data


def _iter_zip(path: Path, label: str, limits: ImportLimits) -> Iterator[tuple[str, bytes]]:
    """Members ``*.json`` of the archive (within ``limits``)."""
    return _counted(_iter_zip_members(path, label, limits), label, limits)


def _iter_zip_members(
    path: Path, label: str, limits: ImportLimits
) -> Iterator[tuple[str, bytes]]:
    """Members ``*.json`` of the archive, inflated by a child process (see
    :func:`_inflate_in_child`) or, where forking is not safe, by a helper thread.

    zlib releases the GIL while inflating, so reading overlaps with JSON parsing.
    """
    archive: zipfile.ZipFile | None = None
    view: mmap.mmap | None = None
    entries: list[_Member] | None = None
    declared: tuple[int, int] | None = None
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError, struct.error):
        with open(path, "rb") as fh:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        declared = _declared_directory(view)
        if declared is not None and declared[0] > limits.max_entries:
            view.close()
            raise _too_many_entries(declared[0], label, limits)
        entries = _central_directory(view)
    members: list[_Member] | list[zipfile.ZipInfo]
    if entries is not None:
        members = [m for m in entries
                   if m.filename.endswith(".json") and not m.filename.endswith("/")]
        _check_declared(members, label, limits)
        if view is not None and _can_fork(len(members)):
            try:
                yield from _inflate_in_child(view, members, label)
            finally:
                view.close()
            return
    else:
        if view is not None:
            view.close()
            view = None
        # zipfile reads the whole central directory into one object per entry: bound it.
        if declared is not None and declared[1] > max(limits.max_entries, 1024) * 1024:
            raise _too_many_entries(declared[0], label, limits)
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"not a readable zip archive ({exc})", path=label) from exc
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            archive.close()
            raise _too_many_entries(len(infos), label, limits)
        members = [i for i in infos if not i.is_dir() and i.filename.endswith(".json")]
        try:
            _check_declared(members, label, limits)
        except InputError:
            archive.close()
            raise
        if archive.fp is not None:
            with contextlib.suppress(OSError, ValueError):
                view = mmap.mmap(archive.fp.fileno(), 0, access=mmap.ACCESS_READ)
    items: queue.Queue[list[tuple[str, bytes]] | BaseException | None] = queue.Queue(maxsize=16)
    stop = threading.Event()

    def reader() -> None:
        batch: list[tuple[str, bytes]] = []
        try:
            for info in members:
                if stop.is_set():
                    return
                name = f"{label}:{info.filename}"
                try:
                    batch.append((name, _member_bytes(archive, view, info)))
                except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                    items.put(batch)
                    items.put(InputError(f"corrupt zip member ({exc})", path=name))
                    return
                if len(batch) >= 64:
                    items.put(batch)
                    batch = []
            items.put(batch)
        except BaseException as exc:  # handed over to the consumer
            items.put(exc)
        finally:
            items.put(None)

    thread = threading.Thread(target=reader, name="pipwarden-zip-reader", daemon=True)
    thread.start()
    try:
        while (item := items.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield from item
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                items.get(timeout=0.05)
        thread.join()
        if view is not None:
            view.close()
        if archive is not None:
            archive.close()


def _read_regular(path: Path, label: str, limit: int) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes.

    Opened without blocking (a FIFO would wait for a writer) and checked on the open file
    (no window between a check and the read); devices, FIFOs and sockets are refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=label) from exc
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError("not a regular file (device, FIFO or socket): refused", path=label)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            f"larger than {limit:,} bytes (setting PIPWARDEN_ARCHIVE_MAX_ENTRY_BYTES)",
            path=label,
        )
    return data


def _iter_folder(path: Path, limits: ImportLimits) -> Iterator[tuple[str, bytes]]:
    """The ``*.json`` files under ``path`` (symlinked folders are not followed), in path
    order, within the archive caps (a folder is an archive that is not zipped)."""
    found: list[Path] = []
    for root, dirs, files in os.walk(path):
        dirs.sort()
        for name in files:
            if name.endswith(".json"):
                found.append(Path(root, name))
                if len(found) > limits.max_entries:
                    raise _too_many_entries(len(found), str(path), limits)
    total = 0
    for file in sorted(found):
        with contextlib.suppress(OSError):
            if not file.is_file():  # a symlink to a device, a FIFO: not a record
                log.warning("%s: not a regular file, skipped", redact_text(str(file)))
                continue
        data = _read_regular(file, str(file), limits.max_entry_bytes)
        total += len(data)
        if total > limits.max_archive_bytes:
            raise InputError(
                f"the records add up to more than {limits.max_archive_bytes:,} bytes "
                "(setting PIPWARDEN_ARCHIVE_MAX_BYTES)",
                path=str(path),
            )
        yield str(file), data


def _records(path: Path, label: str, limits: ImportLimits) -> Iterator[tuple[str, bytes]]:
    """The records of a folder, a ``.json`` file or a zip archive; anything else that is
    not a regular file (``/dev/zero``, a FIFO) is refused before it is read."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"cannot read ({exc.strerror})", path=label) from exc
    if stat.S_ISDIR(mode):
        return _iter_folder(path, limits)
    if not stat.S_ISREG(mode):
        raise InputError("not a regular file (device, FIFO or socket): refused", path=label)
    if path.suffix == ".json":
        return iter([(label, _read_regular(path, label, limits.max_entry_bytes))])
    return _iter_zip(path, label, limits)


# -- writing the database -----------------------------------------------------------------


@dataclass
class _Tally:
    """What :func:`_fill` counted (mutable while filling; turned into an ImportResult)."""

    stored: int = 0
    skipped: int = 0
    withdrawn: int = 0
    packages: int = 0
    unreadable: int = 0
    examples: list[str] = field(default_factory=list)
    newest: datetime | None = None

    def reject(self, name: str, reason: str) -> None:
        self.unreadable += 1
        shown = str(_unicode_safe(redact_text(name)[:200]))
        why = str(_unicode_safe(redact_text(reason)[:200]))
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append(f"{shown} ({why})")
        log.warning("%s: skipped: %s", shown, why)


_TEMP_MARK = ".tmp-"


def temp_prefix(db_path: Path) -> str:
    """How temp files next to ``db_path`` start: ``.osv.sqlite3.tmp-<pid>-`` (the pid lets
    the next run tell the files of a killed process from those of a running one)."""
    return f".{db_path.name}{_TEMP_MARK}{os.getpid()}-"


def _new_temp(db_path: Path, suffix: str) -> Path:
    """A new, private, empty temp file next to the database (``O_EXCL``)."""
    prefix = temp_prefix(db_path)
    for _ in range(100):
        candidate = db_path.with_name(f"{prefix}{os.urandom(4).hex()}{suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise OSError(f"cannot create a temp file next to {db_path}")


_TEMP_PID = re.compile(r"\.tmp-(\d+)-")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def remove_stale_temp_files(db_path: Path) -> list[Path]:
    """Remove temp files next to ``db_path`` left by a process that no longer runs (one
    killed by SIGKILL, or by a power cut); return what was removed."""
    removed: list[Path] = []
    folder = db_path.parent
    if not folder.is_dir():
        return removed
    with contextlib.suppress(OSError):
        for item in folder.glob(f".{_glob_escape(db_path.name)}{_TEMP_MARK}*"):
            match = _TEMP_PID.search(item.name[len(db_path.name) + 1:])
            if match is None or _pid_alive(int(match.group(1))):
                continue
            with contextlib.suppress(OSError):
                if item.is_file() and not item.is_symlink():
                    item.unlink()
                    removed.append(item)
    for item in removed:
        log.info("removed %s, left by an interrupted import", item)
    return removed


def _glob_escape(text: str) -> str:
    """``text`` with glob wildcards escaped."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def check_db_path(db_path: Path) -> None:
    """Refuse a database path that exists and is not a regular file (``--db /dev/null``):
    the import would replace the device node (as root) or a FIFO with a database."""
    try:
        mode = db_path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"cannot use as the database ({exc.strerror})", path=str(db_path)) \
            from exc
    if not stat.S_ISREG(mode):
        raise InputError(
            "not a regular file: refusing to replace it with the vulnerability database",
            path=str(db_path),
        )


class _Terminated(KeyboardInterrupt):
    """SIGTERM during an import, raised like Ctrl-C so that every clean-up runs."""


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """For the duration of a write: SIGTERM (what CI sends on cancel) and SIGINT raise, so
    that temp files are removed on the way out; the previous handlers come back after.

    Only in the main thread (signal handlers can be installed nowhere else).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(signum: int, _frame: object) -> None:
        raise _Terminated(f"signal {signum}")

    previous = {
        signal.SIGTERM: signal.signal(signal.SIGTERM, raise_terminated),
        signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _build(
    records: Iterator[tuple[str, bytes]],
    db_path: Path,
    meta: dict[str, str],
    progress: ProgressSink | None,
    limits: ImportLimits,
) -> _Tally:
    """Write every record into a new file and swap it in; what was stored and left out."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    check_db_path(db_path)
    tmp = _new_temp(db_path, "")
    try:
        conn = sqlite3.connect(tmp)
        try:
            # Larger pages: fewer overflow pages for long texts, a smaller file to write and
            # fsync (8.0 -> 6.7 MB); reading a thousand names is no slower.
            conn.execute("PRAGMA page_size=16384")
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute("PRAGMA cache_size=-65536")  # KiB: keep every page in memory
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.executescript(SCHEMA)
            # The records are acyclic: the cyclic collector would only rescan the growing
            # heap, again and again (~8% of the import time).
            collecting = gc.isenabled()
            gc.disable()
            try:
                tally = _fill(conn, records, progress, limits)
            finally:
                if collecting:
                    gc.enable()
            if tally.stored == 0:
                what = "no OSV records found"
                if tally.unreadable:
                    what = (f"no readable OSV records ({tally.unreadable:,} unreadable: "
                            f"{'; '.join(tally.examples[:3])})")
                raise InputError(what, path=meta["source"])
            data_date = tally.newest or _http_date(meta.get("last_modified"))
            meta = {
                **meta,
                "records": str(tally.stored),
                "withdrawn": str(tally.withdrawn),
                "packages": str(tally.packages),
                "unreadable": str(tally.unreadable),
                "data_date": data_date.isoformat(timespec="seconds") if data_date else "",
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            conn.commit()
        finally:
            conn.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # the temp file is private; the data is public OSV records
        check_db_path(db_path)
        tmp.replace(db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tally


def _http_date(text: str | None) -> datetime | None:
    """An HTTP date (``Last-Modified``) as an aware datetime, else ``None``."""
    if not text:
        return None
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _modified(text: str | None, ceiling: datetime) -> datetime | None:
    """A record's ``modified`` (RFC 3339) as an aware datetime; ``None`` when it is not a
    date, or later than ``ceiling`` (a record dated in the future must not make the whole
    database look fresh)."""
    if not text or len(text) > 40:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment if moment <= ceiling else None


def _encodable(text: str | None) -> bool:
    try:
        (text or "").encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _unicode_safe(text: str | None) -> str | None:
    """``text`` with lone surrogates replaced (sqlite stores UTF-8 only)."""
    if text is None or _encodable(text):
        return text
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def _fill(
    conn: sqlite3.Connection,
    records: Iterator[tuple[str, bytes]],
    progress: ProgressSink | None,
    limits: ImportLimits,
) -> _Tally:
    tally = _Tally()
    seen: set[str] = set()
    rows: list[tuple[str, str | None, str, str, str]] = []
    links: list[tuple[str, str, str | None]] = []
    ceiling = datetime.now(UTC) + timedelta(days=1)

    def flush() -> None:
        try:
            conn.executemany("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?, ?, ?)", rows)
            conn.executemany("INSERT OR REPLACE INTO affects VALUES (?, ?, ?)", links)
        except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape) cannot be stored
            bad = sorted(
                {str(_unicode_safe(r[0])) for r in rows if not all(map(_encodable, r))}
            )
            log.warning("%s: text that is not valid Unicode replaced with U+FFFD",
                        ", ".join(bad))
            conn.executemany("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?, ?, ?)",
                             [tuple(map(_unicode_safe, r)) for r in rows])
            conn.executemany("INSERT OR REPLACE INTO affects VALUES (?, ?, ?)",
                             [tuple(map(_unicode_safe, r)) for r in links])
        rows.clear()
        links.clear()

    for name, raw in records:
        if progress is not None:
            progress.advance()
        try:
            adv = parse_record(load_record(raw, limits.record), source=name)
            row, row_links = _rows(adv)
        except UnreadableRecord as exc:
            tally.reject(name, exc.reason)
            continue
        except InputError as exc:
            tally.reject(name, exc.reason)
            continue
        except (ValueError, TypeError, RecursionError, OverflowError) as exc:
            # A record no check above foresaw: it is skipped and counted, never the import.
            log.debug("%s: unexpected error while reading", name, exc_info=True)
            tally.reject(name, f"{type(exc).__name__}: {str(exc)[:100]}")
            continue
        if not adv.affected:
            tally.skipped += 1
            continue
        moment = _modified(adv.modified, ceiling)
        if moment is not None and (tally.newest is None or moment > tally.newest):
            tally.newest = moment
        if adv.id in seen:
            log.warning("%s: duplicate record %s, the last one wins", _unicode_safe(name),
                        _unicode_safe(adv.id))
            # Links of the earlier copy stay (as they always did) but match nothing.
            flush()
            conn.execute("UPDATE affects SET m = '[]' WHERE advisory_id = ?",
                         (_unicode_safe(adv.id),))  # stored that way: a lone surrogate
        else:
            seen.add(adv.id)
            tally.stored += 1
            tally.withdrawn += adv.withdrawn is not None
        rows.append(row)
        links.extend(row_links)
        if len(rows) >= _BATCH:
            flush()
    flush()
    packages = conn.execute("SELECT COUNT(DISTINCT package) FROM affects").fetchone()[0]
    tally.packages = int(packages)
    return tally


def _rows(
    adv: Advisory,
) -> tuple[tuple[str, str | None, str, str, str], list[tuple[str, str, str | None]]]:
    """The ``advisory`` row and ``affects`` rows of one record.

    A package whose ranges cannot be evaluated (a version number too long to convert) gets
    an ``m`` of ``{"error": reason}``: the record stays, and matching reports it as not
    checked for that package instead of dropping it.
    """
    references = adv.references
    refs = "\n".join(references)
    if references and refs.count("\n") >= len(references):  # a URL with a line break: left out
        refs = "\n".join(u for u in references if "\n" not in u)
    affected = adv.affected
    keys = [encode_version_keys(a.versions) for a in affected]
    row = (adv.id, adv.withdrawn, advisory_to_compact(adv, keys), adv.details, refs)
    by_package: dict[str, list[tuple[Affected, str]]] = {}
    for aff, key in zip(affected, keys, strict=True):
        by_package.setdefault(aff.package, []).append((aff, key))
    links: list[tuple[str, str, str | None]] = []
    for pkg, pairs in by_package.items():
        m = None
        if adv.withdrawn is None:
            try:
                m = _ENCODE(match_entries([a for a, _ in pairs], [k for _, k in pairs]))
            except (ValueError, TypeError, RecursionError) as exc:
                m = _ENCODE({"error": f"{type(exc).__name__}: {str(exc)[:100]}"})
        links.append((pkg, adv.id, m))
    return row, links


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _import_path(
    path: Path,
    label: str,
    db_path: Path,
    *,
    source: str,
    progress: ProgressSink | None,
    limits: ImportLimits,
    etag: str | None = None,
    last_modified: str | None = None,
) -> ImportResult:
    started = time.perf_counter()
    meta = {"source": source, "imported_at": _now()}
    if etag:
        meta["etag"] = etag
    if last_modified:
        meta["last_modified"] = last_modified
    tally = _build(_records(path, label, limits), db_path, meta, progress, limits)
    return ImportResult(
        tally.stored, tally.skipped, tally.withdrawn, tally.packages, source, db_path,
        time.perf_counter() - started, tally.unreadable, tuple(tally.examples),
        tally.newest or _http_date(last_modified),
    )


# -- downloading --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Download:
    path: Path | None  # None: 304 not modified
    etag: str | None
    last_modified: str | None
    size: int


def public_url(url: str) -> str:
    """``url`` as it may be stored: without user info (a password, a token, even one
    holding ``/ # @``), query (``?token=…``, ``?sig=…``) or fragment."""
    _, bare = split_userinfo(url)
    parts = urllib.parse.urlsplit(bare)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _shown(url: str) -> str:
    """``url`` as messages show it: :func:`public_url`, with a user name and a masked
    password in front (``user:****@``: which identity was used, never its secret)."""
    userinfo, _ = split_userinfo(url)
    public = public_url(url)
    if userinfo and "://" in public:
        public = public.replace("://", f"://{userinfo}@", 1)
    return redact_text(public)


def _origin(url: str) -> str:
    """``scheme://[user:****@]host[:port]`` of ``url``, for messages."""
    parts = urllib.parse.urlsplit(public_url(url))
    userinfo, _ = split_userinfo(url)
    where = f"{parts.scheme}://{userinfo + '@' if userinfo else ''}{parts.netloc}"
    return redact_text(where) if parts.netloc else _shown(url)


class _DeadlineExceeded(TimeoutError):
    """The total deadline of a request passed (connect, headers and body together)."""


class _DeadlineSocket:
    """A connected socket whose every send and receive gets what is left of the request's
    deadline as its timeout: a server trickling one byte a second cannot keep a request
    alive past the deadline (a plain socket timeout applies to each read alone)."""

    def __init__(self, sock: object, deadline: float, timeout: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._timeout = timeout

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("deadline passed")
        self._sock.settimeout(min(self._timeout, remaining))  # type: ignore[attr-defined]

    def sendall(self, data: bytes, *args: int) -> None:
        self._arm()
        self._sock.sendall(data, *args)  # type: ignore[attr-defined]

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        # The socket's own file (it keeps the socket open while the response is read),
        # read through the deadline.
        raw = self._sock.makefile("rb", buffering=0)  # type: ignore[attr-defined]
        return io.BufferedReader(_DeadlineReader(self, raw))

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """The raw file ``HTTPResponse`` reads from: the socket's file, each read armed with
    what is left of the deadline."""

    def __init__(self, owner: _DeadlineSocket, raw: io.RawIOBase) -> None:
        self._owner = owner
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        self._owner._arm()
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            if time.monotonic() >= self._owner._deadline:
                raise _DeadlineExceeded("deadline passed") from None
            raise

    def close(self) -> None:
        self._raw.close()
        super().close()


def _opener(deadline: float, timeout: float) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections keep to ``deadline`` (a ``time.monotonic()``)."""
    import http.client
    import urllib.request

    def bounded(conn: http.client.HTTPConnection) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("deadline passed")
        conn.timeout = min(timeout, remaining)

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            bounded(self)
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline, timeout)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            bounded(self)
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline, timeout)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Handler(), SecureHandler())


def _request(url: str, headers: dict[str, str]) -> urllib.request.Request:
    """The request for ``url``: user info moves from the URL (where urllib would put it in
    the host name, and error messages would print it) to a Basic ``Authorization`` header
    that is never copied onto a redirected request."""
    import base64
    import urllib.request

    userinfo, bare = split_userinfo(url)
    bare = bare.partition("#")[0]
    request = urllib.request.Request(
        bare, headers={"User-Agent": f"pipwarden/{__version__}", **headers}
    )
    if userinfo:
        user, _, password = userinfo.partition(":")
        token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
        request.add_unredirected_header(
            "Authorization", "Basic " + base64.b64encode(token.encode()).decode("ascii")
        )
    return request


def _download(
    url: str,
    db_path: Path,
    *,
    headers: dict[str, str],
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    limits: ImportLimits,
) -> _Download:
    """Download ``url`` into a temp file next to ``db_path``, within ``limits`` (size,
    deadline per attempt). Never names the URL's credentials or query in an error."""
    # Network modules load only when downloading (http.client and ssl cost ~40 ms to import).
    import http.client
    import socket
    import urllib.error

    from pipwarden.report.output import Progress

    db_path.parent.mkdir(parents=True, exist_ok=True)
    shown = _shown(url)
    problem = "no attempt made"
    cap = limits.max_download_bytes
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        deadline = time.monotonic() + limits.deadline
        tmp: Path | None = None
        try:
            with _opener(deadline, timeout).open(_request(url, headers)) as resp:
                length_header = resp.headers.get("Content-Length")
                length = int(length_header) if length_header and length_header.isdigit() \
                    and len(length_header) < 20 else None
                if length is not None and length > cap:
                    raise _TooLarge(length)
                tmp = _new_temp(db_path, ".zip")
                got = 0
                with open(tmp, "wb") as fh, Progress("downloading OSV data", length) as bar:
                    while chunk := resp.read(_CHUNK):
                        got += len(chunk)
                        if got > cap:
                            raise _TooLarge(got)
                        fh.write(chunk)
                        bar.advance(len(chunk))
                if length is not None and got != length:
                    raise http.client.IncompleteRead(b"", length - got)
                result = _Download(
                    tmp, resp.headers.get("ETag"), resp.headers.get("Last-Modified"), got
                )
                tmp = None
                return result
        except _TooLarge as exc:
            raise NetworkError(
                f"cannot download {shown}: the answer is larger than {cap:,} bytes "
                f"({exc.size:,}; setting PIPWARDEN_OSV_MAX_DOWNLOAD_BYTES)",
                hint=UPDATE_HINT,
            ) from None
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return _Download(None, exc.headers.get("ETag"), exc.headers.get("Last-Modified"), 0)
            problem = f"HTTP {exc.code} {redact_text(str(exc.reason))[:100]}"
            if exc.code < 500 and exc.code != 429:
                raise NetworkError(f"cannot download {shown}: {problem}", hint=UPDATE_HINT) \
                    from None
        except http.client.IncompleteRead as exc:
            problem = f"the download was truncated ({exc.expected} bytes missing)"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError,
                http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, _DeadlineExceeded) or time.monotonic() >= deadline:
                raise NetworkError(
                    f"cannot download vulnerability data: {_origin(url)} did not send "
                    f"{shown} within the {limits.deadline:g} s deadline "
                    "(setting PIPWARDEN_HTTP_DEADLINE)",
                    hint=UPDATE_HINT,
                ) from None
            problem = f"{_origin(url)} is unreachable ({redact_text(str(reason))[:200]})"
            if isinstance(reason, ConnectionRefusedError | socket.gaierror):
                break  # nobody listens, or no such host: retrying in seconds will not help
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        log.debug("download attempt %d of %s failed: %s", attempt + 1, shown, problem)
    raise NetworkError(f"cannot download vulnerability data: {problem}", hint=UPDATE_HINT)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


# -- public API ---------------------------------------------------------------------------


def import_source(
    source: str | Path,
    db_path: Path,
    *,
    progress: ProgressSink | None = None,
    timeout: float = 15.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Replace the database at ``db_path`` with the OSV records of ``source``.

    ``source``: a zip in the OSV ``all.zip`` layout (``<ID>.json`` members, sub-folders
    allowed), a folder of ``.json`` files (recursive), a single ``.json`` record, a
    ``file://`` URL or an ``http(s)://`` URL (downloaded without a conditional GET).
    A record that cannot be read is skipped and counted (``unreadable``); an archive past
    the ``limits`` raises :class:`InputError` (exit 2; exit 3 for a download), and nothing
    is written then. SIGTERM and SIGINT remove the temp files on their way out.
    """
    limits = limits or ImportLimits()
    check_db_path(db_path)
    remove_stale_temp_files(db_path)
    with _interruptible():
        return _import_source(source, db_path, progress, timeout, retries, backoff, sleep,
                              limits)


def _import_source(
    source: str | Path,
    db_path: Path,
    progress: ProgressSink | None,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    limits: ImportLimits,
) -> ImportResult:
    text = str(source)
    scheme = urllib.parse.urlsplit(text).scheme.lower() if isinstance(source, str) else ""
    if scheme in {"http", "https"}:
        download = _download(
            text, db_path, headers={}, timeout=timeout, retries=retries,
            backoff=backoff, sleep=sleep, limits=limits,
        )
        assert download.path is not None
        try:
            return _import_downloaded(download, text, db_path, progress, limits)
        finally:
            download.path.unlink(missing_ok=True)
    if scheme == "file":
        from urllib.request import url2pathname

        path = Path(url2pathname(urllib.parse.urlsplit(text).path))
    elif scheme and len(scheme) > 1:
        raise InputError(f"unsupported URL scheme {scheme!r} (use a path, file://, http(s)://)",
                         path=public_url(text))
    else:
        path = Path(text)
    if not path.exists():
        raise InputError("no such file or folder", path=text)
    return _import_path(path, path.name, db_path, source=str(path.resolve()), progress=progress,
                        limits=limits)


def _import_downloaded(
    download: _Download,
    url: str,
    db_path: Path,
    progress: ProgressSink | None,
    limits: ImportLimits,
) -> ImportResult:
    """Import a downloaded archive; what is wrong with it is remote data (exit 3)."""
    assert download.path is not None
    shown = _shown(url)
    if not zipfile.is_zipfile(download.path):
        raise NetworkError(
            f"the file downloaded from {shown} is not a zip archive; the database was not "
            "changed",
            hint=UPDATE_HINT,
        )
    label = Path(urllib.parse.urlsplit(url).path).name or "download.zip"
    try:
        return _import_path(
            download.path, label, db_path, source=public_url(url), progress=progress,
            limits=limits,
            etag=download.etag, last_modified=download.last_modified,
        )
    except InputError as exc:
        if exc.path == str(db_path):  # the --db path: local input
            raise
        raise DataUnavailableError(
            f"the archive downloaded from {shown} was refused: {exc.message}; the database "
            "was not changed",
            hint=UPDATE_HINT,
        ) from None


def update_from_url(
    url: str,
    db_path: Path,
    *,
    force: bool = False,
    timeout: float = 15.0,
    retries: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    progress: ProgressSink | None = None,
    limits: ImportLimits | None = None,
) -> UpdateResult:
    """Download the OSV archive at ``url`` if it changed, and swap in a fresh database.

    Sends ``If-None-Match``/``If-Modified-Since`` from the stored metadata when the database
    came from the same URL (unless ``force``); a 304 leaves the file untouched. Retries 5xx
    answers, timeouts and truncated bodies ``retries`` times with exponential ``backoff``;
    each attempt keeps to the ``limits`` deadline and size cap. The URL is stored and shown
    without its credentials and query.
    """
    limits = limits or ImportLimits()
    check_db_path(db_path)
    remove_stale_temp_files(db_path)
    with _interruptible():
        return _update_from_url(url, db_path, force, timeout, retries, backoff, sleep,
                                progress, limits)


def _update_from_url(
    url: str,
    db_path: Path,
    force: bool,
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    progress: ProgressSink | None,
    limits: ImportLimits,
) -> UpdateResult:
    started = time.perf_counter()
    shown = public_url(url)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "file":
        result = import_source(url, db_path, progress=progress, limits=limits)
        return UpdateResult("updated", result.records, shown, None, None, 0, result.seconds)
    if scheme not in {"http", "https"}:
        raise InputError(f"unsupported URL scheme {scheme!r} (use http(s):// or file://)",
                         path=shown)
    headers: dict[str, str] = {}
    previous = None
    if not force and db_path.is_file():
        try:
            with VulnStore.open(db_path) as store:
                previous = store.meta()
        except DatabaseError as exc:
            log.info("ignoring the current database for the conditional GET: %s", exc)
    if previous is not None and previous.source == shown:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    try:
        download = _download(
            url, db_path, headers=headers, timeout=timeout, retries=retries,
            backoff=backoff, sleep=sleep, limits=limits,
        )
    except NetworkError as exc:
        if db_path.is_file():
            message = f"{exc.message}; the database {db_path} was not changed"
        elif " is unreachable " in exc.message:
            message = exc.message.replace(
                "cannot download vulnerability data: ", "no vulnerability data yet and "
            )
        else:
            message = f"no vulnerability data yet: {exc.message}"
        raise NetworkError(message, hint=exc.hint) from None
    if download.path is None:
        assert previous is not None
        return UpdateResult(
            "not-modified", previous.records, shown, previous.etag, previous.last_modified, 0,
            time.perf_counter() - started,
        )
    try:
        result = _import_downloaded(download, url, db_path, progress, limits)
    finally:
        download.path.unlink(missing_ok=True)
    return UpdateResult(
        "updated", result.records, shown, download.etag, download.last_modified, download.size,
        time.perf_counter() - started,
    )
