"""PW4xx: what a name points at. Typosquats, names PyPI does not know, vulnerable floors.

These rules need data from elsewhere (PyPI, the typosquat index, the vulnerability
database). They reach it through :class:`Lookups`, a few callables that tests replace;
each missing source turns its rule into a "skipped: reason" line, never a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.checks.typosquat import TyposquatIndex
from pipwarden.lint.engine import Edit, Finding, LintContext, rule
from pipwarden.lint.inputs import ReqEntry
from pipwarden.lint.pins import floor_version
from pipwarden.pypi.client import PyPIClient
from pipwarden.settings import Settings
from pipwarden.toplist import load_toplist
from pipwarden.vulndb.ranges import lowest_safe_floor
from pipwarden.vulndb.store import VulnStore

__all__ = [
    "LookupUnavailableError",
    "Lookups",
    "ProjectInfo",
    "check_supply_chain",
    "default_lookups",
    "fetch_projects",
    "floor_lookup",
    "typosquat_lookup",
]

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class ProjectInfo:
    """What lint needs from PyPI about one project."""

    name: str  # PyPI's spelling
    latest: str | None


# name -> info, or None when PyPI answers 404
ProjectLookup = Callable[[str], ProjectInfo | None]
# name -> the popular package it imitates, or None
TyposquatLookup = Callable[[str], str | None]
# (name, specifier) -> None when safe, else (lowest safe floor or None if no fix, advisory ids)
FloorLookup = Callable[[str, str], tuple[str | None, tuple[str, ...]] | None]


@dataclass(frozen=True)
class Lookups:
    """The data sources of the PW4xx rules (and of PW102/PW304 fixes); ``None`` = skipped."""

    project: ProjectLookup | None = None
    typosquat: TyposquatLookup | None = None
    safe_floor: FloorLookup | None = None
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


def typosquat_lookup(settings: Settings) -> TyposquatLookup:
    """The typosquat index of ``vet`` over the top-packages ranking."""
    index = TyposquatIndex(load_toplist(settings.cache_dir).names)
    index.load_state(settings.cache_dir)  # the tables `vet` saved, when there are any

    def lookup(name: str) -> str | None:
        # Only typosquat suspects; an add-on-like name (a warn-level combosquat) is for
        # `vet` to explain, not a lint error on every project that uses it.
        match = index.check(name)
        return None if match is None or match.level != "risk" else str(match.target)

    return lookup


def _evaluable(spec: SpecifierSet, advisories: list[Any], name: str) -> list[Any]:
    """The advisories that can be evaluated against ``spec``; the others are logged (one
    bad record must not hide the package's other records)."""
    kept = []
    for adv in advisories:
        try:
            lowest_safe_floor(spec, [adv], releases=None, package=name)
        except ValueError as exc:
            log.warning("%s: advisory %s could not be evaluated (%s)", name, adv.id,
                        str(exc)[:100])
            continue
        kept.append(adv)
    return kept


def floor_lookup(settings: Settings) -> tuple[FloorLookup, Callable[[], None]]:
    """The lowest safe floor from the local vulnerability database, and a close function.

    Raises when there is no database yet.
    """
    store = VulnStore.open(settings.db_path)
    cache: dict[str, list[Any]] = {}

    def lookup(name: str, specifier: str) -> tuple[str | None, tuple[str, ...]] | None:
        if name not in cache:
            cache.update({name: []})
            cache.update(store.advisories_for([name]))
        try:
            spec = SpecifierSet(specifier)
        except InvalidSpecifier:
            return None
        pins = [s for s in spec if s.operator in {"==", "==="} and not s.version.endswith(".*")]
        if len(pins) == 1 and len(spec) == 1:
            # A pin cannot be narrowed: the routine's answer is a floor, so judge ">=pin"
            # (a local label such as +cpu is not allowed in a floor: its public version).
            floor = floor_version(pins[0].version)
            if floor is None:
                return None
            spec = SpecifierSet(f">={floor}")
        try:
            answer = lowest_safe_floor(spec, cache[name], releases=None, package=name)
        except ValueError:  # a record (or the specifier) with a version too long to evaluate
            answer = lowest_safe_floor(spec, _evaluable(spec, cache[name], name), releases=None,
                                       package=name)
        if answer.status == "safe":
            return None
        return (answer.floor if answer.status == "raise" else None), tuple(answer.advisories)

    return lookup, store.close


def default_lookups(settings: Settings, *, offline: bool) -> Lookups:
    """PyPI's JSON API when online; the typosquat index and the vulnerability database when
    they are installed and have data. Each missing source is named in ``skipped``."""
    skipped: list[str] = []
    project: ProjectLookup | None = None
    if offline:
        skipped.append("PW402: skipped: offline")
    else:
        # PyPI only enriches lint (PW402, PW102/PW304 fixes): one retry is enough
        project = _pypi_project(PyPIClient(settings, progress=False, offline=False, retries=1))
    typosquat: TyposquatLookup | None = None
    try:
        typosquat = typosquat_lookup(settings)
    except Exception as exc:  # any failure means: no typosquat data, the rule is skipped
        log.debug("typosquat index unavailable: %s", exc)
        skipped.append("PW401: skipped: typosquat index unavailable")
    safe_floor: FloorLookup | None = None
    close: Callable[[], None] | None = None
    try:
        safe_floor, close = floor_lookup(settings)
    except Exception as exc:  # no database yet: the rule is skipped, never a crash
        log.debug("vulnerability database unavailable: %s", exc)
        skipped.append("PW403: skipped: no vulnerability database (run `pipwarden db update`)")
    return Lookups(project, typosquat, safe_floor, tuple(skipped), close)


def fetch_projects(
    lookup: ProjectLookup, names: Iterable[str]
) -> tuple[dict[str, ProjectInfo | None], str | None]:
    """Look up many names at once; returns the answers and a reason when some failed."""
    unique = sorted(set(names))
    answers: dict[str, ProjectInfo | None] = {}
    problem: str | None = None

    def one(name: str) -> tuple[str, ProjectInfo | None, str | None]:
        try:
            return name, lookup(name), None
        except LookupUnavailableError as exc:
            return name, None, str(exc)

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
        if lookups.safe_floor is not None and ctx.on("PW403"):
            answer = lookups.safe_floor(name, entry.specifier)
            if answer is not None:
                yield _vulnerable_floor(entry, answer, at)


def _vulnerable_floor(
    entry: ReqEntry, answer: tuple[str | None, tuple[str, ...]], at: tuple[str, int, int]
) -> Finding:
    safe, ids = answer
    shown = ", ".join(ids[:3]) + (f" and {len(ids) - 3} more" if len(ids) > 3 else "")
    edits: tuple[Edit, ...] = ()
    try:
        specs = list(SpecifierSet(entry.specifier))
    except InvalidSpecifier:
        specs = []
    if safe is None:
        return Finding(
            "PW403",
            f"{entry.raw_name}{entry.specifier} admits versions with known vulnerabilities "
            f"({shown}) and no release fixes them yet: look for an alternative",
            *at,
        )
    written = entry.written(entry.spec_start, entry.spec_end)
    if written is not None and (
        not specs or (len(specs) == 1 and specs[0].operator in {">=", ">", "=="})
    ):
        edits = (Edit(entry.spec_start, entry.spec_end, written, f">={safe}"),)
    return Finding(
        "PW403",
        f"{entry.raw_name}{entry.specifier} admits versions with known vulnerabilities "
        f"({shown}): raise the floor to {entry.raw_name}>={safe}",
        *at,
        edits,
    )
