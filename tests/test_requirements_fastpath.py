"""The parser's shortcut for ``name==1.2.3`` lines gives exactly what its full pipeline
gives: the same dependencies, logical lines and errors, with the shortcut on and off."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipwarden.errors import InputError
from pipwarden.sources.requirements import parse_requirements_text
from pipwarden.sources.requirements import parser as parser_module

NEVER = re.compile(r"(?!)")

NAMES = st.one_of(st.text("aZ09._-", min_size=1, max_size=12),
                  st.from_regex(r"[A-Za-z][A-Za-z0-9._-]{0,10}[A-Za-z0-9]", fullmatch=True))
OPS = st.sampled_from(["==", "===", ">=", "<=", "~=", "!=", "<", ">", "=", "=<"])
VERSIONS = st.one_of(
    st.text("0123456789.+!_*-abcrlpostdev", min_size=0, max_size=14),
    st.from_regex(r"([0-9]!)?[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc)[0-9])?(\.post[0-9])?"
                  r"(\.dev[0-9])?(\+[a-z0-9.]{1,5})?(\.\*)?", fullmatch=True),
)
OTHER = st.sampled_from(["", "# comment", "  ", "requests>=2 ; python_version < '3.12'",
                         "-r other.txt", "--hash=sha256:" + "0" * 64, "pkg[extra]==1",
                         "a==1 \\", "./local/path", "b==1.0.zip", "x @ https://e.org/x.whl",
                         "c==${VERSION}", "\ufeffd==1"])


def _both(text: str) -> tuple[object, object]:
    def parse() -> object:
        try:
            parsed = parse_requirements_text(text, "requirements.txt")
        except InputError as exc:
            return ("error", str(exc))
        return (parsed.dependencies, parsed.lines, parsed.options, parsed.newline)

    fast = parse()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parser_module, "_PLAIN_LINE_RE", NEVER)
        slow = parse()
    return fast, slow


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(st.tuples(NAMES, OPS, VERSIONS).map("".join), OTHER),
                min_size=1, max_size=8),
       st.sampled_from(["\n", "\r\n", "\r"]))
@example(["Django==4.2", "Flask_Login>=0.6", "requests==2.31.0", "torch==2.1.0+cpu",
          "numpy~=1", "x==1.*", "y>=1.0,<2"], "\n")
@example(["a" * 300 + "==1", "b==" + "1" * 1200, "c===1.0", "d==1.0.tar.gz"], "\n")
@example(["a==1 \\", "b==2", "# c==3", "d==4 # pinned"], "\r\n")
def test_the_shortcut_changes_nothing(lines: list[str], newline: str) -> None:
    fast, slow = _both(newline.join(lines) + newline)
    assert fast == slow


def test_the_shortcut_is_taken_for_plain_pins() -> None:
    calls: list[str] = []
    original = parser_module._handle_line

    def spy(*args: object, **kwargs: object) -> str:
        calls.append("full")
        return original(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(parser_module, "_handle_line", spy)
        parsed = parse_requirements_text("a==1\nb>=2.0\n# note\nc==3 # pinned\n", "r.txt")
    assert [d.name for d in parsed.dependencies] == ["a", "b", "c"]
    assert calls == ["full"]  # only the line with a comment took the full pipeline
