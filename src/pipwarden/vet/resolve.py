"""Which release of a project is vetted, and which of its dependencies apply."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from pipwarden.sources.graph import applicable, marker_environment


def _python_version(python: tuple[int, int]) -> Version:
    return Version(f"{python[0]}.{python[1]}")


def latest_compatible(
    project: Mapping[str, Any], python: tuple[int, int]
) -> str | None:
    """The newest final, non-yanked release whose files accept ``python``."""
    info = project.get("info")
    releases = project.get("releases")
    latest = info.get("version") if isinstance(info, Mapping) else None
    if not isinstance(releases, Mapping) or not releases:
        return str(latest) if latest else None
    target = _python_version(python)
    if isinstance(latest, str) and latest in releases and _accepts(releases[latest], target):
        try:
            if not Version(latest).is_prerelease:
                return latest
        except InvalidVersion:
            pass
    versions: list[tuple[Version, str]] = []
    for text in releases:
        try:
            v = Version(text)
        except InvalidVersion:
            continue
        if not v.is_prerelease:
            versions.append((v, text))
    for _v, text in sorted(versions, reverse=True):
        if _accepts(releases[text], target):
            return text
    return str(latest) if latest else None


def newest_admitted(
    project: Mapping[str, Any], specifier: str, python: tuple[int, int]
) -> str | None:
    """The newest release that ``specifier`` admits, as pip would pick it.

    Only releases with a non-yanked file for ``python`` count (PEP 592: a yanked release
    is taken only when pinned, and pins never come here); pre-releases only when the
    specifier names one. ``None`` when nothing is admitted.
    """
    if not specifier.strip():
        return latest_compatible(project, python)
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    releases = project.get("releases")
    if not isinstance(releases, Mapping):
        return None
    target = _python_version(python)
    candidates: dict[Version, str] = {}
    for text in releases:
        try:
            candidates[Version(str(text))] = str(text)
        except InvalidVersion:
            continue
    admitted = spec.filter(candidates, prereleases=bool(spec.prereleases))
    for version in sorted(admitted, reverse=True):
        if _accepts(releases[candidates[version]], target):
            return candidates[version]
    return None


def _accepts(files: object, target: Version) -> bool:
    """Whether a release has a non-yanked file whose Requires-Python admits ``target``."""
    if not isinstance(files, list):
        return False
    usable = [f for f in files if isinstance(f, Mapping) and not f.get("yanked")]
    # a Requires-Python that is not text says nothing (as an unreadable one): no limit
    for spec in {r if isinstance(r := f.get("requires_python"), str) else None for f in usable}:
        if not spec:
            return True
        try:
            if SpecifierSet(str(spec)).contains(target, prereleases=True):
                return True
        except InvalidSpecifier:
            return True
    return False


def requirements_of(
    requires_dist: Iterable[str],
    extras: Iterable[str],
    python: tuple[int, int],
    specifiers: dict[str, SpecifierSet] | None = None,
) -> dict[str, set[str]]:
    """Dependencies (name → extras) whose markers hold for ``python`` and ``extras``: the
    rule of :func:`pipwarden.sources.graph.applicable`, shared with every other graph.

    With ``specifiers``, each dependency's version specifier is also added (``&``) to
    ``specifiers[name]``, so the release vetted is one the requirement admits.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    env = marker_environment(f"{python[0]}.{python[1]}")
    out: dict[str, set[str]] = {}
    for name, asked, text in applicable(requires_dist, extras, env):
        out.setdefault(name, set()).update(asked)
        if specifiers is None:
            continue
        try:
            spec = Requirement(text).specifier
        except InvalidRequirement:
            continue
        if spec:
            specifiers[name] = specifiers.get(name, SpecifierSet()) & spec
    return out
