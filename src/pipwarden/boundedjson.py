"""JSON from untrusted sources, parsed within limits (TRUST §2 "Bounded").

:func:`loads_bounded` refuses, before anything is built, a document nested deeper than
``max_depth``, holding a number longer than ``max_number_length`` characters, or more
than ``max_values`` arrays, objects and elements. The checks look only at the bytes
outside strings and use ``bytes`` methods (C speed, linear time), so they cost a small
fraction of the parse itself; a refused document costs no Python objects at all.

Why here and not in ``json.loads``: the C parser recurses per level (a few thousand
``[`` raise ``RecursionError``, and a deep document that parses can break whatever walks
it later), converts 4,000-digit numbers digit by digit, and builds one Python object per
``[]`` (tens of bytes each), so 3 bytes of input can cost 60 bytes of memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonLimitError", "JsonLimits", "loads_bounded"]

_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(b for b in range(256) if b not in _BRACKETS)


class JsonLimitError(ValueError):
    """A JSON document exceeds a limit; the message says which one, in one line."""


@dataclass(frozen=True)
class JsonLimits:
    """The limits; the defaults admit every real PyPI, GitHub and OSV answer."""

    max_depth: int = 64
    max_number_length: int = 100
    max_values: int = 2_000_000


def _outside_strings(body: bytes) -> bytes:
    """The bytes of ``body`` that are not inside a JSON string (quotes removed).

    Escapes are removed first (``\\\\`` pairs, then ``\\"``), so every quote left is a
    delimiter and every other piece between quotes is string content. On a document that
    is not valid JSON the result is meaningless but still computed in linear time, and
    ``json.loads`` rejects the document anyway.
    """
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    if b'"' not in body:
        return body
    return b"".join(body.split(b'"')[::2])


def _too_deep(brackets: bytes, max_depth: int) -> bool:
    """Whether the bracket sequence nests deeper than ``max_depth`` (C-speed passes).

    Each pass removes the innermost empty pairs, so a sequence nested ``d`` deep is empty
    after at most ``d`` passes; one that is not empty after ``max_depth`` passes nests
    deeper than that (or is unbalanced, which the parser refuses in any case).
    """
    for _ in range(max_depth):
        if not brackets:
            return False
        shorter = brackets.replace(b"[]", b"").replace(b"{}", b"")
        if len(shorter) == len(brackets):
            return False  # unbalanced: json.loads says so with a better message
        brackets = shorter
    return bool(brackets)


def _check(body: bytes, limits: JsonLimits) -> None:
    outside = _outside_strings(body)
    brackets = outside.translate(None, _NOT_BRACKETS)
    values = outside.count(b",") + len(brackets) // 2 + 1
    if values > limits.max_values:
        raise JsonLimitError(f"JSON answer holds more than {limits.max_values:,} values")
    if _too_deep(brackets, limits.max_depth):
        raise JsonLimitError(f"JSON answer nested deeper than {limits.max_depth} levels")
    pattern = rb"[-+.0-9eE]{%d}" % (limits.max_number_length + 1)
    if re.search(pattern, outside):
        raise JsonLimitError(
            f"JSON answer has a number longer than {limits.max_number_length} characters"
        )


def loads_bounded(body: bytes | str, limits: JsonLimits | None = None) -> Any:
    """Parse ``body`` like :func:`json.loads`, within ``limits``.

    Raises :class:`JsonLimitError` for a limit, ``ValueError`` for anything that is not
    JSON (``NaN`` and ``Infinity`` included: they are not JSON either).
    """
    if isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
    else:
        raw = body
        encoding = json.detect_encoding(raw)
        if encoding not in ("utf-8", "utf-8-sig"):  # UTF-16/32: scan it as UTF-8
            raw = raw.decode(encoding, "surrogatepass").encode("utf-8", "surrogatepass")
    _check(raw, limits or JsonLimits())
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except RecursionError:  # cannot happen within max_depth; kept as a last guard
        raise JsonLimitError("JSON answer nested too deeply") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")
