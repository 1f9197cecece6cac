"""Which reader reads which dependency file: one table, for project discovery to use.

Every reader has the signature of :class:`pipwarden.sources.interface.Reader`::

    read(path, *, root, this_platform=False) -> SourceResult
"""

from __future__ import annotations

import re

from pipwarden.frozen import frozen
from pipwarden.sources import conda, pdmlock, pipfilelock, poetrylock, pylock, uvlock
from pipwarden.sources.interface import Reader

__all__ = ["LOCK_FORMATS", "LockFormat", "reader_for"]


@frozen
class LockFormat:
    """A file-name pattern (matched against the base name), the format's name, its reader."""

    pattern: re.Pattern[str]
    name: str
    read: Reader


LOCK_FORMATS: tuple[LockFormat, ...] = (
    LockFormat(re.compile(r"^uv\.lock$"), uvlock.FORMAT, uvlock.read),
    LockFormat(re.compile(r"^poetry\.lock$"), poetrylock.FORMAT, poetrylock.read),
    LockFormat(re.compile(r"^Pipfile\.lock$"), pipfilelock.FORMAT, pipfilelock.read),
    LockFormat(re.compile(r"^pdm\.lock$"), pdmlock.FORMAT, pdmlock.read),
    LockFormat(pylock.PYLOCK_NAME_RE, pylock.FORMAT, pylock.read),
    # the names project discovery knows (environment-dev.yml, environment.gpu.yaml …)
    LockFormat(re.compile(r"^environment([-_.][^/]*)?\.ya?ml$", re.IGNORECASE), conda.FORMAT,
               conda.read),
)


def reader_for(file_name: str) -> LockFormat | None:
    """The format whose pattern matches a file's base name, or ``None``."""
    for fmt in LOCK_FORMATS:
        if fmt.pattern.match(file_name):
            return fmt
    return None
