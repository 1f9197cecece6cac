"""Standard-library alternative: Python itself may already do this."""

from __future__ import annotations

from typing import Any

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check", "lookup"]


def lookup(name: str, python: tuple[int, int]) -> Any | None:
    """The curated table's row for ``name`` when Python ``python`` already has the replacement."""
    from pipwarden import stdlib_alternatives

    return stdlib_alternatives.find(name, python)


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
