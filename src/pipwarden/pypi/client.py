"""A small PyPI client: JSON API, simple API (PEP 691), cache, retries, a thread pool.

Results are values, not exceptions: every fetch returns a :class:`FetchResult` whose
``error`` is a one-line reason when the data could not be had ("not on PyPI", "malformed
answer", "PyPI unreachable: timed out" …). Answers are trimmed to the fields pipwarden reads
before they are cached, so a warm cache is small and fast to read.
"""

from __future__ import annotations

import gzip
import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from packaging.utils import canonicalize_name

from pipwarden import __version__
from pipwarden.pypi.cache import DEFAULT_FRESHNESS, CacheEntry, HttpCache
from pipwarden.report.output import Progress
from pipwarden.settings import Settings

__all__ = [
    "SIMPLE_JSON",
    "FetchResult",
    "PyPIClient",
    "Response",
    "Transport",
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
    """What a transport returns: a status, lower-cased headers and the raw body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class Transport(Protocol):
    """Performs one GET. Raises ``OSError`` (incl. timeouts) for connection-level faults."""

    def __call__(self, url: str, headers: Mapping[str, str], timeout: float) -> Response: ...


def urllib_transport(url: str, headers: Mapping[str, str], timeout: float) -> Response:
    """The default transport, on :mod:`urllib.request`; HTTP errors become statuses."""
    request = urllib.request.Request(url, headers=dict(headers), method="GET")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            body = answer.read()
            status = answer.status
            got = {k.lower(): v for k, v in answer.headers.items()}
    except urllib.error.HTTPError as exc:
        got = {k.lower(): v for k, v in (exc.headers or {}).items()}
        try:
            body = exc.read()
        except (OSError, http.client.HTTPException):
            body = b""
        return Response(exc.code, got, body)
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, OSError):
            raise reason from exc
        raise ConnectionError(str(reason)) from exc
    except http.client.HTTPException as exc:  # IncompleteRead, RemoteDisconnected …
        raise ConnectionError(f"truncated answer ({type(exc).__name__})") from exc
    return Response(status, got, body)


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
    return [{k: item[k] for k in _FILE_KEYS if k in item} for _when, item in best.values()]


def trim_project(data: Mapping[str, Any]) -> dict[str, Any]:
    """A PyPI JSON API answer cut down to what the checks read (same shape, fewer keys)."""
    out: dict[str, Any] = {}
    info = data.get("info")
    if isinstance(info, dict):
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
    out = {k: data[k] for k in ("meta", "name", "versions", "project-status") if k in data}
    files = data.get("files")
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
                kept[key] = {k: f[k] for k in _SIMPLE_FILE_KEYS if k in f}
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


def _decode(response: Response) -> bytes:
    encoding = response.headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        return gzip.decompress(response.body)
    if encoding == "deflate":
        return zlib.decompress(response.body)
    return response.body


@dataclass(frozen=True)
class _Job:
    name: str
    url: str
    accept: str
    headers: dict[str, str]
    trim: Callable[[Mapping[str, Any]], dict[str, Any]] | None
    what: str

    @property
    def key(self) -> str:
        return f"v{CACHE_FORMAT} {self.accept} {self.url}"


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
        self.base_url = settings.pypi_url.rstrip("/")
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
    ) -> FetchResult:
        """GET ``url`` as JSON through the cache. Never raises for network or data faults."""
        job = _Job(name, url, accept, dict(headers or {}), trim, what)
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
        if entry is not None:
            if entry.etag:
                request_headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                request_headers["If-Modified-Since"] = entry.last_modified
        response, failure = self._send(job.url, request_headers, job.what)
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
        if response.status != 200:
            return FetchResult(job.name, None, f"{job.what} answered HTTP {response.status}")
        try:
            body = _decode(response)
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
        try:
            data = json.loads(got.body)
        except ValueError:
            return FetchResult(job.name, None, "malformed answer")
        if not isinstance(data, dict):
            return FetchResult(job.name, None, "malformed answer")
        if job.trim is not None:
            data = job.trim(data)
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
        self, url: str, headers: dict[str, str], what: str
    ) -> tuple[Response | None, str]:
        failure = f"{what} unreachable"
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            with self._stats.lock:
                self._stats.requests += 1
            try:
                response = self.transport(url, headers, self.settings.timeout)
            except TimeoutError:
                failure = f"{what} unreachable: timed out"
            except OSError as exc:
                failure = f"{what} unreachable: {exc.strerror or exc}"
            else:
                if response.status == 429:
                    failure = f"{what} rate limit (HTTP 429)"
                    wait = _retry_after(response.headers.get("retry-after"))
                    if not last:
                        delay = self._delay(attempt) if wait is None else wait
                        self.sleep(min(delay, self.max_backoff))
                    continue
                if response.status >= 500:
                    failure = f"{what} answered HTTP {response.status}"
                else:
                    return response, ""
            if not last:
                self.sleep(self._delay(attempt))
        if self.retries:
            failure += f" after {self.retries + 1} tries"
        return None, failure
