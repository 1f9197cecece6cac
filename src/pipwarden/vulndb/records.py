"""Decoding one OSV record's JSON within bounds: nesting depth and number length.

An OSV archive is attacker-controlled input (TRUST §2 "Bounded"). ``json.loads`` itself
fails on deep nesting with a ``RecursionError`` and on a number of more than 4,300 digits
with a ``ValueError`` (Python's int-string limit), and turns a long digit run into a huge
int; here each of those is an :class:`UnreadableRecord` with a one-line reason, under caps
that are settings (``PIPWARDEN_JSON_MAX_DEPTH``, ``PIPWARDEN_JSON_MAX_NUMBER_LENGTH``).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from pipwarden.frozen import frozen

__all__ = ["RecordLimits", "UnreadableRecord", "json_depth", "load_record"]


class UnreadableRecord(ValueError):
    """A record that cannot be decoded (within the caps); ``reason`` is one short line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@frozen
class RecordLimits:
    """Caps on one record: nesting of arrays/objects, characters of one number."""

    max_depth: int = 64
    max_number_length: int = 100


# A JSON string (escapes included); what is inside cannot open or close a bracket.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes, limit: int) -> int:
    """The nesting depth of the JSON text ``raw``, counted up to ``limit + 1`` (then it
    stops: a deeper text is refused anyway, and counting it all would cost time)."""
    opened = raw.count(b"[") + raw.count(b"{")
    if opened <= limit:  # cannot be deeper: the usual record
        return opened
    depth = deepest = 0
    for match in _BRACKET.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def load_record(raw: bytes, limits: RecordLimits) -> Any:
    """``json.loads(raw)`` within ``limits``; :class:`UnreadableRecord` on anything else."""
    depth = json_depth(raw, limits.max_depth)
    if depth > limits.max_depth:
        raise UnreadableRecord(
            f"JSON nested deeper than {limits.max_depth} levels "
            "(setting PIPWARDEN_JSON_MAX_DEPTH)"
        )
    try:
        return _decoder(limits.max_number_length).decode(_text(raw))
    except UnreadableRecord:
        raise
    except RecursionError:
        raise UnreadableRecord("JSON nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnreadableRecord(f"not valid JSON ({_first_line(str(exc))})") from None


def _text(raw: bytes) -> str:
    """``raw`` decoded as ``json.loads`` decodes bytes (UTF-8, -16 or -32 by their BOM or
    zero bytes)."""
    return raw.decode(json.detect_encoding(raw), "surrogatepass")


@lru_cache(maxsize=8)
def _decoder(cap: int) -> json.JSONDecoder:
    """A decoder whose numbers longer than ``cap`` characters raise UnreadableRecord (made
    once per cap: building a decoder per record would cost more than the check)."""

    def number(text: str, convert: type[int] | type[float]) -> int | float:
        if len(text) > cap:
            raise UnreadableRecord(
                f"a JSON number of {len(text):,} characters (limit {cap}; setting "
                "PIPWARDEN_JSON_MAX_NUMBER_LENGTH)"
            )
        return convert(text)

    return json.JSONDecoder(
        parse_int=lambda text: number(text, int),
        parse_float=lambda text: number(text, float),
    )


def _first_line(text: str, limit: int = 120) -> str:
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"
