"""A cheaper import scan for plain ``.py`` files: parse the import statements, not the file.

Building the syntax tree of a whole module costs far more than finding its imports (most
of a module is function bodies). For a file where every ``import`` word is either at the
start of an import statement, in a comment or inside a triple-quoted string, the import
statements are cut out (with their parenthesised or backslash continuations), parsed
together as one small module and read with the same rules as the full scan. Any file where
that is not certain — an ``import`` after ``:`` or ``;`` on a line, ``__import__`` or
``import_module`` calls, IPython lines (``!cmd``, ``%magic``), an import statement that
starts inside a string, statements that do not parse on their own — returns ``None`` and
gets the full parse.
"""

from __future__ import annotations

import ast
import bisect
import re

from pipwarden.models import Location

__all__ = ["fast_imports"]

# Each pattern starts with a literal ("import", a newline) that the regex engine scans for
# quickly; the line-start and word-boundary conditions are checked at the few places found
# (``^`` in MULTILINE mode and ``\b`` before the word are tried at every offset: 5-20x
# slower on a module).
_IMPORT_WORD = re.compile(r"import\b")
_WORD_CHAR = re.compile(r"\w")
_STATEMENT = re.compile(r"\n([ \t]*)(?:import|from)[ \t]")
_FIRST_STATEMENT = re.compile(r"([ \t]*)(?:import|from)[ \t]")
_MAGIC_LINE = re.compile(r"\n[ \t]*[!%]")
_FIRST_MAGIC = re.compile(r"[ \t]*[!%]")


def _needs_full(text: str) -> bool:
    """``__import__`` or ``import_module`` calls, or a line starting with ``!`` or ``%``."""
    return (
        "__import__" in text
        or "import_module" in text
        or _MAGIC_LINE.search(text) is not None
        or _FIRST_MAGIC.match(text) is not None
    )


def _statements(text: str) -> list[tuple[int, int]]:
    """``(offset, indent)`` of each line that starts with ``import`` or ``from``."""
    found = []
    first = _FIRST_STATEMENT.match(text)
    if first is not None:
        found.append((len(first.group(1)), len(first.group(1))))
    for match in _STATEMENT.finditer(text):
        indent = len(match.group(1))
        found.append((match.start() + 1 + indent, indent))
    return found


def _import_words(text: str) -> list[int]:
    """Offsets of the word ``import`` (as ``\bimport\b`` finds it)."""
    return [
        at for at in (m.start() for m in _IMPORT_WORD.finditer(text))
        if at == 0 or _WORD_CHAR.match(text, at - 1) is None
    ]
_TRIPLE = re.compile(r"\"\"\"|'''")


def _string_spans(text: str) -> list[tuple[int, int]] | None:
    """Spans of triple-quoted strings, found naively (quotes only); ``None`` when a triple
    quote is left open (the naive reading is then not trustworthy)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        match = _TRIPLE.search(text, pos)
        if match is None:
            return spans
        end = text.find(match.group(), match.end())
        if end < 0:
            return None
        spans.append((match.start(), end + 3))
        pos = end + 3


def _inside(spans: list[tuple[int, int]], offset: int) -> bool:
    """Is ``offset`` strictly inside one of ``spans`` (sorted, not overlapping)?"""
    at = bisect.bisect_left(spans, (offset, -1)) - 1
    return at >= 0 and spans[at][0] < offset < spans[at][1]


def _covered(spans: list[tuple[int, int]], offset: int) -> bool:
    """Is ``start <= offset < end`` for one of ``spans`` (sorted, not overlapping)?"""
    at = bisect.bisect_right(spans, (offset, 1 << 62)) - 1
    return at >= 0 and spans[at][0] <= offset < spans[at][1]


def _statement_end(text: str, start: int) -> int:
    """End offset of the logical line starting at ``start`` (parentheses and ``\\``)."""
    line_end = text.find("\n", start)
    if line_end < 0:
        line_end = len(text)
    line = text[start:line_end]
    if "(" not in line and "\\" not in line:
        return line_end  # the common case: one line, nothing open
    depth = 0
    pos = start
    length = len(text)
    while pos < length:
        char = text[pos]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "#":
            nl = text.find("\n", pos)
            pos = length if nl < 0 else nl
            continue
        elif char == "\\" and text.startswith("\n", pos + 1):
            pos += 2
            continue
        elif char == "\n" and depth == 0:
            return pos
        pos += 1
    return length


def fast_imports(text: str, path: str) -> list[tuple[str, Location]] | None:
    """``(module, location)`` of every absolute import in ``text``, or ``None`` when the
    file needs the full parse (see the module docstring)."""
    if _needs_full(text):
        return None
    spans = _string_spans(text)
    if spans is None:
        return None
    pieces: list[str] = []
    origin: list[tuple[int, int]] = []  # per piece line: (original line, column)
    covered: list[tuple[int, int]] = []
    line = 1
    counted = 0  # line numbers counted up to this offset
    for begin, indent in _statements(text):
        if _inside(spans, begin):
            continue
        end = _statement_end(text, begin)
        covered.append((begin, end))
        statement = text[begin:end]
        line += text.count("\n", counted, begin)
        counted = begin
        column = indent + 1
        for _ in statement.split("\n"):
            origin.append((line, column))
        pieces.append(statement)
    # every other ``import`` word must be in a comment or a string
    for at in _import_words(text):
        if _covered(covered, at) or _inside(spans, at):
            continue
        line_start = text.rfind("\n", 0, at) + 1
        before = text[line_start:at]
        if "#" in before and not any(q in before for q in "'\""):
            continue
        return None
    if not pieces:
        return []
    try:
        tree = ast.parse("\n".join(pieces), filename=path)
    except (SyntaxError, ValueError):
        return None
    found: list[tuple[str, Location]] = []
    for node in tree.body:
        line, indent = origin[node.lineno - 1]
        column = indent + node.col_offset
        if isinstance(node, ast.Import):
            found.extend((alias.name, Location(path, line, column)) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                for alias in node.names:
                    module = node.module if alias.name == "*" else f"{node.module}.{alias.name}"
                    found.append((module, Location(path, line, column)))
        else:
            return None  # not only import statements: let the full parse judge
    return [(m, loc) for m, loc in found if m.partition(".")[0] != "__future__"]
