"""The dependency graph ``vet`` walks: project and release answers, markers, extras;
and what is missing from it offline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import SpecifierSet

from pipwarden.checks.registry import network_signal_ids
from pipwarden.models import Level, Signal, canonical_name
from pipwarden.pypi.client import FetchResult, PyPIClient
from pipwarden.sources.graph import DependencyGraph
from pipwarden.vet.models import VetRequest
from pipwarden.vet.resolve import newest_admitted, requirements_of


@dataclass
class _Node:
    """One package of the graph being vetted, with what PyPI said about it."""

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



class GraphLoader:
    """Loads the roots and their dependency closure through the PyPI client."""

    def __init__(self, client: PyPIClient, python: tuple[int, int], offline: bool) -> None:
        self.client = client
        self.python = python
        self.offline = offline

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

    def load(
        self, roots: Sequence[VetRequest], *, tree: bool, simple: bool = True
    ) -> tuple[dict[str, _Node], dict[str, FetchResult]]:
        """Load the roots and everything they require (markers and extras evaluated).

        With ``simple``, also fetches the simple-API answers of the packages that will be
        reported (the roots, or every node with ``tree``) in the same concurrent batches.
        """
        nodes: dict[str, _Node] = {}
        answers: dict[str, FetchResult] = {}
        extras: dict[str, set[str]] = {}
        frontier: dict[str, tuple[str | None, str]] = {}
        for r in roots:
            frontier.setdefault(r.key, (r.version, r.specifier))
            extras.setdefault(r.key, set()).update(canonical_name(e) for e in r.extras)
        first = True
        while frontier:
            jobs = [("project", n) for n in frontier]
            if simple and (first or tree):
                jobs += [("simple", n) for n in frontier]
            first = False
            fetched = self.client.fetch_jobs(jobs)
            for (kind, name), result in fetched.items():
                if kind == "simple":
                    answers[name] = result
            loaded = [
                self._node(n, v, spec, fetched[("project", n)])
                for n, (v, spec) in frontier.items()
            ]
            pending = list(frontier)
            frontier = {}
            later = [n for n in loaded if n.raw is None and n.error is None and n.version]
            if later:
                workers = min(self.client.max_workers, len(later))
                from concurrent.futures import ThreadPoolExecutor

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
                    wanted: set[str] = {canonical_name(e) for e in dep_extras}
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
        return nodes, answers

    @staticmethod
    def graph(nodes: Mapping[str, _Node], roots: Sequence[str] = ()) -> DependencyGraph:
        """The loaded nodes as the project model's graph (edges: what applied, see
        :func:`~pipwarden.sources.graph.applicable`); what a package brings in is that
        graph's :meth:`~pipwarden.sources.graph.DependencyGraph.closure`, in every command."""
        return DependencyGraph.from_edges(
            {name: node.requires or {} for name, node in nodes.items()},
            roots=roots,
            versions={n: node.version for n, node in nodes.items() if node.version},
        )

    @staticmethod
    def closure(
        nodes: Mapping[str, _Node], root: str, graph: DependencyGraph | None = None
    ) -> tuple[list[str], str | None]:
        """What ``root`` brings in (sorted), and a note naming packages whose own
        dependencies are unknown (no answer, or not loaded), if any."""
        tree = graph if graph is not None else GraphLoader.graph(nodes, (root,))
        brought = tree.closure(root)
        missing = sorted(
            n for n in brought if (node := nodes.get(n)) is None or node.requires is None
        )
        note = f"dependencies of {', '.join(missing[:3])} unknown" if missing else None
        return sorted(brought), note
