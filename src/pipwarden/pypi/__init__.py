"""PyPI access: the JSON API, the simple API (PEP 691) and an on-disk HTTP cache."""

from __future__ import annotations

from pipwarden.pypi.cache import CacheEntry, HttpCache
from pipwarden.pypi.client import FetchResult, PyPIClient, Response, trim_project, trim_simple

__all__ = [
    "CacheEntry",
    "FetchResult",
    "HttpCache",
    "PyPIClient",
    "Response",
    "trim_project",
    "trim_simple",
]
