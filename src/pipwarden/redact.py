"""Hide credentials in URLs before they reach a message, a log line, an exception or a repr.

Index URLs often carry a token (``https://user:token@host/simple`` or
``https://__token__:pypi-…@host``, or a bare ``https://ghp_…@github.com/…`` for VCS). The user
info part is replaced: a password becomes ``****`` (the user name stays, it helps to know
*which* identity is configured); a user name alone is treated as a token and hidden entirely.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "redact_text", "redact_url"]

MASK = "****"

# scheme://userinfo@ — userinfo is everything up to the last "@" before the host's "/".
_USERINFO_RE = re.compile(
    r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.\-]*://)(?P<userinfo>[^\s/@?#]*(?:@[^\s/@?#]*)*)@"
)


def _mask_userinfo(userinfo: str) -> str:
    user, sep, _password = userinfo.partition(":")
    if sep and user and not user.startswith("${"):
        return f"{user}:{MASK}"
    return MASK


def redact_url(url: str) -> str:
    """``url`` with the credentials of its user-info part masked; other URLs unchanged.

    >>> redact_url("https://alice:s3cr3t@pypi.example.com/simple")
    'https://alice:****@pypi.example.com/simple'
    >>> redact_url("https://ghp_abc@github.com/org/repo.git")
    'https://****@github.com/org/repo.git'
    """
    return redact_text(url)


def redact_text(text: str) -> str:
    """Mask the credentials of every ``scheme://user:pass@host`` URL inside free text."""
    if "@" not in text or "://" not in text:
        return text
    return _USERINFO_RE.sub(
        lambda m: f"{m.group('scheme')}{_mask_userinfo(m.group('userinfo'))}@", text
    )
