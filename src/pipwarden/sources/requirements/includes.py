"""``-r``/``-c`` includes: where they point (relative to the including file, as pip
joins them), which are followed (no remote ones, none nested deeper than
:data:`MAX_INCLUDE_DEPTH`, no cycles, each file parsed once) and files outside the project."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import unquote, urlsplit

from pipwarden.errors import InputError
from pipwarden.lazyre import LazyPattern
from pipwarden.log import get_logger
from pipwarden.sources.requirements.model import (
    RequirementsFile,
    Resolver,
    _LineError,
    _Where,
    quote_fragment,
)

__all__ = [
    "MAX_INCLUDE_DEPTH",
]

log = get_logger(__name__)


MAX_INCLUDE_DEPTH = 32


class _Context:
    """The state of one parse: environment, file resolver, collected errors, the files
    parsed so far (a plain class: see ``lexer._Joined``)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        resolver: Resolver | None,
        collect: bool,
        root: str | None = None,
        exact_paths: bool = False,
    ) -> None:
        self.environ = environ
        self.resolver = resolver
        self.collect = collect
        self.root = root  # real path of the project root; None: every file is inside
        self.exact_paths = exact_paths  # give the resolver the path pip opens (not normalised)
        self.errors: list[InputError] = []
        self.parsed: dict[tuple[str, bool], RequirementsFile] = {}

    def fail(self, error: InputError) -> None:
        if not self.collect:
            raise error
        self.errors.append(error)

    def outside(self, path: str) -> bool:
        """Does ``path`` (after following symlinks) leave the project root?"""
        if self.root is None:
            return False
        return not _is_under(os.path.realpath(path), self.root)


def _is_under(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # another drive
        return False


def _include_key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))



class ParseFile(Protocol):
    """The parser's entry point, as the include step calls it for an included file."""

    def __call__(self, text: str, path: str, ctx: _Context, *, constraint: bool,
                 stack: tuple[tuple[str, str, int], ...], skip_bom: bool = ...
                 ) -> RequirementsFile: ...


_REMOTE_RE = LazyPattern(r"^(https?|file):", re.IGNORECASE)


def _include(
    target: str,
    parent: str,
    lineno: int,
    ctx: _Context,
    *,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
    where: _Where,
    parse: ParseFile,
) -> tuple[RequirementsFile, bool] | None:
    """Parse an included file with ``parse`` (the parser, which calls back here for the
    includes of the included file); the flag is false when it was already read (a diamond)."""
    option = "-c" if constraint else "-r"
    if not target.strip():
        ctx.fail(where.error(f"{option} needs a file name"))
        return None
    if _REMOTE_RE.match(target):
        if not target.lower().startswith("file:"):
            shown = "" if where.outside else " " + quote_fragment(target)
            log.warning("%s:%d: remote include%s is not followed", parent, lineno, shown)
            return None
        target = unquote(urlsplit(target).path)
    if ctx.resolver is None:
        return None
    if "\x00" in target:
        ctx.fail(where.error(f"{option}: the file name holds a NUL character"))
        return None
    opened = os.path.join(os.path.dirname(parent), target)  # noqa: PTH118,PTH120 (as pip)
    child = os.path.normpath(opened)
    if len(stack) >= MAX_INCLUDE_DEPTH:
        ctx.fail(where.error(f"{option} includes nest deeper than {MAX_INCLUDE_DEPTH} files"))
        return None
    key = _include_key(opened)
    chain = [*(entry[1] for entry in stack), _include_key(parent)]
    if key in chain:
        names = [entry[0] for entry in stack] + [parent, child]
        ctx.fail(where.error(_LineError("include cycle", f"include cycle: {' -> '.join(names)}")))
        return None
    cache_key = (key, constraint)
    if cache_key in ctx.parsed:
        return ctx.parsed[cache_key], False
    try:
        text = ctx.resolver(opened if ctx.exact_paths else child)
    except InputError as exc:
        ctx.fail(where.error(_LineError(f"cannot read {option} file: {exc.reason}",
                                        f"cannot read {option} {quote_fragment(target)}: "
                                        f"{exc.reason}")))
        return None
    if text is None:
        ctx.fail(where.error(_LineError(f"cannot open {option} file: no such file",
                                        f"cannot open {option} {quote_fragment(target)}: "
                                        f"no such file ({quote_fragment(child)})")))
        return None
    sub = parse(text, child, ctx, constraint=constraint,
                 stack=(*stack, (parent, _include_key(parent), lineno)), skip_bom=False)
    ctx.parsed[cache_key] = sub
    return sub, True
