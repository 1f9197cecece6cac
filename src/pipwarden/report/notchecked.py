"""The JSON form of one "not checked" entry, shared by every command's report."""

from __future__ import annotations

from typing import Any

from pipwarden.models import NotChecked
from pipwarden.redact import redact_text

__all__ = ["not_checked_dict"]


def not_checked_dict(item: NotChecked) -> dict[str, Any]:
    """One entry of ``not_checked`` (documented in docs/json-schema.md)."""
    return {
        "what": redact_text(item.what),
        "where": redact_text(item.where),
        "line": item.location.line if item.location else None,
        "reason": item.reason,
        "next": item.next,
        "accepted": item.accepted,
        "blocking": item.blocking,
    }
