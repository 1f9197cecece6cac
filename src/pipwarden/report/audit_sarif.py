"""The audit as SARIF 2.1.0 (GitHub code scanning), results at the requirement lines."""

from __future__ import annotations

from typing import Any

from pipwarden import __version__
from pipwarden.advice import NO_SAFE_VERSION
from pipwarden.audit import AuditReport
from pipwarden.models import Severity
from pipwarden.redact import redact_text
from pipwarden.report.output import sarif_uri

__all__ = ["to_sarif"]

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


