"""The SQLite vulnerability database (one file, built by :mod:`pipwarden.vulndb.update`).

Layout (``PRAGMA user_version`` = :data:`SCHEMA_VERSION`):

* ``advisory(id, withdrawn, data, details, refs)``: one row per OSV record, ``data`` being
  the compact JSON of :func:`pipwarden.vulndb.osv.advisory_to_compact`, ``details`` the
  text and ``refs`` the reference URLs joined by newlines (plain text: nothing to decode).
* ``affects(package, advisory_id, m)``: which PEP 503 names each record affects, and ``m``
  what matching an exact version needs of that package's ``affected`` entries (JSON of
  :func:`pipwarden.vulndb.matching.match_entries`: events parsed and sorted at import
  and stored as sort keys, version keys precomputed); ``NULL`` for withdrawn records.
  ``m`` is ``{"error": reason}`` where the entries could not be prepared (the record is
  then "not checked" for that package, never silently clean). ``bounded`` rows also
  carry the :class:`~pipwarden.vulndb.matching.Bounds` of their entries: ``listed`` (the
  listed version keys, left out of ``m``), ``lo``, ``hi`` and ``above``; with them
  :meth:`VulnStore.check_pins` settles most pins (listed, below every event, above every
  event) without decoding ``m`` (:func:`~pipwarden.vulndb.matching.settled`), and builds
  full advisories only for the records that match. Other rows (a text that is not PEP
  440, named in a warning at audit time; a ``limit`` event; an error) are always
  evaluated in full.
* ``meta(key, value)``: source (without credentials or query), import time, data date
  (``data_date``: the newest ``modified`` of the records, else the archive's
  Last-Modified; empty when unknown), ETag, Last-Modified, counts (``unreadable``: records
  skipped at import because they could not be read).

Withdrawn records are stored (they count in ``meta().records``) but never returned by
:meth:`VulnStore.advisories_for`. This module imports only ``sqlite3`` and ``json`` at the
top, so that opening the store and querying a thousand names stays fast.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from pipwarden.errors import DatabaseError
from pipwarden.frozen import frozen
from pipwarden.vulndb.compact import advisory_from_compact
from pipwarden.vulndb.osv import Advisory, normalize_name

if TYPE_CHECKING:
    from pipwarden.vulndb.floordata import FloorRecord

__all__ = ["SCHEMA", "SCHEMA_VERSION", "UPDATE_HINT", "DbMeta", "PinMatches", "VulnStore"]

# 3: versions lists carry precomputed version keys; 4: affects.m; 5: meta data_date (the
# newest ``modified`` of the records) and ``unreadable``, and ``m`` may be {"error": …};
# 6: events in ``m`` carry sort keys instead of version texts (no parsing when matching);
# 7: each entry of ``m`` carries what a safe floor needs (its ranges' highest affected
# version and the versions their events name: no advisory decoded for a floor); 8: the
# bounds of each row (``bounded``, ``above``, ``lo``, ``hi``, ``listed``).
SCHEMA_VERSION = 8
UPDATE_HINT = "Run `pipwarden db update` when online, or `pipwarden db import FILE.zip`."

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE advisory (
    id TEXT PRIMARY KEY,
    withdrawn TEXT,
    data TEXT NOT NULL,
    details TEXT NOT NULL,
    refs TEXT NOT NULL
);
CREATE TABLE affects (
    package TEXT NOT NULL,
    advisory_id TEXT NOT NULL,
    bounded INTEGER NOT NULL DEFAULT 0,
    above INTEGER NOT NULL DEFAULT 0,
    lo TEXT,
    hi TEXT,
    listed TEXT,
    m TEXT,
    PRIMARY KEY (package, advisory_id)
) WITHOUT ROWID;
"""

_QUERY = """
SELECT f.package, a.id, a.data, a.details, a.refs
FROM affects AS f JOIN advisory AS a ON a.id = f.advisory_id
WHERE f.package IN (SELECT value FROM json_each(?)) AND a.withdrawn IS NULL
ORDER BY f.package, a.id
"""

# ``m`` as bytes: decoded (by ``json.loads``) only for the rows the bounds do not settle.
_MATCH_QUERY = """
SELECT package, advisory_id, bounded, listed, lo, hi, above, CAST(m AS BLOB) FROM affects
WHERE package IN (SELECT value FROM json_each(?)) AND m IS NOT NULL
ORDER BY package, advisory_id
"""

_FLOOR_QUERY = """
SELECT f.package, f.advisory_id, f.m, json_extract(a.data, '$[1]'), f.bounded, f.listed
FROM affects AS f JOIN advisory AS a ON a.id = f.advisory_id
WHERE f.package IN (SELECT value FROM json_each(?)) AND a.withdrawn IS NULL
ORDER BY f.package, a.id
"""

_BY_ID_QUERY = """
SELECT id, data, details, refs FROM advisory WHERE id IN (SELECT value FROM json_each(?))
"""


@frozen
class DbMeta:
    """What the database holds and where it came from.

    ``data_date`` is how recent the data is (the newest ``modified`` of its records, else
    the archive's Last-Modified), ``None`` when nothing says: the age of a database is
    the age of its data, never of the import (an archive from 2024 imported today is old).
    """

    records: int
    packages: int
    source: str
    imported_at: datetime
    etag: str | None
    last_modified: str | None
    schema: int
    withdrawn: int = 0
    data_date: datetime | None = None
    unreadable: int = 0

    def age_days(self, now: datetime | None = None) -> float | None:
        """Days since ``data_date`` (``None``: unknown, which counts as too old)."""
        if self.data_date is None:
            return None
        moment = now if now is not None else datetime.now(UTC)
        return max(0.0, (moment - self.data_date).total_seconds() / 86400.0)

    def too_old(self, max_age_days: float | None, now: datetime | None = None) -> bool:
        """Past ``max_age_days`` (``None``: no limit); data of unknown date is too old."""
        if max_age_days is None:
            return False
        age = self.age_days(now)
        return age is None or age > max_age_days


@frozen
class PinMatches:
    """What :meth:`VulnStore.check_pins` found: ``hits`` per ``(name, version)`` pin, and
    ``unchecked``: per pin, the ``(record id, reason)`` of records that could not be
    evaluated for it."""

    hits: dict[tuple[str, str], list[Advisory]]
    unchecked: dict[tuple[str, str], list[tuple[str, str]]]


# What evaluating one record's matching data can raise on hostile data: the record is then
# not checked for that pin, and every other record still is.
_EVALUATION_ERRORS = (ValueError, TypeError, KeyError, IndexError, AssertionError,
                      RecursionError)


def _why(exc: BaseException) -> str:
    """One short line saying why a record could not be evaluated."""
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


def _date(text: str) -> datetime | None:
    """A stored ISO date (aware), ``None`` for an empty text (date unknown)."""
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _advisory(data: str, details: str, refs: str) -> Advisory:
    return advisory_from_compact(
        data, details=details, references=tuple(refs.split("\n")) if refs else ()
    )


class VulnStore:
    """Read access to the database file. Use :meth:`open`; close it or use ``with``."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._cache: dict[str, Advisory] = {}

    @classmethod
    def open(cls, path: str | Path, *, readonly: bool = True) -> VulnStore:
        """Open the database at ``path``; DatabaseError if missing, corrupt or of another schema."""
        db = Path(path)
        if not db.is_file():
            raise DatabaseError(f"no vulnerability database at {db}", hint=UPDATE_HINT)
        uri = db.resolve().as_uri() + ("?mode=ro" if readonly else "?mode=rw")
        try:
            conn = sqlite3.connect(uri, uri=True)
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open the vulnerability database {db}: {exc}",
                                hint=UPDATE_HINT) from exc
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version != SCHEMA_VERSION:
                raise DatabaseError(
                    f"the vulnerability database {db} has schema {version}, "
                    f"this pipwarden needs {SCHEMA_VERSION}",
                    hint=UPDATE_HINT,
                )
            conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            conn.close()
            raise DatabaseError(
                f"the vulnerability database {db} is unreadable ({exc})", hint=UPDATE_HINT
            ) from exc
        except DatabaseError:
            conn.close()
            raise
        return cls(conn, db)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> VulnStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _fail(self, exc: sqlite3.Error) -> DatabaseError:
        return DatabaseError(
            f"the vulnerability database {self.path} is unreadable ({exc})", hint=UPDATE_HINT
        )

    def _select(self, query: str, values: Iterable[str]) -> list[Any]:
        """The rows of ``query`` for ``values`` (its one parameter: a JSON list)."""
        try:
            return self._conn.execute(query, (json.dumps(list(values)),)).fetchall()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc

    def advisories_for(self, names: Iterable[str]) -> dict[str, list[Advisory]]:
        """Non-withdrawn advisories affecting each of ``names``, in one query.

        Names are PEP 503 normalised first and the result is keyed by normalised names;
        names without advisories are absent. An advisory affecting two of
        the names is the same object in both lists.
        """
        wanted = sorted({normalize_name(name) for name in names})
        if not wanted:
            return {}
        rows = self._select(_QUERY, wanted)
        result: dict[str, list[Advisory]] = {}
        cache = self._cache
        for package, rid, data, details, refs in rows:
            adv = cache.get(rid)
            if adv is None:
                adv = cache[rid] = _advisory(data, details, refs)
            result.setdefault(package, []).append(adv)
        return result

    def match_pins(
        self, pins: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], list[Advisory]]:
        """The non-withdrawn advisories affecting each ``(name, version)`` pin.

        Same answer as filtering :meth:`advisories_for` with
        :func:`pipwarden.vulndb.ranges.advisory_affects`, but matching reads only the
        precomputed matching data and full advisories are built only for the records that
        match. Keys are ``(PEP 503 name, version)``; pins without advisories are absent.
        Records that cannot be evaluated are left out here: use :meth:`check_pins` to
        learn which (the audit reports them as not checked).
        """
        return self.check_pins(pins).hits

    def check_pins(self, pins: Iterable[tuple[str, str]]) -> PinMatches:
        """:meth:`match_pins`, and the records that could not be evaluated for each pin
        (a version number too long to convert, broken matching data): those are skipped
        for that pin only; the package's other records are still matched."""
        from pipwarden.vulndb.matching import PinKeys, keys_affect, settled
        from pipwarden.vulndb.ranges import _public, advisory_affects, parse_version

        by_name: dict[str, set[str]] = {}
        for name, version in pins:
            by_name.setdefault(normalize_name(name), set()).add(version)
        if not by_name:
            return PinMatches({}, {})
        legacy = sorted(
            {n for n, vs in by_name.items() if any(parse_version(v) is None for v in vs)}
        )
        rows = self._select(_MATCH_QUERY, sorted(by_name))
        hits: dict[tuple[str, str], list[str]] = {}
        unchecked: dict[tuple[str, str], list[tuple[str, str]]] = {}
        loads = json.loads
        # Each pin's keys once (not once per record of its package).
        keyed: dict[str, list[tuple[str, PinKeys | Exception]]] = {}
        for package, versions in by_name.items():
            mine: list[tuple[str, PinKeys | Exception]] = keyed.setdefault(package, [])
            for version in sorted(versions):
                v = parse_version(version)
                if v is None:
                    continue
                try:
                    mine.append((version, PinKeys(v, _public(v))))
                except _EVALUATION_ERRORS as exc:  # then no record can be evaluated for it
                    mine.append((version, exc))
        for package, rid, bounded, listed, lo, hi, above, m in rows:
            candidates = keyed[package]
            if bounded:
                bounds = (listed, lo, hi, above)
                undecided: list[tuple[str, PinKeys | Exception]] = []
                for version, pin in candidates:
                    try:
                        answer = None if isinstance(pin, Exception) else settled(pin, bounds)
                    except TypeError:  # bounds of another form (a changed file): ranges decide
                        answer = None
                    if answer is None:
                        undecided.append((version, pin))
                    elif answer:
                        hits.setdefault((package, version), []).append(rid)
                if not undecided:
                    continue
                candidates = undecided
            try:
                entries = loads(m)
                if type(entries) is not list:
                    raise ValueError(str(entries.get("error", "no matching data"))
                                     if type(entries) is dict else "no matching data")
            except (ValueError, RecursionError) as exc:
                # (the pins its bounds settled keep their answer)
                for version in [v for v, _ in candidates] if bounded else by_name[package]:
                    unchecked.setdefault((package, version), []).append((rid, _why(exc)))
                continue
            for version, pin in candidates:
                try:
                    if isinstance(pin, Exception):
                        raise pin
                    affected = keys_affect(pin, entries, rid)
                except _EVALUATION_ERRORS as exc:
                    unchecked.setdefault((package, version), []).append((rid, _why(exc)))
                    continue
                if affected:
                    hits.setdefault((package, version), []).append(rid)
        wanted = sorted({rid for ids in hits.values() for rid in ids} - self._cache.keys())
        if wanted:
            for rid, data, details, refs in self._select(_BY_ID_QUERY, wanted):
                self._cache[rid] = _advisory(data, details, refs)
        result = {key: [self._cache[rid] for rid in ids] for key, ids in hits.items()}
        if legacy:  # versions that are not PEP 440 match only literal ``versions`` entries
            full = self.advisories_for(legacy)
            for package in legacy:
                for version in by_name[package]:
                    if parse_version(version) is None:
                        got = [a for a in full.get(package, ())
                               if advisory_affects(a, package, version)]
                        if got:
                            result[(package, version)] = got
        return PinMatches(result, unchecked)

    def floor_records(self, names: Iterable[str]) -> dict[str, list[FloorRecord]]:
        """What a safe floor needs of every non-withdrawn record of each of ``names``
        (PEP 503 normalised first), from the matching data computed at import: no advisory
        is decoded, except a record whose stored data is not of that form (it is read and
        judged in full, so it still counts, or is named as not evaluable)."""
        from pipwarden.vulndb.floordata import FloorRecord, from_advisory, from_matching

        wanted = sorted({normalize_name(n) for n in names})
        if not wanted:
            return {}
        rows = self._select(_FLOOR_QUERY, wanted)
        result: dict[str, list[FloorRecord]] = {}
        for package, rid, m, aliases, bounded, listed in rows:
            try:
                found = json.loads(aliases) if aliases else []
                if type(found) is not list or not all(type(a) is str for a in found):
                    raise ValueError("malformed aliases")
                entries = json.loads(m)
                if type(entries) is not list:
                    raise ValueError("no matching data")
                record = from_matching(rid, found, entries, listed if bounded else None)
            except (ValueError, TypeError, RecursionError):
                advisory = self._cache.get(rid) or self.get(rid)
                record = (from_advisory(advisory, package) if advisory is not None
                          else FloorRecord(rid, (), error="no record data"))
            result.setdefault(package, []).append(record)
        return result

    def get(self, record_id: str) -> Advisory | None:
        """One record by id (withdrawn ones included), or ``None``."""
        try:
            row = self._conn.execute(
                "SELECT data, details, refs FROM advisory WHERE id = ?", (record_id,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        return None if row is None else _advisory(*row)

    def meta(self) -> DbMeta:
        """Counts, source, import time and the HTTP validators of the last download."""
        try:
            values = dict(self._conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise self._fail(exc) from exc
        try:
            return DbMeta(
                records=int(values["records"]),
                packages=int(values["packages"]),
                source=values["source"],
                imported_at=datetime.fromisoformat(values["imported_at"]),
                etag=values.get("etag") or None,
                last_modified=values.get("last_modified") or None,
                schema=SCHEMA_VERSION,
                withdrawn=int(values.get("withdrawn") or 0),
                data_date=_date(values["data_date"]),
                unreadable=int(values.get("unreadable") or 0),
            )
        except (KeyError, ValueError) as exc:
            raise DatabaseError(
                f"the vulnerability database {self.path} has incomplete metadata ({exc})",
                hint=UPDATE_HINT,
            ) from exc
