"""Conda ``environment.yml`` / ``environment.yaml``: the ``pip:`` list as requirements, the
conda packages as "not checked".

The file is read with :mod:`pipwarden.sources.miniyaml` (fail closed: a YAML construct it
does not read is exit 2 naming file and line). Under ``dependencies``:

- a string (``numpy=1.26``, ``conda-forge::python>=3.11``) is a conda package: PyPI data
  does not judge it, so it is listed in ``not_checked``, never dropped;
- a ``pip:`` list is requirements-file lines, read by the requirements parser exactly as
  pip reads a file: ``-e``, ``-r`` (relative to this file, and only inside ``root``),
  ``--extra-index-url`` (kept in ``options``), URLs and markers. Each line keeps the line
  and column it has in the YAML file. The entries are declared requirements (ranges get
  the floor audit), labelled ``main``.

``name``, ``channels``, ``variables`` and the ``prefix:`` that ``conda env export`` adds are
ignored; ``this_platform=True`` drops pip entries whose marker is false here.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location
from pipwarden.redact import redact_text
from pipwarden.sources.interface import NotChecked, SourceResult
from pipwarden.sources.lockcommon import marker_here, read_text
from pipwarden.sources.lockmarkers import MarkerError, parse_marker
from pipwarden.sources.miniyaml import YamlMap, YamlScalar, YamlSeq, parse_yaml
from pipwarden.sources.requirements import OptionLine, Resolver, parse_requirements_text

__all__ = ["CONDA_NAMES", "FORMAT", "read"]

FORMAT = "environment.yml"

#: File names of a conda environment file.
CONDA_NAMES = frozenset({"environment.yml", "environment.yaml"})

_CONDA_REASON = "conda package, not checked by PyPI data"


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a conda environment file; see the module docstring."""
    name = str(path)
    document = parse_yaml(read_text(path), name)
    if document is None:
        return SourceResult(name, FORMAT, ())
    if not isinstance(document, YamlMap):
        raise InputError("a conda environment file is a mapping", path=name,
                         line=_line_of(document))
    deps_node = document.get("dependencies")
    if deps_node is None or (isinstance(deps_node, YamlScalar) and deps_node.value is None):
        return SourceResult(name, FORMAT, ())
    if not isinstance(deps_node, YamlSeq):
        raise InputError("dependencies must be a list", path=name, line=_line_of(deps_node))
    unchecked: list[NotChecked] = []
    pip_lines: list[YamlScalar] = []
    for item in deps_node.items:
        if isinstance(item, YamlScalar):
            if item.value is None:
                raise InputError("an empty item in dependencies", path=name, line=item.line)
            # a conda item may be an explicit URL, with credentials: never keep them
            unchecked.append(NotChecked(redact_text(item.value),
                                        Location(name, item.line, item.column), _CONDA_REASON))
        elif isinstance(item, YamlMap):
            for key, key_line, value in item.entries:
                if key != "pip":
                    unchecked.append(NotChecked(redact_text(key), Location(name, key_line),
                                                f"unknown entry {key!r} in dependencies"))
                    continue
                pip_lines.extend(_pip_items(value, name, key_line))
        else:
            raise InputError("a nested list in dependencies", path=name, line=item.line)
    deps, options = _pip_requirements(pip_lines, path, root)
    if this_platform:
        deps = [d for d in deps if _applies_here(d)]
    return SourceResult(name, FORMAT, tuple(deps), tuple(unchecked), tuple(options))


def _line_of(node: YamlScalar | YamlSeq | YamlMap) -> int:
    return node.line


def _pip_items(node: YamlScalar | YamlSeq | YamlMap, path: str, line: int) -> list[YamlScalar]:
    if isinstance(node, YamlScalar) and node.value is None:
        return []
    if not isinstance(node, YamlSeq):
        raise InputError("pip: must be a list of requirement lines", path=path, line=line)
    items: list[YamlScalar] = []
    for item in node.items:
        if not isinstance(item, YamlScalar) or item.value is None:
            raise InputError("pip: items must be requirement strings", path=path,
                             line=getattr(item, "line", line))
        if "\n" in item.value or "\r" in item.value:
            raise InputError("pip: a requirement holds a line break", path=path, line=item.line)
        items.append(item)
    return items


def _pip_requirements(items: list[YamlScalar], path: Path,
                      root: Path) -> tuple[list[Dependency], list[OptionLine]]:
    """Lay the pip lines out at their YAML line and column, then parse them as a file."""
    if not items:
        return [], []
    rows: dict[int, str] = {}
    for item in items:
        if item.line in rows:
            raise InputError("pip: two requirements on one line", path=str(path),
                             line=item.line)
        column = item.column + 1 if item.quoted else item.column
        rows[item.line] = " " * max(column - 1, 0) + str(item.value)
    text = "\n".join(rows.get(n, "") for n in range(1, max(rows) + 1)) + "\n"
    parsed = parse_requirements_text(text, str(path), resolver=_resolver(root))
    deps = [replace(d, group="main") if d.group is None else d for d in parsed.dependencies]
    return deps, list(parsed.options)


def _resolver(root: Path) -> Resolver:
    """Read ``-r`` targets, but only inside the project ``root`` (never through a link that
    leaves it)."""
    base = Path(root).resolve()

    def read_include(target: str) -> str | None:
        real = Path(target).resolve()
        if real != base and base not in real.parents:
            raise InputError("the included file is outside the project")
        if not real.exists():
            return None
        return read_text(real)

    return read_include


def _applies_here(dep: Dependency) -> bool:
    if dep.marker is None:
        return True
    try:
        return marker_here(parse_marker(dep.marker))
    except MarkerError:
        return True
