"""Fuzz: the requirements reader on arbitrary text and bytes.

Documented outcomes only: a parsed :class:`RequirementsFile` or an :class:`InputError`
whose message is one short line (never another exception, never a traceback, never a
whole hostile line echoed back). 5,000 examples by default (``PIPWARDEN_FUZZ_EXAMPLES``
overrides), small inputs and no file I/O so that each test takes a few seconds.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from byte_choices import Choices
from pipwarden.errors import InputError
from pipwarden.sources.requirements import (
    RequirementsFile,
    decode_requirements,
    parse_requirements_text,
)

FUZZ = settings(max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "5000")),
                deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEPARATORS = ["\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
              "\u2029"]
_PIECES = [
    *SEPARATORS, "\\", "#", " #", "-", "--", "=", "==", ">=", "~=", "!=", "===", ";", "@",
    "[", "]", ",", "'", '"', " ", "\t", "${", "}", "${HOME}", "${PW_FUZZ}", "pkg", "Foo_Bar",
    "1.0", "+cpu", ".*", "-r ", "-c ", "-e ", "-i ", "--hash=sha256:", "--hash=md5:ab",
    "--index-url", "--extra-index-url=", "--pre", "--no-binary", "--config-settings", "--",
    "https://u:p@h.example/x-1.0.tar.gz", "#egg=", "git+https://g.example/r.git",
    "file:///etc/passwd", "python_version", " and ", " or ", "(", ")", "\ufeff", "\x00",
    "9" * 1200, "1" * 5000, "\\\n" * 300, "a.txt", "b.txt", "../", "/dev/zero",
]


def fuzz_text(data: bytes) -> str:
    """Text built from ``data``: pieces of requirements syntax, separators and any code
    point but surrogates."""
    c = Choices(data)
    out = []
    while c.at < len(data):
        out.append(c.char() if c.below(4) == 0 else c.pick(_PIECES))
    return "".join(out)


FUZZ_TEXT = st.binary(max_size=64).map(fuzz_text)
ENVIRON = {"PW_FUZZ": "x==1 --hash=sha256:${PW_FUZZ}${PW_FUZZ}", "HOME": "/home/fuzz"}


def _check_outcome(call: object) -> None:
    try:
        parsed = call()  # type: ignore[operator]
    except InputError as exc:
        message = str(exc)
        assert "\n" not in message and len(message) < 1000, ascii(message)[:300]
        return
    assert isinstance(parsed, RequirementsFile)
    for error in parsed.errors:
        assert "\n" not in str(error) and len(str(error)) < 1000, ascii(str(error))[:300]


@FUZZ
@given(FUZZ_TEXT, st.fixed_dictionaries({}, optional={"a.txt": FUZZ_TEXT, "b.txt": FUZZ_TEXT}),
       st.booleans())
@example("pkg==" + "1" * 5000, {}, False)
@example("\\\n" * 5000 + "pkg", {}, False)
@example("-r a.txt", {"a.txt": "-r a.txt"}, False)
@example("${PW_FUZZ} ${PW_FUZZ} ${PW_FUZZ}", {}, True)
@example(" " * 20000 + "x", {}, False)
def test_parser_gives_a_result_or_an_input_error(
    text: str, files: dict[str, str], collect: bool
) -> None:
    def resolver(path: str) -> str | None:
        return files.get(PurePosixPath(path).name)

    _check_outcome(lambda: parse_requirements_text(
        text, "requirements.txt", environ=ENVIRON, resolver=resolver, collect_errors=collect,
        root="." if collect else None,
    ))


_BOMS = st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\xff\xfe\x00\x00",
                         b"\x00\x00\xfe\xff", b"# -*- coding: latin-1 -*-\n",
                         b"# coding=utf-16\n", b"# coding: nonsense\n", b"#coding:punycode\n",
                         b"# coding: rot13\n", b"# coding: hex\n"])


@FUZZ
@given(_BOMS, st.binary(max_size=64))
@example(b"\xff\xfe", b"\x00\xd8")  # a lone surrogate in UTF-16
def test_decoding_gives_text_or_an_input_error(prefix: bytes, data: bytes) -> None:
    try:
        text, encoding = decode_requirements(prefix + data, "requirements.txt")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    assert isinstance(text, str) and isinstance(encoding, str)
    _check_outcome(lambda: parse_requirements_text(text, "requirements.txt", environ={}))
