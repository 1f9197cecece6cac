"""The values doctor produces: check results, credential findings, the whole report.

Status policy (documented in the README section "doctor"):

* ``fail`` — a long-lived secret kept in plain text that grants cloud-account access
  (AWS ``AKIA`` keys, Google service-account keys, Azure service-principal secrets),
  publish rights to a package registry (``.pypirc`` tokens, npm/cargo/gem tokens), or a
  secret sitting where it gets shared (a ``.env`` tracked by git, credentials inside pip
  index URLs, plaintext ``git-credentials``, secrets typed into shell history).
* ``warn`` — other long-lived credentials (refresh tokens of interactive logins, SSH keys
  without a passphrase, personal access tokens, warehouse passwords), a missing pip
  guard, a writable system Python, several identities on one machine, a BigQuery profile
  without a byte limit.
* ``info`` — short-lived or pointer-only credentials (STS session keys, SSO caches,
  exec plugins, credential helpers) and notes such as the PEP 668 marker.
* ``pass`` — the check holds.

A finding never carries a secret value: only where it is, what kind, how long it lives,
what it grants and how to fix it.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from pipwarden.frozen import frozen

if TYPE_CHECKING:
    from pipwarden.models import NotChecked

__all__ = [
    "CheckResult",
    "CredentialFinding",
    "DoctorReport",
    "Lifetime",
    "Status",
]


class Status(enum.IntEnum):
    """Outcome of one check, ordered so that ``max()`` gives the verdict."""

    PASS = 0
    INFO = 1
    WARN = 2
    FAIL = 3

    @property
    def label(self) -> str:
        return self.name.lower()


class Lifetime(enum.Enum):
    """How long a found credential stays usable if it leaks."""

    LONG = "long-lived"
    SHORT = "short-lived"
    POINTER = "no secret stored"
    UNKNOWN = "unknown lifetime"


@frozen
class CheckResult:
    """One doctor check: its verdict, what it found, and the one line that fixes it."""

    id: str
    status: Status
    title: str
    detail: str = ""
    fix: str = ""
    section: str = "environment"


@frozen
class CredentialFinding:
    """A credential lying around, described without its value.

    ``location`` is a path (``~/``-shortened) or an environment variable NAME, optionally
    followed by a non-secret qualifier such as ``[profile dev]``. ``provider`` and
    ``identities`` feed the partitioning check (``identities`` are non-secret labels such
    as AWS profile names; empty when the finding names no account).
    """

    detector: str
    location: str
    kind: str
    lifetime: Lifetime
    grants: str
    fix: str
    status: Status
    provider: str | None = None
    identities: tuple[str, ...] = ()
    scope: str = "machine"


@frozen
class DoctorReport:
    """Everything doctor found for one project (and, unless asked not to, its machine)."""

    project: str
    checks: tuple[CheckResult, ...]
    credentials: tuple[CredentialFinding, ...]
    include_machine: bool = True
    # files of the project the secret scan could not read: shown as ?, failing the run
    # unless the policy's allow-unread accepts them
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def status(self) -> Status:
        statuses = [c.status for c in self.checks] + [f.status for f in self.credentials]
        return max(statuses, default=Status.PASS)

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL or any(n.blocking for n in self.not_checked)

    def count(self, status: Status) -> int:
        return sum(1 for c in self.checks if c.status is status) + sum(
            1 for f in self.credentials if f.status is status
        )
