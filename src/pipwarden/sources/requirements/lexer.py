"""Steps 1-5 of the pipeline (see :mod:`pipwarden.sources.requirements`): physical lines
split as :meth:`str.splitlines` splits them, ``\\`` continuations joined, comments cut,
``${VAR}`` expanded (bounded), the requirement split from its options."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping

from pipwarden.lazyre import LazyPattern
from pipwarden.sources.requirements.model import _LineError

__all__ = [
    "LINE_BREAKS",
]


_COMMENT_RE = LazyPattern(r"(^|\s+)#.*$")
_ENV_VAR_RE = LazyPattern(r"\$\{([A-Z0-9_]+)\}")


# ---------------------------------------------------------------------------------------
# pipeline steps

#: The characters :meth:`str.splitlines` breaks at (``\r\n`` counts as one break). pip
#: splits requirements files with it, so every one of them ends a line, not only ``\n``.
LINE_BREAKS = "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"


def _physical_lines(text: str, start: int) -> tuple[list[str], str, list[int]]:
    """Split ``text[start:]`` exactly as pip does (:meth:`str.splitlines`); report the
    file's newline convention (for ``lint --fix``) and the offset of each line in ``text``."""
    first_nl = text.find("\n")
    newline = "\r\n" if first_nl > 0 and text[first_nl - 1] == "\r" else "\n"
    lines: list[str] = []
    offsets: list[int] = []
    pos = start
    for piece in text[start:].splitlines(keepends=True):
        offsets.append(pos)
        pos += len(piece)
        if piece.endswith("\r\n"):
            lines.append(piece[:-2])
        elif piece and piece[-1] in LINE_BREAKS:
            lines.append(piece[:-1])
        else:
            lines.append(piece)
    return lines, newline, offsets


def _is_comment_line(line: str) -> bool:
    """pip's test for a comment line inside a continuation (``COMMENT_RE.match``)."""
    return line.lstrip()[:1] == "#"


class _Joined:
    """One logical line being joined from physical lines (a plain class: one is made per
    line, and parse state needs no dataclass machinery at start-up)."""

    __slots__ = ("end_lineno", "lineno", "physical", "pieces", "segments", "size")

    def __init__(self, lineno: int, end_lineno: int) -> None:
        self.lineno = lineno
        self.end_lineno = end_lineno
        self.physical: list[str] = []
        # (offset in the joined text, physical line number, characters cut from its start)
        self.segments: list[tuple[int, int, int]] = []
        self.pieces: list[str] = []
        self.size = 0

    def add(self, line: str, piece: str, lineno: int, cut: int) -> None:
        self.segments.append((self.size, lineno, cut))
        self.physical.append(line)
        self.pieces.append(piece)
        self.size += len(piece)
        self.end_lineno = lineno

    @property
    def text(self) -> str:
        return "".join(self.pieces)


def _join_lines(lines: list[str]) -> list[_Joined]:
    """Join ``\\`` continuations as pip does: a continued line loses every backslash at
    either end (``str.strip("\\\\")``), pieces are joined without a space, the logical
    line keeps the first line number, and a comment line ends a continuation (it is
    kept, after a space, so that it still reads as a comment)."""
    out: list[_Joined] = []
    current: _Joined | None = None
    for index, line in enumerate(lines):
        lineno = index + 1
        comment = _is_comment_line(line)
        if comment or not line.endswith("\\"):
            if current is None:
                single = _Joined(lineno=lineno, end_lineno=lineno)
                single.add(line, line, lineno, 0)
                out.append(single)
            else:
                current.add(line, " " + line if comment else line, lineno, -1 if comment else 0)
                out.append(current)
                current = None
            continue
        if current is None:
            current = _Joined(lineno=lineno, end_lineno=lineno)
        piece = line.strip("\\")
        current.add(line, piece, lineno, len(line) - len(line.lstrip("\\")))
    if current is not None:
        out.append(current)
    return out


def _comment_start(text: str) -> int:
    """Where pip's comment pattern ``(^|\\s+)#.*$`` cuts the line: the first ``#`` at the
    start or after whitespace (``-1``: none). A linear scan: the regular expression
    itself backtracks quadratically over long runs of whitespace."""
    at = text.find("#")
    while at >= 0:
        if at == 0 or text[at - 1].isspace():
            return at
        at = text.find("#", at + 1)
    return -1


def _split_comment(text: str) -> tuple[str, str | None]:
    at = _comment_start(text)
    if at < 0:
        return text, None
    return text[:at].rstrip(), text[at + 1 :].strip()


def _break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a (stripped) line into the requirement and the options: at the
    first space-separated token that starts with ``-`` (markers hold spaces and quotes,
    so the requirement is never shlex-split). The options are a suffix of ``line``."""
    tokens = line.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            return " ".join(tokens[:i]), " ".join(tokens[i:])
    return line, ""


#: A logical line may name at most this many ``${VAR}`` and grow to at most this size
#: when they are expanded (pip has no cap: a variable whose value names itself doubles
#: the line once per reference).
MAX_ENV_REFERENCES = 64
MAX_EXPANDED_LINE = 1024 * 1024


def _expand_env(text: str, environ: Mapping[str, str]) -> str:
    """pip's ``${NAME}`` expansion: each reference, in order, replaces every occurrence
    of itself with the variable's value; unset or empty variables stay as written."""
    if "${" not in text:
        return text
    names = _ENV_VAR_RE.findall(text)
    if not names:
        return text
    if len(names) > MAX_ENV_REFERENCES:
        raise _LineError(f"more than {MAX_ENV_REFERENCES} ${{VAR}} references")
    for name in names:
        value = environ.get(name)
        if not value:
            continue
        token = "${" + name + "}"
        count = text.count(token)
        if count and len(text) + count * (len(value) - len(token)) > MAX_EXPANDED_LINE:
            raise _LineError(
                f"longer than {MAX_EXPANDED_LINE} characters after ${{VAR}} expansion"
            )
        text = text.replace(token, value)
    return text


def _position(joined: _Joined, offset: int) -> tuple[int, int]:
    """Physical (line, 1-based column) of an offset in the joined text."""
    starts = [seg[0] for seg in joined.segments]
    index = max(bisect_right(starts, offset) - 1, 0)
    seg_start, line, cut = joined.segments[index]
    return line, max(offset - seg_start + cut, 0) + 1
