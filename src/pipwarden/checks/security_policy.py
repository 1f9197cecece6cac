"""Security policy: a Security project URL, or SECURITY.md on GitHub (with a token)."""

from __future__ import annotations

from pipwarden.checks import PackageContext, project_urls
from pipwarden.models import Level, Signal

__all__ = ["check"]


def check(ctx: PackageContext) -> Signal:
    links = project_urls(ctx)
    if links is not None:
        for label, url in links:
            if "security" in label.lower() or url.lower().rstrip("/").endswith("security.md"):
                return Signal(
                    "security_policy",
                    Level.OK,
                    f"Has a security policy: {url}.",
                    {"url": url, "from": "project_urls"},
                )
    if ctx.github is not None and ctx.github.get("security_file"):
        url = str(ctx.github["security_file"])
        return Signal(
            "security_policy",
            Level.OK,
            f"Has a security policy: {url}.",
            {"url": url, "from": "github"},
        )
    if links is None:
        return Signal(
            "security_policy", Level.UNKNOWN, f"Security policy unknown: {ctx.unknown_reason()}."
        )
    where = "on PyPI or GitHub" if ctx.github is not None else "on PyPI"
    evidence: dict[str, object] = {"github_checked": ctx.github is not None}
    if ctx.github_error:
        evidence["github_error"] = ctx.github_error
    return Signal(
        "security_policy",
        Level.INFO,
        f"No security-policy link {where}: it is unclear how to report a vulnerability.",
        evidence,
    )
