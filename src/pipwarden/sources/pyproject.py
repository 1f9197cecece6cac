"""Dependencies declared in ``pyproject.toml``: PEP 621 ``[project]`` and PEP 735 groups.

tomllib gives no positions, so each dependency string is found again in the raw text:
from the header of its table (and the key of its array), the next occurrence of the quoted
string is its line. Good enough for ``file:line`` in reports and for lint fixes, and it never
guesses a line from another table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.redact import redact_text

__all__ = ["PyProject", "TomlLocator", "load_toml", "parse_toml", "read_pyproject"]


@frozen
class PyProject:
    """What pipwarden needs from a pyproject.toml.

    ``dependencies`` carry ``group``: ``None`` for ``[project].dependencies``,
    ``"optional:<extra>"`` for optional dependencies, ``"group:<name>"`` for
    ``[dependency-groups]`` (includes expanded; the included strings keep their own lines).
    ``build_requires`` come from ``[build-system].requires`` (group ``"build"``).
    ``errors`` lists the dependency strings that are not valid requirements, when read
    with ``collect_errors=True`` (those strings are left out).
    """

    path: str
    name: str | None
    requires_python: str | None
    dependencies: tuple[Dependency, ...]
    tool_pipwarden: dict[str, Any] = field(default_factory=dict)
    build_requires: tuple[Dependency, ...] = ()
    dynamic: tuple[str, ...] = ()
    errors: tuple[InputError, ...] = ()


def load_toml(path: Path | str) -> tuple[dict[str, Any], str]:
    """Parsed TOML and its text; a missing file or bad TOML raises :class:`InputError`
    naming the file and, for syntax errors, the line tomllib reports."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=name) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", path=name, line=line) from None
    return parse_toml(text, name)


def parse_toml(text: str, name: str) -> tuple[dict[str, Any], str]:
    """:func:`load_toml` for text already read (``name`` for messages); each text is
    parsed once per run (:mod:`pipwarden.tomlcache`)."""
    from pipwarden import tomlcache

    text = text.removeprefix("\ufeff")
    try:
        return tomlcache.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        lineno = getattr(exc, "lineno", None)
        if not isinstance(lineno, int):
            match = re.search(r"at line (\d+)", message)
            lineno = int(match.group(1)) if match else None
            if lineno is None and "end of document" in message:
                lineno = max(len(text.splitlines()), 1)
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        reason = re.sub(r"\s*\(at end of document\)", "", reason)
        raise InputError(f"not valid TOML: {reason}", path=name, line=lineno) from None


class TomlLocator:
    """Find the line and column of strings inside a table of a TOML text, in order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._headers = [
            (m.start(), m.group(1).strip())
            for m in re.finditer(r"(?m)^[ \t]*\[\[?([^\[\]\n]+?)\]\]?[ \t]*(?:#.*)?$", text)
        ]
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def table_span(self, dotted: str, occurrence: int = 0) -> tuple[int, int] | None:
        """Offsets of the body of the ``occurrence``-th ``[dotted]`` / ``[[dotted]]`` table."""
        wanted = _normalise_key(dotted)
        seen = 0
        for index, (start, name) in enumerate(self._headers):
            if _normalise_key(name) == wanted:
                if seen == occurrence:
                    end = (self._headers[index + 1][0] if index + 1 < len(self._headers)
                           else len(self.text))
                    return start, end
                seen += 1
        return None

    def key_offset(self, start: int, end: int, key: str) -> int | None:
        """Offset just after ``key =`` (bare, quoted or dotted tail) within a span."""
        pattern = re.compile(
            r"(?m)^[ \t]*(?:[A-Za-z0-9_\-\"'. ]+\.)?[ \t]*[\"']?" + re.escape(key)
            + r"[\"']?[ \t]*="
        )
        match = pattern.search(self.text, start, end)
        return match.end() if match else None

    def find_string(self, value: str, start: int, end: int) -> int | None:
        """Offset of the next quoted occurrence of ``value`` within a span."""
        best: int | None = None
        for quoted in _quoted_forms(value):
            pos = self.text.find(quoted, start, end)
            if pos >= 0 and (best is None or pos < best):
                best = pos
        return None if best is None else best + 1

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        lo, hi = 0, len(self._line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self._line_starts[lo] + 1


def _normalise_key(dotted: str) -> str:
    parts = [p.strip().strip("\"'") for p in dotted.split(".")]
    return ".".join(parts)


def _quoted_forms(value: str) -> list[str]:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return [f'"{escaped}"', f"'{value}'", f'"""{value}"""', f"'''{value}'''"]


class _Cursor:
    """Locate successive strings of one array, never going back (duplicates get their own
    lines)."""

    def __init__(self, locator: TomlLocator, span: tuple[int, int] | None, key: str | None):
        self.locator = locator
        if span is None:
            self.start, self.end = 0, len(locator.text)
        else:
            self.start, self.end = span
            if key is not None:
                after = locator.key_offset(self.start, self.end, key)
                if after is not None:
                    self.start = after

    def locate(self, value: str) -> tuple[int | None, int | None]:
        pos = self.locator.find_string(value, self.start, self.end)
        if pos is None:
            return None, None
        self.start = pos + len(value)
        return self.locator.position(pos)


def _dependency(
    text: object,
    path: str,
    cursor: _Cursor,
    group: str | None,
    where: str,
    errors: list[InputError] | None = None,
) -> Dependency | None:
    """The dependency of one string; a bad string raises, or with ``errors`` is appended
    there and gives ``None``."""
    if not isinstance(text, str):
        raise InputError(f"{where} must hold strings, found {type(text).__name__}", path=path)
    line, column = cursor.locate(text)
    from packaging.requirements import InvalidRequirement, Requirement  # (a pyproject read)

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        detail = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        error = InputError(f'cannot parse "{redact_text(text)}" in {where}: {detail}',
                           path=path, line=line)
        if errors is None:
            raise error from None
        errors.append(error)
        return None
    return Dependency(
        name=canonical_name(req.name),
        raw_name=req.name,
        specifier=str(req.specifier),
        location=Location(path, line, column),
        text=text,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
        group=group,
    )


def _string_list(value: object, path: str, where: str) -> list[object]:
    if not isinstance(value, list):
        raise InputError(f"{where} must be an array", path=path)
    return value


def read_pyproject(
    path: Path | str, *, collect_errors: bool = False, expand_includes: bool = True,
    text: str | None = None,
) -> PyProject:
    """Read the dependencies and pipwarden settings of a pyproject.toml.

    A dependency string that is not a valid requirement raises :class:`InputError` (with
    its line), unless ``collect_errors``: then it is skipped and listed in ``errors``
    (a file that is not TOML, or has the wrong shape, still raises). With
    ``expand_includes=False`` a ``{include-group = "…"}`` is checked but not copied: each
    string of the file then appears once, under the group that writes it. ``text`` is the
    file's text when the caller has read it already (``lint`` reads each file once).
    """
    name = str(path)
    data, text = load_toml(path) if text is None else parse_toml(text, name)
    locator = TomlLocator(text)
    project = data.get("project", {})
    if not isinstance(project, dict):
        raise InputError("[project] must be a table", path=name)
    deps: list[Dependency | None] = []
    errors: list[InputError] | None = [] if collect_errors else None

    project_span = locator.table_span("project")
    cursor = _Cursor(locator, project_span, "dependencies")
    for item in _string_list(project.get("dependencies", []), name, "[project].dependencies"):
        deps.append(_dependency(item, name, cursor, None, "[project].dependencies", errors))

    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, dict):
        raise InputError("[project.optional-dependencies] must be a table", path=name)
    optional_span = locator.table_span("project.optional-dependencies")
    for extra, items in optional.items():
        where = f"[project.optional-dependencies].{extra}"
        cursor = (_Cursor(locator, optional_span, extra) if optional_span
                  else _Cursor(locator, project_span, extra))
        for item in _string_list(items, name, where):
            deps.append(_dependency(item, name, cursor, f"optional:{extra}", where, errors))

    deps.extend(_dependency_groups(data.get("dependency-groups", {}), name, locator,
                                   errors=errors, expand=expand_includes))
    # Poetry's and PDM's own tables. Poetry 2 lets [tool.poetry.dependencies] refine a
    # [project].dependencies list; then the PEP 621 list is the declaration that counts.
    from pipwarden.sources.poetry import pdm_dependencies, poetry_dependencies

    tool_deps = poetry_dependencies(data, name, locator, errors)
    if "dependencies" in project:
        tool_deps = [d for d in tool_deps if d.group is not None]
    deps.extend(tool_deps)
    deps.extend(pdm_dependencies(data, name, locator, errors))

    build = data.get("build-system", {})
    build_deps: list[Dependency | None] = []
    if isinstance(build, dict) and "requires" in build:
        cursor = _Cursor(locator, locator.table_span("build-system"), "requires")
        for item in _string_list(build["requires"], name, "[build-system].requires"):
            build_deps.append(_dependency(item, name, cursor, "build", "[build-system].requires",
                                          errors))

    tool = data.get("tool", {})
    settings = tool.get("pipwarden", {}) if isinstance(tool, dict) else {}
    if not isinstance(settings, dict):
        raise InputError("[tool.pipwarden] must be a table", path=name)
    project_name = project.get("name")
    requires_python = project.get("requires-python")
    dynamic = project.get("dynamic", [])
    return PyProject(
        path=name,
        name=project_name if isinstance(project_name, str) else None,
        requires_python=requires_python if isinstance(requires_python, str) else None,
        dependencies=tuple(d for d in deps if d is not None),
        tool_pipwarden=settings,
        build_requires=tuple(d for d in build_deps if d is not None),
        dynamic=tuple(str(d) for d in dynamic) if isinstance(dynamic, list) else (),
        errors=tuple(errors or ()),
    )


def _dependency_groups(
    groups: object,
    path: str,
    locator: TomlLocator,
    *,
    errors: list[InputError] | None = None,
    expand: bool = True,
) -> list[Dependency]:
    """PEP 735 groups, ``{include-group = "x"}`` expanded, cycles and unknown groups rejected."""
    if not isinstance(groups, Mapping):
        raise InputError("[dependency-groups] must be a table", path=path)
    span = locator.table_span("dependency-groups")
    by_norm: dict[str, str] = {}
    for group_name in groups:
        norm: str = canonical_name(str(group_name))
        if norm in by_norm:
            raise InputError(f"dependency group {group_name!r} is defined twice "
                             f"(as {by_norm[norm]!r})", path=path)
        by_norm[norm] = str(group_name)

    # Each group's own strings, located once.
    own: dict[str, list[Dependency | str]] = {}
    for group_name, items in groups.items():
        where = f"[dependency-groups].{group_name}"
        cursor = _Cursor(locator, span, str(group_name))
        entries: list[Dependency | str] = []
        for item in _string_list(items, path, where):
            if isinstance(item, Mapping):
                include = item.get("include-group")
                if not isinstance(include, str) or set(item) != {"include-group"}:
                    raise InputError(f"{where}: a table entry must be {{include-group = \"…\"}}",
                                     path=path)
                entries.append(canonical_name(include))
            else:
                dep = _dependency(item, path, cursor, None, where, errors)
                if dep is not None:
                    entries.append(dep)
        own[canonical_name(str(group_name))] = entries

    def walk(norm: str, chain: tuple[str, ...]) -> list[Dependency]:
        out: list[Dependency] = []
        for entry in own[norm]:
            if isinstance(entry, str):
                if entry not in own:
                    raise InputError(f"dependency group {by_norm[norm]!r} includes unknown group "
                                     f"{entry!r}", path=path)
                if entry in (*chain, norm):
                    cycle = " -> ".join(by_norm[n] for n in (*chain, norm, entry))
                    raise InputError(f"dependency group include cycle: {cycle}", path=path)
                if expand:
                    out.extend(walk(entry, (*chain, norm)))
                else:
                    walk(entry, (*chain, norm))  # still reject cycles and unknown groups
            else:
                out.append(entry)
        return out

    result: list[Dependency] = []
    for norm, original in by_norm.items():
        for dep in walk(norm, ()):
            result.append(replace(dep, group=f"group:{original}"))
    return result

