"""The store's matching data: what matching an exact version needs, prepared at import.

For one package's ``affected`` entries in one record, :func:`match_entries` keeps the
evaluated ranges with their events sorted and each event version replaced by its
:func:`sort_key` (a string whose order is PEP 440 order), and the version keys of the
``versions`` list. :func:`entries_affect` then evaluates a pin by comparing strings: no
event version is parsed and no :class:`~packaging.version.Version` is compared at audit
time. It is :func:`pipwarden.vulndb.ranges.is_affected` over the same entries (the tests
compare both paths over every version of the recorded archive).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, NamedTuple, cast

from packaging.version import Version

from pipwarden.vulndb.osv import Affected

__all__ = [
    "Bounds", "MatchEntry", "MatchRange", "PinKeys", "bounds_of", "entries_affect",
    "keys_affect", "match_entries", "settled", "sort_key",
]

_MATCHED_TYPES = frozenset({"ECOSYSTEM", "SEMVER"})

# Markers of sort_key, in increasing order; every number is written as one character
# above them all (chr(0x100 + its digit count)) followed by its digits, so that a longer
# number sorts after a shorter one and equal lengths compare digit by digit.
_END, _A, _B, _C, _D = " ", "(", ")", "*", "+"
_PRE = {"a": "a", "b": "b", "rc": "r"}


def _int(n: int) -> str:
    digits = str(n)
    return chr(0x100 + len(digits)) + digits


def sort_key(v: Version) -> str:
    """A string ordered as PEP 440 orders versions: ``sort_key(a) < sort_key(b)`` exactly
    when ``a < b``, equal exactly when ``a == b`` (``1.0`` and ``1.0.0`` share a key).

    It follows :mod:`packaging.version`'s comparison key: epoch, release without trailing
    zeros, then pre-release (a dev-only release first, a final release last), post, dev
    (absent last) and the local label (absent first; its strings before its numbers).
    """
    release = v.release
    end = len(release)
    while end and release[end - 1] == 0:
        end -= 1
    parts = [_int(v.epoch), *map(_int, release[:end]), _END]
    pre, post, dev = v.pre, v.post, v.dev
    if pre is None:
        parts.append(_A if post is None and dev is not None else _C)
    else:
        parts.append(_B + _PRE[pre[0]] + _int(pre[1]))
    parts.append(_A if post is None else _B + _int(post))
    parts.append(_B if dev is None else _A + _int(dev))
    local = v.local
    if local is None:
        parts.append(_A)
    else:
        parts.append(_B)
        for part in local.split("."):
            parts.append(_D + _int(int(part)) if part.isdigit() else _C + part + _END)
        parts.append(_END)
    return "".join(parts)


@lru_cache(maxsize=16384)
def _event_key(v: Version) -> tuple[str, int]:
    """An event version's sort key and whether it is local (records of one package name
    the same versions again and again: each is keyed once per import)."""
    return sort_key(v), int(v.local is not None)


@lru_cache(maxsize=16384)
def _pin_keys(v: Version) -> tuple[str, str]:
    """The sort keys of a pinned version and of its public version."""
    key = sort_key(v)
    return key, (key if v.local is None else sort_key(Version(v.public)))


# Matching data of one package's ``affected`` entries in one record, as the store keeps it:
# per entry, the evaluated ranges (first invalid event text or None; sorted events as
# [kind, sort key or None for ``introduced: "0"``, 1 when the event version is local]),
# the version keys text of Affected.keys, whether the entry lists versions at all; then
# what a safe floor needs: the highest affected version of its ranges (``[text, 1 when it
# is itself affected]``, ``[None, 0]`` when open-ended, None when the ranges affect
# nothing) and the versions its range events name.
MatchRange = tuple[str | None, list[tuple[str, str | None, int]]]
MatchEntry = tuple[list[MatchRange], str, bool, list[object] | None, list[str]]


def match_entries(
    affected: Iterable[Affected], keys: Iterable[str] | None = None
) -> list[list[object]]:
    """What :func:`entries_affect` needs of ``affected`` entries, in JSON-ready form.

    ``keys``: their :func:`~pipwarden.vulndb.osv.encode_version_keys`, when known.
    :class:`~pipwarden.vulndb.ranges.UnevaluableVersion` when an event's version is PEP
    440 in form but cannot be used (the store then marks the record not checked).
    """
    from pipwarden.vulndb.compact import encode_version_keys
    from pipwarden.vulndb.floordata import highest_end
    from pipwarden.vulndb.floors import _range_top
    from pipwarden.vulndb.ranges import _stored_version, sort_events

    affected = list(affected)
    known = list(keys) if keys is not None else [None] * len(affected)
    out: list[list[object]] = []
    for aff, known_keys in zip(affected, known, strict=True):
        ranges: list[list[object]] = []
        ends: list[tuple[Version | None, bool]] = []  # each range's highest piece
        named: list[str] = []
        spelled: dict[int, str] = {}  # the event's own text of each parsed version
        for rng in aff.ranges:
            if rng.type in _MATCHED_TYPES:
                events, invalid = sort_events(rng.events)
                keyed: list[list[object]] = []
                parsed: list[tuple[str, Version | None]] = []
                for kind, text in events:
                    if text is None:
                        keyed.append([kind, None, 0])
                        parsed.append((kind, None))
                    else:
                        version = _stored_version(text)
                        keyed.append([kind, *_event_key(version)])
                        parsed.append((kind, version))
                        named.append(text)
                        spelled[id(version)] = text
                ranges.append([invalid, keyed])
                ends.extend((piece.hi, piece.hi_incl) for piece in _range_top(parsed))
        text = known_keys or aff.keys or encode_version_keys(aff.versions)
        stored_top = None
        top = highest_end(ends)
        if top is not None:
            hi = top[0]
            stored_top = [None if hi is None else spelled.get(id(hi)) or str(hi), int(top[1])]
        out.append([ranges, text, bool(aff.versions), stored_top, named])
    return out


class Bounds(NamedTuple):
    """What settles most pins against one record's entries without reading its ranges (the
    store keeps it next to them). ``listed``: every listed version key, space-separated
    with a space at either end (``" k1 k2 … "``; ``None``: no entry lists versions);
    ``lo``/``hi``: the lowest and highest event sort key (``lo`` is ``None`` when a
    range starts at ``introduced: "0"``, both when no event has a version); ``above``:
    whether a pin above every event is affected (some range ends with ``introduced``);
    ``entries``: the entries with their version keys left out (``listed`` holds them)."""

    listed: str | None
    lo: str | None
    hi: str | None
    above: bool
    entries: list[Any]


_KINDS = frozenset({"introduced", "fixed", "last_affected"})


def bounds_of(entries: Sequence[Any]) -> Bounds | None:
    """The :class:`Bounds` of :func:`match_entries` output; ``None`` when only a full
    evaluation is exact: an event text or a ``versions`` entry that is not PEP 440 (the
    audit names both in a warning), a ``limit`` event or one of no known kind."""
    listed: list[str] = []
    keys: list[str] = []
    unbounded = above = False
    stripped: list[Any] = []
    for ranges, text, has_list, top, named in cast(Sequence[MatchEntry], entries):
        for invalid, events in ranges:
            if invalid is not None:
                return None
            for kind, key, _local in events:
                if kind not in _KINDS:
                    return None
                if key is None:
                    if kind != "introduced":
                        return None
                    unbounded = True
                else:
                    keys.append(key)
            if events and events[-1][0] == "introduced":
                above = True
        if has_list:
            valid, bar, bad = text.partition("|")
            if not bar or bad.strip():
                return None
            if valid.strip():
                listed.append(valid)
        stripped.append([ranges, "", has_list, top, named])
    return Bounds(
        listed=f" {' '.join(listed)} " if listed else None,
        lo=None if unbounded or not keys else min(keys),
        hi=max(keys) if keys else None,
        above=above,
        entries=stripped,
    )


def settled(pin: PinKeys, bounds: tuple[str | None, str | None, str | None, int]) -> bool | None:
    """Whether the pin is affected, from a record's stored :class:`Bounds` ``(listed, lo, hi,
    above)`` alone; ``None`` when its ranges must be evaluated (the pin lies between its
    lowest and highest event). A pin below every event reaches none of them; one above
    every event reaches all, and the last event of each range decides (a local pin sorts
    after its public version, so comparing the right one of the two suffices)."""
    listed, lo, hi, above = bounds
    if listed is not None and (
        f" {pin.listed} " in listed
        or (pin.listed_public is not None and f" {pin.listed_public} " in listed)
    ):
        return True
    if hi is None:  # no event with a version: only "introduced: 0" ranges, or none
        return bool(above)
    if lo is not None and pin.own < lo:
        return False
    if pin.pub > hi:
        return bool(above)
    return None


class PinKeys:
    """What matching one pinned version needs, computed once per pin (not once per record):
    the sort keys of the version and of its public version, and their version keys (the
    spelling ``versions`` lists are stored in)."""

    __slots__ = ("listed", "listed_public", "own", "pub")

    def __init__(self, v: Version, public: Version) -> None:
        from pipwarden.vulndb.ranges import _version_key

        self.own, self.pub = _pin_keys(v)
        self.listed = _version_key(v)
        self.listed_public = _version_key(public) if v.local is not None else None


def entries_affect(v: Version, public: Version, entries: Sequence[Any], record_id: str) -> bool:
    """:func:`~pipwarden.vulndb.ranges.is_affected` of a PEP 440 version over decoded
    :func:`match_entries` output (``public``: ``v`` without its local label)."""
    return keys_affect(PinKeys(v, public), entries, record_id)


def keys_affect(pin: PinKeys, entries: Sequence[Any], record_id: str) -> bool:
    """:func:`entries_affect` with the pin's keys computed beforehand."""
    from pipwarden.vulndb.ranges import _warn_invalid

    own, pub = pin.own, pin.pub
    for ranges, keys, listed, _top, _named in cast(Sequence[MatchEntry], entries):
        for invalid, events in ranges:
            if invalid is not None:
                _warn_invalid(record_id, invalid)
            if _in_range(own, pub, events):
                return True
        if not listed:
            continue
        if not keys.endswith("|"):
            bad = keys.rpartition("|")[2]
            if bad.strip():  # empty entries are joined into blanks: nothing to name
                _warn_invalid(record_id, bad.split()[0], listed=True)
        if _listed(pin.listed, keys) or (
            pin.listed_public is not None and _listed(pin.listed_public, keys)
        ):
            return True
    return False


def _listed(key: str, keys: str) -> bool:
    """Whether ``key`` is one of the space-separated keys before the ``|`` of ``keys``
    (searched in place: lists run to thousands of entries; copying one per pin cost more
    than the search). The entries after ``|`` are not PEP 440, so never equal a key."""
    return f" {key} " in keys or f" {key}|" in keys or keys.startswith((f"{key} ", f"{key}|"))


def _in_range(own: str, pub: str, events: list[tuple[str, str | None, int]]) -> bool:
    """OSV's evaluation of one range over sort keys; a bound compares the pin's public
    version unless the bound itself is local (see :mod:`pipwarden.vulndb.ranges`). With
    ``limit`` events, only versions below one of them can be affected (a ``limit`` without
    a version excludes everything)."""
    vulnerable = False
    limited = below_limit = False
    for kind, key, local in events:
        if kind == "introduced":
            if key is None or (own if local else pub) >= key:
                vulnerable = True
        elif kind == "fixed":
            if (own if local else pub) >= cast(str, key):
                vulnerable = False
        elif kind == "last_affected":
            if (own if local else pub) > cast(str, key):
                vulnerable = False
        elif kind == "limit":
            limited = True
            if key is not None and (own if local else pub) < key:
                below_limit = True
    return vulnerable and (below_limit or not limited)
