"""Matching: exact versions and ranges against the advisories, grouped by alias.

Records that share aliases (a PYSEC, a GHSA and a CVE for one flaw) become one finding that
lists every id and takes the most severe known severity of the group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from pipwarden.advice import preferred_id
from pipwarden.audit.models import Finding, Skipped
from pipwarden.models import Dependency, Location, NotChecked, Severity

if TYPE_CHECKING:
    from pipwarden.vulndb.osv import Advisory
    from pipwarden.vulndb.store import VulnStore

__all__ = ["audit_floors", "audit_versions"]

def _merged_fields(group: Sequence[Advisory]) -> dict[str, object]:
    """What a finding takes from its group of aliased records (not where it was found)."""
    ids: dict[str, None] = {}
    for adv in group:
        for ident in adv.ids:
            ids.setdefault(ident, None)
    primary = preferred_id(ids)
    # The most severe known severity of the group: a record without one of its own takes
    # its aliases' (unknown only when no record of the group knows).
    best = max(group, key=lambda a: (a.severity, a.score or 0.0))
    summary = next((a.title for a in group if a.title), "")
    main = next((a for a in group if a.id == primary), None) or next(
        a for a in group if primary in a.ids
    )
    malicious = any(a.is_malicious for a in group)
    source = best.severity_source
    if malicious:
        source = "malicious"
    elif best is not main and main.severity is Severity.UNKNOWN:
        source = "alias"
    return {
        "id": primary,
        "aliases": tuple(i for i in ids if i != primary),
        "summary": summary,
        "severity": Severity.MALICIOUS if malicious else best.severity,
        "score": best.score,
        "url": main.url if main.id == primary else f"https://osv.dev/vulnerability/{primary}",
        "severity_source": source,
    }


def _merge(
    group: Sequence[Advisory], package: str, fixed: Iterable[str], **fields: object
) -> Finding:
    return Finding(
        package=package,
        fixed_in=tuple(fixed),
        **_merged_fields(group),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def _relevant_fixes(
    group: Sequence[Advisory],
    package: str,
    version: str | None,
    fixes: tuple[str, ...] | None = None,
) -> tuple[str, ...]:
    """The group's fixed versions, ascending; with ``version``, only those above it.

    ``fixes``: the group's ascending fixed versions, when the caller has them already.
    """
    from pipwarden.vulndb.ranges import parse_version

    if fixes is None:
        fixes = _group_fixes(group, package)
    current = parse_version(version) if version is not None else None
    if current is None:
        return fixes
    later = tuple(f for f in fixes if (v := parse_version(f)) is not None and v > current)
    return later or fixes


def _group_fixes(group: Sequence[Advisory], package: str) -> tuple[str, ...]:
    from pipwarden.vulndb.ranges import fixed_versions, sort_versions

    return sort_versions({f for adv in group for f in fixed_versions(adv, package)})


# -- auditing ------------------------------------------------------------------------------


def _not_evaluated(
    name: str, version: str | None, source: str, location: Location | None,
    record_id: str, reason: str,
) -> NotChecked:
    """The "not checked" entry of one record that could not be evaluated for a package."""
    what = f"{name}=={version}" if version is not None else name
    return NotChecked(
        what,
        source,
        f"advisory {record_id} could not be evaluated ({reason}); the package's other "
        "advisories were checked",
        next=f"pipwarden db update (newer data), or read {record_id} on osv.dev",
        location=location,
    )


def _affects_checked(
    adv: Advisory, name: str, version: str, problems: dict[str, str]
) -> bool:
    """``advisory_affects``, recording in ``problems`` a record it cannot evaluate."""
    from pipwarden.vulndb.ranges import advisory_affects

    try:
        return advisory_affects(adv, name, version)
    except (ValueError, TypeError, KeyError, IndexError, AssertionError, RecursionError) as exc:
        problems[adv.id] = str(exc)[:120] or type(exc).__name__
        return False


def audit_versions(
    store: VulnStore,
    items: Sequence[tuple[str, str, str, Location | None, str]],
    advisories: Mapping[str, list[Advisory]] | None = None,
    *,
    unchecked: list[Skipped] | None = None,
    floors: Callable[[set[str]], Mapping[str, tuple[str | None, bool]]] | None = None,
) -> list[Finding]:
    """Audit exact versions: ``(package, version, source, location, kind)`` tuples.

    A record that cannot be evaluated for a pin is appended to ``unchecked`` (as a
    :class:`Skipped`: not checked) and the pin's other records are still matched.
    ``floors``: the safe floor and "no safe version" of each vulnerable package, asked
    once for all of them and set on each finding as it is made.
    """
    from pipwarden.vulndb.osv import group_by_alias

    problems: dict[tuple[str, str], list[tuple[str, str]]] = {}
    if advisories is not None:
        known = advisories
        matched: dict[tuple[str, str], list[Advisory]] = {}
        for name, version, *_ in items:
            failed: dict[str, str] = {}
            matched[(name, version)] = [
                a for a in known.get(name, ()) if _affects_checked(a, name, version, failed)
            ]
            if failed:
                problems[(name, version)] = sorted(failed.items())
    else:  # the store's fast path: full advisories only for the records that match
        checked = store.check_pins((name, version) for name, version, *_ in items)
        matched, problems = checked.hits, checked.unchecked
    if unchecked is not None:
        for name, version, source, location, _ in items:
            for rid, reason in problems.get((name, version), ()):
                unchecked.append(_not_evaluated(name, version, source, location, rid, reason))
    findings: list[Finding] = []
    advice = floors({name for (name, _), hits in matched.items() if hits}) if floors else {}
    # Pins of one package mostly hit the same groups of records: merge each group once.
    groups: dict[tuple[str, ...], list[tuple[Advisory, ...]]] = {}
    # One finding per (package, group) is made by __init__; the package's other pins'
    # findings of that group are copies of it with their own pin's fields.
    per_group: dict[tuple[str, tuple[str, ...]], tuple[Finding, tuple[str, ...]]] = {}
    for name, version, source, location, kind in items:
        hits = matched.get((name, version), [])
        hit_ids = tuple(a.id for a in hits)
        if hit_ids not in groups:
            groups[hit_ids] = group_by_alias(hits)
        for group in groups[hit_ids]:
            key = (name, tuple(a.id for a in group))
            if key not in per_group:
                fixes = _group_fixes(group, name)
                floor, no_safe = advice.get(name, (None, False))
                first = _merge(group, name, fixes, version=version, source=source, kind=kind,
                               location=location, safe_floor=floor, no_safe_version=no_safe)
                per_group[key] = (first, fixes)
            first, fixes = per_group[key]
            findings.append(first.with_fields(
                version=version,
                source=source,
                kind=kind,
                location=location,
                fixed_in=_relevant_fixes(group, name, version, fixes),
            ))
    return findings


def audit_floors(
    store: VulnStore,
    deps: Sequence[Dependency],
    releases: Mapping[str, Sequence[str] | None],
    advisories: Mapping[str, list[Advisory]] | None = None,
    *,
    unchecked: list[Skipped] | None = None,
) -> list[Finding]:
    """Floor audit of ranges and bare names: what the range admits and the safe floor.

    A record that cannot be evaluated is appended to ``unchecked`` for that dependency
    (not checked) and left out of the floor; the dependency's other records still count.
    """
    if not deps:
        return []
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from pipwarden.vulndb.floors import admitted_affected
    from pipwarden.vulndb.osv import group_by_alias
    from pipwarden.vulndb.ranges import sort_versions

    known = advisories if advisories is not None else store.advisories_for({d.name for d in deps})
    findings: list[Finding] = []
    for dep in deps:
        candidates = known.get(dep.name, [])
        if not candidates:
            continue
        try:
            spec = SpecifierSet(dep.specifier)
        except InvalidSpecifier:  # the parser already rejects these; belt and braces
            continue
        rel = releases.get(dep.name)
        hits: list[Advisory] = []
        admitted_by: dict[str, tuple[str, ...]] = {}
        for adv in candidates:
            versions: list[str] = []
            admits = False
            try:
                for aff in adv.affected_for(dep.name):
                    got = admitted_affected(spec, aff, releases=rel, record_id=adv.id)
                    if isinstance(got, list):
                        versions.extend(got)
                        admits = admits or bool(got)
                    else:
                        admits = admits or got
            except (ValueError, TypeError, KeyError, IndexError, AssertionError,
                    RecursionError) as exc:
                if unchecked is not None:
                    unchecked.append(_not_evaluated(
                        dep.name, None, str(dep.location), dep.location, adv.id,
                        str(exc)[:120] or type(exc).__name__,
                    ))
                continue
            if admits:
                hits.append(adv)
                admitted_by[adv.id] = sort_versions(set(versions))
        if not hits:
            continue
        for group in group_by_alias(hits):
            admitted = sort_versions({v for a in group for v in admitted_by.get(a.id, ())})
            findings.append(
                _merge(
                    group,
                    dep.name,
                    _relevant_fixes(group, dep.name, None),
                    version=None,
                    source=str(dep.location),
                    kind="floor",
                    location=dep.location,
                    specifier=dep.specifier or "(any version)",
                    admitted=admitted,
                )
            )
    return findings


