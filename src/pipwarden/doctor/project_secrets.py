"""doctor's view of the project secret scan: one credential finding per committed secret.

``check`` runs doctor's project checks, so both commands report the same findings from the
same scan (:mod:`pipwarden.secretscan`). A finding names the file, line and kind, never
the value; its fix says to rotate first, since a committed secret is already out.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipwarden.doctor.models import CredentialFinding, Lifetime, Status
from pipwarden.models import NotChecked
from pipwarden.secretscan import SecretFinding, scan_project

__all__ = ["merge_project_secrets", "project_secret_scan"]

_GRANTS = {
    "aws-access-key": "the AWS account as that IAM user",
    "gcp-service-account-key": "Google Cloud as that service account",
    "private-key": "whatever trusts this key (servers, deploy targets, signing)",
    "database-url-password": "the database as that user",
    "dbt-profile-secret": "the warehouse as that user or service account",
    "github-token": "the GitHub repositories and organisations of that token",
    "pypi-token": "publishing to PyPI as that project or user",
}
# detectors of credentials.py whose project findings the scan reports line by line
_SUPERSEDED = frozenset({"env-file", "dbt-profile"})


def _convert(finding: SecretFinding) -> CredentialFinding:
    kind = finding.kind.replace("-", " ")
    where = finding.where
    if finding.ignored:
        status = Status.WARN
        kind = f"{kind} in a file git ignores (present in the folder, not committed)"
        fix = f"move {finding.path} out of the project folder (keys do not belong in a repo)"
    else:
        status = Status.FAIL if finding.severity == "problem" else Status.WARN
        kind = f"{kind} committed in the project"
        fix = (f"rotate it now, then remove it from {finding.path} and read it from the "
               "environment or a secrets manager (the old value stays in git history)")
    return CredentialFinding(
        detector="project-secret",
        location=where,
        kind=kind,
        lifetime=Lifetime.LONG,
        grants=_GRANTS.get(finding.kind, "whatever the credential unlocks, to anyone who reads "
                           "the repository"),
        fix=fix,
        status=status,
        scope="project",
    )


def project_secret_scan(
    project: Path, cache_dir: Path | None = None
) -> tuple[list[CredentialFinding], list[NotChecked]]:
    """Every committed secret of ``project`` as doctor findings (per-file results kept
    under ``cache_dir``, the user's cache folder, when given), and the files the scan
    could not read (too large, unreadable) as not checked: a secret in them would go
    unseen, so they are never folded into "no credentials"."""
    scan = scan_project(project, cache_dir=cache_dir)
    unread = [
        NotChecked(
            what=rel,
            where=str(project / rel),
            reason=f"not scanned for secrets: {why}",
            next=f'move it out of the repository, or accept it: allow-unread = ["{rel}"] '
            "in the policy",
        )
        for rel, why in scan.unread
    ]
    return [_convert(f) for f in scan.findings], unread


def merge_project_secrets(
    findings: Iterable[CredentialFinding], secrets: list[CredentialFinding]
) -> list[CredentialFinding]:
    """The project-scope ``.env`` and dbt profile findings of the older detectors are left
    out where the scan reports the same file line by line; everything else is kept."""
    covered = {s.location.split(":", 1)[0] for s in secrets}
    kept = [
        f for f in findings
        if not (f.scope == "project" and f.detector in _SUPERSEDED
                and f.location.split(":", 1)[0].split(" ", 1)[0] in covered)
    ]
    return kept + secrets
