"""Provenance (PEP 740 attestations) and project status (PEP 792) from the simple API."""

from __future__ import annotations

import re
from collections.abc import Mapping

from packaging.version import InvalidVersion, Version

from pipwarden.checks import PackageContext
from pipwarden.models import Level, Signal

__all__ = ["check", "file_version"]


_SDIST_EXTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")


def _version_text(filename: str) -> str | None:
    if filename.endswith(".whl"):
        parts = filename[:-4].split("-")
        return parts[1] if len(parts) >= 5 else None
    for ext in _SDIST_EXTS:
        if filename.endswith(ext):
            base = filename[: -len(ext)]
            return base.rpartition("-")[2] or None
    return None


def file_version(filename: str) -> Version | None:
    """The version a distribution filename carries, or ``None``."""
    from packaging.utils import (  # (it imports packaging.tags: platform, subprocess)
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


# The release segment of a PEP 440 version as written (leading space and "v" allowed).
_RELEASE = re.compile(r"\s*[vV]?([0-9]+(?:\.[0-9]+)*)")


def _stripped(release: tuple[int, ...]) -> tuple[int, ...]:
    """The release numbers without trailing zeros (``1.0`` and ``1`` are the same version)."""
    end = len(release)
    while end > 1 and release[end - 1] == 0:
        end -= 1
    return release[:end]


class _SameVersion:
    """Does a filename carry ``wanted``? Parses each distinct version text at most once.

    A text whose release numbers differ from the wanted ones cannot be the same version,
    so most texts are rejected from their leading digits, without a full parse.
    """

    def __init__(self, wanted: Version) -> None:
        self.wanted = wanted
        self.release = _stripped(wanted.release)
        self.seen: dict[str, bool] = {str(wanted): True}

    def _differs(self, text: str) -> bool:
        """True when ``text`` surely is another version than ``wanted`` (cheap test)."""
        if "!" in text:  # an epoch: leave it to the full parse
            return False
        match = _RELEASE.match(text)
        if match is None:
            return False
        if self.wanted.epoch:
            return True  # no epoch written means epoch 0
        release = tuple(map(int, match.group(1).split(".")))
        return _stripped(release) != self.release

    def __call__(self, filename: str) -> bool:
        text = _version_text(filename)
        if text is None:
            return file_version(filename) == self.wanted
        hit = self.seen.get(text)
        if hit is None:
            if self._differs(text):
                hit = self.seen[text] = False
                return hit
            try:
                hit = Version(text) == self.wanted
            except InvalidVersion:
                hit = False
            self.seen[text] = hit
        return hit


def check(ctx: PackageContext) -> Signal:
    simple = ctx.simple
    if simple is None:
        reason = ctx.simple_error or "no simple-API data"
        return Signal("provenance", Level.UNKNOWN, f"Provenance unknown: {reason}.")
    evidence: dict[str, object] = {"version": ctx.version}
    status = simple.get("project-status")
    if isinstance(status, Mapping):
        state = str(status.get("status") or "active").lower()
        said = status.get("reason")
        evidence["status"] = state
        why = f" ({said})" if isinstance(said, str) and said else ""
        if state == "quarantined":
            return Signal(
                "provenance",
                Level.RISK,
                f"PyPI has quarantined this project{why}: do not install it.",
                evidence,
            )
        if state in {"archived", "deprecated"}:
            return Signal(
                "provenance",
                Level.WARN,
                f"Its maintainers marked the project {state} on PyPI{why}.",
                evidence,
            )
    files = simple.get("files")
    if not isinstance(files, list):
        return Signal("provenance", Level.UNKNOWN, "Provenance unknown: no file list.", evidence)
    wanted: Version | None = None
    if ctx.version is not None:
        try:
            wanted = Version(ctx.version)
        except InvalidVersion:
            wanted = None
    same = _SameVersion(wanted) if wanted is not None else None
    mine = [
        f
        for f in files
        if isinstance(f, Mapping) and (same is None or same(str(f.get("filename", ""))))
    ]
    if not mine:
        return Signal(
            "provenance",
            Level.UNKNOWN,
            f"Provenance unknown: no files for {ctx.version}.",
            evidence,
        )
    if not any("provenance" in f for f in mine):
        return Signal(
            "provenance",
            Level.UNKNOWN,
            "Provenance unknown: this index does not report attestations.",
            evidence,
        )
    attested = [f for f in mine if f.get("provenance")]
    evidence["attested"] = bool(attested)
    if attested:
        return Signal(
            "provenance",
            Level.OK,
            "Built and published by a trusted CI workflow (PEP 740 attestations).",
            evidence,
        )
    return Signal(
        "provenance",
        Level.INFO,
        "No attestations: PyPI cannot show which source and workflow built these files.",
        evidence,
    )
