"""What the PyPI client needs to know about HTTP without loading an HTTP stack: the
transport interface, its answer, its errors, and the origin of a URL. The urllib
implementation (:mod:`pipwarden.pypi.transport`) is imported only when a request is made,
so a run that reads only the cache (``--offline``) never loads ``http.client`` or ``ssl``.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Protocol

from pipwarden import __version__
from pipwarden.frozen import frozen

__all__ = [
    "USER_AGENT",
    "DeadlineExceeded",
    "LimitExceeded",
    "Response",
    "Transport",
    "origin",
]

USER_AGENT = f"pipwarden/{__version__} (+https://github.com/pipwarden/pipwarden)"


@frozen
class Response:
    """What a transport returns: a status, lower-cased headers, the raw body, the final URL.

    ``url`` is where the answer came from after redirects ("" when the transport does not
    say), so a caller can refuse answers from hosts it did not configure.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes
    url: str = ""


class Transport(Protocol):
    """Performs one GET. Raises ``OSError`` (incl. timeouts) for connection-level faults.

    ``deadline`` is a :func:`time.monotonic` instant by which the whole answer must have
    arrived (:class:`DeadlineExceeded` otherwise); ``max_bytes`` caps the raw body
    (:class:`LimitExceeded`); ``secrets`` are values that must not follow a redirect.
    """

    def __call__(
        self,
        url: str,
        headers: Mapping[str, str],
        timeout: float,
        *,
        deadline: float | None = None,
        max_bytes: int | None = None,
        secrets: tuple[str, ...] = (),
    ) -> Response: ...


class LimitExceeded(Exception):
    """An answer broke a resource cap (size); the message is the one-line reason."""


class DeadlineExceeded(TimeoutError):
    """No complete answer by the request's total deadline."""


def origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of ``url``, the port made explicit for http and https."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme)
    return scheme, (parts.hostname or "").lower(), port
