"""PW4xx: what a name points at. Typosquats, names PyPI does not know, vulnerable floors.

These rules need data from elsewhere (PyPI, the typosquat index, the vulnerability
database). They reach it through :class:`Lookups`, a few callables that tests replace;
each missing source turns its rule into a "skipped: reason" line, never a crash.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.advice import NO_SAFE_VERSION, Advice, Advisor, admitted
from pipwarden.checks.typosquat import TyposquatIndex
from pipwarden.frozen import frozen
from pipwarden.lint.engine import Edit, Finding, LintContext, rule
from pipwarden.lint.inputs import ReqEntry
from pipwarden.log import get_logger
from pipwarden.pypi.client import PyPIClient
from pipwarden.settings import Settings
from pipwarden.toplist import load_toplist
from pipwarden.vulndb.store import VulnStore

__all__ = [
    "LookupUnavailableError",
    "Lookups",
    "ProjectInfo",
    "advisor_lookup",
    "check_supply_chain",
    "default_lookups",
    "fetch_projects",
    "typosquat_lookup",
]

log = get_logger(__name__)

rule("PW401", "typosquat", "the name looks like a typosquat of a popular package", level="error")
rule(
    "PW402",
    "unknown-package",
    "the name is unknown to PyPI (a typo, or free to squat)",
    level="error",
)
rule(
    "PW403",
    "vulnerable-floor",
    "the floor admits versions with known vulnerabilities",
    level="error",
    fixable=True,
)


class LookupUnavailableError(Exception):
    """A data source could not answer (network down, no database): the rule is skipped."""


@frozen
class ProjectInfo:
    """What lint needs from PyPI about one project."""

    name: str  # PyPI's spelling
    latest: str | None


# name -> info, or None when PyPI answers 404
ProjectLookup = Callable[[str], ProjectInfo | None]
# name -> the popular package it imitates, or None
TyposquatLookup = Callable[[str], str | None]


@frozen
class Lookups:
    """The data sources of the PW4xx rules (and of PW102/PW304 fixes); ``None`` = skipped."""

    project: ProjectLookup | None = None
    typosquat: TyposquatLookup | None = None
    advisor: Advisor | None = None  # the vulnerability database (PW403, the floors of fixes)
    skipped: tuple[str, ...] = ()
    close: Callable[[], None] | None = None


def _pypi_project(client: PyPIClient) -> ProjectLookup:
    """Each name asked once per run (``--fix`` lints several times), failures included."""
    answers: dict[str, ProjectInfo | LookupUnavailableError | None] = {}
    lock = threading.Lock()

    def ask(name: str) -> ProjectInfo | LookupUnavailableError | None:
        result = client.project(name)
        if result.not_found:
            return None
        info = result.data.get("info") if result.data is not None else None
        if not isinstance(info, dict):
            return LookupUnavailableError(result.error or "PyPI answer without info")
        return ProjectInfo(str(info.get("name") or name), info.get("version") or None)

    def lookup(name: str) -> ProjectInfo | None:
        with lock:
            known = name in answers
            answer = answers.get(name)
        if not known:
            answer = ask(name)
            with lock:
                answers[name] = answer
        if isinstance(answer, LookupUnavailableError):
            raise answer
        return answer

    return lookup


def typosquat_lookup(
    settings: Settings, index: TyposquatIndex | None = None
) -> TyposquatLookup:
    """The typosquat index of ``vet`` over the top-packages ranking (``index``: one built
    already, with the default thresholds). Each name is checked once."""
    if index is None:
        index = TyposquatIndex(load_toplist(settings.cache_dir).names)
        index.load_state(settings.cache_dir)  # the tables `vet` saved, when there are any
    answers: dict[str, str | None] = {}

    def lookup(name: str) -> str | None:
        # Only typosquat suspects; an add-on-like name (a warn-level combosquat) is for
        # `vet` to explain, not a lint error on every project that uses it.
        if name not in answers:
            match = index.check(name)
            answers[name] = (
                None if match is None or match.level != "risk" else str(match.target)
            )
        return answers[name]

    return lookup


def advisor_lookup(
    settings: Settings, *, offline: bool, client: PyPIClient | None = None
) -> tuple[Advisor, Callable[[], None]]:
    """The safe floors of :mod:`pipwarden.advice` from the local vulnerability database and
    PyPI's release lists (the on-disk cache only when offline), as the audit computes them;
    and a close function. Raises when there is no database yet. ``client``: the run's one
    PyPI client, when there is one."""
    from dataclasses import replace

    from pipwarden.audit import pypi_release_provider

    store = VulnStore.open(settings.db_path)
    releases = pypi_release_provider(replace(settings, offline=offline or settings.offline),
                                     client)
    return Advisor(store.advisories_for, releases), store.close


def default_lookups(
    settings: Settings,
    *,
    offline: bool,
    typosquat_index: Callable[[], TyposquatIndex] | None = None,
    client: PyPIClient | None = None,
) -> Lookups:
    """PyPI's JSON API when online; the typosquat index and the vulnerability database when
    they are installed and have data. Each missing source is named in ``skipped``.
    ``typosquat_index`` gives an index built already and ``client`` the run's PyPI client
    (``check`` shares both with its other parts: one cache, one client per run)."""
    skipped: list[str] = []
    project: ProjectLookup | None = None
    if offline and not settings.pypi_cache_dir.is_dir():
        skipped.append("PW402: skipped: offline")
    elif client is not None:
        project = _pypi_project(client)
    elif offline:  # PyPI's answers of earlier runs, as vet reads them offline: the same
        # names flagged online and offline; a name the cache lacks is named as skipped
        project = _pypi_project(PyPIClient(settings, progress=False, offline=True))
    else:
        # PyPI only enriches lint (PW402, PW102/PW304 fixes): one retry is enough
        project = _pypi_project(PyPIClient(settings, progress=False, offline=False, retries=1))
    typosquat: TyposquatLookup | None = None
    try:
        typosquat = typosquat_lookup(
            settings, typosquat_index() if typosquat_index is not None else None
        )
    except Exception as exc:  # any failure means: no typosquat data, the rule is skipped
        log.debug("typosquat index unavailable: %s", exc)
        skipped.append("PW401: skipped: typosquat index unavailable")
    advisor: Advisor | None = None
    close: Callable[[], None] | None = None
    try:
        advisor, close = advisor_lookup(settings, offline=offline, client=client)
    except Exception as exc:  # no database yet: the rule is skipped, never a crash
        log.debug("vulnerability database unavailable: %s", exc)
        skipped.append("PW403: skipped: no vulnerability database (run `pipwarden db update`)")
    return Lookups(project, typosquat, advisor, tuple(skipped), close)


def fetch_projects(
    lookup: ProjectLookup, names: Iterable[str]
) -> tuple[dict[str, ProjectInfo | None], str | None]:
    """Look up many names at once; returns the answers and a reason when some failed."""
    unique = sorted(set(names))
    answers: dict[str, ProjectInfo | None] = {}
    problem: str | None = None
    if not unique:
        return answers, problem

    def one(name: str) -> tuple[str, ProjectInfo | None, str | None]:
        try:
            return name, lookup(name), None
        except LookupUnavailableError as exc:
            return name, None, str(exc)

    from concurrent.futures import ThreadPoolExecutor  # (threads: only with names to ask)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for name, info, error in pool.map(one, unique):
            if error is None:
                answers[name] = info
            else:
                problem = error
    return answers, problem


def check_supply_chain(
    path: str,
    entries: Iterable[ReqEntry],
    ctx: LintContext,
    lookups: Lookups,
    projects: dict[str, ProjectInfo | None],
) -> Iterator[Finding]:
    """PW401-PW403 over entries with a name (URL requirements are PW3xx's business)."""
    for entry in entries:
        name, raw = entry.name, entry.raw_name
        if name is None or raw is None or entry.url is not None:
            continue
        at = (path, entry.line, entry.column)
        if lookups.typosquat is not None and ctx.on("PW401"):
            target = lookups.typosquat(name)
            if target is not None and target != name:
                yield Finding(
                    "PW401",
                    f"{raw} looks like a typosquat of {target}: did you mean {target}?",
                    *at,
                )
        if name in projects and projects[name] is None and ctx.on("PW402"):
            yield Finding(
                "PW402",
                f"{raw} is not on PyPI: a typo, a private package that an attacker can "
                f"register there, or a removed project",
                *at,
            )
        if lookups.advisor is not None and ctx.on("PW403"):
            found = admitted(
                name,
                entry.specifier,
                lookups.advisor.advisories(name),
                releases=lookups.advisor.releases(name),
                ignores=ctx.ignores,
            )
            for record in found.unevaluable:  # one bad record never hides the others
                log.warning("%s: advisory %s could not be evaluated; run `pipwarden audit` "
                            "to see it as not checked", name, record)
            if found.ids:
                advice = lookups.advisor.advise(name, ctx.ignores)
                yield _vulnerable_floor(entry, found.ids, found.versions, advice, at)


def _shown(items: tuple[str, ...], limit: int) -> str:
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit
                                       else "")


def _vulnerable_floor(
    entry: ReqEntry,
    ids: tuple[str, ...],
    versions: tuple[str, ...],
    advice: Advice,
    at: tuple[str, int, int],
) -> Finding:
    what = f"{entry.raw_name}{entry.specifier} admits known-vulnerable versions " \
        f"({_shown(versions, 4)}: {_shown(ids, 3)})"
    edits: tuple[Edit, ...] = ()
    try:
        specs = list(SpecifierSet(entry.specifier))
    except InvalidSpecifier:
        specs = []
    safe = advice.floor
    if safe is None:
        return Finding("PW403", f"{what}; {NO_SAFE_VERSION}: look for an alternative", *at)
    written = entry.written(entry.spec_start, entry.spec_end)
    if written is not None and (
        not specs or (len(specs) == 1 and specs[0].operator in {">=", ">", "=="})
    ):
        edits = (Edit(entry.spec_start, entry.spec_end, written, f">={safe}"),)
    return Finding("PW403", f"{what}: raise the floor to {entry.raw_name}>={safe}", *at, edits)
