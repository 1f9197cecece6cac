"""Helpers the lock-file readers share: bounded reading, TOML with lines, typed access,
and the marker questions every universal lock asks (which groups? this machine?)."""

from __future__ import annotations

import re
import stat
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pipwarden.errors import InputError
from pipwarden.sources import fasttoml
from pipwarden.sources.interface import pin_specifier
from pipwarden.sources.lockmarkers import MarkerError, ParsedMarker, parse_marker, this_environment

__all__ = [
    "MAX_BYTES",
    "as_list",
    "as_str",
    "as_table",
    "combine_markers",
    "header_lines",
    "load_lock_toml",
    "load_slim_lock_toml",
    "marker_here",
    "name_of",
    "parse_lock_marker",
    "pin",
    "read_text",
    "sibling_pyproject",
    "slim_uv_text",
]

#: The largest dependency file a reader accepts (the biggest real uv.lock seen is < 1 MB).
MAX_BYTES = 64 * 1024 * 1024

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_text(path: Path) -> str:
    """The text of a regular file of at most :data:`MAX_BYTES`, decoded from UTF-8 (or the
    UTF-8/16/32 its byte-order mark names). FIFOs, devices and folders are refused."""
    name = str(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputError("no such file", path=name) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=name) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file", path=name)
    if info.st_size > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB", path=name)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=name) from None
    if len(data) > MAX_BYTES:
        raise InputError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB", path=name)
    encoding = next((enc for bom, enc in _BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not {encoding} text", path=name, line=line) from None
    return text.removeprefix("\ufeff")


# A distribution file as uv writes it, one inline table per line. Only its hash is read,
# so each such table is replaced by its hash string before tomllib (a pure-Python parser)
# spends most of its time on url/size/upload-time; lines and structure stay as they are.
_DIST_TABLE = re.compile(
    r'\{ url = "[^"\\\n]*", hash = ("[^"\\\n]*")(?:, size = \d+)?'
    r'(?:, upload-time = "[^"\\\n]*")? \}'
)


def load_lock_toml(path: Path) -> tuple[dict[str, Any], str]:
    """Parsed TOML and its text; bad TOML raises :class:`InputError` with tomllib's line."""
    text = read_text(path)
    return _loads(text, text, str(path)), text


def load_slim_lock_toml(path: Path) -> tuple[dict[str, Any], str, int]:
    """Like :func:`load_lock_toml`, with each of uv's ``sdist``/``wheels`` inline tables
    parsed as its hash string; also returns how many were replaced, so that a reader can
    tell them from strings the file itself holds (which are not valid there): when the
    counts differ it must read the file again with :func:`load_lock_toml`."""
    text = read_text(path)
    parsed, count = slim_uv_text(text)
    return _loads(parsed, text, str(path)), text, count


def slim_uv_text(text: str) -> tuple[str, int]:
    """``text`` with each uv dist inline table replaced by its hash string, and how many
    were (see :func:`load_slim_lock_toml`)."""
    return _DIST_TABLE.subn(r"\1", text)


def _loads(parsed: str, text: str, name: str) -> dict[str, Any]:
    fast = fasttoml.loads(parsed)  # the subset lock writers use, several times faster
    if fast is not None:
        return fast
    try:  # anything else, and every error with its line, is tomllib's
        return tomllib.loads(parsed)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        match = re.search(r"at line (\d+)", message)
        line = int(match.group(1)) if match else max(text.count("\n") + 1, 1)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
        raise InputError(f"not valid TOML: {reason}", path=name, line=line) from None
    except RecursionError:
        raise InputError("not valid TOML: nested too deeply", path=name) from None


def header_lines(text: str, header: str) -> list[int]:
    """1-based lines of every ``[[header]]`` line, in order (TOML array-of-tables)."""
    # the pattern starts with a literal, so the search skips ahead at C speed; what stands
    # before it on its line must be spaces or tabs (a ``^[ \t]*`` start would be tried at
    # every character of the text)
    pattern = re.compile(
        r"\[\[[ \t]*" + re.escape(header) + r"[ \t]*\]\][^\S\n]*(?:#[^\n]*)?$",
        re.MULTILINE,
    )
    lines: list[int] = []
    line, last = 1, 0
    for match in pattern.finditer(text):
        start = match.start()
        if text[text.rfind("\n", 0, start) + 1 : start].strip(" \t"):
            continue
        line += text.count("\n", last, start)
        last = start
        lines.append(line)
    return lines


def as_table(value: object, path: str, where: str, line: int | None = None) -> dict[str, Any]:
    """``value`` if it is a table, else :class:`InputError` naming ``where``."""
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a table", path=path, line=line)
    return value


def as_list(value: object, path: str, where: str, line: int | None = None) -> list[Any]:
    """``value`` if it is an array, else :class:`InputError`."""
    if not isinstance(value, list):
        raise InputError(f"{where} must be an array", path=path, line=line)
    return value


def as_str(value: object, path: str, where: str, line: int | None = None) -> str:
    """``value`` if it is a non-empty string without control characters, else
    :class:`InputError`."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where} must be a non-empty string", path=path, line=line)
    if _CONTROL.search(value):
        raise InputError(f"{where} holds control characters", path=path, line=line)
    return value


def pin(version: object, path: str, where: str, line: int | None) -> str:
    """The ``==``/``===`` specifier of a locked version, or :class:`InputError`."""
    text = as_str(version, path, f"{where}: version", line)
    try:
        return pin_specifier(text.strip())
    except ValueError as exc:
        raise InputError(f"{where}: {exc}", path=path, line=line) from None


def name_of(table: dict[str, Any], path: str, where: str, line: int | None) -> str:
    """The ``name`` of a lock entry, or :class:`InputError` ("has no name")."""
    value = table.get("name")
    if value is None:
        raise InputError(f"{where} has no name", path=path, line=line)
    return as_str(value, path, f"{where}.name", line)


def sibling_pyproject(lock: Path, root: Path) -> tuple[dict[str, set[str]], set[str]] | None:
    """What the ``pyproject.toml`` next to a lock declares, to label entries a lock does
    not label: (normalised name → labels of the groups that declare it, the names of the
    project's extras). ``None`` when there is no such file inside ``root`` or it cannot be
    read: labels are extra information, and a bad pyproject is reported by its own reader,
    never by the lock's."""
    from pipwarden.models import canonical_name
    from pipwarden.sources.pyproject import read_pyproject

    candidate = lock.parent / "pyproject.toml"
    try:
        real, base = candidate.resolve(), root.resolve()
        if not candidate.is_file() or (base != real.parent and base not in real.parents):
            return None
        project = read_pyproject(candidate, collect_errors=True)
    except (InputError, OSError, RecursionError):
        return None
    labels: dict[str, set[str]] = {}
    extras: set[str] = set()
    for dep in project.dependencies:
        label = dep.group or "main"
        if label.startswith("optional:"):
            extras.add(label.removeprefix("optional:"))
        labels.setdefault(canonical_name(dep.name), set()).add(label)
    return labels, extras


def parse_lock_marker(text: object, path: str, where: str, line: int | None) -> ParsedMarker:
    """A marker of a lock entry, or :class:`InputError` at the entry's line."""
    cached = _MARKERS.get(text) if isinstance(text, str) else None
    if cached is not None:  # a lock repeats a few markers on thousands of entries
        return cached
    marker = as_str(text, path, where, line)
    try:
        parsed = parse_marker(marker)
    except MarkerError as exc:
        raise InputError(f"{where}: {exc}", path=path, line=line) from None
    if len(_MARKERS) < 4096:
        _MARKERS[marker] = parsed
    return parsed


_MARKERS: dict[str, ParsedMarker] = {}


def combine_markers(markers: Iterable[str | None]) -> str | None:
    """One marker true when any of ``markers`` is (``None`` in the list means always)."""
    unique: list[str] = []
    for marker in markers:
        if marker is None:
            return None
        if marker not in unique:
            unique.append(marker)
    if not unique:
        return None
    if len(unique) == 1:
        return unique[0]
    return " or ".join(f"({m})" for m in unique)


_HERE: dict[str, str | frozenset[str]] | None = None


def marker_here(marker: ParsedMarker | None,
                environment: Mapping[str, str | frozenset[str]] | None = None) -> bool:
    """Whether an entry with ``marker`` may be installed on this machine: true unless the
    marker is false here (extras and groups stay unknown, so they never exclude)."""
    global _HERE
    if marker is None:
        return True
    if environment is None:
        if _HERE is None:
            _HERE = this_environment()
        environment = _HERE
    return marker.evaluate(environment) is not False
