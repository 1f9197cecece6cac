"""Test databases built from the recorded OSV archives, made "current" on purpose.

The recorded archive's newest record is from 2024-10-10, and pipwarden measures the age
of a database by its data (TRUST §1), so an audit against it is rightly refused as stale.
Tests that are about matching, not about data age, import it and then call
:func:`as_current` to date the data today, as if the archive had just been published.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["as_current"]


def as_current(db: Path, when: datetime | None = None) -> Path:
    """Set the database's data date to ``when`` (default: now); return ``db``."""
    moment = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'data_date'", (moment,))
    finally:
        conn.close()
    return db
