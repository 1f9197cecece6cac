"""``pipwarden add NAME``: vet a package, then append ``Name>=latest`` to requirements."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.utils import canonicalize_name

from pipwarden.commands import settings_from_args
from pipwarden.commands.vet import vet_policy
from pipwarden.errors import ExitCode, InputError, UsageError
from pipwarden.models import Level
from pipwarden.report.output import write_report

__all__ = ["append_requirement", "find_venv_python", "run"]


def append_requirement(path: Path, line: str) -> None:
    """Append ``line`` keeping the file's newline style and trailing-newline habit; atomic."""
    try:
        raw = path.read_bytes() if path.exists() else b""
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path=str(path)) from None
    text = raw.decode("utf-8")
    newline = "\r\n" if "\r\n" in text else "\n"
    ends_clean = text == "" or text.endswith(("\n", "\r"))
    # a file without a trailing newline keeps having none
    updated = text + line + newline if ends_clean else text + newline + line
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(updated)
        if path.exists():
            Path(tmp).chmod(path.stat().st_mode & 0o7777)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
        for existing in requests_from_file(path):
            if canonicalize_name(existing.name) == request.key:
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
        sys.stderr.write(f"pipwarden: not added: {request.name}: {package.error}.{hint}\n")
        return int(ExitCode.FINDINGS)
    if typo is not None and typo.level >= Level.RISK and not args.yes:
        write_report(render_text(report))
        sys.stderr.write(
            f"pipwarden: not added: {request.name} looks like a typosquat of {typo.target}. "
            f"Did you mean `pipwarden add {typo.target}`? (--yes adds it anyway)\n"
        )
        return int(ExitCode.FINDINGS)
    if package.verdict >= report.thresholds.fail_level and not args.yes:
        write_report(render_text(report))
        sys.stderr.write(
            f"pipwarden: not added: {package.display_name} is {package.verdict_label}: "
            + "; ".join(package.reasons)
            + " (--yes adds it anyway)\n"
        )
        return int(ExitCode.FINDINGS)
    version = package.version or package.latest
    if version is None:
        raise InputError(f"PyPI gave no version for {request.name}")
    extras = f"[{','.join(request.extras)}]" if request.extras else ""
    line = f"{package.display_name}{extras}>={version}"
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
        proc = subprocess.run(
            [str(python), "-m", "pip", "install", line], check=False, stdin=subprocess.DEVNULL
        )
        if proc.returncode != 0:
            raise UsageError(f"added, but `pip install {line}` failed (exit {proc.returncode})")
    return int(ExitCode.OK)
