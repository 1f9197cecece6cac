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
import logging
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import DataUnavailableError, InputError, UsageError
from pipwarden.models import Dependency, Environment, Location, NotChecked, Severity
from pipwarden.policy import IgnoreEntry, Policy, apply_ignores
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.advice import Advisor
    from pipwarden.vulndb.osv import Advisory
    from pipwarden.vulndb.store import DbMeta, VulnStore

__all__ = [
    "AuditReport",
    "AuditRequest",
    "Component",
    "Finding",
    "NotChecked",
    "Skipped",
    "audit",
    "open_database",
]

log = logging.getLogger(__name__)

ReleaseProvider = Callable[[Sequence[str]], Mapping[str, Sequence[str] | None]]

_ID_PREFERENCE = ("MAL-", "PYSEC-", "GHSA-", "CVE-", "OSV-")


@dataclass(frozen=True)
class Finding:
    """One vulnerability (a group of aliased records) of one package where it was found."""

    package: str
    version: str | None
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    score: float | None
    fixed_in: tuple[str, ...]
    source: str
    kind: str  # "installed" | "pinned" | "floor"
    location: Location | None = None
    specifier: str | None = None
    # The package's safe floor (pipwarden.advice): the same for every finding of a package;
    # ``None`` with ``no_safe_version`` when no version is known to be safe.
    safe_floor: str | None = None
    admitted: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    url: str = ""
    # cvss_v3 | cvss_v4 | label | alias (from another record of the group) | malicious | unknown
    severity_source: str = "unknown"
    no_safe_version: bool = False

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    @property
    def malicious(self) -> bool:
        return self.severity is Severity.MALICIOUS


#: Former name of :class:`~pipwarden.models.NotChecked` (one concept: what was not checked).
Skipped = NotChecked


@dataclass(frozen=True)
class Component:
    """One package the audit looked at: installed, pinned (``version`` set) or a range.

    ``requires`` names the components it depends on, where the input says so (an installed
    environment's metadata); SBOM formats use it for the dependency graph.
    """

    name: str
    version: str | None
    source: str
    kind: str  # "installed" | "pinned" | "floor"
    specifier: str | None = None
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class AuditRequest:
    """What to audit. Empty request → the project's dependency files or its venv (see
    :func:`resolve_request`). ``pylocks``: lock files and the other dependency files of
    :data:`pipwarden.sources.project.DEPENDENCY_FILES`, each read by the reader of its kind
    (a name of no known kind is read as a pylock.toml) or reported as not checked."""

    project: Path = Path()
    requirements: tuple[Path, ...] = ()
    pyprojects: tuple[Path, ...] = ()
    pylocks: tuple[Path, ...] = ()
    environments: tuple[Path, ...] = ()


@dataclass(frozen=True)
class AuditReport:
    """Everything an audit found, ignored and could not check; the report layer renders it.

    ``skipped`` holds the :class:`NotChecked` entries (also as :attr:`not_checked`): the
    blocking ones fail the run like a finding at the threshold does.
    """

    findings: tuple[Finding, ...]
    ignored: tuple[tuple[Finding, IgnoreEntry], ...]
    expired: tuple[tuple[Finding, IgnoreEntry], ...]
    stale_ignores: tuple[IgnoreEntry, ...]
    skipped: tuple[Skipped, ...]
    targets: tuple[str, ...]
    packages_audited: int
    database: DbMeta | None
    policy: Policy = field(default_factory=Policy)
    releases_used: bool = False
    components: tuple[Component, ...] = ()

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Findings at or above the policy's ``fail-on`` threshold."""
        return tuple(f for f in self.findings if self.policy.fails(f.severity))

    @property
    def not_checked(self) -> tuple[NotChecked, ...]:
        return self.skipped

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Not-checked entries that fail the run (not accepted by the policy)."""
        return tuple(n for n in self.skipped if n.blocking)

    @property
    def status(self) -> str:
        """``findings`` (something fails the threshold), else ``not_checked`` (something
        could not be read or judged), else ``clean``."""
        if self.failing:
            return "findings"
        if self.unread:
            return "not_checked"
        return "clean"

    @property
    def exit_code(self) -> int:
        return 1 if self.failing or self.unread else 0


# -- database ------------------------------------------------------------------------------


def _age_text(meta: DbMeta, now: dt.datetime) -> str:
    """``412 days old`` (the age of the data, not of the import), or ``of unknown date``."""
    age = meta.age_days(now)
    return "of unknown date" if age is None else f"{age:.0f} days old"


def open_database(
    settings: Settings, policy: Policy, *, now: dt.datetime | None = None
) -> VulnStore:
    """Open the local database; fetch it when missing or stale and we may go online.

    Raises :class:`DataUnavailableError` (exit 3) when there is no usable data: no database
    and no network, or data older than the policy's ``max-db-age`` that cannot be refreshed.
    """
    from pipwarden.vulndb.store import VulnStore

    moment = now or dt.datetime.now(dt.UTC)
    path = settings.db_path
    if not path.exists():
        if settings.offline:
            raise DataUnavailableError(
                f"no vulnerability data yet ({path}) and --offline forbids downloading it",
                hint="Run `pipwarden db update` when online, or `pipwarden db import FILE.zip`.",
            )
        from pipwarden.vulndb.update import ImportLimits, public_url, update_from_url

        log.warning("no vulnerability database yet: downloading %s", public_url(settings.osv_url))

        update_from_url(settings.osv_url, path, timeout=settings.timeout,
                        limits=ImportLimits.from_settings(settings))
    store = VulnStore.open(path)
    meta = store.meta()
    if not meta.too_old(policy.max_db_age_days, moment):
        return store
    age = _age_text(meta, moment)
    limit = f"max-db-age is {policy.max_db_age_days:g} days"
    if settings.offline:
        store.close()
        raise DataUnavailableError(
            f"vulnerability data is {age} ({limit}) and --offline forbids refreshing it",
            hint="Run `pipwarden db update` when online, or raise max-db-age in the policy.",
        )
    store.close()
    log.warning("vulnerability data is %s (%s): refreshing", age, limit)
    from pipwarden.vulndb.update import ImportLimits, update_from_url

    try:
        update_from_url(settings.osv_url, path, timeout=settings.timeout,
                        limits=ImportLimits.from_settings(settings))
    except DataUnavailableError as exc:
        raise DataUnavailableError(
            f"vulnerability data is {age} ({limit}) and cannot be refreshed: {exc.message}",
            hint=exc.hint,
        ) from None
    store = VulnStore.open(path)
    meta = store.meta()
    if meta.too_old(policy.max_db_age_days, moment):  # the source itself is that old
        store.close()
        raise DataUnavailableError(
            f"vulnerability data is {_age_text(meta, moment)} even after refreshing it from "
            f"{meta.source} ({limit})",
            hint="Point PIPWARDEN_OSV_URL at a current archive, or raise max-db-age in "
            "the policy.",
        )
    return store


# -- grouping ------------------------------------------------------------------------------


def _preferred(ids: Iterable[str]) -> str:
    def rank(ident: str) -> tuple[int, str]:
        for n, prefix in enumerate(_ID_PREFERENCE):
            if ident.startswith(prefix):
                return (n, ident)
        return (len(_ID_PREFERENCE), ident)

    return min(ids, key=rank)


def _merged_fields(group: Sequence[Advisory]) -> dict[str, object]:
    """What a finding takes from its group of aliased records (not where it was found)."""
    ids: dict[str, None] = {}
    for adv in group:
        for ident in adv.ids:
            ids.setdefault(ident, None)
    primary = _preferred(ids)
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
    group: Sequence[Advisory],
    package: str,
    fixed: Iterable[str],
    *,
    merged: Mapping[str, object] | None = None,
    **fields: object,
) -> Finding:
    return Finding(
        package=package,
        fixed_in=tuple(fixed),
        **(merged if merged is not None else _merged_fields(group)),  # type: ignore[arg-type]
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
) -> list[Finding]:
    """Audit exact versions: ``(package, version, source, location, kind)`` tuples.

    A record that cannot be evaluated for a pin is appended to ``unchecked`` (as a
    :class:`Skipped`: not checked) and the pin's other records are still matched.
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
    # Pins of one package mostly hit the same groups of records: merge each group once.
    groups: dict[tuple[str, ...], list[tuple[Advisory, ...]]] = {}
    per_group: dict[tuple[str, tuple[str, ...]], tuple[dict[str, object], tuple[str, ...]]] = {}
    for name, version, source, location, kind in items:
        hits = matched.get((name, version), [])
        hit_ids = tuple(a.id for a in hits)
        if hit_ids not in groups:
            groups[hit_ids] = group_by_alias(hits)
        for group in groups[hit_ids]:
            key = (name, tuple(a.id for a in group))
            if key not in per_group:
                per_group[key] = (_merged_fields(group), _group_fixes(group, name))
            merged, fixes = per_group[key]
            findings.append(
                _merge(
                    group,
                    name,
                    _relevant_fixes(group, name, version, fixes),
                    merged=merged,
                    version=version,
                    source=source,
                    kind=kind,
                    location=location,
                )
            )
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

    from pipwarden.vulndb.osv import group_by_alias
    from pipwarden.vulndb.ranges import admitted_affected, sort_versions

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
    request: AuditRequest,
) -> tuple[list[Dependency], list[str], list[NotChecked]]:
    """Read every file of the request: its dependencies, the files read, and the files
    that could not be read (a kind pipwarden has no reader for: never "0 packages")."""
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
        found, cannot_judge = kind.reader(path, request.project)
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
    from dataclasses import replace

    out: list[NotChecked] = []
    for item in items:
        if item.blocking and policy.allow_unread:
            path = Path(item.location.path if item.location is not None else item.where)
            try:
                rel = path.resolve().relative_to(project.resolve()).as_posix()
            except (ValueError, OSError):
                rel = path.as_posix()
            glob = policy.accepts_unread(rel)
            if glob is not None:
                item = replace(item, accepted=f"allow-unread = {glob!r} in the policy")
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


def pypi_release_provider(settings: Settings) -> ReleaseProvider:
    """Installable release lists from PyPI (through the on-disk cache; cache only when
    offline): a release whose every file is yanked is left out (pip does not pick it for a
    range, and a floor must never name it); a release without files is kept (its files
    are not known)."""

    def provide(names: Sequence[str]) -> Mapping[str, Sequence[str] | None]:
        from pipwarden.pypi.client import PyPIClient

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
) -> AuditReport:
    """Audit what ``request`` names (or what the project holds) against the local database."""
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
        deps, dep_targets, unread = collect_inputs(resolved)
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

        advisor = Advisor(db.advisories_for, releases)
        advisor.prefetch(d.name for d in ranged)
        known = {d.name: advisor.advisories(d.name) for d in ranged if advisor.advisories(d.name)}
        floor_deps = [d for d in ranged if known.get(d.name)]
        release_lists = {d.name: advisor.releases(d.name) for d in floor_deps}
        findings = audit_versions(db, items, unchecked=skipped)
        findings.extend(audit_floors(db, floor_deps, release_lists, known, unchecked=skipped))
        findings = [_with_paths(f, dep_paths.get((f.source, f.package), ())) for f in findings]
        day = today or dt.date.today()
        findings = _advised(findings, advisor, active_ignores(policy.ignores, day))
        findings.sort(key=lambda f: (-f.severity.rank, f.package, f.source, f.id))
        release_lists = {f.package: advisor.releases(f.package) for f in findings}
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
    from dataclasses import replace

    names = {f.package for f in findings}
    advisor.prefetch(names)
    advice = {name: advisor.advise(name, ignores) for name in names}
    return [
        replace(f, safe_floor=advice[f.package].floor,
                no_safe_version=advice[f.package].no_safe_version)
        for f in findings
    ]


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
