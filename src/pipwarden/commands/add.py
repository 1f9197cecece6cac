"""``pipwarden add NAME``: vet a package, then append ``Name>=latest`` to requirements."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pipwarden import subproc
from pipwarden.commands import settings_from_args
from pipwarden.commands.vet import vet_policy
from pipwarden.errors import DataUnavailableError, ExitCode, InputError, UsageError
from pipwarden.fsutil import safe_write
from pipwarden.models import Level, canonical_name
from pipwarden.report.output import safe_text, write_report

__all__ = [
    "append_requirement",
    "checked_line",
    "find_venv_python",
    "refuse_hash_checked",
    "run",
]


# PEP 508 names (PEP 503 normalises them): letters, digits, ``.``, ``_``, ``-`` inside
_NAME_RE = re.compile(r"[A-Z0-9](?:[A-Z0-9._-]*[A-Z0-9])?", re.IGNORECASE)


def checked_line(wanted: str, name: str, version: str, extras: tuple[str, ...] = ()) -> str:
    """``Name[extras]>=version`` from what the index answered, or :class:`DataUnavailableError`.

    The index is not trusted (TRUST.md §2): its name must be a PEP 508 name whose PEP 503
    form is the one asked for (an index answering with another project is refused), and its
    version a public PEP 440 version, written in its normal form. Nothing else can reach the
    file, so a newline cannot inject an option line such as ``--extra-index-url``.
    """
    if not _NAME_RE.fullmatch(name) or canonical_name(name) != canonical_name(wanted):
        raise DataUnavailableError(
            f"not added: the index answered for {wanted!r} with the project name {name!r}",
            hint="the index may be misconfigured or hostile; nothing was written",
        )
    try:
        parsed = Version(version)
    except InvalidVersion:
        parsed = None
    if parsed is None or parsed.local is not None or str(parsed) != version.strip():
        raise DataUnavailableError(
            f"not added: the index gave {name} the version {version!r}, not a public PEP 440 "
            "version",
            hint="nothing was written",
        )
    for extra in extras:
        if not _NAME_RE.fullmatch(extra):
            raise UsageError(f"not added: {extra!r} is not a valid extra name")
    shown = f"[{','.join(extras)}]" if extras else ""
    return f"{name}{shown}>={parsed}"


def refuse_hash_checked(path: Path, text: str) -> None:
    """A hash-checked file (``--hash``, ``--require-hashes``) takes no bare ``name>=x``:
    pip would refuse the whole file, and the hashes belong to the lock tool."""
    from pipwarden.sources.requirements import parse_requirements_text

    parsed = parse_requirements_text(text, str(path), environ={}, collect_errors=True)
    if any(d.hashes for d in parsed.dependencies) or any(
        o.name == "--require-hashes" for o in parsed.options
    ):
        raise UsageError(
            f"not added: {path} is hash-checked (--hash); a line without hashes would make "
            "pip refuse the whole file",
            hint="add the package to your lock tool's input (e.g. requirements.in) and "
            "regenerate the hashes",
        )


def append_requirement(path: Path, line: str, *, root: Path | None = None) -> None:
    """Append ``line`` keeping the file's newline style and trailing-newline habit.

    Written through :func:`pipwarden.fsutil.safe_write` under ``root`` (default: the file's
    folder): never through a symlink, never a read-only or hard-linked file.
    """
    if "\n" in line or "\r" in line:
        raise UsageError("not added: a requirement line cannot hold a line break")
    try:
        raw = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=str(path)) from None
    refuse_hash_checked(path, text)
    newline = "\r\n" if "\r\n" in text else "\n"
    ends_clean = text == "" or text.endswith(("\n", "\r"))
    # a file without a trailing newline keeps having none
    updated = text + line + newline if ends_clean else text + newline + line
    safe_write(path, updated, root=root if root is not None else path.absolute().parent)


def find_venv_python(project: Path) -> Path | None:
    """The interpreter of the project's venv: ``.venv``/``venv`` beside the file, else active."""
    candidates = [project / ".venv", project / "venv"]
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        candidates.append(Path(active))
    for venv in candidates:
        if not (venv / "pyvenv.cfg").is_file():
            continue
        for exe in (venv / "bin" / "python", venv / "Scripts" / "python.exe"):
            if exe.is_file():
                return exe
    return None


def _say(message: str) -> None:
    """A message on stderr; it quotes index data, so it is neutralised and redacted."""
    sys.stderr.write(safe_text(message))


def run(args: argparse.Namespace) -> int:
    from pipwarden.report.vet import render_text
    from pipwarden.vet import Vetter, parse_request, requests_from_file

    request = parse_request(args.name)
    if request.version is not None:
        raise UsageError(
            f"add writes a minimum bound (name>=latest), not a pin: drop '=={request.version}'"
        )
    path = Path(args.requirements)
    if path.exists():
        # before asking the index; an unreadable file is reported by append_requirement
        with contextlib.suppress(OSError, UnicodeDecodeError):
            refuse_hash_checked(path, path.read_text(encoding="utf-8"))
        for existing in requests_from_file(path):
            if canonical_name(existing.name) == request.key:
                where = existing.location or str(path)
                raise UsageError(f"{existing.name} is already required ({where})")

    settings = settings_from_args(args)
    thresholds, ignores = vet_policy(path.resolve().parent)
    vetter = Vetter(settings, progress=False, thresholds=thresholds, ignores=ignores)
    report = vetter.vet([request])
    package = report.packages[0]
    typo = package.signal("typosquat")
    if package.error is not None and package.latest is None:
        hint = ""
        if typo is not None and typo.target and typo.level >= Level.WARN:
            hint = f" Did you mean {typo.target}?"
        write_report(render_text(report))
        _say(f"pipwarden: not added: {request.name}: {package.error}.{hint}\n")
        return int(ExitCode.FINDINGS)
    if typo is not None and typo.level >= Level.RISK and not args.yes:
        write_report(render_text(report))
        _say(
            f"pipwarden: not added: {request.name} looks like a typosquat of {typo.target}. "
            f"Did you mean `pipwarden add {typo.target}`? (--yes adds it anyway)\n"
        )
        return int(ExitCode.FINDINGS)
    if package.verdict >= report.thresholds.fail_level and not args.yes:
        write_report(render_text(report))
        _say(
            f"pipwarden: not added: {package.display_name} is {package.verdict_label}: "
            + "; ".join(package.reasons)
            + " (--yes adds it anyway)\n"
        )
        return int(ExitCode.FINDINGS)
    version = package.version or package.latest
    if version is None:
        raise InputError(f"PyPI gave no version for {request.name}")
    line = checked_line(request.name, package.display_name, version, tuple(request.extras))
    append_requirement(path, line)
    summary = render_text(report).splitlines()[0]
    write_report(f"Added {line} to {path}\n  {summary}")
    if args.install:
        python = find_venv_python(path.resolve().parent)
        if python is None:
            raise UsageError(
                "added, but not installed: no virtual environment found (.venv, venv or "
                "VIRTUAL_ENV)",
                hint="create one with `python -m venv .venv`, then `.venv/bin/pip install -r "
                f"{path}`",
            )
        proc = subproc.run([str(python), "-m", "pip", "install", line], check=False)
        if proc.returncode != 0:
            raise UsageError(f"added, but `pip install {line}` failed (exit {proc.returncode})")
    return int(ExitCode.OK)
