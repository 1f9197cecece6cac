"""What fleet reports: each project's declarations, divergences, single uses, overlaps."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import field
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pipwarden.frozen import frozen
from pipwarden.models import Level, NotChecked

__all__ = [
    "AuditCounter",
    "Declaration",
    "Divergence",
    "FleetOverlap",
    "FleetProject",
    "FleetReport",
    "SingleUse",
]

def _version(version: str) -> Version | str:
    try:
        return Version(version)
    except InvalidVersion:
        return version


def _vkey(version: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


#: Counts the known-vulnerability findings of one project folder (``None``: not audited).
AuditCounter = Callable[[Path], "int | None"]


@frozen
class Declaration:
    """One package as one project declares it (several lines merge into one declaration).

    ``spec`` is the specifier as written (``""`` when unconstrained, ``"@ url"`` for a
    direct reference); ``floor`` is the highest lower bound, ``pin`` the ``==`` version.
    """

    name: str
    raw_name: str
    spec: str
    floor: str | None
    pin: str | None
    locations: tuple[str, ...]

    @property
    def key(self) -> tuple[str, Version | str] | None:
        """What divergence compares: a pin, a floor (as versions: ``1.26`` equals
        ``1.26.0``), a direct reference, or nothing (unconstrained)."""
        if self.pin is not None:
            return ("pin", _version(self.pin))
        if self.floor is not None:
            return ("floor", _version(self.floor))
        if self.spec.startswith("@"):
            return ("url", self.spec)
        return None


@frozen
class FleetProject:
    """A project folder, what it declares, and its finding counts (``None``: not run)."""

    name: str
    root: str
    files: tuple[str, ...]
    declarations: tuple[Declaration, ...]
    lint_findings: int | None = None
    audit_findings: int | None = None
    errors: tuple[str, ...] = ()
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Dependency files of this project pipwarden could not read (and its policy does
        not accept): its audit count, if any, covers only the other files."""
        return tuple(n for n in self.not_checked if n.blocking)

    def get(self, package: str) -> Declaration | None:
        for declaration in self.declarations:
            if declaration.name == package:
                return declaration
        return None


@frozen
class Divergence:
    """One package declared with different floors or pins across projects."""

    package: str
    uses: tuple[tuple[str, str], ...]  # (project, spec as written)
    suggested_floor: str | None
    # no version of the package is known to be safe: nothing to consolidate on
    no_safe_version: bool = False

    @property
    def suggestion(self) -> str | None:
        return None if self.suggested_floor is None else f"{self.package}>={self.suggested_floor}"


@frozen
class SingleUse:
    package: str
    project: str
    spec: str


@frozen
class FleetOverlap:
    """Different libraries doing one job across the fleet; ``uses`` = (library, projects)."""

    category: str
    job: str
    uses: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def preferred(self) -> str:
        """The library most projects already use (ties: alphabetical)."""
        return sorted(self.uses, key=lambda u: (-len(u[1]), u[0]))[0][0]


@frozen
class FleetReport:
    roots: tuple[str, ...]
    projects: tuple[FleetProject, ...]
    packages: tuple[str, ...]
    divergences: tuple[Divergence, ...]
    single_uses: tuple[SingleUse, ...]
    overlaps: tuple[FleetOverlap, ...]
    skipped: tuple[str, ...] = field(default=())

    @property
    def lint_total(self) -> int | None:
        counts = [p.lint_findings for p in self.projects if p.lint_findings is not None]
        return sum(counts) if counts else None

    @property
    def audit_total(self) -> int | None:
        counts = [p.audit_findings for p in self.projects if p.audit_findings is not None]
        return sum(counts) if counts else None

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(e for p in self.projects for e in p.errors)

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Every project's dependency files that were not read (they fail the run)."""
        return tuple(n for p in self.projects for n in p.unread)

    @property
    def level(self) -> Level:
        """RISK for known vulnerabilities, WARN for divergence/overlap/lint, UNKNOWN when a
        dependency file was not read, else OK."""
        if self.audit_total:
            return Level.RISK
        if self.divergences or self.overlaps or self.lint_total or self.errors:
            return Level.WARN
        if self.unread:
            return Level.UNKNOWN
        return Level.OK

    def cell(self, project: FleetProject, package: str) -> str | None:
        declaration = project.get(package)
        if declaration is None:
            return None
        return declaration.spec or "*"


