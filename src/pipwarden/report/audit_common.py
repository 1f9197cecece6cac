"""What every audit format shares: the verdict, the data line, severity labels, the next step."""

from __future__ import annotations

import datetime as dt

from pipwarden.advice import NO_SAFE_VERSION, crosses_major
from pipwarden.audit import AuditReport, Finding
from pipwarden.models import Severity
from pipwarden.redact import redact_text
from pipwarden.report.output import Style, plural

__all__ = ["SCHEMA", "data_line", "headline", "not_checked_lines", "verdict_line"]

SCHEMA = "pipwarden.audit/1"


def _age_days(report: AuditReport, now: dt.datetime | None = None) -> float | None:
    """The age of the data (its newest record), not of the import; ``None``: unknown."""
    meta = report.database
    if meta is None:
        return None
    return meta.age_days(now)


def data_line(report: AuditReport) -> str:
    """``vulnerability data from 2026-11-25 (1 day old)``: the date of the newest record."""
    meta = report.database
    if meta is None:
        return "no vulnerability data"
    age = _age_days(report)
    if meta.data_date is None or age is None:
        return "vulnerability data of unknown date"
    days = int(age)
    old = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} old"
    return f"vulnerability data from {meta.data_date.date().isoformat()} ({old})"


UNKNOWN_HINT = (
    'no severity in the advisory: treated as critical; set unknown-severity = "warn" in the '
    "policy to accept"
)


def _label(severity: Severity) -> str:
    """``unknown severity`` rather than a bare ``unknown``; other labels as they are."""
    return "unknown severity" if severity is Severity.UNKNOWN else severity.label


def _urgent(severity: Severity) -> bool:
    """High, critical, unknown (it could be critical) and known malicious show in red."""
    return severity.rank >= Severity.HIGH.rank


def _sev(f: Finding) -> str:
    if f.severity is Severity.MALICIOUS:
        return "KNOWN MALICIOUS"
    if f.score is not None:
        return f"{f.severity.label} {f.score:.1f}"
    return _label(f.severity)


def _ids(f: Finding, limit: int = 4) -> str:
    ids = list(f.ids)
    shown = " / ".join(ids[:limit])
    return shown + (f" (+{len(ids) - limit})" if len(ids) > limit else "")



def _vulns(n: int) -> str:
    return plural(n, "known vulnerability", "known vulnerabilities")


def verdict_line(report: AuditReport) -> tuple[bool, str]:
    findings = report.findings
    if not findings:
        return True, f"no known vulnerabilities in {plural(report.packages_audited, 'package')}"
    packages = {(f.package, f.version, f.specifier) for f in findings}
    by_sev: dict[str, int] = {}
    for f in findings:
        by_sev[_label(f.severity)] = by_sev.get(_label(f.severity), 0) + 1
    order = [_label(s) for s in sorted(Severity, key=lambda s: s.rank, reverse=True)]
    detail = ", ".join(f"{by_sev[s]} {s}" for s in order if s in by_sev)
    failing = len(report.failing)
    below = ""
    accepted = sum(1 for f in findings if f.severity is Severity.UNKNOWN and
                   not report.policy.fails(f.severity))
    if failing + accepted < len(findings):
        below = (f"; {len(findings) - failing - accepted} below "
                 f"fail-on={report.policy.fail_on.label}")
    if accepted:
        below += f'; {accepted} of unknown severity accepted (unknown-severity = "warn")'
    return (
        failing == 0,
        f"{_vulns(len(findings))} in {plural(len(packages), 'package')} ({detail}){below}",
    )


def headline(report: AuditReport) -> tuple[str, str]:
    """The verdict mark (``✓``, ``✗``, ``?`` or ``·``) and line. ``✓`` only when everything
    was read and checked: anything not checked turns it into ``?`` (or adds to a ``✗``), an
    audit that read nothing but files the policy lets go unread is ``·``, and an audit
    that read no package never says "0 packages"."""
    ok, line = verdict_line(report)
    unread = report.unread
    if not unread:
        accepted = [n for n in report.not_checked if n.by_policy]
        if ok and accepted and report.packages_audited == 0 and not report.findings:
            return "·", f"nothing audited; {len(accepted)} not read (accepted by the policy)"
        if ok and report.packages_audited == 0 and not report.findings:
            return "·", "no packages to audit in what was read"  # read, but empty: no ✓
        return ("✓" if ok else "✗"), line
    names = ", ".join(redact_text(n.what) for n in unread[:3])
    more = f" (+{len(unread) - 3} more)" if len(unread) > 3 else ""
    note = f"{len(unread)} not checked: {names}{more}"
    if not ok:
        return "✗", f"{line}; {note}"
    if report.packages_audited == 0 and not report.findings:
        return "?", f"nothing audited; {note}"
    return "?", f"{line}; {note}"


def not_checked_lines(report: AuditReport, s: Style) -> list[str]:
    """``?`` lines for what was not checked (with the next command); accepted ones as ``·``."""
    lines: list[str] = []
    for item in report.not_checked:
        what = redact_text(item.what)
        head = what if item.where == item.what else f"{item.where}  {what}"
        if item.blocking:
            lines.append(f"  {s('?', 'yellow')} {head}: {item.reason}")
            if item.next:
                lines.append(f"      → {item.next}")
        else:
            lines.append(f"  · {head}: {item.reason} (accepted: {item.accepted})")
    return lines


def _next_step(report: AuditReport, *, wrap: bool = False) -> str | None:
    """What to do next, in one line (``wrap``: more than four floors one per line)."""
    installed = [f for f in report.findings if f.kind == "installed"]
    declared = [f for f in report.findings if f.kind in ("floor", "pinned")]
    hints: list[str] = []
    if installed:
        hints.append("pipwarden update")
    # One floor per package, the same for every finding of it (pipwarden.advice).
    raises = {f.package: f.safe_floor for f in declared if f.safe_floor}
    unsafe = sorted({f.package for f in declared if f.no_safe_version})
    if raises:
        # every floor, each once: the advice is the report's answer, never "(+N more)"
        pinned = {f.package: f.version for f in declared if f.kind == "pinned"}
        wanted = [
            f"{name}>={v}" + (f" (a new major version: you pin {pinned[name]})"
                              if wrap and crosses_major(pinned.get(name), v) else "")
            for name, v in raises.items()
        ]
        shown = ", ".join(wanted)
        if wrap and len(wanted) > 4:
            shown = "\n    " + "\n    ".join(wanted)
        hints.append(f"raise the floor{'s' if len(raises) > 1 else ''}: {shown}")
    note = f"{NO_SAFE_VERSION} for {', '.join(unsafe)}: look for an alternative" if unsafe else ""
    if not hints:
        return f"→ {note}" if note else None
    step = "→ " + "   (or ".join(hints) + (")" if len(hints) > 1 else "")
    return f"{step} · {note}" if note else step


