"""What a parsed requirements file is made of (logical lines, options, the file with its
includes) and how a bad line is worded: :class:`_LineError` and :class:`_Where` quote only
what may be shown, shortened and redacted."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency, Location
from pipwarden.redact import redact_text

__all__ = [
    "HASH_ALGORITHMS",
    "LogicalLine",
    "OptionLine",
    "RequirementsFile",
    "Resolver",
    "quote_fragment",
]


HASH_ALGORITHMS = frozenset({"sha256", "sha384", "sha512"})

#: Given the normalised path of an included file, return its text (``None``: no such file).
Resolver = Callable[[str], "str | None"]


@frozen
class LogicalLine:
    """One logical line: physical lines joined by ``\\`` continuations.

    ``raw`` is the physical text (lines joined with ``\\n``, newline characters removed,
    comment and backslashes kept) so a fixer can rewrite lines ``lineno``..``end_lineno``.
    ``content`` is the joined text without continuation backslashes and comment, before
    ``${VAR}`` expansion. ``column`` is the 1-based column of the requirement (or of the
    ``-e`` target) on line ``lineno``; ``None`` on lines without a requirement.
    ``kind`` is one of ``blank``, ``comment``, ``requirement``, ``editable``, ``option``,
    ``include``, ``constraint``, ``error``. ``offset`` is the character offset, in the text
    given to the parser, of column 1 of line ``lineno`` (a byte-order mark is skipped), so
    a fixer can turn a ``(line, column)`` into a position in the file.
    """

    path: str
    lineno: int
    end_lineno: int
    raw: str
    content: str
    comment: str | None
    column: int | None = None
    kind: str = "blank"
    offset: int = 0

    def __repr__(self) -> str:
        return (
            f"LogicalLine(path={self.path!r}, lineno={self.lineno}, "
            f"end_lineno={self.end_lineno}, raw={redact_text(self.raw)!r}, kind={self.kind!r})"
        )


@frozen
class OptionLine:
    """An option found in a requirements file, e.g. ``--index-url`` and its value.

    ``name`` is the long form (``-i`` is reported as ``--index-url``); ``value`` is after
    ``${VAR}`` expansion and may hold credentials: render it through
    :func:`pipwarden.redact.redact_url`. ``raw_value`` is the value as written.
    """

    name: str
    value: str | None
    location: Location
    raw_value: str | None = None

    @property
    def safe_value(self) -> str | None:
        """The value with URL credentials masked, for messages."""
        return None if self.value is None else redact_text(self.value)

    def __repr__(self) -> str:
        return (
            f"OptionLine(name={self.name!r}, value={self.safe_value!r}, "
            f"location={self.location!r})"
        )


@frozen
class RequirementsFile:
    """A parsed requirements file with everything it includes.

    ``dependencies`` and ``options`` are flattened over ``-r``/``-c`` includes (each keeps
    its own file and line in ``location``); ``lines`` are this file's own logical lines;
    ``included`` holds the parsed included files; ``includes`` their paths in order.
    ``errors`` is filled instead of raising when parsing with ``collect_errors=True``.
    """

    path: str
    dependencies: tuple[Dependency, ...]
    options: tuple[OptionLine, ...]
    lines: tuple[LogicalLine, ...]
    includes: tuple[str, ...]
    newline: str = "\n"
    included: tuple[RequirementsFile, ...] = ()
    errors: tuple[InputError, ...] = ()

    def line_of(self, dependency: Dependency) -> LogicalLine | None:
        """The logical line (of this file or an included one) a dependency was read from."""
        for parsed in self.all_files():
            if parsed.path == dependency.location.path:
                for line in parsed.lines:
                    if line.lineno == dependency.location.line:
                        return line
        return None

    def all_files(self) -> tuple[RequirementsFile, ...]:
        """This file and every file it includes, depth first, each once."""
        seen: dict[str, RequirementsFile] = {}
        stack: list[RequirementsFile] = [self]
        while stack:
            current = stack.pop(0)
            if current.path in seen:
                continue
            seen[current.path] = current
            stack[0:0] = list(current.included)
        return tuple(seen.values())


class _LineError(ValueError):
    """A line pip would reject. ``summary`` names the problem without quoting the file;
    the message (default: the summary) may quote it, redacted and shortened."""

    def __init__(self, summary: str, message: str | None = None) -> None:
        super().__init__(message or summary)
        self.summary = summary


#: How much of a line an error message quotes.
QUOTE_CHARS = 80


def quote_fragment(text: str, limit: int = QUOTE_CHARS) -> str:
    """A short, printable, redacted fragment of file content for an error message.

    Credentials are masked before the text is shortened (so a cut never reveals part of
    a secret), and unprintable characters (controls, lone surrogates) become ``?``.
    """
    shown = redact_text(text)[: limit * 4]  # the whole text: a cut could split a URL
    shown = "".join(ch if ch.isprintable() else "?" for ch in shown)
    if len(shown) > limit:
        shown = shown[: limit - 1] + "\u2026"
    return shown


class _Where(NamedTuple):
    """How errors of one logical line are worded: where it is and what may be quoted (a
    named tuple: one is made per line)."""

    path: str
    line: int
    suffix: str
    outside: bool
    written: str
    expanded: bool

    def error(self, exc: ValueError | str, *, line: int | None = None) -> InputError:
        """The line's error, quoting only what may be shown: nothing of a file outside
        the project, the line as written (never expanded) after ``${VAR}`` expansion.

        A ``str`` is a message that quotes nothing of the file; a :class:`_LineError`
        carries a summary that quotes nothing and a message that may.
        """
        if isinstance(exc, str):
            summary = message = exc
        elif isinstance(exc, _LineError):
            summary, message = exc.summary, str(exc)
        else:  # an unexpected parser complaint: quote it shortened and redacted
            summary = "cannot parse this line"
            message = f"{summary}: {quote_fragment(str(exc))}"
        if self.outside:
            message = f"{summary} (line not shown: the file is outside the project)"
        elif self.expanded:
            message = f'{summary}: "{quote_fragment(self.written)}" (after ${{VAR}} expansion)'
        return InputError(message + self.suffix, path=self.path, line=line or self.line)
