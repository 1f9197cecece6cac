"""Rendering a :class:`~pipwarden.doctor.DoctorReport` as text, JSON or markdown.

Every screen answers: is it OK? what is wrong? what do I type next? A report holds no
secret values (the detectors never keep them), so rendering cannot leak one.
"""

from __future__ import annotations

from typing import Any

from pipwarden.doctor.models import CheckResult, CredentialFinding, DoctorReport, Status
from pipwarden.report.notchecked import not_checked_dict
from pipwarden.report.output import Style, json_text, md_text

__all__ = ["JSON_SCHEMA_VERSION", "render_json", "render_markdown", "render_text", "to_dict"]

JSON_SCHEMA_VERSION = 1

_ICONS = {Status.PASS: "✓", Status.INFO: "·", Status.WARN: "⚠", Status.FAIL: "✗"}
_COLOURS = {Status.PASS: "green", Status.INFO: "dim", Status.WARN: "yellow", Status.FAIL: "red"}
_SECTIONS = (
    ("project", "Project"),
    ("environment", "Python and pip"),
    ("credentials", "Credentials lying around"),
    ("partitioning", "Partitioning"),
    ("cost", "Cost controls"),
)


def _headline(report: DoctorReport) -> str:
    fails = report.count(Status.FAIL)
    warns = report.count(Status.WARN)
    unread = sum(1 for n in report.not_checked if n.blocking)
    if fails:
        verdict = f"✗ {fails} problem{'s' if fails != 1 else ''} need action"
    elif unread:
        verdict = f"? {unread} file{'s' if unread != 1 else ''} not checked"
    elif warns:
        verdict = "⚠ no blocking problem"
    else:
        verdict = "✓ all good"
    line = f"{verdict} · {warns} warning{'s' if warns != 1 else ''}"
    if fails and unread:
        line += f" · {unread} not checked"
    return line


def _unread_lines(report: DoctorReport, s: Style) -> list[str]:
    """The files the secret scan could not read: ``?``, why, and what to do."""
    if not report.not_checked:
        return []
    lines = ["", s("Not checked", "bold")]
    for n in report.not_checked:
        mark = "·" if not n.blocking else "?"
        lines.append(f"  {mark} {n.what}: {n.reason}")
        if n.accepted:
            lines.append(f"      accepted: {n.accepted}")
        elif n.next:
            lines.append(f"    → {n.next}")
    return lines


def render_text(report: DoctorReport, style: Style | None = None) -> str:
    s = style or Style(False)
    scope = "project and machine" if report.include_machine else "project only"
    lines = [s(f"pipwarden doctor — {report.project} ({scope})", "bold"), _headline(report)]
    for key, title in _SECTIONS:
        checks = [c for c in report.checks if c.section == key]
        creds = list(report.credentials) if key == "credentials" else []
        if not checks and not creds:
            continue
        lines += ["", s(title, "bold")]
        for check in checks:
            lines += _check_lines(check, s)
        for finding in creds:
            lines += _finding_lines(finding, s)
    lines += _unread_lines(report, s)
    fixes = [c.fix for c in report.checks if c.fix and c.status >= Status.WARN]
    fixes += [f.fix for f in report.credentials if f.status >= Status.WARN]
    if fixes:
        lines += ["", s("Next", "bold"), f"  → {fixes[0]}"]
        if len(fixes) > 1:
            lines.append(f"  … and {len(fixes) - 1} more fix(es) above")
    return "\n".join(lines) + "\n"


def _check_lines(check: CheckResult, s: Style) -> list[str]:
    icon = s(_ICONS[check.status], _COLOURS[check.status])
    out = [f"  {icon} {check.title}"]
    if check.detail:
        out.append(f"      {s(check.detail, 'dim')}")
    if check.fix and check.status >= Status.WARN:
        out.append(f"    → {check.fix}")
    return out


def _finding_lines(f: CredentialFinding, s: Style) -> list[str]:
    icon = s(_ICONS[f.status], _COLOURS[f.status])
    out = [
        f"  {icon} {f.location}",
        f"      {f.kind} · {f.lifetime.value} · grants: {f.grants}",
    ]
    if f.status >= Status.WARN:
        out.append(f"    → {f.fix}")
    return out


def _check_dict(c: CheckResult) -> dict[str, Any]:
    return {
        "id": c.id, "section": c.section, "status": c.status.label, "title": c.title,
        "detail": c.detail, "fix": c.fix,
    }


def _finding_dict(f: CredentialFinding) -> dict[str, Any]:
    return {
        "detector": f.detector, "scope": f.scope, "status": f.status.label,
        "location": f.location, "kind": f.kind, "lifetime": f.lifetime.value,
        "grants": f.grants, "fix": f.fix, "provider": f.provider,
        "identities": list(f.identities),
    }


def to_dict(report: DoctorReport) -> dict[str, Any]:
    """The stable JSON form (``schema_version`` bumps on incompatible changes)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "tool": "pipwarden doctor",
        "project": report.project,
        "include_machine": report.include_machine,
        "status": report.status.label,
        "counts": {st.label: report.count(st) for st in Status},
        "checks": [_check_dict(c) for c in report.checks],
        "credentials": [_finding_dict(f) for f in report.credentials],
        "not_checked": [not_checked_dict(n) for n in report.not_checked],
    }


def render_json(report: DoctorReport) -> str:
    return json_text(to_dict(report))


def _md(text: str) -> str:
    return md_text(text)


def render_markdown(report: DoctorReport) -> str:
    lines = [f"## pipwarden doctor — `{report.project}`", "", f"**{_headline(report)}**", ""]
    lines += ["| | check | detail | fix |", "|---|---|---|---|"]
    for c in report.checks:
        fix = f"`{_md(c.fix)}`" if c.fix and c.status >= Status.WARN else ""
        lines.append(f"| {_ICONS[c.status]} | {_md(c.title)} | {_md(c.detail)} | {fix} |")
    if report.credentials:
        lines += ["", "### Credentials lying around", ""]
        lines += ["| | location | kind | lifetime | grants | fix |", "|---|---|---|---|---|---|"]
        for f in report.credentials:
            lines.append(
                f"| {_ICONS[f.status]} | `{_md(f.location)}` | {_md(f.kind)} | {f.lifetime.value} "
                f"| {_md(f.grants)} | {_md(f.fix)} |"
            )
    if report.not_checked:
        lines += ["", "### Not checked", "", "| | file | reason | next |", "|---|---|---|---|"]
        for n in report.not_checked:
            mark = "?" if n.blocking else "·"
            what = n.accepted or n.next
            lines.append(f"| {mark} | `{_md(n.what)}` | {_md(n.reason)} | {_md(what)} |")
    return "\n".join(lines) + "\n"
