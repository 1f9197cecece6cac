"""Frozen dataclasses shared by every command.

Data flows one way: *sources* turn files and environments into :class:`Dependency` and
:class:`InstalledPackage`; the checks turn those into findings; the report layer renders
findings. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import field

from pipwarden.frozen import frozen

__all__ = [
    "Dependency",
    "Environment",
    "InstalledPackage",
    "Level",
    "Location",
    "NotChecked",
    "Severity",
    "Signal",
    "canonical_name",
]


def canonical_name(name: str) -> str:
    """The PEP 503 normalised form of a project name (``Foo_Bar.baz`` → ``foo-bar-baz``):
    every run of ``-``, ``_`` and ``.`` one ``-``, lower case. (String methods, not a
    regular expression: the typosquat index normalises a hundred thousand names.)"""
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return value


@frozen(order=True)
class Location:
    """Where something was declared: a file and, when it has one, a 1-based line and column."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class Severity(enum.IntEnum):
    """How bad a known vulnerability is; ``MALICIOUS`` (an OSV ``MAL-`` record) beats all."""

    UNKNOWN = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4
    MALICIOUS = 5

    @property
    def label(self) -> str:
        """Lower-case name used in reports and policy files (``"known malicious"`` for MAL)."""
        return "known malicious" if self is Severity.MALICIOUS else self.name.lower()

    @property
    def rank(self) -> int:
        """Urgency, for ordering reports: known malicious > unknown > critical > high >
        medium > low. Unknown ranks next to the worst: it could be critical."""
        if self is Severity.UNKNOWN:
            return int(Severity.CRITICAL) * 2 + 1
        return int(self) * 2

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a policy or OSV label (``moderate`` means ``medium``); unknown words raise."""
        key = text.strip().lower().replace("-", " ").replace("_", " ")
        aliases = {"moderate": "medium", "known malicious": "malicious", "none": "unknown"}
        key = aliases.get(key, key)
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}") from None


class Level(enum.IntEnum):
    """Outcome of one risk signal or check, ordered so that ``max()`` gives the verdict."""

    OK = 0
    INFO = 1
    UNKNOWN = 2
    WARN = 3
    RISK = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@frozen
class Dependency:
    """One declared requirement, as written in a requirements file, pyproject or pylock.

    ``name`` is the PEP 503 normalised name; ``raw_name`` keeps the author's spelling.
    ``url`` is set for URL, VCS and local-path requirements (not auditable by version).
    """

    name: str
    raw_name: str
    specifier: str
    location: Location
    text: str
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    hashes: tuple[str, ...] = ()
    editable: bool = False
    constraint: bool = False
    group: str | None = None
    locked: bool = False  # from a lock file: one platform's entry of a universal lock

    @property
    def pinned_version(self) -> str | None:
        """The version for ``==X`` (no wildcard) or ``===X``; ``None`` for any range."""
        spec = self.specifier.strip()
        if "," in spec:
            return None
        if spec.startswith("==="):
            return spec[3:].strip() or None
        if spec.startswith("==") and not spec.endswith(".*"):
            return spec[2:].strip() or None
        return None


@frozen
class InstalledPackage:
    """One distribution installed in an environment, read from its metadata on disk."""

    name: str
    display_name: str
    version: str
    metadata_path: str
    requires_dist: tuple[str, ...] = ()
    top_level: tuple[str, ...] = ()
    console_scripts: tuple[str, ...] = ()
    installer: str | None = None
    project_urls: tuple[tuple[str, str], ...] = ()


@frozen
class Environment:
    """An installed environment: a venv (``prefix``) and the site-packages folder read."""

    prefix: str
    site_packages: tuple[str, ...]
    packages: tuple[InstalledPackage, ...] = field(default=())
    python_version: str | None = None
    is_venv: bool = True


@frozen
class Signal:
    """One risk signal about a package, as ``vet`` reports it.

    ``message`` is one plain sentence; ``evidence`` holds the facts behind it (JSON-ready);
    ``target`` names the imitated package for the ``typosquat`` signal.
    """

    id: str
    level: Level
    message: str
    evidence: dict[str, object] = field(default_factory=dict)
    target: str | None = None


def _neutral(text: str) -> str:
    """``text`` with URL credentials masked and control, escape and bidi characters (all
    non-printable) replaced by U+FFFD."""
    from pipwarden.redact import redact_text

    return "".join(c if c.isprintable() else "\ufffd" for c in redact_text(text))


@frozen
class NotChecked:
    """Something pipwarden was asked to check, or found, but could not read or judge.

    The third state next to clean and finding (see TRUST.md §1): reports show it as ``?``
    with ``reason`` and ``next`` (the command that would check it), and it fails the run
    unless it is ``accepted`` — by the policy (``allow-unread``) or because the thing does
    not apply here (``accepted`` then says why). ``what`` is the file or requirement,
    ``where`` the file (and line) it was found in.
    """

    what: str
    where: str
    reason: str
    next: str = ""
    location: Location | None = None
    accepted: str | None = None

    def __post_init__(self) -> None:
        """File names, requirement text and markers come from the scanned project: keep
        their credentials and terminal control characters out of every report."""
        for name in ("what", "where", "reason", "next"):
            object.__setattr__(self, name, _neutral(getattr(self, name)))

    @property
    def blocking(self) -> bool:
        """Does it fail the run? (Everything not explicitly accepted does.)"""
        return self.accepted is None

    @property
    def by_policy(self) -> bool:
        """Accepted by the policy's ``allow-unread`` (still not read: never shown as ✓)."""
        return self.accepted is not None and self.accepted.startswith("allow-unread")

    @property
    def source(self) -> str:
        """Former name of :attr:`where` (the audit's ``Skipped`` records had ``source``)."""
        return self.where
