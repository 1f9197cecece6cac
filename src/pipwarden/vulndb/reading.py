"""Where OSV records are read from: a zip, a folder of ``.json`` files; the limits on both.

Everything read is hostile input (TRUST §2), bounded by :class:`ImportLimits`: archive
size and entry count, one record's size, JSON depth and number length, download size.
Only regular files are read. The zip reader is :mod:`pipwarden.vulndb.ziparchive`.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.vulndb.records import RecordLimits

if TYPE_CHECKING:
    from pipwarden.settings import Settings

log = get_logger(__name__)


@frozen
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


def _too_many_entries(count: int, label: str, limits: ImportLimits) -> InputError:
    return InputError(
        f"archive has {count:,} entries (limit {limits.max_entries:,}; setting "
        "PIPWARDEN_ARCHIVE_MAX_ENTRIES)",
        path=label,
    )


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
    from pipwarden.vulndb.ziparchive import _iter_zip

    return _iter_zip(path, label, limits)
