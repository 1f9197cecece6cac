"""Subtree weight: what each direct dependency drags in, and what would leave with it.

The graph comes from the installed environment's ``Requires-Dist`` (markers evaluated for
the environment's Python, extras followed when a requirer asks for them). For a direct
dependency ``d`` among the project's roots:

* ``brings``: every distribution reachable from ``d`` (not ``d`` itself);
* ``only_through``: the part of ``brings`` that no other root reaches, i.e. what
  uninstalling ``d`` would let go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.markers import InvalidMarker, UndefinedComparison, UndefinedEnvironmentName
from packaging.markers import default_environment as _default_marker_env
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipwarden.models import Environment

__all__ = ["DependencyGraph", "SubtreeWeight", "subtree_weights"]


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
            if req.marker is not None:
                try:
                    wanted = any(
                        req.marker.evaluate({**self._env, "extra": extra})
                        for extra in ("", *sorted(extras))
                    )
                except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
                    wanted = False
                if not wanted:
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
