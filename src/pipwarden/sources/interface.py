"""The one shape every dependency-file reader returns.

Each format (``uv.lock``, ``poetry.lock``, ``Pipfile.lock``, ``pdm.lock``, ``pylock.toml``,
conda ``environment.yml``) has a module in :mod:`pipwarden.sources` with the same entry
point::

    read(path: Path, *, root: Path, this_platform: bool = False) -> SourceResult

- ``dependencies``: one :class:`~pipwarden.models.Dependency` per locked entry. A version
  from an index is the specifier ``==<version>`` (``===<version>`` when it is not PEP 440);
  ``location`` is the file (as given) and the line where the entry starts; ``group`` is the
  comma-joined, sorted labels of what brings the entry in (see :func:`group_labels`);
  ``marker`` is the marker that selects the entry (``None``: always); ``url`` is set for
  VCS, URL, path and editable entries (not auditable by version; a VCS entry may still
  carry its version in ``specifier``).
- ``not_checked``: entries the reader saw but cannot judge (a conda package, an entry
  with neither version nor source), each with what, where and why. Never dropped.
- ``options``: index options met on the way (``--extra-index-url`` in a conda ``pip:``
  list), for the private-index code.

A malformed file raises :class:`pipwarden.errors.InputError` naming the file and line;
no reader raises anything else. A universal lock describes every platform: every entry
is reported, whatever this machine is; ``this_platform=True`` keeps only the entries
whose marker is true, or unknown, here.

Group labels, the same words the pyproject reader uses: ``main`` (what a plain install
brings), ``optional:<extra>`` (an extra of the project), ``group:<name>`` (a dependency
group, Poetry group or category, Pipenv ``develop`` = ``group:dev``, a PDM group). A label
list is empty (``group=None``) when the file does not say (Poetry lock-version 2.0,
PDM before 4.4) and cannot be derived.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from packaging.version import InvalidVersion, Version

from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Location
from pipwarden.sources.requirements import OptionLine

__all__ = [
    "NotChecked",
    "Reader",
    "SourceResult",
    "group_labels",
    "join_groups",
    "pin_specifier",
    "selected_here",
]


@frozen
class NotChecked:
    """An entry a reader could not judge: what it is, where, and why (one sentence)."""

    what: str
    location: Location
    reason: str


@frozen
class SourceResult:
    """What one dependency file holds. ``format`` is the reader's name (``uv.lock`` …)."""

    path: str
    format: str
    dependencies: tuple[Dependency, ...]
    not_checked: tuple[NotChecked, ...] = ()
    options: tuple[OptionLine, ...] = ()


class Reader(Protocol):
    """The signature every format module's ``read`` has."""

    def __call__(self, path: Path, *, root: Path, this_platform: bool = False) -> SourceResult:
        ...


_LEGACY_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+!-]*$")


def pin_specifier(version: str) -> str:
    """``==version`` for a PEP 440 version, ``===version`` for another single word made of
    version characters (an arbitrary equality pip accepts for legacy versions); anything
    else (spaces, quotes, operators) raises :class:`ValueError`."""
    try:
        Version(version)
    except InvalidVersion:
        if not _LEGACY_VERSION.match(version) or len(version) > 128:
            raise ValueError(f"version {version[:60]!r} is not a version") from None
        return f"==={version}"
    return f"=={version}"


def join_groups(labels: Iterable[str]) -> str | None:
    """Labels as stored in ``Dependency.group``: sorted, deduplicated, comma-joined."""
    unique = sorted(set(labels))
    return ",".join(unique) if unique else None


def group_labels(dependency: Dependency) -> tuple[str, ...]:
    """The labels of a locked entry's ``group`` (empty when unknown)."""
    if not dependency.group:
        return ()
    return tuple(dependency.group.split(","))


def selected_here(dependency: Dependency) -> bool:
    """Whether an entry may be installed on this machine: its marker is not false here.

    Unlike ``packaging.markers.Marker.evaluate`` this reads PEP 751 markers
    (``'dev' in dependency_groups``) and leaves extras and groups unknown, so they never
    exclude an entry; a marker that does not parse keeps the entry (it gets audited)."""
    if not dependency.marker:
        return True
    from pipwarden.sources.lockcommon import marker_here
    from pipwarden.sources.lockmarkers import MarkerError, parse_marker

    try:
        return marker_here(parse_marker(dependency.marker))
    except MarkerError:
        return True
