"""HTTP for the PyPI client: the urllib implementation of the transport interface
(:mod:`pipwarden.pypi.wire`), with a total deadline, a body-size cap and redirects that
never carry credentials elsewhere."""

from __future__ import annotations

import contextlib
import functools
import http.client
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from http.client import HTTPMessage
from typing import IO

from pipwarden.pypi.wire import (
    USER_AGENT,
    DeadlineExceeded,
    LimitExceeded,
    Response,
    Transport,
    origin,
)

__all__ = [
    "USER_AGENT",
    "DeadlineExceeded",
    "LimitExceeded",
    "Response",
    "SafeRedirectHandler",
    "Transport",
    "origin",
    "urllib_transport",
]

# headers that carry credentials: never sent to another origin after a redirect
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "private-token", "x-api-key"})


class SafeRedirectHandler(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but never carry credentials to another origin.

    urllib copies every header of a request onto the redirected one, so an
    ``Authorization: Bearer`` meant for the GitHub API would reach whatever host a
    redirect names. Here a redirect to another scheme, host or port drops the credential
    headers and any header whose value holds one of ``secrets``; only http and https
    targets are followed.
    """

    def __init__(self, secrets: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
            raise urllib.error.HTTPError(
                req.full_url, code, "redirect to a scheme other than http(s)", headers, fp
            )
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is None or origin(new.full_url) == origin(req.full_url):
            return new
        for key in list(new.headers):
            value = new.headers[key]
            if key.lower() in _CREDENTIAL_HEADERS or any(s in value for s in self.secrets):
                del new.headers[key]
        return new


class _Watchdog:
    """Shuts the sockets of one request down at its deadline.

    Socket timeouts bound each read, not the whole answer: a server that sends one byte a
    second never trips them. A timer closes every connection the request opened (the
    redirected ones too) when the deadline passes, which wakes any blocked read.
    """

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.fired = False
        self._connections: list[http.client.HTTPConnection] = []
        # urllib detaches the socket from its connection once the headers are read
        # (the response keeps reading from it), so sockets are kept here as well
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, connection: http.client.HTTPConnection) -> float:
        """Register ``connection``; returns the seconds left (raises when none are)."""
        left = self.deadline - time.monotonic()
        with self._lock:
            if self.fired or left <= 0:
                raise DeadlineExceeded("deadline passed")
            self._connections.append(connection)
        return left

    def connected(self, sock: socket.socket | None) -> None:
        """Keep the connected socket (TLS-wrapped for https) to shut it down later."""
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            fired = self.fired
        if fired:
            self._shutdown(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sockets = [c.sock for c in self._connections if c.sock is not None]
            sockets += self._sockets
        for sock in sockets:
            self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        with contextlib.suppress(OSError, ValueError):
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _watched(
    base: type[http.client.HTTPConnection], watchdog: _Watchdog
) -> type[http.client.HTTPConnection]:
    """``base`` whose connections register with ``watchdog`` before they connect."""

    class Watched(base):  # type: ignore[valid-type,misc]
        def connect(self) -> None:
            left = watchdog.watch(self)
            timeout: float | None = getattr(self, "timeout", None)
            if timeout is None or timeout > left:
                self.timeout = left
            super().connect()
            watchdog.connected(self.sock)

    return Watched


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, connection: type[http.client.HTTPConnection]) -> None:
        super().__init__()
        self._connection = connection

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req)


@functools.lru_cache(maxsize=1)
def _user_ssl_context() -> ssl.SSLContext | None:
    """The user's CA bundle (PIP_CERT, REQUESTS_CA_BUNDLE, SSL_CERT_FILE, pip's ``cert``),
    read once per process; ``None``: the system's trust store."""
    from pipwarden.pypi.auth import ca_bundle

    return ca_bundle()


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, connection: type[http.client.HTTPConnection]) -> None:
        super().__init__(context=_user_ssl_context())
        self._connection = connection

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self._connection, req, context=self._context)  # type: ignore[attr-defined]


def _read_body(answer: http.client.HTTPResponse, max_bytes: int | None) -> bytes:
    """The raw body, read as it arrives (``read1``), refused past ``max_bytes``."""
    if max_bytes is not None:
        announced = answer.getheader("content-length")
        if announced is not None and announced.strip().isdigit() and int(announced) > max_bytes:
            raise LimitExceeded(f"answer larger than {max_bytes:,} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = answer.read1(65536)
        if not chunk:
            break
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise LimitExceeded(f"answer larger than {max_bytes:,} bytes")
        chunks.append(chunk)
    if answer.length:  # the connection closed before the announced length
        raise http.client.IncompleteRead(b"".join(chunks), answer.length)
    return b"".join(chunks)


def urllib_transport(
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    *,
    deadline: float | None = None,
    max_bytes: int | None = None,
    secrets: tuple[str, ...] = (),
) -> Response:
    """The default transport, on :mod:`urllib.request`; HTTP errors become statuses.

    Bounded: every socket operation by ``timeout``, the whole exchange (connect,
    redirects, every read) by ``deadline``, the body by ``max_bytes``. Redirects go
    through :class:`SafeRedirectHandler`.
    """
    watchdog = _Watchdog(deadline if deadline is not None else time.monotonic() + 3600.0)
    opener = urllib.request.build_opener(
        _HTTPHandler(_watched(http.client.HTTPConnection, watchdog)),
        _HTTPSHandler(_watched(http.client.HTTPSConnection, watchdog)),
        SafeRedirectHandler(secrets),
    )
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with opener.open(request, timeout=timeout) as answer:
            body = _read_body(answer, max_bytes)
            return Response(
                answer.status,
                {k.lower(): v for k, v in answer.headers.items()},
                body,
                answer.geturl(),
            )
    except urllib.error.HTTPError as exc:
        got = {k.lower(): v for k, v in (exc.headers or {}).items()}
        exc.close()
        return Response(exc.code, got, b"", exc.geturl() or url)
    except LimitExceeded:
        raise
    except ValueError as exc:  # a redirect to a URL urllib cannot parse (http://[::1)
        raise ConnectionError(f"unusable redirect ({exc})") from exc
    except (OSError, http.client.HTTPException) as exc:
        # the socket timeout is capped at the time left, so it may beat the watchdog
        late = time.monotonic() >= watchdog.deadline
        if watchdog.fired or late or isinstance(exc, DeadlineExceeded):
            raise DeadlineExceeded("deadline passed") from exc
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            if isinstance(reason, DeadlineExceeded):
                raise DeadlineExceeded("deadline passed") from exc
            if isinstance(reason, OSError):
                raise reason from exc
            raise ConnectionError(str(reason)) from exc
        if isinstance(exc, http.client.HTTPException):  # IncompleteRead, RemoteDisconnected …
            raise ConnectionError(f"truncated answer ({type(exc).__name__})") from exc
        raise
    finally:
        watchdog.cancel()


