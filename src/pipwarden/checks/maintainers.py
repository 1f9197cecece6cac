"""Maintainers: who can publish it, from PyPI's ``ownership`` (roles and organisation).

A PyPI organisation, or a user name that is an organisation's account (a short curated
list shipped as ``data/org_accounts.txt``: ``aws``, ``fishtown-analytics`` …), is not a
bus factor of one."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check", "org_accounts"]


@functools.cache
def org_accounts() -> frozenset[str]:
    """The known organisation accounts (lower-case PyPI user names)."""
    text = resources.files("pipwarden.data").joinpath("org_accounts.txt").read_text("utf-8")
    names = (line.split("#", 1)[0].strip().lower() for line in text.splitlines())
    return frozenset(n for n in names if n)


def check(ctx: PackageContext) -> Signal:
    if ctx.project is None:
        return Signal("maintainers", Level.UNKNOWN, f"Maintainers unknown: {ctx.unknown_reason()}.")
    ownership = ctx.project.get("ownership")
    if not isinstance(ownership, Mapping) or not isinstance(ownership.get("roles"), list):
        return Signal(
            "maintainers", Level.UNKNOWN, "Maintainers unknown: PyPI did not list its owners."
        )
    users = sorted(
        {
            str(r["user"])
            for r in ownership["roles"]
            if isinstance(r, Mapping) and isinstance(r.get("user"), str)
        },
        key=str.lower,
    )
    org = ownership.get("organization")
    evidence: dict[str, object] = {"maintainers": users, "organization": org}
    count = len(users)
    names = ", ".join(users[:6]) + (" …" if count > 6 else "")
    people = f"{count} maintainer{'' if count == 1 else 's'}"
    t = ctx.thresholds
    if isinstance(org, str) and org:
        return Signal(
            "maintainers", Level.OK, f"Backed by the organisation {org} ({people}).", evidence
        )
    accounts = sorted(u for u in users if u.lower() in org_accounts())
    if accounts:
        evidence["organization_accounts"] = accounts
        return Signal(
            "maintainers",
            Level.OK,
            f"Published by the organisation account {', '.join(accounts)} ({people}).",
            evidence,
        )
    if count == 0:
        return Signal(
            "maintainers", Level.UNKNOWN, "Maintainers unknown: PyPI listed no owners.", evidence
        )
    if count < t.min_maintainers:
        return Signal(
            "maintainers",
            Level.WARN,
            f"Only {people} ({names}): if they stop, nobody else can publish fixes.",
            evidence,
        )
    if count > t.max_maintainers:
        return Signal(
            "maintainers",
            Level.WARN,
            f"{people} can publish releases ({names}): many hands, unclear who decides.",
            evidence,
        )
    return Signal("maintainers", Level.OK, f"{people} ({names}).", evidence)
