"""Writing a database file: records parsed into rows, a temp file swapped in atomically.

Every import builds a NEW SQLite file next to the target and ``os.replace()``s it over the
old one only once it is complete, so the previous database stays usable whatever fails
(full disk, Ctrl-C, SIGTERM). Temp files are named ``.<db name>.tmp-<pid>-<random>`` so
that the next run removes those of a killed process. A record that cannot be read is
skipped and counted, never the import.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import re
import signal
import sqlite3
import stat
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from pipwarden.errors import InputError
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.vulndb.compact import advisory_to_compact, encode_version_keys
from pipwarden.vulndb.matching import bounds_of, match_entries
from pipwarden.vulndb.osv import Advisory, Affected
from pipwarden.vulndb.osvparse import parse_record
from pipwarden.vulndb.reading import ImportLimits
from pipwarden.vulndb.records import UnreadableRecord, load_record
from pipwarden.vulndb.store import SCHEMA, SCHEMA_VERSION

log = get_logger(__name__)

_BATCH = 2000
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode

class ProgressSink(Protocol):
    """Anything with ``advance(n)``, e.g. :class:`pipwarden.report.output.Progress`."""

    def advance(self, amount: int = 1) -> None: ...


_MAX_EXAMPLES = 10  # unreadable records named in the result (all are counted)


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
            os.close(fd)
        except FileExistsError:
            continue
        except BaseException:
            # SIGTERM/Ctrl-C raise right after a call returns: when that call was the
            # open, the file exists but no caller knows it yet (its name is random and
            # created exclusively: it is ours).
            candidate.unlink(missing_ok=True)
            raise
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
    links: list[_Link] = []
    ceiling = datetime.now(UTC) + timedelta(days=1)

    def flush() -> None:
        try:
            conn.executemany("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?, ?, ?)", rows)
            conn.executemany(_INSERT_AFFECTS, links)
        except UnicodeEncodeError:  # a lone surrogate (a "\ud800" escape) cannot be stored
            bad = sorted(
                {str(_unicode_safe(r[0])) for r in rows if not all(map(_encodable, r))}
            )
            log.warning("%s: text that is not valid Unicode replaced with U+FFFD",
                        ", ".join(bad))
            conn.executemany("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?, ?, ?)",
                             [_safe_row(r) for r in rows])
            conn.executemany(_INSERT_AFFECTS, [_safe_row(r) for r in links])
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
            conn.execute("UPDATE affects SET m = '[]', bounded = 0 WHERE advisory_id = ?",
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


# An ``affects`` row: package, record id, bounded, above, lo, hi, listed, m (see
# :mod:`pipwarden.vulndb.store`).
_Link = tuple[str, str, int, int, str | None, str | None, str | None, str | None]
_INSERT_AFFECTS = "INSERT OR REPLACE INTO affects VALUES (?, ?, ?, ?, ?, ?, ?, ?)"


def _safe_row(row: tuple[object, ...]) -> tuple[object, ...]:
    """``row`` with the lone surrogates of its texts replaced."""
    return tuple(_unicode_safe(v) if isinstance(v, str) else v for v in row)


def _rows(
    adv: Advisory,
) -> tuple[tuple[str, str | None, str, str, str], list[_Link]]:
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
    links: list[_Link] = []
    for pkg, pairs in by_package.items():
        if adv.withdrawn is not None:
            links.append((pkg, adv.id, 0, 0, None, None, None, None))
            continue
        try:
            entries = match_entries([a for a, _ in pairs], [k for _, k in pairs])
        except (ValueError, TypeError, RecursionError) as exc:
            error = _ENCODE({"error": f"{type(exc).__name__}: {str(exc)[:100]}"})
            links.append((pkg, adv.id, 0, 0, None, None, None, error))
            continue
        bounds = bounds_of(entries)
        if bounds is None:
            links.append((pkg, adv.id, 0, 0, None, None, None, _ENCODE(entries)))
        else:
            links.append((pkg, adv.id, 1, int(bounds.above), bounds.lo, bounds.hi,
                          bounds.listed, _ENCODE(bounds.entries)))
    return row, links


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
