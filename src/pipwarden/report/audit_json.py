"""The audit's JSON document (schema ``pipwarden.audit/1``, see docs/json-schema.md)."""

from __future__ import annotations

from typing import Any

from pipwarden import __version__
from pipwarden.audit import AuditReport, Finding
from pipwarden.models import NotChecked
from pipwarden.neutral import neutral
from pipwarden.redact import redact_text
from pipwarden.report.audit_common import SCHEMA, _age_days
from pipwarden.report.notchecked import not_checked_dict

__all__ = ["not_checked_dict", "to_dict"]


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


