"""A small PyPI client: JSON API, simple API (PEP 691), cache, retries, a thread pool.

Results are values, not exceptions: every fetch returns a :class:`FetchResult` whose
``error`` is a one-line reason when the data could not be had ("not on PyPI", "malformed
answer", "PyPI unreachable: timed out" …). Answers are trimmed to the fields pipwarden reads
before they are cached, so a warm cache is small and fast to read.
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import json
import logging
import random
import socket
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.client import HTTPMessage
from typing import IO, Any, Protocol

from packaging.utils import canonicalize_name

from pipwarden import __version__
from pipwarden.boundedjson import JsonLimitError, JsonLimits, ensure_depth, loads_bounded
from pipwarden.pypi.cache import DEFAULT_FRESHNESS, CacheEntry, HttpCache
from pipwarden.redact import redact_url
from pipwarden.report.output import Progress
from pipwarden.settings import Settings

__all__ = [
    "SIMPLE_JSON",
    "DeadlineExceeded",
    "FetchResult",
    "LimitExceeded",
    "PyPIClient",
    "Response",
    "SafeRedirectHandler",
    "Transport",
    "decompress_bounded",
    "origin",
    "parse_answer",
    "trim_project",
    "trim_simple",
    "urllib_transport",
]

log = logging.getLogger(__name__)

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
USER_AGENT = f"pipwarden/{__version__} (+https://github.com/pipwarden/pipwarden)"

_INFO_KEYS = (
    "name",
    "version",
    "summary",
    "project_urls",
    "home_page",
    "download_url",
    "requires_dist",
    "requires_python",
    "yanked",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license",
    "license_expression",
)
_FILE_KEYS = ("filename", "packagetype", "upload_time_iso_8601", "yanked", "requires_python")
_SIMPLE_FILE_KEYS = ("filename", "upload-time", "yanked", "provenance")
_SDIST_EXTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")
# Part of every cache key; bumped whenever what is cached changes (trimmed differently),
# so entries written by another version of pipwarden are never read, only fetched again.
CACHE_FORMAT = 2


@dataclass(frozen=True)
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


# headers that carry credentials: never sent to another origin after a redirect
_CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "private-token", "x-api-key"})


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


@dataclass(frozen=True)
class FetchResult:
    """The outcome of one fetch: data or a one-line error, and whether it came from the cache."""

    name: str
    data: dict[str, Any] | None
    error: str | None = None
    from_cache: bool = False
    not_found: bool = False

    @property
    def ok(self) -> bool:
        return self.data is not None


def _trim_files(files: object) -> list[dict[str, Any]]:
    """Keep the earliest file of each (packagetype, yanked) pair, with a few keys."""
    if not isinstance(files, list):
        return []
    best: dict[tuple[object, object], tuple[str, dict[str, Any]]] = {}
    for item in files:
        if not isinstance(item, dict):
            continue
        key = (item.get("packagetype"), item.get("yanked"))
        when = item.get("upload_time_iso_8601") or ""
        old = best.get(key)
        if old is None or when < old[0]:
            best[key] = (when, item)
    return [_scalars(item, _FILE_KEYS) for _when, item in best.values()]


_SCALAR = (str, int, float, bool, type(None))


def _scalars(item: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` of ``item`` whose values are scalars; any other value is left out (unknown).

    A file's fields are all scalars in the API, so the files kept are at most three levels
    deep and :func:`parse_answer` need not walk them (most of a large answer).
    """
    return {k: item[k] for k in keys if k in item and isinstance(item[k], _SCALAR)}


# top-level keys whose values a trim builds from scalars only (see :func:`_scalars`)
_SHALLOW_KEYS = ("releases", "urls", "files")


class MalformedAnswer(ValueError):
    """A JSON answer whose shape is not the API's: refused as a whole, never half-read."""


def trim_project(data: Mapping[str, Any]) -> dict[str, Any]:
    """A PyPI JSON API answer cut down to what the checks read (same shape, fewer keys).

    Raises :class:`MalformedAnswer` unless ``info`` is an object with a string ``name``
    and ``version`` and ``releases``/``urls`` (when present) are an object/a list: a
    200 answer of another shape is garbage, not a project with every fact unknown.
    """
    out: dict[str, Any] = {}
    info = data.get("info")
    if not (
        isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and isinstance(info.get("version"), str)
        and isinstance(data.get("releases", {}), dict)
        and isinstance(data.get("urls", []), list)
    ):
        raise MalformedAnswer("not a PyPI project answer")
    out["info"] = {k: info[k] for k in _INFO_KEYS if k in info}
    if "ownership" in data:
        out["ownership"] = data["ownership"]
    releases = data.get("releases")
    if isinstance(releases, dict):
        out["releases"] = {str(v): _trim_files(files) for v, files in releases.items()}
    if "urls" in data:
        out["urls"] = _trim_files(data["urls"])
    if "vulnerabilities" in data:
        out["vulnerabilities"] = data["vulnerabilities"]
    return out


def trim_simple(data: Mapping[str, Any]) -> dict[str, Any]:
    """A PEP 691 simple-API answer cut down to status, versions and per-file provenance.

    Files are collapsed to one per (version, attested or not, yanked or not): what the
    provenance check asks is whether a release's files carry attestations, not how many.
    """
    files = data.get("files")
    if not isinstance(files, list):
        raise MalformedAnswer("not a simple-API answer (no files list)")
    out = {k: data[k] for k in ("meta", "name", "versions", "project-status") if k in data}
    if isinstance(files, list):
        kept: dict[tuple[str, str, int, bool], dict[str, Any]] = {}
        for f in files:
            if not isinstance(f, dict):
                continue
            name = f.get("filename")
            if not isinstance(name, str):
                continue
            # files are grouped by the version text their name carries (wheels and sdists
            # alike); names that carry none the usual way keep a group of their own
            if name.endswith(".whl"):
                parts = name.split("-", 2)
                if len(parts) < 3:
                    kind, group = "file", name
                elif name.count("-") >= 4:
                    kind, group = "v", parts[1]
                else:
                    kind, group = "whl", parts[1]
            else:
                kind, group = "file", name
                for ext in _SDIST_EXTS:
                    if name.endswith(ext):
                        text = name[: -len(ext)].rpartition("-")[2]
                        if text:
                            kind, group = "v", text
                        break
            # 0: the index says nothing about provenance; 1: no attestation; 2: attested
            prov = 0 if "provenance" not in f else (2 if f["provenance"] else 1)
            key = (kind, group, prov, bool(f.get("yanked")))
            if key not in kept:
                kept[key] = _scalars(f, _SIMPLE_FILE_KEYS)
        out["files"] = list(kept.values())
    return out


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def decompress_bounded(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """``body`` decoded per its Content-Encoding, refused past ``max_bytes`` *decoded* bytes.

    Decompression is incremental (``max_length`` per step), so a gzip bomb (1 MB that
    inflates to gigabytes) costs at most ``max_bytes`` of memory before it is refused.
    Concatenated gzip members are decoded one after the other, as gzip does.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        if len(body) > max_bytes:
            raise LimitExceeded(f"answer larger than {max_bytes:,} bytes")
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS
    else:
        raise zlib.error(f"unknown content encoding {encoding[:20]!r}")
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        pending = data
        while True:
            chunk = inflater.decompress(pending, max_bytes - size + 1)
            size += len(chunk)
            if size > max_bytes:
                raise LimitExceeded(
                    f"answer larger than {max_bytes:,} bytes once decompressed"
                )
            out.append(chunk)
            pending = inflater.unconsumed_tail
            if inflater.eof or (not chunk and not pending):
                break
        if not inflater.eof:
            raise zlib.error("truncated compressed answer")
        data = inflater.unused_data if wbits != zlib.MAX_WBITS else b""
    return b"".join(out)


def parse_answer(
    body: bytes,
    trim: Callable[[Mapping[str, Any]], dict[str, Any]] | None,
    limits: JsonLimits,
    *,
    what: str = "server",
) -> tuple[dict[str, Any] | None, str | None]:
    """A JSON object answer, bounded and trimmed; or ``None`` and a one-line reason.

    Never raises for what the body holds: the fuzz test feeds it arbitrary bytes.
    """
    try:
        # the depth is checked on what is kept: trimming drops most of a project answer
        data = loads_bounded(body, limits, check_depth=trim is None)
        if not isinstance(data, dict):
            return None, "malformed answer"
        if trim is not None:
            data = trim(data)
            ours = trim in (trim_project, trim_simple)  # their file lists hold scalars only
            deep = {k: v for k, v in data.items() if not (ours and k in _SHALLOW_KEYS)}
            ensure_depth(deep, limits.max_depth)
    except JsonLimitError as exc:
        return None, f"{what}: {exc}"
    except (ValueError, TypeError, AttributeError):  # not JSON, or not the API's shape
        return None, "malformed answer"
    return data, None


@dataclass(frozen=True)
class _Job:
    name: str
    url: str
    accept: str
    headers: dict[str, str]
    trim: Callable[[Mapping[str, Any]], dict[str, Any]] | None
    what: str
    # only answers from the URL's own origin count (redirects elsewhere are refused)
    same_origin: bool = False
    secrets: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The cache key (stored in the entry): never with the URL's credentials."""
        return f"v{CACHE_FORMAT} {self.accept} {redact_url(self.url, keep_user=False)}"


@dataclass(frozen=True)
class _Raw:
    body: bytes
    etag: str | None
    last_modified: str | None
    from_cache_entry: CacheEntry | None = None


@dataclass
class _Stats:
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class PyPIClient:
    """Fetch PyPI JSON through an on-disk cache, with retries and a pool of workers.

    ``transport`` and ``sleep`` are injectable so tests run against a loopback server
    without waiting for real backoff delays.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        cache: HttpCache | None = None,
        transport: Transport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 20.0,
        max_workers: int = 16,
        freshness: float = DEFAULT_FRESHNESS,
        offline: bool | None = None,
        progress: bool = True,
    ) -> None:
        self.settings = settings
        # a private index: its login from the URL, ~/.netrc or pip's config (never printed;
        # sent to that origin only, dropped by the redirect handler anywhere else)
        from pipwarden.pypi.auth import index_auth

        self.index = index_auth(settings.pypi_url) if not settings.offline else None
        self.base_url = (
            self.index.url if self.index is not None else settings.pypi_url
        ).rstrip("/")
        self.cache = cache if cache is not None else HttpCache(
            settings.cache_dir / "pypi", freshness=freshness
        )
        self.transport: Transport = transport if transport is not None else urllib_transport
        self.sleep = sleep
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.max_workers = max(1, max_workers)
        self.offline = settings.offline if offline is None else offline
        self.progress = progress
        self._stats = _Stats()
        self.json_limits = JsonLimits(
            max_depth=settings.json_max_depth,
            max_number_length=settings.json_max_number_length,
            max_values=settings.json_max_values,
        )

    @property
    def requests_made(self) -> int:
        """How many HTTP requests this client has sent (retries included)."""
        return self._stats.requests

    # -- public API ----------------------------------------------------------------------
    def project(self, name: str) -> FetchResult:
        """``/pypi/<name>/json``: the project's metadata and every release."""
        norm = canonicalize_name(name)
        return self.get_json(
            norm, f"{self.base_url}/pypi/{norm}/json", trim=trim_project, what="PyPI"
        )

    def release(self, name: str, version: str) -> FetchResult:
        """``/pypi/<name>/<version>/json``: one release (its own ``requires_dist``)."""
        norm = canonicalize_name(name)
        return self.get_json(
            norm, f"{self.base_url}/pypi/{norm}/{version}/json", trim=trim_project, what="PyPI"
        )

    def simple(self, name: str) -> FetchResult:
        """``/simple/<name>/`` in its JSON form (PEP 691): files, provenance, status."""
        norm = canonicalize_name(name)
        return self.get_json(
            norm,
            f"{self.base_url}/simple/{norm}/",
            accept=SIMPLE_JSON,
            trim=trim_simple,
            what="PyPI",
        )

    def fetch_many(
        self,
        names: Iterable[str],
        *,
        kind: str = "project",
    ) -> dict[str, FetchResult]:
        """Fetch many names concurrently (``kind`` is ``project`` or ``simple``)."""
        got = self.fetch_jobs([(kind, n) for n in names])
        return {name: result for (_kind, name), result in got.items()}

    def get_json(
        self,
        name: str,
        url: str,
        *,
        accept: str = "application/json",
        headers: Mapping[str, str] | None = None,
        trim: Callable[[Mapping[str, Any]], dict[str, Any]] | None = None,
        what: str = "server",
        same_origin: bool = False,
        secrets: tuple[str, ...] = (),
    ) -> FetchResult:
        """GET ``url`` as JSON through the cache. Never raises for network or data faults.

        ``secrets`` (e.g. a token in ``headers``) never follow a redirect to another
        origin; with ``same_origin`` an answer that a redirect brought from another
        origin is refused (an error, not data): only the host the user configured counts.
        """
        job = _Job(name, url, accept, dict(headers or {}), trim, what, same_origin, secrets)
        return self._finish(job, self._transfer(job))

    def fetch_jobs(self, jobs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], FetchResult]:
        """Fetch ``(kind, name)`` pairs (kind: ``project`` or ``simple``) concurrently.

        Worker threads do the network transfer and decompression (which release the GIL);
        the calling thread parses and trims the answers, one at a time, so CPU-bound
        parsing never fights over the GIL with a dozen other parsers.
        """
        unique = list(dict.fromkeys((kind, canonicalize_name(n)) for kind, n in jobs))
        results: dict[tuple[str, str], FetchResult] = {}
        if not unique:
            return results
        specs = {pair: self._job(*pair) for pair in unique}
        if len(unique) == 1:
            pair = unique[0]
            results[pair] = self._finish(specs[pair], self._transfer(specs[pair]))
            return results
        progress = Progress("Fetching from PyPI", len(unique)) if self.progress else None
        workers = min(self.max_workers, len(unique))
        try:
            with (
                ThreadPoolExecutor(max_workers=workers, thread_name_prefix="pypi") as pool,
                ThreadPoolExecutor(max_workers=1, thread_name_prefix="pypi-cache") as writer,
            ):
                futures = {pool.submit(self._transfer, specs[p]): p for p in unique}
                for future in as_completed(futures):
                    pair = futures[future]
                    results[pair] = self._finish(specs[pair], future.result(), writer)
                    if progress is not None:
                        progress.advance()
        finally:
            if progress is not None:
                progress.close()
        return results

    def _job(self, kind: str, name: str) -> _Job:
        if kind == "simple":
            url = f"{self.base_url}/simple/{name}/"
            return _Job(name, url, SIMPLE_JSON, {}, trim_simple, "PyPI")
        return _Job(
            name, f"{self.base_url}/pypi/{name}/json", "application/json", {}, trim_project, "PyPI"
        )

    def _transfer(self, job: _Job) -> FetchResult | _Raw | CacheEntry:
        """Cache look-up and network transfer (thread-safe, light on the GIL)."""
        key = job.key
        entry = self.cache.get(key)
        if entry is not None and (self.offline or self.cache.is_fresh(entry)):
            return entry
        if self.offline:
            return FetchResult(job.name, None, "not in the local cache (offline)")
        request_headers = {
            "Accept": job.accept,
            "Accept-Encoding": "gzip",
            "User-Agent": USER_AGENT,
            **job.headers,
        }
        secrets = job.secrets
        if self.index is not None and "Authorization" not in request_headers:
            from pipwarden.pypi.auth import authorization_for

            login = authorization_for(job.url, self.index)
            if login is not None:
                request_headers["Authorization"] = login
                secrets = (*secrets, login)
        if entry is not None:
            if entry.etag:
                request_headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                request_headers["If-Modified-Since"] = entry.last_modified
        response, failure = self._send(job.url, request_headers, job.what, secrets)
        if response is None:
            if entry is not None:
                log.warning("%s: %s; using the cached copy", job.name, failure)
                return entry
            return FetchResult(job.name, None, failure)
        if response.status == 304 and entry is not None:
            refreshed = self.cache.refresh(entry)
            return _Raw(refreshed.body, None, None, from_cache_entry=refreshed)
        if response.status == 404:
            try:
                self.cache.put(key, b"", status=404)
            except OSError as exc:
                log.warning("cannot write the PyPI cache: %s", exc)
            return FetchResult(job.name, None, f"not on {job.what}", not_found=True)
        if job.same_origin and response.url and origin(response.url) != origin(job.url):
            where = origin(response.url)[1] or "?"
            return FetchResult(
                job.name, None, f"{job.what} redirected to another host ({where}); answer refused"
            )
        if response.status != 200:
            return FetchResult(job.name, None, f"{job.what} answered HTTP {response.status}")
        try:
            body = decompress_bounded(
                response.body,
                response.headers.get("content-encoding", ""),
                self.settings.http_max_bytes,
            )
        except LimitExceeded as exc:
            return FetchResult(job.name, None, f"{job.what}: {exc} (PIPWARDEN_HTTP_MAX_BYTES)")
        except (OSError, EOFError, zlib.error):
            return FetchResult(job.name, None, "malformed answer")
        return _Raw(body, response.headers.get("etag"), response.headers.get("last-modified"))

    def _finish(
        self,
        job: _Job,
        got: FetchResult | _Raw | CacheEntry,
        writer: ThreadPoolExecutor | None = None,
    ) -> FetchResult:
        """Parse, trim and cache what :meth:`_transfer` brought."""
        if isinstance(got, FetchResult):
            return got
        if isinstance(got, CacheEntry):
            return self._from_entry(job.name, got, what=job.what)
        if got.from_cache_entry is not None:
            return self._from_entry(job.name, got.from_cache_entry, from_cache=False, what=job.what)
        data, error = parse_answer(got.body, job.trim, self.json_limits, what=job.what)
        if data is None:
            return FetchResult(job.name, None, error)
        body = json.dumps(data, separators=(",", ":")).encode("utf-8")
        if writer is not None:
            writer.submit(self._store, job.key, body, got)
        else:
            self._store(job.key, body, got)
        return FetchResult(job.name, data)

    def _store(self, key: str, body: bytes, got: _Raw) -> None:
        try:
            self.cache.put(key, body, etag=got.etag, last_modified=got.last_modified)
        except OSError as exc:
            log.warning("cannot write the PyPI cache: %s", exc)

    # -- internals -----------------------------------------------------------------------
    def _from_entry(
        self, name: str, entry: CacheEntry, *, from_cache: bool = True, what: str = "server"
    ) -> FetchResult:
        if entry.status == 404:
            return FetchResult(name, None, f"not on {what}", from_cache=from_cache, not_found=True)
        try:
            data = json.loads(entry.body)
        except ValueError:
            return FetchResult(name, None, "corrupt cache entry", from_cache=True)
        if not isinstance(data, dict):
            return FetchResult(name, None, "corrupt cache entry", from_cache=True)
        return FetchResult(name, data, from_cache=from_cache)

    def _delay(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2.0**attempt))
        return base * (0.5 + random.random() / 2)  # noqa: S311 - jitter, not crypto

    def _send(
        self, url: str, headers: dict[str, str], what: str, secrets: tuple[str, ...] = ()
    ) -> tuple[Response | None, str]:
        """GET with retries, all within one total deadline (``settings.http_deadline``).

        A size cap or the deadline ends the fetch at once (retrying cannot help); other
        faults are retried with backoff while time is left.
        """
        limit = self.settings.http_deadline
        deadline = time.monotonic() + limit
        failure = f"{what} unreachable"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            with self._stats.lock:
                self._stats.requests += 1
            try:
                response = self.transport(
                    url,
                    headers,
                    self.settings.timeout,
                    deadline=deadline,
                    max_bytes=self.settings.http_max_bytes,
                    secrets=secrets,
                )
            except DeadlineExceeded:
                return None, self._late(what, limit)
            except LimitExceeded as exc:
                return None, f"{what}: {exc} (PIPWARDEN_HTTP_MAX_BYTES)"
            except TimeoutError:
                if time.monotonic() >= deadline:
                    return None, self._late(what, limit)
                failure = f"{what} unreachable: timed out"
            except OSError as exc:
                failure = f"{what} unreachable: {exc.strerror or exc}"
            else:
                if response.status == 429:
                    failure = f"{what} rate limit (HTTP 429)"
                    wait = _retry_after(response.headers.get("retry-after"))
                    if not last:
                        delay = self._delay(attempt) if wait is None else wait
                        self._pause(min(delay, self.max_backoff), deadline)
                    continue
                if response.status >= 500:
                    failure = f"{what} answered HTTP {response.status}"
                else:
                    return response, ""
            if not last:
                self._pause(self._delay(attempt), deadline)
            if time.monotonic() >= deadline:
                return None, f"{failure} (no answer within {limit:g} s)"
        if self.retries:
            failure += f" after {self.retries + 1} tries"
        return None, failure

    @staticmethod
    def _late(what: str, limit: float) -> str:
        return f"{what} sent no complete answer within {limit:g} s (PIPWARDEN_HTTP_DEADLINE)"

    def _pause(self, seconds: float, deadline: float) -> None:
        """Back off, but never past the deadline."""
        self.sleep(max(0.0, min(seconds, deadline - time.monotonic())))
