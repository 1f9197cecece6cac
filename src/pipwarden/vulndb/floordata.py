"""What a safe floor needs of one record for one package (:class:`FloorRecord`), built
either from a parsed :class:`~pipwarden.vulndb.osv.Advisory` or from the store's matching
data, where the import already computed it (then no advisory is decoded for a floor).

Both forms give the same answer: :func:`pipwarden.advice.safe_floor` reads only these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from pipwarden.frozen import frozen
from pipwarden.vulndb.osv import Advisory

if TYPE_CHECKING:
    from packaging.version import Version

__all__ = ["FloorRecord", "from_advisory", "from_matching", "highest_end"]

# An entry's highest affected version over its ranges: (version text, whether that version
# is itself affected); ``None`` as the text: open-ended (every version from some point on).
Top = tuple[str | None, bool]


@frozen
class FloorRecord:
    """One record as the safe floor of one package sees it.

    ``tops``: per ``affected`` entry whose ranges affect something, their highest affected
    version; ``listed``: the versions its ``versions`` lists name (any spelling: they are
    parsed when needed); ``named``: the versions its range events name; ``error``: why the
    record could not be evaluated (then it shapes no floor)."""

    id: str
    aliases: tuple[str, ...]
    tops: tuple[Top, ...] = ()
    listed: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


def from_advisory(adv: Advisory, package: str) -> FloorRecord:
    """The floor record of ``adv`` for ``package`` (a PEP 503 name)."""
    from pipwarden.vulndb.floors import range_ceilings

    entries = adv.affected_for(package)
    # The lists as the store keeps them: one key per PEP 440 version (``1.0.0`` → ``1``).
    listed = tuple(k for aff in entries if aff.versions for k in aff.version_keys[0].split())
    named = tuple(e.version for aff in entries for r in aff.ranges for e in r.events)
    tops: list[Top] = []
    try:
        for aff in entries:
            top = highest_end((iv.hi, iv.hi_incl)
                              for iv in range_ceilings(aff, record_id=adv.id) if not iv.empty)
            if top is not None:
                tops.append((None if top[0] is None else str(top[0]), top[1]))
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        return FloorRecord(adv.id, adv.aliases, (), listed, named, f"{type(exc).__name__}")
    return FloorRecord(adv.id, adv.aliases, tuple(tops), listed, named)


def from_matching(
    record_id: str, aliases: Sequence[str], entries: Sequence[Any], keys_listed: str | None = None
) -> FloorRecord:
    """The floor record of one stored record from its decoded matching data (``m``:
    :func:`~pipwarden.vulndb.matching.match_entries` output). ``keys_listed``: the listed
    version keys stored apart (:class:`~pipwarden.vulndb.matching.Bounds`), when the
    entries were stored without theirs. ``ValueError`` when the data is not of that form
    (the caller then reads the record itself)."""
    tops: list[Top] = []
    if keys_listed is not None and type(keys_listed) is not str:
        raise ValueError("malformed floor data")
    listed: list[str] = keys_listed.split() if keys_listed is not None else []
    named: list[str] = []
    for _ranges, keys, has_list, top, texts in entries:
        if top is not None:
            text, incl = top
            if text is not None and type(text) is not str:
                raise ValueError("malformed floor data")
            tops.append((text, bool(incl)))
        if has_list and keys_listed is None:
            listed.extend(keys.partition("|")[0].split())
        if type(texts) is not list or not all(type(t) is str for t in texts):
            raise ValueError("malformed floor data")
        named.extend(texts)
    return FloorRecord(record_id, tuple(aliases), tuple(tops), tuple(listed), tuple(named))


def highest_end(ends: Iterable[tuple[Version | None, bool]]) -> tuple[Version | None, bool] | None:
    """The highest of upper ends ``(version, whether it is itself included)``: a ``None``
    version is open-ended, above any; of equal versions an included one is higher;
    ``None`` when there are none."""
    top: tuple[Version, bool] | None = None
    for hi, incl in ends:
        if hi is None:
            return (None, incl)
        if top is None or hi > top[0] or (hi == top[0] and incl):
            top = (hi, incl)
    return top
