"""Which signals ``vet`` runs, in report order, and which need the network."""

from __future__ import annotations

from collections.abc import Callable

from pipwarden.checks import (
    PackageContext,
    funding,
    install_code,
    maintainers,
    popularity,
    provenance,
    releases,
    security_policy,
    source_repo,
    stdlib,
    vulnerabilities,
    weight,
)
from pipwarden.frozen import frozen
from pipwarden.models import Signal

__all__ = ["SIGNALS", "SignalCheck", "network_signal_ids", "run_checks"]


@frozen
class SignalCheck:
    """One registered signal: an id, its check, and whether it needs PyPI data."""

    id: str
    check: Callable[[PackageContext], Signal | None]
    needs_network: bool


# ``typosquat`` is run by the orchestration (it needs the shared index), first in reports.
SIGNALS: tuple[SignalCheck, ...] = (
    SignalCheck("popularity", popularity.check, False),
    SignalCheck("vulnerabilities", vulnerabilities.check, False),
    SignalCheck("maintainers", maintainers.check, True),
    SignalCheck("releases", releases.check, True),
    SignalCheck("source_repo", source_repo.check, True),
    SignalCheck("install_code", install_code.check, True),
    SignalCheck("provenance", provenance.check, True),
    SignalCheck("funding", funding.check, True),
    SignalCheck("security_policy", security_policy.check, True),
    SignalCheck("weight", weight.check, True),
    SignalCheck("stdlib", stdlib.check, False),
)


def network_signal_ids() -> tuple[str, ...]:
    """The signals that need PyPI data (not run offline without a cached answer)."""
    return tuple(entry.id for entry in SIGNALS if entry.needs_network)


def run_checks(ctx: PackageContext, *, offline_only: bool = False) -> list[Signal]:
    """Run every registered check (only the no-network ones with ``offline_only``)."""
    out: list[Signal] = []
    for entry in SIGNALS:
        if offline_only and entry.needs_network:
            continue
        signal = entry.check(ctx)
        if signal is not None:
            out.append(signal)
    return out
