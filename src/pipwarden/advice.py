"""The one answer to "which floor is safe?", shared by every command that proposes one.

:func:`safe_floor` computes, for one package, the lowest *final* version F such that no
version at or above F is known vulnerable (TRUST §1: advice is final):

* **final**: never a pre-release or a development release; never a yanked release (the
  release lists come from :func:`pipwarden.audit.pypi_release_provider`, which leaves
  yanked releases out);
* **no known-vulnerable version at or above F**: judged on the OSV ranges themselves, by
  interval arithmetic, so a later range that re-opens (urllib3 2.0.0–2.0.6 above the
  1.26.18 fix, django 4.x/5.x above the 3.2.25 fix) is never admitted. That is the test
  the floor audit applies to ``>=F``, offline or with release lists, so auditing the
  suggested floor as a floor yields no finding;
* **policy ignores** are respected: an advisory whose id or alias an active (unexpired)
  ignore names does not raise the floor.

Candidate versions: PyPI's release list when one is known (cache or online); otherwise,
or when no release passes, the versions the package's OSV records name (events and
``versions`` lists), each made final (``0.24.dev0`` → ``0.24``; local labels dropped).
When no candidate passes, the answer is "no safe version known" (a state of its own,
never a bogus floor).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Literal, TypeVar

from packaging.version import Version

from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.vulndb.osv import Identified

if TYPE_CHECKING:
    import datetime as dt

    from pipwarden.policy import IgnoreEntry
    from pipwarden.vulndb.floordata import FloorRecord
    from pipwarden.vulndb.floors import Interval
    from pipwarden.vulndb.osv import Advisory
    from pipwarden.vulndb.store import VulnStore

_Record = TypeVar("_Record", bound=Identified)

__all__ = [
    "NO_SAFE_VERSION",
    "Admitted",
    "Advice",
    "Advisor",
    "active_ignores",
    "admitted",
    "crosses_major",
    "floor_for",
    "floor_of",
    "kept_groups",
    "preferred_id",
    "safe_floor",
]

log = get_logger(__name__)

#: How every report words the "none" state.
NO_SAFE_VERSION = "no safe version known"

ReleaseLists = Callable[[Sequence[str]], Mapping[str, Sequence[str] | None]]
FloorSource = Callable[[Iterable[str]], Mapping[str, Sequence["FloorRecord"]]]
AdvisorySource = Callable[[Iterable[str]], Mapping[str, list["Advisory"]]]


@frozen
class Advice:
    """The safe floor of one package.

    ``status``: ``"clean"`` (no known vulnerability counts: any floor will do), ``"floor"``
    (``floor`` is the lowest final version with nothing known-vulnerable at or above it)
    or ``"none"`` (every candidate still admits a known-vulnerable version: no safe
    version known). ``advisories``: the ids (one per alias group) that shaped the answer;
    ``unevaluable``: records that could not be evaluated and were left out (the audit
    reports them as not checked); ``basis``: ``"releases"`` or ``"osv"``.
    """

    package: str
    status: Literal["clean", "floor", "none"]
    floor: str | None = None
    advisories: tuple[str, ...] = ()
    unevaluable: tuple[str, ...] = ()
    basis: str = "osv"

    @property
    def no_safe_version(self) -> bool:
        return self.status == "none"

    @property
    def requirement(self) -> str | None:
        """``name>=floor``, or ``None`` when there is no floor to propose."""
        return f"{self.package}>={self.floor}" if self.floor is not None else None

    def text(self, name: str | None = None) -> str:
        """``name>=floor`` or :data:`NO_SAFE_VERSION` (``name``: the spelling to show)."""
        if self.floor is not None:
            return f"{name or self.package}>={self.floor}"
        return NO_SAFE_VERSION if self.status == "none" else f"{name or self.package}"


def crosses_major(current: str | None, floor: str | None) -> bool:
    """Whether ``floor`` is in a later major series than ``current``: a breaking upgrade to
    plan for, and still the only final answer (a floor inside the current series would
    admit the later series' known-vulnerable versions)."""
    from pipwarden.vulndb.ranges import parse_version

    now = parse_version(current) if current else None
    to = parse_version(floor) if floor else None
    if now is None or to is None:
        return False
    return (to.epoch, to.release[0]) > (now.epoch, now.release[0])


def floor_for(current: str | None, advice: Advice | None) -> str | None:
    """The floor to write for a requirement whose own floor (or pin) is ``current``: the
    higher of the two, so a fix never lowers a floor nor keeps a vulnerable one."""
    from pipwarden.vulndb.ranges import parse_version

    safe = advice.floor if advice is not None else None
    if safe is None:
        return current
    if current is None:
        return safe
    now, to = parse_version(current), parse_version(safe)
    if now is None or to is None:
        return safe
    return current if now >= to else safe


def active_ignores(ignores: Iterable[IgnoreEntry], today: dt.date) -> tuple[IgnoreEntry, ...]:
    """The ignores still in force on ``today`` (an expired one stops ignoring)."""
    return tuple(e for e in ignores if e.until >= today)


_ID_PREFERENCE = ("MAL-", "PYSEC-", "GHSA-", "CVE-", "OSV-")


def preferred_id(ids: Iterable[str]) -> str:
    """The id a group of aliased records is shown by (MAL-, PYSEC-, GHSA-, CVE-, OSV-,
    others; alphabetical within a kind): the audit's findings and the advice name a group
    the same way."""

    def rank(ident: str) -> tuple[int, str]:
        for n, prefix in enumerate(_ID_PREFERENCE):
            if ident.startswith(prefix):
                return (n, ident)
        return (len(_ID_PREFERENCE), ident)

    return min(ids, key=rank)


def _final(v: Version) -> Version:
    """The final release a version leads to: ``1.0rc1``/``1.0.dev0`` → ``1.0``,
    ``1.0.post1.dev0`` → ``1.0.post1``; a local label is dropped."""
    if v.local is not None:
        v = Version(v.public)
    if not v.is_prerelease:
        return v
    base = v.base_version
    if v.post is not None:
        return Version(f"{base}.post{v.post}")
    return Version(base)


def _osv_versions(
    records: Iterable[FloorRecord], above: tuple[Version, bool]
) -> set[Version]:
    """The final versions the records name (events and ``versions`` lists, pre-releases as
    the release they lead to) that lie above the ceiling ``above`` (its version, and
    whether it is itself affected)."""
    from pipwarden.vulndb.ranges import parse_version

    # Records of one package repeat the same versions: each text is parsed once. Equal
    # versions spelled differently (``3.1``, ``3.1.0``) keep one spelling, the same on
    # every run: an event's (as the record wrote it) before a list's, then the smallest.
    texts = {(0, t) for rec in records for t in rec.named}
    texts.update((1, t) for rec in records for t in rec.listed)
    hi, hi_incl = above
    found: dict[Version, tuple[int, str, Version]] = {}
    for rank, text in texts:
        v = parse_version(text)
        if v is None or text == "0":
            continue
        if v.pre is None and v.dev is None and v.local is None:
            if v < hi:
                continue  # a final version below the ceiling stays below it
        else:
            v = _final(v)  # (never cached: equal versions differ in spelling)
        if (v > hi or (v == hi and not hi_incl)) and (
            v not in found or (rank, text) < found[v][:2]
        ):
            found[v] = (rank, text, v)
    return {spelled for _, _, spelled in found.values()}


def _reach(records: Sequence[FloorRecord]) -> tuple[Version, bool] | Literal["open", "clean"]:
    """The highest affected version of the records that can be evaluated (and whether it
    is itself affected): each entry's ranges' highest, and the highest version any
    ``versions`` list names; ``"open"`` when one is open-ended (nothing from some version
    on is clean); ``"clean"`` when they affect nothing."""
    from pipwarden.vulndb.floordata import highest_end
    from pipwarden.vulndb.ranges import parse_version

    ends: list[tuple[Version | None, bool]] = []
    for rec in records:
        for text, incl in rec.tops:
            if text is None:
                return "open"
            hi = parse_version(text)
            if hi is not None:
                ends.append((hi, incl))
    top = highest_end(ends)
    # Only a listed version that can reach the ranges' ceiling matters; an entry that is
    # not PEP 440 bounds no floor (pip installs PEP 440 versions only). Lists of one
    # package overlap: each version is parsed once.
    listed: set[str] = set()
    for rec in records:
        listed.update(rec.listed)
    major = top[0].release[0] if top is not None and top[0] is not None and top[0].epoch == 0 \
        else None
    high = max(
        filter(None, (parse_version(t) for t in listed if _may_reach(t, major))), default=None
    )
    if high is not None:
        top = highest_end([*([top] if top is not None else []), (high, True)])
    if top is None or top[0] is None:
        return "clean"
    return (top[0], top[1])


def _may_reach(text: str, major: int | None) -> bool:
    """Whether a listed version can reach a ceiling whose first release number is
    ``major`` (epoch 0): a plain leading number below it cannot (a string test, no
    parsing; anything unusual is parsed)."""
    if major is None:
        return True
    head = text.partition(".")[0]
    return not (head.isascii() and head.isdigit() and len(head) < 10 and int(head) < major)


def _lowest(candidates: Iterable[Version], top: tuple[Version, bool]) -> Version | None:
    """The lowest candidate v above the ceiling ``top`` (``>=v`` admits nothing
    known-vulnerable)."""
    hi, hi_incl = top
    clean = [v for v in candidates if v > hi or (v == hi and not hi_incl)]
    return min(clean, default=None)


def kept_groups(
    advisories: Iterable[_Record], ignores: Sequence[IgnoreEntry]
) -> list[tuple[_Record, ...]]:
    """The alias groups of ``advisories`` that no ignore of ``ignores`` names (an ignore of
    any id or alias of a group ignores the whole group, as the audit does)."""
    from pipwarden.vulndb.osv import group_by_alias

    groups = group_by_alias(advisories)
    if not ignores:
        return groups
    return [g for g in groups if not any(e.matches(i for a in g for i in a.ids) for e in ignores)]


def safe_floor(
    package: str,
    advisories: Iterable[Advisory],
    *,
    releases: Sequence[str] | None = None,
    ignores: Sequence[IgnoreEntry] = (),
) -> Advice:
    """The safe floor of ``package`` (a PEP 503 name); see the module docstring.

    ``releases``: PyPI's installable (not yanked) releases, when known. ``ignores``: the
    policy's ignores in force (see :func:`active_ignores`).
    """
    from pipwarden.vulndb.floordata import from_advisory

    records = [from_advisory(adv, package) for adv in advisories]
    return floor_of(package, records, releases=releases, ignores=ignores)


def floor_of(
    package: str,
    records: Sequence[FloorRecord],
    *,
    releases: Sequence[str] | None = None,
    ignores: Sequence[IgnoreEntry] = (),
) -> Advice:
    """:func:`safe_floor` from the records' floor data (the store keeps it, computed at
    import: see :mod:`pipwarden.vulndb.floordata`)."""
    from pipwarden.vulndb.ranges import parse_version

    groups = kept_groups(records, ignores)
    counted = [r for g in groups for r in g]
    unevaluable = [r.id for r in counted if r.error is not None]
    ids = tuple(
        preferred_id(i for r in g for i in r.ids)
        for g in groups
        if any(r.error is None for r in g)
    )
    bad = tuple(unevaluable)
    top = _reach([r for r in counted if r.error is None])
    if top == "clean":
        return Advice(package, "clean", None, ids, bad)
    source: Literal["releases", "osv"] = "releases" if releases is not None else "osv"
    if isinstance(top, str):  # open-ended: no version from some point on is clean
        return Advice(package, "none", None, ids, bad, source)
    if releases is not None:
        known = {
            v: text
            for text in releases
            if (v := parse_version(text)) is not None and not v.is_prerelease and v.local is None
        }
        found = _lowest(known, top)
        if found is not None:
            return Advice(package, "floor", known[found], ids, bad, "releases")
    found = min(_osv_versions(records, top), default=None)
    if found is not None:
        return Advice(package, "floor", str(found), ids, bad, "osv")
    return Advice(package, "none", None, ids, bad, source)


class Advisor:
    """Advice for many packages from one advisory source and one release source.

    Each package's advisories and release list are fetched once (lint asks per line,
    ``--fix`` lints several times); :meth:`prefetch` asks for many names in one go.
    """

    def __init__(
        self,
        advisories: AdvisorySource,
        releases: ReleaseLists | None = None,
        *,
        floor_records: FloorSource | None = None,
    ) -> None:
        self._source = advisories
        self._release_source = releases
        self._floor_source = floor_records
        self._advisories: dict[str, list[Advisory]] = {}
        self._records: dict[str, list[FloorRecord]] = {}
        self._releases: dict[str, Sequence[str] | None] = {}

    @classmethod
    def for_store(cls, store: VulnStore, releases: ReleaseLists | None = None) -> Advisor:
        """An advisor over a vulnerability store: floors from the floor data the store
        computed at import (no advisory decoded for a floor)."""
        return cls(store.advisories_for, releases, floor_records=store.floor_records)

    def prefetch(self, names: Iterable[str]) -> None:
        """Fetch the records (the floor records when the source has them, else the
        advisories) and release lists of ``names`` in one go."""
        from pipwarden.vulndb.osv import normalize_name

        keys = {normalize_name(n) for n in names}
        if self._floor_source is None:
            self._fetch_advisories(keys)
            known: Mapping[str, Sequence[object]] = self._advisories
        else:
            wanted = sorted(keys - set(self._records))
            if wanted:
                found = self._floor_source(wanted)
                for name in wanted:
                    self._records[name] = list(found.get(name, ()))
            known = self._records
        self._fetch_releases([n for n in sorted(keys) if known.get(n)])

    def _fetch_advisories(self, keys: set[str]) -> None:
        wanted = sorted(keys - set(self._advisories))
        if wanted:
            found = self._source(wanted)
            for name in wanted:
                self._advisories[name] = list(found.get(name, ()))

    def _fetch_releases(self, vulnerable: list[str]) -> None:
        vulnerable = [n for n in vulnerable if n not in self._releases]
        if vulnerable and self._release_source is not None:
            try:
                lists = self._release_source(vulnerable)
            except Exception as exc:  # release lists are optional: OSV versions then
                log.warning("PyPI release lists unavailable (%s): using OSV versions", exc)
                lists = {}
            for name in vulnerable:
                self._releases[name] = lists.get(name)

    def advisories(self, name: str) -> list[Advisory]:
        from pipwarden.vulndb.osv import normalize_name

        key = normalize_name(name)
        self._fetch_advisories({key})
        return self._advisories.get(key, [])

    def releases(self, name: str) -> Sequence[str] | None:
        from pipwarden.vulndb.osv import normalize_name

        key = normalize_name(name)
        self.prefetch([key])
        return self._releases.get(key)

    def advise(self, name: str, ignores: Sequence[IgnoreEntry] = ()) -> Advice:
        from pipwarden.vulndb.osv import normalize_name

        key = normalize_name(name)
        releases = self.releases(key)  # fetches the package's records too
        if self._floor_source is not None:
            return floor_of(key, self._records[key], releases=releases, ignores=ignores)
        return safe_floor(key, self.advisories(key), releases=releases, ignores=ignores)


@frozen
class Admitted:
    """What a requirement admits that is known vulnerable: the advisory ids (one per alias
    group) and the versions, as releases when the release list is known, else as ranges
    (``>=2.0.0,<2.0.7``) or single versions."""

    ids: tuple[str, ...]
    versions: tuple[str, ...]
    unevaluable: tuple[str, ...] = ()  # records left out: they could not be evaluated


def _describe(iv: Interval) -> str:
    if iv.lo is not None and iv.hi is not None and iv.lo == iv.hi:
        return str(iv.lo)
    parts = []
    if iv.lo is not None:
        parts.append((">=" if iv.lo_incl else ">") + str(iv.lo))
    if iv.hi is not None:
        parts.append(("<=" if iv.hi_incl else "<") + str(iv.hi))
    return ",".join(parts) or "every version"


def admitted(
    package: str,
    specifier: str,
    advisories: Iterable[Advisory],
    *,
    releases: Sequence[str] | None = None,
    ignores: Sequence[IgnoreEntry] = (),
) -> Admitted:
    """The known-vulnerable versions ``specifier`` admits (an exact pin: that version only).

    Advisories that ignores name do not count; records that cannot be evaluated are left
    out (the audit reports them as not checked).
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from pipwarden.vulndb.floors import admitted_affected, affected_intervals, spec_intervals
    from pipwarden.vulndb.ranges import is_affected, sort_versions

    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return Admitted((), ())
    pins = [s for s in spec if s.operator in {"==", "==="} and not s.version.endswith(".*")]
    pinned = pins[0].version if len(pins) == 1 and len(spec) == 1 else None
    ids: list[str] = []
    versions: list[str] = []
    bad: list[str] = []
    for group in kept_groups(advisories, ignores):
        hit = False
        for adv in group:
            try:
                for aff in adv.affected_for(package):
                    if pinned is not None:
                        if is_affected(pinned, aff, record_id=adv.id):
                            hit = True
                            versions.append(pinned)
                        continue
                    if releases is not None:
                        got = admitted_affected(spec, aff, releases=releases, record_id=adv.id)
                        if isinstance(got, list) and got:
                            hit = True
                            versions.extend(got)
                        continue
                    for allowed in spec_intervals(spec):
                        for iv in affected_intervals(aff, record_id=adv.id):
                            both = allowed.intersect(iv)
                            if not both.empty:
                                hit = True
                                versions.append(_describe(both))
            except (ValueError, TypeError, OverflowError, RecursionError):
                bad.append(adv.id)
                continue
        if hit:
            ids.append(preferred_id(i for a in group for i in a.ids))
    ordered = sort_versions(versions) if releases is not None or pinned else tuple(
        dict.fromkeys(versions)
    )
    return Admitted(tuple(sorted(ids)), ordered, tuple(bad))
