"""Glue between parsed arguments and the core: one module per command.

Each module has ``run(args) -> int``: it builds settings and options from the namespace,
calls the core, hands the result to :mod:`pipwarden.report` and returns the exit code.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pipwarden.report.output import color_enabled
from pipwarden.settings import Settings

__all__ = ["settings_from_args", "use_color"]


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


def use_color(args: argparse.Namespace) -> bool:
    """Colour only when the report goes to stdout and that is a terminal (and neither
    ``--no-color`` nor ``NO_COLOR`` says otherwise)."""
    return getattr(args, "output", None) in (None, "-") and color_enabled(
        sys.stdout, no_color=bool(getattr(args, "no_color", False))
    )
