"""``pipwarden slim [PATH]``: what the project could do without."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import UsageError
from pipwarden.report.output import Style, write_report
from pipwarden.report.slim import render
from pipwarden.slim import run_slim

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """Analyse the project folder, print the report; exit 2 if a file could not be read."""
    project = Path(args.path)
    if not project.is_dir():
        raise UsageError(
            f"{project}: not a folder", hint="Run `pipwarden slim` inside the project folder."
        )
    settings = settings_from_args(args)
    report = run_slim(project, settings=settings, offline=settings.offline)
    for fmt, output in outputs(args):
        write_report(render(report, fmt, Style(use_color(args, output))), output)
    return report.exit_code
