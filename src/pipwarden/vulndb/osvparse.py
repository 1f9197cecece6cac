"""OSV records (JSON, already decoded) parsed and validated into :mod:`pipwarden.vulndb.osv`'s
dataclasses; a wrong type or a missing ``id`` raises :class:`InputError` naming the file and
the field. Severity comes from the CVSS vectors, else the ``database_specific`` label."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipwarden.errors import InputError
from pipwarden.frozen import trusted
from pipwarden.log import get_logger
from pipwarden.models import Severity
from pipwarden.vulndb.compact import _EVENTS, _event
from pipwarden.vulndb.osv import (
    _DICT,
    _KIND_SET,
    EVENT_KINDS,
    Advisory,
    Affected,
    Event,
    Range,
    normalize_name,
)

if TYPE_CHECKING:
    from pipwarden.vulndb.cvss import CvssScore

__all__ = ["parse_record"]

log = get_logger(__name__)


class _Checker:
    """Type checks that raise InputError naming the source and the field."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, what: str) -> InputError:
        return InputError(f"malformed OSV record: {what}", path=self.source)

    def opt_str(self, data: dict[str, Any], key: str, where: str = "") -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.fail(f"{where}{key} must be a string, not {type(value).__name__}")
        return value

    def list_of(self, data: dict[str, Any], key: str, kind: type, where: str = "") -> list[Any]:
        value = data.get(key)
        if value is None:
            return []
        if type(value) is not list:
            raise self.fail(f"{where}{key} must be a list, not {type(value).__name__}")
        if kind is str:
            try:  # a C-speed type check of every item: join refuses anything but str
                "".join(value)
            except TypeError:
                pass
            else:
                return value
        if not value or {*map(type, value)} == {kind}:  # exact types: checked at C speed
            return value
        if not all(isinstance(item, kind) for item in value):
            got = next(type(i).__name__ for i in value if not isinstance(i, kind))
            raise self.fail(f"{where}{key} holds a {got}, not a {kind.__name__}")
        return value

    def obj(self, data: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
        value = data.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(f"{where}{key} must be an object, not {type(value).__name__}")
        return value


def _parse_affected(chk: _Checker, item: dict[str, Any], n: int) -> Affected | None:
    # Fast paths test the usual, well-typed shapes inline; anything else goes through the
    # checker, which returns the same value or raises the InputError naming the field.
    where = f"affected[{n}]."
    package = item.get("package")
    if type(package) is not dict:
        package = chk.obj(item, "package", where)
    ecosystem = package.get("ecosystem")
    if ecosystem is not None and type(ecosystem) is not str:
        ecosystem = chk.opt_str(package, "ecosystem", where + "package.")
    name = package.get("name")
    if name is not None and type(name) is not str:
        name = chk.opt_str(package, "name", where + "package.")
    ranges: list[Range] = []
    raw_ranges = item.get("ranges")
    if raw_ranges is None or type(raw_ranges) is not list or not {*map(type, raw_ranges)} <= _DICT:
        raw_ranges = chk.list_of(item, "ranges", dict, where)
    for r_n, rng in enumerate(raw_ranges):
        rtype = rng.get("type")
        raw_events = rng.get("events")
        if (
            type(rtype) is not str
            or raw_events is None
            or type(raw_events) is not list
            or not {*map(type, raw_events)} <= _DICT
        ):
            r_where = f"{where}ranges[{r_n}]."
            rtype = chk.opt_str(rng, "type", r_where)
            if rtype is None:
                raise chk.fail(f"{r_where}type is missing")
            raw_events = chk.list_of(rng, "events", dict, r_where)
        events: list[Event] = []
        for e_n, evt in enumerate(raw_events):
            if len(evt) == 1:
                ((kind, version),) = evt.items()
            else:  # tolerate extra keys as long as exactly one event kind is present
                found = [(k, evt[k]) for k in EVENT_KINDS if k in evt]
                if len(found) != 1:
                    kinds = ", ".join(EVENT_KINDS)
                    r_where = f"{where}ranges[{r_n}]."
                    raise chk.fail(f"{r_where}events[{e_n}] needs exactly one of {kinds}")
                ((kind, version),) = found
            if kind not in _KIND_SET:
                r_where = f"{where}ranges[{r_n}]."
                raise chk.fail(f"{r_where}events[{e_n}] has an unknown event {kind!r}")
            if type(version) is not str:
                r_where = f"{where}ranges[{r_n}]."
                raise chk.fail(f"{r_where}events[{e_n}].{kind} must be a string")
            events.append(_EVENTS.get((kind, version)) or _event(kind, version))
        ranges.append(trusted(Range, type=rtype.upper(), events=tuple(events)))
    versions = chk.list_of(item, "versions", str, where)
    if ecosystem != "PyPI" or not name:
        return None
    return trusted(
        Affected, package=normalize_name(name), ranges=tuple(ranges), versions=tuple(versions),
        keys=None,
    )


# CVSS vectors repeat across records: each one is scored once per process (an invalid one
# keeps the reason it is invalid).
_SCORES: dict[str, CvssScore | str] = {}


def _scored(vector: str) -> CvssScore | str:
    """The score of a CVSS v3 or v4 vector, or why it cannot be scored (cached)."""
    cached = _SCORES.get(vector)
    if cached is not None:
        return cached
    from pipwarden.vulndb.cvss import score_vector

    result: CvssScore | str
    try:
        result = score_vector(vector)
    except ValueError as exc:
        result = str(exc)
    if len(_SCORES) > 10_000:
        _SCORES.clear()
    _SCORES[vector] = result
    return result


def _severity(
    chk: _Checker, record_id: str, data: dict[str, Any], entries: list[dict[str, Any]]
) -> tuple[Severity, float | None, str | None]:
    """A record's severity, score and the vector scored, in this order of preference:

    1. the highest scoring CVSS v3 or v4 vector of ``severity[]`` (a vector scoring 0.0,
       rating "None", gives no severity);
    2. the ``database_specific.severity`` label (GHSA: LOW, MODERATE, HIGH, CRITICAL);
    3. unknown. (The severity of aliased records comes on top, where findings are merged:
       :func:`pipwarden.audit`.)

    ``MAL-`` records are known malicious whatever they say.
    """
    best: CvssScore | None = None
    invalid: list[str] = []
    for n, entry in enumerate(entries):
        stype = chk.opt_str(entry, "type", f"severity[{n}].")
        vector = chk.opt_str(entry, "score", f"severity[{n}].")
        if stype not in ("CVSS_V3", "CVSS_V4") or not vector:
            continue
        scored = _scored(vector)
        if isinstance(scored, str):
            invalid.append(scored)
        elif scored.score > 0 and (best is None or scored.score > best.score):
            best = scored
    if invalid:  # one warning per record, however many vectors it has
        more = f" (and {len(invalid) - 1} more)" if len(invalid) > 1 else ""
        log.warning("%s: ignoring invalid CVSS vector: %s%s", record_id, invalid[0], more)
    result: tuple[Severity, float | None, str | None]
    if best is not None:
        result = (best.severity, best.score, best.vector)
    else:
        label = chk.opt_str(chk.obj(data, "database_specific"), "severity", "database_specific.")
        label_sev = Severity.UNKNOWN
        if label:
            try:
                label_sev = Severity.parse(label)
            except ValueError:
                log.debug("%s: unknown severity label %r", record_id, label)
        if label_sev is Severity.MALICIOUS:  # only an id says that
            label_sev = Severity.UNKNOWN
        result = (label_sev, None, None)
    if record_id.startswith("MAL-"):
        result = (Severity.MALICIOUS, result[1], result[2])
    return result


def parse_record(data: dict[str, Any], *, source: str) -> Advisory:
    """One OSV JSON record (already decoded) as an :class:`Advisory`.

    ``source`` names where the record came from (``archive.zip:ID.json``) for errors.
    Only ``affected`` entries of the PyPI ecosystem are kept.
    """
    chk = _Checker(source)
    if not isinstance(data, dict):
        raise chk.fail(f"expected a JSON object, not {type(data).__name__}")
    record_id = chk.opt_str(data, "id")
    if not record_id:
        raise chk.fail("id is missing")
    affected: list[Affected] = []
    for n, item in enumerate(chk.list_of(data, "affected", dict)):
        parsed = _parse_affected(chk, item, n)
        if parsed is not None:
            affected.append(parsed)
    entries = chk.list_of(data, "severity", dict)
    if not entries:  # some databases put the vector on the affected entry instead
        for n, item in enumerate(chk.list_of(data, "affected", dict)):
            entries.extend(chk.list_of(item, "severity", dict, f"affected[{n}]."))
    severity, score, vector = _severity(chk, record_id, data, entries)
    urls: list[str] = []
    for n, ref in enumerate(chk.list_of(data, "references", dict)):
        url = ref.get("url")
        if url is not None and type(url) is not str:  # the checker raises the error
            url = chk.opt_str(ref, "url", f"references[{n}].")
        if url:
            urls.append(url)
    references = tuple(urls)
    return trusted(
        Advisory,
        id=record_id,
        aliases=tuple(a for a in chk.list_of(data, "aliases", str) if a != record_id),
        summary=chk.opt_str(data, "summary") or "",
        details=chk.opt_str(data, "details") or "",
        published=chk.opt_str(data, "published"),
        modified=chk.opt_str(data, "modified"),
        withdrawn=chk.opt_str(data, "withdrawn"),
        severity=severity,
        score=score,
        severity_vector=vector,
        references=references,
        affected=tuple(affected),
    )
