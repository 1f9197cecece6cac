"""What pipwarden reads: requirements files, pyproject.toml, lock files, conda environment
files, installed environments.

Each module turns one kind of input into :class:`pipwarden.models.Dependency` or
:class:`pipwarden.models.InstalledPackage` values; nothing here installs, downloads or
executes anything. The lock and environment-file readers (uvlock, poetrylock,
pipfilelock, pdmlock, pylock, conda) share one interface (:mod:`.interface`) and one
table from file name to reader (:mod:`.lockfiles`).
"""

from __future__ import annotations

__all__: list[str] = []
