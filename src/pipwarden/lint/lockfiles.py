"""PW501: lockfiles committed to git. The routine is floors plus daily upgrades, not locks."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from pipwarden import gitindex
from pipwarden.lint.engine import Finding, LintContext, rule
from pipwarden.log import get_logger

__all__ = ["LOCKFILE_PATTERNS", "check_lockfiles", "is_lockfile", "tracked_files"]

log = get_logger(__name__)

rule(
    "PW501",
    "tracked-lockfile",
    "a lockfile tracked by git: versions freeze and security updates stop arriving",
)

LOCKFILE_PATTERNS = (
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "pdm.lock",
    "pylock.toml",
    "pylock.*.toml",
    "requirements*.lock",
)


def is_lockfile(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in LOCKFILE_PATTERNS)


def tracked_files(root: Path) -> list[str] | None:
    """Paths (relative to ``root``) that git tracks under ``root``; None outside a repository.

    Read from the index file, never by running git (see :mod:`pipwarden.gitindex`).
    """
    return gitindex.tracked_files(root)


def check_lockfiles(root: Path, display: str, ctx: LintContext) -> Iterator[Finding]:
    """PW501 for each tracked lockfile under ``root`` (``display`` prefixes the paths)."""
    if not ctx.config.lockfiles or not ctx.on("PW501"):
        return
    for rel in tracked_files(root) or ():
        name = PurePosixPath(rel).name
        if not is_lockfile(name):
            continue
        shown = str(Path(display) / rel) if display not in {"", "."} else rel
        yield Finding(
            "PW501",
            f"{name} is tracked by git: it freezes every version, so security fixes wait for "
            f"someone to relock; keep floors in requirements.txt and `git rm --cached {rel}`",
            shown,
        )
