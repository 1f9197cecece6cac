"""Release history: new, abandoned, or regularly released; sorted by upload time."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check", "first_release_age", "release_times"]


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def release_times(releases: Mapping[str, object]) -> list[tuple[datetime, str, bool]]:
    """(first upload time, version, yanked) per release with files, oldest first."""
    out: list[tuple[datetime, str, bool]] = []
    for version, files in releases.items():
        if not isinstance(files, list):
            continue
        earliest = ""
        yanked = True
        for f in files:
            if type(f) is not dict and not isinstance(f, Mapping):
                continue
            stamp = f.get("upload_time_iso_8601") or f.get("upload_time") or ""
            if type(stamp) is not str:
                stamp = str(stamp)
            if stamp and (not earliest or stamp < earliest):  # ISO 8601 sorts by time
                earliest = stamp
            if yanked and not f.get("yanked"):
                yanked = False
        first = _parse(earliest) if earliest else None
        if first is None:
            continue
        out.append((first, version, yanked))
    out.sort()
    return out


def first_release_age(project: Mapping[str, object] | None, now: datetime) -> int | None:
    """Days since the project's first upload, from its PyPI JSON; ``None`` when unknown."""
    releases = project.get("releases") if project is not None else None
    if not isinstance(releases, Mapping):
        return None
    history = release_times(releases)
    return (now - history[0][0]).days if history else None


def check(ctx: PackageContext) -> Signal:
    if ctx.project is None:
        reason = ctx.unknown_reason()
        return Signal("releases", Level.UNKNOWN, f"Release history unknown: {reason}.")
    releases = ctx.project.get("releases")
    if not isinstance(releases, Mapping):
        return Signal("releases", Level.UNKNOWN, "Release history unknown: PyPI gave no releases.")
    history = release_times(releases)
    if not history:
        return Signal("releases", Level.UNKNOWN, "Release history unknown: no files uploaded.")
    now = ctx.now
    first, last = history[0][0], history[-1][0]
    year = sum(1 for t, _, _ in history if now - t <= timedelta(days=365))
    gaps = [(b[0] - a[0]).total_seconds() / 86400 for a, b in itertools.pairwise(history)]
    median_gap = round(_median(gaps), 1) if gaps else None
    yanked = sum(1 for _, _, y in history if y)
    evidence: dict[str, object] = {
        "releases": len(history),
        "first_release": first.date().isoformat(),
        "last_release": last.date().isoformat(),
        "last_version": history[-1][1],
        "releases_last_12_months": year,
        "median_gap_days": median_gap,
        "yanked_share": round(yanked / len(history), 3),
    }
    vetted = next((t for t, v, _ in history if v == ctx.version), None)
    if vetted is not None:  # the release vetted (a pin or a range's newest), not the latest
        evidence["version"] = ctx.version
        evidence["version_released"] = vetted.date().isoformat()
    also = (
        f" {ctx.version}, the version vetted, was released on {vetted.date()}."
        if vetted is not None and ctx.version != history[-1][1]
        else ""
    )
    age_days = (now - first).days
    idle_days = (now - last).days
    t = ctx.thresholds
    if age_days < t.new_package_days:
        return Signal(
            "releases",
            Level.WARN,
            f"New package: first release only {age_days} days ago ({first.date()}); "
            f"give it time to earn trust.{also}",
            evidence,
        )
    if idle_days > t.abandoned_days:
        years = idle_days / 365.25
        return Signal(
            "releases",
            Level.WARN,
            f"Maybe abandoned: last release {years:.1f} years ago ({last.date()}).{also}",
            evidence,
        )
    if year == 0:
        message = f"No release in the last 12 months; the last was on {last.date()}."
    else:
        times = "once" if year == 1 else f"{year} times"
        message = f"Released {times} in the last 12 months, last on {last.date()}."
    return Signal("releases", Level.OK, message + also, evidence)


def _median(values: list[float]) -> float:
    """``statistics.median`` (the same arithmetic) without importing ``statistics``, which
    pulls in ``fractions`` and ``decimal`` at every start."""
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
