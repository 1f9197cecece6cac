"""OSV range evaluation for the PyPI ecosystem, and the floor-audit primitives.

Matching follows the "Evaluation" pseudocode of the OSV schema literally, on
:class:`packaging.version.Version` (never ``SpecifierSet``: ``<2.0`` there excludes
``2.0rc1``, which the record's ``fixed: 2.0`` says is affected):

* ``ECOSYSTEM`` and ``SEMVER`` ranges are evaluated; ``GIT`` ranges (and unknown types) are
  ignored wherever they appear in the list.
* Events are sorted by version (``introduced: "0"`` is below every version). The sort is
  stable: events at the same version keep the order the record gives them.
* ``fixed`` is an exclusive upper bound, ``last_affected`` an inclusive one, ``limit`` caps
  the whole range (a version must be below at least one ``limit``).
* ``versions`` entries are compared as PEP 440 versions (``1.0`` equals ``1.0.0``).
* Strings that are not PEP 440 versions in events or ``versions`` lists are skipped, with
  one warning per record. An installed version that is not PEP 440 (a legacy version) can
  only match a ``versions`` entry with exactly the same string.
* Local versions (``2.0.0+cu118``) are builds of their public version: ranges compare the
  public version (so ``last_affected: 2.0.0`` covers ``2.0.0+cu118``), unless the event
  itself names a local version. A ``versions`` entry without a local label matches every
  local build of it; an entry with a local label matches only that exact build.

The floor audit (does a requirement range admit an affected version, and what is the
lowest safe floor?) is :mod:`pipwarden.vulndb.floors`; its names stay importable here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import TYPE_CHECKING

from packaging.version import VERSION_PATTERN, InvalidVersion, Version

from pipwarden.lazyre import LazyPattern
from pipwarden.log import get_logger
from pipwarden.vulndb.matching import entries_affect, match_entries, sort_key
from pipwarden.vulndb.osv import (
    _CANONICAL_VERSION,
    Advisory,
    Affected,
    Event,
    Range,
    version_key,
)

if TYPE_CHECKING:
    from pipwarden.vulndb.floors import (
        Interval,
        SafeFloor,
        admitted_affected,
        affected_intervals,
        lowest_safe_floor,
        spec_intervals,
    )

__all__ = [
    "Interval",
    "SafeFloor",
    "UnevaluableVersion",
    "admitted_affected",
    "advisory_affects",
    "affected_intervals",
    "entries_affect",
    "fixed_versions",
    "is_affected",
    "lowest_safe_floor",
    "match_entries",
    "parse_version",
    "sort_events",
    "sort_key",
    "sort_versions",
    "spec_intervals",
]

log = get_logger(__name__)

_MATCHED_TYPES = frozenset({"ECOSYSTEM", "SEMVER"})
_VERSION_FORM = LazyPattern(r"\s*" + VERSION_PATTERN + r"\s*", re.VERBOSE | re.IGNORECASE)
_warned: set[str] = set()

# A parsed event: kind and version; ``None`` stands for ``introduced: "0"`` (minus infinity).
_Parsed = tuple[str, Version | None]


def sort_versions(texts: Iterable[str]) -> tuple[str, ...]:
    """Distinct ``texts`` in ascending PEP 440 order; strings that are not versions last, as
    given."""
    items = list(dict.fromkeys(texts))
    good = sorted((v, t) for t in items if (v := parse_version(t)) is not None)
    return tuple(t for _, t in good) + tuple(t for t in items if parse_version(t) is None)


class UnevaluableVersion(ValueError):
    """A range event names a version that is PEP 440 in form but cannot be used: a release
    number longer than Python converts (4,300 digits). The record is then not checked for
    that package (never evaluated as if the event were not there)."""


# Versions of absurd length are refused without parsing (a 5,000-digit number would only
# exceed Python's int-string limit; a megabyte of "1.1.1…" would cost seconds).
_MAX_VERSION_LENGTH = 1024


@lru_cache(maxsize=16384)
def _parse(text: str) -> Version | bool:
    """``Version(text)``; ``False``: not a PEP 440 version; ``True``: PEP 440 in form but
    unusable (too long, a number past the int-string limit)."""
    if len(text) > _MAX_VERSION_LENGTH:
        return _VERSION_FORM.fullmatch(text[:4096]) is not None or len(text) > 4096
    try:
        return Version(text)
    except InvalidVersion:
        return False
    except (ValueError, OverflowError, RecursionError):  # Python's int-string limit
        return True


def parse_version(text: str) -> Version | None:
    """``Version(text)``, or ``None`` when ``text`` is not a usable PEP 440 version (not one
    at all, or one whose numbers are too long to convert: never an exception)."""
    parsed = _parse(text)
    return parsed if isinstance(parsed, Version) else None


def _event_version(text: str) -> Version | None:
    """An event's version; ``None`` when it is not PEP 440 (skipped, with a warning);
    :class:`UnevaluableVersion` when it is PEP 440 in form but cannot be used."""
    parsed = _parse(text)
    if parsed is True:
        raise UnevaluableVersion(f"a version of {len(text):,} characters cannot be evaluated")
    return parsed if isinstance(parsed, Version) else None


@lru_cache(maxsize=16384)
def _version_key(v: Version) -> str:
    return version_key(v)


@lru_cache(maxsize=4096)
def _public(v: Version) -> Version:
    return v if v.local is None else Version(v.public)


def _stored_version(text: str) -> Version:
    """A version :func:`sort_events` kept: PEP 440 in form. One that still does not parse
    (too long to convert) makes the record unevaluable, never an event that is ignored."""
    version = _event_version(text)
    if version is None:
        raise UnevaluableVersion("a range event that is not a PEP 440 version")
    return version


def _warn_invalid(record_id: str, text: str, *, listed: bool = False) -> None:
    """Say once per record that a range event is not PEP 440 (the range is then read
    without it). An odd entry of a ``versions`` list only loses that entry (the record's
    ranges still match), so it is a debug line: otherwise every audit would repeat it."""
    safe_id = record_id.encode("utf-8", "backslashreplace").decode("utf-8")  # surrogates
    if listed:
        log.debug("%s: skipping listed version %r (not a PEP 440 version)", safe_id, text[:100])
        return
    if record_id in _warned:
        return
    _warned.add(record_id)
    log.warning(
        "%s: skipping version %r (not a PEP 440 version) and any others in this record",
        safe_id,
        text[:100],
    )


_ZERO = Version("0")


def sort_events(events: Iterable[Event]) -> tuple[list[tuple[str, str | None]], str | None]:
    """The PEP 440 events of a range sorted as OSV evaluation wants them, and the first
    event version that is not PEP 440 (skipped), if any.

    ``None`` stands for ``introduced: "0"``; the sort is stable (ties keep record order).
    :class:`UnevaluableVersion` when an event's version is PEP 440 but cannot be used.
    """
    events = tuple(events)
    zeros = [(e.kind, None) for e in events if e.kind == "introduced" and e.version == "0"]
    if len(events) - len(zeros) == 1:  # the usual shape: nothing to compare, one to check
        (last,) = (e for e in events if not (e.kind == "introduced" and e.version == "0"))
        if (
            len(last.version) <= 64 and _CANONICAL_VERSION.fullmatch(last.version)
        ) or _event_version(last.version):
            return [*zeros, (last.kind, last.version)], None
    parsed: list[tuple[str, Version | None, str | None]] = []
    invalid: str | None = None
    for event in events:
        if event.kind == "introduced" and event.version == "0":
            parsed.append((event.kind, None, None))
            continue
        version = _event_version(event.version)
        if version is None:
            if invalid is None:
                invalid = event.version
            continue
        parsed.append((event.kind, version, event.version))
    parsed.sort(key=lambda e: (0, _ZERO) if e[1] is None else (1, e[1]))
    return [(kind, text) for kind, _, text in parsed], invalid


def _sorted_events(rng: Range, record_id: str) -> list[_Parsed]:
    """The range's events, parsed and sorted; cached on the (immutable) range itself.

    Stored in the instance dict rather than an ``lru_cache``: hashing a frozen range and
    its events on every look-up cost more than the parsing it saved.
    """
    cached: list[_Parsed] | None = rng.__dict__.get("_sorted_events")
    if cached is not None:
        return cached
    texts, invalid = sort_events(rng.events)
    if invalid is not None:
        _warn_invalid(record_id, invalid)
    parsed: list[_Parsed] = [
        (kind, None if text is None else _stored_version(text)) for kind, text in texts
    ]
    rng.__dict__["_sorted_events"] = parsed  # a derived value; the range stays unchanged
    return parsed


def _key(v: Version, public: Version, bound: Version) -> Version:
    """The installed version to compare with ``bound``: public unless bound is local."""
    return v if bound.local is not None else public


def _in_range(v: Version, public: Version, events: list[_Parsed]) -> bool:
    if any(kind == "limit" for kind, _ in events):
        limits = [ver for kind, ver in events if kind == "limit" and ver is not None]
        if not any(_key(v, public, lim) < lim for lim in limits):
            return False
    vulnerable = False
    for kind, ver in events:
        if kind == "introduced":
            if ver is None or _key(v, public, ver) >= ver:
                vulnerable = True
        elif kind == "fixed":
            assert ver is not None
            if _key(v, public, ver) >= ver:
                vulnerable = False
        elif kind == "last_affected":
            assert ver is not None
            if _key(v, public, ver) > ver:
                vulnerable = False
    return vulnerable


def _listed(v: Version, public: Version, affected: Affected, record_id: str) -> bool:
    """Whether ``v`` equals an entry of ``versions`` (see the module notes on local labels)."""
    if not affected.versions:
        return False
    keys, invalid = affected.version_keys
    if invalid:
        _warn_invalid(record_id, invalid[0], listed=True)
    if f" {_version_key(v)} " in keys:
        return True
    # A listed public version covers its local builds; a listed local build only itself.
    return v.local is not None and f" {_version_key(public)} " in keys


def is_affected(version: str, affected: Affected, *, record_id: str) -> bool:
    """Whether ``version`` of ``affected.package`` is affected, by OSV's evaluation rules."""
    v = parse_version(version)
    if v is None:
        return version in affected.versions
    public = _public(v)
    for rng in affected.ranges:
        if rng.type in _MATCHED_TYPES and _in_range(v, public, _sorted_events(rng, record_id)):
            return True
    return _listed(v, public, affected, record_id)


def advisory_affects(advisory: Advisory, package: str, version: str) -> bool:
    """Whether ``advisory`` affects ``version`` of ``package`` (a PEP 503 name)."""
    return any(
        is_affected(version, aff, record_id=advisory.id) for aff in advisory.affected_for(package)
    )


def fixed_versions(advisory: Advisory, package: str) -> tuple[str, ...]:
    """The ``fixed`` versions of ``package`` in ``advisory``'s evaluated ranges, ascending."""
    found: dict[Version, str] = {}
    for aff in advisory.affected_for(package):
        for rng in aff.ranges:
            if rng.type not in _MATCHED_TYPES:
                continue
            for event in rng.events:
                if event.kind == "fixed" and (v := parse_version(event.version)) is not None:
                    found.setdefault(v, event.version)
    return tuple(found[v] for v in sorted(found))
