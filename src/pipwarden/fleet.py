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
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pipwarden.advice import Advice, floor_for
from pipwarden.errors import InputError
from pipwarden.lint import LintConfig, run_lint
from pipwarden.lint.supplychain import Lookups, default_lookups
from pipwarden.models import Dependency, Level, NotChecked
from pipwarden.settings import Settings
from pipwarden.slim.overlap import CATEGORIES
from pipwarden.sources.project import DependencyFile, discover, kind_of, not_checked_file
from pipwarden.sources.pyproject import read_pyproject
from pipwarden.sources.requirements import parse_requirements, project_root_for

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

log = logging.getLogger(__name__)

#: Folders never searched for projects (environments, VCS data, caches, build output).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules",
        "site-packages", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".ipynb_checkpoints", "dbt_packages", "dbt_modules", "build",
        "dist", ".eggs",
    }
)

#: Counts the known-vulnerability findings of one project folder (``None``: not audited).
AuditCounter = Callable[[Path], "int | None"]


@dataclass(frozen=True)
class Declaration:
    """One package as one project declares it (several lines merge into one declaration).

    ``spec`` is the specifier as written (``""`` when unconstrained, ``"@ url"`` for a
    direct reference); ``floor`` is the highest lower bound, ``pin`` the ``==`` version.
    """

    name: str
    raw_name: str
    spec: str
    floor: str | None
    pin: str | None
    locations: tuple[str, ...]

    @property
    def key(self) -> tuple[str, Version | str] | None:
        """What divergence compares: a pin, a floor (as versions: ``1.26`` equals
        ``1.26.0``), a direct reference, or nothing (unconstrained)."""
        if self.pin is not None:
            return ("pin", _version(self.pin))
        if self.floor is not None:
            return ("floor", _version(self.floor))
        if self.spec.startswith("@"):
            return ("url", self.spec)
        return None


@dataclass(frozen=True)
class FleetProject:
    """A project folder, what it declares, and its finding counts (``None``: not run)."""

    name: str
    root: str
    files: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    lint_findings: int | None = None
    audit_findings: int | None = None
    errors: tuple[str, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Dependency files of this project pipwarden could not read (and its policy does
        not accept): its audit count, if any, covers only the other files."""
        return tuple(n for n in self.not_checked if n.blocking)

    def get(self, package: str) -> Declaration | None:
        for declaration in self.declarations:
            if declaration.name == package:
                return declaration
        return None


@dataclass(frozen=True)
class Divergence:
    """One package declared with different floors or pins across projects."""

    package: str
    uses: tuple[tuple[str, str], ...]  # (project, spec as written)
    suggested_floor: str | None
    # no version of the package is known to be safe: nothing to consolidate on
    no_safe_version: bool = False

    @property
    def suggestion(self) -> str | None:
        return None if self.suggested_floor is None else f"{self.package}>={self.suggested_floor}"


@dataclass(frozen=True)
class SingleUse:
    package: str
    project: str
    spec: str


@dataclass(frozen=True)
class FleetOverlap:
    """Different libraries doing one job across the fleet; ``uses`` = (library, projects)."""

    category: str
    job: str
    uses: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def preferred(self) -> str:
        """The library most projects already use (ties: alphabetical)."""
        return sorted(self.uses, key=lambda u: (-len(u[1]), u[0]))[0][0]


@dataclass(frozen=True)
class FleetReport:
    roots: tuple[str, ...]
    projects: tuple[FleetProject, ...]
    packages: tuple[str, ...]
    divergences: tuple[Divergence, ...]
    single_uses: tuple[SingleUse, ...]
    overlaps: tuple[FleetOverlap, ...]
    skipped: tuple[str, ...] = field(default=())

    @property
    def lint_total(self) -> int | None:
        counts = [p.lint_findings for p in self.projects if p.lint_findings is not None]
        return sum(counts) if counts else None

    @property
    def audit_total(self) -> int | None:
        counts = [p.audit_findings for p in self.projects if p.audit_findings is not None]
        return sum(counts) if counts else None

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(e for p in self.projects for e in p.errors)

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Every project's dependency files that were not read (they fail the run)."""
        return tuple(n for p in self.projects for n in p.unread)

    @property
    def level(self) -> Level:
        """RISK for known vulnerabilities, WARN for divergence/overlap/lint, UNKNOWN when a
        dependency file was not read, else OK."""
        if self.audit_total:
            return Level.RISK
        if self.divergences or self.overlaps or self.lint_total or self.errors:
            return Level.WARN
        if self.unread:
            return Level.UNKNOWN
        return Level.OK

    def cell(self, project: FleetProject, package: str) -> str | None:
        declaration = project.get(package)
        if declaration is None:
            return None
        return declaration.spec or "*"


# ---------------------------------------------------------------------------------------
# finding projects


def _is_project(base: Path, filenames: Iterable[str]) -> bool:
    """Does the folder hold a dependency file of a known kind (readable or not)?"""
    return any(kind_of(base / name) is not None for name in filenames)


def find_projects(dirs: Sequence[Path | str]) -> list[Path]:
    """Project folders under ``dirs`` (each given folder may itself be one), sorted.

    A project is a folder holding a dependency file of a kind in
    :data:`pipwarden.sources.project.DEPENDENCY_FILES`, readable or not (a folder with only
    ``uv.lock`` is a project whose dependencies are not checked, never skipped).

    Virtual environments (any folder with ``pyvenv.cfg``), ``node_modules``, VCS folders and
    ``site-packages`` are never entered; a project's own ``requirements/`` folder is part of
    it, not another project.
    """
    found: dict[str, Path] = {}
    for given in dirs:
        top = Path(given)
        if not top.is_dir():
            raise InputError("not a folder", path=str(top))
        for dirpath, dirnames, filenames in os.walk(top):
            base = Path(dirpath)
            project = _is_project(base, filenames)
            dirnames[:] = sorted(
                d
                for d in dirnames
                if d not in SKIP_DIRS
                and not d.startswith(".")
                and not (project and d == "requirements")
                and not (base / d / "pyvenv.cfg").exists()
            )
            if project:
                found.setdefault(str(base.resolve()), base)
    return sorted(found.values(), key=lambda p: str(p))


# ---------------------------------------------------------------------------------------
# reading declarations


def _version(version: str) -> Version | str:
    try:
        return Version(version)
    except InvalidVersion:
        return version


def _vkey(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def bounds(spec: str) -> tuple[str | None, str | None]:
    """``(floor, pin)`` of a specifier: the highest lower bound and the ``==`` version.

    ``>=``, ``>``, ``~=`` and ``==`` give a floor (``==2.1.*`` gives ``2.1``); ``==X`` and
    ``===X`` also give the pin. Unparsable specifiers give ``(None, None)``.
    """
    try:
        specifiers = SpecifierSet(spec)
    except InvalidSpecifier:
        return None, None
    floors: list[str] = []
    pin: str | None = None
    for item in specifiers:
        version = item.version
        if item.operator in {">=", ">", "~="}:
            floors.append(version)
        elif item.operator == "==":
            if version.endswith(".*"):
                floors.append(version[:-2])
            else:
                floors.append(version)
                pin = version
        elif item.operator == "===":
            floors.append(version)
            pin = version
    floor = max(floors, key=_vkey) if floors else None
    return floor, pin


def _merge(name: str, deps: list[Dependency]) -> Declaration:
    specs: list[str] = []
    floors: list[str] = []
    pins: list[str] = []
    for dep in deps:
        spec = "@ url" if dep.url else dep.specifier.strip()
        if spec and spec not in specs:
            specs.append(spec)
        if dep.url:
            continue
        floor, pin = bounds(dep.specifier)
        if floor is not None:
            floors.append(floor)
        if pin is not None:
            pins.append(pin)
    locations = tuple(dict.fromkeys(str(d.location) for d in deps))
    return Declaration(
        name=name,
        raw_name=deps[0].raw_name,
        spec=" | ".join(specs),
        floor=max(floors, key=_vkey) if floors else None,
        pin=max(pins, key=_vkey) if pins else None,
        locations=locations,
    )


def _shown(path: Path, base: Path | None) -> str:
    if base is not None:
        try:
            rel = path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            pass
        else:
            return rel or "."
    return path.as_posix()


def read_project(root: Path, *, name: str | None = None) -> FleetProject:
    """The declared dependencies of one project: requirements files (with their ``-r``
    includes; constraint files are not declarations) and pyproject.toml (project
    dependencies, extras and dependency groups). Unreadable files become ``errors``."""
    project = discover(root, environ={})
    deps: list[Dependency] = []
    errors: list[str] = []
    files: list[str] = []
    for path in project.requirements:
        files.append(str(path))
        try:
            parsed = parse_requirements(
                path, environ={}, collect_errors=True, root=project_root_for(path, root)
            )
        except InputError as exc:
            errors.append(str(exc))
            continue
        errors.extend(str(e) for e in parsed.errors)
        deps.extend(d for d in parsed.dependencies if not d.constraint)
    if project.pyproject is not None:
        files.append(str(project.pyproject))
        try:
            deps.extend(read_pyproject(project.pyproject).dependencies)
        except InputError as exc:
            errors.append(str(exc))
    not_checked = list(_unread_files(root, project.unread, errors))
    for unread in project.unread:
        files.append(str(unread.path))
    # A project that only locks its dependencies (uv.lock, poetry.lock, Pipfile.lock,
    # environment.yml …) is compared on what it locks; with a declaration file present,
    # the declarations are what the project asks for and the lock is not repeated here.
    if not deps:
        for item in project.files:
            if item.kind.reader is None or item.kind.name in ("requirements", "pyproject"):
                continue
            files.append(str(item.path))
            try:
                locked, cannot_judge = item.kind.reader(item.path, root)
            except InputError as exc:
                errors.append(str(exc))
                continue
            deps.extend(d for d in locked if d.url is None)
            not_checked.extend(cannot_judge)
    by_name: dict[str, list[Dependency]] = {}
    seen: set[tuple[str, str]] = set()
    for dep in deps:
        where = (dep.name, str(dep.location))
        if where in seen:  # the same line reached through two -r includes
            continue
        seen.add(where)
        by_name.setdefault(dep.name, []).append(dep)
    declarations = tuple(_merge(n, by_name[n]) for n in sorted(by_name))
    return FleetProject(
        name=name or root.name,
        root=str(root),
        files=tuple(files),
        declarations=declarations,
        errors=tuple(dict.fromkeys(errors)),
        not_checked=tuple(not_checked),
    )


def _unread_files(
    root: Path, unread: Sequence[DependencyFile], errors: list[str]
) -> tuple[NotChecked, ...]:
    """A not-checked entry per unreadable dependency file, accepted where the project's
    policy (``allow-unread``) says so."""
    if not unread:
        return ()
    from pipwarden.policy import Policy, load_policy

    try:
        policy = load_policy(root)
    except InputError as exc:
        errors.append(str(exc))
        policy = Policy()
    out: list[NotChecked] = []
    for item in unread:
        entry = not_checked_file(item.path, item.kind, root=root)
        glob = policy.accepts_unread(item.path.relative_to(root).as_posix())
        if glob is not None:
            entry = replace(entry, accepted=f"allow-unread = {glob!r} in the policy")
        out.append(entry)
    return tuple(out)


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
