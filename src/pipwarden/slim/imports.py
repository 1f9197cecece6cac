"""Which modules a project imports: an AST scan of ``.py`` files and notebook code cells.

Nothing is executed or imported. Notebook cells are made parseable first: line magics
(``%time x``), shell escapes (``!dbt run``, ``files = !ls``) and help lines (``obj?``) become
``pass`` so the rest of the cell still counts; shell lines are kept for the tool scan. A cell
that still does not parse is reported and skipped; a notebook that is not JSON is reported
and the scan goes on with the other files.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.frozen import frozen
from pipwarden.models import Location
from pipwarden.scancache import Todo, map_cached
from pipwarden.slim.fastimports import fast_imports
from pipwarden.slim.places import Packed, Places, pack_places
from pipwarden.slim.walk import (
    SKIP_DIRS,
    iter_project_files,
    local_module_names,
    local_modules,
    project_files,
)

if TYPE_CHECKING:
    from pipwarden.scancache import FileCache

__all__ = [
    "SKIP_DIRS",
    "FileProblem",
    "ImportScan",
    "ImportUse",
    "ShellLine",
    "imports_in_source",
    "is_stdlib",
    "iter_project_files",
    "local_module_names",
    "scan_imports",
    "scan_notebook",
]


# Cell magics whose body is Python; any other %%magic (bash, sql, html…) is not.
_PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "python"})
_SHELL_CELL_MAGICS = frozenset({"bash", "sh", "script", "system"})
_ASSIGN_SHELL_RE = re.compile(r"^(\s*)[\w.,\s\[\]()]+=\s*[!%]")
_IMPORT_FUNCS = frozenset({"import_module", "__import__"})


@frozen(order=True)
class ImportUse:
    """One absolute import of ``module`` (dotted, as written) at ``location``."""

    module: str
    location: Location

    @property
    def top(self) -> str:
        return self.module.partition(".")[0]


@frozen(order=True)
class ShellLine:
    """A shell command line found in a notebook (``!cmd`` or a ``%%bash`` cell)."""

    command: str
    location: Location


@frozen(order=True)
class FileProblem:
    """A file that could not be read or parsed (``path:line: message``)."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


@frozen
class ImportScan:
    """Everything one scan found.

    ``by_module``: each module imported, with where — ``(path, line, column)``, in scan
    order, made when first looked at (:class:`~pipwarden.slim.places.Places`) — the
    compact form a large project needs; ``imports`` lists them as :class:`ImportUse`.
    """

    by_module: Mapping[str, Sequence[tuple[str, int, int]]] = field(default_factory=dict)
    shell_lines: tuple[ShellLine, ...] = ()
    problems: tuple[FileProblem, ...] = ()
    partial: tuple[FileProblem, ...] = ()  # read by a line scan: the file did not parse
    files: tuple[str, ...] = ()
    local_modules: frozenset[str] = field(default_factory=frozenset)

    @property
    def imports(self) -> tuple[ImportUse, ...]:
        """Every import, sorted by module then location."""
        return tuple(
            ImportUse(module, Location(path, line, column))
            for module in sorted(self.by_module)
            for path, line, column in sorted(self.by_module[module])
        )


class _Visitor(ast.NodeVisitor):
    def __init__(self) -> None:
        self.found: list[tuple[str, int, int]] = []

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.found.append((alias.name, node.lineno, node.col_offset + 1))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level == 0 and node.module:
            # ``from google.cloud import bigquery`` may import the submodule
            # ``google.cloud.bigquery``: record the longest form, resolution falls back
            # to shorter prefixes when ``bigquery`` is just a name.
            for alias in node.names:
                module = node.module if alias.name == "*" else f"{node.module}.{alias.name}"
                self.found.append((module, node.lineno, node.col_offset + 1))

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _IMPORT_FUNCS and node.args:
            first = node.args[0]
            package = next((k.value for k in node.keywords if k.arg == "package"), None)
            relative = isinstance(first, ast.Constant) and str(first.value).startswith(".")
            if (
                isinstance(first, ast.Constant)
                and isinstance(first.value, str)
                and first.value
                and not relative
                and package is None
            ):
                self.found.append((first.value, node.lineno, node.col_offset + 1))
        self.generic_visit(node)


_LINE_IMPORT_RE = re.compile(
    r"^[ \t]*(?:import[ \t]+(?P<names>[\w.]+(?:[ \t]*,[ \t]*[\w.]+)*)"
    r"|from[ \t]+(?P<module>[\w.]+)[ \t]+import\b)"
)


def imports_by_lines(source: str, path: str, *, line_offset: int = 0) -> list[ImportUse]:
    """Import statements found line by line, for a file the running Python cannot parse.

    Used as a fallback (newer syntax than this interpreter, a stray magic) so that the
    imports of such a file still count: without them every dependency it uses would be
    called unused.
    """
    uses: list[ImportUse] = []
    for index, line in enumerate(source.splitlines(), start=1):
        match = _LINE_IMPORT_RE.match(line)
        if match is None:
            continue
        names = match.group("names")
        modules = [m.strip() for m in names.split(",")] if names else [match.group("module")]
        column = len(line) - len(line.lstrip()) + 1
        for module in modules:
            if module and not module.startswith(".") and module.partition(".")[0] != "__future__":
                uses.append(ImportUse(module, Location(path, index + line_offset, column)))
    return uses


def _parse(source: str, path: str) -> ast.Module | SyntaxError | ValueError:
    try:
        return ast.parse(source, filename=path)
    except (SyntaxError, ValueError) as exc:  # ValueError: null bytes
        return exc


def imports_in_source(
    source: str, path: str, *, line_offset: int = 0, fast: bool = True
) -> tuple[list[ImportUse], FileProblem | None]:
    """Absolute imports in Python ``source``; a syntax error gives a problem instead.

    Once the source parses, its import statements alone are read when that is certain
    (:mod:`~pipwarden.slim.fastimports`); ``fast=False`` walks the whole tree."""
    tree = _parse(source, path)
    if isinstance(tree, SyntaxError):
        line = (tree.lineno or 1) + line_offset
        return [], FileProblem(path, line, f"cannot parse Python: {tree.msg}")
    if isinstance(tree, ValueError):
        return [], FileProblem(path, None, f"cannot parse Python: {tree}")
    if "import" not in source:  # every node the visitor records spells "import"
        return [], None
    visitor = _Visitor()
    tops = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    if fast and source.count("import") == len(tops):
        # Each top-level import statement spells "import" at least once: as many as there
        # are statements means nothing else does (no nested or dynamic import, none in a
        # string or comment), so these are what the whole walk would find.
        for node in tops:
            visitor.visit(node)
    else:
        found = fast_imports(source, path) if fast else None
        if found is not None:
            return [
                ImportUse(module, Location(path, (loc.line or 0) + line_offset, loc.column))
                for module, loc in found
            ], None
        visitor.visit(tree)
    uses = [
        ImportUse(module, Location(path, line + line_offset, col))
        for module, line, col in visitor.found
        if module.partition(".")[0] != "__future__"
    ]
    return uses, None


def _clean_cell(lines: list[str]) -> tuple[str, list[tuple[int, str]]]:
    """Cell text with IPython-only lines neutralised, and the shell lines (0-based index)."""
    shell: list[tuple[int, str]] = []
    first = lines[0].strip() if lines else ""
    if first.startswith("%%"):
        magic = first[2:].split(maxsplit=1)[0] if first[2:].strip() else ""
        if magic in _SHELL_CELL_MAGICS:
            shell.extend((i, ln.strip()) for i, ln in enumerate(lines[1:], 1) if ln.strip())
            return "", shell
        if magic not in _PYTHON_CELL_MAGICS:
            return "", shell
        lines = ["", *lines[1:]]
    out: list[str] = []
    continuing = False
    for index, line in enumerate(lines):
        stripped = line.lstrip()
        indent = line[: len(line) - len(stripped)]
        if continuing:
            out.append("")
            continuing = line.rstrip().endswith("\\")
            continue
        if stripped.startswith("!"):
            shell.append((index, stripped[1:].strip()))
            out.append(f"{indent}pass")
            continuing = line.rstrip().endswith("\\")
        elif stripped.startswith(("%", "?")):
            if stripped.startswith(("%sx", "%system")):
                shell.append((index, stripped.split(maxsplit=1)[1] if " " in stripped else ""))
            out.append(f"{indent}pass")
            continuing = line.rstrip().endswith("\\")
        elif _ASSIGN_SHELL_RE.match(line):
            rhs = line.split("=", 1)[1].strip()
            if rhs.startswith("!"):
                shell.append((index, rhs[1:].strip()))
            out.append(f"{indent}pass")
        elif stripped.rstrip().endswith("?") and not stripped.startswith("#"):
            out.append(f"{indent}pass")
        else:
            out.append(line)
    return "\n".join(out), shell


def _notebook_language(data: dict[str, object]) -> str | None:
    """The notebook's kernel language (``python``, ``R``, ``julia``…), lower case, if stated."""
    meta = data.get("metadata")
    if not isinstance(meta, dict):
        return None
    for key, field_name in (("kernelspec", "language"), ("language_info", "name")):
        section = meta.get(key)
        value = section.get(field_name) if isinstance(section, dict) else None
        if isinstance(value, str) and value.strip():
            return value.strip().lower()
    return None


def scan_notebook(
    text: str, path: str
) -> tuple[list[ImportUse], list[ShellLine], list[FileProblem]]:
    """Imports and shell lines of a notebook's code cells.

    Line numbers count the cell's source lines from the top of the notebook's cells
    (cell N, line L is reported as the L-th source line after all earlier cells' lines), so
    they are stable and unique; the problem message names the cell too.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return [], [], [FileProblem(path, exc.lineno, f"notebook is not valid JSON: {exc.msg}")]
    cells = data.get("cells") if isinstance(data, dict) else None
    if not isinstance(cells, list):
        return [], [], [FileProblem(path, None, "notebook has no list of cells")]
    if _notebook_language(data) not in {None, "python"}:
        return [], [], []  # an R or Julia notebook imports no Python package
    imports: list[ImportUse] = []
    shell: list[ShellLine] = []
    problems: list[FileProblem] = []
    offset = 0
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        lines = source.splitlines() if isinstance(source, str) else [
            str(s).rstrip("\r\n") for s in source if isinstance(s, str)
        ]
        if cell.get("cell_type") == "code":
            code, shell_lines = _clean_cell(lines)
            shell.extend(ShellLine(cmd, Location(path, offset + i + 1)) for i, cmd in shell_lines)
            found, problem = imports_in_source(code, path, line_offset=offset)
            imports.extend(found)
            if problem is not None:
                problems.append(
                    FileProblem(path, problem.line, f"cell {number}: {problem.message}")
                )
        offset += len(lines)
    return imports, shell, problems


def scan_imports(root: Path, *, cache: FileCache | None = None) -> ImportScan:
    """Scan every ``.py`` and ``.ipynb`` file under ``root``; paths are relative to it.

    With ``cache`` (:class:`~pipwarden.scancache.FileCache`), an unchanged file's result
    is taken from it instead of scanning the file again.
    """
    by_module: dict[str, list[tuple[str, Packed]]] = {}
    shell: list[ShellLine] = []
    problems: list[FileProblem] = []
    partial: list[FileProblem] = []
    pairs = list(project_files(root, (".py", ".ipynb")))
    for (_path, rel), result in zip(pairs, _scan_all(pairs, cache), strict=True):
        found, found_shell, found_problems, found_partial = result
        for module, places in found:  # places: line, column, line, column…
            uses = by_module.get(module)
            if uses is None:
                by_module[module] = uses = []
            uses.append((rel, places))
        shell.extend(ShellLine(c, Location(rel, ln)) for c, ln in found_shell)
        problems.extend(FileProblem(rel, ln, msg) for ln, msg in found_problems)
        partial.extend(FileProblem(rel, ln, msg) for ln, msg in found_partial)
    return ImportScan(
        by_module={m: Places(uses) for m, uses in by_module.items()},
        shell_lines=tuple(shell),
        problems=tuple(problems),
        partial=tuple(partial),
        files=tuple(rel for _, rel in pairs),
        local_modules=local_modules(rel for _, rel in pairs),
    )


# One file's result (the scan cache stores it as plain values, see _plain): imports
# (module and its places: line, column, line, column…, packed; modules in order of first
# use), shell lines (command, line), problems and partly read notes (line, message).
_FileResult = tuple[
    list[tuple[str, Packed]], list[tuple[str, int]], list[tuple[int | None, str]],
    list[tuple[int | None, str]],
]


def _plain(result: _FileResult) -> list[Any]:
    """What the cache keeps of a result: places as their packed text."""
    return [[[m, p.text] for m, p in result[0]], result[1], result[2], result[3]]


def _decoded(value: Any) -> _FileResult | None:
    """A cached result; ``None`` when it is not what we wrote (the file is scanned)."""
    try:
        imports: list[tuple[str, Packed]] = []
        for module, text in value[0]:  # [module, "line,column,line,column…"]
            places = Packed.from_text(text)
            if not isinstance(module, str) or places is None or len(places) % 2:
                raise TypeError(module)
            imports.append((module, places))
        return (
            imports,
            [(str(c), int(ln)) for c, ln in value[1]],
            [(None if ln is None else int(ln), str(msg)) for ln, msg in value[2]],
            [(None if ln is None else int(ln), str(msg)) for ln, msg in value[3]],
        )
    except (TypeError, ValueError, IndexError):
        return None


def _read_and_scan(items: list[Todo]) -> list[tuple[_FileResult, str | None]]:
    """Read, hash and scan files (in a worker for a large scan): each one's result and its
    content's SHA-256 (``None`` when it could not be read: never cached, scanned again
    next time). Content that a stale cache entry was computed from takes that result."""
    out: list[tuple[_FileResult, str | None]] = []
    for path, rel, old in items:
        file = Path(path)
        try:
            data = file.read_bytes()
        except OSError as exc:
            out.append((([], [], [(None, f"cannot read: {exc.strerror or exc}")], []), None))
            continue
        digest = hashlib.sha256(data).hexdigest()
        reused = _decoded(old[1]) if old is not None and old[0] == digest else None
        out.append((reused if reused is not None else _scan_file(file, rel, data), digest))
    return out


def _scan_all(pairs: list[tuple[str, str]], cache: FileCache | None) -> list[_FileResult]:
    """The result of each file of ``pairs``, from ``cache`` or read and scanned
    (:func:`pipwarden.scancache.map_cached`)."""
    return map_cached(cache, [(path, rel, rel) for path, rel in pairs], _decoded,
                      _read_and_scan, _plain)


def _scan_file(file: Path, rel: str, data: bytes | None = None) -> _FileResult:
    try:
        raw = file.read_bytes() if data is None else data
        text = raw.decode("utf-8-sig")  # a UTF-8 BOM is legal Python
    except UnicodeDecodeError:
        return [], [], [(None, "cannot read: not UTF-8 text")], []
    except OSError as exc:
        return [], [], [(None, f"cannot read: {exc.strerror or exc}")], []
    if "\r" in text:  # as read_text does: universal newlines
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if file.suffix == ".ipynb":
        found, found_shell, found_problems = scan_notebook(text, rel)
        partial: list[FileProblem] = []
    else:
        fast = fast_imports(text, rel)
        if fast is not None:
            return pack_places([(m, loc.line or 0, loc.column or 0) for m, loc in fast]), [], [], []
        found, found_shell, note = _scan_python_file(text, rel)
        partial = [note] if note is not None else []
        found_problems = []
    return (
        pack_places([(u.module, u.location.line or 0, u.location.column or 0) for u in found]),
        [(s.command, s.location.line or 0) for s in found_shell],
        [(p.line, p.message) for p in found_problems],
        [(p.line, p.message) for p in partial],
    )


def _scan_python_file(
    text: str, rel: str
) -> tuple[list[ImportUse], list[ShellLine], FileProblem | None]:
    """A ``.py`` file's imports: parsed; else parsed with IPython lines neutralised (a
    notebook saved as a script); else found line by line and noted as partly analysed."""
    found, problem = imports_in_source(text, rel)
    if problem is None:
        return found, [], None
    lines = text.splitlines()
    code, shell_lines = _clean_cell(["", *lines])  # a leading blank: no %%cell magic here
    if not isinstance(_parse(code, rel), Exception):
        cleaned, _ = imports_in_source(code, rel, line_offset=-1)
        shell = [ShellLine(cmd, Location(rel, i)) for i, cmd in shell_lines]
        return cleaned, shell, None
    note = FileProblem(
        rel, problem.line, f"{problem.message.removeprefix('cannot parse Python: ')} "
        f"(newer syntax or a magic?): imports found by a line scan"
    )
    return imports_by_lines(text, rel), [], note


def is_stdlib(module: str) -> bool:
    """Is the top-level name of ``module`` part of the running Python's standard library?"""
    return module.partition(".")[0] in sys.stdlib_module_names
