"""``pipwarden doctor``: is this machine and project set up for a safe Python routine?

:func:`run_doctor` is the whole job, usable from ``pipwarden check`` for the project-level
subset (``include_machine=False``): project venv, ``.env`` files tracked by git, the
project's ``profiles.yml`` (secrets and BigQuery byte limits), project MCP configs.
The machine part adds the interpreter, the pip guard, PEP 668, a writable base Python,
every credential detector of :mod:`pipwarden.doctor.credentials` and partitioning.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pipwarden.doctor.checks import (
    PythonInfo,
    check_base_writable,
    check_externally_managed,
    check_interpreter_venv,
    check_pip_guard,
    check_project_venv,
    enable_pip_guard,
    pip_guard_source,
    user_pip_config,
)
from pipwarden.doctor.cost import check_dbt_costs, dbt_profile_files
from pipwarden.doctor.credentials import Context, find_credentials
from pipwarden.doctor.models import CheckResult, CredentialFinding, DoctorReport, Lifetime, Status
from pipwarden.doctor.partition import check_partitioning
from pipwarden.policy import Policy

__all__ = [
    "CheckResult",
    "CredentialFinding",
    "DoctorReport",
    "Lifetime",
    "PythonInfo",
    "Status",
    "enable_pip_guard",
    "pip_guard_source",
    "run_doctor",
    "user_pip_config",
]


def _credentials_summary(
    findings: list[CredentialFinding], include_machine: bool, unread: int = 0
) -> CheckResult:
    where = "on this machine and in the project" if include_machine else "in the project"
    if not findings and unread:  # never a ✓ over files the scan could not read
        return CheckResult(
            "credentials",
            Status.WARN,
            f"no credentials found in what was read {where}; {unread} file(s) not scanned "
            "(listed under Not checked)",
            section="credentials",
        )
    if not findings:
        return CheckResult(
            "credentials",
            Status.PASS,
            f"no credentials lying around {where}",
            section="credentials",
        )
    # The findings carry the verdicts; the summary stays informational so that the
    # headline counts each problem once.
    worst = max(f.status for f in findings)
    long_lived = sum(1 for f in findings if f.lifetime is Lifetime.LONG)
    action = sum(1 for f in findings if f.status >= Status.WARN)
    return CheckResult(
        "credentials",
        Status.INFO,
        f"{len(findings)} credential(s) found {where}, {long_lived} long-lived, "
        f"{action} to act on (worst: {worst.label})",
        section="credentials",
    )


def run_doctor(
    project: Path,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
    include_machine: bool = True,
    python: PythonInfo | None = None,
    cache_dir: Path | None = None,
    policy: Policy | None = None,
) -> DoctorReport:
    """Run every check for ``project`` (and the machine unless ``include_machine=False``).

    ``environ`` defaults to :data:`os.environ`; ``home`` to ``$HOME`` from that environment;
    ``python`` to the running interpreter. Nothing is written and no secret is kept.
    ``policy``: the project's (a project file the secret scan could not read is not
    checked, and fails the run unless its ``allow-unread`` accepts the file).
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    home_dir = home if home is not None else Path(env.get("HOME") or Path.home())
    project = project.resolve()
    ctx = Context(home=home_dir, environ=env, project=project)
    checks: list[CheckResult] = [check_project_venv(project)]
    if include_machine:
        info = python if python is not None else PythonInfo.current()
        checks += [
            check_interpreter_venv(info),
            check_pip_guard(env, home_dir, python=info),
            check_externally_managed(info),
            check_base_writable(info),
        ]
    findings = find_credentials(ctx, include_machine=include_machine)
    from pipwarden.doctor.project_secrets import merge_project_secrets, project_secret_scan

    secrets, unread = project_secret_scan(project, cache_dir)
    if policy is not None:
        unread = [policy.accept_unread(n, n.what) for n in unread]
    findings = merge_project_secrets(findings, secrets)
    checks.append(_credentials_summary(findings, include_machine,
                                       sum(1 for n in unread if n.blocking)))
    if include_machine:
        checks.append(check_partitioning(findings))
    checks += check_dbt_costs(ctx, dbt_profile_files(ctx, include_machine=include_machine))
    return DoctorReport(
        project=str(project),
        checks=tuple(checks),
        credentials=tuple(findings),
        include_machine=include_machine,
        not_checked=tuple(unread),
    )
