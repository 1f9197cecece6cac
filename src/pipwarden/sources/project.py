"""What a project folder holds: requirements files, pyproject.toml, pylock files, a venv."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.sources.environment import find_environment
from pipwarden.sources.pylock import PYLOCK_NAME_RE

__all__ = ["Project", "discover"]

_REQUIREMENTS_RE = re.compile(r"^requirements.*\.txt$", re.IGNORECASE)


@dataclass(frozen=True)
class Project:
    """The inputs found in a project folder (paths, nothing parsed yet)."""

    root: Path
    requirements: tuple[Path, ...]
    pyproject: Path | None
    pylock: tuple[Path, ...]
    venv: Path | None


def discover(path: Path, *, environ: Mapping[str, str] | None = None) -> Project:
    """Find ``requirements*.txt`` at the top level and ``requirements/*.txt`` (sorted),
    ``pyproject.toml``, ``pylock.toml`` / ``pylock.*.toml`` and the project's venv. Only those
    two levels are listed: venvs, ``node_modules`` and other folders are never searched."""
    root = Path(path)
    if not root.is_dir():
        raise InputError("not a folder", path=str(root))
    requirements: list[Path] = []
    pylock: list[Path] = []
    for entry in sorted(root.iterdir()):
        if entry.is_file() and _REQUIREMENTS_RE.match(entry.name):
            requirements.append(entry)
        elif entry.is_file() and PYLOCK_NAME_RE.match(entry.name):
            pylock.append(entry)
    folder = root / "requirements"
    if folder.is_dir():
        requirements.extend(
            sorted(p for p in folder.iterdir() if p.is_file() and p.suffix == ".txt")
        )
    pyproject = root / "pyproject.toml"
    return Project(
        root=root,
        requirements=tuple(requirements),
        pyproject=pyproject if pyproject.is_file() else None,
        pylock=tuple(pylock),
        venv=find_environment(root, environ),
    )
