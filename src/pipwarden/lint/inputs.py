"""What lint rules see of a requirements file or a pyproject.toml: parsed dependencies with
the file offsets a fix needs.

Parsing is :mod:`pipwarden.sources` (pip's requirements format, PEP 621/735 pyproject);
this module only places each parsed requirement back into the file's text, so that a
finding carries a line and column and a fix is an exact text edit. A requirement that
cannot be placed (it spans a ``\\`` continuation, or a TOML string holds escapes) is still
checked but never rewritten.
"""

from __future__ import annotations

from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency
from pipwarden.sources.requirements import (
    OptionLine,
    RequirementParts,
    name_is_written,
    parse_requirements_text,
    requirement_parts,
)

__all__ = ["Include", "ReqEntry", "Scanned", "scan_pyproject", "scan_requirements"]


@frozen
class ReqEntry:
    """One parsed requirement and where its text, name and specifier sit in the file.

    Offsets are character offsets into the file text (``-1`` when not locatable);
    ``spec_start == spec_end`` is where a missing specifier would be inserted.
    """

    dependency: Dependency
    line: int
    column: int
    start: int
    name_start: int = -1
    spec_start: int = -1
    spec_end: int = -1
    constraint: bool = False

    @property
    def name(self) -> str | None:
        """PEP 503 name; ``None`` for a URL or path that does not write its name."""
        return self.dependency.name if name_is_written(self.dependency) else None

    @property
    def raw_name(self) -> str | None:
        return self.dependency.raw_name if name_is_written(self.dependency) else None

    @property
    def text(self) -> str:
        return self.dependency.text

    @property
    def specifier(self) -> str:
        return self.dependency.specifier

    @property
    def marker(self) -> str | None:
        return self.dependency.marker

    @property
    def url(self) -> str | None:
        return self.dependency.url

    @property
    def hashes(self) -> tuple[str, ...]:
        return self.dependency.hashes

    def written(self, start: int, end: int) -> str | None:
        """The file text at ``[start, end)`` (offsets inside this entry), or ``None``."""
        if self.start < 0 or start < self.start or end > self.start + len(self.text):
            return None
        return self.text[start - self.start : end - self.start]


@frozen
class Include:
    """A ``-r`` / ``-c`` line: the path as written, whether it is a constraint, its line."""

    target: str
    constraint: bool
    line: int


@frozen
class Scanned:
    """A scanned file: its entries, its options, its includes and the lines pip rejects."""

    path: str
    entries: tuple[ReqEntry, ...]
    options: tuple[OptionLine, ...] = ()
    includes: tuple[Include, ...] = ()
    errors: tuple[InputError, ...] = ()


def _entry(dependency: Dependency, text: str, start: int) -> ReqEntry:
    """Place ``dependency`` at ``start`` in ``text`` when its text is really there."""
    line = dependency.location.line or 1
    column = dependency.location.column or 1
    if start < 0 or text[start : start + len(dependency.text)] != dependency.text:
        return ReqEntry(dependency, line, column, -1)
    parts: RequirementParts | None = requirement_parts(dependency.text)
    if parts is None:
        return ReqEntry(dependency, line, column, start)
    spec = parts.specifier
    return ReqEntry(
        dependency,
        line,
        column,
        start,
        name_start=start + parts.name[0],
        spec_start=start + spec[0] if spec is not None else -1,
        spec_end=start + spec[1] if spec is not None else -1,
    )


def scan_requirements(path: str, text: str, *, root: Path | str | None = None) -> Scanned:
    """A requirements file as written: no ``${VAR}`` expansion, includes listed (the
    runner reads each included file itself); bad lines become errors. With ``root``
    (the project root), bad lines of a file outside it are reported without content."""
    parsed = parse_requirements_text(text, path, environ={}, collect_errors=True, root=root)
    offsets = {line.lineno: line.offset for line in parsed.lines}
    entries = []
    for dependency in parsed.dependencies:
        line, column = dependency.location.line, dependency.location.column
        start = offsets[line] + column - 1 if line in offsets and column else -1
        entries.append(_entry(dependency, text, start))
    includes = tuple(
        Include(option.value or "", option.name == "--constraint", option.location.line or 1)
        for option in parsed.options
        if option.name in ("--requirement", "--constraint") and option.value
    )
    return Scanned(path, tuple(entries), parsed.options, includes, parsed.errors)


def scan_pyproject(path: str, text: str) -> Scanned:
    """``[project]`` dependencies, extras and dependency groups (each string once).

    A file that is not TOML raises :class:`InputError` with the line tomllib names.
    """
    from pipwarden.sources.pyproject import read_pyproject  # packaging.requirements: lazy

    project = read_pyproject(path, collect_errors=True, expand_includes=False, text=text)
    line_starts = [0]
    line_starts += [i + 1 for i, char in enumerate(text) if char == "\n"]
    entries = []
    for dependency in project.dependencies:
        line, column = dependency.location.line, dependency.location.column
        start = -1
        if line is not None and column is not None and line <= len(line_starts):
            start = line_starts[line - 1] + column - 1
        entries.append(_entry(dependency, text, start))
    return Scanned(path, tuple(entries), errors=project.errors)
