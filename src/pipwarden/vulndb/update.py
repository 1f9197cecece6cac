"""Building the database: import OSV records from a zip, a folder or a URL; conditional updates.

The public entry points (:func:`import_source`, :func:`update_from_url`) and their
results. The work is done by one module per concern: :mod:`~pipwarden.vulndb.reading`
(folders, ``.json`` files, limits), :mod:`~pipwarden.vulndb.ziparchive` (zip archives),
:mod:`~pipwarden.vulndb.build` (the SQLite file and its atomic swap) and
:mod:`~pipwarden.vulndb.download` (HTTP with a deadline and a size cap).

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

import time
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Literal

from pipwarden.errors import DatabaseError, DataUnavailableError, InputError, NetworkError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.vulndb.build import (
    ProgressSink,
    _build,
    _http_date,
    _interruptible,
    _now,
    check_db_path,
    remove_stale_temp_files,
    temp_prefix,
)
from pipwarden.vulndb.download import _Download, _download, _shown, public_url
from pipwarden.vulndb.reading import ImportLimits, _records
from pipwarden.vulndb.store import UPDATE_HINT, VulnStore

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

log = get_logger(__name__)


@frozen
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


@frozen
class UpdateResult:
    """The outcome of :func:`update_from_url`."""

    status: Literal["updated", "not-modified"]
    records: int
    source: str
    etag: str | None
    last_modified: str | None
    downloaded_bytes: int
    seconds: float


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
