"""A small, fail-closed YAML reader for dependency files (conda ``environment.yml``).

It reads the part of YAML that such files use: block mappings and sequences (including a
sequence written at its key's indentation, and ``- key: value`` items), plain, single- and
double-quoted scalars, comments, and simple flow sequences ``[a, "b"]``. Everything else
raises :class:`InputError` naming the file and line instead of being guessed at: anchors
and aliases, tags, block scalars (``|``, ``>``), flow mappings, nested flow collections,
multi-line plain scalars, several documents, duplicate keys, tabs in indentation.

Scalars stay strings (``3.10`` is ``"3.10"``, not a float); ``~``, ``null`` and an empty
value are ``None``. Each node keeps its 1-based line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.yamlscan import strip_comment

__all__ = ["YamlMap", "YamlScalar", "YamlSeq", "parse_yaml"]

_MAX_DEPTH = 100
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "n": "\n", "t": "\t", "r": "\r", "0": "\0",
            " ": " ", "b": "\b", "e": "\x1b", "a": "\a", "v": "\v", "f": "\f"}
_HEX = {"x": 2, "u": 4, "U": 8}
_FORBIDDEN_START = "&*!|>{%@`"


@frozen
class YamlScalar:
    """A scalar (``None`` for null), where it starts (the opening quote of a quoted one)
    and whether it was quoted."""

    value: str | None
    line: int
    column: int
    quoted: bool = False


@frozen
class YamlSeq:
    """A sequence and the line it starts on."""

    items: tuple[YamlNode, ...]
    line: int


@frozen
class YamlMap:
    """A mapping: (key, key line, value) in file order, and the line it starts on."""

    entries: tuple[tuple[str, int, YamlNode], ...]
    line: int

    def get(self, key: str) -> YamlNode | None:
        """The value of ``key``, or ``None`` when absent."""
        for name, _, value in self.entries:
            if name == key:
                return value
        return None


YamlNode = YamlScalar | YamlSeq | YamlMap


@dataclass
class _Line:
    number: int
    indent: int
    text: str


class _Parser:
    def __init__(self, lines: list[_Line], path: str) -> None:
        self.lines = lines
        self.pos = 0
        self.path = path

    def fail(self, message: str, line: int) -> InputError:
        return InputError(f"YAML: {message}", path=self.path, line=line)

    def node(self, min_indent: int, depth: int) -> YamlNode:
        if depth > _MAX_DEPTH:
            raise self.fail("nested too deeply", self.lines[self.pos].number)
        line = self.lines[self.pos]
        if _is_item(line.text):
            return self.sequence(line.indent, depth)
        return self.mapping(line.indent, depth)

    def sequence(self, indent: int, depth: int) -> YamlSeq:
        start = self.lines[self.pos].number
        items: list[YamlNode] = []
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent or (line.indent == indent and not _is_item(line.text)):
                break
            if line.indent > indent:
                raise self.fail("unexpected indentation", line.number)
            rest = line.text[1:]
            inner = len(rest) - len(rest.lstrip(" "))
            body = rest.strip()
            column = indent + 1 + inner
            if not body:
                self.pos += 1
                items.append(self._child(indent, line.number, depth))
            elif _is_item(body):
                raise self.fail("a sequence inside a sequence item on one line", line.number)
            elif _split_key(body) is not None:
                # "- key: value": a mapping whose first key sits after the dash
                self.lines[self.pos] = _Line(line.number, column, body)
                items.append(self.mapping(column, depth + 1))
            else:
                self.pos += 1
                items.append(self.scalar_or_flow(body, line.number, column + 1))
        return YamlSeq(tuple(items), start)

    def mapping(self, indent: int, depth: int) -> YamlMap:
        start = self.lines[self.pos].number
        entries: list[tuple[str, int, YamlNode]] = []
        seen: set[str] = set()
        while self.pos < len(self.lines):
            line = self.lines[self.pos]
            if line.indent < indent:
                break
            if line.indent > indent:
                raise self.fail("unexpected indentation", line.number)
            if _is_item(line.text):
                if entries:
                    raise self.fail("a sequence item where a key was expected", line.number)
                break
            split = _split_key(line.text)
            if split is None:
                raise self.fail("expected 'key: value'", line.number)
            raw_key, value, value_col = split
            key = self._key(raw_key, line.number, indent + 1)
            if key in seen:
                raise self.fail(f"duplicate key {key[:60]!r}", line.number)
            seen.add(key)
            self.pos += 1
            if value:
                child: YamlNode = self.scalar_or_flow(value, line.number,
                                                      indent + value_col + 1)
            else:
                child = self._child(indent, line.number, depth, allow_same_indent_seq=True)
            entries.append((key, line.number, child))
        return YamlMap(tuple(entries), start)

    def _child(self, indent: int, number: int, depth: int,
               allow_same_indent_seq: bool = False) -> YamlNode:
        if self.pos >= len(self.lines):
            return YamlScalar(None, number, indent + 1)
        nxt = self.lines[self.pos]
        if nxt.indent > indent:
            return self.node(nxt.indent, depth + 1)
        if allow_same_indent_seq and nxt.indent == indent and _is_item(nxt.text):
            return self.sequence(indent, depth + 1)
        return YamlScalar(None, number, indent + 1)

    def _key(self, raw: str, line: int, column: int) -> str:
        node = self.scalar_or_flow(raw, line, column)
        if not isinstance(node, YamlScalar) or node.value is None:
            raise self.fail("a key must be a plain or quoted string", line)
        return node.value

    def scalar_or_flow(self, text: str, line: int, column: int) -> YamlNode:
        if text.startswith("["):
            if not text.endswith("]"):
                raise self.fail("a flow sequence must close on its line", line)
            inner = text[1:-1]
            if any(ch in inner for ch in "[]{}"):
                raise self.fail("nested flow collections are not read", line)
            parts = _split_flow(inner)
            if parts is None:
                raise self.fail("cannot read the flow sequence", line)
            items = tuple(self.scalar(part.strip(), line, column) for part in parts)
            return YamlSeq(items, line)
        return self.scalar(text, line, column)

    def scalar(self, text: str, line: int, column: int) -> YamlScalar:
        if not text:
            return YamlScalar(None, line, column)
        if text[0] == "'":
            if len(text) < 2 or not text.endswith("'") or "'" in text[1:-1].replace("''", ""):
                raise self.fail("unterminated single-quoted string", line)
            return YamlScalar(text[1:-1].replace("''", "'"), line, column, quoted=True)
        if text[0] == '"':
            return YamlScalar(self._double(text, line), line, column, quoted=True)
        if text[0] in _FORBIDDEN_START:
            raise self.fail(f"{text[0]!r} (anchor, alias, tag, block scalar or flow mapping) "
                            "is not read", line)
        if text.startswith(("- ", "? ")) or text in ("-", "?") or ": " in text or \
                text.endswith(":"):
            raise self.fail("cannot read this value as a plain string", line)
        return YamlScalar(None if text in _NULLS else text, line, column)

    def _double(self, text: str, line: int) -> str:
        out: list[str] = []
        pos = 1
        while pos < len(text):
            char = text[pos]
            if char == '"':
                if pos != len(text) - 1:
                    raise self.fail("text after a closing quote", line)
                return "".join(out)
            if char == "\\":
                code = text[pos + 1 : pos + 2]
                if code in _ESCAPES:
                    out.append(_ESCAPES[code])
                    pos += 2
                    continue
                if code in _HEX:
                    digits = text[pos + 2 : pos + 2 + _HEX[code]]
                    if len(digits) != _HEX[code] or not re.fullmatch(r"[0-9A-Fa-f]+", digits):
                        raise self.fail("bad escape in a double-quoted string", line)
                    value = int(digits, 16)
                    if value > 0x10FFFF:
                        raise self.fail("bad escape in a double-quoted string", line)
                    out.append(chr(value))
                    pos += 2 + _HEX[code]
                    continue
                raise self.fail("bad escape in a double-quoted string", line)
            out.append(char)
            pos += 1
        raise self.fail("unterminated double-quoted string", line)


def _is_item(text: str) -> bool:
    return text == "-" or text.startswith("- ")


def _split_key(body: str) -> tuple[str, str, int] | None:
    """``key: value`` → (key text, value text, value offset); ``None`` when not a key line.
    A colon counts only outside quotes and when followed by a space or the line end."""
    quote: str | None = None
    for index, char in enumerate(body):
        if quote:
            if char == quote:
                quote = None
            continue
        if char in "'\"" and index == 0:
            quote = char
        elif char == ":" and (index + 1 == len(body) or body[index + 1] == " "):
            rest = body[index + 1 :]
            value = rest.strip()
            offset = index + 1 + (len(rest) - len(rest.lstrip(" ")))
            return body[:index].strip(), value, offset
    return None


def _split_flow(inner: str) -> list[str] | None:
    parts: list[str] = []
    quote: str | None = None
    current = ""
    for char in inner:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    if quote:
        return None
    parts.append(current)
    if parts and not parts[-1].strip():
        parts.pop()  # [a, b,] is allowed
    if any(not part.strip() for part in parts):
        return None
    return parts


def parse_yaml(text: str, path: str) -> YamlNode | None:
    """The document of ``text`` (``None`` when it holds nothing but comments)."""
    lines: list[_Line] = []
    started = False
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        leading = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in leading:
            raise InputError("YAML: tabs are not allowed for indentation", path=path,
                             line=number)
        body = strip_comment(raw.strip())
        if raw.startswith("%"):
            raise InputError("YAML: directives are not read", path=path, line=number)
        if raw.startswith(("---", "...")) and raw[3:4] in ("", " "):
            if raw.startswith("---") and not started and not lines and not raw[3:].strip():
                started = True
                continue
            raise InputError("YAML: only one document is read", path=path, line=number)
        lines.append(_Line(number, len(raw) - len(raw.lstrip(" ")), body))
    if not lines:
        return None
    parser = _Parser(lines, path)
    try:
        root = parser.node(lines[0].indent, 0)
    except RecursionError:
        raise InputError("YAML: nested too deeply", path=path) from None
    if parser.pos < len(lines):
        raise parser.fail("unexpected content", lines[parser.pos].number)
    return root
