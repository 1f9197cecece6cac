"""What ``vet`` takes and gives: requests, package reports, the report."""

from __future__ import annotations

from dataclasses import field

from pipwarden.checks import VetThresholds
from pipwarden.errors import (
    ExitCode,
)
from pipwarden.frozen import frozen
from pipwarden.models import Level, NotChecked, Signal, canonical_name

VERDICT_LABELS = {
    Level.RISK: "high risk",
    Level.WARN: "some concerns",
    Level.UNKNOWN: "no concerns found, some facts unknown",
    Level.INFO: "low risk",
    Level.OK: "low risk",
}


@frozen
class VetRequest:
    """One package to assess, as the user named it."""

    name: str
    version: str | None = None  # an exact pin (==V, ===V): that release is vetted
    extras: tuple[str, ...] = ()
    location: str | None = None
    # any other requirement (">=2,<3"): the newest release it admits is vetted
    specifier: str = ""

    @property
    def key(self) -> str:
        return canonical_name(self.name)


@frozen
class PackageReport:
    """The assessment of one package: its signals and the verdict they add up to."""

    name: str
    display_name: str
    version: str | None
    latest: str | None
    direct: bool
    signals: tuple[Signal, ...]
    verdict: Level
    reasons: tuple[str, ...]
    via: tuple[str, ...] = ()
    location: str | None = None
    error: str | None = None
    requirement: str = ""  # the specifier the version was chosen by ("" = latest or pin)
    # signals that could not be run for want of data (offline without a cached answer):
    # "not checked" fails the run (exit 3) unless something worse already does
    not_checked: tuple[str, ...] = ()

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]

    def signal(self, signal_id: str) -> Signal | None:
        return next((s for s in self.signals if s.id == signal_id), None)


@frozen
class VetReport:
    """Every package assessed, plus what data the assessment stood on."""

    packages: tuple[PackageReport, ...]
    offline: bool
    python: str
    ranking: str
    vulnerability_data: str
    thresholds: VetThresholds = field(default_factory=VetThresholds)
    tree: bool = False  # transitive dependencies included (text output summarises them)

    @property
    def worst(self) -> Level:
        return max((p.verdict for p in self.packages), default=Level.OK)

    @property
    def status(self) -> str:
        """``findings`` at the fail level, else ``not_checked`` when a signal could not be
        run for want of data, else ``clean`` (the same three states as every report)."""
        if any(p.verdict >= self.thresholds.fail_level for p in self.packages):
            return "findings"
        return "not_checked" if any(p.not_checked for p in self.packages) else "clean"

    def not_checked_items(self) -> tuple[NotChecked, ...]:
        """One :class:`~pipwarden.models.NotChecked` per package with signals not run."""
        items: list[NotChecked] = []
        for p in self.packages:
            if not p.not_checked:
                continue
            wanted = f"{p.name}=={p.version}" if p.version else p.name
            reason = p.error or "no data"
            if p.not_checked != ("version",):
                reason = f"{reason}: {', '.join(p.not_checked)} not checked"
            next_step = f"pipwarden vet {wanted}" + (
                " (online)" if self.offline else ""
            )
            items.append(NotChecked(p.name, p.location or "PyPI", reason, next_step))
        return tuple(items)

    def exit_code(self) -> int:
        """1 when any verdict reaches the policy's fail level, or when a signal was not
        checked for want of data (TRUST §1: not checked fails the run, exit 1 as in every
        command); else 0. No data at all is an error instead (exit 3, never a report)."""
        return int(ExitCode.OK) if self.status == "clean" else int(ExitCode.FINDINGS)


