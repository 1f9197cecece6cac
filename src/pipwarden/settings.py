"""Runtime settings: data-source URLs and file locations, from arguments and environment.

URLs are settings, never constants buried in code: mirrors, air-gapped installs and the
test suite's loopback servers all point pipwarden elsewhere through these.
"""

from __future__ import annotations

import os
from dataclasses import field, replace
from pathlib import Path

from pipwarden.errors import UsageError
from pipwarden.frozen import frozen
from pipwarden.paths import cache_dir

__all__ = [
    "DEFAULT_OSV_URL",
    "DEFAULT_PYPI_URL",
    "DEFAULT_TOP_PACKAGES_URL",
    "Settings",
]

DEFAULT_OSV_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DEFAULT_PYPI_URL = "https://pypi.org"
DEFAULT_TOP_PACKAGES_URL = "https://hugovk.dev/top-pypi-packages/top-pypi-packages.min.json"
DEFAULT_GITHUB_API_URL = "https://api.github.com"


def _number(env: dict[str, str], name: str, default: float) -> float:
    """A positive number from ``env[name]`` (else ``default``); anything else is exit 2."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise UsageError(f"{name}={text[:20]!r}: give a positive number")
    return value


@frozen
class Settings:
    """Everything that says *where*: data sources, cache and database paths, offline mode."""

    cache_dir: Path
    db_path: Path
    osv_url: str = DEFAULT_OSV_URL
    pypi_url: str = DEFAULT_PYPI_URL
    top_packages_url: str = DEFAULT_TOP_PACKAGES_URL
    github_api_url: str = DEFAULT_GITHUB_API_URL
    github_token: str | None = field(default=None, repr=False)
    offline: bool = False
    timeout: float = 15.0  # seconds per socket operation (connect, one read)
    # Resource caps on remote data (TRUST §2 "Bounded"); each has a PIPWARDEN_* variable.
    http_deadline: float = 60.0  # seconds for a whole fetch: connect, every read, retries
    http_max_bytes: int = 64 * 1024 * 1024  # body size, counted after decompression
    json_max_depth: int = 64  # nesting of arrays and objects in a JSON answer
    json_max_number_length: int = 100  # characters of one JSON number
    json_max_values: int = 2_000_000  # arrays, objects and elements in one JSON answer
    # Caps on OSV archives (`db update`, `db import`): a download, and what it unpacks to.
    osv_max_download_bytes: int = 1024 * 1024 * 1024
    archive_max_bytes: int = 2 * 1024 * 1024 * 1024  # all records, uncompressed
    archive_max_entries: int = 250_000
    archive_max_entry_bytes: int = 8 * 1024 * 1024  # one record, uncompressed

    @property
    def pypi_cache_dir(self) -> Path:
        """Where the PyPI client keeps its HTTP cache (JSON and simple API answers)."""
        return self.cache_dir / "pypi"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Settings from ``PIPWARDEN_*`` environment variables, else the defaults."""
        env = dict(os.environ) if environ is None else environ
        cache = cache_dir(env)
        db = env.get("PIPWARDEN_DB")
        offline = env.get("PIPWARDEN_OFFLINE", "").lower() in {"1", "true", "yes"}
        return cls(
            cache_dir=cache,
            db_path=Path(db).expanduser() if db else cache / "osv.sqlite3",
            osv_url=env.get("PIPWARDEN_OSV_URL") or DEFAULT_OSV_URL,
            pypi_url=(env.get("PIPWARDEN_PYPI_URL") or DEFAULT_PYPI_URL).rstrip("/"),
            top_packages_url=env.get("PIPWARDEN_TOP_PACKAGES_URL") or DEFAULT_TOP_PACKAGES_URL,
            github_api_url=(env.get("PIPWARDEN_GITHUB_API_URL") or DEFAULT_GITHUB_API_URL).rstrip(
                "/"
            ),
            github_token=env.get("GITHUB_TOKEN") or env.get("GH_TOKEN") or None,
            offline=offline,
            http_deadline=_number(env, "PIPWARDEN_HTTP_DEADLINE", 60.0),
            http_max_bytes=int(_number(env, "PIPWARDEN_HTTP_MAX_BYTES", 64 * 1024 * 1024)),
            json_max_depth=int(_number(env, "PIPWARDEN_JSON_MAX_DEPTH", 64)),
            json_max_number_length=int(_number(env, "PIPWARDEN_JSON_MAX_NUMBER_LENGTH", 100)),
            json_max_values=int(_number(env, "PIPWARDEN_JSON_MAX_VALUES", 2_000_000)),
            **_archive_caps(env),
        )

    def with_overrides(
        self,
        *,
        db_path: Path | None = None,
        osv_url: str | None = None,
        offline: bool | None = None,
    ) -> Settings:
        """A copy with command-line overrides applied (``None`` keeps the current value)."""
        return replace(
            self,
            db_path=db_path if db_path is not None else self.db_path,
            osv_url=osv_url if osv_url is not None else self.osv_url,
            offline=self.offline if offline is None else offline,
        )


def _archive_caps(env: dict[str, str]) -> dict[str, int]:
    """The OSV archive caps from ``PIPWARDEN_OSV_MAX_DOWNLOAD_BYTES``,
    ``PIPWARDEN_ARCHIVE_MAX_BYTES``, ``…_MAX_ENTRIES`` and ``…_MAX_ENTRY_BYTES``."""
    defaults = Settings.__dataclass_fields__
    return {
        name: int(_number(env, f"PIPWARDEN_{name.upper()}", defaults[name].default))
        for name in (
            "osv_max_download_bytes",
            "archive_max_bytes",
            "archive_max_entries",
            "archive_max_entry_bytes",
        )
    }
