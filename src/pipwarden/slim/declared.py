"""Declared dependencies of a project: requirements files and ``pyproject.toml``.

A deliberately small reader for ``slim`` (names, extras, where declared). Malformed
lines and files become :class:`~pipwarden.slim.imports.FileProblem` values so the rest
of the project is still checked.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from pipwarden.models import Dependency, Location
from pipwarden.slim.imports import FileProblem

__all__ = [
    "Declared",
    "lowest_python",
    "read_declared",
    "read_pyproject_dependencies",
    "read_requirements_file",
]

_SKIP_OPTIONS = (
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--trusted-host",
    "--pre", "--only-binary", "--no-binary", "--prefer-binary", "--require-hashes",
    "--use-feature", "--no-index", "-Z", "--always-unzip",
)
_EGG_RE = re.compile(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_TOML_LINE_RE = re.compile(r"at line (\d+)")


@dataclass(frozen=True)
class Declared:
    """What the project declares, where, and what went wrong reading it."""

    dependencies: tuple[Dependency, ...] = ()
    files: tuple[str, ...] = ()
    requires_python: str | None = None
    problems: tuple[FileProblem, ...] = ()


def _strip_comment(line: str) -> str:
    if line.lstrip().startswith("#"):
        return ""
    return re.split(r"\s+#", line, maxsplit=1)[0].strip()


def _logical_lines(text: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    buffer = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not buffer:
            start = number
        line = raw.rstrip()
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        out.append((start, buffer + line))
        buffer = ""
    if buffer:
        out.append((start, buffer))
    return out


def read_requirements_file(
    path: Path, root: Path, *, _seen: set[Path] | None = None
) -> tuple[list[Dependency], list[FileProblem], list[str]]:
    """Dependencies of one requirements file, following ``-r`` includes."""
    seen = _seen if _seen is not None else set()
    resolved = path.resolve()
    try:
        rel = path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        rel = str(path)
    if resolved in seen:
        return [], [], []
    seen.add(resolved)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [FileProblem(rel, None, f"cannot read: {exc}")], [rel]
    deps: list[Dependency] = []
    problems: list[FileProblem] = []
    files = [rel]
    for number, raw in _logical_lines(text):
        line = _strip_comment(raw)
        if not line:
            continue
        if line.startswith(("-r", "--requirement")):
            target = re.sub(r"^(-r|--requirement)[=\s]*", "", line).strip()
            sub_deps, sub_problems, sub_files = read_requirements_file(
                path.parent / target, root, _seen=seen
            )
            deps += sub_deps
            problems += sub_problems
            files += sub_files
            continue
        if line.startswith(("-c", "--constraint")) or line.startswith(_SKIP_OPTIONS):
            continue
        editable = False
        if line.startswith(("-e", "--editable")):
            editable = True
            line = re.sub(r"^(-e|--editable)[=\s]*", "", line).strip()
        line = re.split(r"\s+--", line, maxsplit=1)[0].strip()  # per-line --hash options
        egg = _EGG_RE.search(line)
        if egg or "://" in line.split("@")[0] or line.startswith((".", "/", "file:")):
            if egg:
                name = egg.group(1)
                deps.append(
                    Dependency(
                        name=str(canonicalize_name(name)), raw_name=name, specifier="",
                        location=Location(rel, number), text=raw.strip(), url=line,
                        editable=editable,
                    )
                )
            continue
        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            problems.append(FileProblem(rel, number, f"cannot parse {line!r}: {exc}"))
            continue
        deps.append(_dependency(req, Location(rel, number), raw.strip(), editable=editable))
    return deps, problems, files


def _dependency(
    req: Requirement, location: Location, text: str, *, group: str | None = None,
    editable: bool = False,
) -> Dependency:
    return Dependency(
        name=str(canonicalize_name(req.name)),
        raw_name=req.name,
        specifier=str(req.specifier),
        location=location,
        text=text,
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker else None,
        url=req.url,
        editable=editable,
        group=group,
    )


def _line_of(text: str, needle: str) -> int | None:
    quoted = (f'"{needle}"', f"'{needle}'")
    for number, line in enumerate(text.splitlines(), start=1):
        if any(q in line for q in quoted):
            return number
    return None


def read_pyproject_dependencies(
    path: Path, root: Path
) -> tuple[list[Dependency], str | None, list[FileProblem]]:
    """``[project]`` dependencies, optional dependencies and ``[dependency-groups]``."""
    rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    try:
        text = path.read_text(encoding="utf-8")
        data: dict[str, Any] = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        return [], None, [FileProblem(rel, None, f"cannot read: {exc}")]
    except tomllib.TOMLDecodeError as exc:
        match = _TOML_LINE_RE.search(str(exc))
        line = int(match.group(1)) if match else None
        return [], None, [FileProblem(rel, line, f"not valid TOML: {exc}")]
    project = data.get("project", {})
    project = project if isinstance(project, dict) else {}
    entries: list[tuple[str, str | None]] = []
    entries += [(d, None) for d in project.get("dependencies", []) if isinstance(d, str)]
    optional = project.get("optional-dependencies", {})
    if isinstance(optional, dict):
        for extra, items in optional.items():
            entries += [(d, str(extra)) for d in items if isinstance(d, str)]
    groups = data.get("dependency-groups", {})
    if isinstance(groups, dict):
        for group, items in groups.items():
            entries += [(d, str(group)) for d in items if isinstance(d, str)]
    deps: list[Dependency] = []
    problems: list[FileProblem] = []
    for entry, group in entries:
        line = _line_of(text, entry)
        try:
            req = Requirement(entry)
        except InvalidRequirement as exc:
            problems.append(FileProblem(rel, line, f"cannot parse {entry!r}: {exc}"))
            continue
        deps.append(_dependency(req, Location(rel, line), entry, group=group))
    requires_python = project.get("requires-python")
    return deps, requires_python if isinstance(requires_python, str) else None, problems


def read_declared(root: Path) -> Declared:
    """Requirements files (``requirements*.txt``, ``requirements/*.txt``) and pyproject."""
    deps: list[Dependency] = []
    problems: list[FileProblem] = []
    files: list[str] = []
    seen: set[Path] = set()
    candidates = sorted(root.glob("requirements*.txt")) + sorted(root.glob("requirements/*.txt"))
    for path in candidates:
        if path.resolve() in seen:
            continue
        found, found_problems, found_files = read_requirements_file(path, root, _seen=seen)
        deps += found
        problems += found_problems
        files += [f for f in found_files if f not in files]
    requires_python = None
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        found_deps, requires_python, found_problems = read_pyproject_dependencies(pyproject, root)
        deps += found_deps
        problems += found_problems
        files.append("pyproject.toml")
    return Declared(tuple(deps), tuple(files), requires_python, tuple(problems))


def lowest_python(requires_python: str | None) -> tuple[int, int] | None:
    """The lowest ``(major, minor)`` a ``requires-python`` specifier admits, if any."""
    if not requires_python:
        return None
    try:
        spec = SpecifierSet(requires_python)
    except InvalidSpecifier:
        return None
    for major, minor in [(2, 7)] + [(3, m) for m in range(30)]:
        if any(spec.contains(f"{major}.{minor}.{micro}") for micro in (0, 99)):
            return (major, minor)
    return None
