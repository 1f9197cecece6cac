"""`pipwarden audit`: known vulnerabilities of environments and requirement files."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import outputs, policy_from_args, settings_from_args, use_color
from pipwarden.errors import UsageError

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from pipwarden.audit import AuditRequest, audit, ensure_paths_exist, pypi_release_provider
    from pipwarden.policy import load_policy
    from pipwarden.report.audit import render
    from pipwarden.report.output import Style, write_report

    settings = settings_from_args(args)
    project = Path(args.project or ".")
    if not project.is_dir():
        raise UsageError(f"{project}: not a folder")
    policy = load_policy(project, path=Path(args.policy) if args.policy else None)
    policy = policy_from_args(policy, args)
    request = AuditRequest(
        project=project,
        requirements=tuple(Path(p) for p in args.requirements),
        pyprojects=tuple(Path(p) for p in args.pyproject),
        pylocks=tuple(Path(p) for p in args.pylock),
        environments=tuple(Path(p) for p in args.env_paths),
    )
    ensure_paths_exist(request.requirements, "requirements file")
    ensure_paths_exist(request.pyprojects, "pyproject file")
    ensure_paths_exist(request.pylocks, "lock file")
    ensure_paths_exist(request.environments, "environment")
    report = audit(
        request, settings=settings, policy=policy, releases=pypi_release_provider(settings)
    )

    for fmt, output in outputs(args):
        if fmt == "html":
            from pipwarden.report.html_pages import render_audit_html

            text = render_audit_html(report)
        else:
            text = render(report, fmt, style=Style(use_color(args, output)))
        write_report(text, output)
    return report.exit_code
