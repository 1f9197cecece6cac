"""The audit as Markdown (CI job summaries): HTML escaped, links to osv.dev."""

from __future__ import annotations

from pipwarden.advice import NO_SAFE_VERSION
from pipwarden.audit import AuditReport
from pipwarden.redact import redact_text
from pipwarden.report.audit_common import _next_step, _sev, data_line, headline
from pipwarden.report.output import md_text

__all__ = ["render_markdown"]


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


