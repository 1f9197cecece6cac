"""The fast lock-file TOML reader never answers differently from tomllib: on every TOML
fixture, on random documents of its subset (written by a small writer below), and on
random damage of lock-like text it returns tomllib's value exactly (types and key order
included) or ``None``, never a value tomllib would refuse."""

from __future__ import annotations

import json
import random
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipwarden.sources import fasttoml
from toml_strategies import mutate

DATA = Path(__file__).parent / "data"
EXAMPLES = settings(max_examples=2000, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def typed(value: Any) -> Any:
    """``value`` with every type and key order spelled out (``True != 1`` here)."""
    if isinstance(value, dict):
        return ("table", [(key, typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("array", [typed(item) for item in value])
    return (type(value).__name__, value)


def tomllib_or_none(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError):
        return None


def agrees(text: str) -> dict[str, Any] | None:
    """The fast result, checked against tomllib's: ``None`` or exactly the same value."""
    fast = fasttoml.loads(text)
    if fast is not None:
        slow = tomllib_or_none(text)
        assert slow is not None, "the fast reader accepted text tomllib refuses"
        assert typed(fast) == typed(slow)
    return fast


# -- (1) every TOML fixture of the suite --------------------------------------------------

FIXTURES = sorted(p for p in DATA.rglob("*") if p.is_file() and p.suffix in {".toml", ".lock"}
                  and p.name != "Pipfile.lock")
LOCKS = {"uv.lock", "poetry.lock", "pdm.lock", "pylock.toml"}


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: str(p.relative_to(DATA)))
def test_every_fixture_reads_as_tomllib_reads_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8-sig")
    fast = agrees(text)
    if path.name in LOCKS:  # what lock writers emit is inside the subset
        assert fast is not None
    for variant in (text.replace("\n", "\r\n"), text + "# end without newline"):
        assert (agrees(variant) is not None) == (fast is not None)


def test_the_fixtures_are_found() -> None:
    assert {p.name for p in FIXTURES} >= LOCKS


# -- hand-picked cases --------------------------------------------------------------------

VALID = [
    'a = "x"\nb = 1\nc = true\nd = false\ne = -0\nf = 123456789012345678\n',
    '"quoted key" = "v"\n"" = "empty key"\n"a.b" = { "c.d" = 1, e-f = [] }\n',
    's = "tab\there \\" \\\\ \\b\\t\\n\\f\\r \\u00e9 \\U0001F600 é"\n',
    "a = [\n  1, # one\n  2,\n  # alone\n]\nb = [ ]\nc = [[1, 2], [\"x\"], []]\n",
    "t = { a = { b = { c = [1, { d = 2 }] } }, e = {} }\n",
    "[a.b]\nx = 1\n[a]\ny = 2\n",  # a table only implied may be opened once
    "[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n",  # sub-tables of each element
    "[[a.b]]\n[[a.b]]\n[a]\nc = 1\n",
    '[ a . "b.c" . d ]\nx = 1\n[[ e ]] # c\n',
    "# only a comment",
    "\n\n  \t\n",
    "",
    "a = 1 # c\nb = [1,2,] # c\n[t] # c\n",
    'k = "x"\r\n[t]\r\nv = [\r\n  1,\r\n]\r\n',
]

INVALID = [
    "a = 1\na = 2\n",  # duplicate key
    "[a]\n[a]\n",  # table defined twice
    "[a]\nb = 1\n[a.b]\n",  # table over a value
    "a = {}\n[a]\n",  # inline tables are frozen
    "a = { b = 1 }\n[a.c]\n",
    "a = []\n[[a]]\n",  # a static array takes no [[a]]
    "[[a]]\n[a]\n",
    "[a]\n[[a]]\n",
    "[a.b]\nc = 1\n[a]\nb = 2\n",
    "a = { b = 1, b = 2 }\n",
    "a = { b = 1, }\n",  # no trailing comma in an inline table
    "a = {\nb = 1 }\n",  # no newline in an inline table
    "a = [1 2]\n",
    "a = [,]\n",
    "a = 1 b = 2\n",
    'a = "\\x41"\n',  # not a TOML 1.0 escape
    'a = "\\ud800"\n',  # a surrogate is not a scalar value
    'a = "\x01"\n',
    "a = 1 # \x01\n",
    "a = 01\n",
    "a = \n",
    "a = 1\rb = 2\n",
    '[a\n]\n',
    "[]\n",
    "[[a]\n",
    "a = truex\n",
]

OUTSIDE = [  # valid TOML that the fast reader leaves to tomllib
    "a = 'literal'\n",
    'a = """multi"""\n',
    "a = 1.5\n",
    "a = 1979-05-27\n",
    "a = 2025-01-01T00:00:00Z\n",
    "a.b = 1\n",
    "a = 0x1f\n",
    "a = 1_000\n",
    "a = +1\n",
    "a = inf\n",
    "a = 1234567890123456789\n",
]


@pytest.mark.parametrize("text", VALID, ids=range(len(VALID)))
def test_valid_documents_are_read(text: str) -> None:
    assert agrees(text) is not None


@pytest.mark.parametrize("text", INVALID, ids=range(len(INVALID)))
def test_invalid_documents_are_left_to_tomllib(text: str) -> None:
    assert tomllib_or_none(text) is None
    assert fasttoml.loads(text) is None


@pytest.mark.parametrize("text", OUTSIDE, ids=range(len(OUTSIDE)))
def test_what_is_outside_the_subset_is_left_to_tomllib(text: str) -> None:
    assert tomllib_or_none(text) is not None
    assert fasttoml.loads(text) is None


@pytest.mark.parametrize("text", [
    "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
    "a = " + "{ b = " * 50_000 + "1" + " }" * 50_000 + "\n",
    "a = " + "[" * 100_000,
    'a = "' + "x" * 1_000_000,
    "[" + "a." * 100_000 + "a]\n",
    "a = [" + "1," * 200_000 + "]\n",
], ids=["deep-arrays", "deep-tables", "unclosed", "unterminated", "long-header", "long"])
def test_hostile_shapes_return_without_raising(text: str) -> None:
    agrees(text)


# -- (2) random documents of the subset ---------------------------------------------------

_STR = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
_KEYS = st.one_of(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), _STR)
_SCALARS = st.one_of(_STR, st.integers(-(10**18) + 1, 10**18 - 1), st.booleans())
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_KEYS, inner, max_size=4)),
    max_leaves=8,
)
_COMMENTS = ["", " a comment", "#", " \"quoted\" = [x] {y}", "\tétoile ✓", " [[package]]"]


class Writer:
    """TOML text for a document, its spelling (spaces, comments, escapes, multi-line
    arrays, sub-table headers) chosen by a seeded random generator (one hypothesis draw
    instead of hundreds keeps 2,000 examples within seconds)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def flip(self) -> bool:
        return self.rng.random() < 0.5

    def space(self) -> str:
        return self.rng.choice(["", " ", "  ", "\t"])

    def key(self, key: str) -> str:
        if re.fullmatch(r"[A-Za-z0-9_-]+", key) and self.flip():
            return key
        return self.string(key)

    def string(self, text: str) -> str:
        out = json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")
        if self.flip():  # the other escapes TOML has
            out = out.replace("é", "\\u00e9").replace("\U0001f600", "\\U0001F600")
        return out

    def comment(self) -> str:
        return f"{self.space()}#{self.rng.choice(_COMMENTS)}" if self.flip() else ""

    def value(self, value: Any, inline: bool) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, dict):
            if not value:
                return "{" + self.space() + "}"
            pairs = [f"{self.key(k)}{self.space()}={self.space()}{self.value(v, True)}"
                     for k, v in value.items()]
            return "{" + self.space() + f"{self.space()},{self.space()}".join(pairs) \
                + self.space() + "}"
        items = [self.value(v, inline) for v in value]
        if inline or not items or self.flip():
            comma = "," if items and self.flip() else ""
            return "[" + self.space() + ", ".join(items) + comma + self.space() + "]"
        lines = [f"  {item}," + self.comment() for item in items[:-1]]
        lines.append(f"  {items[-1]}" + ("," if self.flip() else "") + self.comment())
        return "[\n" + "\n".join(lines) + "\n" + self.comment() + "\n]"

    def pairs(self, table: dict[str, Any], path: str) -> tuple[list[str], list[str]]:
        """Key/value lines of a table, and the sub-table sections after it."""
        lines: list[str] = []
        later: list[str] = []
        for key, value in table.items():
            if isinstance(value, dict) and value and path and self.flip():
                sub = f"{path}.{self.key(key)}"
                inner, more = self.pairs(value, sub)
                later += [f"[{self.space()}{sub}{self.space()}]" + self.comment(), *inner,
                          *more]
            else:
                lines.append(f"{self.key(key)}{self.space()}={self.space()}"
                             f"{self.value(value, False)}" + self.comment())
            if self.flip():
                lines.append(self.rng.choice(["", "# note", "   "]))
        return lines, later

    def document(self, root: dict[str, Any], tables: dict[str, dict[str, Any]],
                 arrays: dict[str, list[dict[str, Any]]]) -> str:
        lines, later = self.pairs(root, "")
        lines += later
        for name, table in tables.items():
            if name in root:
                continue
            head = self.key(name)
            inner, more = self.pairs(table, head)
            lines += [f"[{head}]" + self.comment(), *inner, *more]
        for name, items in arrays.items():
            if name in root or name in tables:
                continue
            head = self.key(name)
            for item in items:
                inner, more = self.pairs(item, head)
                lines += [f"[[{head}]]" + self.comment(), *inner, *more]
        text = "\n".join(lines) + ("\n" if self.flip() else "")
        return text.replace("\n", "\r\n") if self.flip() else text


_TABLE = st.dictionaries(_KEYS, _VALUES, max_size=3)


@st.composite
def documents(draw: st.DrawFn) -> str:
    return Writer(random.Random(draw(st.integers(0, 2**32)))).document(
        draw(_TABLE),
        draw(st.dictionaries(_KEYS, _TABLE, max_size=2)),
        draw(st.dictionaries(_KEYS, st.lists(_TABLE, min_size=1, max_size=2), max_size=2)),
    )


@EXAMPLES
@given(documents())
def test_random_subset_documents_read_as_tomllib_reads_them(text: str) -> None:
    assert tomllib_or_none(text) is not None  # the writer writes valid TOML
    assert agrees(text) is not None


# -- (3) damaged text ---------------------------------------------------------------------

LOCK_LIKE = "\n".join([
    "version = 1", 'requires-python = ">=3.10"', "",
    "[[package]]", 'name = "a"', 'version = "1.0"', 'source = { registry = "https://p" }',
    'dependencies = [', '    { name = "b", marker = "sys_platform == \'linux\'" },', "]",
    'sdist = { url = "https://e/a.tar.gz", hash = "sha256:00", size = 10 }',
    "wheels = [", '    { url = "https://e/a.whl", hash = "sha256:11", size = 20 },', "]", "",
    "[package.optional-dependencies]", 'web = [{ name = "c" }]', "",
    "[[package]]", 'name = "b"', 'version = "2.0"', 'files = [{file = "b.whl", hash = "x"}]',
    "[package.metadata]", 'requires-dist = [', '    "c>=1",', ']', "",
    "[metadata]", 'lock-version = "2.1"', "# end",
]) + "\n"


@EXAMPLES
@given(st.one_of(st.text(max_size=60),
                 st.text(st.sampled_from(list('[]{}=",.#\n\r\t \\\'abc01-_')), max_size=60),
                 mutate(LOCK_LIKE), documents().flatmap(mutate)))
def test_damaged_text_gives_none_or_tomllibs_answer(text: str) -> None:
    agrees(text)
