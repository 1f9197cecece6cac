"""A small PyPI client: JSON API, simple API (PEP 691), cache, retries, a thread pool.

Results are values, not exceptions: every fetch returns a :class:`FetchResult` whose
``error`` is a one-line reason when the data could not be had ("not on PyPI", "malformed
answer", "PyPI unreachable: timed out" …). Answers are trimmed to the fields pipwarden reads
before they are cached, so a warm cache is small and fast to read.
"""

from __future__ import annotations

import json
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pipwarden.boundedjson import JsonLimits
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import canonical_name
from pipwarden.pypi.answers import (
    CACHE_FORMAT,
    FetchResult,
    _retry_after,
    decompress_bounded,
    parse_answer,
    trim_project,
    trim_simple,
)
from pipwarden.pypi.cache import DEFAULT_FRESHNESS, CacheEntry, HttpCache
from pipwarden.pypi.wire import (
    USER_AGENT,
    DeadlineExceeded,
    LimitExceeded,
    Response,
    Transport,
    origin,
)
from pipwarden.redact import redact_url
from pipwarden.report.output import SLOW_STEP, Progress
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

__all__ = [
    "SIMPLE_JSON",
    "DeadlineExceeded",
    "FetchResult",
    "LimitExceeded",
    "PyPIClient",
    "Response",
    "Transport",
    "decompress_bounded",
    "origin",
    "parse_answer",
    "trim_project",
    "trim_simple",
    "urllib_transport",
]

log = get_logger(__name__)

SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"

def urllib_transport(
    url: str,
    headers: Mapping[str, str],
    timeout: float,
    *,
    deadline: float | None = None,
    max_bytes: int | None = None,
    secrets: tuple[str, ...] = (),
) -> Response:
    """The urllib transport (:func:`pipwarden.pypi.transport.urllib_transport`), imported
    with its HTTP stack on the first request: reading the cache needs neither."""
    from pipwarden.pypi.transport import urllib_transport as transport

    return transport(
        url, headers, timeout, deadline=deadline, max_bytes=max_bytes, secrets=secrets
    )


@frozen
class _Job:
    """One request to make (or answer from the cache)."""

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


@frozen
class _Raw:
    """An answer as transferred, before it is parsed."""

    body: bytes
    etag: str | None
    last_modified: str | None
    from_cache_entry: CacheEntry | None = None


@dataclass
class _Stats:
    """Requests made, counted across threads."""

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
            settings.pypi_cache_dir, freshness=freshness
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
        norm = canonical_name(name)
        return self.get_json(
            norm, f"{self.base_url}/pypi/{norm}/json", trim=trim_project, what="PyPI"
        )

    def release(self, name: str, version: str) -> FetchResult:
        """``/pypi/<name>/<version>/json``: one release (its own ``requires_dist``)."""
        norm = canonical_name(name)
        return self.get_json(
            norm, f"{self.base_url}/pypi/{norm}/{version}/json", trim=trim_project, what="PyPI"
        )

    def simple(self, name: str) -> FetchResult:
        """``/simple/<name>/`` in its JSON form (PEP 691): files, provenance, status."""
        norm = canonical_name(name)
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
        unique = list(dict.fromkeys((kind, canonical_name(n)) for kind, n in jobs))
        results: dict[tuple[str, str], FetchResult] = {}
        if not unique:
            return results
        specs = {pair: self._job(*pair) for pair in unique}
        if len(unique) == 1 or self.offline:  # offline: cache reads, no thread worth starting
            for pair in unique:
                results[pair] = self._finish(specs[pair], self._transfer(specs[pair]))
            return results
        progress = (
            Progress("Fetching from PyPI", len(unique), delay=SLOW_STEP)
            if self.progress
            else None
        )
        workers = min(self.max_workers, len(unique))
        from concurrent.futures import ThreadPoolExecutor, as_completed  # (threads: online)

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
        import random  # (only on a retry)

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
