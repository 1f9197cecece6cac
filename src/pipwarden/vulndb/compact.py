"""The compact storage form of an :class:`~pipwarden.vulndb.osv.Advisory` (what the store
keeps in ``advisory.data``) and the version keys of ``versions`` lists, computed at import."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import cast

from pipwarden.frozen import trusted
from pipwarden.vulndb.osv import (
    _ENCODE,
    _SEVERITIES,
    _WHITESPACE,
    Advisory,
    Affected,
    Event,
    EventKind,
    Range,
    _key_of_text,
    _plain_numbers,
)

__all__ = ["advisory_from_compact", "advisory_to_compact", "encode_version_keys"]


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
    return trusted(
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
            trusted(
                Affected,
                package=pkg,
                ranges=tuple([
                    trusted(Range, type=rtype, events=tuple([_event(k, v) for k, v in events]))
                    for rtype, events in ranges
                ]),
                versions=tuple(map(sys.intern, versions.split(" "))) if versions else (),
                keys=keys,
            )
            for pkg, ranges, versions, keys in affected
        ]),
    )
