"""An on-disk cache of HTTP answers with validators (ETag, Last-Modified) and a freshness window.

One file per URL, named by the SHA-256 of the key: a JSON header line (validators, fetch
time) followed by the body. Files are written atomically (temp file + ``os.replace``), so a
crash or a concurrent writer never leaves a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

from pipwarden.frozen import frozen

__all__ = ["DEFAULT_FRESHNESS", "CacheEntry", "HttpCache"]

DEFAULT_FRESHNESS = 3600.0  # seconds an entry is served without asking the server


@frozen
class CacheEntry:
    """One cached answer: the body and what is needed to revalidate it."""

    key: str
    body: bytes
    etag: str | None
    last_modified: str | None
    fetched_at: float
    status: int = 200  # 404 answers are cached too ("not on PyPI" is an answer)


class HttpCache:
    """Cache entries under ``root``; ``clock`` is injectable for tests."""

    def __init__(
        self,
        root: Path,
        *,
        freshness: float = DEFAULT_FRESHNESS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.root = root
        self.freshness = freshness
        self.clock = clock
        self._made: set[Path] = set()

    def _path(self, key: str) -> Path:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.root / f"{digest[:40]}.entry"

    def get(self, key: str) -> CacheEntry | None:
        """The entry for ``key``, or ``None`` when absent or unreadable (a miss, not an error)."""
        path = self._path(key)
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        head, sep, body = raw.partition(b"\n")
        if not sep:
            return None
        try:
            meta = json.loads(head)
            if meta.get("key") != key:
                return None
            return CacheEntry(
                key=key,
                body=body,
                etag=meta.get("etag"),
                last_modified=meta.get("last_modified"),
                fetched_at=float(meta["fetched_at"]),
                status=int(meta.get("status", 200)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None

    def is_fresh(self, entry: CacheEntry) -> bool:
        """Whether ``entry`` may be served without a request."""
        age = self.clock() - entry.fetched_at
        return 0 <= age < self.freshness

    def put(
        self,
        key: str,
        body: bytes,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        status: int = 200,
    ) -> CacheEntry:
        """Store ``body`` for ``key`` atomically and return the new entry."""
        entry = CacheEntry(key, body, etag, last_modified, self.clock(), status)
        path = self._path(key)
        if path.parent not in self._made:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(path.parent)
        meta = {"key": key, "etag": etag, "last_modified": last_modified, "status": status}
        head = json.dumps({**meta, "fetched_at": entry.fetched_at}).encode("utf-8")
        import tempfile  # (only when writing: it imports shutil and random)

        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(head + b"\n" + body)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return entry

    def refresh(self, entry: CacheEntry) -> CacheEntry:
        """Mark ``entry`` as just revalidated (a 304 answer): same body, new fetch time."""
        return self.put(
            entry.key,
            entry.body,
            etag=entry.etag,
            last_modified=entry.last_modified,
            status=entry.status,
        )
