"""The one door to child processes: every program pipwarden starts goes through :func:`run`.

Why one module: a scanned project is hostile (TRUST.md §2), and the easy mistake is a
helper that runs a tool *on* the project, the tool reads the project's config, and the
config names a command. ``git`` is the classic case: ``core.fsmonitor``,
``filter.<x>.process``, ``diff.<x>.textconv``, hooks and ``include.path`` in the
repository's own ``.git/config`` make any git command run arbitrary code, and ``-c`` on
the command line neutralises only the keys one remembers. So pipwarden does not run git
at all: the tracked paths come from the index file (:mod:`pipwarden.gitindex`), and
:func:`run` refuses ``git`` outright so that a new call cannot slip back in.

What still runs here: pip and ``python -m venv`` from the interpreter of a venv the user
chose (``update``, ``add --install``) and ``update``'s ``after`` hooks. These are the
user's commands, started with an argument list (never a shell), stdin closed unless a
caller passes one, and logged with credentials redacted.

``subprocess`` may be imported only here: ruff's banned-api rule (TID251, pyproject.toml)
fails the lint for any other module of ``src/`` that imports it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from pipwarden.log import get_logger
from pipwarden.redact import redact_text

__all__ = [
    "DEVNULL",
    "PIPE",
    "STDOUT",
    "CompletedProcess",
    "Popen",
    "RefusedCommandError",
    "SubprocessError",
    "TimeoutExpired",
    "run",
]

log = get_logger(__name__)

PIPE = subprocess.PIPE
STDOUT = subprocess.STDOUT
DEVNULL = subprocess.DEVNULL
CompletedProcess = subprocess.CompletedProcess
SubprocessError = subprocess.SubprocessError
TimeoutExpired = subprocess.TimeoutExpired

# Programs that read configuration from the folder they run in and execute what it names.
_REFUSED = frozenset({"git", "git.exe", "hg", "hg.exe", "svn", "svn.exe"})


class RefusedCommandError(RuntimeError):
    """A program pipwarden must never start (see the module docstring)."""


def _program_name(argv0: str) -> str:
    return Path(argv0).name.lower()


def _checked(argv: Sequence[str | os.PathLike[str]]) -> list[str]:
    args = [os.fspath(a) for a in argv]
    if not args:
        raise ValueError("empty command")
    if _program_name(args[0]) in _REFUSED:
        raise RefusedCommandError(
            f"pipwarden does not run {_program_name(args[0])}: it executes commands from "
            "the scanned repository's config"
        )
    log.debug("running %s", redact_text(shlex.join(args)))
    return args


class Popen(subprocess.Popen[Any]):
    """:class:`subprocess.Popen` behind the same door as :func:`run`: an argument list,
    never a shell, version-control programs refused, the command logged redacted. For a
    child that must be stopped on a deadline (``update``'s pip runs in its own session)."""

    def __init__(self, argv: Sequence[str | os.PathLike[str]], **kwargs: Any) -> None:
        if kwargs.get("shell"):
            raise ValueError("pipwarden never starts a shell")
        kwargs.setdefault("stdin", DEVNULL)
        super().__init__(_checked(argv), **kwargs)


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    stdin: int | IO[Any] | None = DEVNULL,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    text: bool = False,
    timeout: float | None = None,
    check: bool = False,
    capture_output: bool = False,
) -> subprocess.CompletedProcess[Any]:
    """Start ``argv`` (a list: never a shell) and wait for it, like :func:`subprocess.run`.

    Refuses version-control programs (:class:`RefusedCommandError`) because they execute
    commands named in the scanned repository's config. stdin is closed by default so a
    child can never wait for a prompt.
    """
    args = _checked(argv)
    return subprocess.run(
        args,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        text=text,
        timeout=timeout,
        check=check,
        capture_output=capture_output,
    )
