"""What ``pipwarden update`` will do, decided before pip runs (which venv, which
requirement files, which hooks) and judged afterwards (major bumps, release notes, what is
held back and by whom, the cooldown check)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError, UsageError
from pipwarden.log import get_logger
from pipwarden.models import canonical_name
from pipwarden.policy import Policy
from pipwarden.snapshots import (
    Snapshot,
    atomic_write_text,
)
from pipwarden.sources.requirements import parse_requirements, project_root_for
from pipwarden.update.models import (
    Change,
    HeldBack,
    UpdateOptions,
    display_text,
)
from pipwarden.update.pypidata import (
    _requirement,
    release_times,
)

__all__ = [
    "configured_hooks",
    "find_held_back",
    "is_major_bump",
    "release_notes_url",
    "reportable_held_back",
    "verify_cooldown",
]

log = get_logger(__name__)


def is_major_bump(old: str, new: str) -> bool:
    """A new major version (or, below 1.0, a new minor version): possibly breaking."""
    try:
        a, b = Version(old), Version(new)
    except InvalidVersion:
        return False
    if b.major != a.major:
        return b.major > a.major
    return a.major == 0 and b.minor > a.minor


_NOTES_LABELS = ("changelog", "changes", "releasenotes", "release", "history", "news",
                 "whatsnew")
_SOURCE_LABELS = ("source", "sourcecode", "repository", "code", "github", "homepage")


def release_notes_url(project_urls: Iterable[tuple[str, str]]) -> str | None:
    """The changelog / release-notes link among ``Project-URL`` entries; else a GitHub
    repository's ``/releases`` page; else ``None``."""
    pairs = [(re.sub(r"[^a-z]", "", label.lower()), url) for label, url in project_urls]
    for label, url in pairs:
        if any(label.startswith(key) for key in _NOTES_LABELS):
            return url
    for label, url in pairs:
        if label in _SOURCE_LABELS:
            match = re.match(r"^(https://github\.com/[^/\s]+/[^/\s#?]+)", url)
            if match:
                return match.group(1).removesuffix(".git") + "/releases"
    return None


def _applies(req: Requirement) -> bool:
    if req.marker is None:
        return True
    try:
        return bool(req.marker.evaluate({"extra": ""}))
    except Exception:
        return False


def reportable_held_back(
    held: Iterable[HeldBack], orphaned: Iterable[Change]
) -> tuple[HeldBack, ...]:
    """Drop what is not news: packages nothing needs any more (they are reported as no
    longer needed), and pip/setuptools/wheel unless something caps them."""
    orphans = {c.name for c in orphaned}
    return tuple(
        h for h in held
        if h.name not in orphans
        and (h.name not in {"pip", "setuptools", "wheel"} or h.reason == "cap")
    )


def find_held_back(
    after: Snapshot,
    latest: Mapping[str, Version],
    declared: Mapping[str, tuple[str, str]],
    *,
    cooldown_excluded: Iterable[tuple[str, str]] = (),
) -> tuple[HeldBack, ...]:
    """Installed packages with a newer known release; name who caps each.

    ``latest`` maps names to the newest known final release; ``declared`` maps names to the
    (location, specifier) of the project's own requirement.
    """
    packages = after.by_name()
    excluded = {(canonical_name(n), v) for n, v in cooldown_excluded}
    out: list[HeldBack] = []
    for name, package in sorted(packages.items()):
        newest = latest.get(name)
        if newest is None:
            continue
        try:
            installed = Version(package.version)
        except InvalidVersion:
            continue
        if newest <= installed:
            continue
        capper: str | None = None
        specifier: str | None = None
        reason = "unknown"
        for other in sorted(packages.values(), key=lambda p: p.name):
            for text in other.requires:
                req = _requirement(text)
                if req is None or canonical_name(req.name) != name or not _applies(req):
                    continue
                if req.specifier and not req.specifier.contains(newest, prereleases=True):
                    capper, specifier, reason = other.display_name, str(req.specifier), "cap"
                    break
            if capper:
                break
        if capper is None and name in declared:
            where, spec = declared[name]
            req = _requirement(f"{name}{spec}")
            if req is not None and req.specifier and not req.specifier.contains(
                newest, prereleases=True
            ):
                capper, specifier, reason = where, str(req.specifier), "cap"
        if capper is None and (name, str(newest)) in excluded:
            reason = "cooldown"
        out.append(HeldBack(name, package.display_name, package.version, str(newest),
                            capper, specifier, reason))
    return tuple(out)


def verify_cooldown(
    snapshot: Snapshot, pypi: Mapping[str, Mapping[str, Any] | None], cutoff: datetime
) -> tuple[tuple[tuple[str, str, datetime], ...], tuple[str, ...]]:
    """Installed versions uploaded after ``cutoff`` (name, version, upload time), and the
    packages whose upload time is unknown."""
    too_new: list[tuple[str, str, datetime]] = []
    unknown: list[str] = []
    for package in snapshot.packages:
        data = pypi.get(package.name)
        when = release_times(data).get(package.version) if data else None
        if when is None:
            unknown.append(package.name)
        elif when > cutoff:
            too_new.append((package.name, package.version, when))
    return tuple(too_new), tuple(unknown)


#: requirement-file options that tell pip where to download from
_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "--find-links", "--no-index",
                  "--trusted-host")


@dataclass
class _Sources:
    req_args: list[str]
    names: dict[str, tuple[str, str]]  # canonical name -> (location, specifier)
    labels: list[str]
    #: index options written in the project's requirement files: (where, option, value
    #: as written); pip obeys them, so the report names them and the restore reuses them
    index_options: list[tuple[str, str, str | None]] = field(default_factory=list)
    #: canonical name -> the extras asked for it (every declaration): the graph of the
    #: venv follows them as slim's and vet's do
    extras: dict[str, set[str]] = field(default_factory=dict)

    def shown_index_options(self) -> tuple[str, ...]:
        """``file:line: --option value`` with credentials masked, for the report."""
        return tuple(display_text(f"{where}: {name}" + (f" {value}" if value else ""))
                     for where, name, value in self.index_options)


def _collect_sources(project: Path, policy: Policy, state: Path) -> _Sources:
    configured = policy.update.get("requirements")
    if configured is None:
        files = [project / "requirements.txt"] if (project / "requirements.txt").is_file() else []
    else:
        if not isinstance(configured, list) or not all(isinstance(x, str) for x in configured):
            raise InputError("[update] requirements must be a list of file names",
                             path=policy.source)
        files = [project / str(x) for x in configured]
    args: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    extras: dict[str, set[str]] = {}
    labels: list[str] = []
    index_options: list[tuple[str, str, str | None]] = []
    for file in files:
        parsed = parse_requirements(file, root=project_root_for(file, project))
        for dep in parsed.dependencies:
            if not dep.constraint:
                names.setdefault(dep.name, (str(dep.location), dep.specifier))
                extras.setdefault(dep.name, set()).update(dep.extras)
        index_options += [(str(o.location), o.name, o.raw_value if o.raw_value is not None
                           else o.value) for o in parsed.options if o.name in _INDEX_OPTIONS]
        args += ["-r", str(file)]
        labels.append(file.name)
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        from pipwarden.sources.pyproject import read_pyproject

        data = read_pyproject(pyproject)
        deps = [d for d in data.dependencies if d.group is None]
        if "dependencies" in data.dynamic:
            log.warning("pyproject.toml: dependencies are dynamic; only requirements files "
                        "are installed")
        if deps:
            listed = state / "pyproject-requirements.txt"
            atomic_write_text(listed, "# [project].dependencies of pyproject.toml, written by "
                              "pipwarden update\n" + "".join(f"{d.text}\n" for d in deps))
            args += ["-r", str(listed)]
            labels.append("pyproject.toml")
            for dep in deps:
                names.setdefault(dep.name, (str(dep.location), dep.specifier))
                extras.setdefault(dep.name, set()).update(dep.extras)
    if not args:
        raise UsageError(f"{project}: nothing to update: no requirements.txt and no "
                         "[project].dependencies in pyproject.toml")
    return _Sources(args, names, labels, index_options, extras)


def configured_hooks(policy: Policy) -> tuple[str, ...]:
    """The ``[update] after`` commands of the project's config (not run by themselves)."""
    after = policy.update.get("after", [])
    if isinstance(after, str):
        after = [after]
    if not isinstance(after, list) or not all(isinstance(x, str) for x in after):
        raise InputError("[update] after must be a list of commands", path=policy.source)
    return tuple(after)


def _hooks(options: UpdateOptions, policy: Policy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hooks to run, hooks listed but not run). Hooks from the project's config are
    commands written by whoever wrote the project: they run only when the user said so
    (``--run-hooks``, or yes at the prompt); hooks given by the caller always run."""
    if options.hooks is not None:
        return options.hooks, ()
    after = configured_hooks(policy)
    return (after, ()) if options.run_hooks else ((), after)


def _venv_path(options: UpdateOptions, policy: Policy, project: Path) -> Path:
    """The venv to update: ``--venv`` (the user's word, anywhere), else ``[update] venv``
    of the project's config or ``.venv``, which must stay inside the project once symlinks
    are resolved: a cloned project must not point pip at another venv of the machine."""
    if options.venv is not None:
        return options.venv if options.venv.is_absolute() else project / options.venv
    configured = policy.update.get("venv")
    if configured is not None and not isinstance(configured, str):
        raise InputError("[update] venv must be a folder name", path=policy.source)
    venv = project / (configured or ".venv")
    try:
        venv.resolve().relative_to(project.resolve())
    except (ValueError, OSError, RuntimeError):
        where = (f"[update] venv = {configured!r} in {policy.source}" if configured
                 else f"{venv} is a symlink that")
        target = display_text(str(venv.resolve()))
        raise UsageError(
            f"{display_text(where)} points outside the project ({target}): refused, project "
            "config may not pick a venv elsewhere",
            hint=f"to update it anyway, say so: pipwarden update --venv {target}",
        ) from None
    return venv
