"""Install-time code: without a wheel, pip runs the package's build code on install."""

from __future__ import annotations

from pipwarden.checks import PackageContext, files_for_version
from pipwarden.models import Level, Signal

__all__ = ["check"]


def check(ctx: PackageContext) -> Signal:
    if ctx.project is None:
        return Signal("install_code", Level.UNKNOWN, f"Files unknown: {ctx.unknown_reason()}.")
    files = files_for_version(ctx)
    if files is None:
        return Signal(
            "install_code", Level.UNKNOWN, f"Files of version {ctx.version} unknown."
        )
    kinds = sorted({str(f.get("packagetype")) for f in files if f.get("packagetype")})
    evidence: dict[str, object] = {"version": ctx.version, "packagetypes": kinds}
    if not files or not kinds:
        return Signal(
            "install_code", Level.UNKNOWN, f"No files listed for version {ctx.version}.", evidence
        )
    if "bdist_wheel" in kinds:
        return Signal(
            "install_code",
            Level.OK,
            "Wheels published: installing runs no build code.",
            evidence,
        )
    return Signal(
        "install_code",
        Level.WARN,
        f"No wheel for {ctx.version}: installing it runs the package's own build code "
        "(setup.py) on your machine.",
        evidence,
    )
