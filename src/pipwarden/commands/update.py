"""``pipwarden update [PATH] [--venv DIR] [--cooldown AGE] [--dry-run] [--rebuild]
[--find-links URL] [--index-url URL] [--extra-index-url URL] [--no-index] [--offline]
[--run-hooks] [--no-audit] [--deadline TIME] [--all]``."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args
from pipwarden.errors import UsageError
from pipwarden.policy import Policy, load_policy, parse_duration_days
from pipwarden.report.output import write_report
from pipwarden.report.update import render
from pipwarden.update import (
    DEFAULT_DEADLINE,
    UpdateOptions,
    configured_hooks,
    display_text,
    run_update,
)

__all__ = ["parse_deadline", "run"]

_DEADLINE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$", re.I)


def parse_deadline(text: str, where: str) -> float:
    """``900``, ``"90s"``, ``"15m"``, ``"1h"`` → seconds (more than zero)."""
    match = _DEADLINE.match(text)
    if match is None or float(match.group(1)) <= 0:
        raise UsageError(f"{where}: expected a duration like 15m, 90s or 1h (got {text!r})")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2).lower()]


def _deadline(args: argparse.Namespace) -> float:
    if args.deadline is not None:
        return parse_deadline(args.deadline, "--deadline")
    env = os.environ.get("PIPWARDEN_UPDATE_DEADLINE")
    return parse_deadline(env, "PIPWARDEN_UPDATE_DEADLINE") if env else DEFAULT_DEADLINE


def _confirm_hooks(policy: Policy, args: argparse.Namespace) -> bool:
    """``--run-hooks``, or yes at a prompt on a terminal: the ``after`` commands come from
    the project's config, i.e. from whoever wrote the project."""
    if args.run_hooks:
        return True
    hooks = configured_hooks(policy)
    if not hooks or not (sys.stdin.isatty() and sys.stderr.isatty()):
        return False
    sys.stderr.write(f"{display_text(str(policy.source))} asks to run after the update:\n")
    sys.stderr.write("".join(f"  {display_text(h)}\n" for h in hooks))
    sys.stderr.write("run these commands? [y/N] ")
    sys.stderr.flush()
    try:
        answer = sys.stdin.readline()
    except (OSError, KeyboardInterrupt):
        return False
    return answer.strip().lower() in {"y", "yes"}


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
        extra_index_urls=tuple(args.extra_index_urls),
        no_index=bool(args.no_index),
        offline=settings.offline,
        run_hooks=not args.dry_run and _confirm_hooks(policy, args),
        audit=not args.no_audit,
        deadline=_deadline(args),
    )
    report = run_update(options, settings=settings, policy=policy)
    for fmt, output in outputs(args):
        write_report(render(report, fmt, list_all=bool(getattr(args, "list_all", False))),
                     output)
    return report.exit_code
