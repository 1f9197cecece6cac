"""Popularity: the package's rank in the top-15,000 PyPI download list."""

from __future__ import annotations

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check"]


def check(ctx: PackageContext) -> Signal:
    evidence: dict[str, object] = {"rank": ctx.rank, "ranked": ctx.ranking_size}
    if ctx.rank is None:
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
