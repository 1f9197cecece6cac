"""Hypothesis strategies for TOML documents: values, tables and the text that spells them.

Documents are dicts emitted by :func:`dump` (a small TOML writer: quoted keys, ``[table]``
and ``[[array]]`` headers at the top level, inline tables below), so a strategy can aim at
the keys a reader knows while every value type TOML has still turns up. :func:`mutate`
damages such a text (cut, duplicate, insert a character) to reach the error paths too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from hypothesis import strategies as st

__all__ = ["dump", "either", "mutate", "shaped", "toml_text", "values"]

_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)

_SCALARS: st.SearchStrategy[Any] = st.one_of(
    _TEXT,
    st.sampled_from(["1.0", "2.0.1", "0", ">=1", "pkg>=1.0", "7d", "12h", "any", "high",
                     "2026-12-31", "x; python_version<'3'", "1.*", ""]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.dates(),
    st.datetimes(timezones=st.sampled_from([None, dt.UTC])),
    st.times(),
)


def values(keys: st.SearchStrategy[str] = _TEXT) -> st.SearchStrategy[Any]:
    """Any TOML value: scalars, arrays and tables (keys drawn from ``keys``)."""
    return st.recursive(
        _SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(keys, inner, max_size=4),
        ),
        max_leaves=12,
    )


def either(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A value: mostly a good one, else a scalar of any type, else anything."""
    return st.one_of(good, good, good, good, _SCALARS, values())


_BAD: st.SearchStrategy[Any] = st.one_of(_SCALARS, values())


def shaped(
    required: dict[str, st.SearchStrategy[Any]],
    optional: dict[str, st.SearchStrategy[Any]] | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """A table with the ``required`` keys and some ``optional`` ones, each from its own
    (good) strategy, except that often one key, chosen at random, gets a value of any
    type: most of the document stays well formed, so the reader gets far enough to meet
    the one odd value."""
    more = optional or {}
    keys = [*required, *more]

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        bad = draw(st.sampled_from([None, *keys]))
        out: dict[str, Any] = {}
        for key, strategy in [*required.items(), *more.items()]:
            if key in required or key == bad or draw(st.booleans()):
                out[key] = draw(_BAD if key == bad else strategy)
        return out

    return build()


def _key(key: str) -> str:
    return _string(key)


def _string(text: str) -> str:
    # JSON escapes are TOML basic-string escapes; TOML also forbids a raw DEL
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        assert math.isfinite(value)
        text = repr(value)
        return text if any(c in text for c in ".e") else text + ".0"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(type(value))


def dump(doc: dict[str, Any], *, headers: bool = True) -> str:
    """TOML text for ``doc``; with ``headers`` top-level tables become ``[name]`` sections
    (one level of ``[name.sub]`` too) and arrays of tables ``[[name]]``."""
    lines: list[str] = []
    later: list[str] = []
    for key, value in doc.items():
        if headers and isinstance(value, dict):
            later.append(f"[{_key(key)}]")
            subs: list[str] = []
            for sub, inner in value.items():
                if isinstance(inner, dict) and inner:
                    subs.append(f"[{_key(key)}.{_key(sub)}]")
                    subs.extend(f"{_key(k)} = {_value(v)}" for k, v in inner.items())
                else:
                    later.append(f"{_key(sub)} = {_value(inner)}")
            later.extend(subs)
        elif (headers and isinstance(value, list) and value
              and all(isinstance(v, dict) for v in value)):
            for item in value:
                later.append(f"[[{_key(key)}]]")
                later.extend(f"{_key(k)} = {_value(v)}" for k, v in item.items())
        else:
            lines.append(f"{_key(key)} = {_value(value)}")
    return "\n".join(lines + later) + "\n"


@st.composite
def mutate(draw: st.DrawFn, text: str) -> str:
    """``text`` with a few edits: a slice cut out, a slice repeated, a character inserted."""
    for _ in range(draw(st.integers(0, 3))):
        if not text:
            break
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 20)))
        op = draw(st.sampled_from(["cut", "repeat", "insert"]))
        if op == "cut":
            text = text[:i] + text[j:]
        elif op == "repeat":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i] + draw(st.sampled_from(list("[]{}=\"',.#\n\\ 0a"))) + text[i:]
    return text


def toml_text(doc_strategy: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[str]:
    """Free text, a dumped document, or a dumped document mutated."""
    dumped = st.builds(dump, doc_strategy, headers=st.booleans())
    return st.one_of(st.text(max_size=80), dumped, dumped, dumped.flatmap(mutate))
