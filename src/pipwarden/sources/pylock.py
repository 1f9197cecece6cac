"""Packages pinned in a PEP 751 lock file (``pylock.toml`` / ``pylock.<name>.toml``).

Each ``[[packages]]`` entry becomes a :class:`Dependency` pinned with ``==version``; entries
installed from a VCS, a local directory or an archive keep their source in ``url`` (not
auditable by version; a ``vcs`` entry may still carry a ``version``, kept in
``specifier``). An entry with neither version nor source is listed as not checked.

Markers are evaluated the PEP 751 way (:mod:`pipwarden.sources.lockmarkers`): ``extras``
and ``dependency_groups`` are sets of names. Every package is reported, with the labels
of what selects it: ``main`` when the marker can be true with no extra and the
``default-groups``; ``optional:<extra>`` / ``group:<name>`` for each extra or group the
marker names and that can make it true. ``this_platform=True`` drops the entries whose
marker is false on this machine whatever the extras and groups.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location, canonical_name
from pipwarden.sources.interface import NotChecked, SourceResult, join_groups
from pipwarden.sources.lockcommon import (
    as_list,
    as_str,
    as_table,
    header_lines,
    load_lock_toml,
    marker_here,
    name_of,
    parse_lock_marker,
    pin,
)
from pipwarden.sources.lockmarkers import ParsedMarker

Env = dict[str, str | frozenset[str]]

__all__ = ["FORMAT", "PYLOCK_NAME_RE", "read", "read_pylock"]

FORMAT = "pylock.toml"

#: File names a PEP 751 lock file may have.
PYLOCK_NAME_RE = re.compile(r"^pylock\.([^.]+\.)?toml$")


def read_pylock(path: Path | str) -> tuple[Dependency, ...]:
    """The packages of a pylock.toml, for callers of the old reader: an entry with neither
    version nor source (``not_checked`` in :func:`read`) comes back as a bare name, as it
    always did here, so that it gets the floor audit instead of vanishing."""
    result = read(Path(path), root=Path(path).parent)
    bare = tuple(
        Dependency(name=canonical_name(item.what), raw_name=item.what, specifier="",
                   location=item.location, text=item.what)
        for item in result.not_checked
    )
    return result.dependencies + bare


def read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
    """Read a pylock.toml; see the module docstring. ``root`` is unused."""
    del root
    name = str(path)
    data, text = load_lock_toml(path)
    version = data.get("lock-version")
    if version is not None and not str(version).startswith("1."):
        raise InputError(f"unsupported lock-version {version!r} (pipwarden reads 1.x)",
                         path=name)
    extras = _names(data, "extras", name)
    groups = _names(data, "dependency-groups", name)
    defaults = _names(data, "default-groups", name)
    packages = as_list(data.get("packages", []), name, "[[packages]]")
    lines = header_lines(text, "packages")
    if len(lines) != len(packages):
        lines = []
    deps: list[Dependency] = []
    unchecked: list[NotChecked] = []
    for index, raw in enumerate(packages):
        line = lines[index] if lines else None
        table = as_table(raw, name, f"packages[{index}]", line)
        raw_name = name_of(table, name, f"packages[{index}]", line)
        where = f"packages[{index}] ({raw_name})"
        marker = None
        if table.get("marker") is not None:
            marker = parse_lock_marker(table["marker"], name, f"{where}: marker", line)
        if this_platform and not marker_here(marker):
            continue
        labels = _labels(marker, extras, groups, defaults)
        dep = _entry(table, raw_name, name, line, where, marker, labels)
        if dep is None:
            unchecked.append(NotChecked(raw_name, Location(name, line),
                                        "neither a version nor a source in the pylock file"))
        else:
            deps.append(dep)
    return SourceResult(name, FORMAT, tuple(deps), tuple(unchecked))


def _names(data: dict[str, Any], key: str, path: str) -> frozenset[str]:
    return frozenset(canonical_name(as_str(item, path, key))
                     for item in as_list(data.get(key, []), path, key))


def _labels(marker: ParsedMarker | None, extras: frozenset[str], groups: frozenset[str],
            defaults: frozenset[str]) -> set[str]:
    """What selects an entry, evaluated with the platform unknown."""
    if marker is None:
        return {"main"}
    named_extras = marker.names_in("extras") | marker.names_in("extra")
    named_groups = marker.names_in("dependency_groups")
    labels: set[str] = set()
    base: Env = {"extras": frozenset[str](), "dependency_groups": defaults, "extra": ""}
    if marker.evaluate(base) is not False:
        labels.add("main")
    for extra in sorted(named_extras):
        env: Env = {"extras": frozenset({extra}), "dependency_groups": defaults, "extra": extra}
        if marker.evaluate(env) is not False:
            labels.add(f"optional:{extra}")
    for group in sorted(named_groups - defaults):
        env = {"extras": frozenset[str](), "dependency_groups": frozenset({group})}
        if marker.evaluate(env) is not False:
            labels.add(f"group:{group}")
    if not labels:
        every: Env = {"extras": extras | named_extras,
                 "dependency_groups": groups | named_groups | defaults}
        if marker.evaluate(every) is not False:
            labels |= {f"optional:{e}" for e in named_extras}
            labels |= {f"group:{g}" for g in named_groups - defaults}
            labels |= {"main"} if not (named_extras or named_groups - defaults) else set()
    del extras, groups
    return labels


def _entry(table: dict[str, Any], raw_name: str, path: str, line: int | None, where: str,
           marker: ParsedMarker | None, labels: set[str]) -> Dependency | None:
    pinned = table.get("version")
    specifier = ""
    if pinned is not None:
        specifier = pin(pinned, path, where, line)
    url = _source_url(table, path, where, line)
    hashes: list[str] = []
    wheels = as_list(table.get("wheels", []), path, f"{where}: wheels", line)
    for dist in [table.get("sdist"), table.get("archive"), *wheels]:
        if dist is None:
            continue
        digests = as_table(dist, path, f"{where}: sdist/wheels/archive", line).get("hashes", {})
        for algo, digest in as_table(digests, path, f"{where}: hashes", line).items():
            hashes.append(f"{algo}:{as_str(digest, path, f'{where}: hashes', line)}")
    if not specifier and url is None:
        return None
    directory = table.get("directory")
    editable = isinstance(directory, dict) and directory.get("editable") is True
    return Dependency(
        name=canonical_name(raw_name),
        raw_name=raw_name,
        specifier=specifier,
        location=Location(path, line),
        text=f"{raw_name}{specifier}" if url is None else f"{raw_name} @ {url}",
        marker=marker.text if marker is not None else None,
        url=url,
        hashes=tuple(hashes),
        editable=editable,
        group=join_groups(labels),
    )


def _source_url(table: dict[str, Any], path: str, where: str, line: int | None) -> str | None:
    vcs = table.get("vcs")
    if vcs is not None:
        vcs = as_table(vcs, path, f"{where}: vcs", line)
        kind = as_str(vcs.get("type", "git"), path, f"{where}: vcs.type", line)
        place = vcs.get("url") or vcs.get("path")
        place = as_str(place, path, f"{where}: vcs.url", line)
        commit = vcs.get("commit-id") or vcs.get("requested-revision")
        url = place if "+" in place.split(":", 1)[0] else f"{kind}+{place}"
        return f"{url}@{commit}" if isinstance(commit, str) and commit else url
    directory = table.get("directory")
    if directory is not None:
        directory = as_table(directory, path, f"{where}: directory", line)
        return as_str(directory.get("path"), path, f"{where}: directory.path", line)
    archive = table.get("archive")
    if archive is not None:
        archive = as_table(archive, path, f"{where}: archive", line)
        return as_str(archive.get("url") or archive.get("path"), path, f"{where}: archive.url",
                      line)
    return None
