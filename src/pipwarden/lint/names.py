"""PW304: package names as PyPI spells them (PEP 503 lower-case-dash form when offline)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from pipwarden.lint.engine import Edit, Finding, LintContext, rule
from pipwarden.lint.reqfile import ReqEntry

__all__ = ["check_names"]

rule(
    "PW304",
    "non-canonical-name",
    "a package name not written in its canonical form (PEP 503 or PyPI's spelling)",
    level="note",
    fixable=True,
)


def check_names(path: str, entries: Iterable[ReqEntry], ctx: LintContext) -> Iterator[Finding]:
    """PW304: ``scikit_learn`` → ``scikit-learn``; PyPI's own spelling is accepted too."""
    if not ctx.on("PW304"):
        return
    for entry in entries:
        raw, name = entry.raw_name, entry.name
        if raw is None or name is None or (entry.url is not None and entry.name_start < 0):
            continue
        display = ctx.display_names.get(name)
        if raw in {name, display}:
            continue
        wanted = display or name
        edits: tuple[Edit, ...] = ()
        if entry.name_start >= 0:
            edits = (Edit(entry.name_start, entry.name_start + len(raw), raw, wanted),)
        yield Finding(
            "PW304",
            f"{raw} is spelled {wanted} on PyPI: write {wanted}"
            if display
            else f"{raw} is not the canonical name: write {wanted}",
            path,
            entry.line,
            entry.column,
            edits,
        )
