"""`pipwarden check`: doctor + lint + audit + vet + slim of a project, one exit code."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import UsageError

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    from pipwarden.check import run_check
    from pipwarden.policy import load_policy, parse_severity_threshold
    from pipwarden.report.check import render
    from pipwarden.report.output import Style, write_report

    project = Path(args.path)
    if not project.is_dir():
        raise UsageError(f"{project}: not a folder", hint="pipwarden check [PROJECT_FOLDER]")
    settings = settings_from_args(args)
    policy = load_policy(project)
    if args.fail_on:
        policy = replace(policy, fail_on=parse_severity_threshold(args.fail_on, "--fail-on"))
    report = run_check(project, settings=settings, policy=policy)
    for fmt, output in outputs(args):
        write_report(render(report, fmt, style=Style(use_color(args, output))), output)
    return report.exit_code
