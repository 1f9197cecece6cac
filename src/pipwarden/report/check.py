"""The `pipwarden check` report: one verdict line, then a section per concern.

Every section answers the same three questions: is it OK, what is wrong, what to type next.
"""

from __future__ import annotations

import json
from typing import Any

from pipwarden import __version__
from pipwarden.check import CheckReport
from pipwarden.errors import UsageError
from pipwarden.models import Level
from pipwarden.report import audit as audit_report
from pipwarden.report.output import Style, json_text, md_code, md_text, plural

__all__ = ["SCHEMA", "render", "to_dict", "verdict"]

SCHEMA = "pipwarden.check/1"

_LEVEL_MARK = {
    Level.RISK: ("✗", "red"),
    Level.WARN: ("⚠", "yellow"),
    Level.UNKNOWN: ("?", "dim"),
    Level.INFO: ("·", "dim"),
    Level.OK: ("✓", "green"),
}



def verdict(report: CheckReport) -> tuple[str, str]:
    """The headline mark and text: ``✗`` problems, ``?`` something not checked, ``·`` clean
    but not everything was read (accepted by the policy, or nothing to audit), ``✓`` only
    when every part read its input and found nothing."""
    problems, _ = report.counts()
    unread = len(report.unread)
    if problems:
        return "✗", f"{plural(problems, 'problem')} need{'s' if problems == 1 else ''} action"
    if unread:  # never ✓ while any part is not checked
        return "?", f"{unread} not checked"
    accepted = sum(1 for n in report.all_not_checked if n.by_policy)
    if accepted:
        return "·", f"no problems; {accepted} not read (accepted by the policy)"
    if report.audit is not None and audit_report.headline(report.audit)[0] == "·":
        return "·", "no problems; no packages to audit"  # read, but empty
    return "✓", "no problems"


def _header(report: CheckReport, s: Style) -> list[str]:
    inputs = ", ".join(report.inputs) or "no requirement files"
    if report.venv is not None:
        env = ".venv" if report.venv.endswith(".venv") else f"venv {report.venv}"
    else:
        env = "no .venv"
    problems, warnings = report.counts()
    data = audit_report.data_line(report.audit) if report.audit else "no vulnerability data"
    unread = len(report.unread)
    mark, text = verdict(report)
    color = {"✗": "red", "?": "yellow", "✓": "green"}.get(mark)
    verdict_text = s(f"{mark} {text}", *((color,) if color else ()), "bold")
    tail = f" · {plural(warnings, 'warning')}" if warnings else ""
    if problems and unread:
        tail += f" · {unread} not checked"
    title = f"{inputs}, {env}"
    if report.venv is not None and str(report.project) == report.venv:  # check path/to/.venv
        title = f"environment {report.venv}"
    return [
        s(f"pipwarden check — {report.name} ({title})", "bold"),
        f"{verdict_text}{tail} · {data}",
    ]


def _audit_section(report: CheckReport, s: Style) -> list[str]:
    audit = report.audit
    if audit is None:
        return []
    where = ", ".join(audit.targets)
    lines = ["", s(f"Vulnerabilities ({where or 'nothing read'})", "bold")]
    if not audit.findings:
        mark, text = audit_report.headline(audit)
        color = {"✓": "green", "✗": "red", "?": "yellow", "·": "dim"}[mark]
        lines.append(f"  {s(mark, color)} {text}")
    body = audit_report.render_text(audit, style=s).splitlines()[2:]  # skip title + verdict
    lines.extend("  " + line for line in body if line.strip())
    return lines


def _lint_section(report: CheckReport, s: Style) -> list[str]:
    lint = report.lint
    if lint is None:
        return []
    lines = ["", s("Requirements hygiene", "bold")]
    if not lint.findings and not lint.errors and not lint.files:  # nothing read: no ✓
        lines.append("  · no requirements file or pyproject.toml to lint")
        return lines
    if not lint.findings and not lint.errors:
        lines.append(
            f"  {s('✓', 'green')} {plural(len(lint.files), 'file')} follow the rules "
            "(floors, no pins, one trusted index)"
        )
        return lines
    for err in lint.errors:
        lines.append(f"  {s('✗', 'red')} {err}")
    for f in lint.findings[:12]:
        lines.append(f"  {f.where}  {s(f.code, 'bold')} {f.message}")
    if len(lint.findings) > 12:
        lines.append(f"  … and {len(lint.findings) - 12} more: pipwarden lint")
    fixable = lint.fixable  # what --fix resolves, counted as lint --fix counts it
    if fixable:
        count = f"{fixable} problem{'s' if fixable != 1 else ''}"
        lines.append(s(f"  → pipwarden lint --fix   (fixes {count})", "bold"))
    return lines


def _vet_section(report: CheckReport, s: Style) -> list[str]:
    vet = report.vet
    if vet is None:
        return []
    lines = ["", s("Dependency risk", "bold")]
    flagged = [p for p in vet.packages if p.verdict >= Level.WARN]
    for pkg in sorted(flagged, key=lambda p: (-p.verdict, p.name)):
        mark, color = _LEVEL_MARK[pkg.verdict]
        reasons = "; ".join(r.rstrip(".") for r in pkg.reasons[:2]) or pkg.verdict.label
        lines.append(f"  {s(mark, color)} {s(pkg.display_name, 'bold')}  {reasons}")
    unknown = sum(1 for p in vet.packages if p.verdict is Level.UNKNOWN)
    judged = len(vet.packages) - len(flagged) - unknown
    other = "other " if flagged else ""
    if judged:
        lines.append(
            f"  {s('✓', 'green')} "
            f"{plural(judged, other + 'direct dependency', other + 'direct dependencies')}"
            ": no warning"
        )
    if unknown:
        why = ("offline: name checks and cached PyPI data only" if vet.offline
               else "PyPI data missing")
        lines.append(
            f"  {s('?', 'yellow')} "
            f"{plural(unknown, other + 'direct dependency', other + 'direct dependencies')}"
            f" not fully checked ({why})"
        )
        lines.append(
            "      → run pipwarden check without --offline to judge them"
            if vet.offline else "      → pipwarden vet NAME   once PyPI answers"
        )
    if flagged:
        lines.append(s("  → pipwarden vet NAME   for the full assessment", "bold"))
    return lines


def _also_vulnerable(report: CheckReport, name: str) -> str:
    """For a package slim calls unused while the audit asks to raise it: one answer for
    both (removing it is the fix of both; if it stays, the audit's floor)."""
    findings = [f for f in report.audit.findings if f.package == name] if report.audit else []
    if not findings:
        return ""
    floor = findings[0].safe_floor
    keep = f"if you keep it, raise it to {name}>={floor}" if floor else (
        "if you keep it: no safe version known")
    return f"; it also has known vulnerabilities: remove it ({keep})"


def _slim_section(report: CheckReport, s: Style) -> list[str]:
    slim = report.slim
    if slim is None:
        return []
    lines = ["", s("Dependencies you may not need", "bold")]
    items: list[str] = []
    for u in slim.unused:
        items.append(
            f"{u.dependency.raw_name}: declared but never imported or called"
            + (f" ({u.note})" if u.note else "")
            + _also_vulnerable(report, u.dependency.name)
        )
    for und in slim.undeclared:
        via = f", arrives via {', '.join(und.via)}" if und.via else ""
        items.append(f"{und.distribution}: imported but not declared{via}")
    for st in slim.stdlib:
        items.append(
            f"{st.dependency.raw_name}: the standard library has "
            f"{st.alternative.replacement} (Python {st.alternative.min_python_text}+)"
        )
    for ov in slim.overlaps:
        items.append(f"{' + '.join(ov.names)} do the same job ({ov.job})")
    unread = getattr(slim, "problems", ())
    if unread:  # a warning-only part: shown as ?, never ✓, without failing the check
        lines.append(
            f"  {s('?', 'yellow')} {plural(len(unread), 'source file')} not checked "
            f"(e.g. {unread[0]}): → pipwarden slim"
        )
    if not items and not slim.declared:  # nothing declared was read: no ✓
        lines.append("  · no declared dependencies read")
    elif not items and not unread:
        lines.append(f"  {s('✓', 'green')} every declared dependency is used")
    for item in items[:8]:
        lines.append(f"  · {item}")
    if len(items) > 8:
        lines.append(f"  … and {len(items) - 8} more")
    heavy = sorted(slim.weights, key=lambda w: -len(w.brings))[:1]
    for w in heavy:
        if w.brings:
            lines.append(
                f"  · heaviest: {w.name} brings {plural(len(w.brings), 'package')}, "
                f"{len(w.only_through)} only through it"
            )
    if items:
        lines.append(s("  → pipwarden slim   for details", "bold"))
    return lines


def _doctor_section(report: CheckReport, s: Style) -> list[str]:
    doctor = report.doctor
    if doctor is None:
        return []
    from pipwarden.doctor.models import Status

    marks = {
        Status.PASS: ("✓", "green"),
        Status.INFO: ("·", "dim"),
        Status.WARN: ("⚠", "yellow"),
        Status.FAIL: ("✗", "red"),
    }
    lines = ["", s("Environment", "bold")]
    for check in doctor.checks:
        mark, color = marks[check.status]
        text = check.title + (
            f": {check.detail}" if check.detail and check.status >= Status.WARN else ""
        )
        lines.append(f"  {s(mark, color)} {text}")
        if check.fix and check.status >= Status.WARN:
            lines.append(f"      → {check.fix}")
    for cred in doctor.credentials:
        mark, color = marks[cred.status]
        lines.append(f"  {s(mark, color)} {cred.kind} in {cred.location}")
        if cred.fix and cred.status >= Status.WARN:
            lines.append(f"      → {cred.fix}")
    return lines


def _errors_section(report: CheckReport, s: Style) -> list[str]:
    if not (report.errors or report.not_checked):
        return []
    lines = ["", s("Could not check", "bold")]
    for err in report.errors:
        lines.append(f"  {s('✗', 'red')} {err.part}: {err.message}")
        if err.hint:
            lines.extend(f"      {h}" for h in err.hint.splitlines())
    for item in report.not_checked:  # the audit lists its own under Vulnerabilities
        lines.append(f"  {s('?', 'yellow')} {item.what}: {item.reason}")
        if item.next:
            lines.append(f"      → {item.next}")
    return lines


def render_text(report: CheckReport, *, style: Style | None = None) -> str:
    s = style or Style(False)
    lines = _header(report, s)
    for part in (
        _errors_section,
        _audit_section,
        _lint_section,
        _vet_section,
        _slim_section,
        _doctor_section,
    ):
        lines.extend(part(report, s))
    return "\n".join(lines) + "\n"


def to_dict(report: CheckReport) -> dict[str, Any]:
    """The union of the commands' documents, one key per part (``null`` when not run)."""
    problems, warnings = report.counts()
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "tool": {"name": "pipwarden", "version": __version__},
        "project": report.name,
        "path": str(report.project),
        "inputs": list(report.inputs),
        "venv": report.venv,
        "status": report.status,
        "summary": {
            "problems": problems,
            "warnings": warnings,
            "not_checked": len(report.unread),
            "exit_code": report.exit_code,
        },
        "not_checked": [audit_report.not_checked_dict(n) for n in report.all_not_checked],
        "errors": [
            {"part": e.part, "message": e.message, "hint": e.hint, "exit_code": e.exit_code}
            for e in report.errors
        ],
        "audit": audit_report.to_dict(report.audit) if report.audit else None,
        "lint": None,
        "vet": None,
        "slim": None,
        "doctor": None,
    }
    if report.lint is not None:
        from pipwarden.report.lint import render_json as lint_json

        doc["lint"] = json.loads(lint_json(report.lint))
    if report.vet is not None:
        from pipwarden.report.vet import to_dict as vet_dict

        doc["vet"] = vet_dict(report.vet)
    if report.slim is not None:
        from pipwarden.report.slim import to_dict as slim_dict

        doc["slim"] = slim_dict(report.slim)
    if report.doctor is not None:
        from pipwarden.report.doctor import to_dict as doctor_dict

        doc["doctor"] = doctor_dict(report.doctor)
    return doc


def render_markdown(report: CheckReport) -> str:
    problems, warnings = report.counts()
    unread = len(report.unread)
    icon = {"✗": "❌", "?": "❔", "·": "➖", "✓": "✅"}[verdict(report)[0]]
    tail = f" · {unread} not checked" if unread else ""
    lines = [
        f"# {icon} pipwarden check — {md_text(report.name)}",
        "",
        f"**{plural(problems, 'problem')} need{'s' if problems == 1 else ''} action**"
        f" · {plural(warnings, 'warning')}{tail}",
        "",
    ]
    for err in report.errors:
        lines.append(f"- ❌ {err.part}: {md_text(err.message)}")
    for item in report.not_checked:
        lines.append(
            f"- ❔ not checked: {md_text(item.what)}: {md_text(item.reason)}. "
            f"Next: {md_code(item.next)}"
        )
    if report.audit is not None:
        from pipwarden.report.audit_markdown import render_markdown as audit_md

        body = audit_md(report.audit, title="Vulnerabilities")
        lines += ["", body.replace("## ", "### ", 1).rstrip()]
    if report.lint is not None:
        lines += ["", "### Requirements hygiene", ""]
        if not report.lint.findings and not report.lint.files:
            lines.append("no requirements file or pyproject.toml to lint")
        elif not report.lint.findings:
            lines.append("✅ all rules pass")
        for f in report.lint.findings[:30]:
            lines.append(f"- {md_code(f.where)} **{f.code}** {md_text(f.message)}")
    if report.vet is not None:
        lines += ["", "### Dependency risk", ""]
        flagged = [p for p in report.vet.packages if p.verdict >= Level.WARN]
        if not flagged:
            lines.append("✅ no direct dependency raises a warning")
        for pkg in flagged:
            lines.append(
                f"- **{md_text(pkg.display_name)}** ({pkg.verdict.label}): "
                + md_text("; ".join(pkg.reasons[:3]))
            )
    if report.slim is not None:
        lines += ["", "### Dependencies you may not need", ""]
        for u in report.slim.unused:
            lines.append(f"- {md_code(u.dependency.raw_name)} is declared but never used"
                         + md_text(_also_vulnerable(report, u.dependency.name)))
        for und in report.slim.undeclared:
            lines.append(f"- {md_code(und.distribution)} is imported but not declared")
        if not report.slim.declared:
            lines.append("no declared dependencies read")
        elif not (report.slim.unused or report.slim.undeclared):
            lines.append("✅ every declared dependency is used")
    if report.doctor is not None:
        from pipwarden.report.doctor import render_markdown as doctor_md

        lines += ["", doctor_md(report.doctor).replace("# ", "### ", 1).rstrip()]
    return "\n".join(lines).rstrip() + "\n"


def render(report: CheckReport, fmt: str, *, style: Style | None = None) -> str:
    if fmt == "cyclonedx":
        from pipwarden.report.cyclonedx import render_cyclonedx

        if report.audit is None:
            raise UsageError(
                f"{report.project}: no dependencies were audited, so there is no bill of "
                "materials to write",
                hint="Run `pipwarden check` without --format cyclonedx to see why.",
            )
        return render_cyclonedx(report.audit, project=report.name)
    if fmt == "json":
        return json_text(to_dict(report))
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "sarif":
        return _sarif(report)
    if fmt == "html":
        from pipwarden.report.html_pages import render_check_html

        return render_check_html(report)
    return render_text(report, style=style)


def _sarif(report: CheckReport) -> str:
    """One SARIF log with two runs: vulnerabilities and lint findings."""
    from pipwarden.report.audit_sarif import to_sarif

    runs: list[Any] = []
    if report.audit is not None:
        runs.extend(to_sarif(report.audit)["runs"])
    elif report.not_checked:
        from pipwarden.audit import AuditReport

        nothing = AuditReport((), (), (), (), report.not_checked, (), 0, None, report.policy)
        runs.extend(to_sarif(nothing)["runs"])
    if report.lint is not None:
        from pipwarden.report.lint import render_sarif as lint_sarif

        runs.extend(json.loads(lint_sarif(report.lint))["runs"])
    return (
        json.dumps(
            {
                "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
                "version": "2.1.0",
                "runs": runs,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
