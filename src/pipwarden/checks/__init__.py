"""Risk signals for ``pipwarden vet``: one small module per signal, one registry.

Every signal is a function ``check(ctx: PackageContext) -> Signal``. The context carries
everything already fetched (PyPI answers, the ranking, advisories, the dependency closure)
and an injected clock, so a check never does I/O and never raises for missing data: a
missing key means *unknown*, not *absent*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import Any
from urllib.parse import SplitResult, urlsplit

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Level

__all__ = [
    "PackageContext",
    "VetThresholds",
    "files_for_version",
    "project_urls",
    "split_url",
]

_INT_KEYS = {
    "min-maintainers": "min_maintainers",
    "max-maintainers": "max_maintainers",
    "new-package-days": "new_package_days",
    "abandoned-days": "abandoned_days",
    "popular-rank": "popular_rank",
    "heavy-dependencies": "heavy_dependencies",
    "typosquat-trusted-rank": "typosquat_trusted_rank",
}


@frozen
class VetThresholds:
    """The numbers behind each verdict; the policy file fills these (defaults here)."""

    min_maintainers: int = 2  # fewer than this → warn (bus factor)
    max_maintainers: int = 5  # more than this → warn (who decides?)
    new_package_days: int = 90  # first release younger → warn
    abandoned_days: int = 730  # last release older → warn
    popular_rank: int = 5000  # at or above this rank → popular
    heavy_dependencies: int = 25  # more transitive dependencies → warn
    typosquat_trusted_rank: int = 1000  # names this popular are never flagged
    typosquat_rank_ratio: float = 10.0  # the target must rank this many times higher
    fail_level: Level = Level.RISK  # verdicts at or above this make exit code 1

    @classmethod
    def from_policy(cls, table: Mapping[str, Any], source: str | None = None) -> VetThresholds:
        """Read the ``[vet]`` table of a policy (kebab-case keys); bad values raise InputError."""
        values: dict[str, Any] = {}
        for key, value in table.items():
            if key in _INT_KEYS:
                if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                    raise InputError(f"[vet] {key} must be a whole number ≥ 0", path=source)
                values[_INT_KEYS[key]] = value
            elif key == "typosquat-rank-ratio":
                if not isinstance(value, int | float) or isinstance(value, bool) or value < 1:
                    raise InputError(f"[vet] {key} must be a number ≥ 1", path=source)
                values["typosquat_rank_ratio"] = float(value)
            elif key == "fail-on":
                levels = {"risk": Level.RISK, "warn": Level.WARN, "unknown": Level.UNKNOWN}
                if not isinstance(value, str) or value.lower() not in levels:
                    raise InputError(f"[vet] {key} must be one of risk, warn, unknown", path=source)
                values["fail_level"] = levels[value.lower()]
            else:
                known = ", ".join(sorted([*_INT_KEYS, "typosquat-rank-ratio", "fail-on"]))
                raise InputError(f"unknown [vet] key {key!r} (known: {known})", path=source)
        return cls(**values)


@frozen
class PackageContext:
    """What the checks may look at for one package (all fetched beforehand)."""

    name: str
    now: datetime
    version: str | None = None
    project: Mapping[str, Any] | None = None
    project_error: str | None = None
    release: Mapping[str, Any] | None = None  # /pypi/<name>/<version>/json when not latest
    simple: Mapping[str, Any] | None = None
    simple_error: str | None = None
    rank: int | None = None
    ranking_size: int = 15000
    advisories: Sequence[Any] | None = None
    advisories_error: str | None = None
    # advisories of this package that the project's policy ignores (unexpired ignores)
    ignored_advisories: Sequence[Any] = ()
    dependencies: Sequence[str] | None = None
    dependencies_error: str | None = None
    github: Mapping[str, Any] | None = None
    github_error: str | None = None
    python: tuple[int, int] = (3, 12)
    thresholds: VetThresholds = field(default_factory=VetThresholds)

    @property
    def info(self) -> Mapping[str, Any] | None:
        if self.project is None:
            return None
        info = self.project.get("info")
        return info if isinstance(info, Mapping) else None

    def unknown_reason(self, what: str = "PyPI data") -> str:
        return self.project_error or f"no {what}"


def project_urls(ctx: PackageContext) -> list[tuple[str, str]] | None:
    """(label, url) pairs from ``project_urls`` and ``home_page``; ``None`` when unknown."""
    info = ctx.info
    if info is None or ("project_urls" not in info and "home_page" not in info):
        return None
    out: list[tuple[str, str]] = []
    urls = info.get("project_urls")
    if isinstance(urls, Mapping):
        out.extend((str(k), str(v)) for k, v in urls.items() if isinstance(v, str))
    home = info.get("home_page")
    if isinstance(home, str) and home:
        out.append(("Homepage", home))
    return out


def files_for_version(ctx: PackageContext) -> list[Mapping[str, Any]] | None:
    """The files of the version considered, from ``releases`` or ``urls``; ``None``: unknown."""
    if ctx.project is None:
        return None
    version = ctx.version
    releases = ctx.project.get("releases")
    if isinstance(releases, Mapping) and version in releases:
        files = releases[version]
        return [f for f in files if isinstance(f, Mapping)] if isinstance(files, list) else None
    info = ctx.info
    if info is not None and info.get("version") == version:
        urls = ctx.project.get("urls")
        if isinstance(urls, list):
            return [f for f in urls if isinstance(f, Mapping)]
    if ctx.release is not None and isinstance(ctx.release.get("urls"), list):
        return [f for f in ctx.release["urls"] if isinstance(f, Mapping)]
    return None


def split_url(url: str) -> SplitResult | None:
    """``urlsplit`` of a URL from package metadata; ``None`` when it cannot be split.

    ``urlsplit`` raises ``ValueError`` on text such as ``http://[::1`` (found by the fuzz
    test): one bad link must not crash the assessment.
    """
    try:
        return urlsplit(url.strip())
    except ValueError:
        return None
