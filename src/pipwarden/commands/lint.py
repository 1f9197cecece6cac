"""``pipwarden lint [PATH…]``: wire the arguments to :func:`pipwarden.lint.run_lint`."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import ExitCode
from pipwarden.lint import LintConfig, run_lint
from pipwarden.lint.engine import LintReport
from pipwarden.report.lint import render_json, render_sarif, render_text
from pipwarden.report.output import Style, write_report

__all__ = ["run"]


def _codes(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _render(report: LintReport, fmt: str, style: Style) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "sarif":
        return render_sarif(report)
    return render_text(report, style=style)


def run(args: argparse.Namespace) -> int:
    """Lint, render, and return 0 (clean), 1 (findings) or 2 (a file could not be read)."""
    settings = settings_from_args(args)
    config = LintConfig(select=_codes(args.select), ignore=_codes(args.ignore), fix=bool(args.fix))
    folders = [Path(p) for p in args.paths if Path(p).is_dir()]
    if len(folders) == 1 and len(args.paths) == 1:
        # the project's [lint] policy, as check applies it: one answer for both commands
        from pipwarden.check import lint_config
        from pipwarden.policy import load_policy

        table = lint_config(load_policy(folders[0]))
        config = replace(
            table,
            select=config.select or table.select,
            ignore=(*table.ignore, *config.ignore),
            fix=config.fix,
        )
    report = run_lint(list(args.paths), config, settings=settings, offline=settings.offline)
    for fmt, output in outputs(args):
        write_report(_render(report, fmt, Style(use_color(args, output))), output)
    if report.errors:
        return int(ExitCode.USAGE)
    return int(ExitCode.FINDINGS if report.findings else ExitCode.OK)
