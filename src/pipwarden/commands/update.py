"""``pipwarden update [PATH] [--venv DIR] [--cooldown AGE] [--dry-run] [--rebuild]
[--find-links URL] [--index-url URL] [--no-index] [--offline]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args
from pipwarden.errors import UsageError
from pipwarden.policy import load_policy, parse_duration_days
from pipwarden.report.output import write_report
from pipwarden.report.update import render
from pipwarden.update import UpdateOptions, run_update

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    project = Path(args.path)
    if not project.is_dir():
        raise UsageError(f"{project}: not a folder")
    policy = load_policy(project)
    settings = settings_from_args(args)
    cooldown = (parse_duration_days(args.cooldown, "--cooldown", "--cooldown")
                if args.cooldown is not None else None)
    options = UpdateOptions(
        project=project,
        venv=Path(args.venv) if args.venv else None,
        cooldown_days=cooldown,
        dry_run=bool(args.dry_run),
        rebuild=bool(args.rebuild),
        find_links=tuple(args.find_links),
        index_url=args.index_url,
        no_index=bool(args.no_index),
        offline=settings.offline,
    )
    report = run_update(options, settings=settings, policy=policy)
    for fmt, output in outputs(args):
        write_report(render(report, fmt), output)
    return report.exit_code
