"""What ``pipwarden update`` takes and gives back: its options, the changes it found, the
report, and the error of a failed pip run."""

from __future__ import annotations

import re
import sys
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import ExitCode, PipwardenError
from pipwarden.frozen import frozen
from pipwarden.redact import redact_text

if TYPE_CHECKING:
    from pipwarden.audit import AuditReport

__all__ = [
    "DEFAULT_DEADLINE",
    "AuditSummary",
    "Change",
    "Concern",
    "CooldownResult",
    "HeldBack",
    "HookResult",
    "OwnershipChange",
    "PipFailedError",
    "UpdateOptions",
    "UpdateReport",
    "YankedInstall",
    "display_text",
]


#: the whole pip run (self-upgrade + install) must finish within this many seconds
DEFAULT_DEADLINE = 15 * 60.0


class PipFailedError(PipwardenError):
    """pip failed: exit 3 when an index could not be reached (or the deadline passed),
    exit 2 when pip rejected the requirements; the message says what pip said and what
    became of the venv, the hint names the log (and, when needed, the way back)."""

    exit_code = ExitCode.DATA_UNAVAILABLE

    def __init__(self, message: str, *, hint: str | None = None,
                 exit_code: ExitCode = ExitCode.DATA_UNAVAILABLE) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def display_text(text: str, limit: int = 300) -> str:
    """Text from pip or the project for a message: redacted, no control characters or
    bidi overrides, bounded."""
    text = _CONTROL.sub("", redact_text(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------------------
# report data


@frozen
class Concern:
    """One reason behind a new package's vet verdict: the signal, its level (``risk``,
    ``warn``, ``unknown``, or ``not checked`` for a signal vet had no data for) and vet's
    sentence, the evidence in short."""

    signal: str
    level: str
    message: str


@frozen
class Change:
    """A package whose presence or version changed.

    A package new in the tree is vetted: ``vetted`` is the verdict in words, ``verdict``
    its level (``risk``, ``warn``, ``unknown``, ``info``, ``ok``; ``None`` when it could
    not be vetted) and ``concerns`` the signals behind it, worst first."""

    name: str
    display_name: str
    old: str | None
    new: str | None
    major: bool = False
    notes_url: str | None = None
    via: tuple[str, ...] = ()
    vetted: str | None = None
    verdict: str | None = None
    concerns: tuple[Concern, ...] = ()


@frozen
class HeldBack:
    """A newer release exists but something keeps it out."""

    name: str
    display_name: str
    installed: str
    available: str
    capper: str | None  # the package (or requirements line) whose specifier caps it
    specifier: str | None
    reason: str  # "cap", "cooldown" or "unknown"


@frozen
class YankedInstall:
    name: str
    version: str
    reason: str | None


@frozen
class OwnershipChange:
    name: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@frozen
class CooldownResult:
    """What the cooldown did: how it was enforced and what the check afterwards found."""

    days: float
    cutoff: datetime
    method: str  # "uploaded-prior-to", "constraints" or "unavailable"
    excluded: tuple[tuple[str, str], ...] = ()  # (name, version) kept out by constraints
    too_new: tuple[tuple[str, str, datetime], ...] = ()  # installed and newer than the cutoff
    unknown: tuple[str, ...] = ()  # installed, no upload time known


@frozen
class AuditSummary:
    """The audit after the upgrade: its text, counts and exit code, or why it did not run."""

    ran: bool
    text: str | None = None
    packages: int = 0
    vulnerabilities: int = 0
    exit_code: int = 0
    reason: str | None = None
    data: AuditReport | None = None


@frozen
class HookResult:
    """An ``after`` hook: its exit code, or ``None`` when it was not run (it came from the
    project's config and the user did not pass ``--run-hooks``)."""

    command: str
    returncode: int | None

    @property
    def ran(self) -> bool:
        return self.returncode is not None


@frozen
class UpdateReport:
    """Everything ``pipwarden update`` found; rendered by :mod:`pipwarden.report.update`."""

    project: str
    venv: str
    started_at: datetime
    sources: tuple[str, ...]
    dry_run: bool = False
    created: bool = False
    rebuilt: bool = False
    pip_version: str | None = None
    upgraded: tuple[Change, ...] = ()
    downgraded: tuple[Change, ...] = ()
    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    orphaned: tuple[Change, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    yanked: tuple[YankedInstall, ...] = ()
    ownership: tuple[OwnershipChange, ...] = ()
    cooldown: CooldownResult | None = None
    audit: AuditSummary | None = None
    hooks: tuple[HookResult, ...] = ()
    log_path: str | None = None
    previous_run: datetime | None = None
    pypi_reachable: bool = True
    package_count: int = 0
    notes: tuple[str, ...] = ()
    project_index_options: tuple[str, ...] = ()  # "file:line: --option value" (redacted)

    @property
    def exit_code(self) -> int:
        """The audit's code (1 for findings at the policy threshold, 3 or 2 when the audit
        could not run: "not checked" fails the run unless ``--no-audit`` skipped it), else 1
        for a failed hook, else 0."""
        if self.audit is not None and self.audit.exit_code:
            return int(self.audit.exit_code)
        if any(h.returncode for h in self.hooks):
            return int(ExitCode.FINDINGS)
        return int(ExitCode.OK)


@frozen
class UpdateOptions:
    """What to update and how; ``now`` is injectable for tests."""

    project: Path
    venv: Path | None = None
    cooldown_days: float | None = None
    dry_run: bool = False
    rebuild: bool = False
    find_links: tuple[str, ...] = ()
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    offline: bool = False
    hooks: tuple[str, ...] | None = None  # None: from policy [update] after
    run_hooks: bool = False  # run the policy's hooks (the user said so: --run-hooks)
    deadline: float = DEFAULT_DEADLINE  # seconds for the whole pip run
    pip_timeout: float | None = None  # pip --timeout; None: the settings' timeout
    base_python: str = field(default_factory=lambda: sys.executable)
    audit: bool = True
    vet: bool = True
    now: datetime | None = None
