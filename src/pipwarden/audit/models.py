"""What an audit produces: findings, the components looked at, the request and the report."""

from __future__ import annotations

from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.frozen import frozen, trusted
from pipwarden.models import Location, NotChecked, Severity
from pipwarden.policy import IgnoreEntry, Policy

if TYPE_CHECKING:
    from pipwarden.vulndb.store import DbMeta

__all__ = ["AuditReport", "AuditRequest", "Component", "Finding", "Skipped"]


@frozen
class Finding:
    """One vulnerability (a group of aliased records) of one package where it was found."""

    package: str
    version: str | None
    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    score: float | None
    fixed_in: tuple[str, ...]
    source: str
    kind: str  # "installed" | "pinned" | "floor"
    location: Location | None = None
    specifier: str | None = None
    # The package's safe floor (pipwarden.advice): the same for every finding of a package;
    # ``None`` with ``no_safe_version`` when no version is known to be safe.
    safe_floor: str | None = None
    admitted: tuple[str, ...] = ()
    paths: tuple[tuple[str, ...], ...] = ()
    url: str = ""
    # cvss_v3 | cvss_v4 | label | alias (from another record of the group) | malicious | unknown
    severity_source: str = "unknown"
    no_safe_version: bool = False

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)

    def with_advice(self, safe_floor: str | None, no_safe_version: bool) -> Finding:
        """This finding with its package's safe floor."""
        return self.with_fields(safe_floor=safe_floor, no_safe_version=no_safe_version)

    def with_fields(self, **changes: object) -> Finding:
        """This finding with ``changes``: the same field values as ``dataclasses.replace``
        gives, without re-running ``__init__`` (an audit makes thousands of findings, most
        of them from another finding of the same records). Only field names are accepted;
        the values are the caller's to get right, as ``__init__`` does not check them
        either."""
        unknown = changes.keys() - _FINDING_FIELDS
        if unknown:
            raise TypeError(f"Finding has no field {', '.join(sorted(unknown))}")
        return trusted(Finding, **(self.__dict__ | changes))

    @property
    def malicious(self) -> bool:
        return self.severity is Severity.MALICIOUS


_FINDING_FIELDS = frozenset(Finding.__dataclass_fields__)

#: Former name of :class:`~pipwarden.models.NotChecked` (one concept: what was not checked).
Skipped = NotChecked


@frozen
class Component:
    """One package the audit looked at: installed, pinned (``version`` set) or a range.

    ``requires`` names the components it depends on, where the input says so (an installed
    environment's metadata); SBOM formats use it for the dependency graph.
    """

    name: str
    version: str | None
    source: str
    kind: str  # "installed" | "pinned" | "floor"
    specifier: str | None = None
    requires: tuple[str, ...] = ()


@frozen
class AuditRequest:
    """What to audit. Empty request → the project's dependency files or its venv (see
    :func:`resolve_request`). ``pylocks``: lock files and the other dependency files of
    :data:`pipwarden.sources.project.DEPENDENCY_FILES`, each read by the reader of its kind
    (a name of no known kind is read as a pylock.toml) or reported as not checked."""

    project: Path = Path()
    requirements: tuple[Path, ...] = ()
    pyprojects: tuple[Path, ...] = ()
    pylocks: tuple[Path, ...] = ()
    environments: tuple[Path, ...] = ()


@frozen
class AuditReport:
    """Everything an audit found, ignored and could not check; the report layer renders it.

    ``skipped`` holds the :class:`NotChecked` entries (also as :attr:`not_checked`): the
    blocking ones fail the run like a finding at the threshold does.
    """

    findings: tuple[Finding, ...]
    ignored: tuple[tuple[Finding, IgnoreEntry], ...]
    expired: tuple[tuple[Finding, IgnoreEntry], ...]
    stale_ignores: tuple[IgnoreEntry, ...]
    skipped: tuple[Skipped, ...]
    targets: tuple[str, ...]
    packages_audited: int
    database: DbMeta | None
    policy: Policy = field(default_factory=Policy)
    releases_used: bool = False
    components: tuple[Component, ...] = ()

    @property
    def failing(self) -> tuple[Finding, ...]:
        """Findings at or above the policy's ``fail-on`` threshold."""
        return tuple(f for f in self.findings if self.policy.fails(f.severity))

    @property
    def not_checked(self) -> tuple[NotChecked, ...]:
        return self.skipped

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Not-checked entries that fail the run (not accepted by the policy)."""
        return tuple(n for n in self.skipped if n.blocking)

    @property
    def status(self) -> str:
        """``findings`` (something fails the threshold), else ``not_checked`` (something
        could not be read or judged), else ``clean``."""
        if self.failing:
            return "findings"
        if self.unread:
            return "not_checked"
        return "clean"

    @property
    def exit_code(self) -> int:
        return 1 if self.failing or self.unread else 0


