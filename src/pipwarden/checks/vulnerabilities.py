"""Known vulnerabilities of the version considered, and known-malicious (``MAL-``) records.

Advisories come from the local OSV database (``pipwarden db update``); the orchestration
looks them up and puts them in the context. Version matching uses
``pipwarden.vulndb.ranges.is_affected`` (OSV evaluation rules).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Severity, Signal, canonical_name

__all__ = ["NO_DATABASE", "check", "is_malicious", "severity_of"]

NO_DATABASE = "no vulnerability database: run `pipwarden db update`"


def _matcher() -> Callable[..., bool] | None:
    """The OSV matcher (a seam for tests)."""
    from pipwarden.vulndb.ranges import is_affected

    return is_affected


def is_malicious(advisory: Any) -> bool:
    flag = getattr(advisory, "is_malicious", None)
    if isinstance(flag, bool):
        return flag
    return str(getattr(advisory, "id", "")).startswith("MAL-")


def severity_of(advisory: Any) -> Severity:
    value = getattr(advisory, "severity", None)
    if isinstance(value, Severity):
        return value
    if isinstance(value, str):
        try:
            return Severity.parse(value)
        except ValueError:
            return Severity.UNKNOWN
    return Severity.UNKNOWN


def _affects(advisory: Any, name: str, version: str, match: Callable[..., bool]) -> bool:
    entries = [
        e
        for e in getattr(advisory, "affected", ()) or ()
        if canonical_name(str(getattr(e, "package", "") or "")) == name
    ]
    record_id = str(getattr(advisory, "id", ""))
    try:
        return any(match(version, e, record_id=record_id) for e in entries)
    except ValueError:  # a version too long to evaluate: counted as affecting (fail closed)
        return True


def _ids(advisories: Sequence[Any]) -> list[str]:
    return [str(getattr(a, "id", "?")) for a in advisories]


def _ignored_note(ignored: Sequence[Any]) -> str:
    ids = _ids(ignored)
    more = " …" if len(ids) > 3 else ""
    return f"{len(ids)} ignored by your policy: {', '.join(ids[:3])}{more}"


def check(ctx: PackageContext) -> Signal:
    if ctx.advisories is None:
        reason = ctx.advisories_error or NO_DATABASE
        return Signal("vulnerabilities", Level.UNKNOWN, f"Vulnerabilities unknown: {reason}.")
    advisories = list(ctx.advisories)
    malicious = [a for a in advisories if is_malicious(a)]
    if malicious:
        ids = _ids(malicious)
        return Signal(
            "vulnerabilities",
            Level.RISK,
            f"Known malicious: {', '.join(ids[:3])} reports this package as malware. "
            "Do not install it.",
            {"malicious": ids},
        )
    if not advisories and not ctx.ignored_advisories:
        return Signal("vulnerabilities", Level.OK, "No known vulnerabilities.", {"advisories": []})
    match = _matcher()
    if ctx.version is None or match is None:
        ids = _ids(advisories)
        if not ids:
            return Signal(
                "vulnerabilities",
                Level.OK,
                f"No known vulnerabilities ({_ignored_note(ctx.ignored_advisories)}).",
                {"advisories": [], "ignored": _ids(ctx.ignored_advisories)},
            )
        return Signal(
            "vulnerabilities",
            Level.INFO,
            f"{len(ids)} vulnerabilit{'y' if len(ids) == 1 else 'ies'} recorded for some "
            "versions; the version to use is unknown here.",
            {"advisories": ids},
        )
    hits = [a for a in advisories if _affects(a, ctx.name, ctx.version, match)]
    ignored = [a for a in ctx.ignored_advisories if _affects(a, ctx.name, ctx.version, match)]
    note = f"; {_ignored_note(ignored)}" if ignored else ""
    if not hits:
        parts = [f"{len(advisories)} fixed in earlier versions"] if advisories else []
        if ignored:
            parts.append(_ignored_note(ignored))
        suffix = f" ({'; '.join(parts)})" if parts else ""
        return Signal(
            "vulnerabilities",
            Level.OK,
            f"No known vulnerabilities in {ctx.version}{suffix}.",
            {"advisories": [], "past": _ids(advisories), "ignored": _ids(ignored)},
        )
    # Unknown severity ranks next to the worst: an advisory without one could be critical.
    worst = max((severity_of(a) for a in hits), key=lambda s: s.rank)
    ids = _ids(hits)
    level = Level.RISK if worst.rank >= Severity.HIGH.rank else Level.WARN
    label = "unknown severity" if worst is Severity.UNKNOWN else worst.label
    return Signal(
        "vulnerabilities",
        level,
        f"{len(ids)} known vulnerabilit{'y' if len(ids) == 1 else 'ies'} in {ctx.version} "
        f"(worst: {label}): {', '.join(ids[:3])}{' …' if len(ids) > 3 else ''}{note}.",
        {"advisories": ids, "worst": worst.label, "ignored": _ids(ignored)},
    )
