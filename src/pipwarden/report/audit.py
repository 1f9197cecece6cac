"""Audit reports: text (default), json (stable, documented), markdown and SARIF 2.1.0."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pipwarden import __version__
from pipwarden.advice import NO_SAFE_VERSION
from pipwarden.audit import AuditReport, Finding
from pipwarden.models import NotChecked, Severity
from pipwarden.neutral import neutral
from pipwarden.redact import redact_text
from pipwarden.report.output import Style, json_text, md_text, plural, sarif_uri

__all__ = [
    "SCHEMA",
    "data_line",
    "headline",
    "not_checked_dict",
    "not_checked_lines",
    "render",
    "to_dict",
    "to_sarif",
    "verdict_line",
]

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


def _next_step(report: AuditReport) -> str | None:
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
        wanted = [f"{name}>={v}" for name, v in raises.items()]
        shown = ", ".join(wanted) if len(wanted) <= 4 else "\n    " + "\n    ".join(wanted)
        hints.append(f"raise the floor{'s' if len(raises) > 1 else ''}: {shown}")
    note = f"{NO_SAFE_VERSION} for {', '.join(unsafe)}: look for an alternative" if unsafe else ""
    if not hints:
        return f"→ {note}" if note else None
    step = "→ " + "   (or ".join(hints) + (")" if len(hints) > 1 else "")
    return f"{step} · {note}" if note else step


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
    step = _next_step(report)
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


# -- json --------------------------------------------------------------------------------------


def _finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "package": f.package,
        "version": f.version,
        "specifier": f.specifier,
        "id": f.id,
        "aliases": list(f.aliases),
        "fixed_in": list(f.fixed_in),
        "severity": f.severity.label,
        "score": f.score,
        "severity_source": f.severity_source,
        "summary": f.summary,
        "source": f.source,
        "kind": f.kind,
        "line": f.location.line if f.location else None,
        "safe_floor": f.safe_floor,
        "no_safe_version": f.no_safe_version,
        "admitted_versions": list(f.admitted),
        "dependency_paths": [list(p) for p in f.paths],
        "url": f.url,
    }


def _skipped_dict(item: NotChecked) -> dict[str, Any]:
    return {"what": redact_text(item.what), "source": item.where, "reason": item.reason}


def not_checked_dict(item: NotChecked) -> dict[str, Any]:
    """One entry of ``not_checked`` (documented in docs/json-schema.md)."""
    return {
        "what": redact_text(item.what),
        "where": redact_text(item.where),
        "line": item.location.line if item.location else None,
        "reason": item.reason,
        "next": item.next,
        "accepted": item.accepted,
        "blocking": item.blocking,
    }


def to_dict(report: AuditReport) -> dict[str, Any]:
    """The JSON document (schema ``pipwarden.audit/1``, documented in docs/json-schema.md)."""
    meta = report.database
    age = _age_days(report)
    return {
        "schema": SCHEMA,
        "tool": {"name": "pipwarden", "version": __version__},
        "status": report.status,
        "exit_code": report.exit_code,
        "targets": [neutral(redact_text(t)) for t in report.targets],
        "database": None
        if meta is None
        else {
            "records": meta.records,
            "source": redact_text(meta.source),
            "imported_at": meta.imported_at.isoformat(),
            "data_date": meta.data_date.isoformat() if meta.data_date else None,
            "age_days": round(age, 2) if age is not None else None,
        },
        "summary": {
            "packages": report.packages_audited,
            "findings": len(report.findings),
            "failing": len(report.failing),
            "ignored": len(report.ignored),
            "skipped": len(report.skipped),
            "not_checked": len(report.unread),
            "fail_on": report.policy.fail_on.label,
            "unknown_severity": report.policy.unknown_severity,
            "release_lists_used": report.releases_used,
        },
        "findings": [_finding_dict(f) for f in report.findings],
        "ignored": [
            {
                **_finding_dict(f),
                "reason": e.reason,
                "until": e.until.isoformat(),
                "ignore_location": e.location,
            }
            for f, e in report.ignored
        ],
        "expired_ignores": [
            {
                "id": e.id,
                "until": e.until.isoformat(),
                "reason": e.reason,
                "location": e.location,
                "package": f.package,
            }
            for f, e in report.expired
        ],
        "stale_ignores": [
            {"id": e.id, "until": e.until.isoformat(), "location": e.location}
            for e in report.stale_ignores
        ],
        "skipped": [_skipped_dict(s) for s in report.skipped],
        "not_checked": [not_checked_dict(n) for n in report.not_checked],
    }


# -- markdown ------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return md_text(text)


def render_markdown(report: AuditReport, *, title: str = "pipwarden audit") -> str:
    mark, text = headline(report)
    icon = {"✓": "✅", "✗": "❌", "?": "❔", "·": "➖"}[mark]
    lines = [
        f"## {icon} {title}",
        "",
        f"**{_md(text)}** · {data_line(report)}",
        "",
    ]
    if report.findings:
        lines += [
            "| package | version / range | ids | severity | fixed in | where |",
            "|---|---|---|---|---|---|",
        ]
        for f in report.findings:
            version = f.version or f.specifier or ""
            ids = " ".join(f"[{i}](https://osv.dev/vulnerability/{i})" for i in f.ids[:4])
            fix = ", ".join(f.fixed_in) or "none yet"
            if f.safe_floor:
                fix += f" (raise the floor to >={f.safe_floor})"
            elif f.no_safe_version:
                fix += f" ({NO_SAFE_VERSION})"
            lines.append(
                f"| {_md(f.package)} | {_md(version)} | {ids} | {_sev(f)} | {_md(fix)} "
                f"| {_md(f.source)} |"
            )
        lines.append("")
    for _f, e in report.expired:
        lines.append(f"- ⚠️ ignore of `{e.id}` expired on {e.until.isoformat()} ({e.location})")
    for e in report.stale_ignores:
        lines.append(f"- stale ignore `{e.id}` matched nothing ({e.location})")
    for item in report.not_checked:
        what = _md(redact_text(item.what))
        if item.blocking:
            then = f" Next: `{_md(item.next)}`" if item.next else ""
            where = "" if item.where == item.what else f" ({_md(item.where)})"
            lines.append(f"- ❔ **not checked**: `{what}`{where}: {item.reason}.{then}")
        else:
            lines.append(
                f"- not checked (accepted: {_md(item.accepted or '')}): `{what}` "
                f"({_md(item.where)}): {item.reason}"
            )
    step = _next_step(report)
    if step:
        lines += ["", f"Next: `{step.removeprefix('→ ').split('   ')[0]}`"]
    return "\n".join(lines).rstrip() + "\n"


# -- sarif ----------------------------------------------------------------------------------------

_SARIF_LEVEL = {
    Severity.MALICIOUS: "error",
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "error",  # treated as critical: it could be
}


def to_sarif(report: AuditReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for f in report.findings:
        rules.setdefault(
            f.id,
            {
                "id": f.id,
                "name": f.id.replace("-", ""),
                "shortDescription": {"text": f.summary or f.id},
                "helpUri": f.url,
                "properties": {
                    "security-severity": f"{f.score:.1f}"
                    if f.score is not None
                    else {
                        Severity.MALICIOUS: "10.0",
                        Severity.CRITICAL: "9.5",
                        Severity.HIGH: "8.0",
                        Severity.MEDIUM: "5.5",
                        Severity.LOW: "2.0",
                    }.get(f.severity, "9.0"),  # unknown: treated as critical
                    "tags": ["security", "vulnerability", "supply-chain"],
                    "aliases": list(f.aliases),
                },
            },
        )
        if f.kind == "floor":
            text = (
                f"{f.package}{'' if f.specifier == '(any version)' else f.specifier} admits "
                f"versions affected by {f.id} ({f.summary})"
            )
        else:
            fix = f"; fixed in {', '.join(f.fixed_in)}" if f.fixed_in else ""
            text = f"{f.package} {f.version} is affected by {f.id} ({f.summary}){fix}"
        if f.safe_floor:
            text += f"; raise the floor to >={f.safe_floor}"
        elif f.no_safe_version:
            text += f"; {NO_SAFE_VERSION}"
        location: dict[str, Any]
        if f.location is not None:
            region = {"startLine": f.location.line or 1}
            if f.location.column:
                region["startColumn"] = f.location.column
            location = {
                "physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(f.location.path)},
                    "region": region,
                }
            }
        else:
            location = {"physicalLocation": {"artifactLocation": {"uri": sarif_uri(f.source)}}}
        results.append(
            {
                "ruleId": f.id,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": text},
                "locations": [location],
                "partialFingerprints": {
                    "pipwarden/v1": f"{f.package}:{f.version or f.specifier}:{f.id}"
                },
            }
        )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pipwarden",
                        "version": __version__,
                        "informationUri": "https://github.com/pipwarden/pipwarden",
                        "rules": list(rules.values()),
                    }
                },
                "results": results,
                "invocations": [_sarif_invocation(report)],
            }
        ],
    }


def _sarif_invocation(report: AuditReport) -> dict[str, Any]:
    """``executionSuccessful`` is false while anything is not checked; each entry is a tool
    execution notification (level ``error`` when it fails the run, else ``note``)."""
    notes: list[dict[str, Any]] = []
    for item in report.not_checked:
        where = "" if item.where == item.what else f" ({redact_text(item.where)})"
        text = f"not checked: {redact_text(item.what)}{where}: {item.reason}"
        if item.next:
            text += f"; next: {item.next}"
        if item.accepted:
            text += f" (accepted: {item.accepted})"
        note: dict[str, Any] = {
            "level": "error" if item.blocking else "note",
            "message": {"text": text},
            "descriptor": {"id": "not-checked"},
        }
        path: str = item.location.path if item.location is not None else item.where
        region = (
            {"region": {"startLine": item.location.line}}
            if item.location is not None and item.location.line
            else {}
        )
        note["locations"] = [
            {"physicalLocation": {"artifactLocation": {"uri": sarif_uri(redact_text(path))},
                                  **region}}
        ]
        notes.append(note)
    return {"executionSuccessful": not report.unread, "toolExecutionNotifications": notes}


def render(report: AuditReport, fmt: str, *, style: Style | None = None) -> str:
    """Render ``report`` in ``fmt`` (text, json, markdown, sarif, cyclonedx)."""
    if fmt == "cyclonedx":
        from pipwarden.report.cyclonedx import render_cyclonedx

        return render_cyclonedx(report)
    if fmt == "json":  # compact: the C encoder; `| python -m json.tool` to read it
        return json_text(to_dict(report))
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "sarif":
        return json_text(to_sarif(report))
    return render_text(report, style=style)
