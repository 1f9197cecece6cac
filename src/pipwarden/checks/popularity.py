"""Popularity: the package's rank in the top-15,000 PyPI download list.

Outside the list is a warning for a young package only: one with years of releases is
niche, not new, and that is said as information (the other signals judge the rest)."""

from __future__ import annotations

from pipwarden.checks import PackageContext
from pipwarden.checks.history import history_of
from pipwarden.models import Level, Signal

__all__ = ["check"]


def check(ctx: PackageContext) -> Signal:
    evidence: dict[str, object] = {"rank": ctx.rank, "ranked": ctx.ranking_size}
    if ctx.rank is None:
        history = history_of(ctx.project, ctx.now)
        if history is not None and history.seasoned:
            assert history.age_days is not None
            evidence["first_release_days"] = history.age_days
            evidence["releases"] = history.releases
            return Signal(
                "popularity",
                Level.INFO,
                f"Not among the {ctx.ranking_size:,} most downloaded packages on PyPI, but "
                f"released for {history.age_days / 365.25:.0f} years ({history.releases} "
                "releases): a niche package, not a new one.",
                evidence,
            )
        return Signal(
            "popularity",
            Level.WARN,
            f"Few people use it: it is not among the {ctx.ranking_size:,} most downloaded "
            "packages on PyPI.",
            evidence,
        )
    if ctx.rank <= ctx.thresholds.popular_rank:
        return Signal(
            "popularity", Level.OK, f"Popular: rank {ctx.rank:,} of PyPI downloads.", evidence
        )
    return Signal(
        "popularity",
        Level.INFO,
        f"Moderately popular: rank {ctx.rank:,} of PyPI downloads.",
        evidence,
    )
