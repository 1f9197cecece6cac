"""``pipwarden lint [PATH…] [--fix] [--diff]``: wire the arguments to
:func:`pipwarden.lint.run_lint`.

``--diff`` (with or without ``--fix``) previews the fixes: the unified diff is the report
on stdout (text format; ``git apply`` takes it), the findings that would remain and the
summary go to stderr; JSON carries the diff in ``"diff"``. Nothing is written."""

from __future__ import annotations

import argparse
import shlex
import sys

from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import ExitCode
from pipwarden.lint import LintConfig, run_lint
from pipwarden.lint.engine import LintReport
from pipwarden.report.lint import render_diff, render_json, render_sarif, render_text
from pipwarden.report.output import Style, color_enabled, write_report

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
    diff = bool(getattr(args, "diff", False))
    config = LintConfig(select=_codes(args.select), ignore=_codes(args.ignore),
                        fix=bool(args.fix) or diff, diff=diff)
    report = run_lint(list(args.paths), config, settings=settings, offline=settings.offline)
    for fmt, output in outputs(args):
        if report.preview and fmt == "text":  # the patch alone on stdout, the rest on stderr
            patch = render_diff(report)
            if patch:
                write_report(patch, output)
            color = color_enabled(sys.stderr, no_color=bool(getattr(args, "no_color", False)))
            text = render_text(report, style=Style(color), fix_command=_fix_command(args))
            write_report(text, stream=sys.stderr)
            continue
        write_report(_render(report, fmt, Style(use_color(args, output))), output)
    if report.errors:
        return int(ExitCode.USAGE)
    return int(ExitCode.FINDINGS if report.findings or report.changes else ExitCode.OK)


def _fix_command(args: argparse.Namespace) -> str:
    """``pipwarden lint --fix`` with the paths given (the command that writes the preview)."""
    return shlex.join(["pipwarden", "lint", *map(str, args.paths), "--fix"])
