"""A tiny line-based YAML scanner: just enough to find keys in block mappings.

doctor reads ``profiles.yml``, ``~/.kube/config`` and ``~/.config/gh/hosts.yml`` for the
*names* of a few keys; pipwarden has no YAML dependency, so this scanner walks block
mappings and sequences by indentation and reports every ``key: value`` line with the
keys above it. Flow collections, anchors and multi-document streams are not interpreted
(their text is kept as the value); block scalars (``|``, ``>``) are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["YamlEntry", "scan_yaml"]


@dataclass(frozen=True)
class YamlEntry:
    """One ``key: value`` line: its 1-based line, indentation, parent keys, key and value.

    Sequence items appear in ``path`` as ``"-<line>"`` so that items stay distinct.
    """

    line: int
    indent: int
    path: tuple[str, ...]
    key: str
    value: str


def _strip_comment(text: str) -> str:
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


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


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


def scan_yaml(text: str) -> list[YamlEntry]:
    """Every mapping entry of ``text`` with its ancestry, in file order."""
    entries: list[YamlEntry] = []
    stack: list[tuple[int, str]] = []
    block_indent: int | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if block_indent is not None:
            if indent > block_indent:
                continue
            block_indent = None
        body = _strip_comment(raw.strip())
        if not body or body.startswith(("---", "...", "%")):
            continue
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
            continue
        key, value = split
        while stack and stack[-1][0] >= indent:
            stack.pop()
        entries.append(
            YamlEntry(lineno, indent, tuple(k for _, k in stack), _unquote(key), _unquote(value))
        )
        stack.append((indent, _unquote(key)))
        if value[:1] in {"|", ">"}:
            block_indent = indent
    return entries
