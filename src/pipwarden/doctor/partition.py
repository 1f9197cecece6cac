"""Partitioning: several clouds' or accounts' identities on one machine.

A laptop that holds the keys of three AWS profiles and two gcloud accounts lets one
compromised package reach all of them. The check counts the distinct identities the
credential detectors saw per cloud provider and warns when there is more than one in all.
"""

from __future__ import annotations

from collections.abc import Iterable

from pipwarden.doctor.models import CheckResult, CredentialFinding, Status

__all__ = ["CLOUD_PROVIDERS", "check_partitioning", "identities_by_provider"]

CLOUD_PROVIDERS = ("aws", "gcp", "azure", "databricks", "snowflake")
_NAMES = {
    "aws": "AWS",
    "gcp": "Google Cloud",
    "azure": "Azure",
    "databricks": "Databricks",
    "snowflake": "Snowflake",
}


def identities_by_provider(findings: Iterable[CredentialFinding]) -> dict[str, set[str]]:
    """Provider → distinct identity labels; a provider seen without a label counts as one."""
    seen: dict[str, set[str]] = {}
    for finding in findings:
        if finding.provider not in CLOUD_PROVIDERS:
            continue
        labels = seen.setdefault(finding.provider, set())
        labels.update(finding.identities)
    for labels in seen.values():
        if not labels:
            labels.add("(one identity)")
    return seen


def check_partitioning(findings: Iterable[CredentialFinding]) -> CheckResult:
    by_provider = identities_by_provider(findings)
    total = sum(len(v) for v in by_provider.values())
    summary = ", ".join(
        f"{len(by_provider[p])} {_NAMES[p]}" for p in CLOUD_PROVIDERS if p in by_provider
    )
    if total <= 1:
        return CheckResult(
            "partitioning",
            Status.PASS,
            "at most one cloud identity on this machine" if total else "no cloud identities found",
            summary,
            section="partitioning",
        )
    return CheckResult(
        "partitioning",
        Status.WARN,
        f"{total} cloud identities on one machine ({summary})",
        "one compromised package or notebook reaches all of them",
        "keep one client or cloud per machine: one dev container per repository "
        "(pipwarden init writes .devcontainer/)",
        section="partitioning",
    )
