"""Standard-library alternative: Python itself may already do this."""

from __future__ import annotations

import importlib
from typing import Any

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check", "lookup"]


def lookup(name: str, python: tuple[int, int]) -> Any | None:
    """``pipwarden.stdlib_alternatives.find`` when that table is installed, else ``None``."""
    try:
        module = importlib.import_module("pipwarden.stdlib_alternatives")
    except ImportError:
        return None
    find = getattr(module, "find", None)
    if not callable(find):
        return None
    try:
        return find(name, python)
    except TypeError:
        return find(name)


def check(ctx: PackageContext) -> Signal | None:
    alt = lookup(ctx.name, ctx.python)
    if alt is None:
        return None
    replacement = str(getattr(alt, "replacement", "") or "")
    min_python = getattr(alt, "min_python", None)
    note = str(getattr(alt, "note", "") or "")
    since = (
        f" (Python {min_python[0]}.{min_python[1]}+)"
        if isinstance(min_python, tuple) and len(min_python) == 2
        else ""
    )
    extra = f": {note}" if note else ""
    return Signal(
        "stdlib",
        Level.INFO,
        f"The standard library has an alternative: {replacement}{since}{extra}.",
        {"replacement": replacement, "min_python": list(min_python or ()), "note": note},
    )
