"""``poetry.lock``: Poetry's lock file, lock-version 1.x (Poetry 1.0/1.1) and 2.x.

- every ``[[package]]`` is an entry pinned at its ``version``; a ``[package.source]`` of
  type ``git`` becomes ``git+<url>@<resolved_reference>``, ``url``/``file``/``directory``
  sources keep their URL or path in ``url`` (``develop = true`` is editable); ``legacy``
  (a private index) is pinned like PyPI;
- hashes: ``files`` on the package (2.x) or ``[metadata.files]`` (1.x, keyed by name);
- groups: ``groups = [...]`` (lock-version 2.1), else ``category = "main"|"dev"`` (1.x);
  ``main`` stays ``main``, other groups become ``group:<name>``. An ``optional = true``
  package is brought by extras instead: those of ``[extras]`` that list it and those its
  marker names (``extra == "web"``). Lock-version 2.0 (Poetry 1.2–1.8) records no groups:
  they are found by walking the lock's dependency graph from what the ``pyproject.toml``
  next to it declares per group (``None`` without one);
- ``markers`` is a string or, per group, a table; the table's markers are joined with
  ``or``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.sources.interface import SourceResult, group_labels, join_groups
from pipwarden.sources.lockcommon import (
    as_list,
    as_str,
    as_table,
    combine_markers,
    header_lines,
    load_lock_toml,
    marker_here,
    name_of,
    parse_lock_marker,
    pin,
    sibling_pyproject,
)

__all__ = ["FORMAT", "read"]

FORMAT = "poetry.lock"


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a poetry.lock; see the module docstring. For lock-version 2.0 (no groups) the
    ``pyproject.toml`` next to it (inside ``root``) gives the groups."""
    name = str(path)
    data, text = load_lock_toml(path)
    metadata = as_table(data.get("metadata", {}), name, "[metadata]")
    lock_version = metadata.get("lock-version")
    if lock_version is not None and not str(lock_version).startswith(("1.", "2.")):
        raise InputError(f"unsupported lock-version {lock_version!r} (pipwarden reads 1.x, 2.x)",
                         path=name)
    files_by_name = {
        canonical_name(str(key)): value
        for key, value in as_table(metadata.get("files", {}), name,
                                   "[metadata.files]").items()
    }
    extras_of = _extras_by_package(data, name)
    raw_packages = as_list(data.get("package", []), name, "[[package]]")
    lines = header_lines(text, "package")
    if len(lines) != len(raw_packages):
        lines = []
    entries = [
        _entry(index, raw, name, lines[index] if lines else None, files_by_name, extras_of)
        for index, raw in enumerate(raw_packages)
    ]
    if not any(isinstance(raw, dict) and ("groups" in raw or "category" in raw)
               for raw in raw_packages):
        entries = _labels_from_pyproject(entries, raw_packages, path, root)
    deps: list[Dependency] = []
    for dep in entries:
        line = dep.location.line
        if this_platform and dep.marker is not None and not marker_here(
            parse_lock_marker(dep.marker, name, dep.raw_name, line)
        ):
            continue
        deps.append(dep)
    return SourceResult(name, FORMAT, tuple(deps))


def _labels_from_pyproject(entries: list[Dependency], raw_packages: list[Any], lock: Path,
                           root: Path) -> list[Dependency]:
    """Lock-version 2.0 records no groups: walk the lock's ``[package.dependencies]`` from
    what the ``pyproject.toml`` next to it declares in each group (optional edges are only
    followed through the extras that ask for them, which a lock does not say: skipped)."""
    declared = sibling_pyproject(lock, root)
    if declared is None:
        return entries
    edges: dict[str, list[str]] = {}
    for raw in raw_packages:
        table = raw if isinstance(raw, dict) else {}
        requires = table.get("dependencies")
        targets: list[str] = []
        if isinstance(requires, dict):
            for target, spec in requires.items():
                optional = (isinstance(spec, dict) and spec.get("optional") is True) or (
                    isinstance(spec, list) and all(
                        isinstance(s, dict) and s.get("optional") is True for s in spec))
                if not optional:
                    targets.append(canonical_name(str(target)))
        edges.setdefault(canonical_name(str(table.get("name", ""))), []).extend(targets)
    labels: dict[str, set[str]] = {}
    for start, start_labels in declared[0].items():
        for label in start_labels:
            queue, seen = [start], {start}
            while queue:
                current = queue.pop()
                labels.setdefault(current, set()).add(label)
                for target in edges.get(current, ()):
                    if target not in seen:
                        seen.add(target)
                        queue.append(target)
    return [replace(e, group=join_groups({*group_labels(e), *labels[e.name]}))
            if e.name in labels else e for e in entries]


def _extras_by_package(data: dict[str, Any], path: str) -> dict[str, set[str]]:
    """Package name → the extras of ``[extras]`` that list it."""
    found: dict[str, set[str]] = {}
    for extra, items in as_table(data.get("extras", {}), path, "[extras]").items():
        for item in as_list(items, path, f"[extras].{extra}"):
            text = as_str(item, path, f"[extras].{extra}")
            # Poetry 1.x wrote "name (>=1.0)"; keep the name
            target = text.split("(", 1)[0].split("[", 1)[0].split(";", 1)[0].strip()
            found.setdefault(canonical_name(target), set()).add(str(extra))
    return found


def _entry(
    index: int,
    raw: object,
    path: str,
    line: int | None,
    files_by_name: dict[str, Any],
    extras_of: dict[str, set[str]],
) -> Dependency:
    table = as_table(raw, path, f"package[{index}]", line)
    raw_name = name_of(table, path, f"package[{index}]", line)
    where = f"package {raw_name!r}"
    specifier = pin(table.get("version"), path, where, line)
    url, editable = _source(table, path, where, line)
    marker = _marker(table.get("markers"), path, where, line)
    labels = _labels(table, path, where, line)
    if table.get("optional") is True:
        extras = set(extras_of.get(canonical_name(raw_name), set()))
        if marker is not None:
            extras |= parse_lock_marker(marker, path, f"{where}: markers", line).names_in("extra")
        if extras:
            labels.discard("main")
            labels |= {f"optional:{e}" for e in extras}
    files = table.get("files")
    if files is None:
        files = files_by_name.get(canonical_name(raw_name), [])
    hashes = []
    for item in as_list(files, path, f"{where}: files", line):
        digest = as_table(item, path, f"{where}: files", line).get("hash")
        if digest is not None:
            hashes.append(as_str(digest, path, f"{where}: files hash", line))
    return Dependency(
        name=canonical_name(raw_name),
        raw_name=raw_name,
        specifier=specifier,
        location=Location(path, line),
        text=f"{raw_name}{specifier}" if url is None else f"{raw_name} @ {url}",
        marker=marker,
        url=url,
        hashes=tuple(hashes),
        editable=editable,
        group=join_groups(labels),
    )


def _source(table: dict[str, Any], path: str, where: str,
            line: int | None) -> tuple[str | None, bool]:
    source = table.get("source")
    if source is None:
        return None, False
    source = as_table(source, path, f"{where}: source", line)
    kind = as_str(source.get("type"), path, f"{where}: source.type", line)
    if kind == "legacy":
        return None, False
    url = as_str(source.get("url"), path, f"{where}: source.url", line)
    if kind == "git":
        ref = source.get("resolved_reference") or source.get("reference")
        prefix = "" if url.startswith("git+") else "git+"
        return (f"{prefix}{url}@{ref}" if isinstance(ref, str) and ref else f"{prefix}{url}",
                False)
    if kind in ("url", "file", "directory"):
        return url, table.get("develop") is True
    raise InputError(f"{where}: unknown source type {kind!r}", path=path, line=line)


def _marker(value: object, path: str, where: str, line: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        texts = [as_str(v, path, f"{where}: markers.{k}", line) for k, v in value.items()]
        for text in texts:
            parse_lock_marker(text, path, f"{where}: markers", line)
        return combine_markers(texts) if texts else None
    text = as_str(value, path, f"{where}: markers", line)
    parse_lock_marker(text, path, f"{where}: markers", line)
    return text


def _labels(table: dict[str, Any], path: str, where: str, line: int | None) -> set[str]:
    groups = table.get("groups")
    if groups is not None:
        names = [as_str(g, path, f"{where}: groups", line)
                 for g in as_list(groups, path, f"{where}: groups", line)]
    elif table.get("category") is not None:
        names = [as_str(table["category"], path, f"{where}: category", line)]
    else:
        return set()
    return {"main" if n == "main" else f"group:{n}" for n in names}
