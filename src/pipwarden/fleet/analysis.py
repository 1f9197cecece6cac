"""Comparing projects: divergences (with the floor to consolidate on), single uses and
overlaps of libraries that do the same job."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pipwarden.advice import Advice, floor_for
from pipwarden.fleet.models import (
    Declaration,
    Divergence,
    FleetOverlap,
    FleetProject,
    FleetReport,
    SingleUse,
    _vkey,
)
from pipwarden.models import Level
from pipwarden.slim.overlap import CATEGORIES

__all__ = ["analyse", "package_level"]

# ---------------------------------------------------------------------------------------
# comparing projects


def analyse(
    projects: Sequence[FleetProject],
    roots: Sequence[str] = (),
    skipped: Sequence[str] = (),
    advise: Callable[[str], Advice] | None = None,
) -> FleetReport:
    """Compare projects: the matrix's packages, divergences, single uses and overlaps.

    ``advise``: each package's safe floor (:mod:`pipwarden.advice`); a divergence is never
    consolidated below it, nor on any floor when no version is known to be safe.
    """
    users: dict[str, list[tuple[FleetProject, Declaration]]] = {}
    for project in projects:
        for declaration in project.declarations:
            users.setdefault(declaration.name, []).append((project, declaration))
    packages = tuple(sorted(users, key=lambda n: (-len(users[n]), n)))

    divergences: list[Divergence] = []
    single: list[SingleUse] = []
    for package in sorted(users):
        uses = users[package]
        if len(uses) == 1 and len(projects) > 1:
            project, declaration = uses[0]
            single.append(SingleUse(package, project.name, declaration.spec))
            continue
        keys = {d.key for _, d in uses}
        if len(uses) >= 2 and len(keys) >= 2:
            floors = [v for _, d in uses for v in (d.floor, d.pin) if v is not None]
            highest = max(floors, key=_vkey) if floors else None
            advice = advise(package) if advise is not None else None
            divergences.append(
                Divergence(
                    package,
                    tuple((p.name, d.spec or "*") for p, d in uses),
                    None if advice is not None and advice.no_safe_version
                    else floor_for(highest, advice),
                    advice is not None and advice.no_safe_version,
                )
            )

    overlaps: list[FleetOverlap] = []
    for category, (job, members) in CATEGORIES.items():
        present = [
            (member, tuple(p.name for p, _ in users[member]))
            for member in members
            if member in users
        ]
        if len(present) >= 2:
            present.sort(key=lambda u: (-len(u[1]), u[0]))
            overlaps.append(FleetOverlap(category, job, tuple(present)))

    return FleetReport(
        roots=tuple(roots),
        projects=tuple(projects),
        packages=packages,
        divergences=tuple(divergences),
        single_uses=tuple(single),
        overlaps=tuple(overlaps),
        skipped=tuple(skipped),
    )


def package_level(report: FleetReport, package: str) -> Level:
    """How a package looks across the fleet: WARN when divergent or overlapping, INFO when
    one project only uses it, else OK (used by the HTML tree and matrix colours)."""
    if any(d.package == package for d in report.divergences):
        return Level.WARN
    if any(package == lib for o in report.overlaps for lib, _ in o.uses):
        return Level.WARN
    if any(s.package == package for s in report.single_uses):
        return Level.INFO
    return Level.OK


