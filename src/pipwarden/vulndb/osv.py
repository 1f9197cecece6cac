"""OSV records (https://ossf.github.io/osv-schema/) parsed into frozen dataclasses.

Only what matching and reporting need is kept: ids, aliases, texts, dates, severity and the
``affected`` entries of the PyPI ecosystem (package names PEP 503 normalised). Records are
validated on the way in: a wrong type or a missing ``id`` raises :class:`InputError` naming
the file the record came from.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from packaging.version import Version

from pipwarden.errors import InputError
from pipwarden.models import Severity, canonical_name

if TYPE_CHECKING:
    from pipwarden.vulndb.cvss import CvssScore

__all__ = [
    "EVENT_KINDS",
    "Advisory",
    "Affected",
    "Event",
    "EventKind",
    "Range",
    "advisory_from_compact",
    "advisory_to_compact",
    "encode_version_keys",
    "group_by_alias",
    "normalize_name",
    "parse_record",
]

log = logging.getLogger(__name__)

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
_KIND_SET = frozenset(EVENT_KINDS)
_DICT = frozenset({dict})
_SEVERITIES = {int(s): s for s in Severity}
_WHITESPACE = re.compile(r"\s")
_OSV_URL = "https://osv.dev/vulnerability/"
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name: lower case, runs of ``-_.`` become one ``-``."""
    return canonical_name(name)


@dataclass(frozen=True)
class Event:
    """One range event: ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

    kind: EventKind
    version: str


@dataclass(frozen=True)
class Range:
    """An OSV range: ``ECOSYSTEM``, ``SEMVER`` or ``GIT`` and its events in record order."""

    type: str
    events: tuple[Event, ...]


def version_key(version: Version) -> str:
    """One spelling per PEP 440 version: equal versions (``1.0`` == ``1.0.0``) share a key."""
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    key = ".".join(map(str, release))
    if version.epoch:
        key = f"{version.epoch}!{key}"
    if version.pre is not None:
        key += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        key += f".post{version.post}"
    if version.dev is not None:
        key += f".dev{version.dev}"
    if version.local is not None:
        key += f"+{version.local}"
    return key


# A version already spelled the canonical way (no epoch, no leading zeros, lower case):
# its key is a string operation, no parsing (most entries of real records).
_CANONICAL_VERSION = re.compile(
    r"((?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)"
    r"((?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?"
    r"(?:\.dev(?:0|[1-9][0-9]*))?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?)"
)


def _key_of_text(text: str) -> str | None:
    match = _CANONICAL_VERSION.fullmatch(text)
    if match is not None:
        release, rest = match.groups()
        while release.endswith(".0"):
            release = release[:-2]
        return release + rest
    try:
        return version_key(Version(text))
    except ValueError:  # InvalidVersion, or a number past Python's int-string limit
        return None


_NUMBER = r"(?:0|[1-9][0-9]*)"
# A whole list in canonical spelling without local labels, one entry per line.
_CANONICAL_LIST = re.compile(
    rf"{_NUMBER}(?:\.{_NUMBER})*(?:(?:a|b|rc){_NUMBER})?(?:\.post{_NUMBER})?(?:\.dev{_NUMBER})?"
    rf"(?:\n{_NUMBER}(?:\.{_NUMBER})*(?:(?:a|b|rc){_NUMBER})?(?:\.post{_NUMBER})?"
    rf"(?:\.dev{_NUMBER})?)*"
)
# Trailing ".0" release segments, before a suffix or the end of an entry.
_TRAILING_ZEROS = re.compile(r"(?<=[0-9])(?:\.0)+(?=a|b|rc|\.post|\.dev|\n|$)")


_DIGITS_AND_DOTS = re.compile(r"[0-9.\n]+")
# Leading zeros, empty segments, or a lone "0" entry cut short: not plain canonical numbers.
_LEADING_ZERO = re.compile(r"[.\n]0[0-9]")
_TRAILING_ZERO_RELEASE = re.compile(r"(?:\.0)+(?=\n|$)")


def _plain_numbers(joined: str) -> bool:
    """Entries of digits and dots only, in canonical form (no empty segment, no leading 0)."""
    return (
        _DIGITS_AND_DOTS.fullmatch(joined) is not None
        and not any(bad in joined for bad in ("..", ".\n", "\n.", "\n\n"))
        and not joined.startswith(".")
        and not joined.endswith(".")
        and not (joined[:1] == "0" and joined[1:2].isdigit())
        and _LEADING_ZERO.search(joined) is None
    )


def _keys_of(versions: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The keys of the PEP 440 entries and the entries that are not versions."""
    joined = "\n".join(versions)
    if _CANONICAL_LIST.fullmatch(joined):  # the usual case: one regex pass for the list
        return frozenset(_TRAILING_ZEROS.sub("", joined).split("\n")), ()
    keys: set[str] = set()
    invalid: list[str] = []
    for text in versions:
        key = _key_of_text(text)
        if key is None:
            invalid.append(text)
        else:
            keys.add(key)
    return frozenset(keys), tuple(invalid)


@dataclass(frozen=True)
class Affected:
    """The affected versions of one PyPI package in one record."""

    package: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    # Precomputed by the store at import time (see version_keys); not part of equality.
    keys: str | None = field(default=None, compare=False, repr=False)

    @cached_property
    def version_keys(self) -> tuple[str, tuple[str, ...]]:
        """(`` k1 k2 … `` — the ``version_key`` of every PEP 440 entry of ``versions``,
        space-padded so that ``f" {key} " in text`` tests membership —, the invalid entries).

        Computed once when the record was imported, so matching never parses the list; one
        string per entry instead of a set keeps memory flat on large databases.
        """
        if self.keys is not None:
            valid, _, bad = self.keys.partition("|")
            return f" {valid} ", tuple(bad.split())
        keys, invalid = _keys_of(self.versions)
        return f" {' '.join(sorted(keys))} ", invalid


_SENTENCE_END = re.compile(r"(?<=\.)(?<!e\.g\.)(?<!i\.e\.)(?<!etc\.)(?<!vs\.) ")
# "<name> is a/an/the …" or "<name> is an open source …": a project's self-description.
_INTRODUCTION = re.compile(r"^[`\"']?[\w.\- ]{1,40}[`\"']? (?:is|are|provides) (?:an?|the) ")


@dataclass(frozen=True)
class Advisory:
    """One OSV record, trimmed to what pipwarden uses."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    published: str | None
    modified: str | None
    withdrawn: str | None
    severity: Severity
    score: float | None
    severity_vector: str | None
    references: tuple[str, ...]
    affected: tuple[Affected, ...]

    @property
    def is_malicious(self) -> bool:
        """An OSV ``MAL-`` record: a package published to do harm."""
        return self.id.startswith("MAL-")

    @property
    def severity_source(self) -> str:
        """Where :attr:`severity` comes from: ``cvss_v4``/``cvss_v3`` (a scored vector),
        ``label`` (``database_specific.severity``), ``malicious`` (a ``MAL-`` record) or
        ``unknown`` (none of these)."""
        if self.is_malicious:
            return "malicious"
        if self.score is not None and self.severity_vector:
            return "cvss_v4" if self.severity_vector.startswith("CVSS:4") else "cvss_v3"
        return "unknown" if self.severity is Severity.UNKNOWN else "label"

    @property
    def url(self) -> str:
        """The record's page on osv.dev."""
        return _OSV_URL + self.id

    @property
    def ids(self) -> tuple[str, ...]:
        """The id followed by every alias."""
        return (self.id, *self.aliases)

    @property
    def title(self) -> str:
        """The summary, else the first telling sentence of the details (≤ 120 characters).

        Many details open by introducing the project ("urllib3 is a user-friendly HTTP
        client library for Python."); such sentences are skipped when another follows.
        """
        text = " ".join((self.summary or self.details).split())
        if not self.summary:
            sentences = [s for s in _SENTENCE_END.split(text) if s]
            while len(sentences) > 1 and _INTRODUCTION.match(sentences[0]):
                sentences.pop(0)
            text = sentences[0] if sentences else text
        return text if len(text) <= 120 else text[:119].rstrip() + "…"

    def affected_for(self, package: str) -> tuple[Affected, ...]:
        """The ``affected`` entries of ``package`` (a PEP 503 name)."""
        return tuple(a for a in self.affected if a.package == package)


# -- parsing ------------------------------------------------------------------------------


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
        ranges.append(_trusted(Range, type=rtype.upper(), events=tuple(events)))
    versions = chk.list_of(item, "versions", str, where)
    if ecosystem != "PyPI" or not name:
        return None
    return _trusted(
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
    return _trusted(
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


def group_by_alias(advisories: Iterable[Advisory]) -> list[tuple[Advisory, ...]]:
    """Group records describing one flaw (PYSEC / GHSA / CVE ids linked by ``aliases``).

    Records are linked when one's id or aliases meet another's, transitively. Groups keep
    the input order of their first member; inside a group, records keep input order.
    """
    items = list(dict.fromkeys(advisories))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for n, adv in enumerate(items):
        for ident in adv.ids:
            if ident in owner:
                a, b = find(owner[ident]), find(n)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[ident] = n
    groups: dict[int, list[Advisory]] = {}
    for n, adv in enumerate(items):
        groups.setdefault(find(n), []).append(adv)
    return [tuple(group) for group in groups.values()]


# -- compact storage form -----------------------------------------------------------------


def _encode_keys(affected: Affected) -> str:
    """``version_keys`` as text (valid keys, ``|``, invalid entries), computed at import."""
    return encode_version_keys(affected.versions)


def _strip_zero_segments(text: str, suffixes: tuple[str, ...]) -> str:
    """Drop trailing ``.0`` release segments of canonical entries (``text`` ends with a
    newline): ``.0`` directly before one of ``suffixes`` is always such a segment there.
    ``str.replace`` loops run at C speed, several times faster than a look-around regex."""
    for suffix in suffixes:
        pattern = ".0" + suffix
        while pattern in text:
            text = text.replace(pattern, suffix)
    return text


_RELEASE_END = ("\n",)
# Memos of pure functions (records of one package repeat the same lists and entries).
_LIST_KEYS: dict[str, str] = {}
_ENTRY_KEYS: dict[str, str | None] = {}
_MEMO_LIMIT = 200_000


def encode_version_keys(versions: Sequence[str]) -> str:
    """The ``keys`` text of :class:`Affected` for ``versions``: the version keys of the
    PEP 440 entries, ``|``, the other entries (entries with white space dropped, as
    :func:`advisory_to_compact` drops them)."""
    if not versions:
        return "|"
    joined = "\n".join(versions)
    known = _LIST_KEYS.get(joined)
    if known is not None:
        return known
    if joined.count("\n") == len(versions) - 1 and _plain_numbers(joined):
        # Plain release numbers (most lists): a character check, no parsing.
        text = _strip_zero_segments(joined + "\n", _RELEASE_END)[:-1].replace("\n", " ") + "|"
    else:
        if _WHITESPACE.search("".join(versions)):
            versions = [v for v in versions if not _WHITESPACE.search(v)]
        if len(_ENTRY_KEYS) > _MEMO_LIMIT:
            _ENTRY_KEYS.clear()
        memo = _ENTRY_KEYS
        keys: dict[str, None] = {}
        invalid: list[str] = []
        for entry in versions:
            key = memo[entry] if entry in memo else memo.setdefault(entry, _key_of_text(entry))
            if key is None:
                invalid.append(entry)
            else:
                keys[key] = None
        text = " ".join(keys) + "|" + " ".join(invalid)
    if len(_LIST_KEYS) > _MEMO_LIMIT // 10:
        _LIST_KEYS.clear()
    _LIST_KEYS[joined] = text
    return text


def _join_versions(versions: tuple[str, ...]) -> str:
    if _WHITESPACE.search("".join(versions)):
        versions = tuple(v for v in versions if not _WHITESPACE.search(v))
    return " ".join(versions)


def advisory_to_compact(adv: Advisory, keys: Sequence[str] | None = None) -> str:
    """A compact JSON text of ``adv`` without ``details`` and ``references``.

    ``versions`` lists are stored as one space-separated string (cheap to decode); entries
    containing white space cannot be versions of any kind and are dropped.

    The store keeps those two as plain text columns (no JSON decoding when reading them);
    pass them back to :func:`advisory_from_compact`. ``keys``: the
    :func:`encode_version_keys` of each ``affected`` entry, when the caller has them.
    """
    if keys is None:
        keys = [_encode_keys(a) for a in adv.affected]
    payload = [
        adv.id,
        list(adv.aliases),
        adv.summary,
        adv.published,
        adv.modified,
        adv.withdrawn,
        int(adv.severity),
        adv.score,
        adv.severity_vector,
        [
            [a.package, [[r.type, [[e.kind, e.version] for e in r.events]] for r in a.ranges],
             _join_versions(a.versions), k]
            for a, k in zip(adv.affected, keys, strict=True)
        ],
    ]
    return _ENCODE(payload)


_EVENTS: dict[tuple[str, str], Event] = {}
_T = TypeVar("_T")


def _trusted(cls: type[_T], **fields: object) -> _T:
    """Build a frozen dataclass from values we wrote ourselves, skipping ``__init__``.

    Frozen dataclasses set each field through ``object.__setattr__``, which dominates the
    cost of loading thousands of records; this fills the instance dict in one step.
    """
    obj = object.__new__(cls)
    obj.__dict__.update(fields)
    return obj


def _event(kind: str, version: str) -> Event:
    """Events repeat a lot (``introduced: 0``): share one object per (kind, version)."""
    key = (kind, version)
    event = _EVENTS.get(key)
    if event is None:
        if len(_EVENTS) > 100_000:
            _EVENTS.clear()
        event = _EVENTS[key] = Event(cast(EventKind, kind), version)
    return event


def advisory_from_compact(
    text: str, *, details: str = "", references: tuple[str, ...] = ()
) -> Advisory:
    """Rebuild an :class:`Advisory` from :func:`advisory_to_compact` output (trusted input)."""
    (rid, aliases, summary, published, modified, withdrawn, sev, score, vector,
     affected) = json.loads(text)
    return _trusted(
        Advisory,
        id=rid,
        aliases=tuple(aliases),
        summary=summary,
        details=details,
        published=published,
        modified=modified,
        withdrawn=withdrawn,
        severity=_SEVERITIES[sev],
        score=score,
        severity_vector=vector,
        references=references,
        affected=tuple([
            _trusted(
                Affected,
                package=pkg,
                ranges=tuple([
                    _trusted(Range, type=rtype, events=tuple([_event(k, v) for k, v in events]))
                    for rtype, events in ranges
                ]),
                versions=tuple(map(sys.intern, versions.split(" "))) if versions else (),
                keys=keys,
            )
            for pkg, ranges, versions, keys in affected
        ]),
    )
