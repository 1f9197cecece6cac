"""A tiny line-based YAML scanner: just enough to find keys in block mappings.

pipwarden has no YAML dependency. doctor reads ``profiles.yml``, ``~/.kube/config`` and
``~/.config/gh/hosts.yml`` for the *names* of a few keys; lint reads dbt's
``packages.yml``. The scanner walks block mappings and sequences by indentation and
reports every ``key: value`` line with the keys above it (and, on request, every scalar
sequence item). Flow collections, anchors and multi-document streams are not interpreted
(their text is kept as the value; :func:`flow_sequence` splits a ``[a, b]`` value);
block scalars (``|``, ``>``) are skipped.
"""

from __future__ import annotations

from pipwarden.errors import InputError
from pipwarden.frozen import frozen

__all__ = ["YamlEntry", "flow_sequence", "scan_yaml", "strip_comment", "unquote"]


@frozen
class YamlEntry:
    """One ``key: value`` line: its 1-based line, indentation, parent keys, key and value.

    Sequence items appear in ``path`` as ``"-<line>"`` so that items stay distinct. A
    scalar sequence item (``- ">=1.0"``, reported with ``items=True``) has ``item`` set,
    an empty ``key``, the item as ``value`` and the keys above it as ``path``.
    """

    line: int
    indent: int
    path: tuple[str, ...]
    key: str
    value: str
    item: bool = False


def strip_comment(text: str) -> str:
    """``text`` without a ``#`` comment that starts a word outside quotes (the rule YAML
    and POSIX shells share), trailing blanks removed."""
    quote: str | None = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def unquote(text: str) -> str:
    """A scalar without its surrounding quotes (no escape processing)."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def flow_sequence(text: str) -> list[str] | None:
    """The items of a flow sequence value (``[">=1.1", "<2"]``), or ``None`` for another
    value."""
    text = text.strip()
    if not (text.startswith("[") and text.endswith("]")):
        return None
    parts: list[str] = []
    quote: str | None = None
    current = ""
    for char in text[1:-1]:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return [unquote(part) for part in parts if part.strip()]


def _split_key(body: str) -> tuple[str, str] | None:
    """``key: value`` → (key, value); ``None`` when the line is not a mapping entry."""
    if body.startswith(("'", '"')):
        end = body.find(body[0], 1)
        if end < 0 or not body[end + 1 :].startswith(":"):
            return None
        rest = body[end + 2 :]
        if rest and not rest.startswith(" "):
            return None
        return body[1:end], rest.strip()
    idx = body.find(": ")
    if idx < 0:
        if body.endswith(":"):
            return body[:-1].strip(), ""
        return None
    return body[:idx].strip(), body[idx + 2 :].strip()


def scan_yaml(
    text: str, *, items: bool = False, source: str | None = None
) -> list[YamlEntry]:
    """Every mapping entry of ``text`` with its ancestry, in file order.

    With ``items``, scalar sequence items are entries too. With ``source`` (the file's
    path) the scan is strict: a tab in the indentation or a line that is neither a
    ``key: value`` nor a sequence item raises :class:`InputError` naming the line;
    otherwise such lines are skipped.
    """
    entries: list[YamlEntry] = []
    stack: list[tuple[int, str]] = []
    block_indent: int | None = None
    for lineno, raw in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None:
            if indent > block_indent:
                continue
            block_indent = None
        body = strip_comment(raw.strip())
        if not body or body.startswith(("---", "...", "%")):
            continue
        if source is not None and "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise InputError("tabs are not allowed for indentation in YAML", path=source,
                             line=lineno)
        while body == "-" or body.startswith("- "):
            while stack and (
                stack[-1][0] > indent or (stack[-1][0] == indent and stack[-1][1][:1] == "-")
            ):
                stack.pop()
            stack.append((indent, f"-{lineno}"))
            rest = body[1:]
            indent += 1 + len(rest) - len(rest.lstrip(" "))
            body = rest.strip()
        if not body:
            continue
        split = _split_key(body)
        if split is None:
            if items and stack and stack[-1][1] == f"-{lineno}":
                path = tuple(k for _, k in stack[:-1])
                entries.append(YamlEntry(lineno, indent, path, "", unquote(body), item=True))
            elif source is not None:
                raise InputError(f"cannot read {body!r} as 'key: value'", path=source,
                                 line=lineno)
            continue
        key, value = split
        while stack and stack[-1][0] >= indent:
            stack.pop()
        entries.append(
            YamlEntry(lineno, indent, tuple(k for _, k in stack), unquote(key), unquote(value))
        )
        stack.append((indent, unquote(key)))
        if value[:1] in {"|", ">"}:
            block_indent = indent
    return entries
