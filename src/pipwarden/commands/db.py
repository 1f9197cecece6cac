"""``pipwarden db update|import|status``: the local vulnerability database."""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipwarden.commands import settings_from_args
from pipwarden.errors import ExitCode
from pipwarden.report.output import Progress, write_report
from pipwarden.settings import Settings
from pipwarden.vulndb.store import DbMeta, VulnStore

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "DbStatus",
    "db_status",
    "render_status",
    "run",
]

log = logging.getLogger(__name__)

DEFAULT_MAX_AGE_DAYS = 7.0


@dataclass(frozen=True)
class DbStatus:
    """What ``db status`` reports: the metadata, the age and whether it is too old."""

    path: Path
    meta: DbMeta
    age_days: float
    max_age_days: float | None
    stale: bool


def db_status(
    db_path: Path,
    *,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    now: datetime | None = None,
) -> DbStatus:
    """Read the database's metadata and age; ``stale`` past ``max_age_days`` (None: never)."""
    with VulnStore.open(db_path) as store:
        meta = store.meta()
    current = now if now is not None else datetime.now(UTC)
    age = max(0.0, (current - meta.imported_at).total_seconds() / 86400.0)
    stale = max_age_days is not None and age > max_age_days
    return DbStatus(db_path, meta, age, max_age_days, stale)


def _days(value: float) -> str:
    return f"{value:g} day" + ("" if value == 1 else "s")


def render_status(status: DbStatus, fmt: str = "text") -> str:
    """The status as text or as a JSON object."""
    meta = status.meta
    if fmt == "json":
        payload = {
            "path": str(status.path),
            "records": meta.records,
            "withdrawn": meta.withdrawn,
            "packages": meta.packages,
            "source": meta.source,
            "imported_at": meta.imported_at.isoformat(),
            "age_days": round(status.age_days, 2),
            "max_age_days": status.max_age_days,
            "stale": status.stale,
            "etag": meta.etag,
            "last_modified": meta.last_modified,
            "schema": meta.schema,
        }
        return json.dumps(payload, indent=2)
    imported = meta.imported_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Vulnerability database {status.path}",
        f"  records      {meta.records:,} ({meta.withdrawn:,} withdrawn, never reported)",
        f"  packages     {meta.packages:,}",
        f"  source       {meta.source}",
        f"  imported at  {imported} ({status.age_days:.1f} days ago)",
    ]
    if meta.etag or meta.last_modified:
        etag, modified = meta.etag or "-", meta.last_modified or "-"
        lines.append(f"  validators   ETag {etag} · Last-Modified {modified}")
    if status.max_age_days is None:
        pass
    elif status.stale:
        lines.append(
            f"✗ older than the maximum age of {_days(status.max_age_days)}: "
            "run `pipwarden db update`"
        )
    else:
        lines.append(f"✓ fresh (maximum age {_days(status.max_age_days)})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Dispatch ``db update``, ``db import`` and ``db status``."""
    settings = settings_from_args(args)
    action = args.db_command
    if action == "update":
        return _update(args, settings)
    if action == "import":
        return _import(args, settings)
    return _status(args, settings)


def _update(args: argparse.Namespace, settings: Settings) -> int:
    from pipwarden.vulndb.update import update_from_url

    url = args.url or settings.osv_url
    with Progress("importing OSV records") as progress:
        result = update_from_url(
            url, settings.db_path, force=bool(args.force), timeout=settings.timeout,
            progress=progress,
        )
    if result.status == "not-modified":
        text = (
            f"The vulnerability database is up to date: {url} has not changed "
            f"({result.records:,} records in {settings.db_path})."
        )
    else:
        size = f"{result.downloaded_bytes / 1_000_000:.1f} MB, " if result.downloaded_bytes else ""
        text = (
            f"Updated the vulnerability database {settings.db_path}: {result.records:,} "
            f"records from {url} ({size}{result.seconds:.1f} s)."
        )
    write_report(text)
    return int(ExitCode.OK)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from pipwarden.vulndb.update import import_source

    with Progress("importing OSV records") as progress:
        result = import_source(
            args.source, settings.db_path, progress=progress, timeout=settings.timeout
        )
    skipped = f", {result.skipped:,} without a PyPI package skipped" if result.skipped else ""
    text = (
        f"Imported {result.records:,} records ({result.withdrawn:,} withdrawn{skipped}) "
        f"for {result.packages:,} packages from {result.source} into {settings.db_path} "
        f"in {result.seconds:.2f} s."
    )
    write_report(text)
    return int(ExitCode.OK)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    # The policy file's max-db-age is wired in by the policy module; the default applies here.
    status = db_status(settings.db_path, max_age_days=DEFAULT_MAX_AGE_DAYS)
    write_report(render_status(status, getattr(args, "format", "text") or "text"))
    if status.stale:
        log.warning(
            "the vulnerability database is %.1f days old (maximum %s): run `pipwarden db update`",
            status.age_days,
            _days(status.max_age_days or 0),
        )
        return int(ExitCode.DATA_UNAVAILABLE)
    return int(ExitCode.OK)
