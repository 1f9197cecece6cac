"""Finding the projects under folders and reading what each one declares."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.errors import InputError
from pipwarden.fleet.models import Declaration, FleetProject, _vkey
from pipwarden.log import get_logger
from pipwarden.models import Dependency, NotChecked
from pipwarden.sources.project import DependencyFile, discover, kind_of, not_checked_file
from pipwarden.sources.pyproject import read_pyproject
from pipwarden.sources.requirements import parse_requirements, project_root_for

__all__ = ["SKIP_DIRS", "bounds", "find_projects", "read_project"]

log = get_logger("pipwarden.fleet")

#: Folders never searched for projects (environments, VCS data, caches, build output).
SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules",
        "site-packages", "__pycache__", ".tox", ".nox", ".mypy_cache", ".ruff_cache",
        ".pytest_cache", ".ipynb_checkpoints", "dbt_packages", "dbt_modules", "build",
        "dist", ".eggs",
    }
)

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
        out.append(policy.accept_unread(entry, item.path.relative_to(root).as_posix()))
    return tuple(out)


