"""JSON from untrusted sources, parsed within limits (TRUST §2 "Bounded").

:func:`loads_bounded` refuses a document that holds more than ``max_values`` arrays,
objects and elements (checked on the raw bytes before anything is built: one Python
object per ``[]`` costs tens of bytes for 3 bytes of input), a number longer than
``max_number_length`` characters (checked as each number is converted), or nesting
deeper than ``max_depth`` (checked on the result, without recursion; the C parser
itself stops at the interpreter's recursion limit and that too is reported as too deep).

The checks cost little next to the parse: the value count is one ``bytes.count`` pass,
and only for bodies large enough to reach the limit at all; the depth walk visits
containers only, and :func:`ensure_depth` lets a caller walk just the part it keeps.
"""

from __future__ import annotations

import json
from typing import Any

from pipwarden.frozen import frozen

__all__ = ["JsonLimitError", "JsonLimits", "ensure_depth", "loads_bounded"]


class JsonLimitError(ValueError):
    """A JSON document exceeds a limit; the message says which one, in one line."""


@frozen
class JsonLimits:
    """The limits; the defaults admit every real PyPI, GitHub and OSV answer."""

    max_depth: int = 64
    max_number_length: int = 100
    max_values: int = 2_000_000


def _too_many_values(raw: bytes, max_values: int) -> bool:
    """Whether ``raw`` may hold more than ``max_values`` values (an upper bound: commas
    and brackets inside strings count too, which only ever over-estimates).

    Every value takes at least two bytes (``1,`` or ``[]``), so a shorter body cannot
    reach the limit and is not scanned at all.
    """
    if len(raw) < 2 * max_values:
        return False
    return raw.count(b",") + raw.count(b"[") + raw.count(b"{") + 1 > max_values


def ensure_depth(data: Any, max_depth: int) -> None:
    """Raise :class:`JsonLimitError` when ``data`` nests deeper than ``max_depth``.

    Iterative (an explicit stack), visiting containers only.
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > max_depth:
            raise JsonLimitError(f"JSON answer nested deeper than {max_depth} levels")
        children = node.values() if type(node) is dict else node
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, depth + 1))
    return


def loads_bounded(
    body: bytes | str, limits: JsonLimits | None = None, *, check_depth: bool = True
) -> Any:
    """Parse ``body`` like :func:`json.loads`, within ``limits``.

    Raises :class:`JsonLimitError` for a limit, ``ValueError`` for anything that is not
    JSON (``NaN`` and ``Infinity`` included: they are not JSON either). With
    ``check_depth=False`` the caller checks the depth of what it keeps
    (:func:`ensure_depth`); the parse itself is still safe.
    """
    limits = limits or JsonLimits()
    if isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = body
        encoding = json.detect_encoding(raw)
        if encoding not in ("utf-8", "utf-8-sig"):  # UTF-16/32: count it as UTF-8
            raw = raw.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    if _too_many_values(raw, limits.max_values):
        raise JsonLimitError(f"JSON answer holds more than {limits.max_values:,} values")
    longest = limits.max_number_length

    def number(kind: type[int] | type[float]) -> Any:
        def convert(text: str) -> int | float:
            if len(text) > longest:
                raise JsonLimitError(f"JSON answer has a number longer than {longest} characters")
            return kind(text)

        return convert

    try:
        data = json.loads(
            raw, parse_int=number(int), parse_float=number(float), parse_constant=_no_constant
        )
    except RecursionError:
        raise JsonLimitError(f"JSON answer nested deeper than {limits.max_depth} levels") from None
    if check_depth:
        ensure_depth(data, limits.max_depth)
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
