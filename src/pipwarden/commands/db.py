"""``pipwarden db update|import|status``: the local vulnerability database."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

from pipwarden.commands import settings_from_args
from pipwarden.errors import ExitCode
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
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

log = get_logger(__name__)

DEFAULT_MAX_AGE_DAYS = 7.0


@frozen
class DbStatus:
    """What ``db status`` reports: the metadata, the age of the data and whether it is too
    old (``age_days`` is ``None`` when the data carries no date: that counts as stale)."""

    path: Path
    meta: DbMeta
    age_days: float | None
    max_age_days: float | None
    stale: bool


def db_status(
    db_path: Path,
    *,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    now: datetime | None = None,
) -> DbStatus:
    """Read the database's metadata and the age of its data (the newest record's
    ``modified``, not the import time); ``stale`` past ``max_age_days`` (None: never)."""
    with VulnStore.open(db_path) as store:
        meta = store.meta()
    current = now if now is not None else datetime.now(UTC)
    age = meta.age_days(current)
    return DbStatus(db_path, meta, age, max_age_days, meta.too_old(max_age_days, current))


def _days(value: float) -> str:
    return f"{value:g} day" + ("" if value == 1 else "s")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def render_status(status: DbStatus, fmt: str = "text") -> str:
    """The status as text or as a JSON object."""
    meta = status.meta
    source = redact_text(meta.source)
    if fmt == "json":
        payload = {
            "path": str(status.path),
            "records": meta.records,
            "withdrawn": meta.withdrawn,
            "unreadable": meta.unreadable,
            "packages": meta.packages,
            "source": source,
            "imported_at": meta.imported_at.isoformat(),
            "data_date": meta.data_date.isoformat() if meta.data_date else None,
            "age_days": round(status.age_days, 2) if status.age_days is not None else None,
            "max_age_days": status.max_age_days,
            "stale": status.stale,
            "etag": meta.etag,
            "last_modified": meta.last_modified,
            "schema": meta.schema,
        }
        return json.dumps(payload, indent=2)
    if meta.data_date is None or status.age_days is None:
        data = "unknown (no record carries a date)"
    else:
        data = f"{_when(meta.data_date)} ({status.age_days:.1f} days old)"
    lines = [
        f"Vulnerability database {status.path}",
        f"  records      {meta.records:,} ({meta.withdrawn:,} withdrawn, never reported)",
        f"  packages     {meta.packages:,}",
        f"  source       {source}",
        f"  data from    {data}",
        f"  imported at  {_when(meta.imported_at)}",
    ]
    if meta.unreadable:
        lines.append(f"  unreadable   {meta.unreadable:,} records skipped at import")
    if meta.etag or meta.last_modified:
        etag, modified = meta.etag or "-", meta.last_modified or "-"
        lines.append(f"  validators   ETag {etag} · Last-Modified {modified}")
    if status.max_age_days is None:
        pass
    elif status.stale and status.age_days is None:
        lines.append("? the age of the data is unknown: run `pipwarden db update`")
    elif status.stale:
        lines.append(
            f"✗ data older than the maximum age of {_days(status.max_age_days)}: "
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
    from pipwarden.vulndb.update import ImportLimits, update_from_url

    url = args.url or settings.osv_url
    with Progress("importing OSV records") as progress:
        result = update_from_url(
            url, settings.db_path, force=bool(args.force), timeout=settings.timeout,
            progress=progress, limits=ImportLimits.from_settings(settings),
        )
    if result.status == "not-modified":
        text = (
            f"The vulnerability database is up to date: {result.source} has not changed "
            f"({result.records:,} records in {settings.db_path})."
        )
    else:
        size = f"{result.downloaded_bytes / 1_000_000:.1f} MB, " if result.downloaded_bytes else ""
        text = (
            f"Updated the vulnerability database {settings.db_path}: {result.records:,} "
            f"records from {result.source} ({size}{result.seconds:.1f} s)."
        )
    write_report(text)
    return int(ExitCode.OK)


def _import(args: argparse.Namespace, settings: Settings) -> int:
    from pipwarden.vulndb.update import ImportLimits, import_source, public_url

    with Progress("importing OSV records") as progress:
        result = import_source(
            args.source, settings.db_path, progress=progress, timeout=settings.timeout,
            limits=ImportLimits.from_settings(settings),
        )
    skipped = f", {result.skipped:,} without a PyPI package skipped" if result.skipped else ""
    when = (
        f"; data from {result.data_date.date().isoformat()}"
        if result.data_date is not None else "; the data carries no date (stale)"
    )
    text = (
        f"Imported {result.records:,} records ({result.withdrawn:,} withdrawn{skipped}) "
        f"for {result.packages:,} packages from {public_url(result.source)} into "
        f"{settings.db_path} in {result.seconds:.2f} s{when}."
    )
    if result.unreadable:
        shown = "; ".join(result.unreadable_examples)
        more = result.unreadable - len(result.unreadable_examples)
        text += (
            f"\n? {result.unreadable:,} records skipped: {shown}"
            + (f"; and {more:,} more" if more > 0 else "")
        )
    write_report(text)
    return int(ExitCode.OK)


def _status(args: argparse.Namespace, settings: Settings) -> int:
    from pipwarden.policy import load_policy

    policy = load_policy(
        Path.cwd(), path=Path(args.policy) if getattr(args, "policy", None) else None
    )
    status = db_status(settings.db_path, max_age_days=policy.max_db_age_days)
    write_report(render_status(status, getattr(args, "format", "text") or "text"))
    if status.stale:
        age = "of unknown date" if status.age_days is None else f"{status.age_days:.1f} days old"
        log.warning(
            "the vulnerability data is %s (maximum %s): run `pipwarden db update`",
            age,
            _days(status.max_age_days or 0),
        )
        return int(ExitCode.DATA_UNAVAILABLE)
    return int(ExitCode.OK)
