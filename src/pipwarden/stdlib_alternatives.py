"""Curated table of PyPI distributions that the standard library can replace.

The table ships as package data (``pipwarden/data/stdlib_alternatives.tsv``), one row per
distribution: the replacement, the first Python that has it, a *kind* (``backport``,
``replacement``, ``partial``, ``obsolete``), a short note and where the claim comes from.

Rows of the reference list that were dropped on review, and why:
``distribute``, ``nose``, ``pep8``, ``pep257``, ``pycrypto``, ``setuptools-scm-git-archive``
(deprecated packages whose successor is another PyPI package, not the standard library);
``colorama``, ``termcolor`` (no standard-library colour API); ``mmh3``, ``murmurhash`` (the
suggested hashes give different values, so not a replacement); ``typing-extensions`` (no
single Python version replaces it: it depends name by name, up to 3.14 and beyond);
``python-future`` (not the distribution name; ``future`` is).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

from pipwarden.frozen import frozen
from pipwarden.models import canonical_name

__all__ = [
    "KINDS",
    "StdlibAlternative",
    "all_alternatives",
    "find",
    "load_table",
    "parse_python_version",
]

KINDS = ("backport", "replacement", "partial", "obsolete")
_COLUMNS = ("package", "replacement", "min_python", "kind", "note", "source")
_VERSION_RE = re.compile(r"^([0-9])\.([0-9]{1,2})$")


@frozen
class StdlibAlternative:
    """One row: ``package`` (PEP 503 normalised) can be replaced by ``replacement``."""

    package: str
    replacement: str
    min_python: tuple[int, int]
    note: str
    kind: str = "backport"
    source: str = ""

    @property
    def min_python_text(self) -> str:
        return f"{self.min_python[0]}.{self.min_python[1]}"


def _normalise(name: str) -> str:
    return canonical_name(name.strip())


def parse_python_version(text: str) -> tuple[int, int]:
    """``"3.11"`` → ``(3, 11)``; anything else raises :class:`ValueError`."""
    match = _VERSION_RE.match(text.strip())
    if match is None:
        raise ValueError(f"not a MAJOR.MINOR Python version: {text!r}")
    return int(match.group(1)), int(match.group(2))


def load_table(text: str, *, origin: str = "<table>") -> tuple[StdlibAlternative, ...]:
    """Parse the TSV table. ``#`` lines are comments; the first other line is the header.

    Raises :class:`ValueError` naming ``origin`` and the line for a malformed row.
    """
    rows: list[StdlibAlternative] = []
    header_seen = False
    seen: set[str] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if not header_seen:
            if tuple(cells) != _COLUMNS:
                raise ValueError(f"{origin}:{lineno}: header must be {'/'.join(_COLUMNS)}")
            header_seen = True
            continue
        if len(cells) != len(_COLUMNS):
            raise ValueError(f"{origin}:{lineno}: expected {len(_COLUMNS)} columns")
        package, replacement, min_python, kind, note, source = (c.strip() for c in cells)
        try:
            version = parse_python_version(min_python)
        except ValueError as exc:
            raise ValueError(f"{origin}:{lineno}: {exc}") from None
        if kind not in KINDS:
            raise ValueError(f"{origin}:{lineno}: unknown kind {kind!r}")
        if not package or not replacement or not source:
            raise ValueError(f"{origin}:{lineno}: package, replacement and source are required")
        key = _normalise(package)
        if key in seen:
            raise ValueError(f"{origin}:{lineno}: duplicate row for {key}")
        seen.add(key)
        rows.append(StdlibAlternative(key, replacement, version, note, kind, source))
    return tuple(rows)


@functools.cache
def _table() -> dict[str, StdlibAlternative]:
    resource = resources.files("pipwarden").joinpath("data", "stdlib_alternatives.tsv")
    rows = load_table(resource.read_text(encoding="utf-8"), origin="stdlib_alternatives.tsv")
    return {row.package: row for row in rows}


def all_alternatives() -> tuple[StdlibAlternative, ...]:
    """Every row of the shipped table, in table order."""
    return tuple(_table().values())


def find(name: str, python: tuple[int, int] | None = None) -> StdlibAlternative | None:
    """The standard-library alternative to distribution ``name``, if there is one.

    ``name`` is matched after PEP 503 normalisation. With ``python`` (the lowest Python the
    project supports), a row is returned only when that Python already has the replacement.
    """
    row = _table().get(_normalise(name))
    if row is None:
        return None
    if python is not None and tuple(python[:2]) < row.min_python:
        return None
    return row
