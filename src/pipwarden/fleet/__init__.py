"""The same dependencies across many projects: matrix, divergence, single uses, overlaps.

:func:`find_projects` walks the given folders for projects (a folder holding
``requirements*.txt`` or ``pyproject.toml``); :func:`run_fleet` reads each project's
declared dependencies (never installing or importing anything), lints it, and compares the
projects: which package has different floors or pins where (and the floor to consolidate
on), which packages only one project uses, and which different libraries do the same job
in different projects.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.fleet.analysis import analyse, package_level
from pipwarden.fleet.models import (
    AuditCounter,
    Declaration,
    Divergence,
    FleetOverlap,
    FleetProject,
    FleetReport,
    SingleUse,
)
from pipwarden.fleet.reading import SKIP_DIRS, bounds, find_projects, read_project
from pipwarden.lint import LintConfig, run_lint
from pipwarden.lint.supplychain import Lookups, default_lookups
from pipwarden.log import get_logger
from pipwarden.settings import Settings
from pipwarden.sources.project import kind_of

__all__ = [
    "SKIP_DIRS",
    "AuditCounter",
    "Declaration",
    "Divergence",
    "FleetOverlap",
    "FleetProject",
    "FleetReport",
    "SingleUse",
    "analyse",
    "bounds",
    "find_projects",
    "package_level",
    "read_project",
    "run_fleet",
]

log = get_logger(__name__)

# ---------------------------------------------------------------------------------------
# the whole run


def _unique_names(roots: Sequence[Path], bases: Sequence[Path]) -> list[str]:
    """Project labels: the path relative to the folder it was found under."""
    names: list[str] = []
    for root in roots:
        label = root.name
        for base in bases:
            try:
                rel = root.resolve().relative_to(base.resolve()).as_posix()
            except ValueError:
                continue
            label = rel if rel != "." else (base.resolve().name or str(base))
            break
        names.append(label)
    counts: dict[str, int] = {}
    for label in names:
        counts[label] = counts.get(label, 0) + 1
    return [
        label if counts[label] == 1 else str(root)
        for label, root in zip(names, roots, strict=True)
    ]


def _memoised(lookups: Lookups) -> Lookups:
    """One PyPI answer per name for the whole fleet (each project's lint asks again)."""
    if lookups.project is None:
        return lookups
    return replace(lookups, project=functools.lru_cache(maxsize=None)(lookups.project))


def run_fleet(
    dirs: Sequence[Path | str],
    *,
    settings: Settings | None = None,
    offline: bool = False,
    lint: bool = True,
    audit: AuditCounter | None = None,
    lookups: Lookups | None = None,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> FleetReport:
    """Find the projects under ``dirs``, read, lint (and audit, when ``audit`` is given)
    each one, and compare them. Raises :class:`InputError` when a folder is missing or
    holds no project."""
    settings = settings or Settings.from_env()
    offline = offline or settings.offline
    bases = [Path(d) for d in dirs]
    roots = find_projects(bases)
    if not roots:
        shown = ", ".join(str(b) for b in bases)
        raise InputError(
            "no projects found (a folder with requirements*.txt or pyproject.toml)",
            path=shown,
        )
    if on_total is not None:
        on_total(len(roots))
    names = _unique_names(roots, bases)
    resolved = {r.resolve() for r in roots}
    # projects with another project inside them (linted file by file, see _lint_count)
    outer = {parent for r in resolved for parent in r.parents if parent in resolved}
    own_lookups = lookups is None
    skipped: list[str] = []
    if lint and lookups is None:
        lookups = _memoised(default_lookups(settings, offline=offline))
    projects: list[FleetProject] = []
    try:
        for root, label in zip(roots, names, strict=True):
            project = read_project(root, name=label)
            if lint and lookups is not None:
                has_nested = root.resolve() in outer
                count = _lint_count(root, project, has_nested, settings, lookups, offline)
                project = replace(project, lint_findings=count)
                skipped.extend(lookups.skipped)
            if audit is not None:
                project = replace(project, audit_findings=audit(root))
            projects.append(project)
            if progress is not None:
                progress(1)
        # one fleet, one floor per package: no single project's ignores lower it
        advisor = lookups.advisor if lookups is not None else None
        advise = None if advisor is None else (lambda name: advisor.advise(name))
        return analyse(projects, [str(b) for b in bases], tuple(dict.fromkeys(skipped)), advise)
    finally:
        if own_lookups and lookups is not None and lookups.close is not None:
            lookups.close()


def _lintable(path: Path) -> bool:
    kind = kind_of(path)
    return kind is not None and kind.name in ("requirements", "pyproject")


def _lint_count(
    root: Path,
    project: FleetProject,
    has_nested: bool,
    settings: Settings,
    lookups: Lookups,
    offline: bool,
) -> int:
    """Lint findings of one project: the whole folder, or only its own files when another
    project lives inside it (so that nothing is counted twice)."""
    own = [f for f in project.files if _lintable(Path(f))]  # lint reads no lock file
    targets: list[str] = own if has_nested else [str(root)]
    if not targets:
        return 0
    report = run_lint(targets, LintConfig(), settings=settings, offline=offline, lookups=lookups)
    return len(report.findings)
