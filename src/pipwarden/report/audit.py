"""Audit reports: text (default), json (stable, documented), markdown and SARIF 2.1.0.

The text report lives here; the shared pieces in :mod:`pipwarden.report.audit_common`, the
other formats in ``audit_json``, ``audit_markdown`` and ``audit_sarif`` (re-exported).
"""

from __future__ import annotations

from collections.abc import Sequence

from pipwarden.advice import NO_SAFE_VERSION
from pipwarden.audit import AuditReport, Finding
from pipwarden.models import Severity
from pipwarden.neutral import neutral
from pipwarden.redact import redact_text
from pipwarden.report.audit_common import (
    SCHEMA,
    UNKNOWN_HINT,
    _ids,
    _label,
    _next_step,
    _sev,
    _urgent,
    _vulns,
    data_line,
    headline,
    not_checked_lines,
    verdict_line,
)
from pipwarden.report.audit_json import not_checked_dict, to_dict
from pipwarden.report.output import Style, json_text, plural

__all__ = [
    "SCHEMA",
    "data_line",
    "headline",
    "not_checked_dict",
    "not_checked_lines",
    "render",
    "render_text",
    "to_dict",
    "verdict_line",
]


def render_text(
    report: AuditReport, *, style: Style | None = None, title: str = "pipwarden audit"
) -> str:
    s = style or Style(False)
    lines: list[str] = []
    targets = ", ".join(report.targets) or "nothing read"
    lines.append(s(f"{title} — {redact_text(targets)}", "bold"))
    mark, text = headline(report)
    color = {"✓": "green", "✗": "red", "?": "yellow", "·": "dim"}[mark]
    lines.append(f"{s(mark, color)} {text} · {data_line(report)}")
    lines.extend(_text_findings(report.findings, s))
    lines.extend(_unknown_note(report, s))
    lines.extend(_text_extras(report, s))
    step = _next_step(report, wrap=True)
    if step:
        lines.append("")
        lines.append(s(step, "bold"))
    return "\n".join(lines) + "\n"


def _text_findings(findings: Sequence[Finding], s: Style) -> list[str]:
    lines: list[str] = []
    exact = [f for f in findings if f.kind != "floor"]
    floors = [f for f in findings if f.kind == "floor"]
    if exact:
        lines.append("")
        lines.append(s("Vulnerable versions", "bold"))
        width = max(len(f"{f.package} {f.version}") for f in exact)
        for f in exact:
            color = "red" if _urgent(f.severity) else "yellow"
            head = f"{f.package} {f.version}".ljust(width)
            lines.append(f"  {s(head, 'bold')}   {_ids(f)}   {s(_sev(f), color)}")
            pad = " " * (width + 5)
            detail = neutral(f.summary) or "(no summary)"  # not even a colour code from data
            fix = f" · fixed in {', '.join(f.fixed_in)}" if f.fixed_in else " · no fix released yet"
            lines.append(f"{pad}{detail}{fix}")
            where = f.source
            if f.paths and len(f.paths[0]) > 1:
                where += " · via " + " → ".join(f.paths[0])
            lines.append(f"{pad}{s(where, 'dim')}")
    if floors:
        lines.append("")
        lines.append(s("Requirements whose range admits vulnerable versions", "bold"))
        for spec_key, group in _group_floors(floors).items():
            where, name, spec = spec_key
            ids = ", ".join(f.id for f in group)
            worst = max(group, key=lambda f: f.severity.rank)
            color = "red" if _urgent(worst.severity) else "yellow"
            advice = _advice_text(group[0], name)
            lines.append(
                f"  {where}  {s(name + spec, 'bold')} admits "
                f"{_vulns(len(group))}"
                f" ({ids}) {s(_label(worst.severity), color)}; {advice}"
            )
    return lines


def _advice_text(f: Finding, name: str) -> str:
    """What to do about a finding's package: its safe floor, or that none is known."""
    if f.safe_floor:
        return f"raise the floor to {name}>={f.safe_floor}"
    if f.no_safe_version:
        return NO_SAFE_VERSION
    return "no release fixes all of them yet"


def _unknown_note(report: AuditReport, s: Style) -> list[str]:
    """One line on findings of unknown severity: why they fail, or that the policy accepts."""
    unknown = sum(1 for f in report.findings if f.severity is Severity.UNKNOWN)
    if not unknown:
        return []
    what = plural(unknown, "finding")
    if report.policy.fails(Severity.UNKNOWN):
        return ["", s(f"? {what} of unknown severity", "red") + f": {UNKNOWN_HINT}"]
    return ["", s(f"? {what} of unknown severity", "yellow")
            + ': accepted by the policy (unknown-severity = "warn")']


def _group_floors(floors: Sequence[Finding]) -> dict[tuple[str, str, str], list[Finding]]:
    groups: dict[tuple[str, str, str], list[Finding]] = {}
    for f in floors:
        spec = f.specifier if f.specifier and f.specifier != "(any version)" else ""
        groups.setdefault((f.source, f.package, spec), []).append(f)
    return groups


def _text_extras(report: AuditReport, s: Style) -> list[str]:
    lines: list[str] = []
    for f, entry in report.expired:
        lines.append("")
        lines.append(
            s(f"! ignore of {entry.id} expired on {entry.until.isoformat()}", "yellow")
            + f" ({entry.location}): {f.package} is reported again; fix it or renew the ignore"
        )
    if report.ignored:
        lines.append("")
        lines.append(s("Ignored by policy", "bold"))
        for f, entry in report.ignored:
            lines.append(
                f"  {f.package} {f.version or f.specifier or ''} {f.id} until "
                f"{entry.until.isoformat()}: {entry.reason}"
            )
    if report.stale_ignores:
        lines.append("")
        lines.append(s("Stale ignores (matched nothing; remove them)", "bold"))
        for entry in report.stale_ignores:
            lines.append(f"  {entry.id} ({entry.location})")
    if report.not_checked:
        lines.append("")
        lines.append(s("Not checked", "bold"))
        lines.extend(not_checked_lines(report, s))
    return lines


def render(report: AuditReport, fmt: str, *, style: Style | None = None) -> str:
    """Render ``report`` in ``fmt`` (text, json, markdown, sarif, cyclonedx)."""
    if fmt == "cyclonedx":
        from pipwarden.report.cyclonedx import render_cyclonedx

        return render_cyclonedx(report)
    if fmt == "json":  # compact: the C encoder; `| python -m json.tool` to read it
        return json_text(to_dict(report))
    if fmt == "markdown":
        from pipwarden.report.audit_markdown import render_markdown

        return render_markdown(report)
    if fmt == "sarif":
        from pipwarden.report.audit_sarif import to_sarif

        return json_text(to_sarif(report))
    return render_text(report, style=style)
