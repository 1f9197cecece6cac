"""``pipwarden init [DIR] [--template python|dbt-bigquery] [--package NAME…] [--force]
[--dry-run] [--offline] [--pipwarden-source SPEC] [--pipwarden-hash ALGO:HEX…]
[--ci github|gitlab|both]``."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import settings_from_args
from pipwarden.errors import ExitCode, UsageError
from pipwarden.report.output import write_report
from pipwarden.scaffold import TOOLS_FILE, InitResult, init_project
from pipwarden.scaffold.pins import resolve_source

__all__ = ["render_result", "run"]


def render_result(result: InitResult) -> str:
    """Is it OK? what happened to each file? what do I type next?"""
    verb = "would write" if result.dry_run else "wrote"
    lines = [f"pipwarden init — {result.template} template in {result.directory}"]
    changed = len(result.written) + len(result.overwritten)
    if result.dry_run:
        lines.append(f"dry run: {changed} file(s) would be written, nothing changed")
    elif changed:
        lines.append(f"✓ {changed} file(s) written")
    else:
        lines.append("✓ nothing to do: the project already has every file")
    lines += [f"  + {p}   ({verb})" for p in result.written]
    lines += [f"  ! {p}   ({verb}, replacing your version: --force)" for p in result.overwritten]
    lines += [f"  = {p}   (unchanged)" for p in result.unchanged]
    lines += [f"  ⏸ {p}   (exists and differs: kept; --force overwrites)" for p in result.skipped]
    lines.append(f"  pipwarden pinned to {result.source.spec} (from {result.source.origin})")
    if result.source.kind == "hash":
        lines.append(f"  note: {TOOLS_FILE} needs a hashed line for `packaging` too (see it)")
    if result.offline and any(p == "requirements.txt" for p in result.written):
        lines.append("  note: offline, requirements.txt has names without version floors")
    if not result.dry_run:
        lines.append("Next: bash scripts/init_and_update.sh   (creates .venv, updates, scans)")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    directory = Path(args.dir)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{directory}: not a folder")
    # refused before anything is read or written: never an unpinned pipwarden
    source = resolve_source(args.pipwarden_source, list(args.pipwarden_hash))
    settings = settings_from_args(args)
    result = init_project(
        directory,
        template=args.template,
        packages=list(args.package),
        settings=settings,
        force=args.force,
        dry_run=args.dry_run,
        offline=bool(getattr(args, "offline", False)),
        source=source,
        ci=args.ci,
    )
    write_report(render_result(result))
    return int(ExitCode.OK)
