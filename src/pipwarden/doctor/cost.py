"""Cost controls that can be read locally: BigQuery byte limits in dbt profiles.

One careless ``SELECT *`` on a large table can cost hundreds of dollars; dbt's BigQuery
adapter stops such a query when the output sets ``maximum_bytes_billed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pipwarden.doctor.credentials import Context, dbt_outputs
from pipwarden.doctor.models import CheckResult, Status

__all__ = ["DEFAULT_MAX_BYTES", "check_dbt_costs", "dbt_profile_files"]

DEFAULT_MAX_BYTES = 10_000_000_000  # 10 GB ≈ a few cents; raise per project as needed


def dbt_profile_files(ctx: Context, *, include_machine: bool) -> list[Path]:
    """profiles.yml files doctor reads: the project's, then DBT_PROFILES_DIR and ~/.dbt."""
    paths: list[Path] = []
    if ctx.project is not None:
        paths.append(ctx.project / "profiles.yml")
    if include_machine:
        explicit = ctx.environ.get("DBT_PROFILES_DIR")
        if explicit:
            paths.append(Path(explicit).expanduser() / "profiles.yml")
        paths.append(ctx.home / ".dbt" / "profiles.yml")
    unique: dict[Path, Path] = {}
    for path in paths:
        if path.is_file():
            unique.setdefault(path.resolve(), path)
    return list(unique.values())


def check_dbt_costs(ctx: Context, files: Iterable[Path]) -> list[CheckResult]:
    """One warning per BigQuery output without ``maximum_bytes_billed``; a pass otherwise."""
    results: list[CheckResult] = []
    checked = 0
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for (profile, output), keys in dbt_outputs(text).items():
            kind = keys.get("type")
            if kind is None or kind[1].strip("'\"").lower() != "bigquery":
                continue
            checked += 1
            if "maximum_bytes_billed" in keys:
                continue
            line = kind[0]
            results.append(
                CheckResult(
                    "dbt-bytes-limit",
                    Status.WARN,
                    f"BigQuery output {profile}.{output} has no maximum_bytes_billed",
                    f"{ctx.show(path)}:{line}: one bad query can bill hundreds of dollars",
                    f"add `maximum_bytes_billed: {DEFAULT_MAX_BYTES}` (10 GB) next to "
                    f"`type: bigquery` at {ctx.show(path)}:{line}",
                    section="cost",
                )
            )
    if checked and not results:
        results.append(
            CheckResult(
                "dbt-bytes-limit",
                Status.PASS,
                f"every BigQuery dbt output sets maximum_bytes_billed ({checked})",
                section="cost",
            )
        )
    return results
