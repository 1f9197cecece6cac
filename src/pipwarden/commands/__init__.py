"""Glue between parsed arguments and the core: one module per command.

Each module has ``run(args) -> int``: it builds settings and options from the namespace,
calls the core, hands the result to :mod:`pipwarden.report` and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import UsageError
from pipwarden.report.output import color_enabled
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.policy import Policy

__all__ = ["outputs", "policy_from_args", "settings_from_args", "use_color"]


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with ``--db PATH`` and ``--offline`` applied.

    ``--offline`` only ever turns offline mode on: ``PIPWARDEN_OFFLINE=1`` without the
    flag stays offline.
    """
    db = getattr(args, "db", None)
    return Settings.from_env().with_overrides(
        db_path=Path(db).expanduser() if db else None,
        offline=True if getattr(args, "offline", False) else None,
    )


def policy_from_args(policy: Policy, args: argparse.Namespace) -> Policy:
    """The policy with ``--fail-on`` and ``--max-db-age`` applied (flags win over files)."""
    from dataclasses import replace

    from pipwarden.policy import parse_duration_days, parse_severity_threshold

    if getattr(args, "fail_on", None):
        policy = replace(policy, fail_on=parse_severity_threshold(args.fail_on, "--fail-on"))
    age = getattr(args, "max_db_age", None)
    if age:
        days = float("inf") if age == "any" else parse_duration_days(age, "--max-db-age", "AGE")
        policy = replace(policy, max_db_age_days=days)
    return policy


def use_color(args: argparse.Namespace, output: str | None = "") -> bool:
    """Colour only when the report goes to stdout and that is a terminal (and neither
    ``--no-color`` nor ``NO_COLOR`` says otherwise). ``output`` is the file this report
    goes to (default: ``--output``)."""
    target = getattr(args, "output", None) if output == "" else output
    return target in (None, "-") and color_enabled(
        sys.stdout, no_color=bool(getattr(args, "no_color", False))
    )


def outputs(args: argparse.Namespace) -> list[tuple[str, str | None]]:
    """The (format, file) pairs to write: ``-f json -o a.json -f sarif -o a.sarif``.

    Formats and files pair in order; when there is one file fewer than formats, the last
    format goes to stdout. ``None`` (or ``-``) as the file means stdout.
    """
    formats: list[str] = list(getattr(args, "formats", None) or [getattr(args, "format", "text")])
    files: list[str] = list(getattr(args, "outputs", None) or [])
    if not files and getattr(args, "output", None):
        files = [args.output]
    if len(formats) == 1 and len(files) <= 1:
        return [(formats[0], files[0] if files else None)]
    if len(files) not in (len(formats), len(formats) - 1):
        raise UsageError(
            f"{len(formats)} formats and {len(files)} output files: give one -o FILE per "
            "--format (the last format may go to stdout)",
            hint="e.g. -f json -o audit.json -f sarif -o audit.sarif",
        )
    paired: list[tuple[str, str | None]] = list(zip(formats, files, strict=False))
    if len(files) < len(formats):
        paired.append((formats[-1], None))
    to_stdout = [f for f, out in paired if out in (None, "-")]
    if len(to_stdout) > 1:
        raise UsageError("only one format can go to stdout: give the others -o FILE")
    return paired
