"""Funding: project URLs (or a GitHub FUNDING.yml) that point to sponsorship."""

from __future__ import annotations

from pipwarden.checks import PackageContext, project_urls, split_url
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
    """The http(s) links among ``links`` that point to funding or sponsorship."""
    found: list[str] = []
    for label, url in links:
        parts = split_url(url)
        if parts is None or parts.scheme.lower() not in ("http", "https"):
            continue
        host = (parts.hostname or "").lower()
        lower = label.lower()
        if (
            any(word in lower for word in FUNDING_LABELS)
            or any(host == h or host.endswith("." + h) for h in FUNDING_HOSTS)
            or (host == "github.com" and parts.path.startswith("/sponsors"))
        ):
            found.append(url)
    return found


def check(ctx: PackageContext) -> Signal:
    """✓ only on a funding link in the package's own metadata or a FUNDING.yml that the
    GitHub API showed inside the repository the metadata names (validated in vet)."""
    links = project_urls(ctx)
    found = funding_links(links or [])
    github_file = ctx.github.get("funding_file") if ctx.github else None
    if isinstance(github_file, str) and github_file:
        found.append(github_file)
    if found:
        return Signal(
            "funding", Level.OK, f"Funded or sponsored: {found[0]}.", {"links": found}
        )
    if links is None:
        return Signal("funding", Level.UNKNOWN, f"Funding unknown: {ctx.unknown_reason()}.")
    if ctx.github_error:
        return Signal(
            "funding",
            Level.UNKNOWN,
            f"Funding not known: no funding link on PyPI, and {ctx.github_error}.",
            {"links": [], "github_error": ctx.github_error},
        )
    return Signal("funding", Level.INFO, "No funding or sponsorship link.", {"links": []})
