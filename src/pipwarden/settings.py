"""Runtime settings: data-source URLs and file locations, from arguments and environment.

URLs are settings, never constants buried in code: mirrors, air-gapped installs and the
test suite's loopback servers all point pipwarden elsewhere through these.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

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


@dataclass(frozen=True)
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
    timeout: float = 15.0

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
