"""``pdm.lock``: PDM's lock file (lock_version 3.x and 4.x).

PDM writes a package once per extras combination (``requests`` and ``requests[socks]`` are
two ``[[package]]`` tables at the same version): entries are merged by name and version (or
source), their groups and extras united, the first table's line kept. ``groups`` (4.4+)
gives the labels: ``default`` is ``main``, any other group ``group:<name>`` (PDM does not
say whether a group is an extra or a dev group: the ``pyproject.toml`` next to the lock
does, and a group that is one of its ``[project.optional-dependencies]`` is
``optional:<name>``); older locks have no groups (``None``).
``git`` (+ ``revision``), ``url`` and ``path`` entries keep their source in ``url``.
Hashes come from ``files`` or, in 3.x, ``[metadata.files]`` keyed ``"name version"``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.sources.interface import NotChecked, SourceResult, join_groups
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

FORMAT = "pdm.lock"


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a pdm.lock; see the module docstring. The ``pyproject.toml`` next to it (inside
    ``root``) tells which PDM groups are extras."""
    name = str(path)
    data, text = load_lock_toml(path)
    declared = sibling_pyproject(path, root)
    extras_names = declared[1] if declared is not None else set()
    metadata = as_table(data.get("metadata", {}), name, "[metadata]")
    old_files = as_table(metadata.get("files", {}), name, "[metadata.files]")
    raw_packages = as_list(data.get("package", []), name, "[[package]]")
    lines = header_lines(text, "package")
    if len(lines) != len(raw_packages):
        lines = []
    merged: dict[tuple[str, str, str], tuple[Dependency, set[str], list[str | None],
                                             set[str]]] = {}
    unchecked: list[NotChecked] = []
    for index, raw in enumerate(raw_packages):
        line = lines[index] if lines else None
        table = as_table(raw, name, f"package[{index}]", line)
        dep, labels = _entry(index, table, name, line, old_files, extras_names)
        if dep is None:
            unchecked.append(NotChecked(str(table.get("name")), Location(name, line),
                                        "neither a version nor a source in pdm.lock"))
            continue
        if this_platform and dep.marker is not None and not marker_here(
            parse_lock_marker(dep.marker, name, dep.raw_name, line)
        ):
            continue
        key = (dep.name, dep.specifier, dep.url or "")
        if key in merged:
            _, seen_labels, markers, extras = merged[key]
            seen_labels |= labels
            markers.append(dep.marker)
            extras |= set(dep.extras)
        else:
            merged[key] = (dep, set(labels), [dep.marker], set(dep.extras))
    deps = [
        replace(dep, group=join_groups(labels), marker=combine_markers(markers),
                extras=tuple(sorted(extras)))
        for dep, labels, markers, extras in merged.values()
    ]
    return SourceResult(name, FORMAT, tuple(deps), tuple(unchecked))


def _entry(index: int, table: dict[str, Any], path: str, line: int | None,
           old_files: dict[str, Any],
           extras_names: set[str]) -> tuple[Dependency | None, set[str]]:
    raw_name = name_of(table, path, f"package[{index}]", line)
    where = f"package {raw_name!r}"
    version = table.get("version")
    if version is not None:
        version = as_str(version, path, f"{where}: version", line)
    url: str | None = None
    if "git" in table:
        url = as_str(table["git"], path, f"{where}: git", line)
        ref = table.get("revision") or table.get("ref")
        url = url if url.startswith("git+") else f"git+{url}"
        if isinstance(ref, str) and ref:
            url = f"{url}@{ref}"
    elif "url" in table:
        url = as_str(table["url"], path, f"{where}: url", line)
    elif "path" in table:
        url = as_str(table["path"], path, f"{where}: path", line)
    labels = {
        "main" if g == "default" else f"optional:{g}" if g in extras_names else f"group:{g}"
        for g in (as_str(x, path, f"{where}: groups", line)
                  for x in as_list(table.get("groups", []), path, f"{where}: groups", line))
    }
    if url is None and version is None:
        return None, labels
    marker = table.get("marker")
    if marker is not None:
        marker = parse_lock_marker(marker, path, f"{where}: marker", line).text
    extras = tuple(sorted(canonical_name(as_str(e, path, f"{where}: extras", line))
                          for e in as_list(table.get("extras", []), path, f"{where}: extras",
                                           line)))
    files = table.get("files")
    if files is None and version is not None:
        files = old_files.get(f"{raw_name} {version}", old_files.get(
            f"{canonical_name(raw_name)} {version}", []))
    hashes = []
    for item in as_list(files or [], path, f"{where}: files", line):
        digest = as_table(item, path, f"{where}: files", line).get("hash")
        if digest is not None:
            hashes.append(as_str(digest, path, f"{where}: files hash", line))
    specifier = pin(version, path, where, line) if version is not None else ""
    dep = Dependency(
        name=canonical_name(raw_name),
        raw_name=raw_name,
        specifier=specifier,
        location=Location(path, line),
        text=f"{raw_name}{specifier}" if url is None else f"{raw_name} @ {url}",
        extras=extras,
        marker=marker,
        url=url,
        hashes=tuple(hashes),
        editable=table.get("editable") is True,
    )
    return dep, labels
