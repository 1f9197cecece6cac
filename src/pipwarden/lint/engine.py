"""The lint engine: rule registry, rule selection, findings, and safe fixes.

Rule families live in their own modules (``pins``, ``indexes``, ``urls``, ``names``,
``lockfiles``, ``dbt``, ``scripts``, ``supplychain``); each registers its rules here with
:func:`rule` and exposes checker functions that yield :class:`Finding` objects. The engine
(:mod:`pipwarden.lint.runner`) decides which files each family sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import InputError, UsageError
from pipwarden.frozen import frozen

if TYPE_CHECKING:
    from pipwarden.advice import Advice, Advisor
    from pipwarden.policy import IgnoreEntry

__all__ = [
    "RULES",
    "Edit",
    "FileChange",
    "Finding",
    "LintConfig",
    "LintContext",
    "LintReport",
    "Rule",
    "Selection",
    "apply_edits",
    "read_requirements_text",
    "read_text",
    "rule",
]


@frozen
class Rule:
    """One lint rule: a stable code, a short name, what it checks, how loud it is."""

    code: str
    name: str
    summary: str
    level: str = "warning"  # SARIF level: "error", "warning" or "note"
    fixable: bool = False


RULES: dict[str, Rule] = {}


def rule(
    code: str, name: str, summary: str, *, level: str = "warning", fixable: bool = False
) -> Rule:
    """Register a rule (called once per rule at import time of its family module)."""
    if code in RULES:
        raise ValueError(f"rule {code} registered twice")
    registered = Rule(code, name, summary, level, fixable)
    RULES[code] = registered
    return registered


@frozen
class Edit:
    """Replace ``old`` at ``[start, end)`` (character offsets into the file text) by ``new``."""

    start: int
    end: int
    old: str
    new: str


@frozen
class Finding:
    """One problem at a place; ``edits`` is the safe fix, empty when there is none."""

    code: str
    message: str
    path: str
    line: int | None = None
    column: int | None = None
    edits: tuple[Edit, ...] = ()

    @property
    def fixable(self) -> bool:
        return bool(self.edits)

    @property
    def level(self) -> str:
        found = RULES.get(self.code)
        return found.level if found is not None else "warning"

    @property
    def where(self) -> str:
        if self.line is None:
            return self.path
        return f"{self.path}:{self.line}:{self.column or 1}"


@frozen
class LintConfig:
    """Rule settings (the policy file fills these; the defaults are the routine's rules)."""

    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    fix: bool = False
    diff: bool = False  # with fix: compute the fixes and write nothing (lint --fix --diff)
    lockfiles: bool = True  # PW501: lockfiles tracked by git are a finding
    allow_caps: tuple[str, ...] = ()  # PW103: names whose upper bounds are deliberate
    venv: Path | None = None  # PW102: where installed versions come from (default .venv)


@frozen
class FileChange:
    """What ``--fix`` would write to one file: ``path`` relative to the project folder it
    belongs to (for diff headers), ``shown`` as the report names it, the text before/after."""

    path: str
    shown: str
    before: str
    after: str


@frozen
class LintReport:
    """What a lint run found: findings left, bad-input errors, fixes applied, rules skipped.

    With ``preview`` (``--fix --diff``) nothing was written: ``fixed`` counts the fixes
    that would be applied, ``findings`` are those that would remain, and ``changes`` hold
    each file's text before and after."""

    findings: tuple[Finding, ...]
    errors: tuple[InputError, ...] = ()
    fixed: int = 0
    files: tuple[str, ...] = ()
    skipped: tuple[str, ...] = field(default=())
    preview: bool = False
    changes: tuple[FileChange, ...] = ()
    would_fix: int = 0  # findings ``--fix`` would resolve (counted as ``fixed`` counts them)

    @property
    def fixable(self) -> int:
        """Findings ``--fix`` would resolve: the same count as ``fixed`` after it ran
        (a fix can resolve several findings of a line, or none of another's)."""
        return self.would_fix


class Selection:
    """``--select`` / ``--ignore`` with ruff's prefix matching: the longest prefix wins."""

    def __init__(self, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> None:
        self.select = tuple(_codes(select)) or ("PW",)
        self.ignore = tuple(_codes(ignore))
        for prefix in (*self.select, *self.ignore):
            if not any(code.startswith(prefix) for code in RULES):
                known = ", ".join(sorted(RULES))
                raise UsageError(f"no lint rule matches {prefix!r}", hint=f"rules: {known}")
        self._cache: dict[str, bool] = {}

    def enabled(self, code: str) -> bool:
        cached = self._cache.get(code)
        if cached is not None:
            return cached
        best_select = max((len(p) for p in self.select if code.startswith(p)), default=-1)
        best_ignore = max((len(p) for p in self.ignore if code.startswith(p)), default=-1)
        result = best_select >= 0 and best_select > best_ignore
        self._cache[code] = result
        return result

    def any_enabled(self, prefix: str) -> bool:
        return any(self.enabled(code) for code in RULES if code.startswith(prefix))


def _codes(values: Iterable[str]) -> Iterable[str]:
    for value in values:
        for part in value.replace(" ", ",").split(","):
            part = part.strip().upper()
            if part:
                yield part


def read_text(path: str) -> str:
    """A file's text with its line endings untouched (CRLF stays CRLF)."""
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text ({exc.reason})", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None


#: Encodings ``lint --fix`` can write back as they were read (it writes UTF-8).
WRITABLE_ENCODINGS = frozenset({"utf-8", "utf-8-sig"})


def read_requirements_text(path: str) -> tuple[str, str]:
    """A requirements file's text decoded as pip decodes it (BOM, coding line, UTF-8,
    locale), and the encoding. A UTF-8 byte-order mark is kept as ``\ufeff`` at the
    start of the text so that offsets and a UTF-8 rewrite keep it."""
    from pipwarden.sources.requirements import decode_requirements, read_bytes

    data = read_bytes(path)
    if data is None:
        raise InputError("no such file", path=path)
    text, encoding = decode_requirements(data, path)
    return ("\ufeff" + text if encoding == "utf-8-sig" else text), encoding


def apply_edits(text: str, fixes: Iterable[tuple[Edit, ...]]) -> tuple[str, int]:
    """Apply each fix (a group of edits) whole or not at all; return the text and the count.

    A fix is left out when one of its edits overlaps an edit already taken or its ``old``
    text no longer matches; the next pass of ``--fix`` picks it up.
    """
    taken: list[Edit] = []
    applied = 0
    for group in sorted({g for g in fixes if g}, key=lambda g: (g[0].start, g[0].end)):
        if any(text[e.start : e.end] != e.old for e in group):
            continue
        if any(_overlaps(e, t) for e in group for t in taken):
            continue
        taken.extend(group)
        applied += 1
    pieces: list[str] = []
    pos = 0
    for edit in sorted(taken, key=lambda e: (e.start, e.end)):
        pieces.append(text[pos : edit.start])
        pieces.append(edit.new)
        pos = edit.end
    pieces.append(text[pos:])
    return "".join(pieces), applied


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:  # insertions clash only at the same point
        return (a.start == b.start and a.end == b.end) or (a.start < b.end and b.start < a.end)
    return a.start < b.end and b.start < a.end


@frozen
class LintContext:
    """What rules may consult: the config, the selection, installed versions, lookups."""

    config: LintConfig
    selection: Selection
    root: Path
    installed: dict[str, str] = field(default_factory=dict)  # name -> version in the venv
    latest: dict[str, str] = field(default_factory=dict)  # name -> latest version on PyPI
    display_names: dict[str, str] = field(default_factory=dict)  # name -> PyPI spelling
    offline: bool = False
    advisor: Advisor | None = None  # safe floors (pipwarden.advice); None: no database
    ignores: tuple[IgnoreEntry, ...] = ()  # the policy's ignores in force

    def on(self, code: str) -> bool:
        return self.selection.enabled(code)

    def advice(self, name: str) -> Advice | None:
        """The package's safe floor, or ``None`` without a vulnerability database."""
        return None if self.advisor is None else self.advisor.advise(name, self.ignores)
