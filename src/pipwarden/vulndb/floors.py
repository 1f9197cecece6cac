"""The floor audit: does a requirement range (``jinja2>=2.10``) admit an affected version, and
what is the lowest safe floor?

Exactly over PyPI's release list when one is known, else by interval arithmetic over the
events (conservative for pre-releases and ``!=``/``>`` subtleties: it may report overlap
that only pre-releases would realise). Matching itself is :mod:`pipwarden.vulndb.ranges`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Literal

from packaging.version import InvalidVersion, Version

from pipwarden.frozen import frozen
from pipwarden.vulndb.osv import (
    Advisory,
    Affected,
)

if TYPE_CHECKING:  # packaging.specifiers imports packaging.tags, subprocess…: keep it lazy
    from packaging.specifiers import Specifier, SpecifierSet
from pipwarden.vulndb.ranges import (
    _MATCHED_TYPES,
    UnevaluableVersion,
    _Parsed,
    _sorted_events,
    _warn_invalid,
    is_affected,
    parse_version,
)

__all__ = [
    "Interval",
    "SafeFloor",
    "admitted_affected",
    "affected_intervals",
    "lowest_safe_floor",
    "range_ceilings",
    "spec_intervals",
]


# -- intervals ----------------------------------------------------------------------------


@frozen
class Interval:
    """A set of versions between two bounds; ``None`` bounds are infinite."""

    lo: Version | None = None
    lo_incl: bool = False
    hi: Version | None = None
    hi_incl: bool = False

    @classmethod
    def point(cls, v: Version) -> Interval:
        return cls(v, True, v, True)

    @property
    def empty(self) -> bool:
        if self.lo is None or self.hi is None:
            return False
        if self.lo < self.hi:
            return False
        return not (self.lo == self.hi and self.lo_incl and self.hi_incl)

    def intersect(self, other: Interval) -> Interval:
        lo, lo_incl = self.lo, self.lo_incl
        if other.lo is not None and (
            lo is None or other.lo > lo or (other.lo == lo and not other.lo_incl)
        ):
            lo, lo_incl = other.lo, other.lo_incl
        hi, hi_incl = self.hi, self.hi_incl
        if other.hi is not None and (
            hi is None or other.hi < hi or (other.hi == hi and not other.hi_incl)
        ):
            hi, hi_incl = other.hi, other.hi_incl
        return Interval(lo, lo_incl, hi, hi_incl)

    def __str__(self) -> str:
        left = "(-inf" if self.lo is None else ("[" if self.lo_incl else "(") + str(self.lo)
        right = "+inf)" if self.hi is None else str(self.hi) + ("]" if self.hi_incl else ")")
        return f"{left}, {right}"


_EVERYTHING = Interval()


def _intersect_all(a: Iterable[Interval], b: Sequence[Interval]) -> list[Interval]:
    out = []
    for x in a:
        for y in b:
            z = x.intersect(y)
            if not z.empty:
                out.append(z)
    return out


def _holds(kind: str, ver: Version | None, at: Version, *, strictly_above: bool) -> bool:
    """Whether an event's condition holds at ``at`` (or just above it)."""
    if ver is None:
        return True
    if strictly_above:
        return ver <= at
    if kind == "last_affected":
        return ver < at
    return ver <= at


def _state(events: list[_Parsed], at: Version, *, strictly_above: bool) -> bool:
    vulnerable = False
    for kind, ver in events:
        if kind != "limit" and _holds(kind, ver, at, strictly_above=strictly_above):
            vulnerable = kind == "introduced"
    return vulnerable


def _range_intervals(events: list[_Parsed]) -> list[Interval]:
    points = sorted({ver for kind, ver in events if kind != "limit" and ver is not None})
    below = any(kind == "introduced" and ver is None for kind, ver in events)
    pieces: list[tuple[Interval, bool]] = []
    if not points:
        pieces.append((_EVERYTHING, below))
    else:
        pieces.append((Interval(None, False, points[0], False), below))
        for n, p in enumerate(points):
            nxt = points[n + 1] if n + 1 < len(points) else None
            pieces.append((Interval.point(p), _state(events, p, strictly_above=False)))
            pieces.append((Interval(p, False, nxt, False), _state(events, p, strictly_above=True)))
    merged: list[Interval] = []
    for piece, on in pieces:
        if not on:
            continue
        if merged and merged[-1].hi == piece.lo and (merged[-1].hi_incl or piece.lo_incl):
            merged[-1] = Interval(merged[-1].lo, merged[-1].lo_incl, piece.hi, piece.hi_incl)
        else:
            merged.append(piece)
    limits = [ver for kind, ver in events if kind == "limit" and ver is not None]
    if limits:
        merged = _intersect_all(merged, [Interval(None, False, max(limits), False)])
    return merged


def affected_intervals(affected: Affected, *, record_id: str) -> list[Interval]:
    """The affected versions of one ``affected`` entry as a union of intervals."""
    out: list[Interval] = []
    for text in affected.versions:
        v = parse_version(text)
        if v is None:
            _warn_invalid(record_id, text, listed=True)
        else:
            out.append(Interval.point(v))
    return out + _ranges_of(affected, record_id)


def _ranges_of(affected: Affected, record_id: str) -> list[Interval]:
    """The intervals of the entry's ranges (its ``versions`` list left out)."""
    return [
        interval
        for rng in affected.ranges
        if rng.type in _MATCHED_TYPES
        for interval in _range_intervals(_sorted_events(rng, record_id))
    ]


def _range_top(events: list[_Parsed]) -> list[Interval]:
    """The highest piece of :func:`_range_intervals` (its upper end is the range's highest
    affected version), in one pass over the sorted events and a walk down from the top
    (usually one step). Ranges with ``limit`` events take the full computation (rare, and
    their intersection needs every interval).

    The events are sorted by version, so at a version ``p`` the events that hold are a
    prefix: just above ``p``, every event up to the last one at ``p``; at ``p`` itself,
    those before ``p`` and the ones at ``p`` other than ``last_affected``. The state there
    is the kind of the last event that holds, as OSV's evaluation defines it."""
    if any(kind == "limit" for kind, _ in events):
        return _range_intervals(events)[-1:]
    below = False  # ``introduced: "0"`` (sorted first): affected below the first version
    points: list[Version] = []
    last_kind: list[str] = []  # per point: the kind of its last event
    last_held: list[str | None] = []  # per point: the kind of its last event holding at it
    for kind, ver in events:
        if ver is None:
            below = below or kind == "introduced"
            continue
        if not points or points[-1] != ver:
            points.append(ver)
            last_kind.append(kind)
            last_held.append(None)
        last_kind[-1] = kind
        if kind != "last_affected":
            last_held[-1] = kind
    if not points:
        return [_EVERYTHING] if below else []
    if last_kind[-1] == "introduced":
        return [Interval(points[-1], False, None, False)]
    for n in range(len(points) - 1, -1, -1):
        before = below if n == 0 else last_kind[n - 1] == "introduced"
        held = last_held[n]
        if (before if held is None else held == "introduced"):
            return [Interval.point(points[n])]
        if before:
            return [Interval(None if n == 0 else points[n - 1], False, points[n], False)]
    return []


def range_ceilings(affected: Affected, *, record_id: str) -> list[Interval]:
    """The highest piece of each of the entry's ranges (its ``versions`` list left out)."""
    return [
        interval
        for rng in affected.ranges
        if rng.type in _MATCHED_TYPES
        for interval in _range_top(_sorted_events(rng, record_id))
    ]


def _spec_version(text: str) -> Version:
    """A specifier's version (packaging validated its form); UnevaluableVersion when its
    numbers are too long to convert."""
    try:
        return Version(text)
    except InvalidVersion:
        raise
    except ValueError as exc:
        raise UnevaluableVersion(
            f"a version of {len(text):,} characters cannot be evaluated"
        ) from exc


def _prefix_bounds(text: str) -> tuple[Version, Version]:
    base = _spec_version(text)
    release = base.release
    epoch = f"{base.epoch}!" if base.epoch else ""
    upper = (*release[:-1], release[-1] + 1)
    lo = Version(epoch + ".".join(map(str, release)) + ".dev0")
    hi = Version(epoch + ".".join(map(str, upper)) + ".dev0")
    return lo, hi


def _specifier_intervals(spec: Specifier) -> list[Interval]:
    op, text = spec.operator, spec.version
    if op == "===":
        v = parse_version(text)
        return [] if v is None else [Interval.point(v)]
    if text.endswith(".*"):
        lo, hi = _prefix_bounds(text[:-2])
        if op == "==":
            return [Interval(lo, True, hi, False)]
        return [Interval(None, False, lo, False), Interval(hi, True, None, False)]
    v = _spec_version(text)
    if op == "==":
        return [Interval.point(v)]
    if op == "!=":
        return [Interval(None, False, v, False), Interval(v, False, None, False)]
    if op == ">=":
        return [Interval(v, True, None, False)]
    if op == ">":
        return [Interval(v, False, None, False)]
    if op == "<=":
        return [Interval(None, False, v, True)]
    if op == "<":
        return [Interval(None, False, v, False)]
    if op == "~=":
        _, hi = _prefix_bounds(".".join(map(str, v.release[:-1])))
        if v.epoch:
            _, hi = _prefix_bounds(f"{v.epoch}!" + ".".join(map(str, v.release[:-1])))
        return [Interval(v, True, hi, False)]
    raise ValueError(f"unsupported specifier operator in {spec}")


def spec_intervals(spec: SpecifierSet) -> list[Interval]:
    """The versions a specifier set admits, as a union of intervals (a bare name: all)."""
    result = [_EVERYTHING]
    for item in spec:
        result = _intersect_all(result, _specifier_intervals(item))
    return result


# -- floor audit --------------------------------------------------------------------------


def _candidates(spec: SpecifierSet, releases: Sequence[str]) -> list[tuple[Version, str]]:
    try:
        allow_pre = bool(spec.prereleases)
        found: dict[Version, str] = {}
        for text in releases:
            v = parse_version(text)
            if v is not None and spec.contains(v, prereleases=allow_pre):
                found.setdefault(v, text)
    except InvalidVersion:
        raise
    except ValueError as exc:  # the specifier's own version is too long to convert
        raise UnevaluableVersion("the requirement names a version too long to evaluate") from exc
    return sorted(found.items())


def admitted_affected(
    spec: SpecifierSet,
    affected: Affected,
    *,
    releases: Sequence[str] | None,
    record_id: str,
) -> list[str] | bool:
    """Does the range ``spec`` admit a version that ``affected`` says is affected?

    With ``releases`` (PyPI's released versions): the admitted, affected releases, in
    ascending order (pre-releases only when ``spec`` names one); an empty list means no.
    Without (offline): ``True``/``False`` from interval arithmetic over the events.
    """
    if releases is not None:
        return [
            text
            for _, text in _candidates(spec, releases)
            if is_affected(text, affected, record_id=record_id)
        ]
    admitted = spec_intervals(spec)
    return bool(_intersect_all(admitted, affected_intervals(affected, record_id=record_id)))


@frozen
class SafeFloor:
    """The answer of :func:`lowest_safe_floor`.

    ``status``: ``"safe"`` (the range admits no affected version), ``"raise"`` (narrowing the
    range to ``>=floor`` admits none) or ``"no-fix"`` (the newest versions the range admits
    are still affected: no fix exists, or none is known yet). ``advisories`` lists the ids the
    range admits; ``unfixed`` those still admitted at the highest candidate floor.
    """

    status: Literal["safe", "raise", "no-fix"]
    floor: str | None
    advisories: tuple[str, ...] = ()
    unfixed: tuple[str, ...] = ()

    @property
    def no_fix(self) -> bool:
        return self.status == "no-fix"


def lowest_safe_floor(
    spec: SpecifierSet,
    advisories: Iterable[Advisory],
    *,
    releases: Sequence[str] | None,
    package: str,
) -> SafeFloor:
    """The lowest version F such that ``spec`` narrowed to ``>=F`` admits no affected version.

    ``package`` is the PEP 503 name whose ``affected`` entries count. With ``releases``, F
    is a release that ``spec`` admits; offline, F is one of the advisories' ``fixed`` events.
    """
    entries = [(adv.id, aff) for adv in advisories for aff in adv.affected_for(package)]
    if releases is not None:
        return _floor_with_releases(spec, entries, releases)
    return _floor_offline(spec, entries)


def _floor_with_releases(
    spec: SpecifierSet, entries: list[tuple[str, Affected]], releases: Sequence[str]
) -> SafeFloor:
    cands = _candidates(spec, releases)
    highest = -1
    hit: dict[str, int] = {}
    for rid, aff in entries:
        for n, (_, text) in enumerate(cands):
            if is_affected(text, aff, record_id=rid):
                hit[rid] = max(hit.get(rid, -1), n)
                highest = max(highest, n)
    ids = tuple(sorted(hit))
    if not hit:
        return SafeFloor("safe", None)
    if highest + 1 < len(cands):
        return SafeFloor("raise", cands[highest + 1][1], ids)
    unfixed = tuple(sorted(rid for rid, n in hit.items() if n == highest))
    return SafeFloor("no-fix", None, ids, unfixed)


def _floor_offline(spec: SpecifierSet, entries: list[tuple[str, Affected]]) -> SafeFloor:
    admitted = spec_intervals(spec)
    intervals = [(rid, aff, affected_intervals(aff, record_id=rid)) for rid, aff in entries]

    def admitted_ids(allowed: list[Interval]) -> set[str]:
        return {rid for rid, _, iv in intervals if _intersect_all(allowed, iv)}

    ids = admitted_ids(admitted)
    if not ids:
        return SafeFloor("safe", None)
    fixes: dict[Version, str] = {}
    for rid, aff, _ in intervals:
        if rid not in ids:
            continue
        for rng in aff.ranges:
            if rng.type not in _MATCHED_TYPES:
                continue
            for event in rng.events:
                if event.kind == "fixed" and (v := parse_version(event.version)) is not None:
                    fixes.setdefault(v, event.version)
    still: set[str] = ids
    for v in sorted(fixes):
        narrowed = _intersect_all(admitted, [Interval(v, True, None, False)])
        if not narrowed:
            break
        still = admitted_ids(narrowed)
        if not still:
            return SafeFloor("raise", fixes[v], tuple(sorted(ids)))
    return SafeFloor("no-fix", None, tuple(sorted(ids)), tuple(sorted(still)))
