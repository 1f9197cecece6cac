"""``vet``: names in, one :class:`PackageReport` per package out, with signals and a verdict.

The orchestration fetches everything the checks need (PyPI JSON and simple API through a
pool, the dependency closure, advisories from the local database, optional GitHub facts),
builds a :class:`~pipwarden.checks.PackageContext` per package and runs the registered
checks. Nothing here prints; :mod:`pipwarden.report.vet` renders the result.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.markers import InvalidMarker, Marker, default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden.checks import PackageContext, VetThresholds, project_urls, split_url
from pipwarden.checks.registry import network_signal_ids, run_checks
from pipwarden.checks.releases import first_release_age
from pipwarden.checks.source_repo import find_repository
from pipwarden.checks.typosquat import (
    TyposquatIndex,
    TyposquatMatch,
    check_addon,
    check_typosquat,
)
from pipwarden.checks.vulnerabilities import NO_DATABASE
from pipwarden.errors import (
    DatabaseError,
    DataUnavailableError,
    ExitCode,
    InputError,
    PipwardenError,
)
from pipwarden.models import Level, NotChecked, Signal
from pipwarden.policy import IgnoreEntry, apply_ignores
from pipwarden.pypi.client import FetchResult, PyPIClient
from pipwarden.settings import Settings
from pipwarden.toplist import TopList, load_toplist
from pipwarden.vulndb.store import VulnStore

__all__ = [
    "VERDICT_LABELS",
    "PackageReport",
    "VetReport",
    "VetRequest",
    "Vetter",
    "exact_version",
    "latest_compatible",
    "newest_admitted",
    "parse_request",
    "requests_from_file",
    "requirements_of",
]

log = logging.getLogger(__name__)

VERDICT_LABELS = {
    Level.RISK: "high risk",
    Level.WARN: "some concerns",
    Level.UNKNOWN: "no concerns found, some facts unknown",
    Level.INFO: "low risk",
    Level.OK: "low risk",
}


@dataclass(frozen=True)
class VetRequest:
    """One package to assess, as the user named it."""

    name: str
    version: str | None = None  # an exact pin (==V, ===V): that release is vetted
    extras: tuple[str, ...] = ()
    location: str | None = None
    # any other requirement (">=2,<3"): the newest release it admits is vetted
    specifier: str = ""

    @property
    def key(self) -> str:
        return canonicalize_name(self.name)


@dataclass(frozen=True)
class PackageReport:
    """The assessment of one package: its signals and the verdict they add up to."""

    name: str
    display_name: str
    version: str | None
    latest: str | None
    direct: bool
    signals: tuple[Signal, ...]
    verdict: Level
    reasons: tuple[str, ...]
    via: tuple[str, ...] = ()
    location: str | None = None
    error: str | None = None
    requirement: str = ""  # the specifier the version was chosen by ("" = latest or pin)
    # signals that could not be run for want of data (offline without a cached answer):
    # "not checked" fails the run (exit 3) unless something worse already does
    not_checked: tuple[str, ...] = ()

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def signal(self, signal_id: str) -> Signal | None:
        return next((s for s in self.signals if s.id == signal_id), None)


@dataclass(frozen=True)
class VetReport:
    """Every package assessed, plus what data the assessment stood on."""

    packages: tuple[PackageReport, ...]
    offline: bool
    python: str
    ranking: str
    vulnerability_data: str
    thresholds: VetThresholds = field(default_factory=VetThresholds)

    @property
    def worst(self) -> Level:
        return max((p.verdict for p in self.packages), default=Level.OK)

    @property
    def status(self) -> str:
        """``findings`` at the fail level, else ``not_checked`` when a signal could not be
        run for want of data, else ``clean`` (the same three states as every report)."""
        if any(p.verdict >= self.thresholds.fail_level for p in self.packages):
            return "findings"
        return "not_checked" if any(p.not_checked for p in self.packages) else "clean"

    def not_checked_items(self) -> tuple[NotChecked, ...]:
        """One :class:`~pipwarden.models.NotChecked` per package with signals not run."""
        items: list[NotChecked] = []
        for p in self.packages:
            if not p.not_checked:
                continue
            wanted = f"{p.name}=={p.version}" if p.version else p.name
            reason = p.error or "no data"
            if p.not_checked != ("version",):
                reason = f"{reason}: {', '.join(p.not_checked)} not checked"
            next_step = f"pipwarden vet {wanted}" + (
                " (online)" if self.offline else ""
            )
            items.append(NotChecked(p.name, p.location or "PyPI", reason, next_step))
        return tuple(items)

    def exit_code(self) -> int:
        """1 when any verdict reaches the policy's fail level, or when a signal was not
        checked for want of data (TRUST §1: not checked fails the run, exit 1 as in every
        command); else 0. No data at all is an error instead (exit 3, never a report)."""
        return int(ExitCode.OK) if self.status == "clean" else int(ExitCode.FINDINGS)


def parse_request(
    text: str, *, location: str | None = None, ranges: bool = False
) -> VetRequest:
    """``NAME``, ``NAME==VERSION`` or ``NAME[extra]…`` from the command line.

    With ``ranges`` any specifier is accepted (``NAME<2``): the newest release it admits
    is vetted; without, only an exact version (``add`` writes its own bound).
    """
    try:
        req = Requirement(text.strip())
    except InvalidRequirement as exc:
        raise InputError(
            f"cannot read package {text!r}: {exc}", hint="write NAME or NAME==VERSION"
        ) from None
    version = exact_version(str(req.specifier))
    specifier = ""
    if version is None and req.specifier:
        if not ranges:
            raise InputError(
                f"cannot vet {text!r}: give one exact version (NAME==VERSION) or none",
            )
        specifier = str(req.specifier)
    return VetRequest(req.name, version, tuple(sorted(req.extras)), location, specifier)


def exact_version(specifier: str) -> str | None:
    """The version of a lone ``==V`` (no wildcard) or ``===V``; ``None`` for anything else."""
    try:
        specs = list(SpecifierSet(specifier))
    except InvalidSpecifier:
        return None
    if len(specs) == 1 and specs[0].operator in {"==", "==="} and "*" not in specs[0].version:
        return specs[0].version
    return None


def requests_from_file(path: Path, *, root: Path | None = None) -> list[VetRequest]:
    """Every requirement of a requirements file (``-r`` includes followed, ``-c`` skipped).

    ``root`` is the project root (default: the file's folder): bad lines of files outside
    it are reported by file and line only.
    """
    from pipwarden.sources.requirements import parse_requirements

    parsed = parse_requirements(path, root=root)
    out: list[VetRequest] = []
    for dep in parsed.dependencies:
        if dep.constraint:
            continue
        pin = exact_version(dep.specifier)
        out.append(
            VetRequest(
                dep.name,
                pin,
                tuple(dep.extras),
                str(dep.location),
                "" if pin is not None else dep.specifier.strip(),
            )
        )
    return out


def _python_version(python: tuple[int, int]) -> Version:
    return Version(f"{python[0]}.{python[1]}")


def latest_compatible(
    project: Mapping[str, Any], python: tuple[int, int]
) -> str | None:
    """The newest final, non-yanked release whose files accept ``python``."""
    info = project.get("info")
    releases = project.get("releases")
    latest = info.get("version") if isinstance(info, Mapping) else None
    if not isinstance(releases, Mapping) or not releases:
        return str(latest) if latest else None
    target = _python_version(python)
    if isinstance(latest, str) and latest in releases and _accepts(releases[latest], target):
        try:
            if not Version(latest).is_prerelease:
                return latest
        except InvalidVersion:
            pass
    versions: list[tuple[Version, str]] = []
    for text in releases:
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if not v.is_prerelease:
            versions.append((v, text))
    for _v, text in sorted(versions, reverse=True):
        if _accepts(releases[text], target):
            return text
    return str(latest) if latest else None


def newest_admitted(
    project: Mapping[str, Any], specifier: str, python: tuple[int, int]
) -> str | None:
    """The newest release that ``specifier`` admits, as pip would pick it.

    Only releases with a non-yanked file for ``python`` count (PEP 592: a yanked release
    is taken only when pinned, and pins never come here); pre-releases only when the
    specifier names one. ``None`` when nothing is admitted.
    """
    if not specifier.strip():
        return latest_compatible(project, python)
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    releases = project.get("releases")
    if not isinstance(releases, Mapping):
        return None
    target = _python_version(python)
    candidates: dict[Version, str] = {}
    for text in releases:
        try:
            candidates[Version(str(text))] = str(text)
        except InvalidVersion:
            continue
    admitted = spec.filter(candidates, prereleases=bool(spec.prereleases))
    for version in sorted(admitted, reverse=True):
        if _accepts(releases[candidates[version]], target):
            return candidates[version]
    return None


def _accepts(files: object, target: Version) -> bool:
    """Whether a release has a non-yanked file whose Requires-Python admits ``target``."""
    if not isinstance(files, list):
        return False
    usable = [f for f in files if isinstance(f, Mapping) and not f.get("yanked")]
    # a Requires-Python that is not text says nothing (as an unreadable one): no limit
    for spec in {r if isinstance(r := f.get("requires_python"), str) else None for f in usable}:
        if not spec:
            return True
        try:
            if SpecifierSet(str(spec)).contains(target, prereleases=True):
                return True
        except InvalidSpecifier:
            return True
    return False


def requirements_of(
    requires_dist: Iterable[str],
    extras: Iterable[str],
    python: tuple[int, int],
    specifiers: dict[str, SpecifierSet] | None = None,
) -> dict[str, set[str]]:
    """Dependencies (name → extras) whose markers hold for ``python`` and ``extras``.

    With ``specifiers``, each dependency's version specifier is also added (``&``) to
    ``specifiers[name]``, so the release vetted is one the requirement admits.
    """
    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    env["python_version"] = f"{python[0]}.{python[1]}"
    env["python_full_version"] = f"{python[0]}.{python[1]}.0"
    wanted = ["", *sorted({canonicalize_name(e) for e in extras})]
    out: dict[str, set[str]] = {}
    for text in requires_dist:
        _, sep, marker_text = text.partition(";")
        if (
            sep
            and "extra" in marker_text
            and " or " not in marker_text
            and not any(e and e in marker_text.replace("_", "-") for e in wanted)
        ):
            continue  # a marker that needs an extra nobody asked for
        try:
            req = Requirement(text)
        except InvalidRequirement:
            continue
        if req.marker is not None:
            try:
                if not any(_holds(req.marker, env, extra) for extra in wanted):
                    continue
            except InvalidMarker:
                continue
        key = canonicalize_name(req.name)
        out.setdefault(key, set()).update(req.extras)
        if specifiers is not None and req.specifier:
            specifiers[key] = specifiers.get(key, SpecifierSet()) & req.specifier
    return out


def _holds(marker: Marker, env: dict[str, str], extra: str) -> bool:
    return marker.evaluate({**env, "extra": extra})


@dataclass
class _Node:
    name: str
    project: FetchResult
    version: str | None = None
    release: Mapping[str, Any] | None = None
    raw: list[str] | None = None
    requires: dict[str, set[str]] | None = None
    error: str | None = None
    specifier: str = ""
    unresolved: bool = False  # no release admits the specifier: nothing to vet
    release_missing: bool = False  # the pinned release is not on PyPI
    release_uncached: bool = False  # offline, and the release's own answer is not cached
    failure: str | None = None  # a fetch that failed (network, garbage): exit 3


@dataclass(frozen=True)
class _GitHub:
    """What the GitHub API said: validated facts, or why they are unknown or missing."""

    data: dict[str, Any] | None = None
    unknown: str | None = None  # answered, but not evidence about the named repository
    failure: str | None = None  # unreachable or malformed: vet cannot give a verdict


def _github_failed(repo: str, result: FetchResult) -> _GitHub:
    """A GitHub fetch that brought no data: a refused redirect or a missing repository
    leaves the facts unknown; anything else (unreachable, malformed) is a failure."""
    reason = result.error or "no answer"
    if result.not_found:
        return _GitHub(unknown=f"GitHub has no repository {repo}")
    if "answer refused" in reason:
        return _GitHub(unknown=reason)
    if "GitHub" not in reason:
        reason = f"GitHub: {reason}"
    return _GitHub(failure=f"{reason} ({repo})")


def _owner_repo(url: object) -> str | None:
    """``owner/repo`` (lower-cased) of an http(s) URL's first two path segments."""
    if not isinstance(url, str):
        return None
    parts = split_url(url)
    if parts is None:
        return None
    segments = [p for p in parts.path.split("/") if p]
    if parts.scheme.lower() not in ("http", "https") or len(segments) < 2:
        return None
    return f"{segments[0]}/{segments[1]}".casefold()


def _repository_mismatch(data: Mapping[str, Any], repo: str) -> str | None:
    """Why ``/repos/<repo>`` data is not evidence about ``repo`` (``None``: it is)."""
    full_name = data.get("full_name")
    if not isinstance(full_name, str) or full_name.count("/") != 1:
        return f"GitHub: malformed answer for {repo} (no full_name)"
    archived = data.get("archived")
    if archived is not None and not isinstance(archived, bool):
        return f"GitHub: malformed answer for {repo} (archived is not true or false)"
    wanted = repo.casefold()
    if full_name.casefold() != wanted:
        return f"GitHub answered for {full_name}, not for {repo}, the repository PyPI names"
    html = data.get("html_url")
    if html is not None and _owner_repo(html) != wanted:
        return f"GitHub answered for {html}, not for {repo}, the repository PyPI names"
    return None


def _file_link(data: Mapping[str, Any], repo: str) -> str | None:
    """The ``html_url`` of a contents answer when it is a file inside ``repo``."""
    if data.get("type", "file") != "file":
        return None
    link = data.get("html_url")
    if not isinstance(link, str) or _owner_repo(link) != repo.casefold():
        return None
    return link


def _missing_offline(
    node: _Node | None, simple: FetchResult | None, no_project: bool
) -> tuple[str, ...]:
    """Offline: the signals whose data is not in the cache (not checked, so not ✓).

    No project answer: every signal that needs PyPI. A project answer but not the simple
    API's: provenance. A pinned or capped release whose own answer is missing: weight.
    """
    if node is not None and node.project.not_found:
        return ()  # "not on PyPI" is an answer (cached), reported by the exists signal
    if no_project:
        return network_signal_ids()
    missing: list[str] = []
    if simple is not None and simple.error and not simple.not_found:
        missing.append("provenance")
    if node is not None and node.release_uncached:
        missing.append("weight")
    return tuple(missing)


def _not_checked_offline(ids: tuple[str, ...], node: _Node | None) -> Signal:
    """The signal that says which checks did not run offline, and how to run them."""
    reason = (node.project.error if node is not None else None) or "no cached PyPI data"
    if node is not None and node.project.error is None:
        reason = "not in the local cache (offline)"
    return Signal(
        "not_checked",
        Level.UNKNOWN,
        f"Not checked ({reason}): {', '.join(ids)}. Run vet without --offline to check them.",
        {"signals": list(ids), "reason": reason},
    )


def _advisory_ids(advisory: Any) -> tuple[str, ...]:
    return (str(getattr(advisory, "id", "")), *getattr(advisory, "aliases", ()))


class Vetter:
    """Assess packages. Every collaborator is injectable: client, ranking, advisories, clock."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: PyPIClient | None = None,
        thresholds: VetThresholds | None = None,
        python: tuple[int, int] | None = None,
        now: Callable[[], datetime] | None = None,
        toplist: TopList | None = None,
        advisory_source: Any | None = None,
        progress: bool = True,
        ignores: Sequence[IgnoreEntry] = (),
    ) -> None:
        self.settings = settings
        self.offline = settings.offline
        self.client = client if client is not None else PyPIClient(settings, progress=progress)
        self.thresholds = thresholds or VetThresholds()
        self.python = python or (sys.version_info[0], sys.version_info[1])
        self.now = now or (lambda: datetime.now(UTC))
        self.toplist = toplist if toplist is not None else load_toplist(settings.cache_dir)
        self.index = TyposquatIndex(
            self.toplist.names,
            trusted_rank=self.thresholds.typosquat_trusted_rank,
            rank_ratio=self.thresholds.typosquat_rank_ratio,
        )
        self._index_loaded = self.index.load_state(settings.cache_dir)
        self._advisory_source = advisory_source
        self.ignores = tuple(ignores)  # the project's policy ignores (expiring)
        self.progress = progress

    # -- data gathering ------------------------------------------------------------------
    def _node(
        self, name: str, version: str | None, specifier: str, result: FetchResult
    ) -> _Node:
        """A graph node from a project answer (the release answer comes later if needed).

        The version is the pin, else the newest release the specifier admits.
        """
        node = _Node(name, result, specifier=specifier)
        if result.data is None:
            node.error = result.error
            if not result.not_found and not self.offline:
                reason = result.error or "no answer"
                node.failure = reason if "PyPI" in reason else f"PyPI: {reason}"
            return node
        info = result.data.get("info")
        latest = info.get("version") if isinstance(info, Mapping) else None
        node.version = version or newest_admitted(result.data, specifier, self.python)
        if node.version is None and specifier:
            node.unresolved = True
            node.error = (
                f"no release admits {specifier!r} for Python {self.python[0]}.{self.python[1]}"
            )
            return node
        if node.version is None or node.version == latest:
            self._requires(node, info)
        return node

    @staticmethod
    def _requires(node: _Node, info: object) -> None:
        if not isinstance(info, Mapping) or "requires_dist" not in info:
            node.error = "PyPI did not list its dependencies"
            return
        requires = info.get("requires_dist")
        node.raw = [str(r) for r in requires] if isinstance(requires, list) else []

    def _with_release(self, node: _Node) -> _Node:
        """Fetch ``/pypi/<name>/<version>/json`` for a node whose version is not the latest."""
        assert node.version is not None
        rel = self.client.release(node.name, node.version)
        if rel.data is None:
            node.error = f"release {node.version}: {rel.error}"
            if rel.not_found:
                node.release_missing = True
            elif self.offline:
                node.release_uncached = True
            else:
                node.failure = node.error
        else:
            node.release = rel.data
            self._requires(node, rel.data.get("info"))
        return node

    def _graph(
        self, roots: Sequence[VetRequest], *, tree: bool
    ) -> tuple[dict[str, _Node], dict[str, FetchResult]]:
        """Load the roots and everything they require (markers and extras evaluated).

        Also fetches the simple-API answers of the packages that will be reported (the
        roots, or every node with ``tree``) in the same concurrent batches.
        """
        nodes: dict[str, _Node] = {}
        simple: dict[str, FetchResult] = {}
        extras: dict[str, set[str]] = {}
        frontier: dict[str, tuple[str | None, str]] = {}
        for r in roots:
            frontier.setdefault(r.key, (r.version, r.specifier))
            extras.setdefault(r.key, set()).update(canonicalize_name(e) for e in r.extras)
        first = True
        while frontier:
            jobs = [("project", n) for n in frontier]
            if first or tree:
                jobs += [("simple", n) for n in frontier]
            first = False
            fetched = self.client.fetch_jobs(jobs)
            for (kind, name), result in fetched.items():
                if kind == "simple":
                    simple[name] = result
            loaded = [
                self._node(n, v, spec, fetched[("project", n)])
                for n, (v, spec) in frontier.items()
            ]
            pending = list(frontier)
            frontier = {}
            later = [n for n in loaded if n.raw is None and n.error is None and n.version]
            if later:
                workers = min(self.client.max_workers, len(later))
                with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="vet") as pool:
                    list(pool.map(self._with_release, later))
            for node in loaded:
                nodes[node.name] = node
            queue = pending
            specs: dict[str, SpecifierSet] = {}  # what this wave's parents require
            while queue:
                node = nodes[queue.pop()]
                if node.raw is None:
                    continue
                node.requires = requirements_of(
                    node.raw, extras.get(node.name, ()), self.python, specs
                )
                for dep, dep_extras in node.requires.items():
                    wanted: set[str] = {canonicalize_name(e) for e in dep_extras}
                    have = extras.get(dep)
                    if have is None:
                        extras[dep] = wanted
                        frontier[dep] = (None, "")
                    elif not wanted <= have:
                        have.update(wanted)
                        if dep in nodes:
                            queue.append(dep)
            # a dependency is vetted at the newest release its parents (those known by
            # the time it is fetched) all admit, as an installer would pick it
            for dep in frontier:
                if dep in specs:
                    frontier[dep] = (None, str(specs[dep]))
        return nodes, simple

    @staticmethod
    def _closure(nodes: Mapping[str, _Node], root: str) -> tuple[list[str], str | None]:
        seen: set[str] = set()
        missing: list[str] = []
        stack = [root]
        while stack:
            current = stack.pop()
            node = nodes.get(current)
            if node is None or node.requires is None:
                if current != root:
                    missing.append(current)
                continue
            for dep in node.requires:
                if dep != root and dep not in seen:
                    seen.add(dep)
                    stack.append(dep)
        note = None
        if missing:
            note = f"dependencies of {', '.join(sorted(missing)[:3])} unknown"
        return sorted(seen), note

    def _advisories(self, names: Sequence[str]) -> tuple[dict[str, list[Any]] | None, str]:
        source = self._advisory_source
        store: VulnStore | None = None
        if source is None:
            try:
                source = store = VulnStore.open(self.settings.db_path)
            except DatabaseError:
                return None, NO_DATABASE
        try:
            found = source.advisories_for(list(names))
        except PipwardenError as exc:
            return None, f"vulnerability database unreadable: {exc}"
        finally:
            if store is not None:
                store.close()
        return {canonicalize_name(k): list(v) for k, v in dict(found).items()}, "local OSV database"

    def _github(self, project: Mapping[str, Any] | None) -> _GitHub:
        """Facts from the GitHub API about the repository the package's metadata names.

        Nothing is asked when the metadata names no github.com repository (no link is
        made up from the package name). An answer counts only when it validates: the
        repository that answers is the one named (``full_name`` and ``html_url``, case
        aside), file answers link into that repository, and the answer came from the
        configured API host (the token goes nowhere else). A well-formed answer about
        another repository makes the facts *unknown*; an unreachable API or a malformed
        answer is a failure (exit 3).
        """
        token = self.settings.github_token
        if not token or self.offline or project is None:
            return _GitHub()
        ctx = PackageContext(name="", now=self.now(), project=project)
        found = find_repository(project_urls(ctx) or [])
        if found is None or found[0] != "github.com":
            return _GitHub()
        repo = found[1]
        api = self.settings.github_api_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"}

        def ask(path: str) -> FetchResult:
            return self.client.get_json(
                repo,
                f"{api}/repos/{repo}{path}",
                accept="application/vnd.github+json",
                headers=headers,
                what="GitHub",
                same_origin=True,
                secrets=(token,),
            )

        meta = ask("")
        if meta.data is None:
            return _github_failed(repo, meta)
        problem = _repository_mismatch(meta.data, repo)
        if problem is not None:
            return _GitHub(unknown=problem) if "answered for" in problem else _GitHub(
                failure=problem
            )
        archived = meta.data.get("archived")
        out: dict[str, Any] = {
            "repository": repo,
            "archived": archived if isinstance(archived, bool) else None,
            "stars": meta.data.get("stargazers_count"),
        }
        for key, paths in (
            ("security_file", ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md")),
            ("funding_file", (".github/FUNDING.yml",)),
        ):
            out[key] = None
            for path in paths:
                got = ask(f"/contents/{path}")
                if got.data is None:
                    if got.not_found:
                        continue
                    return _github_failed(repo, got)
                link = _file_link(got.data, repo)
                if link is None:
                    return _GitHub(
                        unknown=f"GitHub's answer for {path} does not link into {repo}"
                    )
                out[key] = link
                break
        return _GitHub(data=out)

    def _fail_without_data(
        self,
        nodes: Mapping[str, _Node],
        reported: Sequence[str],
        simple: Mapping[str, FetchResult],
        targets: Mapping[str, FetchResult],
        github: Mapping[str, _GitHub],
    ) -> None:
        """Raise (exit 3) when data vet needs could not be had: never a verdict built on
        ``?`` signals. Offline, missing data is "not checked" instead (see :meth:`vet`)."""
        if self.offline:
            return
        failures: list[tuple[str, str]] = []
        failures += [(n.name, n.failure) for n in nodes.values() if n.failure]
        for name in reported:
            got = simple.get(name)
            node = nodes.get(name)
            if (
                got is not None
                and got.error
                and not got.not_found
                and (node is None or node.failure is None)
            ):
                failures.append((name, f"simple API: {got.error}"))
            if github[name].failure:
                failures.append((name, str(github[name].failure)))
        failures += [(n, f"{r.error}") for n, r in targets.items() if r.error and not r.not_found]
        if not failures:
            return
        names = sorted({n for n, _ in failures})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        raise DataUnavailableError(
            f"cannot vet {shown}: {failures[0][1]}",
            hint="no verdict without the data; check the network and the PIPWARDEN_*_URL "
            "settings, or vet what is cached with --offline",
        )

    # -- the assessment ------------------------------------------------------------------
    def vet(self, requests: Sequence[VetRequest], *, tree: bool = False) -> VetReport:
        """Assess ``requests`` (and with ``tree`` their transitive dependencies)."""
        direct: dict[str, VetRequest] = {}
        for request in requests:
            direct.setdefault(request.key, request)
        roots = list(direct.values())
        nodes, simple = self._graph(roots, tree=tree)
        reported = list(direct) + (sorted(n for n in nodes if n not in direct) if tree else [])
        parents: dict[str, set[str]] = {}
        for each in nodes.values():
            for dep in each.requires or {}:
                parents.setdefault(dep, set()).add(each.name)

        # typosquat targets' owners (same-owner pairs are not typosquats); names built on
        # a popular name (telebot-info) count only when the package is new
        now = self.now()
        matches = {n: self.index.check(n) for n in reported}
        addons: dict[str, tuple[TyposquatMatch, int]] = {}
        for n in reported:
            if matches[n] is not None or n not in nodes:
                continue
            addon = self.index.builds_on(n)
            if addon is not None:
                age = first_release_age(nodes[n].project.data, now)
                if age is not None and age < self.thresholds.new_package_days:
                    addons[n] = (addon, age)
        targets = sorted(
            {m.target for m in matches.values() if m is not None}
            | {m.target for m, _age in addons.values()}
        )
        target_data = self.client.fetch_many(targets) if targets else {}
        github = {n: self._github(nodes[n].project.data if n in nodes else None) for n in reported}
        self._fail_without_data(nodes, reported, simple, target_data, github)
        advisories, vuln_note = self._advisories(reported)
        ignored: dict[str, list[Any]] = {}
        if advisories is not None and self.ignores:
            for key, found in advisories.items():
                outcome = apply_ignores(
                    found, self.ignores, today=now.date(), ids_of=_advisory_ids
                )
                advisories[key] = list(outcome.kept)
                ignored[key] = [a for a, _entry in outcome.ignored]

        packages: list[PackageReport] = []
        for name in reported:
            node: _Node | None = nodes.get(name)
            req: VetRequest | None = direct.get(name)
            project = node.project.data if node else None
            deps: list[str] | None = None
            deps_note: str | None = None
            if node is not None and node.requires is not None:
                deps, deps_note = self._closure(nodes, name)
            facts = github[name]
            simple_result = simple.get(name)
            ctx = PackageContext(
                name=name,
                now=now,
                version=node.version if node else (req.version if req else None),
                project=project,
                project_error=node.project.error if node else None,
                release=node.release if node else None,
                simple=simple_result.data if simple_result else None,
                simple_error=(simple_result.error if simple_result else None)
                or (node.project.error if node else None),
                rank=self.toplist.rank(name),
                ranking_size=len(self.toplist),
                advisories=advisories.get(name, []) if advisories is not None else None,
                advisories_error=None if advisories is not None else vuln_note,
                ignored_advisories=ignored.get(name, ()),
                dependencies=deps,
                dependencies_error=deps_note or (node.error if node else None),
                github=facts.data,
                github_error=facts.unknown,
                python=self.python,
                thresholds=self.thresholds,
            )
            match = matches.get(name)
            typo = check_typosquat(
                self.index,
                name,
                project=project,
                target_project=target_data[match.target].data
                if match is not None and match.target in target_data
                else None,
                match=match,
            )
            if name in addons:
                addon, age = addons[name]
                got = target_data.get(addon.target)
                typo = check_addon(
                    addon,
                    age_days=age,
                    new_days=self.thresholds.new_package_days,
                    project=project,
                    target_project=got.data if got is not None else None,
                ) or typo
            # without PyPI data: offline or not on PyPI → only the no-network checks;
            # a network fault → every check runs and says "unknown" with the reason
            offline_only = project is None and (
                self.offline or (node is not None and node.project.not_found)
            )
            signals = [typo]
            if node is not None and node.project.not_found:
                signals.append(
                    Signal(
                        "exists",
                        Level.WARN,
                        "Not on PyPI: no such project (anyone could register this name).",
                        {"error": node.project.error},
                    )
                )
            if node is not None and node.release_missing:
                signals.append(
                    Signal(
                        "exists",
                        Level.WARN,
                        f"Version {node.version} is not on PyPI.",
                        {"version": node.version, "error": node.error},
                    )
                )
            not_checked: tuple[str, ...] = ()
            if node is not None and node.unresolved:
                signals.append(
                    Signal(
                        "version",
                        Level.UNKNOWN,
                        f"Not vetted: {node.error}.",
                        {"requirement": node.specifier},
                    )
                )
                not_checked = ("version",)
            elif self.offline:
                not_checked = _missing_offline(node, simple_result, project is None)
                if not_checked:
                    signals.append(_not_checked_offline(not_checked, node))
            signals.extend(run_checks(ctx, offline_only=offline_only))
            packages.append(self._report(name, req, node, signals, parents, not_checked))
        if tree:
            packages.sort(key=lambda p: (-p.verdict, not p.direct, p.name))
        ranking = f"{self.toplist.source}" + (
            f" ({self.toplist.last_update})" if self.toplist.last_update else ""
        )
        if self.index.complete and not self._index_loaded:
            try:  # the next run loads the tables instead of rebuilding them (~0.1 s)
                self.index.save_state(self.settings.cache_dir)
                self._index_loaded = True
            except OSError as exc:
                log.debug("typosquat tables not saved: %s", exc)
        return VetReport(
            tuple(packages),
            offline=self.offline,
            python=f"{self.python[0]}.{self.python[1]}",
            ranking=ranking,
            vulnerability_data=vuln_note,
            thresholds=self.thresholds,
        )

    def _report(
        self,
        name: str,
        req: VetRequest | None,
        node: _Node | None,
        signals: list[Signal],
        parents: Mapping[str, set[str]],
        not_checked: tuple[str, ...] = (),
    ) -> PackageReport:
        info = node.project.data.get("info") if node and node.project.data else None
        display = (
            str(info["name"])
            if isinstance(info, Mapping) and isinstance(info.get("name"), str)
            else (req.name if req else name)
        )
        latest = str(info["version"]) if isinstance(info, Mapping) and info.get("version") else None
        verdict = max((s.level for s in signals), default=Level.OK)
        reasons = tuple(
            s.message for s in signals if s.level == verdict and verdict >= Level.UNKNOWN
        )
        return PackageReport(
            name=name,
            display_name=display,
            version=node.version if node else (req.version if req else None),
            latest=latest,
            direct=req is not None,
            signals=tuple(signals),
            verdict=verdict,
            reasons=reasons,
            via=tuple(sorted(parents.get(name, ()))) if req is None else (),
            location=req.location if req else None,
            error=(node.error if node.unresolved else node.project.error) if node else None,
            requirement=node.specifier if node else "",
            not_checked=not_checked,
        )
