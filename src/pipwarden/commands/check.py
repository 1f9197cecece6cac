"""`pipwarden check`: doctor + lint + audit + vet + slim of a project, one exit code."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import outputs, policy_from_args, settings_from_args, use_color
from pipwarden.errors import UsageError

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from pipwarden.check import check_environment, run_check
    from pipwarden.policy import load_policy
    from pipwarden.report.check import render
    from pipwarden.report.output import Style, write_report

    project = Path(args.path)
    if not project.is_dir():
        raise UsageError(f"{project}: not a folder", hint="pipwarden check [PROJECT_FOLDER]")
    from pipwarden.sources.project import is_environment

    settings = settings_from_args(args)
    venv = is_environment(project)
    # A venv is audited as an installed environment, with the policy of the folder holding it.
    policy = load_policy(project.resolve().parent if venv else project)
    policy = policy_from_args(policy, args)
    if venv:
        report = check_environment(project, settings=settings, policy=policy)
    else:
        report = run_check(project, settings=settings, policy=policy)
    for fmt, output in outputs(args):
        write_report(render(report, fmt, style=Style(use_color(args, output))), output)
    return report.exit_code
