"""``Pipfile.lock``: Pipenv's JSON lock (pipfile-spec 6).

Every top-level key but ``_meta`` is a package category: ``default`` (label ``main``),
``develop`` (``group:dev``) and any custom category (``group:<name>``). An entry with
``"version": "==x"`` is pinned; one with ``git`` (+ ``ref``), ``path``, ``file`` or ``editable``
keeps its source in ``url``; one with neither is listed as not checked. A name locked in
several categories at the same version is one entry with every label.

JSON gives no positions, so a small scanner walks the text once and records the line of
every key of every object at depth 2 (``"default": {"jinja2": {`` → the line of
``"jinja2"``).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.sources.interface import NotChecked, SourceResult, join_groups
from pipwarden.sources.lockcommon import (
    as_list,
    as_str,
    as_table,
    combine_markers,
    marker_here,
    parse_lock_marker,
    pin,
    read_text,
)

__all__ = ["FORMAT", "read"]

FORMAT = "Pipfile.lock"

_MAX_DEPTH = 64


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a Pipfile.lock; see the module docstring. ``root`` is unused."""
    del root
    name = str(path)
    text = read_text(path)
    data = _load_json(text, name)
    lines = _key_lines(text)
    merged: dict[tuple[str, str, str], tuple[Dependency, set[str], list[str | None]]] = {}
    unchecked: list[NotChecked] = []
    for section, packages in data.items():
        if section.startswith("_"):
            continue
        label = {"default": "main", "develop": "group:dev"}.get(section, f"group:{section}")
        for raw_name, entry in as_table(packages, name, f'"{section}"').items():
            line = lines.get((section, raw_name))
            dep = _entry(raw_name, entry, name, line, f'"{section}" "{raw_name}"')
            if dep is None:
                unchecked.append(NotChecked(raw_name, Location(name, line),
                                            "neither a version nor a source in Pipfile.lock"))
                continue
            if this_platform and dep.marker is not None and not marker_here(
                parse_lock_marker(dep.marker, name, raw_name, line)
            ):
                continue
            key = (dep.name, dep.specifier, dep.url or "")
            if key in merged:
                merged[key][1].add(label)
                merged[key][2].append(dep.marker)
            else:
                merged[key] = (dep, {label}, [dep.marker])
    deps = [
        replace(dep, group=join_groups(labels), marker=combine_markers(markers))
        for dep, labels, markers in merged.values()
    ]
    return SourceResult(name, FORMAT, tuple(deps), tuple(unchecked))


def _load_json(text: str, path: str) -> dict[str, Any]:
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", path=path, line=exc.lineno) from None
    except (RecursionError, ValueError) as exc:
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
        raise InputError(f"not valid JSON: {reason}", path=path) from None
    return as_table(data, path, "the document")


def _reject_constant(value: str) -> Any:
    raise ValueError(f"{value} is not JSON")


def _entry(raw_name: str, value: object, path: str, line: int | None,
           where: str) -> Dependency | None:
    table = as_table(value, path, where, line)
    as_str(raw_name, path, f"{where}: name", line)
    version = table.get("version")
    url: str | None = None
    editable = table.get("editable") is True
    if "git" in table:
        url = as_str(table["git"], path, f"{where}: git", line)
        ref = table.get("ref")
        url = url if url.startswith("git+") else f"git+{url}"
        if isinstance(ref, str) and ref:
            url = f"{url}@{ref}"
    elif "path" in table or "file" in table:
        key = "path" if "path" in table else "file"
        url = as_str(table[key], path, f"{where}: {key}", line)
    specifier = ""
    if version is not None and version != "*":
        text = as_str(version, path, f"{where}: version", line).strip()
        if not text.startswith("=="):
            raise InputError(f"{where}: version {text[:60]!r} is not a pin", path=path, line=line)
        specifier = pin(text.lstrip("=").strip(), path, where, line)
    if not specifier and url is None:
        return None
    marker = table.get("markers")
    if marker is not None:
        marker = parse_lock_marker(marker, path, f"{where}: markers", line).text
    hashes = tuple(as_str(h, path, f"{where}: hashes", line)
                   for h in as_list(table.get("hashes", []), path, f"{where}: hashes", line))
    extras = tuple(sorted(canonical_name(as_str(e, path, f"{where}: extras", line))
                          for e in as_list(table.get("extras", []), path, f"{where}: extras",
                                           line)))
    return Dependency(
        name=canonical_name(raw_name),
        raw_name=raw_name,
        specifier=specifier,
        location=Location(path, line),
        text=f"{raw_name}{specifier}" if url is None else f"{raw_name} @ {url}",
        extras=extras,
        marker=marker,
        url=url,
        hashes=hashes,
        editable=editable,
    )


def _key_lines(text: str) -> dict[tuple[str, str], int]:
    """(section, package) → 1-based line of the package's key, for keys at depth 2."""
    found: dict[tuple[str, str], int] = {}
    depth = 0
    line = 1
    pos = 0
    section: str | None = None
    expect_key = False
    size = len(text)
    while pos < size:
        char = text[pos]
        if char == "\n":
            line += 1
        elif char == '"':
            end = pos + 1
            while end < size and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            raw = text[pos + 1 : end]
            if expect_key:
                try:
                    key = json.loads(f'"{raw}"')
                except (json.JSONDecodeError, ValueError):
                    key = raw
                if depth == 1:
                    section = key
                elif depth == 2 and section is not None:
                    found.setdefault((section, key), line)
                expect_key = False
            line += raw.count("\n")
            pos = end
        elif char == "{":
            depth += 1
            expect_key = True
        elif char == "}":
            depth -= 1
        elif char == ",":
            expect_key = _in_object(text, pos)
        elif char == "[":
            depth += 1000  # keys inside arrays never count
        elif char == "]":
            depth -= 1000
        pos += 1
    return found


def _in_object(text: str, pos: int) -> bool:
    """After a comma: the next token is a key when the next non-blank char is a quote that
    is followed by a colon. Cheap approximation, good for keys at a fixed depth."""
    rest = text[pos + 1 : pos + 400].lstrip()
    if not rest.startswith('"'):
        return False
    end = 1
    while end < len(rest) and rest[end] != '"':
        end += 2 if rest[end] == "\\" else 1
    return rest[end + 1 :].lstrip().startswith(":")
