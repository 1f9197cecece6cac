"""The local vulnerability database for an audit: opened, fetched when missing, refreshed
when stale (the age of the data, not of the import), or refused with exit 3."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pipwarden.errors import DataUnavailableError
from pipwarden.log import get_logger
from pipwarden.policy import Policy
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.vulndb.store import DbMeta, VulnStore

__all__ = ["open_database"]

log = get_logger("pipwarden.audit")


def _age_text(meta: DbMeta, now: dt.datetime) -> str:
    """``412 days old`` (the age of the data, not of the import), or ``of unknown date``."""
    age = meta.age_days(now)
    return "of unknown date" if age is None else f"{age:.0f} days old"


def open_database(
    settings: Settings, policy: Policy, *, now: dt.datetime | None = None
) -> VulnStore:
    """Open the local database; fetch it when missing or stale and we may go online.

    Raises :class:`DataUnavailableError` (exit 3) when there is no usable data: no database
    and no network, or data older than the policy's ``max-db-age`` that cannot be refreshed.
    """
    from pipwarden.vulndb.store import VulnStore

    moment = now or dt.datetime.now(dt.UTC)
    path = settings.db_path
    if not path.exists():
        if settings.offline:
            raise DataUnavailableError(
                f"no vulnerability data yet ({path}) and --offline forbids downloading it",
                hint="Run `pipwarden db update` when online, or `pipwarden db import FILE.zip`.",
            )
        from pipwarden.vulndb.update import ImportLimits, public_url, update_from_url

        log.warning("no vulnerability database yet: downloading %s", public_url(settings.osv_url))

        update_from_url(settings.osv_url, path, timeout=settings.timeout,
                        limits=ImportLimits.from_settings(settings))
    store = VulnStore.open(path)
    meta = store.meta()
    if not meta.too_old(policy.max_db_age_days, moment):
        return store
    age = _age_text(meta, moment)
    limit = f"max-db-age is {policy.max_db_age_days:g} days"
    if settings.offline:
        store.close()
        raise DataUnavailableError(
            f"vulnerability data is {age} ({limit}) and --offline forbids refreshing it",
            hint="Run `pipwarden db update` when online, or raise max-db-age in the policy.",
        )
    store.close()
    log.warning("vulnerability data is %s (%s): refreshing", age, limit)
    from pipwarden.vulndb.update import ImportLimits, update_from_url

    try:
        update_from_url(settings.osv_url, path, timeout=settings.timeout,
                        limits=ImportLimits.from_settings(settings))
    except DataUnavailableError as exc:
        raise DataUnavailableError(
            f"vulnerability data is {age} ({limit}) and cannot be refreshed: {exc.message}",
            hint=exc.hint,
        ) from None
    store = VulnStore.open(path)
    meta = store.meta()
    if meta.too_old(policy.max_db_age_days, moment):  # the source itself is that old
        store.close()
        raise DataUnavailableError(
            f"vulnerability data is {_age_text(meta, moment)} even after refreshing it from "
            f"{meta.source} ({limit})",
            hint="Point PIPWARDEN_OSV_URL at a current archive, or raise max-db-age in "
            "the policy.",
        )
    return store


