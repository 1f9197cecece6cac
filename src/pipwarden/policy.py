"""Project policy: ``.pipwarden.toml`` or ``[tool.pipwarden]`` in pyproject.toml.

The policy holds thresholds (``fail-on``, ``unknown-severity``, ``max-db-age``, vet and lint
settings) and *expiring ignores*: every ignore carries an id, a reason and an ``until``
date. An expired ignore stops ignoring and says so; an ignore that matched nothing is
reported as stale.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.lazyre import LazyPattern
from pipwarden.models import NotChecked, Severity

if TYPE_CHECKING:
    import tomllib

__all__ = [
    "POLICY_FILENAME",
    "UNKNOWN_SEVERITY_CHOICES",
    "IgnoreEntry",
    "IgnoreOutcome",
    "Policy",
    "apply_ignores",
    "find_policy_file",
    "load_policy",
    "parse_duration_days",
]

POLICY_FILENAME = ".pipwarden.toml"

_KNOWN_KEYS = {
    "allow-unread",
    "fail-on",
    "unknown-severity",
    "max-db-age",
    "ignore",
    "cooldown",
    "vet",
    "lint",
    "slim",
    "doctor",
    "update",
    "fleet",
}


@frozen
class IgnoreEntry:
    """One ignore: an advisory id (any alias matches), why, and until when."""

    id: str
    reason: str
    until: dt.date
    location: str

    def matches(self, ids: Iterable[str]) -> bool:
        wanted = self.id.upper()
        return any(i.upper() == wanted for i in ids)


UNKNOWN_SEVERITY_CHOICES = ("fail", "warn")


@frozen
class Policy:
    """Parsed policy; every field has a default so a project without a policy works.

    Severities rank known malicious > unknown > critical > high > medium > low. ``fail_on``
    is the lowest *known* severity that fails (default low: every known one); a finding
    of unknown severity fails whatever ``fail_on`` is (it could be critical) unless
    ``unknown_severity`` is ``"warn"``, which reports it without failing.
    """

    fail_on: Severity = Severity.LOW
    unknown_severity: str = "fail"  # "fail" | "warn"
    max_db_age_days: float = 7.0
    ignores: tuple[IgnoreEntry, ...] = ()
    cooldown_days: float | None = None
    vet: Mapping[str, Any] = field(default_factory=dict)
    lint: Mapping[str, Any] = field(default_factory=dict)
    slim: Mapping[str, Any] = field(default_factory=dict)
    doctor: Mapping[str, Any] = field(default_factory=dict)
    update: Mapping[str, Any] = field(default_factory=dict)
    fleet: Mapping[str, Any] = field(default_factory=dict)
    source: str | None = None
    allow_unread: tuple[str, ...] = ()

    def accepts_unread(self, relative_path: str) -> str | None:
        """The ``allow-unread`` glob that accepts a file pipwarden could not read, if any.

        ``relative_path`` is relative to the project root, with ``/`` separators; globs are
        matched with :func:`fnmatch.fnmatchcase` (``*`` also matches ``/``), so
        ``"docs/*.txt"`` and ``"uv.lock"`` work as written.
        """
        from fnmatch import fnmatchcase

        path = relative_path.replace("\\", "/").removeprefix("./")
        for glob in self.allow_unread:
            if fnmatchcase(path, glob.removeprefix("./")):
                return glob
        return None

    def accept_unread(self, item: NotChecked, relative_path: str) -> NotChecked:
        """``item`` (about the file at ``relative_path``) marked accepted when an
        ``allow-unread`` glob accepts that file; else ``item`` as it is."""
        glob = self.accepts_unread(relative_path)
        if glob is None:
            return item
        from dataclasses import replace

        return replace(item, accepted=f"allow-unread = {glob!r} in the policy")

    def fails(self, severity: Severity) -> bool:
        """Does a finding of this severity make the exit code 1?"""
        if severity is Severity.UNKNOWN:
            return self.unknown_severity != "warn"
        return severity >= self.fail_on


@frozen
class IgnoreOutcome:
    """What the ignores did to a list of findings."""

    kept: tuple[Any, ...]
    ignored: tuple[tuple[Any, IgnoreEntry], ...]
    expired: tuple[tuple[Any, IgnoreEntry], ...]
    stale: tuple[IgnoreEntry, ...]


def parse_severity_threshold(text: str, where: str) -> Severity:
    """``fail-on``: a known severity label; ``any`` (and the older ``unknown``) mean low.

    Unknown severity is not a threshold: see ``unknown-severity``.
    """
    if text.strip().lower() in {"any", "all"}:
        return Severity.LOW
    try:
        severity = Severity.parse(text)
    except ValueError:
        raise InputError(
            f"fail-on must be one of any, low, medium, high, critical, malicious (got {text!r})",
            path=where,
        ) from None
    return Severity.LOW if severity is Severity.UNKNOWN else severity


def _unknown_severity(raw: dict[str, Any], path: str, text: str) -> str:
    """``unknown-severity = "fail" | "warn"`` (default fail); anything else is an error."""
    value = raw.get("unknown-severity", "fail")
    if not isinstance(value, str) or value.strip().lower() not in UNKNOWN_SEVERITY_CHOICES:
        raise InputError(
            f'unknown-severity must be "fail" or "warn" (got {value!r})',
            path=path,
            line=_line_of(text, "unknown-severity"),
        )
    return value.strip().lower()


_DURATION = LazyPattern(r"^\s*(\d+(?:\.\d+)?)\s*([dhw]?)\s*$", re.I)


def parse_duration_days(value: object, where: str, key: str) -> float:
    """``7``, ``"7d"``, ``"12h"``, ``"2w"`` → days as a float."""
    if isinstance(value, bool):
        raise InputError(f"{key} must be a number of days or a duration like '3d'", path=where)
    if isinstance(value, int | float):
        if value < 0:
            raise InputError(f"{key} must not be negative", path=where)
        return float(value)
    if isinstance(value, str):
        m = _DURATION.match(value)
        if m:
            amount = float(m.group(1))
            unit = (m.group(2) or "d").lower()
            return amount * {"d": 1.0, "h": 1 / 24, "w": 7.0}[unit]
    raise InputError(
        f"{key} must be a number of days or a duration like '3d' (got {value!r})", path=where
    )


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    return None


def _parse_ignores(raw: object, path: str, text: str) -> tuple[IgnoreEntry, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError("ignore must be a list of {id, reason, until} tables", path=path)
    entries = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            raise InputError(f"ignore[{index}] must be a table with id, reason, until", path=path)
        ident = item.get("id")
        line = _line_of(text, str(ident)) if isinstance(ident, str) else None
        if not isinstance(ident, str) or not ident.strip():
            raise InputError(f"ignore[{index}] needs an id", path=path, line=line)
        reason = item.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise InputError(
                f"ignore {ident} needs a reason: why is it safe to ignore?", path=path, line=line
            )
        until = item.get("until")
        if isinstance(until, str):
            try:
                until = dt.date.fromisoformat(until)
            except ValueError:
                until = None
        if isinstance(until, dt.datetime):
            until = until.date()
        if not isinstance(until, dt.date):
            raise InputError(
                f"ignore {ident} needs an expiry date: until = 2026-12-31", path=path, line=line
            )
        unknown = set(item) - {"id", "reason", "until"}
        if unknown:
            raise InputError(
                f"ignore {ident}: unknown key(s) {', '.join(sorted(unknown))}",
                path=path,
                line=line,
            )
        entries.append(
            IgnoreEntry(
                id=ident.strip(),
                reason=reason.strip(),
                until=until,
                location=f"{path}:{line}" if line else path,
            )
        )
    return tuple(entries)


def _parse_allow_unread(raw: object, path: str, text: str) -> tuple[str, ...]:
    """``allow-unread = ["docs/*.txt", "uv.lock"]``: globs relative to the project root."""
    if raw is None:
        return ()
    line = _line_of(text, "allow-unread")
    if not isinstance(raw, list) or not all(isinstance(g, str) and g.strip() for g in raw):
        raise InputError(
            "allow-unread must be a list of path globs relative to the project root, "
            'e.g. ["uv.lock", "docs/*.txt"]',
            path=path,
            line=line,
        )
    for glob in raw:
        if glob.startswith("/") or ".." in glob.split("/"):
            raise InputError(
                f"allow-unread: {glob!r} must be relative to the project root", path=path, line=line
            )
    return tuple(g.strip() for g in raw)


def _table(raw: dict[str, Any], key: str, path: str) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise InputError(f"[{key}] must be a table", path=path)
    return value


def policy_from_mapping(raw: dict[str, Any], path: str, text: str = "") -> Policy:
    """Validate a policy table (already parsed from TOML)."""
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise InputError(
            f"unknown policy key {name!r} (known: {', '.join(sorted(_KNOWN_KEYS))})",
            path=path,
            line=_line_of(text, name),
        )
    fail_on = Severity.LOW
    if "fail-on" in raw:
        if not isinstance(raw["fail-on"], str):
            raise InputError("fail-on must be a string such as 'high'", path=path)
        fail_on = parse_severity_threshold(raw["fail-on"], path)
    max_age = 7.0
    if "max-db-age" in raw:
        max_age = parse_duration_days(raw["max-db-age"], path, "max-db-age")
    cooldown = None
    if "cooldown" in raw:
        cooldown = parse_duration_days(raw["cooldown"], path, "cooldown")
    return Policy(
        allow_unread=_parse_allow_unread(raw.get("allow-unread"), path, text),
        fail_on=fail_on,
        unknown_severity=_unknown_severity(raw, path, text),
        max_db_age_days=max_age,
        ignores=_parse_ignores(raw.get("ignore"), path, text),
        cooldown_days=cooldown,
        vet=_table(raw, "vet", path),
        lint=_table(raw, "lint", path),
        slim=_table(raw, "slim", path),
        doctor=_table(raw, "doctor", path),
        update=_table(raw, "update", path),
        fleet=_table(raw, "fleet", path),
        source=path,
    )


def _toml_error(exc: tomllib.TOMLDecodeError, path: str) -> InputError:
    m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
    message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
    return InputError(f"not valid TOML: {message}", path=path, line=int(m.group(1)) if m else None)


def find_policy_file(project: Path) -> Path | None:
    """``.pipwarden.toml`` wins over ``pyproject.toml`` with a ``[tool.pipwarden]`` table."""
    candidate = project / POLICY_FILENAME
    if candidate.is_file():
        return candidate
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        return pyproject
    return None


def load_policy(project: Path | None = None, *, path: Path | None = None) -> Policy:
    """Load the policy of ``project`` (or the explicit ``path``); defaults when none."""
    file = path if path is not None else (find_policy_file(project) if project else None)
    if file is None:
        return Policy()
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("policy file not found", path=where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read policy: {exc}", path=where) from None
    import tomllib  # here: a project without a policy file never needs it

    from pipwarden import tomlcache  # the pyproject.toml that holds it is parsed once per run

    try:
        data = tomlcache.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, where) from None
    if file.name == "pyproject.toml" and file.name != POLICY_FILENAME:
        tool = data.get("tool", {})
        table = tool.get("pipwarden") if isinstance(tool, dict) else None
        if table is None:
            return Policy()
        if not isinstance(table, dict):
            raise InputError("[tool.pipwarden] must be a table", path=where)
        data = table
    return policy_from_mapping(data, where, text)


def apply_ignores(
    findings: Iterable[Any],
    ignores: Iterable[IgnoreEntry],
    *,
    today: dt.date,
    ids_of: Any = None,
) -> IgnoreOutcome:
    """Split findings into kept and ignored; report expired and stale ignores.

    ``ids_of(finding)`` gives every id of a finding (its id and aliases); by default the
    finding's ``ids`` attribute. An ignore is valid through its ``until`` day inclusive.
    """
    get_ids = ids_of if ids_of is not None else (lambda f: f.ids)
    entries = tuple(ignores)
    used: set[int] = set()
    kept: list[Any] = []
    ignored: list[tuple[Any, IgnoreEntry]] = []
    expired: list[tuple[Any, IgnoreEntry]] = []
    for finding in findings:
        ids = tuple(get_ids(finding))
        match = None
        for index, entry in enumerate(entries):
            if entry.matches(ids):
                used.add(index)
                match = entry
                if entry.until >= today:
                    break
        if match is None:
            kept.append(finding)
        elif match.until >= today:
            ignored.append((finding, match))
        else:
            expired.append((finding, match))
            kept.append(finding)
    stale = tuple(e for i, e in enumerate(entries) if i not in used)
    return IgnoreOutcome(tuple(kept), tuple(ignored), tuple(expired), stale)
