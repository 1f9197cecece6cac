"""Subtree weight: what each direct dependency drags in, and what would leave with it.

The graph comes from the installed environment's ``Requires-Dist`` (markers evaluated for
the environment's Python, extras followed when a requirer asks for them). For a direct
dependency ``d`` among the project's roots:

* ``brings``: every distribution reachable from ``d`` (not ``d`` itself);
* ``only_through``: the part of ``brings`` that no other root reaches, i.e. what
  uninstalling ``d`` would let go.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.markers import default_environment as _default_marker_env
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipwarden.models import Environment

__all__ = [
    "DependencyGraph",
    "SubtreeWeight",
    "graph_from_index",
    "pypi_requires_fetcher",
    "subtree_weights",
]

logger = logging.getLogger(__name__)
RequiresFetcher = Callable[[str], "tuple[str, ...] | None"]


def _norm(name: str) -> str:
    return str(canonicalize_name(name))


@dataclass(frozen=True)
class SubtreeWeight:
    """The weight of one direct dependency (names sorted, PEP 503 normalised)."""

    name: str
    brings: tuple[str, ...]
    only_through: tuple[str, ...]
    installed: bool = True


def _marker_env(python_version: str | None) -> dict[str, str]:
    env = {k: str(v) for k, v in _default_marker_env().items()}
    if python_version:
        parts = python_version.split(".")
        if len(parts) >= 2 and parts[0].isdigit() and parts[1].isdigit():
            env["python_version"] = f"{parts[0]}.{parts[1]}"
            env["python_full_version"] = ".".join(parts[:3])
    return env


def _wanted(req: Requirement, extras: Iterable[str], env: dict[str, str]) -> bool:
    """Does ``req`` apply for this Python/platform, given the extras asked of its requirer?"""
    if req.marker is None:
        return True
    try:
        return any(
            req.marker.evaluate({**env, "extra": extra}) for extra in ("", *sorted(extras))
        )
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return False


class DependencyGraph:
    """Edges ``name → {(dependency, extras)}`` between installed distributions."""

    def __init__(
        self,
        requires: Mapping[str, Iterable[str]],
        *,
        python_version: str | None = None,
    ) -> None:
        self._requires = {_norm(k): tuple(v) for k, v in requires.items()}
        self._env = _marker_env(python_version)
        self._edges: dict[tuple[str, frozenset[str]], frozenset[tuple[str, frozenset[str]]]] = {}

    @classmethod
    def from_environment(cls, env: Environment) -> DependencyGraph:
        return cls(
            {p.name: p.requires_dist for p in env.packages}, python_version=env.python_version
        )

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self._requires)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _norm(name) in self._requires

    def _deps(self, name: str, extras: frozenset[str]) -> frozenset[tuple[str, frozenset[str]]]:
        key = (name, extras)
        cached = self._edges.get(key)
        if cached is not None:
            return cached
        out: set[tuple[str, frozenset[str]]] = set()
        for text in self._requires.get(name, ()):
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if not _wanted(req, extras, self._env):
                continue
            dep = _norm(req.name)
            if dep in self._requires and dep != name:
                out.add((dep, frozenset(_norm(e) for e in req.extras)))
        result = frozenset(out)
        self._edges[key] = result
        return result

    def closure(self, name: str, extras: Iterable[str] = ()) -> frozenset[str]:
        """Every installed distribution reachable from ``name`` (``name`` excluded)."""
        start = (_norm(name), frozenset(_norm(e) for e in extras))
        seen_nodes: set[tuple[str, frozenset[str]]] = {start}
        stack = [start]
        while stack:
            node = stack.pop()
            for dep in self._deps(*node):
                if dep not in seen_nodes:
                    seen_nodes.add(dep)
                    stack.append(dep)
        return frozenset(n for n, _ in seen_nodes) - {start[0]}

    def reachable(self, roots: Iterable[tuple[str, Iterable[str]]]) -> frozenset[str]:
        """Roots (those installed) and everything they reach."""
        out: set[str] = set()
        for name, extras in roots:
            key = _norm(name)
            if key in self._requires:
                out.add(key)
                out |= self.closure(key, extras)
        return frozenset(out)


def subtree_weights(
    graph: DependencyGraph, roots: Mapping[str, Iterable[str]]
) -> tuple[SubtreeWeight, ...]:
    """The weight of each root (``name → extras``), in the order given."""
    normal = {_norm(k): tuple(v) for k, v in roots.items()}
    weights: list[SubtreeWeight] = []
    for name, extras in normal.items():
        if name not in graph:
            weights.append(SubtreeWeight(name, (), (), installed=False))
            continue
        brings = graph.closure(name, extras)
        others = graph.reachable((n, e) for n, e in normal.items() if n != name)
        weights.append(
            SubtreeWeight(name, tuple(sorted(brings)), tuple(sorted(brings - others)))
        )
    return tuple(weights)


def graph_from_index(
    roots: Mapping[str, Iterable[str]],
    fetch: RequiresFetcher,
    *,
    python_version: str | None = None,
    max_packages: int = 2000,
    workers: int = 8,
) -> tuple[DependencyGraph, tuple[str, ...]]:
    """Build the graph from index metadata (each release's ``Requires-Dist``).

    ``fetch(name)`` returns the requirements of the release that would be installed (the
    latest), or ``None`` when the index does not answer. Returns the graph and the names
    that could not be fetched. Breadth first, one batch of parallel fetches per level.
    """
    env = _marker_env(python_version)
    requires: dict[str, tuple[str, ...]] = {}
    extras_of: dict[str, set[str]] = {}
    missing: list[str] = []
    seen: set[str] = set()
    pending: set[str] = set()
    rescan: set[str] = set()
    for name, extras in roots.items():
        key = _norm(name)
        extras_of.setdefault(key, set()).update(_norm(e) for e in extras)
        pending.add(key)

    def expand(name: str) -> None:
        for text in requires[name]:
            try:
                req = Requirement(text)
            except InvalidRequirement:
                continue
            if not _wanted(req, extras_of.get(name, ()), env):
                continue
            dep = _norm(req.name)
            asked = {_norm(e) for e in req.extras}
            grown = bool(asked - extras_of.get(dep, set()))
            extras_of.setdefault(dep, set()).update(asked)
            if dep not in seen:
                pending.add(dep)
            elif grown and dep in requires:
                rescan.add(dep)  # new extras: follow more of its requirements

    with ThreadPoolExecutor(max_workers=workers) as pool:
        while pending or rescan:
            batch = sorted(pending - seen)[: max(0, max_packages - len(seen))]
            pending.clear()
            seen.update(batch)
            for name, reqs in zip(batch, pool.map(fetch, batch), strict=True):
                if reqs is None:
                    missing.append(name)
                else:
                    requires[name] = reqs
            todo = [n for n in batch if n in requires] + sorted(rescan)
            rescan.clear()
            for name in todo:
                expand(name)
    return DependencyGraph(requires, python_version=python_version), tuple(sorted(missing))


def pypi_requires_fetcher(base_url: str, *, timeout: float = 15.0) -> RequiresFetcher:
    """A fetcher reading ``{base_url}/pypi/<name>/json`` (``info.requires_dist``)."""
    base = base_url.rstrip("/")

    def fetch(name: str) -> tuple[str, ...] | None:
        url = f"{base}/pypi/{name}/json"
        request = urllib.request.Request(url, headers={"Accept": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.debug("no metadata for %s from %s: %s", name, url, exc)
            return None
        info = data.get("info") if isinstance(data, dict) else None
        if not isinstance(info, dict):
            return None
        reqs = info.get("requires_dist") or []
        return tuple(r for r in reqs if isinstance(r, str))

    return fetch
