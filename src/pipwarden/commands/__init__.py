"""Glue between parsed arguments and the core: one module per command.

Each module has ``run(args) -> int``: it builds settings and options from the namespace,
calls the core, hands the result to :mod:`pipwarden.report` and returns the exit code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.settings import Settings

__all__ = ["settings_from_args"]


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
