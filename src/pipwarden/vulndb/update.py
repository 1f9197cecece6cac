"""Building the database: import OSV records from a zip, a folder or a URL; conditional updates.

Every import builds a NEW SQLite file next to the target and ``os.replace()``s it over the
old one only once it is complete, so the previous database stays usable whatever fails
(malformed record, truncated download, full disk, Ctrl-C).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import mmap
import os
import queue
import sqlite3
import struct
import sys
import tempfile
import threading
import time
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, NamedTuple, Protocol

from pipwarden import __version__
from pipwarden.errors import DatabaseError, InputError, NetworkError
from pipwarden.vulndb.osv import (
    Affected,
    advisory_to_compact,
    encode_version_keys,
    parse_record,
)
from pipwarden.vulndb.ranges import match_entries
from pipwarden.vulndb.store import SCHEMA, SCHEMA_VERSION, UPDATE_HINT, VulnStore

__all__ = [
    "ImportResult",
    "ProgressSink",
    "UpdateResult",
    "import_source",
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
class ImportResult:
    """What an import stored: ``records`` (withdrawn included), and what it left out.

    ``skipped`` counts records without any PyPI ``affected`` entry (not stored).
    """

    records: int
    skipped: int
    withdrawn: int
    packages: int
    source: str
    db_path: Path
    seconds: float


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
    data = zlib.decompress(raw, -15, info.file_size or 1) if info.compress_type == 8 else raw
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


def _iter_zip(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    """Members ``*.json`` of the archive, inflated by a child process (see
    :func:`_inflate_in_child`) or, where forking is not safe, by a helper thread.

    zlib releases the GIL while inflating, so reading overlaps with JSON parsing.
    """
    archive: zipfile.ZipFile | None = None
    view: mmap.mmap | None = None
    entries: list[_Member] | None = None
    with contextlib.suppress(OSError, ValueError, UnicodeDecodeError, struct.error):
        with open(path, "rb") as fh:
            view = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        entries = _central_directory(view)
    members: list[_Member] | list[zipfile.ZipInfo]
    if entries is not None:
        members = [m for m in entries
                   if m.filename.endswith(".json") and not m.filename.endswith("/")]
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
        try:
            archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"not a readable zip archive ({exc})", path=label) from exc
        members = [i for i in archive.infolist()
                   if not i.is_dir() and i.filename.endswith(".json")]
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


def _iter_folder(path: Path) -> Iterator[tuple[str, bytes]]:
    for file in sorted(path.rglob("*.json")):
        if file.is_file():
            yield str(file), file.read_bytes()


def _records(path: Path, label: str) -> Iterator[tuple[str, bytes]]:
    if path.is_dir():
        return _iter_folder(path)
    if path.suffix == ".json":
        return iter([(label, path.read_bytes())])
    return _iter_zip(path, label)


# -- writing the database -----------------------------------------------------------------


def _build(
    records: Iterator[tuple[str, bytes]],
    db_path: Path,
    meta: dict[str, str],
    progress: ProgressSink | None,
) -> tuple[int, int, int, int]:
    """Write every record into a new file and swap it in; (records, skipped, withdrawn, pkgs)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=db_path.parent, prefix=f".{db_path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
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
                counts = _fill(conn, records, progress)
            finally:
                if collecting:
                    gc.enable()
            if counts[0] == 0:
                raise InputError("no OSV records found", path=meta["source"])
            meta = {
                **meta,
                "records": str(counts[0]),
                "withdrawn": str(counts[2]),
                "packages": str(counts[3]),
            }
            conn.executemany("INSERT INTO meta VALUES (?, ?)", sorted(meta.items()))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")
            conn.commit()
        finally:
            conn.close()
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        tmp.chmod(0o644)  # mkstemp makes it private; the data is public OSV records
        tmp.replace(db_path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return counts


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
) -> tuple[int, int, int, int]:
    stored = skipped = withdrawn = 0
    seen: set[str] = set()
    rows: list[tuple[str, str | None, str, str, str]] = []
    links: list[tuple[str, str, str | None]] = []

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
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"not valid JSON ({exc})", path=name) from exc
        adv = parse_record(data, source=name)
        if progress is not None:
            progress.advance()
        if not adv.affected:
            skipped += 1
            continue
        if adv.id in seen:
            log.warning("%s: duplicate record %s, the last one wins", name, adv.id)
            # Links of the earlier copy stay (as they always did) but match nothing.
            flush()
            conn.execute("UPDATE affects SET m = '[]' WHERE advisory_id = ?", (adv.id,))
        else:
            seen.add(adv.id)
            stored += 1
            withdrawn += adv.withdrawn is not None
        references = adv.references
        refs = "\n".join(references)
        if references and refs.count("\n") >= len(references):  # a URL with a line break: left out
            refs = "\n".join(u for u in references if "\n" not in u)
        affected = adv.affected
        keys = [encode_version_keys(a.versions) for a in affected]
        rows.append((adv.id, adv.withdrawn, advisory_to_compact(adv, keys), adv.details, refs))
        if len(affected) == 1:  # the usual record: one package, one entry
            m = None if adv.withdrawn is not None else _ENCODE(match_entries(affected, keys))
            links.append((affected[0].package, adv.id, m))
        else:
            by_package: dict[str, list[tuple[Affected, str]]] = {}
            for aff, key in zip(affected, keys, strict=True):
                by_package.setdefault(aff.package, []).append((aff, key))
            for pkg, pairs in by_package.items():
                m = None
                if adv.withdrawn is None:
                    m = _ENCODE(match_entries([a for a, _ in pairs], [k for _, k in pairs]))
                links.append((pkg, adv.id, m))
        if len(rows) >= _BATCH:
            flush()
    flush()
    packages = conn.execute("SELECT COUNT(DISTINCT package) FROM affects").fetchone()[0]
    return stored, skipped, withdrawn, int(packages)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _import_path(
    path: Path,
    label: str,
    db_path: Path,
    *,
    source: str,
    progress: ProgressSink | None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> ImportResult:
    started = time.perf_counter()
    meta = {"source": source, "imported_at": _now()}
    if etag:
        meta["etag"] = etag
    if last_modified:
        meta["last_modified"] = last_modified
    records, skipped, withdrawn, packages = _build(_records(path, label), db_path, meta, progress)
    return ImportResult(
        records, skipped, withdrawn, packages, source, db_path, time.perf_counter() - started
    )


# -- downloading --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Download:
    path: Path | None  # None: 304 not modified
    etag: str | None
    last_modified: str | None
    size: int


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


def _download(
    url: str,
    dest_dir: Path,
    *,
    headers: dict[str, str],
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
) -> _Download:
    # Network modules load only when downloading (http.client and ssl cost ~40 ms to import).
    import http.client
    import socket
    import urllib.error
    import urllib.request

    from pipwarden.report.output import Progress

    dest_dir.mkdir(parents=True, exist_ok=True)
    problem = "no attempt made"
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        request = urllib.request.Request(
            url, headers={"User-Agent": f"pipwarden/{__version__}", **headers}
        )
        tmp: Path | None = None
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:
                length_header = resp.headers.get("Content-Length")
                length = int(length_header) if length_header and length_header.isdigit() else None
                fd, tmp_name = tempfile.mkstemp(dir=dest_dir, prefix=".osv-", suffix=".zip.tmp")
                tmp = Path(tmp_name)
                got = 0
                with os.fdopen(fd, "wb") as fh, Progress("downloading OSV data", length) as bar:
                    while chunk := resp.read(_CHUNK):
                        fh.write(chunk)
                        got += len(chunk)
                        bar.advance(len(chunk))
                if length is not None and got != length:
                    raise http.client.IncompleteRead(b"", length - got)
                result = _Download(
                    tmp, resp.headers.get("ETag"), resp.headers.get("Last-Modified"), got
                )
                tmp = None
                return result
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return _Download(None, exc.headers.get("ETag"), exc.headers.get("Last-Modified"), 0)
            problem = f"HTTP {exc.code} {exc.reason}"
            if exc.code < 500 and exc.code != 429:
                raise NetworkError(f"cannot download {url}: {problem}", hint=UPDATE_HINT) from exc
        except http.client.IncompleteRead as exc:
            problem = f"the download was truncated ({exc.expected} bytes missing)"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError,
                http.client.HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            problem = f"{_origin(url)} is unreachable ({reason})"
            if isinstance(reason, ConnectionRefusedError | socket.gaierror):
                break  # nobody listens, or no such host: retrying in seconds will not help
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        log.debug("download attempt %d of %s failed: %s", attempt + 1, url, problem)
    raise NetworkError(f"cannot download vulnerability data: {problem}", hint=UPDATE_HINT)


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
) -> ImportResult:
    """Replace the database at ``db_path`` with the OSV records of ``source``.

    ``source``: a zip in the OSV ``all.zip`` layout (``<ID>.json`` members, sub-folders
    allowed), a folder of ``.json`` files (recursive), a single ``.json`` record, a
    ``file://`` URL or an ``http(s)://`` URL (downloaded without a conditional GET).
    A malformed record raises :class:`InputError` naming it; nothing is written then.
    """
    text = str(source)
    scheme = urllib.parse.urlsplit(text).scheme.lower() if isinstance(source, str) else ""
    if scheme in {"http", "https"}:
        download = _download(
            text, db_path.parent, headers={}, timeout=timeout, retries=retries,
            backoff=backoff, sleep=sleep,
        )
        assert download.path is not None
        try:
            return _import_downloaded(download, text, db_path, progress)
        finally:
            download.path.unlink(missing_ok=True)
    if scheme == "file":
        from urllib.request import url2pathname

        path = Path(url2pathname(urllib.parse.urlsplit(text).path))
    elif scheme and len(scheme) > 1:
        raise InputError(f"unsupported URL scheme {scheme!r} (use a path, file://, http(s)://)",
                         path=text)
    else:
        path = Path(text)
    if not path.exists():
        raise InputError("no such file or folder", path=text)
    return _import_path(path, path.name, db_path, source=str(path.resolve()), progress=progress)


def _import_downloaded(
    download: _Download, url: str, db_path: Path, progress: ProgressSink | None
) -> ImportResult:
    assert download.path is not None
    if not zipfile.is_zipfile(download.path):
        raise NetworkError(
            f"the file downloaded from {url} is not a zip archive; the database was not changed",
            hint=UPDATE_HINT,
        )
    label = Path(urllib.parse.urlsplit(url).path).name or "download.zip"
    return _import_path(
        download.path, label, db_path, source=url, progress=progress,
        etag=download.etag, last_modified=download.last_modified,
    )


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
) -> UpdateResult:
    """Download the OSV archive at ``url`` if it changed, and swap in a fresh database.

    Sends ``If-None-Match``/``If-Modified-Since`` from the stored metadata when the database
    came from the same URL (unless ``force``); a 304 leaves the file untouched. Retries 5xx
    answers, timeouts and truncated bodies ``retries`` times with exponential ``backoff``.
    """
    started = time.perf_counter()
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme == "file":
        result = import_source(url, db_path, progress=progress)
        return UpdateResult("updated", result.records, url, None, None, 0, result.seconds)
    if scheme not in {"http", "https"}:
        raise InputError(f"unsupported URL scheme {scheme!r} (use http(s):// or file://)",
                         path=url)
    headers: dict[str, str] = {}
    previous = None
    if not force and db_path.is_file():
        try:
            with VulnStore.open(db_path) as store:
                previous = store.meta()
        except DatabaseError as exc:
            log.info("ignoring the current database for the conditional GET: %s", exc)
    if previous is not None and previous.source == url:
        if previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
    try:
        download = _download(
            url, db_path.parent, headers=headers, timeout=timeout, retries=retries,
            backoff=backoff, sleep=sleep,
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
        raise NetworkError(message, hint=exc.hint) from exc
    if download.path is None:
        assert previous is not None
        return UpdateResult(
            "not-modified", previous.records, url, previous.etag, previous.last_modified, 0,
            time.perf_counter() - started,
        )
    try:
        result = _import_downloaded(download, url, db_path, progress)
    finally:
        download.path.unlink(missing_ok=True)
    return UpdateResult(
        "updated", result.records, url, download.etag, download.last_modified, download.size,
        time.perf_counter() - started,
    )
