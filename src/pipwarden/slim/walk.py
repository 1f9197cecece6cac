"""Which files of a project the scans of ``slim`` read: ``.py`` files and notebooks (and,
for the command scan, scripts and CI files), never inside a virtual environment, a tool
cache or a build folder, never through a symbolic link."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipwarden.folders import list_folder

__all__ = [
    "SKIP_DIRS",
    "iter_project_files",
    "local_module_names",
    "local_modules",
    "project_files",
]

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", "node_modules", "build",
        "dist", "__pycache__", ".tox", ".nox", ".mypy_cache", ".pytest_cache",
        ".ruff_cache", ".ipynb_checkpoints", "site-packages", "target", "dbt_packages",
        "logs", ".eggs", "htmlcov",
    }
)


def iter_project_files(root: Path, suffixes: Iterable[str] = (".py", ".ipynb")) -> Iterator[Path]:
    """Files under ``root`` with these suffixes, skipping venvs, caches and build folders.

    Any folder holding a ``pyvenv.cfg`` (a virtual environment, whatever its name) is skipped.
    Symbolic links to files are skipped (os.walk does not follow linked folders either): a
    dangling link reads as nothing, and a link may lead outside the project.
    """
    return (Path(path) for path, _rel in project_files(root, tuple(suffixes)))


def local_module_names(root: Path, files: Iterable[Path]) -> frozenset[str]:
    """Top-level names importable from the project itself (scripts, packages, ``src/``)."""
    names: set[str] = set()
    for file in files:
        if file.suffix != ".py":
            continue
        names.add(file.stem)
        rel = file.relative_to(root).parts
        for part in rel[:-1]:
            if part.isidentifier() and part != "src":
                names.add(part)
    return frozenset(names)


def project_files(root: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """:func:`iter_project_files` as ``(path, path relative to root)`` strings, without a
    ``Path`` object per file (a large project has thousands), in the same order (folders
    top-down, each one's entries by name), one ``scandir`` per folder."""
    todo: list[tuple[str, str]] = [(os.fspath(root), "")]
    while todo:
        folder, prefix = todo.pop()
        folders, files = list_folder(folder)
        for name in sorted(files):
            entry = files[name]
            if name.endswith(suffixes) and not entry.is_symlink():
                yield entry.path, f"{prefix}/{name}" if prefix else name
        kept = [
            (entry.path, f"{prefix}/{name}" if prefix else name)
            for name, entry in sorted(folders.items())
            if name not in SKIP_DIRS
            and not name.endswith(".egg-info")
            and not entry.is_symlink()  # (os.walk does not follow linked folders)
            and not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))  # noqa: PTH110,PTH118
        ]
        todo.extend(reversed(kept))  # the first folder next: depth first, as os.walk goes


def local_modules(rels: Iterable[str]) -> frozenset[str]:
    """:func:`local_module_names` from paths relative to the root (``/``-separated)."""
    names: set[str] = set()
    for rel in rels:
        *folders, name = rel.split("/")
        if not name.endswith(".py") or name.rfind(".") == 0:  # Path.suffix: ".py" has none
            continue
        names.add(name[:-3])
        names.update(part for part in folders if part.isidentifier() and part != "src")
    return frozenset(names)
