"""The project context of one run: built once, handed to every part of ``check``.

Data walks one way: inputs (:mod:`pipwarden.sources`, found by
:func:`pipwarden.sources.project.discover`) → model (the parsed dependencies, each with
its file and line) → checks (audit, vet, slim, lint, doctor) → report. The context holds
what the parts share so that each is made once per run: the files found, each dependency
file parsed once (whatever part asks first), one PyPI client (one cache, one connection
pool), the download ranking and the typosquat index built on it, the settings and the
policy.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.policy import Policy
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.checks.typosquat import TyposquatIndex
    from pipwarden.models import Dependency, NotChecked
    from pipwarden.pypi.client import PyPIClient
    from pipwarden.sources.project import FileKind, Project
    from pipwarden.sources.requirements import RequirementsFile
    from pipwarden.toplist import TopList

__all__ = ["ProjectContext"]


@frozen
class ProjectContext:
    """One project, one run. ``found`` is what discovery found (paths only); parsed files
    and the PyPI client are made on first use and kept (``_memo``)."""

    root: Path
    found: Project
    settings: Settings
    policy: Policy
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def build(cls, root: Path, *, settings: Settings, policy: Policy) -> ProjectContext:
        from pipwarden.sources.project import discover

        return cls(root, discover(root, environ={}), settings, policy)

    def requirements(self, path: Path) -> RequirementsFile:
        """``path`` parsed as pip reads it (includes followed, every bad line collected),
        once per run."""
        from pipwarden.sources.requirements import parse_requirements, project_root_for

        return self._once(  # type: ignore[no-any-return]
            ("requirements", os.path.realpath(path)),
            lambda: parse_requirements(
                path, collect_errors=True, root=project_root_for(path, self.root)
            ),
        )

    def _once(self, key: Any, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per run for ``key``; a bad-input error is kept and raised
        again to every part that asks."""
        if key not in self._memo:
            try:
                self._memo[key] = compute()
            except InputError as exc:
                self._memo[key] = exc
        value = self._memo[key]
        if isinstance(value, InputError):
            raise value
        return value

    def read(
        self, path: Path, kind: FileKind
    ) -> tuple[Sequence[Dependency], Sequence[NotChecked]]:
        """The dependencies of one dependency file (the reader of its kind), once per run.

        A requirements file with a bad line raises its first error, as the reader does."""
        if kind.name == "requirements":
            parsed = self.requirements(path)
            if parsed.errors:
                raise parsed.errors[0]
            return parsed.dependencies, ()
        reader = kind.reader
        assert reader is not None
        return self._once(  # type: ignore[no-any-return]
            ("read", kind.name, os.path.realpath(path)), lambda: reader(path, self.root)
        )

    @property
    def client(self) -> PyPIClient:
        """The run's one PyPI client (its cache; only the cache when offline)."""
        if "client" not in self._memo:
            from pipwarden.pypi.client import PyPIClient

            self._memo["client"] = PyPIClient(self.settings, progress=False)
        return self._memo["client"]  # type: ignore[no-any-return]

    @property
    def toplist(self) -> TopList:
        """The download ranking, read once per run (lint's and vet's name checks)."""
        if "toplist" not in self._memo:
            from pipwarden.toplist import load_toplist

            self._memo["toplist"] = load_toplist(self.settings.cache_dir)
        return self._memo["toplist"]  # type: ignore[no-any-return]

    def typosquat_index(
        self, *, trusted_rank: int = 1000, rank_ratio: float = 10.0
    ) -> TyposquatIndex:
        """The typosquat index over :attr:`toplist` with these thresholds, built once per
        run (its tables grow as names are checked; the copy ``vet`` saved is loaded)."""
        key = ("typosquat", trusted_rank, rank_ratio)
        if key not in self._memo:
            from pipwarden.checks.typosquat import TyposquatIndex

            index = TyposquatIndex(
                self.toplist.names, trusted_rank=trusted_rank, rank_ratio=rank_ratio
            )
            index.load_state(self.settings.cache_dir)
            self._memo[key] = index
        return self._memo[key]  # type: ignore[no-any-return]
