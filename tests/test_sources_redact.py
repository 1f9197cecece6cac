"""Credentials in URLs are masked before they reach a message, a log line or a repr."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipwarden.redact import MASK, redact_text, redact_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://alice:s3cr3t@pypi.example.com/simple",
         "https://alice:****@pypi.example.com/simple"),
        ("https://__token__:pypi-AgEIcHlwaS5vcmc@upload.pypi.org/legacy/",
         "https://__token__:****@upload.pypi.org/legacy/"),
        ("https://ghp_abcdef@github.com/org/repo.git", "https://****@github.com/org/repo.git"),
        ("git+https://oauth2:glpat-xyz@gitlab.com/g/p.git@v1#egg=p",
         "git+https://oauth2:****@gitlab.com/g/p.git@v1#egg=p"),
        ("https://user:p@ss@host/simple", "https://user:****@host/simple"),
        ("https://pypi.org/simple", "https://pypi.org/simple"),
        ("git+https://github.com/o/r.git@main", "git+https://github.com/o/r.git@main"),
        ("./local/path", "./local/path"),
        ("https://:only-password@host/", "https://****@host/"),
    ],
)
def test_redact_url(url: str, expected: str) -> None:
    assert redact_url(url) == expected


def test_redact_text_masks_every_url() -> None:
    text = "tried https://a:one@h1/x then http://b:two@h2/y and git+ssh://git@github.com/o/r"
    masked = redact_text(text)
    assert "one" not in masked and "two" not in masked
    assert masked.count(MASK) == 3
    assert "h1/x" in masked and "h2/y" in masked


@settings(max_examples=200, deadline=None)
@given(
    user=st.from_regex(r"[A-Za-z0-9_.\-]{1,12}", fullmatch=True),
    secret=st.from_regex(r"[A-Za-z0-9_\-]{6,30}", fullmatch=True),
)
def test_secret_never_survives(user: str, secret: str) -> None:
    for url in (f"https://{user}:{secret}@idx.example/simple",
                f"https://{secret}@idx.example/simple"):
        masked = redact_url(url)
        assert f":{secret}@" not in masked and f"//{secret}@" not in masked
        assert masked.endswith("@idx.example/simple")
