"""A fast reader for the TOML that lock-file writers emit (uv.lock, poetry.lock, pdm.lock,
pylock.toml), returning exactly what :func:`tomllib.loads` returns, or ``None``.

``tomllib`` is a pure-Python parser that looks at one character at a time; a 1 MB uv.lock
costs it about 60 ms. Lock writers use a small part of TOML, one statement per line, and
this reader takes each common piece (a ``key = "string"`` line, a header, an inline table
of strings and integers) with one compiled regular expression. What it reads:

- ``[table]`` and ``[[array.of.tables]]`` headers with bare or ``"quoted"`` dotted keys;
- ``key = value`` with a bare or quoted (not dotted) key;
- basic strings with the escapes of TOML 1.0 (``\\b \\t \\n \\f \\r \\" \\\\ \\uXXXX
  \\UXXXXXXXX``), decimal integers (at most 18 digits), ``true``/``false``, inline tables
  (nested), arrays on one or many lines (of any of these), comments, blank lines, CRLF.

Anything else (literal or multi-line strings, floats, dates, dotted keys in a key/value,
other escapes, nesting or header paths deeper than :data:`MAX_DEPTH`) and anything
invalid (a duplicate key, a table defined twice, a control character, …) gives ``None``:
the caller then asks ``tomllib``, which also words the error and names its line. The
rules for tables follow ``tomllib``'s own: a header may open a table once (a table only
implied by an earlier header may still be opened), never one given by a value (inline
tables and arrays are frozen), and ``[[x]]`` appends only to an array that ``[[x]]`` made.

Every regular expression is free of nested backtracking (possessive quantifiers), so the
time is linear in the text; recursion is bounded by :data:`MAX_DEPTH`; no input raises.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["MAX_DEPTH", "loads"]

#: Arrays and inline tables nested deeper than this are left to tomllib.
MAX_DEPTH = 32

_CTRL = r"\x00-\x08\x0a-\x1f\x7f"  # what TOML forbids in strings and comments (not tab)
_BODY = rf'(?:[^"\\{_CTRL}]++|\\[btnfr"\\]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*+'
_PLAIN = rf'[^"\\{_CTRL}]*+'  # a string body without escapes
_KEY = rf'[A-Za-z0-9_-]++|"{_BODY}"'
_INT = r"-?(?:0|[1-9][0-9]{0,17})"
_END = r"(?=[ \t\n,\]}#]|\Z)"  # what may follow a number or a boolean
_FLAT = rf'(?:"{_PLAIN}"|{_INT}{_END}|(?:true|false){_END})'
_FLAT_PAIR = rf'(?:[A-Za-z0-9_-]++|"{_PLAIN}")[ \t]*+=[ \t]*+{_FLAT}'
_COMMENT = rf"#[^{_CTRL}]*+"

# blank and comment lines, then the indentation of the next statement
_SKIP = re.compile(rf"(?:[ \t]*+(?:{_COMMENT})?\n)*+[ \t]*+")
# the end of a statement: spaces, a comment, the end of the line (or of the text)
_EOL = re.compile(rf"[ \t]*+(?:{_COMMENT})?(?:\n|\Z)")
_COMMENT_AT_END = re.compile(rf"{_COMMENT}\Z")
# the commonest statement: bare key = "string without escapes"
_KV_PLAIN = re.compile(rf'([A-Za-z0-9_-]++)[ \t]*+=[ \t]*+"({_PLAIN})"[ \t]*+'
                       rf"(?:{_COMMENT})?(?:\n|\Z)")
_KEY_EQ = re.compile(rf'(?:([A-Za-z0-9_-]++)|"({_BODY})")[ \t]*+=[ \t]*+')
_HEADER = re.compile(rf"\[[ \t]*+((?:{_KEY})(?:[ \t]*+\.[ \t]*+(?:{_KEY}))*+)[ \t]*+\]")
_AOT_HEADER = re.compile(rf"\[\[[ \t]*+((?:{_KEY})(?:[ \t]*+\.[ \t]*+(?:{_KEY}))*+)"
                         rf"[ \t]*+\]\]")
_BARE_PATH = re.compile(r"[A-Za-z0-9_-]++(?:\.[A-Za-z0-9_-]++)*+")
_KEY_PART = re.compile(rf'([A-Za-z0-9_-]++)|"({_BODY})"')
_STRING = re.compile(rf'"({_BODY})"')
_SCALAR = re.compile(rf"({_INT}){_END}|(true|false){_END}")
# an inline table of plain strings, integers and booleans, and each of its pairs
_FLAT_TABLE = re.compile(rf"\{{[ \t]*+((?:{_FLAT_PAIR}[ \t]*+,[ \t]*+)*+{_FLAT_PAIR})"
                         rf"[ \t]*+\}}")
_PAIRS = re.compile(rf'(?:([A-Za-z0-9_-]++)|"({_PLAIN})")[ \t]*+=[ \t]*+'
                    rf'(?:"({_PLAIN})"|({_INT})|(true|false))')
_WS = re.compile(r"[ \t]*+")
_ARRAY_WS = re.compile(rf"(?:[ \t\n]++|{_COMMENT})*+")
_ARRAY_SEP = re.compile(rf"(?:[ \t\n]++|{_COMMENT})*+(,?)(?:[ \t\n]++|{_COMMENT})*+")
_ESCAPE = re.compile(r'\\(?:([btnfr"\\])|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))')
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}


class _Bail(Exception):
    """Outside the subset, or invalid: leave the text to tomllib."""


def loads(text: str) -> dict[str, Any] | None:
    """What ``tomllib.loads(text)`` returns, or ``None`` when the text is outside the subset
    this reader knows or is not valid TOML (then ask tomllib)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # a lone carriage return is invalid anywhere
            return None
    try:
        return _Reader(text).document()
    except (_Bail, RecursionError):
        return None


def _unescape(body: str) -> str:
    return _ESCAPE.sub(_escaped, body)


def _escaped(match: re.Match[str]) -> str:
    simple, short, long = match.groups()
    if simple is not None:
        return _ESCAPES[simple]
    code = int(short or long, 16)
    if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:  # not a Unicode scalar value
        raise _Bail
    return chr(code)


def _key(bare: str | None, quoted: str | None) -> str:
    if bare is not None:
        return bare
    assert quoted is not None
    return _unescape(quoted) if "\\" in quoted else quoted


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.root: dict[str, Any] = {}
        self.tables: set[int] = set()  # ids of tables made by headers (open to headers)
        self.defined: set[int] = set()  # ids of tables a header has opened
        self.arrays: set[int] = set()  # ids of arrays made by [[headers]]

    def document(self) -> dict[str, Any]:
        text, end = self.text, len(self.text)
        current = self.root
        pos = 0
        skip, kv_plain, eol = _SKIP.match, _KV_PLAIN.match, _EOL.match
        while True:
            pos = skip(text, pos).end()  # type: ignore[union-attr]
            if pos >= end:
                return self.root
            char = text[pos]
            if char == "[":
                aot = text.startswith("[[", pos)
                match = (_AOT_HEADER if aot else _HEADER).match(text, pos)
                if match is None:
                    raise _Bail
                current = self._open(self._path(match.group(1)), aot)
                match = eol(text, match.end())
                if match is None:
                    raise _Bail
                pos = match.end()
                continue
            match = kv_plain(text, pos)
            if match is not None:
                key, value = match.groups()
                pos = match.end()
            elif char == "#":
                if _COMMENT_AT_END.match(text, pos) is None:
                    raise _Bail
                return self.root
            else:
                match = _KEY_EQ.match(text, pos)
                if match is None:
                    raise _Bail
                key = _key(*match.groups())
                value, pos = self._value(match.end(), 0)
                match = eol(text, pos)
                if match is None:
                    raise _Bail
                pos = match.end()
            if key in current:
                raise _Bail
            current[key] = value

    def _path(self, spelled: str) -> list[str]:
        if _BARE_PATH.fullmatch(spelled):
            return spelled.split(".")
        return [_key(bare or None, quoted) for bare, quoted in _KEY_PART.findall(spelled)]

    def _open(self, keys: list[str], aot: bool) -> dict[str, Any]:
        """The table a ``[header]`` or ``[[header]]`` opens, made as tomllib makes it."""
        if len(keys) > MAX_DEPTH:
            raise _Bail
        cont = self.root
        last = len(keys) - 1
        for index, key in enumerate(keys):
            child = cont.get(key)
            if index == last and aot:
                table: dict[str, Any] = {}
                if child is None:
                    array = [table]
                    cont[key] = array
                    self.arrays.add(id(array))
                elif type(child) is list and id(child) in self.arrays:
                    child.append(table)
                else:
                    raise _Bail
                self.tables.add(id(table))
                self.defined.add(id(table))
                return table
            if child is None:
                child = {}
                cont[key] = child
                self.tables.add(id(child))
            elif type(child) is list:
                if id(child) not in self.arrays or index == last:
                    raise _Bail
                child = child[-1]
            elif type(child) is not dict or id(child) not in self.tables:
                raise _Bail
            cont = child
        if id(cont) in self.defined:
            raise _Bail
        self.defined.add(id(cont))
        return cont

    def _value(self, pos: int, depth: int) -> tuple[Any, int]:
        text = self.text
        char = text[pos : pos + 1]
        if char == '"':
            match = _STRING.match(text, pos)
            if match is None or text.startswith('"""', pos):
                raise _Bail
            body = match.group(1)
            return (_unescape(body) if "\\" in body else body), match.end()
        if char == "{":
            return self._table(pos, depth)
        if char == "[":
            return self._array(pos, depth)
        match = _SCALAR.match(text, pos)
        if match is None:
            raise _Bail
        number, boolean = match.groups()
        if number is not None:
            return int(number), match.end()
        return boolean == "true", match.end()

    def _table(self, pos: int, depth: int) -> tuple[dict[str, Any], int]:
        text = self.text
        match = _FLAT_TABLE.match(text, pos)
        if match is not None:
            table: dict[str, Any] = {}
            pairs = _PAIRS.findall(match.group(1))
            for bare, quoted, string, number, boolean in pairs:
                key = bare or quoted
                if key in table:
                    raise _Bail
                if number:
                    table[key] = int(number)
                elif boolean:
                    table[key] = boolean == "true"
                else:
                    table[key] = string
            return table, match.end()
        if depth >= MAX_DEPTH:
            raise _Bail
        table = {}
        ws = _WS.match
        pos = ws(text, pos + 1).end()  # type: ignore[union-attr]
        if text.startswith("}", pos):
            return table, pos + 1
        while True:
            match = _KEY_EQ.match(text, pos)
            if match is None:
                raise _Bail
            key = _key(*match.groups())
            value, pos = self._value(match.end(), depth + 1)
            if key in table:
                raise _Bail
            table[key] = value
            pos = ws(text, pos).end()  # type: ignore[union-attr]
            char = text[pos : pos + 1]
            if char == "}":
                return table, pos + 1
            if char != ",":
                raise _Bail
            pos = ws(text, pos + 1).end()  # type: ignore[union-attr]

    def _array(self, pos: int, depth: int) -> tuple[list[Any], int]:
        if depth >= MAX_DEPTH:
            raise _Bail
        text = self.text
        array: list[Any] = []
        pos = _ARRAY_WS.match(text, pos + 1).end()  # type: ignore[union-attr]
        sep = _ARRAY_SEP.match
        while True:
            if text.startswith("]", pos):
                return array, pos + 1
            value, pos = self._value(pos, depth + 1)
            array.append(value)
            match = sep(text, pos)
            assert match is not None  # it matches the empty string
            pos = match.end()
            if not match.group(1) and not text.startswith("]", pos):
                raise _Bail
