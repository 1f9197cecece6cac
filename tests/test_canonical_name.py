"""``pipwarden.models.canonical_name`` is PEP 503 normalisation, as ``packaging`` does it.

(Everything in pipwarden normalises names through it: a difference from what pip and
packaging compute would make a package look unknown, or two packages look alike.)
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from pipwarden.models import canonical_name

_PEP_503 = re.compile(r"[-_.]+")
_LETTERS = [*"aAzZ09-_.", "İ", "K", "ß", "Σ", "ǅ", " ", "\u00a0", *map(chr, range(0x80, 0x250))]


@settings(max_examples=2_000)
@given(st.text(alphabet=st.sampled_from(_LETTERS), max_size=24))
def test_canonical_name_is_pep_503(name: str) -> None:
    assert canonical_name(name) == _PEP_503.sub("-", name).lower()
    assert canonical_name(name) == canonicalize_name(name)


def test_examples() -> None:
    assert canonical_name("Foo_Bar.baz") == "foo-bar-baz"
    assert canonical_name("a-_.-b") == "a-b"
    assert canonical_name("--x--") == "-x-"
    assert canonical_name("Django") == "django"
