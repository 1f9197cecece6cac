"""The exception hierarchy, and the one place that maps it to exit codes.

Library code raises these; only :mod:`pipwarden.cli` catches them, prints the one-line
message on stderr and exits with :attr:`PipwardenError.exit_code`.
"""

from __future__ import annotations

import enum

__all__ = [
    "DataUnavailableError",
    "DatabaseError",
    "ExitCode",
    "InputError",
    "NetworkError",
    "PipwardenError",
    "UsageError",
]


class ExitCode(enum.IntEnum):
    """Process exit codes, documented in the README and in ``pipwarden --help``.

    ``FINDINGS`` also covers "not checked": something pipwarden could not read or judge
    fails the run unless the policy accepts it (``allow-unread``). ``INTERNAL`` is a bug in
    pipwarden, never a verdict about the project.
    """

    OK = 0
    FINDINGS = 1
    USAGE = 2
    DATA_UNAVAILABLE = 3
    INTERNAL = 4


class PipwardenError(Exception):
    """Base class: a message for the user, an optional hint, an exit code."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(PipwardenError):
    """Wrong arguments, unknown option values, a command used where it cannot work."""


class InputError(PipwardenError):
    """A file we were asked to read is malformed. Names the file and, when known, the line."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        where = ""
        if path is not None:
            where = f"{path}:{line}: " if line is not None else f"{path}: "
        super().__init__(f"{where}{message}", hint=hint)
        self.path = path
        self.line = line
        self.reason = message


class DataUnavailableError(PipwardenError):
    """Data we need is missing or too old, and cannot be fetched (exit 3)."""

    exit_code = ExitCode.DATA_UNAVAILABLE


class NetworkError(DataUnavailableError):
    """A download failed after retries: unreachable host, timeout, 5xx, truncated body."""


class DatabaseError(DataUnavailableError):
    """The local vulnerability database is missing, unreadable or of another schema."""
