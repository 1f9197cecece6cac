"""``pipwarden doctor [PATH] [--fix] [--yes] [--format text|json|markdown]``."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from pipwarden.commands import outputs, use_color
from pipwarden.doctor import enable_pip_guard, pip_guard_source, run_doctor, user_pip_config
from pipwarden.doctor.models import DoctorReport
from pipwarden.errors import ExitCode, UsageError
from pipwarden.log import get_logger
from pipwarden.report.doctor import render_json, render_markdown, render_text
from pipwarden.report.output import Style, write_report

__all__ = ["apply_fix", "render", "run"]

log = get_logger(__name__)


def render(report: DoctorReport, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, Style(color))


def apply_fix(
    environ: Mapping[str, str],
    home: Path,
    *,
    yes: bool,
    interactive: bool,
    ask: Callable[[str], str] = input,
) -> bool:
    """Write the user-level pip guard if it is off; ask first unless ``yes``.

    Returns ``True`` when the file was written. Without a terminal and without ``yes``
    nothing is written and a warning says how to proceed.
    """
    on, _ = pip_guard_source(environ, home)
    target = user_pip_config(environ, home)
    if on:
        log.info("pip guard already on; nothing to fix")
        return False
    if not yes:
        if not interactive:
            log.warning(
                "not writing %s without a terminal: rerun with --yes, or add "
                "'require-virtualenv = true' under [global] yourself",
                target,
            )
            return False
        sys.stderr.write(f"Write 'require-virtualenv = true' to {target}? [y/N] ")
        sys.stderr.flush()
        try:
            answer = ask("")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in {"y", "yes"}:
            log.warning("left %s unchanged", target)
            return False
    changed = enable_pip_guard(target)
    if changed:
        log.warning("wrote require-virtualenv = true to %s", target)
    return changed


def run(args: argparse.Namespace) -> int:
    project = Path(args.path)
    if not project.is_dir():
        raise UsageError(f"{project}: not a folder", hint="pipwarden doctor [PROJECT_DIR]")
    environ = dict(os.environ)
    home = Path(environ.get("HOME") or Path.home())
    if args.fix:
        apply_fix(environ, home, yes=args.yes, interactive=sys.stdin.isatty())
    from pipwarden.paths import cache_dir
    from pipwarden.policy import load_policy

    policy = load_policy(project)
    report = run_doctor(project, environ=environ, home=home, cache_dir=cache_dir(environ),
                        policy=policy)
    for fmt, output in outputs(args):
        write_report(render(report, fmt, color=use_color(args, output)), output)
    return int(ExitCode.FINDINGS if report.failed else ExitCode.OK)
