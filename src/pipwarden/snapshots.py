"""Snapshots of a venv's installed packages, kept as history in the project.

A snapshot is read from the venv's metadata on disk (nothing is imported or run): each
package's name, version, ``Requires-Dist`` and project URLs, plus the PyPI maintainers
(``ownership.roles``) when PyPI was reachable. Snapshots live in
``<project>/.pipwarden/history/`` as JSON files named by their UTC timestamp, so "what
changed since the last run" works across days. ``.pipwarden/`` holds a ``.gitignore`` with
``*``: nothing in it is ever committed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.sources.environment import read_environment

__all__ = [
    "SCHEMA_VERSION",
    "STATE_DIR",
    "PackageState",
    "Snapshot",
    "atomic_write_text",
    "ensure_state_dir",
    "history_dir",
    "list_history",
    "load_snapshot",
    "save_snapshot",
    "take_snapshot",
]

SCHEMA_VERSION = 1
STATE_DIR = ".pipwarden"


@frozen
class PackageState:
    """One installed package as a snapshot remembers it."""

    name: str
    display_name: str
    version: str
    requires: tuple[str, ...] = ()
    project_urls: tuple[tuple[str, str], ...] = ()
    roles: tuple[str, ...] | None = None  # PyPI maintainers ("role:user"), None = unknown

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "display_name": self.display_name,
            "version": self.version,
            "requires": list(self.requires),
            "project_urls": [list(pair) for pair in self.project_urls],
        }
        if self.roles is not None:
            out["roles"] = list(self.roles)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PackageState:
        roles = data.get("roles")
        return cls(
            name=str(data["name"]),
            display_name=str(data.get("display_name") or data["name"]),
            version=str(data["version"]),
            requires=tuple(str(r) for r in data.get("requires", ())),
            project_urls=tuple(
                (str(p[0]), str(p[1])) for p in data.get("project_urls", ()) if len(p) == 2
            ),
            roles=tuple(str(r) for r in roles) if isinstance(roles, list) else None,
        )


@frozen
class Snapshot:
    """The packages of a venv at one moment."""

    taken_at: datetime
    venv: str
    python: str | None
    packages: tuple[PackageState, ...] = field(default=())
    label: str = "after"

    def by_name(self) -> dict[str, PackageState]:
        return {p.name: p for p in self.packages}

    def with_roles(self, roles: Mapping[str, tuple[str, ...]]) -> Snapshot:
        """A copy carrying the PyPI maintainers found for some packages."""
        packages = tuple(
            PackageState(p.name, p.display_name, p.version, p.requires, p.project_urls,
                         roles.get(p.name, p.roles))
            for p in self.packages
        )
        return Snapshot(self.taken_at, self.venv, self.python, packages, self.label)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "taken_at": self.taken_at.astimezone(UTC).isoformat(),
            "label": self.label,
            "venv": self.venv,
            "python": self.python,
            "packages": [p.to_json() for p in self.packages],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(
            taken_at=datetime.fromisoformat(str(data["taken_at"])),
            venv=str(data.get("venv", "")),
            python=data.get("python") if isinstance(data.get("python"), str) else None,
            packages=tuple(PackageState.from_json(p) for p in data.get("packages", ())),
            label=str(data.get("label", "after")),
        )


def take_snapshot(venv: Path, *, now: datetime | None = None, label: str = "after") -> Snapshot:
    """Read the venv's metadata from disk (never running its interpreter)."""
    env = read_environment(venv)
    seen: dict[str, PackageState] = {}
    for package in env.packages:
        seen.setdefault(
            package.name,
            PackageState(
                name=package.name,
                display_name=package.display_name,
                version=package.version,
                requires=package.requires_dist,
                project_urls=package.project_urls,
            ),
        )
    return Snapshot(
        taken_at=now or datetime.now(UTC),
        venv=str(venv),
        python=env.python_version,
        packages=tuple(seen[name] for name in sorted(seen)),
        label=label,
    )


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temp file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        Path(tmp).chmod(0o644)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def ensure_state_dir(project: Path) -> Path:
    """``<project>/.pipwarden`` with a ``.gitignore`` that ignores everything in it."""
    state = project / STATE_DIR
    state.mkdir(parents=True, exist_ok=True)
    ignore = state / ".gitignore"
    if not ignore.exists():
        atomic_write_text(ignore, "# written by pipwarden: logs and history stay local\n*\n")
    return state


def history_dir(project: Path) -> Path:
    return project / STATE_DIR / "history"


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%fZ")


def save_snapshot(project: Path, snapshot: Snapshot) -> Path:
    """Store ``snapshot`` in the project's history; returns the file written."""
    ensure_state_dir(project)
    folder = history_dir(project)
    path = folder / f"{_stamp(snapshot.taken_at)}-{snapshot.label}.json"
    atomic_write_text(path, json.dumps(snapshot.to_json(), indent=1, sort_keys=True) + "\n")
    return path


def list_history(project: Path, *, label: str | None = "after") -> list[Path]:
    """History files, oldest first (only one ``label`` unless ``None``)."""
    folder = history_dir(project)
    if not folder.is_dir():
        return []
    suffix = f"-{label}.json" if label else ".json"
    return sorted(p for p in folder.iterdir() if p.name.endswith(suffix) and p.is_file())


def load_snapshot(path: Path) -> Snapshot:
    """Read one history file; a damaged file is an :class:`InputError` naming it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        return Snapshot.from_json(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"unreadable snapshot ({exc}); delete it to start afresh",
                         path=str(path)) from None
