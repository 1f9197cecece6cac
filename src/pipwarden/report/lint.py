"""Rendering a lint report: text (``file:line:col: CODE message``), JSON, SARIF 2.1.0.

Messages never contain a secret: index URLs are redacted by the rules that build them.
"""

from __future__ import annotations

import difflib
from typing import Any

from pipwarden import __version__
from pipwarden.lint.engine import RULES, LintReport
from pipwarden.report.output import Style, json_text, plural, sarif_uri

__all__ = ["JSON_VERSION", "render_diff", "render_json", "render_sarif", "render_text"]

JSON_VERSION = 1
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_HELP = "https://github.com/pipwarden/pipwarden/blob/main/docs/lint-rules.md"


def render_text(report: LintReport, *, style: Style | None = None, fix_command: str = "") -> str:
    """One line per finding and per bad file, then a summary that says what to type next."""
    style = style or Style(False)
    lines: list[str] = []
    for error in report.errors:
        where = f"{error.path}:{error.line}" if error.line is not None else f"{error.path}"
        lines.append(f"{where}: {style('error', 'red', 'bold')}: {error.reason}")
    for finding in report.findings:
        code = style(finding.code, "bold", "red" if finding.level == "error" else "yellow")
        lines.append(f"{finding.where}: {code} {finding.message}")
    for note in report.skipped:
        lines.append(style(f"· {note}", "dim"))
    lines.append(_summary(report, style, fix_command or "pipwarden lint --fix"))
    return "\n".join(lines) + "\n"



def _patch_lines(text: str) -> list[str]:
    """Lines split at ``\n`` only (as ``patch`` and ``git apply`` count them), ends kept."""
    parts = text.split("\n")
    return [p + "\n" for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def render_diff(report: LintReport) -> str:
    """What ``lint --fix --diff`` would write, as one unified diff with ``a/``/``b/`` paths
    relative to the project folder (``git apply`` or ``patch -p1`` there); "" for none."""
    out: list[str] = []
    for change in report.changes:
        for line in difflib.unified_diff(
            _patch_lines(change.before), _patch_lines(change.after),
            fromfile=f"a/{change.path}", tofile=f"b/{change.path}",
        ):
            out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _summary(report: LintReport, style: Style, fix_command: str) -> str:
    files = plural(len(report.files), "file")
    fixed = f"Fixed {plural(report.fixed, 'problem')}. " if report.fixed else ""
    if not report.findings and not report.errors and not report.files:  # nothing read: no ✓
        return "· Nothing to lint: no requirements file or pyproject.toml."
    if report.preview and report.changes:  # would change: not clean (exit 1)
        would = (f"✗ Would fix {plural(report.fixed, 'problem')} in "
                 f"{plural(len(report.changes), 'file')} (--diff: nothing written; run "
                 f"`{fix_command}` to write them).")
        if not report.findings and not report.errors:
            return style(f"{would} No other problems in {files}.", "bold")
        fixed = would.removeprefix("✗ ") + " "
    if not report.findings and not report.errors:
        return style(f"✓ {fixed}No problems in {files}.", "green")
    parts: list[str] = []
    if report.findings:
        parts.append(plural(len(report.findings), "problem"))
    if report.errors:
        parts.append(plural(len(report.errors), "unreadable line") + " or file")
    text = f"✗ {fixed}{' and '.join(parts)} in {files}."
    if report.fixable:
        text += f" `{fix_command}` fixes {report.fixable} of them."
    if report.errors:
        text += " Correct the errors first: a file with an error is checked but never rewritten."
    return style(text, "bold")


def _finding_dict(report: LintReport) -> list[dict[str, Any]]:
    return [
        {
            "code": f.code,
            "rule": RULES[f.code].name if f.code in RULES else None,
            "level": f.level,
            "message": f.message,
            "path": f.path,
            "line": f.line,
            "column": f.column,
            "fixable": f.fixable,
        }
        for f in report.findings
    ]


def render_json(report: LintReport) -> str:
    """Stable JSON (``version`` 1): findings, errors, fixed count, files, skipped rules."""
    data = {
        "version": JSON_VERSION,
        "tool": {"name": "pipwarden", "version": __version__, "command": "lint"},
        "summary": {
            "files": len(report.files),
            "findings": len(report.findings),
            "fixable": report.fixable,
            "fixed": 0 if report.preview else report.fixed,
            "would_fix": report.fixed if report.preview else 0,
            "errors": len(report.errors),
        },
        "preview": report.preview,
        "diff": render_diff(report) if report.preview else None,
        "findings": _finding_dict(report),
        "errors": [{"path": e.path, "line": e.line, "message": e.reason} for e in report.errors],
        "files": list(report.files),
        "skipped": list(report.skipped),
    }
    return json_text(data)


def render_sarif(report: LintReport) -> str:
    """SARIF 2.1.0 for GitHub code scanning: one result per finding, at its line."""
    used = sorted({f.code for f in report.findings} | set(RULES))
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "helpUri": f"{_HELP}#{code.lower()}",
            "defaultConfiguration": {"level": RULES[code].level},
        }
        for code in used
        if code in RULES
    ]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in report.findings:
        location: dict[str, Any] = {"artifactLocation": {"uri": sarif_uri(f.path)}}
        if f.line is not None:
            location["region"] = {"startLine": f.line, "startColumn": f.column or 1}
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": f.level,
            "message": {"text": f.message},
            "locations": [{"physicalLocation": location}],
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        results.append(result)
    notifications = [
        {
            "level": "error",
            "message": {"text": e.reason},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": sarif_uri(e.path or "")},
                        **({"region": {"startLine": e.line}} if e.line else {}),
                    }
                }
            ],
        }
        for e in report.errors
    ]
    sarif = {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "pipwarden",
                        "version": __version__,
                        "informationUri": _HELP,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not report.errors,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
            }
        ],
    }
    return json_text(sarif)
