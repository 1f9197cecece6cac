"""Subtree weight: what each direct dependency drags in, and what would leave with it.

The graph is :class:`pipwarden.sources.graph.DependencyGraph`: from the installed
environment's ``Requires-Dist`` or, without one, from the index metadata of the releases
the requirements admit, loaded by ``vet``'s loader (:func:`graph_from_pypi`): the same
releases, markers and extras as ``vet``, so both count the same packages. For a direct
dependency ``d`` among the project's roots:

* ``brings``: every distribution reachable from ``d`` (not ``d`` itself);
* ``only_through``: the part of ``brings`` that no other root reaches, i.e. what
  uninstalling ``d`` would let go.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Environment, canonical_name
from pipwarden.pypi.client import PyPIClient
from pipwarden.sources.graph import DependencyGraph
from pipwarden.vet.models import VetRequest

__all__ = [
    "SubtreeWeight",
    "graph_from_pypi",
    "installed_graph",
    "subtree_weights",
]


@frozen
class SubtreeWeight:
    """The weight of one direct dependency (names sorted, PEP 503 normalised)."""

    name: str
    brings: tuple[str, ...]
    only_through: tuple[str, ...]
    installed: bool = True


def subtree_weights(graph: DependencyGraph, roots: Iterable[str]) -> tuple[SubtreeWeight, ...]:
    """The weight of each root, in the order given (extras are the graph's business:
    pass them as ``extras_of`` when building it)."""
    names = list(dict.fromkeys(canonical_name(r) for r in roots))
    weights: list[SubtreeWeight] = []
    for name in names:
        if name not in graph.packages:
            weights.append(SubtreeWeight(name, (), (), installed=False))
            continue
        brings = graph.closure(name)
        only = graph.exclusive_closure(name, names)
        weights.append(SubtreeWeight(name, tuple(sorted(brings)), tuple(sorted(only))))
    return tuple(weights)


def installed_graph(installed: Environment, declared: Iterable[Dependency]) -> DependencyGraph:
    """The project's tree in its venv: the declared dependencies as roots, with the extras
    they ask for (every declaration's), markers for the venv's Python. slim's weights and
    check's vet part read what a package brings in from it when there is a venv."""
    roots: dict[str, set[str]] = {}
    for dep in declared:
        roots.setdefault(dep.name, set()).update(dep.extras)
    return DependencyGraph.from_environment(installed, extras_of=roots, roots=roots)


def graph_from_pypi(
    requests: Sequence[VetRequest], client: PyPIClient, python: tuple[int, int]
) -> tuple[DependencyGraph, tuple[str, ...]]:
    """The graph of ``requests`` from PyPI metadata, loaded as ``vet`` loads it (each
    package at the release its requirers admit, markers for ``python``, extras followed);
    offline (``client.offline``), from the cache only.

    Returns the graph and the names whose own requirements are unknown (no answer, not
    cached). Those are still in the graph: they are brought in all the same (``vet``
    counts them too), only what they bring in is not known.
    """
    from pipwarden.vet.graph import GraphLoader

    nodes, _ = GraphLoader(client, python, client.offline).load(
        requests, tree=False, simple=False
    )
    graph = GraphLoader.graph(nodes, [r.key for r in requests])
    unknown = sorted(n for n in graph.packages if n not in nodes or nodes[n].requires is None)
    return graph, tuple(unknown)
