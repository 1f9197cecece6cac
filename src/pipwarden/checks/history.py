"""A package's history in a few facts: how old, how many releases, who publishes it, where
its code lives. The typosquat verdict weighs it against name similarity, and popularity
says "niche, not new" with it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipwarden.checks import PackageContext, project_urls
from pipwarden.checks.releases import release_times
from pipwarden.checks.source_repo import find_repository
from pipwarden.frozen import frozen

__all__ = ["ESTABLISHED_DAYS", "ESTABLISHED_RELEASES", "History", "history_of", "repository_of"]

ESTABLISHED_DAYS = 730  # "years of releases": the first one at least two years ago …
ESTABLISHED_RELEASES = 3  # … and at least this many releases since


@frozen
class History:
    """What PyPI's JSON answer says about a project's past (``None``: not said)."""

    age_days: int | None  # since the first upload
    releases: int  # releases with files
    owners: int  # user names in ``ownership.roles``
    organisation: str | None
    repository: str | None  # "host/owner/repo" of the first forge link

    @property
    def seasoned(self) -> bool:
        """Years of releases: old enough, and released more than once or twice."""
        return (
            self.age_days is not None
            and self.age_days >= ESTABLISHED_DAYS
            and self.releases >= ESTABLISHED_RELEASES
        )

    @property
    def several_owners(self) -> bool:
        return self.organisation is not None or self.owners >= 2

    def describe(self) -> str:
        """``4 years of releases (31), 3 owners, github.com/a/b`` in plain words."""
        parts = []
        if self.age_days is not None:
            years = self.age_days / 365.25
            span = f"{years:.0f} years" if years >= 2 else f"{self.age_days} days"
            parts.append(f"{span} of releases ({self.releases})")
        if self.organisation:
            parts.append(f"the organisation {self.organisation}")
        else:
            parts.append(f"{self.owners} owner{'' if self.owners == 1 else 's'}")
        parts.append(f"its repository {self.repository}" if self.repository else "no repository")
        return ", ".join(parts)


def repository_of(project: Mapping[str, Any] | None, now: datetime) -> str | None:
    """``host/owner/repo`` of the repository the project's metadata links to, if any."""
    if project is None:
        return None
    links = project_urls(PackageContext(name="", now=now, project=project)) or []
    found = find_repository(links)
    return f"{found[0]}/{found[1]}".casefold() if found is not None else None


def history_of(project: Mapping[str, Any] | None, now: datetime) -> History | None:
    """The :class:`History` of a PyPI JSON answer; ``None`` without one."""
    if project is None:
        return None
    releases = project.get("releases")
    history = release_times(releases) if isinstance(releases, Mapping) else []
    age = (now - history[0][0]).days if history else None
    ownership = project.get("ownership")
    owners = 0
    org: str | None = None
    if isinstance(ownership, Mapping):
        roles = ownership.get("roles")
        owners = len({
            str(r["user"]).lower()
            for r in (roles if isinstance(roles, list) else [])
            if isinstance(r, Mapping) and isinstance(r.get("user"), str)
        })
        got = ownership.get("organization")
        org = str(got) if isinstance(got, str) and got else None
    return History(age, len(history), owners, org, repository_of(project, now))
