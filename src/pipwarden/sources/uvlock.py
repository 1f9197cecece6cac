"""``uv.lock``: every ``[[package]]`` of a uv universal lock, for every platform.

What real files hold, and what this reader does with it:

- a package from an index (``source = { registry = … }``) has a ``version``: pinned entry;
- ``git``, ``url``, ``path``, ``directory``, ``editable`` and ``virtual`` sources are entries
  with ``url`` set (a git source becomes ``git+<repo>@<commit>``); uv omits ``version`` for
  packages whose version is dynamic (editable, path, git): still reported, never dropped;
- one name may be locked at several versions (``torch 2.9.1+cpu`` and ``+cu128``), each
  with ``resolution-markers`` saying in which forks it is used: every version is reported,
  its ``marker`` being those resolution markers joined with ``or``;
- groups are not written on a package: they are found by walking the dependency graph
  from the workspace members (``[manifest] members``, else the ``editable``/``virtual``
  sources at ``.``): ``dependencies`` bring ``main``, ``[package.optional-dependencies]``
  ``optional:<extra>``, ``[package.dev-dependencies]`` ``group:<name>``; an edge with
  ``extra = [...]`` also follows the target's optional dependencies.

``this_platform=True`` drops entries whose resolution markers are false here, and entries
that are only reached through dependency edges whose markers are false here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.sources.interface import NotChecked, SourceResult, join_groups
from pipwarden.sources.lockcommon import (
    as_list,
    as_str,
    as_table,
    combine_markers,
    header_lines,
    load_lock_toml,
    load_slim_lock_toml,
    marker_here,
    name_of,
    parse_lock_marker,
    pin,
)
from pipwarden.sources.lockmarkers import ParsedMarker

__all__ = ["FORMAT", "read"]

FORMAT = "uv.lock"

_LOCAL_KINDS = ("editable", "virtual", "directory", "path")
_KINDS = ("registry", "git", "url", *_LOCAL_KINDS)


@frozen
class _Edge:
    name: str
    version: str | None
    source: object
    extras: tuple[str, ...]
    marker: ParsedMarker | None


@dataclass
class _Package:
    index: int
    raw_name: str
    name: str
    version: str | None
    specifier: str
    kind: str | None
    source_value: str | None
    source: object
    line: int | None
    marker: str | None
    marker_parsed: tuple[ParsedMarker, ...]
    hashes: tuple[str, ...]
    dependencies: list[_Edge]
    optional: dict[str, list[_Edge]]
    dev: dict[str, list[_Edge]]
    slim_hashes: int = 0  # dist tables the slim reading turned into hash strings


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a uv.lock; see the module docstring. ``root`` is the project folder (unused:
    uv.lock includes nothing)."""
    del root
    name = str(path)
    data, text, slimmed = load_slim_lock_toml(path)
    try:
        return _read(data, text, name, this_platform, slimmed)
    except _NotSlim:  # the file holds strings where uv writes tables: read it as written
        data, text = load_lock_toml(path)
        return _read(data, text, name, this_platform, None)


class _NotSlim(Exception):
    """The slimmed reading met more hash strings than it put there."""


def _read(data: dict[str, Any], text: str, name: str, this_platform: bool,
          slimmed: int | None) -> SourceResult:
    version = data.get("version")
    if version is None:  # every uv.lock states it: without it this is another kind of file
        raise InputError("not a uv.lock: no `version = 1` (is it a lock of another tool?)",
                         path=name, line=1)
    if version != 1:
        raise InputError(f"unsupported uv.lock version {version!r} (pipwarden reads 1)",
                         path=name, line=1)
    raw_packages = as_list(data.get("package", []), name, "[[package]]")
    lines = header_lines(text, "package")
    if len(lines) != len(raw_packages):
        lines = []
    packages = [
        _package(index, raw, name, lines[index] if lines else None, slimmed is not None)
        for index, raw in enumerate(raw_packages)
    ]
    if slimmed is not None and sum(p.slim_hashes for p in packages) != slimmed:
        raise _NotSlim
    labels = _labels(data, packages)
    keep: set[int] | None = None
    if this_platform:
        keep = _reachable_here(data, packages)
    deps: list[Dependency] = []
    unchecked: list[NotChecked] = []
    for package in packages:
        if keep is not None and package.index not in keep:
            continue
        if (this_platform and package.marker_parsed
                and not any(marker_here(m) for m in package.marker_parsed)):
            continue
        entry = _dependency(package, name, labels.get(package.index, set()))
        if entry is None:
            unchecked.append(NotChecked(package.raw_name, Location(name, package.line),
                                        "neither a version nor a source in uv.lock"))
        else:
            deps.append(entry)
    return SourceResult(name, FORMAT, tuple(deps), tuple(unchecked))


def _package(index: int, raw: object, path: str, line: int | None, slim: bool) -> _Package:
    where = f"package[{index}]"
    table = as_table(raw, path, where, line)
    raw_name = name_of(table, path, where, line)
    where = f"package {raw_name!r}"
    version = table.get("version")
    specifier = ""
    if version is not None:
        specifier = pin(version, path, where, line)
        version = str(version).strip()
    kind, value = None, None
    source = table.get("source")
    if source is not None:
        source_table = as_table(source, path, f"{where}: source", line)
        for candidate in _KINDS:
            if candidate in source_table:
                kind = candidate
                value = as_str(source_table[candidate], path, f"{where}: source.{candidate}",
                               line)
                break
        else:
            raise InputError(f"{where}: unknown source {sorted(source_table)!r}",
                             path=path, line=line)
    markers = [
        parse_lock_marker(m, path, f"{where}: resolution-markers", line)
        for m in as_list(table.get("resolution-markers", []), path,
                         f"{where}: resolution-markers", line)
    ]
    hashes: list[str] = []
    slim_hashes = 0
    sdist = table.get("sdist")
    dists = [sdist] if sdist is not None else []
    dists += as_list(table.get("wheels", []), path, f"{where}: wheels", line)
    for dist in dists:
        if slim and isinstance(dist, str):  # a dist table the slim reading made a string
            slim_hashes += 1
            digest: object = dist
        else:
            digest = as_table(dist, path, f"{where}: sdist/wheels", line).get("hash")
        if digest is not None:
            hashes.append(as_str(digest, path, f"{where}: hash", line))
    optional = {
        str(extra): _edges(items, path, f"{where}: optional-dependencies.{extra}", line)
        for extra, items in as_table(table.get("optional-dependencies", {}), path,
                                     f"{where}: optional-dependencies", line).items()
    }
    dev = {
        str(group): _edges(items, path, f"{where}: dev-dependencies.{group}", line)
        for group, items in as_table(table.get("dev-dependencies", {}), path,
                                     f"{where}: dev-dependencies", line).items()
    }
    return _Package(
        index=index, raw_name=raw_name, name=canonical_name(raw_name), version=version,
        specifier=specifier,
        kind=kind, source_value=value, source=source, line=line,
        marker=combine_markers(m.text for m in markers), marker_parsed=tuple(markers),
        hashes=tuple(hashes), slim_hashes=slim_hashes,
        dependencies=_edges(table.get("dependencies", []), path, f"{where}: dependencies", line),
        optional=optional, dev=dev,
    )


def _edges(items: object, path: str, where: str, line: int | None) -> list[_Edge]:
    edges: list[_Edge] = []
    for item in as_list(items, path, where, line):
        table = as_table(item, path, where, line)
        target = as_str(table.get("name"), path, f"{where}: name", line)
        version = table.get("version")
        if version is not None:
            version = as_str(version, path, f"{where}: version", line)
        extras = tuple(
            canonical_name(as_str(e, path, f"{where}: extra", line))
            for e in as_list(table.get("extra", []), path, f"{where}: extra", line)
        )
        marker = table.get("marker")
        parsed = parse_lock_marker(marker, path, f"{where}: marker", line) if marker else None
        edges.append(_Edge(canonical_name(target), version, table.get("source"), extras, parsed))
    return edges


def _dependency(package: _Package, path: str, labels: set[str]) -> Dependency | None:
    url: str | None = None
    editable = package.kind == "editable"
    if package.kind == "git" and package.source_value is not None:
        url = _git_url(package.source_value)
    elif package.kind is not None and package.kind != "registry":
        url = package.source_value
    if url is None and package.version is None:
        return None
    specifier = package.specifier
    text = f"{package.raw_name}{specifier}" if url is None else f"{package.raw_name} @ {url}"
    return Dependency(
        name=package.name,
        raw_name=package.raw_name,
        specifier=specifier,
        location=Location(path, package.line),
        text=text,
        marker=package.marker,
        url=url,
        hashes=package.hashes,
        editable=editable,
        group=join_groups(labels),
    )


def _git_url(value: str) -> str:
    """``https://host/repo.git?rev=x#<commit>`` → ``git+https://host/repo.git@<commit>``."""
    base, _, commit = value.partition("#")
    base = base.split("?", 1)[0]
    prefix = "" if base.startswith("git+") else "git+"
    return f"{prefix}{base}@{commit}" if commit else f"{prefix}{base}"


def _roots(data: dict[str, Any], packages: list[_Package]) -> list[_Package]:
    manifest = data.get("manifest")
    members: set[str] = set()
    if isinstance(manifest, dict) and isinstance(manifest.get("members"), list):
        members = {canonical_name(m) for m in manifest["members"] if isinstance(m, str)}
    if members:
        found = [p for p in packages if p.name in members and p.kind in _LOCAL_KINDS]
        if found:
            return found
    found = [p for p in packages if p.kind in _LOCAL_KINDS and p.source_value == "."]
    if found:
        return found
    targets = {e.name for p in packages for e in (*p.dependencies,
                                                 *(x for v in p.optional.values() for x in v),
                                                 *(x for v in p.dev.values() for x in v))}
    return [p for p in packages if p.name not in targets]


def _resolve(edge: _Edge, by_name: dict[str, list[_Package]]) -> list[_Package]:
    found = by_name.get(edge.name, [])
    if len(found) > 1 and edge.version is not None:
        found = [p for p in found if p.version == edge.version]
    if len(found) > 1 and edge.source is not None:
        found = [p for p in found if p.source == edge.source] or found
    return found


def _walk(start: list[_Edge], by_name: dict[str, list[_Package]],
          follow: Callable[[_Edge], bool] | None = None) -> set[int]:
    """Indices of the packages reached from ``start`` edges (with the extras they ask)."""
    seen: set[tuple[int, str | None]] = set()
    queue: deque[_Edge] = deque(start)
    reached: set[int] = set()
    while queue:
        edge = queue.popleft()
        if follow is not None and not follow(edge):
            continue
        for target in _resolve(edge, by_name):
            for state in ((target.index, None), *((target.index, e) for e in edge.extras)):
                if state in seen:
                    continue
                seen.add(state)
                reached.add(target.index)
                extra = state[1]
                if extra is None:
                    queue.extend(target.dependencies)
                else:
                    for key, items in target.optional.items():
                        if canonical_name(key) == extra:
                            queue.extend(items)
    return reached


def _labels(data: dict[str, Any], packages: list[_Package]) -> dict[int, set[str]]:
    by_name: dict[str, list[_Package]] = {}
    for package in packages:
        by_name.setdefault(package.name, []).append(package)
    labels: dict[int, set[str]] = {}
    for root in _roots(data, packages):
        labels.setdefault(root.index, set()).add("main")
        starts: list[tuple[str, list[_Edge]]] = [("main", root.dependencies)]
        starts += [(f"optional:{extra}", edges) for extra, edges in root.optional.items()]
        starts += [(f"group:{group}", edges) for group, edges in root.dev.items()]
        for label, edges in starts:
            for index in _walk(edges, by_name):
                labels.setdefault(index, set()).add(label)
    return labels


def _reachable_here(data: dict[str, Any], packages: list[_Package]) -> set[int] | None:
    """Packages reachable from the roots through edges whose markers are not false here."""
    by_name: dict[str, list[_Package]] = {}
    for package in packages:
        by_name.setdefault(package.name, []).append(package)
    roots = _roots(data, packages)
    if not roots:
        return None
    start: list[_Edge] = []
    for root in roots:
        start += root.dependencies
        for edges in (*root.optional.values(), *root.dev.values()):
            start += edges
    reached = _walk(start, by_name, follow=lambda edge: marker_here(edge.marker))
    return reached | {root.index for root in roots}
