"""The :class:`Vetter`: fetch what the checks need, run them, add up the verdicts."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pipwarden.checks import PackageContext, VetThresholds
from pipwarden.checks.history import history_of
from pipwarden.checks.registry import run_checks
from pipwarden.checks.releases import first_release_age
from pipwarden.checks.typosquat import TyposquatIndex, TyposquatMatch, weigh_typosquat
from pipwarden.checks.typosquat.similar import similar_name
from pipwarden.checks.vulnerabilities import NO_DATABASE
from pipwarden.errors import (
    DatabaseError,
    DataUnavailableError,
    PipwardenError,
)
from pipwarden.log import get_logger
from pipwarden.models import Level, Signal, canonical_name
from pipwarden.policy import IgnoreEntry, apply_ignores
from pipwarden.pypi.client import FetchResult, PyPIClient
from pipwarden.report.output import SLOW_STEP, Progress
from pipwarden.settings import Settings
from pipwarden.sources.graph import DependencyGraph
from pipwarden.toplist import TopList, load_toplist
from pipwarden.vet.github import _GitHub, github_facts
from pipwarden.vet.graph import GraphLoader, _missing_offline, _Node, _not_checked_offline
from pipwarden.vet.models import PackageReport, VetReport, VetRequest
from pipwarden.vulndb.store import VulnStore

__all__ = ["Vetter"]

log = get_logger(__name__)


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
        index: TyposquatIndex | None = None,
        installed: DependencyGraph | None = None,
    ) -> None:
        self.settings = settings
        self.offline = settings.offline
        self.client = client if client is not None else PyPIClient(settings, progress=progress)
        self.thresholds = thresholds or VetThresholds()
        self.python = python or (sys.version_info[0], sys.version_info[1])
        self.now = now or (lambda: datetime.now(UTC))
        self.toplist = toplist if toplist is not None else load_toplist(settings.cache_dir)
        # ``index``: one already built over this ranking with these thresholds (check's
        # context shares one between lint and vet)
        self.index = index if index is not None else TyposquatIndex(
            self.toplist.names,
            trusted_rank=self.thresholds.typosquat_trusted_rank,
            rank_ratio=self.thresholds.typosquat_rank_ratio,
        )
        self._index_loaded = self.index.state_loaded or self.index.load_state(
            settings.cache_dir
        )
        self._advisory_source = advisory_source
        self.ignores = tuple(ignores)  # the project's policy ignores (expiring)
        # a project's venv (check): what an installed package brings in is read from it,
        # as slim reads it, instead of from the releases loaded from PyPI
        self.installed = installed
        self.progress = progress

    # -- data gathering ------------------------------------------------------------------
    def _graph(
        self, roots: Sequence[VetRequest], *, tree: bool
    ) -> tuple[dict[str, _Node], dict[str, FetchResult]]:
        return GraphLoader(self.client, self.python, self.offline).load(roots, tree=tree)

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
        return {canonical_name(k): list(v) for k, v in dict(found).items()}, "local OSV database"

    def _github(self, project: Mapping[str, Any] | None) -> _GitHub:
        return github_facts(self.settings, self.client, project, self.now())

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
        weak: dict[str, TyposquatMatch] = {}
        for n in reported:
            if matches[n] is not None or n not in nodes:
                continue
            addon = self.index.builds_on(n)
            if addon is not None:
                age = first_release_age(nodes[n].project.data, now)
                if age is not None and age < self.thresholds.new_package_days:
                    addons[n] = (addon, age)
        for n in reported:  # the weakest evidence: for new packages only (see verdict.py)
            if matches[n] is not None or n in addons or n not in nodes:
                continue
            history = history_of(nodes[n].project.data, now)
            if (
                history is not None
                and history.age_days is not None
                and history.age_days < self.thresholds.new_package_days
            ):
                similar = similar_name(self.index, n)
                if similar is not None:
                    weak[n] = similar
        targets = sorted(
            {m.target for m in matches.values() if m is not None}
            | {m.target for m, _age in addons.values()}
            | {m.target for m in weak.values()}
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
        graph = GraphLoader.graph(nodes, list(direct))
        progress = Progress("Vetting", len(reported), delay=SLOW_STEP) if self.progress else None
        for name in reported:
            node: _Node | None = nodes.get(name)
            req: VetRequest | None = direct.get(name)
            project = node.project.data if node else None
            deps: list[str] | None = None
            deps_note: str | None = None
            if self.installed is not None and name in self.installed.packages:
                deps = sorted(self.installed.closure(name))
            elif node is not None and node.requires is not None:
                deps, deps_note = GraphLoader.closure(nodes, name, graph)
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
            addon = addons[name][0] if name in addons else None
            evidence = match or addon or weak.get(name)
            got = target_data.get(evidence.target) if evidence is not None else None
            typo = weigh_typosquat(
                self.index,
                name,
                evidence,
                addon=match is None and addon is not None,
                weak=match is None and addon is None and name in weak,
                project=project,
                target_project=got.data if got is not None else None,
                now=now,
                new_days=self.thresholds.new_package_days,
            )
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
            if progress is not None:
                progress.advance()
        if progress is not None:
            progress.close()
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
            tree=tree,
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
