"""The typosquat verdict: name evidence weighed with the package's history.

The name alone (:mod:`.signal`) is the whole story only when nothing else is known
(offline, not on PyPI). With PyPI's answer the evidence is combined:

* name evidence of any strength (a near-copy, an add-on or versioned copy, a name built
  on a ranked one) **and** a new package (first release under ``new-package-days``)
  **and** owners who do not publish the target **and** no source repository of its own
  (none, or only the target's) → ``risk``: that is what a typosquat looks like in the
  days someone is about to add it;
* an established history (years of releases, several owners or an organisation, its own
  repository) weighs against name similarity → ``info``: said, not warned;
* anything between keeps the name's own level (a near-copy ``risk``, an add-on ``warn``;
  a name built on a ranked one counts only while the package is new), except that a
  near-copy of a name outside the ``COMBO_RANK`` most popular ones that links a repository
  of its own is a ``warn`` ("did you mean …?"), not ``risk``;
* a merely similar spelling (:mod:`.similar`) counts only in the first case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipwarden.checks.history import History, history_of, repository_of
from pipwarden.checks.typosquat.index import TyposquatIndex
from pipwarden.checks.typosquat.shapes import COMBO_RANK
from pipwarden.checks.typosquat.signal import (
    _evidence,
    check_addon,
    check_typosquat,
    shared_owner,
)
from pipwarden.checks.typosquat.tables import TyposquatMatch
from pipwarden.models import Level, Signal

__all__ = ["weigh_typosquat"]


def _days(age: int) -> str:
    return "today" if age == 0 else f"{age} day{'s' if age != 1 else ''} ago"


def weigh_typosquat(
    index: TyposquatIndex,
    name: str,
    match: TyposquatMatch | None,
    *,
    addon: bool = False,
    weak: bool = False,
    project: Mapping[str, Any] | None,
    target_project: Mapping[str, Any] | None,
    now: datetime,
    new_days: int,
) -> Signal:
    """The ``typosquat`` signal of ``name`` from its name evidence ``match`` (from
    :meth:`TyposquatIndex.check`, with ``addon`` from :meth:`TyposquatIndex.builds_on`,
    with ``weak`` from :func:`~.similar.similar_name`) and, when PyPI answered, the
    package's history."""
    history = history_of(project, now)
    if weak and (history is None or shared_owner(project, target_project) is not None):
        match = None
    if match is None or history is None or shared_owner(project, target_project) is not None:
        if addon and match is not None:
            age = history.age_days if history is not None else None
            got = check_addon(
                match, age_days=age, new_days=new_days,
                project=project, target_project=target_project,
            )
            if got is not None:
                return got
            match = None
        return check_typosquat(
            index, name, project=project, target_project=target_project, match=match
        )
    own_repo = history.repository
    if own_repo is not None and own_repo == repository_of(target_project, now):
        own_repo = None  # the target's repository is not a repository of its own
    evidence = _evidence(match)
    evidence.update({
        "first_release_days": history.age_days,
        "releases": history.releases,
        "owners": history.owners,
        "organization": history.organisation,
        "repository": own_repo,
    })
    new = history.age_days is not None and history.age_days < new_days
    if new and own_repo is None:
        assert history.age_days is not None
        evidence["combined"] = True
        return Signal(
            "typosquat",
            Level.RISK,
            f"Likely a typosquat of {match.target} (rank {match.target_rank}): {match.kind}; "
            f"first released {_days(history.age_days)}, not by {match.target}'s known "
            f"owners, and no source repository of its own. Did you mean {match.target}?",
            evidence,
            match.target,
        )
    if weak:
        return check_typosquat(index, name, project=project, match=None)
    if history.seasoned and history.several_owners and own_repo is not None:
        evidence["established"] = True
        return Signal(
            "typosquat",
            Level.INFO,
            f"The name is close to {match.target} ({match.kind}), but an established "
            f"history weighs against a typosquat: {_established(history, own_repo)}.",
            evidence,
            match.target,
        )
    if addon:
        got = check_addon(
            match, age_days=history.age_days, new_days=new_days,
            project=project, target_project=target_project,
        )
        if got is None:
            return check_typosquat(index, name, project=project, match=None)
        return Signal(got.id, got.level, got.message, {**evidence, **got.evidence}, got.target)
    got = check_typosquat(
        index, name, project=project, target_project=target_project, match=match
    )
    if got.level == Level.RISK and own_repo is not None and match.target_rank > COMBO_RANK:
        return Signal(
            "typosquat",
            Level.WARN,
            f"The name looks like {match.target} (rank {match.target_rank}): {match.kind}; "
            f"it links a repository of its own ({own_repo}). Check that it is the package "
            f"you want, not {match.target}.",
            {**evidence, **got.evidence},
            match.target,
        )
    return Signal(got.id, got.level, got.message, {**evidence, **got.evidence}, got.target)


def _established(history: History, repository: str) -> str:
    return History(
        history.age_days, history.releases, history.owners, history.organisation, repository
    ).describe()
