"""pip's requirements-file format, read without pip, exactly as pip reads it.

The file goes through a small pipeline over ``(lineno, text)`` pairs, in the order pip
applies the same steps (a differential test against pip's own parser keeps it so):

0. decode the bytes as pip does (:func:`decode_requirements`: a UTF-8/UTF-16/UTF-32
   byte-order mark, else a PEP 263 ``coding:`` line, else UTF-8, else the locale);
1. split into physical lines with :meth:`str.splitlines` (``\\n``, ``\\r\\n``, and also
   ``\\r``, ``\\v``, ``\\f``, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028, U+2029: a comment
   followed by any of them ends there); the file's newline is remembered so that
   ``lint --fix`` can write it back unchanged;
2. join ``\\`` continuations into logical lines that keep the first line number (a comment
   line ends a continuation; a continued line loses the backslashes at both ends);
3. strip the comment (``#`` at the start or after whitespace; the ``#egg=`` fragment of a
   URL is not a comment) and surrounding whitespace; drop empty lines;
4. expand ``${VAR}`` from the environment (upper case, digits, underscore; unset or empty
   variables are left as written);
5. split the requirement from its options at the first space-separated token that starts
   with ``-`` (markers hold spaces and quotes, so the requirement is never shlex-split);
6. parse the options as pip's optparse does (``-r``/``-c`` includes are followed relative
   to the including file) and the requirement (PEP 508 through :mod:`packaging`, or a
   URL / VCS / local path).

Hostile files: only regular files are read (``-r /dev/zero`` and FIFOs are refused), up
to :data:`MAX_FILE_BYTES`, with includes nested at most :data:`MAX_INCLUDE_DEPTH` deep.
Error messages quote at most a short redacted fragment of the line as written (never a
``${VAR}`` value), and nothing of a file outside the project root (``root``), which is
still read as pip reads it. Nothing is installed, downloaded or executed. Remote includes
(``-r https://…``) are recorded and reported, not fetched.
"""

from __future__ import annotations

import codecs
import locale
import logging
import os
import re
import shlex
import stat
import sys
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location
from pipwarden.models import canonical_name as canonicalize_name
from pipwarden.redact import redact_text

__all__ = [
    "HASH_ALGORITHMS",
    "LINE_BREAKS",
    "MAX_FILE_BYTES",
    "MAX_INCLUDE_DEPTH",
    "LogicalLine",
    "OptionLine",
    "RequirementParts",
    "RequirementsFile",
    "Resolver",
    "decode_requirements",
    "name_is_written",
    "parse_requirement_string",
    "parse_requirements",
    "parse_requirements_text",
    "project_root_for",
    "quote_fragment",
    "read_bytes",
    "requirement_parts",
]

log = logging.getLogger(__name__)

HASH_ALGORITHMS = frozenset({"sha256", "sha384", "sha512"})

#: Given the normalised path of an included file, return its text (``None``: no such file).
Resolver = Callable[[str], "str | None"]

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_ENV_VAR_RE = re.compile(r"\$\{([A-Z0-9_]+)\}")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_NAME_AT_RE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._\-]*\s*(\[[^\]]*\])?\s*@")
#: Characters no local path requirement holds (pip rejects such a line as a requirement).
_NOT_A_PATH_RE = re.compile(r"[\s=<>!\"']")
_PIP_EGG_RE = re.compile(r"[#&]egg=([^&]*)")
_EGG_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)(\[[^\]]*\])?$")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz",
                     ".txz", ".tlz", ".tar.lz", ".tar.lzma")


@dataclass(frozen=True)
class _OptSpec:
    long: str
    short: str | None
    takes_value: bool


_OPTIONS: tuple[_OptSpec, ...] = (
    _OptSpec("--index-url", "-i", True),
    _OptSpec("--extra-index-url", None, True),
    _OptSpec("--no-index", None, False),
    _OptSpec("--constraint", "-c", True),
    _OptSpec("--requirement", "-r", True),
    _OptSpec("--editable", "-e", True),
    _OptSpec("--find-links", "-f", True),
    _OptSpec("--no-binary", None, True),
    _OptSpec("--only-binary", None, True),
    _OptSpec("--prefer-binary", None, False),
    _OptSpec("--require-hashes", None, False),
    _OptSpec("--pre", None, False),
    _OptSpec("--trusted-host", None, True),
    _OptSpec("--use-feature", None, True),
    _OptSpec("--global-option", None, True),
    _OptSpec("--config-settings", "-C", True),
    _OptSpec("--hash", None, True),
)
_BY_LONG = {spec.long: spec for spec in _OPTIONS}
_BY_LONG["--pypi-url"] = _BY_LONG["--index-url"]  # pip's old alias
_BY_SHORT = {spec.short: spec for spec in _OPTIONS if spec.short}


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


@dataclass
class _Joined:
    lineno: int
    end_lineno: int
    physical: list[str] = field(default_factory=list)
    # (offset in the joined text, physical line number, characters cut from its start)
    segments: list[tuple[int, int, int]] = field(default_factory=list)
    pieces: list[str] = field(default_factory=list)
    size: int = 0

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


# ---------------------------------------------------------------------------------------
# requirement strings


def _suggest(text: str) -> str | None:
    """A likely intended spelling of a requirement pip would reject, or ``None``."""
    fixes = ((r"=>", ">="), (r"=<", "<="), (r"=!", "!="), (r"=~", "~="), (r"<>", "!="))
    for wrong, right in fixes:
        if wrong in text:
            candidate = text.replace(wrong, right)
            if _valid(candidate):
                return candidate
    single_eq = re.sub(r"(?<![=<>!~])=(?!=)", "==", text, count=1)
    if single_eq != text and _valid(single_eq):
        return single_eq
    spaced = re.sub(r"\s+(?=[\d])", "", text)
    if spaced != text and _valid(spaced):
        return spaced
    return None


def _valid(text: str) -> bool:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        Requirement(text)
    except InvalidRequirement:
        return False
    return True


def _looks_like_url_or_path(text: str) -> bool:
    head = text.split(";", 1)[0].strip()
    if not head:
        return False
    if _NAME_AT_RE.match(head):
        return False
    if head.startswith(_VCS_PREFIXES) or (_SCHEME_RE.match(head) and "://" in head):
        return True
    if head.lower().startswith("file:"):
        return True
    if _NOT_A_PATH_RE.search(head):  # e.g. ``key = a/b`` from a file that is not one
        return False
    if head.startswith(".") or os.sep in head or (os.altsep and os.altsep in head):
        return True  # pip's test for a path (``\\`` is a separator on Windows only)
    return head.lower().endswith(_ARCHIVE_SUFFIXES)


def _name_from_url(target: str) -> tuple[str, str, tuple[str, ...]]:
    """(normalised name or "", raw name, extras) for a URL/VCS/path requirement."""
    egg = _PIP_EGG_RE.search(target)
    if egg is not None:  # pip reads the first ``#egg=``/``&egg=`` anywhere in the URL
        match = _EGG_RE.fullmatch(egg.group(1))
        if match is None:
            raise _LineError(
                "#egg= does not name a project",
                f"cannot parse {quote_fragment(target)!r}: #egg= does not name a project",
            )
        inner = (match.group(2) or "[]")[1:-1]
        extras = tuple(sorted(e.strip() for e in inner.split(",") if e.strip()))
        return canonicalize_name(match.group(1)), match.group(1), extras
    base = target.partition("#")[0].partition("?")[0].rstrip("/\\")
    try:
        path = urlsplit(base).path if "://" in base else base
    except ValueError:
        path = base
    segment = unquote(re.split(r"[/\\]", path)[-1]) if path else ""
    if target.startswith(_VCS_PREFIXES) and "@" in segment:
        segment = segment.split("@", 1)[0]
    if segment.endswith(".git"):
        segment = segment[:-4]
    raw = segment or target
    lower = segment.lower()
    if lower.endswith(".whl"):
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        try:
            return str(parse_wheel_filename(segment)[0]), raw, ()
        except InvalidWheelFilename:
            return "", raw, ()
    if lower.endswith((".tar.gz", ".zip")):
        from packaging.utils import InvalidSdistFilename, parse_sdist_filename

        try:
            return str(parse_sdist_filename(segment)[0]), raw, ()
        except InvalidSdistFilename:
            return "", raw, ()
    return "", raw, ()


@dataclass(frozen=True)
class _ParsedReq:
    name: str
    raw_name: str
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None


# ``name`` or ``name<op>version``: most lines of real files. Parsed without building a
# full PEP 508 Requirement (ten times faster); anything else takes the full parser.
_SIMPLE_REQ_RE = re.compile(
    r"([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?:\s*(===|==|>=|<=|~=|!=|<|>)\s*([A-Za-z0-9][A-Za-z0-9.!+_*-]*))?"
)


def _parse_simple(text: str) -> _ParsedReq | None:
    match = _SIMPLE_REQ_RE.fullmatch(text)
    if match is None:
        return None
    raw_name, op, version = match.groups()
    specifier = ""
    if op is not None:
        if not _simple_specifier_ok(op, version):
            return None  # the full parser decides, and explains what is wrong
        specifier = f"{op}{version}"
    return _ParsedReq(canonicalize_name(raw_name), raw_name, specifier, (), None, None)


def _simple_specifier_ok(op: str, version: str) -> bool:
    """PEP 440's rules for one clause, for the forms the fast path accepts; anything
    unusual (wildcards, ``===``, local labels outside ``==``/``!=``) goes to the full parser."""
    if op == "===" or version.endswith(".*"):
        return False
    try:
        parsed = Version(version)
    except InvalidVersion:
        return False
    if parsed.local is not None and op not in {"==", "!="}:
        return False
    return not (op == "~=" and len(parsed.release) < 2)


#: Versions are compared as integers; Python refuses to convert very long digit strings
#: (and pip would crash on them), so a requirement with one is refused up front.
_MAX_DIGITS = 1000
_HUGE_NUMBER_RE = re.compile(rf"\d{{{_MAX_DIGITS + 1}}}")


def _split_extras_suffix(target: str) -> tuple[str, str] | None:
    """``path[extra1,extra2]`` → (``path``, ``extra1,extra2``): the earliest ``[`` after
    the first character with no ``]`` between it and the final ``]`` (a linear scan)."""
    if not target.endswith("]"):
        return None
    closing = target.rfind("]", 0, len(target) - 1)
    opening = target.find("[", max(closing + 1, 1), len(target) - 1)
    if opening < 0:
        return None
    return target[:opening], target[opening + 1 : -1]


def _check_editable_url(target: str, name: str) -> None:
    """pip installs an editable URL only from version control, and only with a name."""
    if not target.lower().startswith(_VCS_PREFIXES):
        raise _LineError(
            "an editable URL must be a version-control URL",
            f"cannot parse -e {quote_fragment(target)!r}: an editable URL must be a "
            "version-control URL (git+, hg+, svn+, bzr+)",
        )
    if not name:
        raise _LineError(
            "an editable URL needs #egg=NAME",
            f"cannot parse -e {quote_fragment(target)!r}: add #egg=NAME (pip needs the name)",
        )


def parse_requirement_string(text: str, *, editable: bool = False) -> _ParsedReq:
    """Parse one requirement as pip accepts it on a line. Raises ``ValueError`` with a
    user-facing message (no file and line: the caller adds them)."""
    text = text.strip()
    if editable or _looks_like_url_or_path(text):
        marker: str | None = None
        target = text
        sep = "; " if "://" in text or text.startswith(_VCS_PREFIXES) else ";"
        if sep in text:
            target, _, marker_text = text.partition(sep)
            target = target.strip()
            from packaging.requirements import InvalidRequirement, Requirement

            try:
                marker = str(Requirement(f"x; {marker_text.strip()}").marker)
            except InvalidRequirement:
                raise _LineError(
                    "cannot parse the marker",
                    f"cannot parse the marker of {quote_fragment(text)!r}: "
                    f"{quote_fragment(marker_text.strip())!r}",
                ) from None
        extras: tuple[str, ...] = ()
        is_url = "://" in target or target.startswith(_VCS_PREFIXES)
        split = None if is_url else _split_extras_suffix(target)  # pip: paths only
        if split is not None:
            target, inner = split
            extras = tuple(sorted(e.strip() for e in inner.split(",") if e.strip()))
        if not target:
            raise _LineError(
                "empty path or URL", f"cannot parse {quote_fragment(text)!r}: empty path or URL"
            )
        name, raw_name, egg_extras = _name_from_url(target)
        if editable and is_url and not target.lower().startswith("file:"):
            _check_editable_url(target, name)
        return _ParsedReq(name, raw_name, "", extras or egg_extras, marker, target)
    if _HUGE_NUMBER_RE.search(text):
        raise _LineError(
            "a number is too long",
            f'cannot parse "{quote_fragment(text)}": a number has more than '
            f"{_MAX_DIGITS} digits",
        )
    simple = _parse_simple(text)
    if simple is not None:
        return simple
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        suggestion = _suggest(text)
        if suggestion:
            raise _LineError(
                "cannot parse requirement",
                f'cannot parse "{quote_fragment(text)}" '
                f'(did you mean "{quote_fragment(suggestion)}"?)',
            ) from None
        dangling = re.search(r"(===|==|>=|<=|!=|~=|<|>)\s*(,|;|$)", text)
        if dangling:
            raise _LineError(
                "cannot parse requirement",
                f'cannot parse "{quote_fragment(text)}": no version after "{dangling.group(1)}"',
            ) from None
        detail = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        raise _LineError(
            "cannot parse requirement",
            f'cannot parse "{quote_fragment(text)}": {quote_fragment(detail)}',
        ) from None
    return _ParsedReq(
        name=canonicalize_name(req.name),
        raw_name=req.name,
        specifier=str(req.specifier),
        extras=tuple(sorted(req.extras)),
        marker=str(req.marker) if req.marker is not None else None,
        url=req.url,
    )


def name_is_written(dependency: Dependency) -> bool:
    """Is the dependency's name written in the file (``name>=1``, ``name @ url``,
    ``…#egg=name``), rather than guessed from an archive's file name or missing (a local
    path)?"""
    return bool(dependency.name) and canonicalize_name(dependency.raw_name) == dependency.name


_HEAD_RE = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?")


@dataclass(frozen=True)
class RequirementParts:
    """Where the parts of a requirement string sit, as ``[start, end)`` offsets into it.

    ``name`` is the name as written. ``specifier`` is the version specifier as written
    (``== 2.1.0`` in ``pandas == 2.1.0 ; …``); when there is none it is the empty span
    where one would be inserted (right after the name or the extras). It is ``None`` when
    the specifier cannot be rewritten in place: it is in parentheses (``name (>=1)``) or
    the requirement is a ``name @ url`` reference.
    """

    name: tuple[int, int]
    specifier: tuple[int, int] | None


def requirement_parts(text: str) -> RequirementParts | None:
    """Offsets of the name and specifier inside a PEP 508 requirement string (the
    ``Dependency.text`` of a named requirement); ``None`` when ``text`` does not start
    with a name (a URL or a path)."""
    match = _HEAD_RE.match(text)
    if match is None or _looks_like_url_or_path(text):
        return None
    name = (match.start(1), match.end(1))
    after = match.end()
    cut = len(text)
    for sep in (";", "@"):
        at = text.find(sep, after)
        if at >= 0:
            cut = min(cut, at)
    if cut < len(text) and text[cut] == "@":
        return RequirementParts(name, None)
    written = text[after:cut]
    stripped = written.strip()
    if stripped.startswith("("):
        return RequirementParts(name, None)
    if not stripped:
        insert = match.end(2) if match.group(2) else match.end(1)
        return RequirementParts(name, (insert, insert))
    start = after + len(written) - len(written.lstrip())
    return RequirementParts(name, (start, start + len(stripped)))


# ---------------------------------------------------------------------------------------
# options


def _lookup_option(token: str) -> _OptSpec | None:
    """optparse's lookup: a long option may be abbreviated to any unique prefix."""
    if token.startswith("--"):
        if token in _BY_LONG:
            return _BY_LONG[token]
        prefixed = {name for name in _BY_LONG if name.startswith(token)}
        specs = {_BY_LONG[name].long for name in prefixed}
        if len(prefixed) > 1 and len(specs) > 1:
            raise _LineError("ambiguous option", f"ambiguous option {quote_fragment(token)!r}")
        return _BY_LONG[prefixed.pop()] if prefixed else None
    return _BY_SHORT.get(token)


#: A quote, a backslash, or whitespace other than shlex's (space, tab, CR, LF).
_NOT_PLAIN_RE = re.compile(r"['\"\\]|[^\S \t\r\n]")


def _split_options(options: str) -> list[str]:
    """``shlex.split`` (as pip), with a fast path for the usual text without quotes or
    backslashes (then shlex only splits at its whitespace: space, tab, CR, LF)."""
    if not _NOT_PLAIN_RE.search(options):
        return [token for token in re.split(r"[ \t\r\n]+", options) if token]
    return shlex.split(options, comments=False, posix=True)


def _parse_options(options: str) -> list[tuple[_OptSpec, str | None, int]]:
    """The option part of a line, read as pip's optparse parser reads it: ``--opt=value``,
    ``--opt value``, ``-xvalue``, ``-x value`` (a value may start with ``-``), unique
    prefixes of long options, ``--`` ends the options, other arguments are ignored.

    Returns (option, value, offset of the option in ``options``); raises
    :class:`_LineError`.
    """
    try:
        tokens = _split_options(options)
    except ValueError as exc:
        raise _LineError(
            "cannot split the options",
            f"cannot split options {quote_fragment(options)!r}: {exc}",
        ) from None
    out: list[tuple[_OptSpec, str | None, int]] = []
    cursor = 0  # shlex keeps no positions: find each option again, left to right
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token == "--":  # noqa: S105 (not a password)
            break
        if not token.startswith("-") or len(token) == 1:
            log.debug("ignoring a stray argument among the options")
            continue
        value: str | None = None
        explicit = False
        if token.startswith("--"):
            name, eq, attached = token.partition("=")
            spec = _lookup_option(name)
            if eq:
                value, explicit = attached, True
        else:
            name, attached = token[:2], token[2:]
            spec = _lookup_option(name)
            if attached:
                value, explicit = attached, True
        if spec is None:
            raise _LineError("unknown option", f"unknown option {quote_fragment(name)!r}")
        found = options.find(name, cursor)
        offset = found if found >= 0 else cursor
        cursor = offset + len(name)
        if spec.takes_value and not explicit:
            if i >= len(tokens):
                raise _LineError(f"option {spec.long} needs a value")
            value = tokens[i]
            i += 1
        elif not spec.takes_value and explicit:
            raise _LineError(f"option {spec.long} takes no value")
        if spec.long == "--config-settings" and "=" not in (value or ""):
            raise _LineError("--config-settings needs KEY=VALUE")
        if value:
            after = options.find(value, cursor)
            cursor = after + len(value) if after >= 0 else cursor
        out.append((spec, value, offset))
    return out


def _check_hash(value: str) -> str:
    """``ALGORITHM:HEXDIGEST`` with one of pip's algorithms (pip checks the algorithm;
    the digest must also be hexadecimal here)."""
    algo, sep, digest = value.partition(":")
    if not sep:
        raise _LineError("--hash is not ALGORITHM:HEXDIGEST",
                         f"--hash={quote_fragment(value)!r} is not of the form "
                         "ALGORITHM:HEXDIGEST")
    if algo not in HASH_ALGORITHMS:
        raise _LineError("--hash algorithm not allowed",
                         f"--hash algorithm {quote_fragment(algo)!r} is not allowed "
                         "(use sha256, sha384, sha512)")
    if not re.fullmatch(r"[0-9A-Fa-f]+", digest):
        raise _LineError("--hash digest not hexadecimal",
                         f"--hash={quote_fragment(value)!r}: the digest is not hexadecimal")
    return f"{algo}:{digest.lower()}"


# ---------------------------------------------------------------------------------------
# the parser

#: A requirements file larger than this is refused (``-r /dev/zero`` is refused anyway:
#: only regular files are read).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: ``-r``/``-c`` includes nest at most this deep.
MAX_INCLUDE_DEPTH = 32


@dataclass
class _Context:
    environ: Mapping[str, str]
    resolver: Resolver | None
    collect: bool
    root: str | None = None  # real path of the project root; None: every file is inside
    exact_paths: bool = False  # give the resolver the path pip opens (not normalised)
    errors: list[InputError] = field(default_factory=list)
    parsed: dict[tuple[str, bool], RequirementsFile] = field(default_factory=dict)

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


def _position(joined: _Joined, offset: int) -> tuple[int, int]:
    """Physical (line, 1-based column) of an offset in the joined text."""
    starts = [seg[0] for seg in joined.segments]
    index = max(bisect_right(starts, offset) - 1, 0)
    seg_start, line, cut = joined.segments[index]
    return line, max(offset - seg_start + cut, 0) + 1


def _include_key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


@dataclass(frozen=True)
class _Where:
    """How errors of one logical line are worded: where it is and what may be quoted."""

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


def _parse(
    text: str,
    path: str,
    ctx: _Context,
    *,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
    skip_bom: bool = True,
) -> RequirementsFile:
    start = 1 if skip_bom and text.startswith("\ufeff") else 0
    physical, newline, line_offsets = _physical_lines(text, start)
    dependencies: list[Dependency] = []
    options: list[OptionLine] = []
    lines: list[LogicalLine] = []
    includes: list[str] = []
    included: list[RequirementsFile] = []
    suffix = ""
    if stack:
        parent_path, _, parent_line = stack[-1]
        suffix = f" (included from {parent_path}:{parent_line})"
    outside = ctx.outside(path)

    for joined in _join_lines(physical):
        raw = "\n".join(joined.physical)
        joined_text = joined.text
        content, comment = _split_comment(joined_text)
        written = content.strip()
        first_offset = line_offsets[joined.lineno - 1]

        def logical(
            kind: str, column: int | None = None, *, joined: _Joined = joined, raw: str = raw,
            content: str = content, comment: str | None = comment, offset: int = first_offset,
        ) -> LogicalLine:
            return LogicalLine(path, joined.lineno, joined.end_lineno, raw, content, comment,
                               column, kind, offset)

        if not written:
            lines.append(logical("comment" if comment is not None else "blank"))
            continue
        where = _Where(path, joined.lineno, suffix, outside, written, expanded=False)
        try:
            line = _expand_env(written, ctx.environ)
        except _LineError as exc:
            ctx.fail(where.error(exc))
            lines.append(logical("error"))
            continue
        where = replace(where, expanded=line != written)
        req_text, opt_text = _break_args_options(line)
        lead = len(content) - len(content.lstrip())
        try:
            parsed_opts = _parse_options(opt_text) if opt_text else []
        except ValueError as exc:
            ctx.fail(where.error(exc))
            lines.append(logical("error"))
            continue
        item = _LineItems(path, joined, where, lead, len(content.rstrip()) - len(opt_text))
        if where.expanded:
            item.written_req, item.written_values = _written_parts(written, parsed_opts)
        kind = _handle_line(item, req_text, parsed_opts, ctx, constraint, stack,
                            dependencies, options, includes, included)
        lines.append(logical(kind, item.column))

    return RequirementsFile(
        path=path,
        dependencies=tuple(dependencies),
        options=tuple(options),
        lines=tuple(lines),
        includes=tuple(includes),
        newline=newline,
        included=tuple(included),
    )


@dataclass
class _LineItems:
    """One logical line being turned into options and a requirement."""

    path: str
    joined: _Joined
    where: _Where
    lead: int  # offset of the line's first non-space character in the joined text
    opt_offset: int  # offset of the options in the joined text (exact when not expanded)
    column: int | None = None
    written_req: str | None = None  # the requirement as written, when ${VAR} changed it
    written_values: list[str | None] | None = None  # option values as written, likewise

    def location(self, offset: int) -> Location:
        if self.where.expanded:
            offset = self.lead
        return Location(self.path, *_position(self.joined, offset))


def _written_parts(
    written: str, parsed_opts: list[tuple[_OptSpec, str | None, int]]
) -> tuple[str, list[str | None] | None]:
    """The requirement and option values of a line as written (before ``${VAR}``
    expansion); the values only when they pair up with the expanded line's options."""
    req, opts = _break_args_options(written)
    try:
        unexpanded = _parse_options(opts) if opts else []
    except ValueError:
        return req, None
    if [spec for spec, _, _ in unexpanded] != [spec for spec, _, _ in parsed_opts]:
        return req, None
    return req, [value for _, value, _ in unexpanded]


def _bare_local_path(url: str | None) -> bool:
    """A local path that is no archive: pip installs it only when it is a folder; in a
    file outside the project it is far likelier a secret with a ``/`` in it, which a
    report would print, so there it is refused."""
    if url is None or "://" in url or url.lower().startswith(("file:", *_VCS_PREFIXES)):
        return False
    return not url.lower().endswith(_ARCHIVE_SUFFIXES)


def _handle_line(
    item: _LineItems,
    req_text: str,
    parsed_opts: list[tuple[_OptSpec, str | None, int]],
    ctx: _Context,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
    dependencies: list[Dependency],
    options: list[OptionLine],
    includes: list[str],
    included: list[RequirementsFile],
) -> str:
    """Options, includes and the requirement of one line, as pip reads them: a line with
    a requirement ignores ``-e``/``-r``/``-c``; otherwise the first ``-e`` is the
    requirement, or the first ``-r`` (else ``-c``) is followed. Returns the line's kind."""
    where, joined = item.where, item.joined
    hashes: list[str] = []
    failed = False
    kind = "option"
    editables: list[tuple[str, int]] = []
    nested: list[tuple[_OptSpec, str, Location, str | None]] = []
    for index, (spec, value, at) in enumerate(parsed_opts):
        location = item.location(item.opt_offset + at)
        raw_value = value
        if item.where.expanded:
            raw_value = item.written_values[index] if item.written_values else None
        if spec.long == "--hash":
            try:
                hashes.append(_check_hash(value or ""))
            except ValueError as exc:
                ctx.fail(where.error(exc))
                failed = True
            continue
        if spec.long == "--editable":
            editables.append((value or "", at))
            continue
        if spec.long in ("--requirement", "--constraint"):
            nested.append((spec, value or "", location, raw_value))
            continue
        options.append(OptionLine(spec.long, value, location, raw_value))
    target: tuple[str, bool, int] | None = None
    if req_text:
        target = (req_text.rstrip(" "), False, item.lead)
    elif editables:
        value, at = editables[0]
        found = item.where.written.find(value) if not where.expanded else -1
        target = (value, True, item.lead + found if found >= 0 else item.opt_offset + at)
    ignored = nested if target is not None else nested[1:]
    for spec, *_ in ignored:
        log.warning("%s:%d: %s %s is ignored (as pip ignores it)", item.path, joined.lineno,
                    spec.long, "on a requirement line" if target else "after the first")
    if target is None and nested:
        first = next((n for n in nested if n[0].long == "--requirement"), nested[0])
        spec, value, location, raw_value = first
        kind = "constraint" if spec.long == "--constraint" else "include"
        options.append(OptionLine(spec.long, value, location, raw_value))
        sub = _include(value, item.path, joined.lineno, ctx,
                       constraint=spec.long == "--constraint", stack=stack, where=where)
        if sub is not None:
            child, first_time = sub
            includes.append(child.path)
            included.append(child)
            if first_time:
                dependencies.extend(child.dependencies)
                options.extend(child.options)
    if target is not None:
        text, editable, offset = target
        _, item.column = _position(joined, offset)
        kind = "editable" if editable else "requirement"
        try:
            parsed = parse_requirement_string(text, editable=editable)
            if where.outside and _bare_local_path(parsed.url):
                raise _LineError("cannot parse requirement")
        except ValueError as exc:
            ctx.fail(where.error(exc))
            return "error"
        dependencies.append(
            Dependency(
                name=parsed.name,
                raw_name=parsed.raw_name,
                specifier=parsed.specifier,
                location=Location(item.path, joined.lineno, item.column),
                text=item.written_req if item.written_req is not None else text,
                extras=parsed.extras,
                marker=parsed.marker,
                url=parsed.url,
                hashes=tuple(hashes),
                editable=editable,
                constraint=constraint,
            )
        )
    elif hashes:
        log.warning("%s:%d: --hash without a requirement is ignored", item.path, joined.lineno)
    return "error" if failed else kind


def _include(
    target: str,
    parent: str,
    lineno: int,
    ctx: _Context,
    *,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
    where: _Where,
) -> tuple[RequirementsFile, bool] | None:
    """Parse an included file; the flag is false when it was already read (a diamond)."""
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
    sub = _parse(text, child, ctx, constraint=constraint,
                 stack=(*stack, (parent, _include_key(parent), lineno)), skip_bom=False)
    ctx.parsed[cache_key] = sub
    return sub, True


_REMOTE_RE = re.compile(r"^(https?|file):", re.IGNORECASE)

# ---------------------------------------------------------------------------------------
# reading


def read_bytes(path: str, *, max_bytes: int | None = None) -> bytes | None:
    """A regular file's bytes (``None`` when it does not exist).

    FIFOs, devices, sockets and folders are refused before they are read (``-r /dev/zero``
    would never end), and so is a file larger than ``max_bytes`` (default
    :data:`MAX_FILE_BYTES`): both as :class:`InputError` (exit 2).
    """
    if max_bytes is None:
        max_bytes = MAX_FILE_BYTES
    try:
        info = os.stat(path)  # noqa: PTH116
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    _check_regular(info, path, max_bytes)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        _check_regular(os.fstat(fd), path, max_bytes)  # it may have been swapped since
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(path, max_bytes)
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    finally:
        os.close(fd)


def _check_regular(info: os.stat_result, path: str, max_bytes: int) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise InputError("not a regular file", path=path)
    if info.st_size > max_bytes:
        raise _too_large(path, max_bytes)


def _too_large(path: str, max_bytes: int) -> InputError:
    return InputError(f"larger than {max_bytes} bytes, the size cap on requirements files",
                      path=path)


def _read_text(path: str) -> str | None:
    data = read_bytes(path)
    return None if data is None else decode_requirements(data, path)[0]


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CODING_RE = re.compile(rb"coding[:=]\s*([-\w.]+)")
#: Codecs refused in a coding line: their decoders take quadratic time on hostile input.
_SLOW_CODECS = frozenset({"punycode", "idna"})


def decode_requirements(data: bytes, path: str) -> tuple[str, str]:
    """Decode a requirements file as pip does; returns (text, encoding).

    A byte-order mark (UTF-8, UTF-32, UTF-16) decides and is dropped; else a PEP 263
    ``coding:`` comment on one of the first two lines (starting with ``#``); else UTF-8;
    else the locale's encoding. The encoding is ``utf-8-sig`` for UTF-8 with a BOM and
    the codec name otherwise, so that a writer can keep it.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode_as(data[len(bom) :], encoding, path)
            return text, "utf-8-sig" if encoding == "utf-8" else encoding
    for line in data.split(b"\n", 2)[:2]:
        if line[:1] == b"#":
            match = _CODING_RE.search(line)
            if match is not None:
                name = match.group(1).decode("ascii")
                return _decode_as(data, name, path), name
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        fallback = locale.getpreferredencoding(False) or sys.getdefaultencoding()
        return _decode_as(data, fallback, path), fallback


def _decode_as(data: bytes, encoding: str, path: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError("unknown encoding in the coding line", path=path, line=1) from None
    if name in _SLOW_CODECS:
        raise InputError(f"encoding {name!r} is not supported for requirements files",
                         path=path, line=1)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not {name} text (byte {exc.start})", path=path, line=line) from None
    except (ValueError, TypeError, LookupError):  # e.g. a codec that is not a text encoding
        raise InputError(f"cannot decode as {name}", path=path, line=1) from None


def parse_requirements_text(
    text: str,
    path: str,
    *,
    environ: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
    collect_errors: bool = False,
    root: Path | str | None = None,
) -> RequirementsFile:
    """Parse requirements given as text; ``path`` is used in locations and messages.

    Includes (``-r``/``-c``) are recorded as options but only followed when ``resolver``
    is given: it receives the included file's path (joined to ``path``'s folder, as pip
    joins it) and returns its text or ``None`` when missing. With ``root``, errors in
    files outside it (after symlinks) name the file and line only.
    """
    ctx = _Context(os.environ if environ is None else environ, resolver, collect_errors,
                   _real_root(root))
    result = _parse(text, path, ctx, constraint=False, stack=())
    if ctx.errors:
        return _with_errors(result, ctx.errors)
    return result


def _real_root(root: Path | str | None) -> str | None:
    return None if root is None else os.path.realpath(os.fspath(root))


def project_root_for(path: Path | str, project: Path | str) -> Path:
    """The root for :func:`parse_requirements`: ``project`` when ``path`` (as written,
    symlinks not followed) is inside it, else the folder of ``path``."""
    absolute = os.path.abspath(os.fspath(path))  # noqa: PTH100 (symlinks not followed)
    base = os.path.abspath(os.fspath(project))  # noqa: PTH100
    return Path(base) if _is_under(absolute, base) else Path(absolute).parent


def parse_requirements(
    path: Path | str,
    *,
    environ: Mapping[str, str] | None = None,
    collect_errors: bool = False,
    root: Path | str | None = None,
) -> RequirementsFile:
    """Read a requirements file and every file it includes, as pip reads them.

    Raises :class:`InputError` (with file and line) on the first bad line, unless
    ``collect_errors`` is true: then every bad line is skipped and listed in ``errors``.
    A missing, non-regular or oversized top-level file always raises.

    ``root`` is the project root (default: the folder of ``path``, symlinks not
    followed). Files outside it — absolute or ``../`` includes, symlinks that lead out —
    are read as pip reads them, but their bad lines are reported by file and line only.
    """
    name = os.fspath(path)
    text = _read_text(name)
    if text is None:
        raise InputError("no such file", path=name)
    base = root if root is not None else Path(os.path.abspath(name)).parent  # noqa: PTH100
    ctx = _Context(os.environ if environ is None else environ, _read_text, collect_errors,
                   _real_root(base), exact_paths=True)
    result = _parse(text, name, ctx, constraint=False, stack=(), skip_bom=False)
    if ctx.errors:
        return _with_errors(result, ctx.errors)
    return result


def _with_errors(result: RequirementsFile, errors: list[InputError]) -> RequirementsFile:
    return replace(result, errors=tuple(errors))
