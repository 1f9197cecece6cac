"""Dependency weight: how many packages it brings in, transitively."""

from __future__ import annotations

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check"]


def check(ctx: PackageContext) -> Signal:
    if ctx.dependencies is None:
        reason = ctx.dependencies_error or ctx.unknown_reason()
        return Signal("weight", Level.UNKNOWN, f"Dependencies unknown: {reason}.")
    deps = sorted(ctx.dependencies)
    count = len(deps)
    evidence: dict[str, object] = {"count": count, "packages": deps}
    if ctx.dependencies_error:
        evidence["incomplete"] = ctx.dependencies_error
    if count == 0:
        return Signal("weight", Level.OK, "Brings no other packages.", evidence)
    shown = ", ".join(deps[:5]) + (" …" if count > 5 else "")
    noun = "package" if count == 1 else "packages"
    if count > ctx.thresholds.heavy_dependencies:
        return Signal(
            "weight",
            Level.WARN,
            f"Heavy: brings {count} {noun} into your environment ({shown}).",
            evidence,
        )
    return Signal("weight", Level.INFO, f"Brings {count} {noun}: {shown}.", evidence)
