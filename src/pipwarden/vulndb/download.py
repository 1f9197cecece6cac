"""Downloading an OSV archive: conditional requests, a total deadline, a size cap.

Credentials in the URL are never shown or stored (:func:`public_url`); a watchdog closes
the request's sockets at the deadline, which covers connect, headers, body and retries.
"""

from __future__ import annotations

import io
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from pipwarden import __version__
from pipwarden.errors import NetworkError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.redact import redact_text, split_userinfo
from pipwarden.vulndb.build import _new_temp
from pipwarden.vulndb.reading import ImportLimits
from pipwarden.vulndb.store import UPDATE_HINT

log = get_logger(__name__)

_CHUNK = 1 << 16

@frozen
class _Download:
    path: Path | None  # None: 304 not modified
    etag: str | None
    last_modified: str | None
    size: int


def public_url(url: str) -> str:
    """``url`` as it may be stored: without user info (a password, a token, even one
    holding ``/ # @``), query (``?token=…``, ``?sig=…``) or fragment."""
    _, bare = split_userinfo(url)
    parts = urllib.parse.urlsplit(bare)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _shown(url: str) -> str:
    """``url`` as messages show it: :func:`public_url`, with a user name and a masked
    password in front (``user:****@``: which identity was used, never its secret)."""
    userinfo, _ = split_userinfo(url)
    public = public_url(url)
    if userinfo and "://" in public:
        public = public.replace("://", f"://{userinfo}@", 1)
    return redact_text(public)


def _origin(url: str) -> str:
    """``scheme://[user:****@]host[:port]`` of ``url``, for messages."""
    parts = urllib.parse.urlsplit(public_url(url))
    userinfo, _ = split_userinfo(url)
    where = f"{parts.scheme}://{userinfo + '@' if userinfo else ''}{parts.netloc}"
    return redact_text(where) if parts.netloc else _shown(url)


class _DeadlineExceeded(TimeoutError):
    """The total deadline of a request passed (connect, headers and body together)."""


class _DeadlineSocket:
    """A connected socket whose every send and receive gets what is left of the request's
    deadline as its timeout: a server trickling one byte a second cannot keep a request
    alive past the deadline (a plain socket timeout applies to each read alone)."""

    def __init__(self, sock: object, deadline: float, timeout: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._timeout = timeout

    def _arm(self) -> None:
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("deadline passed")
        self._sock.settimeout(min(self._timeout, remaining))  # type: ignore[attr-defined]

    def sendall(self, data: bytes, *args: int) -> None:
        self._arm()
        self._sock.sendall(data, *args)  # type: ignore[attr-defined]

    def makefile(self, mode: str = "rb", *args: object, **kwargs: object) -> io.BufferedReader:
        # The socket's own file (it keeps the socket open while the response is read),
        # read through the deadline.
        raw = self._sock.makefile("rb", buffering=0)  # type: ignore[attr-defined]
        return io.BufferedReader(_DeadlineReader(self, raw))

    def __getattr__(self, name: str) -> object:
        return getattr(self._sock, name)


class _DeadlineReader(io.RawIOBase):
    """The raw file ``HTTPResponse`` reads from: the socket's file, each read armed with
    what is left of the deadline."""

    def __init__(self, owner: _DeadlineSocket, raw: io.RawIOBase) -> None:
        self._owner = owner
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
        self._owner._arm()
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            if time.monotonic() >= self._owner._deadline:
                raise _DeadlineExceeded("deadline passed") from None
            raise

    def close(self) -> None:
        self._raw.close()
        super().close()


def _opener(deadline: float, timeout: float) -> urllib.request.OpenerDirector:
    """A urllib opener whose connections keep to ``deadline`` (a ``time.monotonic()``)."""
    import http.client
    import urllib.request

    def bounded(conn: http.client.HTTPConnection) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _DeadlineExceeded("deadline passed")
        conn.timeout = min(timeout, remaining)

    class Connection(http.client.HTTPConnection):
        def connect(self) -> None:
            bounded(self)
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline, timeout)

    class SecureConnection(http.client.HTTPSConnection):
        def connect(self) -> None:
            bounded(self)
            super().connect()
            self.sock = _DeadlineSocket(self.sock, deadline, timeout)

    class Handler(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(Connection, req)

    class SecureHandler(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(SecureConnection, req, context=self._context)  # type: ignore[attr-defined]

    return urllib.request.build_opener(Handler(), SecureHandler())


def _request(url: str, headers: dict[str, str]) -> urllib.request.Request:
    """The request for ``url``: user info moves from the URL (where urllib would put it in
    the host name, and error messages would print it) to a Basic ``Authorization`` header
    that is never copied onto a redirected request."""
    import base64
    import urllib.request

    userinfo, bare = split_userinfo(url)
    bare = bare.partition("#")[0]
    request = urllib.request.Request(
        bare, headers={"User-Agent": f"pipwarden/{__version__}", **headers}
    )
    if userinfo:
        user, _, password = userinfo.partition(":")
        token = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}"
        request.add_unredirected_header(
            "Authorization", "Basic " + base64.b64encode(token.encode()).decode("ascii")
        )
    return request


def _download(
    url: str,
    db_path: Path,
    *,
    headers: dict[str, str],
    timeout: float,
    retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    limits: ImportLimits,
) -> _Download:
    """Download ``url`` into a temp file next to ``db_path``, within ``limits`` (size,
    deadline per attempt). Never names the URL's credentials or query in an error."""
    # Network modules load only when downloading (http.client and ssl cost ~40 ms to import).
    import http.client
    import socket
    import urllib.error

    from pipwarden.report.output import Progress

    db_path.parent.mkdir(parents=True, exist_ok=True)
    shown = _shown(url)
    problem = "no attempt made"
    cap = limits.max_download_bytes
    for attempt in range(retries + 1):
        if attempt:
            sleep(backoff * 2 ** (attempt - 1))
        deadline = time.monotonic() + limits.deadline
        tmp: Path | None = None
        try:
            with _opener(deadline, timeout).open(_request(url, headers)) as resp:
                length_header = resp.headers.get("Content-Length")
                length = int(length_header) if length_header and length_header.isdigit() \
                    and len(length_header) < 20 else None
                if length is not None and length > cap:
                    raise _TooLarge(length)
                tmp = _new_temp(db_path, ".zip")
                got = 0
                with open(tmp, "wb") as fh, Progress("downloading OSV data", length) as bar:
                    while chunk := resp.read(_CHUNK):
                        got += len(chunk)
                        if got > cap:
                            raise _TooLarge(got)
                        fh.write(chunk)
                        bar.advance(len(chunk))
                if length is not None and got != length:
                    raise http.client.IncompleteRead(b"", length - got)
                result = _Download(
                    tmp, resp.headers.get("ETag"), resp.headers.get("Last-Modified"), got
                )
                tmp = None
                return result
        except _TooLarge as exc:
            raise NetworkError(
                f"cannot download {shown}: the answer is larger than {cap:,} bytes "
                f"({exc.size:,}; setting PIPWARDEN_OSV_MAX_DOWNLOAD_BYTES)",
                hint=UPDATE_HINT,
            ) from None
        except urllib.error.HTTPError as exc:
            if exc.code == 304:
                return _Download(None, exc.headers.get("ETag"), exc.headers.get("Last-Modified"), 0)
            problem = f"HTTP {exc.code} {redact_text(str(exc.reason))[:100]}"
            if exc.code < 500 and exc.code != 429:
                raise NetworkError(f"cannot download {shown}: {problem}", hint=UPDATE_HINT) \
                    from None
        except http.client.IncompleteRead as exc:
            problem = f"the download was truncated ({exc.expected} bytes missing)"
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError,
                http.client.HTTPException, ValueError) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(reason, _DeadlineExceeded) or time.monotonic() >= deadline:
                raise NetworkError(
                    f"cannot download vulnerability data: {_origin(url)} did not send "
                    f"{shown} within the {limits.deadline:g} s deadline "
                    "(setting PIPWARDEN_HTTP_DEADLINE)",
                    hint=UPDATE_HINT,
                ) from None
            problem = f"{_origin(url)} is unreachable ({redact_text(str(reason))[:200]})"
            if isinstance(reason, ConnectionRefusedError | socket.gaierror):
                break  # nobody listens, or no such host: retrying in seconds will not help
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        log.debug("download attempt %d of %s failed: %s", attempt + 1, shown, problem)
    raise NetworkError(f"cannot download vulnerability data: {problem}", hint=UPDATE_HINT)


class _TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size
