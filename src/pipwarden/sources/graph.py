"""The dependency graph of an installed environment, from its Requires-Dist metadata.

Edges follow ``Requires-Dist`` with markers evaluated for the environment's Python (the
other marker variables take this machine's values: the venv runs here). A requirement
guarded by ``extra == "x"`` is an edge only when someone asked for ``pkg[x]`` (a root via
``extras_of``, or another package's requirement). Cycles are fine.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import Environment, InstalledPackage, canonical_name

if TYPE_CHECKING:
    from packaging.markers import Marker

__all__ = [
    "DependencyGraph",
    "applicable",
    "applicable_requirements",
    "marker_environment",
]

log = get_logger(__name__)


# name, extras, then nothing or a version specifier (an operator or a parenthesis first)
_HEAD_RE = re.compile(
    r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)\s*(?:\[([^\]]*)\])?\s*(?:[<>=!~(][^@]*)?$"
)
_EXTRA_ONLY_RE = re.compile(r"""^\s*extra\s*==\s*["']([^"']+)["']\s*$""")


@frozen
class _Req:
    """A Requires-Dist entry reduced to what the graph needs."""

    name: str
    extras: frozenset[str]
    marker: Marker | None
    only_extra: str | None  # the marker is exactly ``extra == "x"``


def _reduce(text: str) -> _Req | None:
    """Parse a Requires-Dist string; the common shapes without packaging's full parser."""
    head, sep, marker_text = text.partition(";")
    match = _HEAD_RE.match(head)
    if match is None:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            req = Requirement(text)
        except InvalidRequirement:
            return None
        return _Req(canonical_name(req.name),
                    frozenset(canonical_name(e) for e in req.extras), req.marker, None)
    extras = frozenset(
        canonical_name(e.strip()) for e in (match.group(2) or "").split(",") if e.strip()
    )
    name = canonical_name(match.group(1))
    if not sep or not marker_text.strip():
        return _Req(name, extras, None, None)
    only = _EXTRA_ONLY_RE.match(marker_text)
    if only:
        return _Req(name, extras, None, canonical_name(only.group(1)))
    from packaging.markers import InvalidMarker, Marker  # (packaging's parser: when needed)

    try:
        marker = Marker(marker_text.strip())
    except InvalidMarker:
        return None
    return _Req(name, extras, marker, None)


def marker_environment(python_version: str | None) -> dict[str, str]:
    """The marker variables of this machine, with ``python_version`` (``"3.11"`` or
    ``"3.11.4"``) as the Python when given."""
    from packaging.markers import default_environment

    env: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    if python_version:
        parts = python_version.split(".")
        env["python_version"] = ".".join(parts[:2])
        env["python_full_version"] = python_version if len(parts) >= 3 else f"{python_version}.0"
    return env


def _parse_requires(package: InstalledPackage) -> list[_Req]:
    out: list[_Req] = []
    for text in package.requires_dist:
        reduced = _reduce(text)
        if reduced is None:
            log.debug("%s: ignoring unparsable Requires-Dist %r", package.name, text)
        else:
            out.append(reduced)
    return out


@dataclass
class DependencyGraph:
    """Nodes are PEP 503 names of installed distributions; ``edges[a]`` is what ``a`` needs.

    ``missing[a]`` lists requirements of ``a`` (after markers) that are not installed.
    """

    packages: dict[str, InstalledPackage]
    edges: dict[str, set[str]]
    roots: tuple[str, ...]
    missing: dict[str, set[str]] = field(default_factory=dict)
    _reverse: dict[str, set[str]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_environment(
        cls,
        env: Environment,
        *,
        python_version: str | None = None,
        extras_of: Mapping[str, Iterable[str]] | None = None,
        roots: Iterable[str] | None = None,
    ) -> DependencyGraph:
        """Build the graph; ``roots`` (e.g. the declared direct dependencies) default to the
        packages nobody requires. Roots that are not installed are left out."""
        return cls.from_packages(
            env.packages,
            python_version=python_version or env.python_version,
            extras_of=extras_of,
            roots=roots,
        )

    @classmethod
    def from_packages(
        cls,
        packages: Iterable[InstalledPackage],
        *,
        python_version: str | None = None,
        extras_of: Mapping[str, Iterable[str]] | None = None,
        roots: Iterable[str] | None = None,
    ) -> DependencyGraph:
        by_name: dict[str, InstalledPackage] = {}
        for package in packages:
            by_name.setdefault(package.name, package)  # first of duplicates (sorted by version)
        marker_env = marker_environment(python_version)
        requires = {name: _parse_requires(pkg) for name, pkg in by_name.items()}
        requested: dict[str, set[str]] = {name: set() for name in by_name}
        for name, extras in (extras_of or {}).items():
            key = canonical_name(name)
            if key in requested:
                requested[key].update(canonical_name(e) for e in extras)

        edges: dict[str, set[str]] = {name: set() for name in by_name}
        missing: dict[str, set[str]] = {}
        done: dict[str, set[str]] = {}
        cache: dict[tuple[str, str], bool] = {}
        work = deque(sorted(by_name))
        while work:
            name = work.popleft()
            extras = requested[name]
            if name in done and done[name] == extras:
                continue
            done[name] = set(extras)
            for req in requires[name]:
                if not _holds(req, extras, marker_env, cache):
                    continue
                target = req.name
                if target not in by_name:
                    missing.setdefault(name, set()).add(target)
                    continue
                edges[name].add(target)
                wanted = req.extras
                if not wanted <= requested[target]:
                    requested[target] |= wanted
                    work.append(target)

        if roots is None:
            required = {t for targets in edges.values() for t in targets}
            root_list = sorted(n for n in by_name if n not in required)
        else:
            root_list = []
            for root in roots:
                key = canonical_name(root)
                if key in by_name and key not in root_list:
                    root_list.append(key)
        graph = cls(packages=by_name, edges=edges, roots=tuple(root_list), missing=missing)
        if roots is None:
            # Cycles nobody else requires: one member of each becomes a root.
            reached = graph._reach(root_list)
            extra_roots = list(root_list)
            for name in sorted(by_name):
                if name not in reached:
                    extra_roots.append(name)
                    reached |= graph._reach([name])
            graph.roots = tuple(extra_roots)
        return graph

    @classmethod
    def from_edges(
        cls,
        edges: Mapping[str, Iterable[str]],
        *,
        roots: Iterable[str] = (),
        versions: Mapping[str, str] | None = None,
    ) -> DependencyGraph:
        """A graph whose edges were decided elsewhere, e.g. from index metadata by ``vet``'s
        loader (with :func:`applicable`): every name an edge reaches is a node, one without
        edges when nothing is known of what it requires."""
        out: dict[str, set[str]] = {
            canonical_name(k): {canonical_name(t) for t in v} for k, v in edges.items()
        }
        for targets in list(out.values()):
            for target in targets:
                out.setdefault(target, set())
        known = versions or {}
        packages = {n: InstalledPackage(n, n, known.get(n, ""), "") for n in out}
        root_list = list(dict.fromkeys(k for r in roots if (k := canonical_name(r)) in out))
        return cls(packages=packages, edges=out, roots=tuple(root_list))

    # ---------------------------------------------------------------------------------

    def _reach(self, starts: Iterable[str]) -> set[str]:
        seen: set[str] = set()
        stack = [s for s in starts if s in self.edges]
        while stack:
            node = stack.pop()
            if node in seen:
                continue
            seen.add(node)
            stack.extend(self.edges[node] - seen)
        return seen

    def _reverse_edges(self) -> dict[str, set[str]]:
        if self._reverse is None:
            reverse: dict[str, set[str]] = {}
            for source, targets in self.edges.items():
                for target in targets:
                    reverse.setdefault(target, set()).add(source)
            self._reverse = reverse
        return self._reverse

    def requirers(self, name: str) -> set[str]:
        """Installed packages that require ``name`` directly."""
        return set(self._reverse_edges().get(canonical_name(name), ()))

    def closure(self, name: str, *, include_self: bool = False) -> set[str]:
        """Every package ``name`` brings in, transitively; ``name`` itself only with
        ``include_self`` (even when a cycle leads back to it)."""
        key = canonical_name(name)
        if key not in self.edges:
            return set()
        reached = self._reach([key])
        if not include_self:
            reached.discard(key)
        return reached

    def exclusive_closure(
        self, name: str, roots: Iterable[str] | None = None, *, include_self: bool = False
    ) -> set[str]:
        """What would go away with root ``name``: its closure minus everything the other
        ``roots`` (default: the graph's roots) still bring in, and minus those roots."""
        key = canonical_name(name)
        others = [canonical_name(r) for r in (self.roots if roots is None else roots)]
        kept = self._reach([r for r in others if r != key])
        result = self.closure(key, include_self=include_self) - kept
        if not include_self:
            result.discard(key)
        return result

    def paths_to(self, name: str, limit: int = 3) -> list[tuple[str, ...]]:
        """Up to ``limit`` shortest paths from a root down to ``name``, one per root, the
        shortest first (ties by name): ``("dbt-bigquery", "google-cloud-bigquery",
        "requests")``. A root itself gives ``[(name,)]``; an unknown package ``[]``."""
        key: str = canonical_name(name)
        if key not in self.edges or limit <= 0:
            return []
        reverse = self._reverse_edges()
        # distance from every node down to the target
        distance: dict[str, int] = {key: 0}
        queue = deque([key])
        while queue:
            node = queue.popleft()
            for parent in reverse.get(node, ()):
                if parent not in distance:
                    distance[parent] = distance[node] + 1
                    queue.append(parent)
        paths: list[tuple[str, ...]] = []
        for root in self.roots:
            if root not in distance:
                continue
            path = [root]
            node = root
            while node != key:
                step = distance[node] - 1
                node = min(t for t in self.edges[node] if distance.get(t) == step)
                path.append(node)
            paths.append(tuple(path))
        paths.sort(key=lambda p: (len(p), p))
        return paths[:limit]


def applicable(
    requires_dist: Iterable[str],
    extras: Iterable[str],
    env: Mapping[str, str],
    cache: dict[tuple[str, str], bool] | None = None,
) -> Iterator[tuple[str, frozenset[str], str]]:
    """``(name, extras it asks for, text)`` of each entry of ``requires_dist`` that applies:
    markers evaluated in ``env`` (see :func:`marker_environment`) for no extra and for each
    of ``extras`` (names compared normalised, PEP 685); unparsable entries are left out.
    The one rule for every graph pipwarden builds: the installed one, the one from index
    metadata, ``vet``'s. ``cache`` (marker results) must belong to this ``env``."""
    wanted: set[str] = {canonical_name(e) for e in extras}
    memo: dict[tuple[str, str], bool] = {} if cache is None else cache
    for text in requires_dist:
        req = _reduce(text)
        if req is not None and _holds(req, wanted, env, memo):
            yield req.name, req.extras, text


def applicable_requirements(
    requires_dist: Iterable[str],
    extras: Iterable[str],
    env: Mapping[str, str],
    cache: dict[tuple[str, str], bool] | None = None,
) -> dict[str, set[str]]:
    """The requirements that apply (see :func:`applicable`): name → the extras asked for."""
    out: dict[str, set[str]] = {}
    for name, asked, _text in applicable(requires_dist, extras, env, cache):
        out.setdefault(name, set()).update(asked)
    return out


def _holds(
    req: _Req, extras: set[str], env: Mapping[str, str], cache: dict[tuple[str, str], bool]
) -> bool:
    """Does ``req`` apply when its requirer is installed with ``extras`` (normalised)?"""
    if req.only_extra is not None:
        return req.only_extra in extras
    return req.marker is None or _applies(req.marker, extras, env, cache)


def _applies(
    marker: Marker, extras: set[str], env: Mapping[str, str],
    cache: dict[tuple[str, str], bool],
) -> bool:
    from packaging.markers import (
        InvalidMarker,
        UndefinedComparison,
        UndefinedEnvironmentName,
    )

    text = str(marker)
    for extra in ("", *sorted(extras)):
        key = (text, extra)
        if key not in cache:
            try:
                cache[key] = marker.evaluate({**env, "extra": extra})
            except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName,
                    ValueError) as exc:
                log.debug("cannot evaluate marker %s: %s", marker, exc)
                cache[key] = False
        if cache[key]:
            return True
    return False
