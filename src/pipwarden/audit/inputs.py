"""What an audit reads: the request resolved from the project, its dependency files split
into pins, ranges and what cannot be checked, and installed environments."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.audit.models import AuditRequest, Component
from pipwarden.errors import UsageError
from pipwarden.log import get_logger
from pipwarden.models import Dependency, Environment, Location, NotChecked
from pipwarden.policy import Policy

if TYPE_CHECKING:
    from pipwarden.sources.project import FileKind

__all__ = ["FileRead", "collect_dependencies", "collect_inputs", "resolve_request"]

#: Reads one dependency file with the reader of its kind (see ProjectContext.read).
FileRead = Callable[[Path, "FileKind"], tuple[Sequence[Dependency], Sequence[NotChecked]]]

log = get_logger("pipwarden.audit")


def _marker_applies(dep: Dependency) -> bool:
    if not dep.marker:
        return True
    from packaging.markers import InvalidMarker, Marker, UndefinedComparison

    try:
        return Marker(dep.marker).evaluate({"extra": ""})
    except (InvalidMarker, UndefinedComparison):
        return True


def _local_folder(dep: Dependency) -> Path | None:
    """The folder a local-path requirement (``-e .``, ``./lib``, ``file:///…``) points to."""
    url = dep.url or ""
    if url.startswith("file://"):
        from urllib.parse import unquote, urlsplit

        return Path(unquote(urlsplit(url).path))
    if "://" in url or "+" in url.split(":", 1)[0] or "@" in url:
        return None
    return Path(dep.location.path).parent / url


def _split_dependencies(
    deps: Iterable[Dependency], read_projects: Iterable[Path] = ()
) -> tuple[list[Dependency], list[Dependency], list[NotChecked]]:
    """Pinned, ranged (floor audit), and not checked (URL/VCS/path requirements; markers not
    for this Python are listed as accepted). ``read_projects``: folders whose pyproject.toml
    this audit reads, so that ``-e .`` pointing at one of them is covered, not unread."""
    covered = {p.resolve() for p in read_projects}
    pinned: list[Dependency] = []
    ranged: list[Dependency] = []
    skipped: list[NotChecked] = []
    for dep in deps:
        where = str(dep.location)
        if dep.url is not None:
            kind = "VCS" if "+" in dep.url.split(":", 1)[0] else "URL or local path"
            folder = _local_folder(dep)
            accepted = None
            if folder is not None and folder.resolve() in covered:
                accepted = f"its dependencies are read from {folder / 'pyproject.toml'}"
            skipped.append(
                NotChecked(
                    what=dep.raw_name or dep.url,
                    where=where,
                    reason=f"{kind} requirement: not auditable by version; pin a release "
                    "from PyPI to have it audited",
                    next="pipwarden audit --path .venv   (audits the version installed from it)",
                    location=dep.location,
                    accepted=accepted,
                )
            )
            continue
        if not dep.locked and not _marker_applies(dep):
            skipped.append(
                NotChecked(
                    what=dep.raw_name,
                    where=where,
                    reason=f"marker `{dep.marker}` excludes this Python",
                    next="run pipwarden with a Python the marker selects",
                    location=dep.location,
                    accepted="does not apply to this Python",
                )
            )
            continue
        (pinned if dep.pinned_version is not None else ranged).append(dep)
    return pinned, ranged, skipped


def collect_dependencies(request: AuditRequest) -> tuple[list[Dependency], list[str]]:
    """Read every requirements, pyproject and lock file of the request."""
    deps, targets, _ = collect_inputs(request)
    return deps, targets


def collect_inputs(
    request: AuditRequest, read: FileRead | None = None
) -> tuple[list[Dependency], list[str], list[NotChecked]]:
    """Read every file of the request: its dependencies, the files read, and the files
    that could not be read (a kind pipwarden has no reader for: never "0 packages").

    ``read`` (a :class:`~pipwarden.context.ProjectContext`'s) reads each file once per run;
    by default each file is read with the reader of its kind."""
    from dataclasses import replace

    from pipwarden.sources.project import DEPENDENCY_FILES, kind_of, not_checked_file

    deps: list[Dependency] = []
    targets: list[str] = []
    unread: list[NotChecked] = []
    by_name = {k.name: k for k in DEPENDENCY_FILES}
    planned = [
        *((p, by_name["requirements"]) for p in request.requirements),
        *((p, by_name["pyproject"]) for p in request.pyprojects),
        *((p, kind_of(p) or by_name["pylock"]) for p in request.pylocks),
    ]
    for path, kind in planned:
        if kind.reader is None:
            unread.append(not_checked_file(path, kind, root=request.project))
            continue
        found, cannot_judge = (
            read(path, kind) if read is not None else kind.reader(path, request.project)
        )
        if kind.name not in _DECLARING_KINDS:  # a lock: every entry, whatever the platform
            found = [replace(d, locked=True) for d in found]
        deps.extend(found)
        unread.extend(cannot_judge)
        targets.append(str(path))
    return deps, targets, unread


# Files that declare ranges (audited for this Python); every other kind locks versions for
# every platform it names, and all of its entries are audited.
_DECLARING_KINDS = frozenset({"requirements", "pyproject"})
def _label(dep: Dependency) -> str:
    """Where a dependency comes from, with what selects a locked entry (its groups and
    marker): ``uv.lock:120 (main, group:dev; sys_platform == "linux")``."""
    where = str(dep.location)
    if not dep.locked:
        return where
    selects = "; ".join(x for x in (dep.group, dep.marker) if x)
    return f"{where} ({selects})" if selects else where


def _accept_unread(
    items: Iterable[NotChecked], policy: Policy, project: Path
) -> list[NotChecked]:
    """Mark the entries whose file the policy's ``allow-unread`` globs accept."""
    out: list[NotChecked] = []
    for item in items:
        if item.blocking and policy.allow_unread:
            path = Path(item.location.path if item.location is not None else item.where)
            try:
                rel = path.resolve().relative_to(project.resolve()).as_posix()
            except (ValueError, OSError):
                rel = path.as_posix()
            item = policy.accept_unread(item, rel)
        out.append(item)
    return out


def resolve_request(
    request: AuditRequest, environ: Mapping[str, str] | None = None
) -> AuditRequest:
    """Fill an empty request from the project.

    Normally: the project's own venv if it has one, else its dependency files. In a hook
    context (``PRE_COMMIT`` set, or ``VIRTUAL_ENV`` outside the project) the dependency
    files always win: the active venv is the hook's, and the project's .venv may not match
    what is being committed. An active venv outside the project is audited only when the
    project has no dependency file at all and no hook is running.
    """
    if request.requirements or request.pyprojects or request.pylocks or request.environments:
        return request
    from pipwarden.sources.environment import find_environment
    from pipwarden.sources.project import discover, hook_context, project_environment

    hook = hook_context(request.project, environ)
    own_venv = project_environment(request.project, environ)
    if own_venv is not None and not hook:
        return AuditRequest(project=request.project, environments=(own_venv,))
    project = discover(request.project, environ={})
    if project.has_dependency_files:
        pyprojects = (project.pyproject,) if project.pyproject is not None else ()
        return AuditRequest(
            project=request.project,
            requirements=project.requirements,
            pyprojects=pyprojects,
            pylocks=project.lockfiles,
        )
    if own_venv is not None:
        return AuditRequest(project=request.project, environments=(own_venv,))
    env = dict(os.environ if environ is None else environ)
    active = find_environment(request.project, env) if not env.get("PRE_COMMIT") else None
    if active is not None:
        log.info("no dependency files in %s: auditing the active venv %s", request.project,
                 active)
        return AuditRequest(project=request.project, environments=(active,))
    raise UsageError(
        f"nothing to audit in {request.project}: no .venv and no dependency file "
        "(requirements*.txt, pyproject.toml, pylock.toml, lock files)",
        hint="Pass -r requirements.txt, --path VENV, or run it in a project folder.",
    )


def _environment_items(
    env: Environment, label: str
) -> tuple[
    list[tuple[str, str, str, Location | None, str]],
    dict[str, tuple[tuple[str, ...], ...]],
    list[Component],
]:
    from pipwarden.sources.graph import DependencyGraph

    graph = DependencyGraph.from_environment(env)
    items: list[tuple[str, str, str, Location | None, str]] = []
    paths: dict[str, tuple[tuple[str, ...], ...]] = {}
    components: list[Component] = []
    for pkg in env.packages:
        items.append((pkg.name, pkg.version, label, None, "installed"))
        requires = tuple(sorted(graph.edges.get(pkg.name, ())))
        components.append(Component(pkg.name, pkg.version, label, "installed", None, requires))
        if pkg.name not in paths:
            paths[pkg.name] = tuple(tuple(p) for p in graph.paths_to(pkg.name, limit=3))
    return items, paths, components


