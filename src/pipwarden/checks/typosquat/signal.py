"""The ``typosquat`` signal: a match, cleared by shared owners, in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipwarden.checks.typosquat.index import TyposquatIndex
from pipwarden.checks.typosquat.tables import TyposquatMatch
from pipwarden.models import Level, Signal


def owners_of(project: Mapping[str, Any] | None) -> tuple[frozenset[str], str | None] | None:
    """(maintainer user names, organisation) from PyPI ``ownership``; ``None`` when unknown."""
    if not project:
        return None
    ownership = project.get("ownership")
    if not isinstance(ownership, Mapping):
        return None
    roles = ownership.get("roles")
    users = frozenset(
        str(r["user"]).lower()
        for r in (roles if isinstance(roles, list) else [])
        if isinstance(r, Mapping) and r.get("user")
    )
    org = ownership.get("organization")
    return users, (str(org).lower() if org else None)


def _evidence(match: TyposquatMatch) -> dict[str, object]:
    return {
        "target": match.target,
        "target_rank": match.target_rank,
        "name_rank": match.name_rank,
        "how": match.kind,
    }


def shared_owner(
    project: Mapping[str, Any] | None, target_project: Mapping[str, Any] | None
) -> str | None:
    """Who publishes both projects (an organisation or user names), if anyone."""
    mine, theirs = owners_of(project), owners_of(target_project)
    if mine is None or theirs is None:
        return None
    if mine[1] is not None and mine[1] == theirs[1]:
        return f"organisation {mine[1]}"
    shared = sorted(mine[0] & theirs[0])
    return ", ".join(shared) if shared else None


def check_addon(
    match: TyposquatMatch,
    *,
    age_days: int | None,
    new_days: int,
    project: Mapping[str, Any] | None = None,
    target_project: Mapping[str, Any] | None = None,
) -> Signal | None:
    """The ``typosquat`` signal for a name built on a popular one (:meth:`TyposquatIndex.
    builds_on`): a warning when the package is new and not published by the target's
    owners, the way most combosquats are caught (``telebot-info``, ``requests-os``);
    ``None`` (nothing to say) for an established add-on or when its age is unknown.
    """
    if age_days is None or age_days >= new_days:
        return None
    evidence = _evidence(match)
    evidence["first_release_days"] = age_days
    who = shared_owner(project, target_project)
    if who is not None:
        evidence["shared_owner"] = who
        return Signal(
            "typosquat",
            Level.OK,
            f"The name builds on {match.target}, and both are published by {who}.",
            evidence,
            match.target,
        )
    days = "today" if age_days == 0 else f"{age_days} day{'s' if age_days != 1 else ''} ago"
    return Signal(
        "typosquat",
        Level.WARN,
        f"The name builds on {match.target} (rank {match.target_rank}) and the package "
        f"first appeared {days}: check that it comes from {match.target}'s maintainers "
        "before you depend on it.",
        evidence,
        match.target,
    )


def check_typosquat(
    index: TyposquatIndex,
    name: str,
    *,
    project: Mapping[str, Any] | None = None,
    target_project: Mapping[str, Any] | None = None,
    match: TyposquatMatch | bool | None = True,
) -> Signal:
    """The ``typosquat`` signal for ``name``: risk (or warn for a likely add-on) with a
    ``target``, or ok.

    ``match`` may pass an already computed :meth:`TyposquatIndex.check` result.
    """
    if match is True or match is False:
        match = index.check(name)
    if match is None:
        return Signal(
            "typosquat", Level.OK, "The name is not a near-copy of a more popular package."
        )
    evidence = _evidence(match)
    who = shared_owner(project, target_project)
    if who is not None:
        evidence["shared_owner"] = who
        return Signal(
            "typosquat",
            Level.OK,
            f"The name is close to {match.target}, but both are published by {who}.",
            evidence,
            match.target,
        )
    if match.level == "warn":
        looks = "a versioned copy of" if "version" in match.kind else "an add-on to"
        return Signal(
            "typosquat",
            Level.WARN,
            f"The name looks like {looks} {match.target} (rank {match.target_rank}): "
            f"{match.kind}. Check that it comes from {match.target}'s maintainers.",
            evidence,
            match.target,
        )
    return Signal(
        "typosquat",
        Level.RISK,
        f"The name looks like a typosquat of {match.target} (rank {match.target_rank}): "
        f"{match.kind}. Did you mean {match.target}?",
        evidence,
        match.target,
    )
