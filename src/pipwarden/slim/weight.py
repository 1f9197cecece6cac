"""Subtree weight: what each direct dependency drags in, and what would leave with it.

The graph is :class:`pipwarden.sources.graph.DependencyGraph`: from the installed
environment's ``Requires-Dist`` or, without one, from the index metadata of the latest
releases (:func:`graph_from_index`). For a direct dependency ``d`` among the project's
roots:

* ``brings``: every distribution reachable from ``d`` (not ``d`` itself);
* ``only_through``: the part of ``brings`` that no other root reaches, i.e. what
  uninstalling ``d`` would let go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from pipwarden.models import InstalledPackage
from pipwarden.pypi.client import PyPIClient

if TYPE_CHECKING:  # the graph module (packaging's markers) is imported when a graph is built
    from pipwarden.sources.graph import DependencyGraph

__all__ = [
    "RequiresFetcher",
    "SubtreeWeight",
    "graph_from_index",
    "pypi_requires_fetcher",
    "subtree_weights",
]

logger = logging.getLogger(__name__)
#: ``fetch(name)``: the ``Requires-Dist`` of the release that would be installed, or
#: ``None`` when the index does not answer.
RequiresFetcher = Callable[[str], "tuple[str, ...] | None"]


@dataclass(frozen=True)
class SubtreeWeight:
    """The weight of one direct dependency (names sorted, PEP 503 normalised)."""

    name: str
    brings: tuple[str, ...]
    only_through: tuple[str, ...]
    installed: bool = True


def subtree_weights(graph: DependencyGraph, roots: Iterable[str]) -> tuple[SubtreeWeight, ...]:
    """The weight of each root, in the order given (extras are the graph's business:
    pass them as ``extras_of`` when building it)."""
    names = list(dict.fromkeys(canonicalize_name(r) for r in roots))
    weights: list[SubtreeWeight] = []
    for name in names:
        if name not in graph.packages:
            weights.append(SubtreeWeight(name, (), (), installed=False))
            continue
        brings = graph.closure(name)
        only = graph.exclusive_closure(name, names)
        weights.append(SubtreeWeight(name, tuple(sorted(brings)), tuple(sorted(only))))
    return tuple(weights)


def graph_from_index(
    roots: Mapping[str, Iterable[str]],
    fetch: RequiresFetcher,
    *,
    python_version: str | None = None,
    max_packages: int = 2000,
    workers: int = 8,
) -> tuple[DependencyGraph, tuple[str, ...]]:
    """Build the graph from index metadata (each latest release's ``Requires-Dist``).

    Breadth first: fetch the roots, build the graph (markers evaluated for
    ``python_version``, extras followed as requirers ask for them), fetch what it is
    missing, and again until nothing new is needed. Returns the graph and the names the
    index did not answer for. Those are still in the graph, as packages whose own
    requirements are unknown: they are brought in all the same (``vet --tree`` counts
    them too), only what they bring in is not known.
    """
    extras_of: dict[str, tuple[str, ...]] = {
        canonicalize_name(k): tuple(v) for k, v in roots.items()
    }
    fetched: dict[str, InstalledPackage] = {}
    failed: set[str] = set()
    pending: list[str] = sorted(extras_of)

    from pipwarden.sources.graph import DependencyGraph

    def build() -> DependencyGraph:
        unknown = [InstalledPackage(n, n, "", "", ()) for n in sorted(failed)]
        return DependencyGraph.from_packages(
            [*fetched.values(), *unknown], python_version=python_version,
            extras_of=extras_of, roots=extras_of,
        )

    graph = build()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        while pending:
            batch = pending[: max(0, max_packages - len(fetched) - len(failed))]
            if not batch:
                break
            for name, requires in zip(batch, pool.map(fetch, batch), strict=True):
                if requires is None:
                    failed.add(name)
                else:
                    fetched[name] = InstalledPackage(name, name, "", "", tuple(requires))
            graph = build()
            wanted = {n for names in graph.missing.values() for n in names}
            pending = sorted(wanted - fetched.keys() - failed)
    return graph, tuple(sorted(failed))


def pypi_requires_fetcher(client: PyPIClient) -> RequiresFetcher:
    """A fetcher reading ``info.requires_dist`` of each project's latest release from
    PyPI's JSON API (through the shared client: cached, retried)."""

    def fetch(name: str) -> tuple[str, ...] | None:
        result = client.project(name)
        info = result.data.get("info") if result.data is not None else None
        if not isinstance(info, dict):
            logger.debug("no metadata for %s: %s", name, result.error)
            return None
        reqs = info.get("requires_dist") or []
        return tuple(r for r in reqs if isinstance(r, str))

    return fetch
