"""Declared dependencies of a project: requirements files and ``pyproject.toml``.

Files are found by :func:`pipwarden.sources.project.discover` and parsed by
:mod:`pipwarden.sources` (pip's requirements format, PEP 621/735). Malformed lines and
files become :class:`~pipwarden.slim.imports.FileProblem` values so the rest of the
project is still checked. Locations are relative to the project folder (``file:line``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Location
from pipwarden.slim.imports import FileProblem
from pipwarden.sources.project import discover
from pipwarden.sources.requirements import (
    RequirementsFile,
    name_is_written,
    parse_requirements,
    project_root_for,
)

__all__ = ["Declared", "lowest_python", "read_declared", "tree_python"]


@frozen
class Declared:
    """What the project declares, where, and what went wrong reading it."""

    dependencies: tuple[Dependency, ...] = ()
    files: tuple[str, ...] = ()
    requires_python: str | None = None
    problems: tuple[FileProblem, ...] = ()


def _relative(path: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return path


def _problem(error: InputError, root: Path) -> FileProblem:
    return FileProblem(_relative(error.path, root) if error.path else "", error.line,
                       error.reason)


def _declared(dep: Dependency, root: Path, group: str | None = None) -> Dependency:
    location = Location(_relative(dep.location.path, root), dep.location.line)
    return replace(dep, location=location, group=group)


def read_declared(
    root: Path, parse: Callable[[Path], RequirementsFile] | None = None
) -> Declared:
    """Requirements files (``requirements*.txt``, ``requirements/*.txt``, with their
    ``-r`` includes) and ``pyproject.toml`` (dependencies, extras, dependency groups).

    ``parse`` (a project context's) parses each requirements file once per run."""
    project = discover(root, environ={})
    deps: list[Dependency] = []
    problems: list[FileProblem] = []
    files: list[str] = []
    for path in project.requirements:
        rel = _relative(str(path), root)
        if rel in files:
            continue  # already read as an include
        try:
            parsed = parse(path) if parse is not None else parse_requirements(
                path, collect_errors=True, root=project_root_for(path, root)
            )
        except InputError as exc:
            problems.append(_problem(exc, root))
            files.append(rel)
            continue
        for included in parsed.all_files():
            shown = _relative(included.path, root)
            if shown not in files:
                files.append(shown)
        problems.extend(_problem(e, root) for e in parsed.errors)
        deps.extend(
            _declared(d, root)
            for d in parsed.dependencies
            if not d.constraint and name_is_written(d)
        )
    requires_python = None
    if project.pyproject is not None:
        files.append(_relative(str(project.pyproject), root))
        try:
            from pipwarden.sources.pyproject import read_pyproject  # only with one

            pyproject = read_pyproject(project.pyproject, collect_errors=True,
                                       expand_includes=False)
        except InputError as exc:
            problems.append(_problem(exc, root))
        else:
            requires_python = pyproject.requires_python
            problems.extend(_problem(e, root) for e in pyproject.errors)
            for dep in pyproject.dependencies:
                group = dep.group.partition(":")[2] if dep.group else None
                deps.append(_declared(dep, root, group))
    return Declared(tuple(deps), tuple(files), requires_python, tuple(problems))


def lowest_python(requires_python: str | None) -> tuple[int, int] | None:
    """The lowest ``(major, minor)`` a ``requires-python`` specifier admits, if any."""
    if not requires_python:
        return None
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    for major, minor in [(2, 7)] + [(3, m) for m in range(30)]:
        if any(spec.contains(f"{major}.{minor}.{micro}") for micro in (0, 99)):
            return (major, minor)
    return None


def tree_python(
    requires_python: str | None, env_python: str | None
) -> tuple[int, int] | None:
    """The Python a project's dependency tree is counted for (its markers): its venv's
    when there is one (the tree installed there), else the lowest its ``requires-python``
    admits; ``None``: this interpreter's. slim's weights and check's vet part both use it,
    so they count the same tree."""
    parts = (env_python or "").split(".")
    if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
        return (int(parts[0]), int(parts[1]))
    return lowest_python(requires_python)
