"""The auditor: known vulnerabilities of environments, requirements, pyproject and pylock.

Three kinds of finding, one per way a version reaches us:

* ``installed`` — a package installed in an environment, read from its metadata on disk;
* ``pinned`` — an exact ``==``/``===`` pin, audited at that version;
* ``floor`` — a range or a bare name (``jinja2>=2.10``): every known vulnerability the range
  still admits, and the lowest floor that admits none. Uses PyPI's release list when it is
  reachable or cached, the OSV events alone otherwise. No temporary venv, no resolution.

Records that share aliases (a PYSEC, a GHSA and a CVE for one flaw) become one finding that
lists every id and takes the most severe known severity of the group (a record without one
takes its aliases'). ``MAL-`` records (known malicious packages) outrank every severity;
a finding of unknown severity ranks next (it fails the run unless the policy says
``unknown-severity = "warn"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.audit.database import open_database
from pipwarden.audit.inputs import (
    _accept_unread,
    _environment_items,
    _label,
    _split_dependencies,
    collect_dependencies,
    collect_inputs,
    resolve_request,
)
from pipwarden.audit.matching import audit_floors, audit_versions
from pipwarden.audit.models import AuditReport, AuditRequest, Component, Finding, Skipped
from pipwarden.errors import InputError
from pipwarden.log import get_logger
from pipwarden.models import Location, NotChecked
from pipwarden.policy import IgnoreEntry, Policy, apply_ignores
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.advice import Advisor
    from pipwarden.audit.inputs import FileRead
    from pipwarden.pypi.client import PyPIClient
    from pipwarden.vulndb.store import VulnStore

__all__ = [
    "AuditReport",
    "AuditRequest",
    "Component",
    "Finding",
    "NotChecked",
    "ReleaseProvider",
    "Skipped",
    "audit",
    "audit_floors",
    "audit_versions",
    "collect_dependencies",
    "collect_inputs",
    "ensure_paths_exist",
    "open_database",
    "pypi_release_provider",
    "resolve_request",
]

log = get_logger(__name__)

ReleaseProvider = Callable[[Sequence[str]], Mapping[str, Sequence[str] | None]]


def pypi_release_provider(
    settings: Settings, client: PyPIClient | None = None
) -> ReleaseProvider:
    """Installable release lists from PyPI (through the on-disk cache; cache only when
    offline): a release whose every file is yanked is left out (pip does not pick it for a
    range, and a floor must never name it); a release without files is kept (its files
    are not known). ``client``: the run's one client, when there is one."""

    def provide(names: Sequence[str]) -> Mapping[str, Sequence[str] | None]:
        if settings.offline and not settings.pypi_cache_dir.is_dir():
            return dict.fromkeys(names)  # offline with no PyPI cache: nothing to read
        from pipwarden.pypi.client import PyPIClient

        nonlocal client
        if client is None:
            client = PyPIClient(settings, progress=False)
        out: dict[str, Sequence[str] | None] = {}
        for name, result in client.fetch_many(names).items():
            releases = (result.data or {}).get("releases")
            if not isinstance(releases, dict) or not releases:
                out[name] = None
                continue
            out[name] = sorted(v for v, files in releases.items() if not _all_yanked(files))
        return out

    return provide


def _all_yanked(files: object) -> bool:
    """Whether every file of a release is yanked (PyPI JSON ``releases[v]``)."""
    if not isinstance(files, list) or not files:
        return False
    return all(isinstance(f, dict) and f.get("yanked") is True for f in files)



def audit(
    request: AuditRequest,
    *,
    settings: Settings,
    policy: Policy,
    store: VulnStore | None = None,
    releases: ReleaseProvider | None = None,
    today: dt.date | None = None,
    environ: Mapping[str, str] | None = None,
    read: FileRead | None = None,
) -> AuditReport:
    """Audit what ``request`` names (or what the project holds) against the local database.

    ``read``: how dependency files are read (a project context's, to read each once)."""
    resolved = resolve_request(request, environ)
    own_store = store is None
    db = store if store is not None else open_database(settings, policy)
    try:
        targets: list[str] = []
        components: list[Component] = []
        items: list[tuple[str, str, str, Location | None, str]] = []
        dep_paths: dict[tuple[str, str], tuple[tuple[str, ...], ...]] = {}
        for env_path in resolved.environments:
            from pipwarden.sources.environment import read_environment

            env = read_environment(env_path)
            label = str(env_path)
            env_items, paths, env_components = _environment_items(env, label)
            items.extend(env_items)
            components.extend(env_components)
            for name, p in paths.items():
                dep_paths[(label, name)] = p
            count = len(env.packages)
            held = "no packages" if not count else f"{count} package{'s' if count != 1 else ''}"
            targets.append(f"{label} ({held})")
        deps, dep_targets, unread = collect_inputs(resolved, read)
        targets.extend(dep_targets)
        pinned, ranged, skipped = _split_dependencies(
            deps, (p.parent for p in resolved.pyprojects)
        )
        skipped = _accept_unread([*unread, *skipped], policy, resolved.project)
        for dep in pinned:
            version = dep.pinned_version
            assert version is not None
            items.append((dep.name, version, _label(dep), dep.location, "pinned"))
            components.append(Component(dep.name, version, _label(dep), "pinned"))
        components.extend(
            Component(d.name, None, str(d.location), "floor", d.specifier) for d in ranged
        )
        from pipwarden.advice import Advisor, active_ignores

        advisor = Advisor.for_store(db, releases)
        advisor.prefetch(d.name for d in ranged)
        known = {d.name: advisor.advisories(d.name) for d in ranged if advisor.advisories(d.name)}
        floor_deps = [d for d in ranged if known.get(d.name)]
        release_lists = {d.name: advisor.releases(d.name) for d in floor_deps}
        day = today or dt.date.today()
        in_force = active_ignores(policy.ignores, day)
        findings = audit_versions(db, items, unchecked=skipped,
                                  floors=lambda names: _floors(names, advisor, in_force))
        floored = audit_floors(db, floor_deps, release_lists, known, unchecked=skipped)
        findings.extend(_advised(floored, advisor, in_force))
        findings = [_with_paths(f, dep_paths.get((f.source, f.package), ())) for f in findings]
        findings.sort(key=lambda f: (-f.severity.rank, f.package, f.source, f.id))
        release_lists = {name: advisor.releases(name) for name in {f.package for f in findings}}
        outcome = apply_ignores(findings, policy.ignores, today=day)
        meta = db.meta()
    finally:
        if own_store:
            db.close()
    return AuditReport(
        findings=tuple(outcome.kept),
        ignored=tuple(outcome.ignored),
        expired=tuple(outcome.expired),
        stale_ignores=outcome.stale,
        skipped=tuple(skipped),
        targets=tuple(targets),
        packages_audited=len({(i[0], i[1]) for i in items}) + len(ranged),
        database=meta,
        policy=policy,
        releases_used=any(v is not None for v in release_lists.values()),
        components=tuple(components),
    )


def _advised(
    findings: Sequence[Finding], advisor: Advisor, ignores: Sequence[IgnoreEntry]
) -> list[Finding]:
    """Every finding with its package's safe floor (one answer per package: see
    :mod:`pipwarden.advice`)."""
    advice = _floors({f.package for f in findings}, advisor, ignores)
    return [f.with_advice(*advice[f.package]) for f in findings]


def _floors(
    names: set[str], advisor: Advisor, ignores: Sequence[IgnoreEntry]
) -> dict[str, tuple[str | None, bool]]:
    """The safe floor and "no safe version" of each of ``names``."""
    advisor.prefetch(names)
    found = {name: advisor.advise(name, ignores) for name in names}
    return {name: (a.floor, a.no_safe_version) for name, a in found.items()}


def _with_paths(finding: Finding, paths: tuple[tuple[str, ...], ...]) -> Finding:
    if not paths:
        return finding
    from dataclasses import replace

    return replace(finding, paths=paths)


def ensure_paths_exist(paths: Iterable[Path], what: str) -> None:
    """A missing input file is a usage error naming it, before any work starts."""
    for path in paths:
        if not path.exists():
            raise InputError(f"{what} not found", path=str(path))
