"""Security policy: a Security project URL, or SECURITY.md on GitHub (with a token)."""

from __future__ import annotations

from pipwarden.checks import PackageContext, project_urls, split_url
from pipwarden.models import Level, Signal

__all__ = ["check"]


def _is_web_link(url: str) -> bool:
    parts = split_url(url)
    return parts is not None and parts.scheme.lower() in ("http", "https")


def check(ctx: PackageContext) -> Signal:
    """✓ only on a Security link in the package's metadata or a SECURITY.md that the
    GitHub API showed inside the repository the metadata names (validated in vet)."""
    links = project_urls(ctx)
    if links is not None:
        for label, url in links:
            if not _is_web_link(url):
                continue
            if "security" in label.lower() or url.lower().rstrip("/").endswith("security.md"):
                return Signal(
                    "security_policy",
                    Level.OK,
                    f"Has a security policy: {url}.",
                    {"url": url, "from": "project_urls"},
                )
    github_file = ctx.github.get("security_file") if ctx.github is not None else None
    if isinstance(github_file, str) and github_file:
        return Signal(
            "security_policy",
            Level.OK,
            f"Has a security policy: {github_file}.",
            {"url": github_file, "from": "github"},
        )
    if links is None:
        return Signal(
            "security_policy", Level.UNKNOWN, f"Security policy unknown: {ctx.unknown_reason()}."
        )
    evidence: dict[str, object] = {"github_checked": ctx.github is not None}
    if ctx.github_error:
        evidence["github_error"] = ctx.github_error
        return Signal(
            "security_policy",
            Level.UNKNOWN,
            f"Security policy not known: no security link on PyPI, and {ctx.github_error}.",
            evidence,
        )
    where = "on PyPI or GitHub" if ctx.github is not None else "on PyPI"
    return Signal(
        "security_policy",
        Level.INFO,
        f"No security-policy link {where}: it is unclear how to report a vulnerability.",
        evidence,
    )
