"""Packages to vet from the command line and from requirements files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.errors import (
    InputError,
)
from pipwarden.models import Dependency
from pipwarden.vet.models import VetRequest


def parse_request(
    text: str, *, location: str | None = None, ranges: bool = False
) -> VetRequest:
    """``NAME``, ``NAME==VERSION`` or ``NAME[extra]…`` from the command line.

    With ``ranges`` any specifier is accepted (``NAME<2``): the newest release it admits
    is vetted; without, only an exact version (``add`` writes its own bound).
    """
    from packaging.requirements import InvalidRequirement, Requirement  # only when used

    try:
        req = Requirement(text.strip())
    except InvalidRequirement as exc:
        raise InputError(
            f"cannot read package {text!r}: {exc}", hint="write NAME or NAME==VERSION"
        ) from None
    version = exact_version(str(req.specifier))
    specifier = ""
    if version is None and req.specifier:
        if not ranges:
            raise InputError(
                f"cannot vet {text!r}: give one exact version (NAME==VERSION) or none",
            )
        specifier = str(req.specifier)
    return VetRequest(req.name, version, tuple(sorted(req.extras)), location, specifier)


def direct_requests(deps: Iterable[Dependency]) -> list[VetRequest]:
    """One request per declared dependency name, as every command that counts a project's
    tree builds it (check's vet part, slim's weights): the first declaration's pin or
    range, the extras of all of them. Constraints, URL requirements and nameless entries
    are left out (nothing on the index to load)."""
    first: dict[str, Dependency] = {}
    extras: dict[str, set[str]] = {}
    for dep in deps:
        if dep.constraint or dep.url is not None or not dep.name:
            continue
        first.setdefault(dep.name, dep)
        extras.setdefault(dep.name, set()).update(dep.extras)
    requests = []
    for name, dep in first.items():
        pin = exact_version(dep.specifier)  # else: the newest release the range admits
        spec = "" if pin is not None else dep.specifier.strip()
        requests.append(
            VetRequest(name, pin, tuple(sorted(extras[name])), str(dep.location), spec)
        )
    return requests


def exact_version(specifier: str) -> str | None:
    """The version of a lone ``==V`` (no wildcard) or ``===V``; ``None`` for anything else."""
    try:
        specs = list(SpecifierSet(specifier))
    except InvalidSpecifier:
        return None
    if len(specs) == 1 and specs[0].operator in {"==", "==="} and "*" not in specs[0].version:
        return specs[0].version
    return None


def requests_from_file(path: Path, *, root: Path | None = None) -> list[VetRequest]:
    """Every requirement of a requirements file (``-r`` includes followed, ``-c`` skipped).

    ``root`` is the project root (default: the file's folder): bad lines of files outside
    it are reported by file and line only.
    """
    from pipwarden.sources.requirements import parse_requirements

    parsed = parse_requirements(path, root=root)
    out: list[VetRequest] = []
    for dep in parsed.dependencies:
        if dep.constraint:
            continue
        pin = exact_version(dep.specifier)
        out.append(
            VetRequest(
                dep.name,
                pin,
                tuple(dep.extras),
                str(dep.location),
                "" if pin is not None else dep.specifier.strip(),
            )
        )
    return out


