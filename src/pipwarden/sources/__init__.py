"""What pipwarden reads: requirements files, pyproject.toml, pylock.toml, installed environments.

Each module turns one kind of input into :class:`pipwarden.models.Dependency` or
:class:`pipwarden.models.InstalledPackage` values; nothing here installs, downloads or
executes anything.
"""

from __future__ import annotations

__all__: list[str] = []
