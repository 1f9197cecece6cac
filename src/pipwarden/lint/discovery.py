"""What ``pipwarden lint`` reads: the files of the paths given (requirements files,
pyproject.toml, dbt package files, scripts and CI configs; virtual environments and build
folders skipped) and the versions installed in the project venv."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Sequence
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.lint import scripts
from pipwarden.log import get_logger
from pipwarden.sources.environment import read_environment

__all__ = ["discover", "installed_versions"]

log = get_logger(__name__)

_SKIP_DIRS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "env",
    ".env",
    "node_modules",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "site-packages",
    "dbt_packages",
    "dbt_modules",
    "target",
    "build",
    "dist",
    ".ipynb_checkpoints",
}
_REQ_PATTERNS = (
    "requirements*.txt",
    "*requirements.txt",
    "*-requirements*.txt",
    "constraints*.txt",
)


@frozen
class _Target:
    """A file lint reads, and how."""

    path: str  # as shown and opened
    kind: str  # requirements | pyproject | dbt | script


# the patterns as one regex (fnmatch's own translation): one match per file
_REQ_RE = re.compile("|".join(fnmatch.translate(p) for p in _REQ_PATTERNS))


def _kind(path: Path, rel: str) -> str | None:
    return _kind_in(path.name, path.parent.name, str(path.parent), rel)


def _kind_in(name: str, parent: str, folder: str, rel: str) -> str | None:
    """The kind of file ``name`` in ``folder`` (whose own name is ``parent``)."""
    if name == "pyproject.toml":
        return "pyproject"
    if name == "packages.yml" or (
        name == "dependencies.yml" and Path(folder, "dbt_project.yml").exists()
    ):
        return "dbt"
    if _REQ_RE.match(name.lower()):
        return "requirements"
    if parent == "requirements" and name.endswith((".txt", ".in")):
        return "requirements"
    if scripts.is_script(rel):
        return "script"
    return None


def _shown(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


def discover(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[_Target], list[Path]]:
    """Files to lint and the folders given (for the git lockfile check)."""
    targets: list[_Target] = []
    folders: list[Path] = []
    seen: set[str] = set()
    for given in paths or (".",):
        path = Path(given)
        if path.is_dir():
            folders.append(path)
            top = os.fspath(path)
            for dirpath, dirnames, filenames in os.walk(top):
                dirnames[:] = sorted(
                    d
                    for d in dirnames
                    if (d not in _SKIP_DIRS or d == ".vscode")
                    and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))  # noqa: PTH110,PTH118
                )
                # paths as strings: a Path object only for the files lint reads
                prefix = dirpath[len(top):].lstrip(os.sep).replace(os.sep, "/")
                parent = Path(dirpath).name
                for filename in sorted(filenames):
                    rel = f"{prefix}/{filename}" if prefix else filename
                    kind = _kind_in(filename, parent, dirpath, rel)
                    if kind is None:
                        continue
                    file = Path(dirpath, filename)
                    if str(file) not in seen:
                        seen.add(str(file))
                        targets.append(_Target(_shown(file), kind))
        elif path.exists():
            kind = _kind(path, path.as_posix()) or (
                "pyproject" if path.suffix == ".toml" else "requirements"
            )
            if str(path) not in seen:
                seen.add(str(path))
                targets.append(_Target(_shown(path), kind))
        else:
            targets.append(_Target(_shown(path), "missing"))
    return targets, folders


def installed_versions(venv: Path | None) -> dict[str, str]:
    """name -> version of what a venv holds, read from its metadata (never run)."""
    if venv is None:
        return {}
    try:
        env = read_environment(venv)
    except InputError as exc:
        log.warning("%s", exc)
        return {}
    found: dict[str, str] = {}
    for package in env.packages:
        found.setdefault(package.name, package.version)
    return found
