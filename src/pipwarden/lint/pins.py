"""PW1xx: version constraints. Minimum bounds only; no pins, no caps, no pre-releases."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pipwarden.advice import floor_for
from pipwarden.lint.engine import Edit, Finding, LintContext, rule
from pipwarden.lint.inputs import ReqEntry
from pipwarden.sources.requirements import OptionLine

__all__ = ["check_pins", "check_pre_option", "floor_version"]

PINNED = rule(
    "PW101",
    "exact-pin",
    "an exact pin (== or ===) keeps security updates out",
    fixable=True,
)
NO_FLOOR = rule(
    "PW102",
    "no-lower-bound",
    "no minimum version: any old, vulnerable release satisfies it",
    fixable=True,
)
CAPPED = rule(
    "PW103",
    "upper-bound",
    "an upper bound (<, <=, ~=, !=, ==X.*) can block security releases",
)
PRE = rule("PW104", "pre-release", "pre-releases allowed (--pre or a pre-release floor)")


def _specs(entry: ReqEntry) -> list[Specifier]:
    try:
        return list(SpecifierSet(entry.specifier))
    except InvalidSpecifier:
        return []


def check_pins(path: str, entries: Iterable[ReqEntry], ctx: LintContext) -> Iterator[Finding]:
    """PW101-PW104 over requirement entries (requirements files or pyproject strings)."""
    for entry in entries:
        if entry.name is None or entry.url is not None:
            continue
        specs = _specs(entry)
        shown = f"{entry.raw_name}{entry.specifier}"
        pins = [s for s in specs if s.operator in {"==", "==="} and not s.version.endswith(".*")]
        if pins and ctx.on("PW101"):
            edits: tuple[Edit, ...] = ()
            version = pins[0].version
            public = floor_version(version)
            # the pin's own version, or the package's safe floor when that is higher: the
            # fix writes what audit advises (pipwarden.advice), never a vulnerable floor
            floor = floor_for(public, ctx.advice(entry.name)) if public else None
            fixed = f"{entry.raw_name}>={floor or version}"
            if len(specs) == 1 and not entry.hashes and entry.spec_start >= 0 and floor:
                old = entry.written(entry.spec_start, entry.spec_end)
                if old is not None and old.startswith(pins[0].operator):
                    edits = (Edit(entry.spec_start, entry.spec_end, old, f">={floor}"),)
            why = " (hash-checked: pins stay until you drop the hashes)" if entry.hashes else ""
            if public and public != version and not entry.hashes:
                local = version[len(public):]
                why += f" (the local label {local} comes from the index you install from)"
            yield Finding(
                "PW101",
                f"{shown} is pinned: use {fixed} so updates reach you{why}",
                edits=edits,
                path=path,
                line=entry.line,
                column=entry.column,
            )
        floors = [s for s in specs if s.operator in {">=", ">", "~=", "==", "==="}]
        if not floors and ctx.on("PW102"):
            yield _no_floor(path, entry, specs, ctx)
        caps = [
            s
            for s in specs
            if s.operator in {"<", "<=", "~=", "!="}
            or (s.operator == "==" and s.version.endswith(".*"))
        ]
        if caps and ctx.on("PW103") and entry.name not in ctx.config.allow_caps:
            text = ",".join(str(s) for s in caps)
            yield Finding(
                "PW103",
                f"{entry.raw_name}{text} caps the version: a security release above the cap "
                f"cannot reach you; keep only the floor",
                path=path,
                line=entry.line,
                column=entry.column,
            )
        if ctx.on("PW104"):
            pre = [s for s in floors if _is_pre(s.version)]
            if pre:
                yield Finding(
                    "PW104",
                    f"{entry.raw_name}{pre[0]} allows pre-releases: use a final release as "
                    f"the floor",
                    path=path,
                    line=entry.line,
                    column=entry.column,
                )


def _no_floor(path: str, entry: ReqEntry, specs: list[Specifier], ctx: LintContext) -> Finding:
    version = floor_version(ctx.installed.get(entry.name or "") or "")
    source = "installed"
    if version is None:
        version = floor_version(ctx.latest.get(entry.name or "") or "")
        source = "latest on PyPI"
    if version is not None:
        safe = floor_for(version, ctx.advice(entry.name or ""))
        if safe != version:
            version, source = safe, "the lowest version with no known vulnerability"
    edits: tuple[Edit, ...] = ()
    if version is not None and not specs and entry.spec_start >= 0:
        edits = (Edit(entry.spec_start, entry.spec_end, "", f">={version}"),)
        hint = f"use {entry.raw_name}>={version} ({source})"
    else:
        hint = f"add a floor, e.g. {entry.raw_name}>=X.Y"
    return Finding(
        "PW102",
        f"{entry.raw_name}{entry.specifier} has no lower bound: {hint}",
        path,
        entry.line,
        entry.column,
        edits,
    )


def check_pre_option(
    path: str, options: Iterable[OptionLine], ctx: LintContext
) -> Iterator[Finding]:
    """PW104 for ``--pre`` in a requirements file."""
    if not ctx.on("PW104"):
        return
    for option in options:
        if option.name == "--pre":
            yield Finding(
                "PW104",
                "--pre lets pip install pre-releases of every package: remove it",
                path,
                option.location.line,
                option.location.column,
            )


def floor_version(text: str) -> str | None:
    """The version to write after ``>=``: the public part (``2.8.0+cpu`` → ``2.8.0``).

    A local label is only valid with ``==`` and ``!=`` (PEP 440), so a floor drops it;
    ``None`` when ``text`` is not a PEP 440 version (then nothing is written).
    """
    try:
        return Version(text).public if text else None
    except InvalidVersion:
        return None


def _is_pre(text: str) -> bool:
    try:
        return Version(text.removesuffix(".*")).is_prerelease
    except InvalidVersion:
        return False
