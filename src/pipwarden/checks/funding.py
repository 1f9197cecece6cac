"""Funding: project URLs (or a GitHub FUNDING.yml) that point to sponsorship."""

from __future__ import annotations

from urllib.parse import urlsplit

from pipwarden.checks import PackageContext, project_urls
from pipwarden.models import Level, Signal

__all__ = ["FUNDING_HOSTS", "FUNDING_LABELS", "check", "funding_links"]

FUNDING_LABELS = ("fund", "sponsor", "donat", "tidelift", "patreon", "support the project")
FUNDING_HOSTS = (
    "opencollective.com",
    "tidelift.com",
    "patreon.com",
    "liberapay.com",
    "ko-fi.com",
    "buymeacoffee.com",
    "numfocus.org",
    "thanks.dev",
    "polar.sh",
)


def funding_links(links: list[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    for label, url in links:
        parts = urlsplit(url)
        host = parts.hostname or ""
        lower = label.lower()
        if (
            any(word in lower for word in FUNDING_LABELS)
            or any(host == h or host.endswith("." + h) for h in FUNDING_HOSTS)
            or (host == "github.com" and parts.path.startswith("/sponsors"))
        ):
            found.append(url)
    return found


def check(ctx: PackageContext) -> Signal:
    links = project_urls(ctx)
    github_funding = bool(ctx.github and ctx.github.get("funding_file"))
    if links is None and not github_funding:
        return Signal("funding", Level.UNKNOWN, f"Funding unknown: {ctx.unknown_reason()}.")
    found = funding_links(links or [])
    if github_funding:
        found.append(str(ctx.github.get("funding_file") if ctx.github else ""))
    if found:
        return Signal(
            "funding", Level.OK, f"Funded or sponsored: {found[0]}.", {"links": found}
        )
    return Signal("funding", Level.INFO, "No funding or sponsorship link.", {"links": []})
