"""Dependency strings of a pyproject.toml, with the file position of each string's text."""

from __future__ import annotations

import re
import tomllib
from dataclasses import replace
from typing import Any

from pipwarden.errors import InputError
from pipwarden.lint.reqfile import ReqEntry, ReqFile, scan_requirements

__all__ = ["scan_pyproject"]

_TOML_POS = re.compile(r"at line (\d+), column (\d+)")
# basic strings without escapes and literal strings: the forms dependency lists use
_STRING = re.compile(r"\"((?:[^\"\\\n]|\\.)*)\"|'([^'\n]*)'")


def _dependency_strings(data: dict[str, Any]) -> list[str]:
    found: list[str] = []
    project = data.get("project")
    if isinstance(project, dict):
        deps = project.get("dependencies")
        if isinstance(deps, list):
            found.extend(d for d in deps if isinstance(d, str))
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for values in optional.values():
                if isinstance(values, list):
                    found.extend(d for d in values if isinstance(d, str))
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for values in groups.values():
            if isinstance(values, list):
                found.extend(d for d in values if isinstance(d, str))
    return found


def scan_pyproject(path: str, text: str) -> ReqFile:
    """Requirement entries of ``[project]`` dependencies, extras and dependency groups.

    A file that is not TOML raises :class:`InputError` with the line tomllib names.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _TOML_POS.search(str(exc))
        line = int(where.group(1)) if where else None
        if line is None and "end of document" in str(exc):
            line = text.count("\n") + (0 if text.endswith("\n") else 1)
        reason = re.sub(r"\s*\((at line .*|at end of document)\)", "", str(exc)) or "invalid"
        raise InputError(f"not valid TOML: {reason}", path=path, line=line) from None
    wanted = _dependency_strings(data)
    if not wanted:
        return ReqFile(path, text, (), (), (), ())
    # Find each dependency's string literal, in order, after the first dependency table.
    first = min(
        (
            m.start()
            for key in ("dependencies", "optional-dependencies", "dependency-groups")
            for m in re.finditer(rf"(?m)^\s*\[?{re.escape(key)}\b", text)
        ),
        default=0,
    )
    literals: dict[str, list[int]] = {}
    for match in _STRING.finditer(text, first):
        value = match.group(1) if match.group(1) is not None else match.group(2)
        literals.setdefault(value, []).append(match.start() + 1)
    entries: list[ReqEntry] = []
    errors: list[InputError] = []
    for dep in wanted:
        offsets = literals.get(dep)
        start = offsets.pop(0) if offsets else -1
        # Reuse the requirements scanner on a text where the string sits at its own offset.
        scanned = scan_requirements(path, _pad(text, start, dep))
        if scanned.errors:
            line = text.count("\n", 0, start) + 1 if start >= 0 else None
            errors.extend(InputError(e.reason, path=path, line=line) for e in scanned.errors)
        if start < 0:  # not locatable (escapes in the string): report, never rewrite
            line = text.count("\n", 0, first) + 1
            entries.extend(
                replace(e, line=line, column=1, start=-1, name_start=-1, spec_start=-1)
                for e in scanned.entries
            )
        else:
            entries.extend(scanned.entries)
    return ReqFile(path, text, tuple(entries), (), (), tuple(errors))


def _pad(text: str, start: int, dep: str) -> str:
    """``dep`` placed at ``start`` with every other character blanked, lines kept."""
    if start < 0:
        return dep
    prefix = re.sub(r"[^\n]", " ", text[:start])
    # blank the prefix's last line so the scanner sees the dependency alone on its line
    return prefix + dep
