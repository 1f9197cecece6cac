"""Hide credentials in URLs before they reach a message, a log line, an exception or a repr.

Index URLs often carry a token (``https://user:token@host/simple`` or
``https://__token__:pypi-…@host``, or a bare ``https://ghp_…@github.com/…`` for VCS). The user
info part is replaced: a password becomes ``****`` (the user name stays, it helps to know
*which* identity is configured); a user name alone is treated as a token and hidden entirely.
Query parameters named like a secret (``?token=``, ``private_token``, ``X-Amz-Signature``,
``sig``, ``api_key``, …) keep their name and lose their value.

Passwords are not always URL-encoded: ``https://user:pa/ss@host``, ``https://user:p#w@host``
and ``https://user:p@ss@host`` are what people paste. A ``user:`` followed by something
that is not a port, and an ``@`` later in the URL, is read as a password that runs up to
the last ``@`` (erring towards hiding too much).

:func:`redact_text` is what every output path applies (``report.output.write_report``,
the logging filter and the error printer in ``cli``), so a renderer that forgets cannot leak.
"""

from __future__ import annotations

import re

from pipwarden.lazyre import LazyPattern

__all__ = ["MASK", "redact_text", "redact_url", "split_userinfo"]

MASK = "****"

_SCHEME_BEFORE_RE = LazyPattern(r"[A-Za-z][A-Za-z0-9+.\-]{0,31}\Z")
# where a URL stops in free text, JSON, HTML, markdown: blanks, quotes, angle brackets
_URL_BODY_RE = LazyPattern(r"[^\s\"'<>`\\]*")
_SECRET_PARAM_RE = LazyPattern(
    r"(?P<lead>[?&;#])(?P<key>(?:[A-Za-z0-9]+[_\-])*"
    r"(?:token|secret|password|passwd|pwd|api[_\-]?key|apikey|key|sig|signature|credential|"
    r"auth|jwt|session))=(?P<value>[^&#;\s\"'<>`\\]+)",
    re.IGNORECASE,
)
_AUTHORITY_END_RE = LazyPattern(r"[/?#]")
# urllib's error for ``https://user:pa/ss@host`` quotes the password's first part
_PORT_ERROR_RE = LazyPattern(r"(nonnumeric port: )'[^']*'")


def _mask_userinfo(userinfo: str, keep_user: bool) -> str:
    user, sep, _password = userinfo.partition(":")
    if keep_user and sep and user and not user.startswith("${"):
        return f"{user}:{MASK}"
    return MASK


def _userinfo_end(rest: str) -> int:
    """Index of the ``@`` that ends the user info of ``rest`` (after ``://``), or -1."""
    found = _AUTHORITY_END_RE.search(rest)
    end = found.start() if found else len(rest)
    authority = rest[:end]
    if "@" in authority:
        return authority.rfind("@")
    colon = authority.find(":")
    if colon < 0 or authority[colon + 1 :].isdigit():
        return -1  # no user info, or host:port
    at = rest.rfind("@", end)
    if at < 0:
        # ``http://user:pa`` is what urllib leaves of ``http://user:pa/ss@host``: no host
        # has a port that is not a number, so the rest is a password fragment
        return end if authority[colon + 1 :] else -1
    # the password holds "/", "?" or "#": it runs to the last "@" (for a VCS URL with an
    # ``@ref`` that hides the host too: too much hidden beats a password shown)
    return at


def split_userinfo(url: str) -> tuple[str, str]:
    """``(user info, url without it)``, reading user info as :func:`redact_text` does
    (a password holding ``/ ? # @`` included); ``("", url)`` when there is none.

    >>> split_userinfo("https://user:pa/ss@host/simple")
    ('user:pa/ss', 'https://host/simple')
    """
    scheme, sep, rest = url.partition("://")
    at = _userinfo_end(rest) if sep else -1
    if at < 0:
        return "", url
    return rest[:at], f"{scheme}://{rest[at + 1:]}"


def _redact_body(body: str, keep_user: bool) -> str:
    at = _userinfo_end(body)
    if at >= 0:
        body = _mask_userinfo(body[:at], keep_user) + body[at:]
    if "=" in body:
        body = _SECRET_PARAM_RE.sub(lambda m: f"{m['lead']}{m['key']}={MASK}", body)
    return body


def redact_url(url: str, *, keep_user: bool = True) -> str:
    """``url`` with the credentials of its user-info part masked; other URLs unchanged.

    ``keep_user=False`` hides the user name too (for text that may be shared).

    >>> redact_url("https://alice:s3cr3t@pypi.example.com/simple")
    'https://alice:****@pypi.example.com/simple'
    >>> redact_url("https://ghp_abc@github.com/org/repo.git")
    'https://****@github.com/org/repo.git'
    """
    return redact_text(url, keep_user=keep_user)


def redact_text(text: str, *, keep_user: bool = True) -> str:
    """Mask the credentials of every ``scheme://…`` URL inside free text (JSON, HTML too)."""
    if "nonnumeric port" in text:
        text = _PORT_ERROR_RE.sub(rf"\1'{MASK}'", text)
    marker = text.find("://")
    if marker < 0:
        return text
    if "@" not in text and not any(c in text for c in "?&;#"):
        return text  # no user info and no query or fragment: no URL holds a credential
    out: list[str] = []
    pos = 0
    while marker >= 0:
        scheme = _SCHEME_BEFORE_RE.search(text, max(pos, marker - 32), marker)
        body_start = marker + 3
        body = _URL_BODY_RE.match(text, body_start)
        body_end = body.end() if body is not None else body_start
        if scheme is not None and body_end > body_start:
            out.append(text[pos:body_start])
            out.append(_redact_body(text[body_start:body_end], keep_user))
            pos = body_end
        marker = text.find("://", max(body_end, marker + 3))
    out.append(text[pos:])
    return "".join(out)
