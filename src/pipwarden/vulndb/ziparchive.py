"""Reading OSV records from a zip archive without trusting its headers.

The central directory is read in one pass; declared sizes and the entry count are
checked before anything is inflated, and the bytes actually inflated are counted (a
header that lies about its size cannot make a member larger than the limits). On Linux,
members are inflated by a forked child that streams them back (a thread elsewhere).
"""

from __future__ import annotations

import contextlib
import mmap
import os
import queue
import struct
import sys
import threading
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from pipwarden.errors import InputError
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.vulndb.reading import ImportLimits, _too_many_entries

log = get_logger(__name__)


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
