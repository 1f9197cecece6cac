"""Putting the venv back after a failed or interrupted ``pipwarden update``: the restore
file written before pip runs, the reinstall of what the venv held, and ``--rebuild``'s
previous venv moved aside and back."""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pipwarden.errors import PipwardenError, UsageError
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.snapshots import (
    Snapshot,
    atomic_write_text,
)
from pipwarden.sources.environment import read_environment
from pipwarden.update.models import (
    PipFailedError,
    UpdateOptions,
    display_text,
)
from pipwarden.update.piprunner import (
    _create_venv,
    _Pip,
    venv_python,
)
from pipwarden.update.plan import _Sources

__all__: list[str] = []

log = get_logger(__name__)


#: installers the restore leaves alone: update upgrades pip on purpose, and an offline
#: wheel folder rarely holds the old pip
_INSTALLERS = frozenset({"pip", "setuptools", "wheel"})
#: a distribution name that pip cannot mistake for an option (names come from metadata)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def _pins(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """canonical name → (name, version) of what a restore puts back: no installers, and
    only names and versions that are valid (they are read from metadata on disk)."""
    out: dict[str, tuple[str, str]] = {}
    for package in snapshot.packages:
        if package.name in _INSTALLERS or not _SAFE_NAME.match(package.display_name):
            continue
        try:
            Version(package.version)
        except InvalidVersion:
            continue
        out[package.name] = (package.display_name, package.version)
    return out


def _installed(venv: Path) -> dict[str, tuple[str, str]]:
    """Like :func:`_pins` for the venv as it is now; a package with two ``.dist-info``
    folders (pip stopped in the middle of replacing it) shows both versions, so that it
    never compares equal to a single version."""
    seen: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for package in read_environment(venv).packages:
        if package.name in _INSTALLERS or not _SAFE_NAME.match(package.display_name):
            continue
        names.setdefault(package.name, package.display_name)
        seen.setdefault(package.name, []).append(package.version)
    return {name: (names[name], " + ".join(sorted(set(versions))))
            for name, versions in seen.items()}


def _restore_file(state: Path, before: Snapshot, stamp: str, sources: _Sources) -> Path:
    """``restore-<time>.txt``: the index options the update used from the project's
    requirement files, then ``name==version`` of every package the venv held."""
    path = state / "logs" / f"restore-{stamp}.txt"
    lines = ["# the venv before pipwarden update"]
    for where, name, value in sources.index_options:
        lines.append(f"# {display_text(where)}")
        lines.append(f"{name} {shlex.quote(value)}" if value else name)
    lines += [f"{display}=={version}" for display, version in _pins(before).values()]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _restore_venv(pip: _Pip, venv: Path, before: Snapshot, restore: Path | None,
                  index_args: Sequence[str]) -> tuple[bool, str]:
    """Put the venv back as ``before`` after a failed pip run: reinstall the versions it
    held (``--no-deps``, the same index options), uninstall what the run added.
    Returns (the venv is as it was, what happened in words)."""
    wanted = _pins(before)
    try:
        found = _installed(venv)
    except PipwardenError as exc:
        return False, f"its state after the failure is unreadable ({exc.message})"
    if found == wanted:
        return True, "the venv is unchanged"
    added = sorted(n for n in found if n not in wanted)
    changed = sorted(n for n in wanted if found.get(n) != wanted[n])
    try:
        if changed and restore is not None:
            pip.run(["install", "--no-deps", *index_args, "-r", str(restore)])
        if added:
            pip.run(["uninstall", "--yes", *(found[n][0] for n in added)])
        now = _installed(venv)
    except PipwardenError as exc:
        return False, f"restoring failed: {exc.message}"
    differ = sorted(n for n in set(now) | set(wanted) if now.get(n) != wanted.get(n))
    if differ:
        return False, "still different after restoring: " + ", ".join(differ[:5])
    done = ([f"{wanted[n][0]} {wanted[n][1]}" for n in changed]
            + [f"{found[n][0]} removed" for n in added])
    return True, "the venv is restored to what it was before (" + ", ".join(done) + ")"


def _failure(exc: PipFailedError, outcome: tuple[bool, str], venv: Path,
             restore: Path | None, index_args: Sequence[str]) -> PipFailedError:
    """The error to show: pip's reason, what became of the venv and, when it could not be
    put back, the command that does it by hand (with the same index options)."""
    back, what = outcome
    if back:
        return PipFailedError(f"{exc.message}; {what}", hint=exc.hint, exit_code=exc.exit_code)
    manual = (redact_text(shlex.join([str(venv_python(venv)), "-m", "pip", "install",
                                      "--no-deps", *index_args, "-r", str(restore)]))
              if restore is not None else f"rm -r {shlex.quote(str(venv))} and run again")
    return PipFailedError(
        f"{exc.message}; the venv could NOT be put back: {what}",
        hint=f"{exc.hint}\nto get the previous versions back: {manual}",
        exit_code=exc.exit_code,
    )


def _prepare_venv(options: UpdateOptions, project: Path, venv: Path, log_path: Path
                  ) -> tuple[bool, Path | None]:
    """(created, previous venv moved aside by --rebuild)."""
    if venv.exists() and not (venv / "pyvenv.cfg").is_file():
        raise UsageError(f"{venv} is not a virtual environment (no pyvenv.cfg): pipwarden "
                         "update only ever installs into a venv")
    if options.dry_run:
        if not venv.exists():
            raise UsageError(f"{venv} does not exist: run pipwarden update without --dry-run "
                             "to create it")
        return False, None
    previous: Path | None = None
    if options.rebuild and venv.exists():
        previous = venv.with_name(venv.name + ".previous")
        if previous.exists():
            shutil.rmtree(previous)
        venv.rename(previous)
        log.info("moved %s aside to %s", venv, previous)
    created = not venv.exists()
    if created:
        try:
            _create_venv(options.base_python, venv, log_path)
        except PipwardenError:
            _restore_previous(venv, previous)
            raise
    return created, previous


def _restore_previous(venv: Path, previous: Path | None) -> None:
    if previous is None:
        return
    if venv.exists():
        shutil.rmtree(venv, ignore_errors=True)
    previous.rename(venv)
    log.warning("the rebuild failed: the previous venv is back in place at %s", venv)
