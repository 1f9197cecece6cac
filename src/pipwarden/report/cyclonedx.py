"""CycloneDX 1.6 JSON: a software bill of materials with the audit's vulnerabilities.

One component per package the audit looked at (purl ``pkg:pypi/<name>@<version>``; a range
gets a purl without a version and its specifier as a property), the dependency graph where
the input states it (installed environments), and one vulnerability per finding id with its
rating and the components it affects. Only data pipwarden read is written: nothing is
resolved or invented, and URL credentials are redacted like in every other format.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from pipwarden import __version__
from pipwarden.audit import AuditReport, Component, Finding
from pipwarden.models import Severity
from pipwarden.redact import redact_text

__all__ = ["purl", "render_cyclonedx", "to_cyclonedx"]

SPEC_VERSION = "1.6"
_OSV_URL = "https://osv.dev/vulnerability/"
_SEVERITY = {
    Severity.UNKNOWN: "unknown",
    Severity.LOW: "low",
    Severity.MEDIUM: "medium",
    Severity.HIGH: "high",
    Severity.CRITICAL: "critical",
    Severity.MALICIOUS: "critical",
}


def purl(name: str, version: str | None) -> str:
    """The package URL of a PyPI package (name normalised, version percent-encoded)."""
    base = f"pkg:pypi/{quote(name.lower().replace('_', '-'), safe='')}"
    return base if version is None else f"{base}@{quote(version, safe='')}"


def _component(item: Component, ref: str) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "library", "bom-ref": ref, "name": item.name}
    if item.version is not None:
        out["version"] = item.version
    out["purl"] = purl(item.name, item.version)
    props = [
        {"name": "pipwarden:source", "value": redact_text(item.source)},
        {"name": "pipwarden:kind", "value": item.kind},
    ]
    if item.specifier:
        props.append({"name": "pipwarden:specifier", "value": item.specifier})
    out["properties"] = props
    return out


def _refs(components: Iterable[Component]) -> dict[tuple[str, str | None, str], str]:
    """A unique bom-ref per (name, version, source): the purl, suffixed where it repeats."""
    refs: dict[tuple[str, str | None, str], str] = {}
    used: set[str] = set()
    for item in components:
        key = (item.name, item.version, item.source)
        if key in refs:
            continue
        ref = purl(item.name, item.version)
        if ref in used:
            n = 2
            while f"{ref}#{n}" in used:
                n += 1
            ref = f"{ref}#{n}"
        used.add(ref)
        refs[key] = ref
    return refs


def _rating(finding: Finding) -> dict[str, Any]:
    rating: dict[str, Any] = {"source": {"name": "OSV", "url": _OSV_URL + finding.id}}
    if finding.score is not None:
        rating["score"] = finding.score
    rating["severity"] = _SEVERITY[finding.severity]
    # the score's own method when it comes from a CVSS vector (v3.0 and v3.1 alike: CVSSv3)
    rating["method"] = {"cvss_v4": "CVSSv4", "cvss_v3": "CVSSv3"}.get(
        finding.severity_source, "other")
    return rating


def _vulnerability(finding: Finding, affects: list[dict[str, Any]]) -> dict[str, Any]:
    description = finding.summary or finding.id
    if finding.malicious:
        description = f"KNOWN MALICIOUS: {description}"
    out: dict[str, Any] = {
        "bom-ref": f"vuln:{finding.id}",
        "id": finding.id,
        "source": {"name": "OSV", "url": _OSV_URL + finding.id},
        "ratings": [_rating(finding)],
        "description": description,
        "affects": affects,
    }
    if finding.aliases:
        out["references"] = [
            {"id": alias, "source": {"name": "OSV", "url": _OSV_URL + alias}}
            for alias in finding.aliases
        ]
    if finding.safe_floor:
        out["recommendation"] = f"Raise the floor to {finding.package}>={finding.safe_floor}"
    elif finding.fixed_in:
        out["recommendation"] = f"Upgrade to {finding.package} {finding.fixed_in[0]} or later"
    return out


def to_cyclonedx(
    report: AuditReport, *, project: str | None = None, now: dt.datetime | None = None
) -> dict[str, Any]:
    """The CycloneDX 1.6 document for ``report`` (``project`` names the described folder)."""
    refs = _refs(report.components)
    by_name: dict[tuple[str, str], str] = {}
    for (name, _version, source), item_ref in refs.items():
        by_name.setdefault((name, source), item_ref)
    components = []
    seen: set[str] = set()
    for item in report.components:
        item_ref = refs[(item.name, item.version, item.source)]
        if item_ref not in seen:
            seen.add(item_ref)
            components.append(_component(item, item_ref))
    dependencies = [
        {
            "ref": refs[(item.name, item.version, item.source)],
            "dependsOn": sorted(
                {by_name[(d, item.source)] for d in item.requires if (d, item.source) in by_name}
            ),
        }
        for item in report.components
        if item.kind == "installed"
    ]
    grouped: dict[str, tuple[Finding, list[dict[str, Any]]]] = {}
    for finding in report.findings:
        key = (finding.package, finding.version, finding.source)
        ref: str | None = refs.get(key) or by_name.get((finding.package, finding.source))
        entry = grouped.setdefault(finding.id, (finding, []))
        if ref is not None and all(a["ref"] != ref for a in entry[1]):
            affected: dict[str, Any] = {"ref": ref}
            if finding.version is not None:
                affected["versions"] = [{"version": finding.version, "status": "affected"}]
            entry[1].append(affected)
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    metadata: dict[str, Any] = {
        "timestamp": stamp.isoformat().replace("+00:00", "Z"),
        "tools": {
            "components": [{"type": "application", "name": "pipwarden", "version": __version__}]
        },
    }
    if project:
        metadata["component"] = {"type": "application", "bom-ref": "project", "name": project}
    metadata["properties"] = _status_properties(report)
    doc: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": f"urn:uuid:{uuid.uuid4()}",
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
        "vulnerabilities": [_vulnerability(f, affects) for f, affects in grouped.values()],
    }
    return doc


def _status_properties(report: AuditReport) -> list[dict[str, str]]:
    """``pipwarden:status`` (clean | findings | not_checked) and one ``pipwarden:not-checked``
    per input that was not read: a BOM without them would look complete."""
    props = [{"name": "pipwarden:status", "value": report.status}]
    for item in report.not_checked:
        where = "" if item.where == item.what else f" ({item.where})"
        state = f"accepted: {item.accepted}" if item.accepted else "fails the run"
        props.append(
            {
                "name": "pipwarden:not-checked",
                "value": f"{item.what}{where}: {item.reason} [{state}]"
                + (f"; next: {item.next}" if item.next else ""),
            }
        )
    return props


def render_cyclonedx(report: AuditReport, *, project: str | None = None) -> str:
    """The document as indented JSON text."""
    return json.dumps(to_cyclonedx(report, project=project), indent=2, ensure_ascii=False) + "\n"
