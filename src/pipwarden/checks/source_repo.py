"""Source repository: is the code on a known forge where anyone can read it?"""

from __future__ import annotations

from pipwarden.checks import PackageContext, project_urls, split_url
from pipwarden.models import Level, Signal

__all__ = ["FORGES", "check", "find_repository"]

FORGES = (
    "github.com",
    "gitlab.com",
    "bitbucket.org",
    "codeberg.org",
    "git.sr.ht",
    "sr.ht",
    "salsa.debian.org",
    "gitlab.gnome.org",
    "framagit.org",
    "gitee.com",
    "launchpad.net",
    "foss.heptapod.net",
)
_NOT_REPO = ("sponsors", "orgs", "marketplace", "features", "topics")


def find_repository(links: list[tuple[str, str]]) -> tuple[str, str] | None:
    """(host, "owner/repo") of the first link that is a repository on a known forge."""
    def preferred(kv: tuple[str, str]) -> int:
        return 0 if any(w in kv[0].lower() for w in ("source", "repo", "code")) else 1

    ordered = sorted(links, key=preferred)
    for _label, url in ordered:
        parts = split_url(url)
        if parts is None:
            continue
        host = (parts.hostname or "").lower().removeprefix("www.")
        if host not in FORGES:
            continue
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) >= 2 and segments[0] not in _NOT_REPO:
            repo = segments[1].removesuffix(".git")
            return host, f"{segments[0]}/{repo}"
    return None


def check(ctx: PackageContext) -> Signal:
    links = project_urls(ctx)
    if links is None:
        return Signal("source_repo", Level.UNKNOWN, f"Source unknown: {ctx.unknown_reason()}.")
    found = find_repository(links)
    if found is None:
        return Signal(
            "source_repo",
            Level.WARN,
            "No source repository linked on a known forge: you cannot read the code "
            "before you run it.",
            {"links": [u for _, u in links]},
        )
    host, path = found
    evidence: dict[str, object] = {"host": host, "repository": path}
    if ctx.github is not None and ctx.github.get("archived"):
        return Signal(
            "source_repo",
            Level.WARN,
            f"The source repository {host}/{path} is archived: no more development.",
            evidence,
        )
    return Signal("source_repo", Level.OK, f"Source: {host}/{path}.", evidence)
