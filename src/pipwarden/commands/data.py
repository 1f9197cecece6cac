"""``pipwarden data update``: refresh the top-PyPI download ranking in the cache folder."""

from __future__ import annotations

import argparse

from pipwarden.errors import InputError, NetworkError, UsageError
from pipwarden.report.output import write_report
from pipwarden.settings import Settings

__all__ = ["run", "update_toplist"]


def update_toplist(settings: Settings, url: str | None = None) -> str:
    """Download the ranking, validate it, store it atomically; return a one-line summary."""
    from pipwarden.pypi.client import PyPIClient
    from pipwarden.toplist import parse_toplist, save_toplist

    source = url or settings.top_packages_url
    client = PyPIClient(settings, freshness=0.0, progress=False, offline=False)
    got = client.get_json("top-pypi-packages", source, what="the ranking server")
    if got.data is None:
        if got.error == "malformed answer":
            raise InputError("the download ranking is not valid JSON", path=source)
        raise NetworkError(
            f"cannot download the download ranking from {source}: {got.error}",
            hint="the shipped snapshot stays in use; try again when online",
        )
    try:
        toplist = parse_toplist(got.data, source=source)
    except ValueError as exc:
        raise InputError(f"not a download ranking: {exc}", path=source) from None
    if len(toplist) < 100:
        raise InputError(
            f"only {len(toplist)} projects: refusing to replace the ranking", path=source
        )
    path = save_toplist(toplist, settings.cache_dir)
    when = f", ranking of {toplist.last_update}" if toplist.last_update else ""
    return f"Updated the download ranking: {len(toplist):,} projects{when} → {path}"


def run(args: argparse.Namespace) -> int:
    if args.data_command != "update":
        raise UsageError(f"unknown action {args.data_command!r}")
    settings = Settings.from_env()
    write_report(update_toplist(settings, args.url))
    return 0
