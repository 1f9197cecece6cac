"""pip's requirements-file format, read without pip.

The file goes through a small pipeline over ``(lineno, text)`` pairs, in the order pip
applies the same steps:

1. split into physical lines (``\\n`` or ``\\r\\n``; the file's newline is remembered so that
   ``lint --fix`` can write it back unchanged);
2. join ``\\`` continuations into logical lines that keep the first line number (a comment
   line ends a continuation, as in pip);
3. split off the comment (``#`` at the start or after whitespace; the ``#egg=`` fragment
   of a URL is not a comment);
4. split the requirement from its options at the first token that starts with ``-``
   (markers hold spaces and quotes, so the whole line is never shlex-split);
5. expand ``${VAR}`` from the environment (upper case, digits, underscore; unknown
   variables are left as written);
6. parse options (``-r``/``-c`` includes are followed relative to the including file) and
   the requirement (PEP 508 through :mod:`packaging`, or a URL / VCS / local path).

Nothing is installed, downloaded or executed. Remote includes (``-r https://…``) are
recorded and reported, not fetched.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location
from pipwarden.models import canonical_name as canonicalize_name
from pipwarden.redact import redact_text

__all__ = [
    "HASH_ALGORITHMS",
    "LogicalLine",
    "OptionLine",
    "RequirementParts",
    "RequirementsFile",
    "Resolver",
    "name_is_written",
    "parse_requirement_string",
    "parse_requirements",
    "parse_requirements_text",
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
_EXTRAS_SUFFIX_RE = re.compile(r"^(.+?)(\[[^\]]*\])$")
_EGG_RE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)(\[[^\]]*\])?$")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz")


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


def _physical_lines(text: str) -> tuple[list[str], str, list[int]]:
    """Split on ``\\n``; drop a trailing ``\\r``; report the file's newline convention and
    the offset of each line's first character in ``text``."""
    start = 0
    if text.startswith("\ufeff"):
        start = 1
    first_nl = text.find("\n")
    newline = "\r\n" if first_nl > 0 and text[first_nl - 1] == "\r" else "\n"
    lines = text[start:].split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    offsets: list[int] = []
    for line in lines:
        offsets.append(start)
        start += len(line) + 1
    return [line[:-1] if line.endswith("\r") else line for line in lines], newline, offsets


def _is_comment_line(line: str) -> bool:
    return line.lstrip().startswith("#")


@dataclass
class _Joined:
    lineno: int
    end_lineno: int
    physical: list[str] = field(default_factory=list)
    # (offset in joined text, physical line number) of each segment start
    segments: list[tuple[int, int]] = field(default_factory=list)
    text: str = ""


def _join_lines(lines: list[str]) -> list[_Joined]:
    """Join ``\\`` continuations. A comment line ends a continuation (pip does the same)."""
    out: list[_Joined] = []
    current: _Joined | None = None
    for index, line in enumerate(lines):
        lineno = index + 1
        continued = line.endswith("\\") and not _is_comment_line(line)
        piece = line[:-1] if continued else line
        if current is None:
            current = _Joined(lineno=lineno, end_lineno=lineno)
        elif _is_comment_line(line):
            piece = " " + line  # keep the comment recognisable after joining
        current.segments.append((len(current.text), lineno))
        current.physical.append(line)
        current.text += piece
        current.end_lineno = lineno
        if not continued:
            out.append(current)
            current = None
    if current is not None:
        out.append(current)
    return out


def _split_comment(text: str) -> tuple[str, str | None]:
    match = _COMMENT_RE.search(text)
    if match is None:
        return text, None
    comment = text[match.start() :].lstrip()[1:].strip()
    return text[: match.start()], comment


def _break_args_options(content: str) -> tuple[str, int, str]:
    """Split at the first space-separated token starting with ``-``.

    Returns (requirement text, its offset in ``content``, options text).
    """
    stripped = content.lstrip()
    start = len(content) - len(stripped)
    tokens = stripped.split(" ")
    for i, token in enumerate(tokens):
        if token.startswith("-"):
            args = " ".join(tokens[:i]).strip()
            return args, start, " ".join(tokens[i:])
    return stripped.strip(), start, ""


def _expand_env(text: str, environ: Mapping[str, str]) -> str:
    return _ENV_VAR_RE.sub(lambda m: environ.get(m.group(1), m.group(0)), text)


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
    if head.startswith((".", "/", "~")) or "/" in head or "\\" in head:
        return True
    return head.lower().endswith(_ARCHIVE_SUFFIXES)


def _name_from_url(target: str) -> tuple[str, str, tuple[str, ...]]:
    """(normalised name or "", raw name, extras) for a URL/VCS/path requirement."""
    _, _, fragment = target.partition("#")
    for part in fragment.split("&"):
        key, _, value = part.partition("=")
        if key == "egg" and value:
            match = _EGG_RE.match(value)
            if match:
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
                raise ValueError(
                    f"cannot parse the marker of {redact_text(text)!r}: {marker_text.strip()!r}"
                ) from None
        extras: tuple[str, ...] = ()
        match = _EXTRAS_SUFFIX_RE.match(target)
        if match and "://" not in match.group(2):
            target = match.group(1)
            extras = tuple(sorted(e.strip() for e in match.group(2)[1:-1].split(",") if e.strip()))
        if not target:
            raise ValueError(f"cannot parse {redact_text(text)!r}: empty path or URL")
        name, raw_name, egg_extras = _name_from_url(target)
        return _ParsedReq(name, raw_name, "", extras or egg_extras, marker, target)
    simple = _parse_simple(text)
    if simple is not None:
        return simple
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(text)
    except InvalidRequirement as exc:
        suggestion = _suggest(text)
        if suggestion:
            raise ValueError(
                f'cannot parse "{redact_text(text)}" (did you mean "{redact_text(suggestion)}"?)'
            ) from None
        dangling = re.search(r"(===|==|>=|<=|!=|~=|<|>)\s*(,|;|$)", text)
        if dangling:
            raise ValueError(
                f'cannot parse "{redact_text(text)}": no version after "{dangling.group(1)}"'
            ) from None
        detail = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
        raise ValueError(f'cannot parse "{redact_text(text)}": {detail}') from None
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
    if token.startswith("--"):
        if token in _BY_LONG:
            return _BY_LONG[token]
        prefixed = [spec for spec in _OPTIONS if spec.long.startswith(token)]
        return prefixed[0] if len(prefixed) == 1 else None
    return _BY_SHORT.get(token)


def _parse_options(options: str) -> list[tuple[_OptSpec, str | None, int]]:
    """Tokens of the option part → (option, value, offset of the option in ``options``).

    Raises ``ValueError`` with a message.
    """
    try:
        tokens = shlex.split(options, comments=False, posix=True)
    except ValueError as exc:
        raise ValueError(f"cannot split options {redact_text(options)!r}: {exc}") from None
    out: list[tuple[_OptSpec, str | None, int]] = []
    cursor = 0  # shlex keeps no positions: find each option again, left to right
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if not token.startswith("-") or len(token) == 1:
            log.debug("ignoring stray argument %r", redact_text(token))
            continue
        value: str | None = None
        if token.startswith("--"):
            name, eq, attached = token.partition("=")
            spec = _lookup_option(name)
            if eq:
                value = attached
        else:
            name, attached = token[:2], token[2:]
            spec = _lookup_option(name)
            if attached:
                value = attached.removeprefix("=")
        if spec is None:
            raise ValueError(f"unknown option {name!r}")
        found = options.find(name, cursor)
        offset = found if found >= 0 else cursor
        cursor = offset + len(name)
        if spec.takes_value and value is None:
            if i >= len(tokens):
                raise ValueError(f"option {spec.long} needs a value")
            value = tokens[i]
            i += 1
        elif not spec.takes_value and value is not None:
            raise ValueError(f"option {spec.long} takes no value")
        if value:
            after = options.find(value, cursor)
            cursor = after + len(value) if after >= 0 else cursor
        out.append((spec, value, offset))
    return out


def _check_hash(value: str) -> str:
    algo, sep, digest = value.partition(":")
    if not sep or not digest:
        raise ValueError(f"--hash={value!r} is not of the form ALGORITHM:HEXDIGEST")
    if algo.lower() not in HASH_ALGORITHMS:
        raise ValueError(f"--hash algorithm {algo!r} is not allowed (use sha256, sha384, sha512)")
    if not re.fullmatch(r"[0-9A-Fa-f]+", digest):
        raise ValueError(f"--hash={value!r}: the digest is not hexadecimal")
    return f"{algo.lower()}:{digest.lower()}"


# ---------------------------------------------------------------------------------------
# the parser


@dataclass
class _Context:
    environ: Mapping[str, str]
    resolver: Resolver | None
    collect: bool
    errors: list[InputError] = field(default_factory=list)
    parsed: dict[tuple[str, bool], RequirementsFile] = field(default_factory=dict)

    def fail(self, error: InputError) -> None:
        if not self.collect:
            raise error
        self.errors.append(error)


def _position(joined: _Joined, offset: int) -> tuple[int, int]:
    """Physical (line, 1-based column) of an offset in the joined text."""
    line, start = joined.lineno, 0
    for seg_start, seg_line in joined.segments:
        if seg_start <= offset:
            line, start = seg_line, seg_start
    return line, offset - start + 1


def _include_key(path: str) -> str:
    return os.path.normcase(os.path.normpath(Path(path).absolute()))


def _parse(
    text: str,
    path: str,
    ctx: _Context,
    *,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
) -> RequirementsFile:
    physical, newline, line_offsets = _physical_lines(text)
    dependencies: list[Dependency] = []
    options: list[OptionLine] = []
    lines: list[LogicalLine] = []
    includes: list[str] = []
    included: list[RequirementsFile] = []
    suffix = ""
    if stack:
        parent_path, _, parent_line = stack[-1]
        suffix = f" (included from {parent_path}:{parent_line})"

    for joined in _join_lines(physical):
        raw = "\n".join(joined.physical)
        content, comment = _split_comment(joined.text)
        req_text, req_offset, opt_text = _break_args_options(content)

        def error(message: str, *, line: int = joined.lineno) -> InputError:
            return InputError(message + suffix, path=path, line=line)

        kind = "comment" if comment is not None and not content.strip() else "blank"
        column: int | None = None
        try:
            parsed_opts = _parse_options(opt_text) if opt_text else []
        except ValueError as exc:
            ctx.fail(error(str(exc)))
            lines.append(LogicalLine(path, joined.lineno, joined.end_lineno, raw, content,
                                     comment, None, "error", line_offsets[joined.lineno - 1]))
            continue

        hashes: list[str] = []
        per_req: list[tuple[_OptSpec, str | None]] = []
        line_failed = False
        opt_offset = len(content) - len(opt_text)
        for spec, raw_value, at in parsed_opts:
            location = Location(path, *_position(joined, opt_offset + at))
            value = None if raw_value is None else _expand_env(raw_value, ctx.environ)
            if spec.long == "--hash":
                try:
                    hashes.append(_check_hash(value or ""))
                except ValueError as exc:
                    ctx.fail(error(str(exc)))
                    line_failed = True
                continue
            if spec.long in ("--requirement", "--constraint"):
                kind = "constraint" if spec.long == "--constraint" else "include"
                target = raw_value or ""
                options.append(OptionLine(spec.long, value, location, raw_value))
                sub = _include(target, path, joined.lineno, ctx,
                               constraint=constraint or spec.long == "--constraint",
                               stack=stack, error=error)
                if sub is not None:
                    child, first_time = sub
                    includes.append(child.path)
                    included.append(child)
                    if first_time:
                        dependencies.extend(child.dependencies)
                        options.extend(child.options)
                continue
            if spec.long == "--editable":
                per_req.append((spec, raw_value))
                continue
            if spec.long not in ("--global-option", "--config-settings"):
                kind = "option" if kind in ("blank", "comment") else kind
            options.append(OptionLine(spec.long, value, location, raw_value))

        editables = [value or "" for spec, value in per_req if spec.long == "--editable"]
        targets: list[tuple[str, bool, int]] = []
        if req_text:
            targets.append((req_text, False, req_offset))
        for target in editables:
            offset = content.find(target)
            targets.append((target, True, offset if offset >= 0 else req_offset))
        for target, editable, offset in targets:
            _, column = _position(joined, offset)
            kind = "editable" if editable else "requirement"
            try:
                parsed = parse_requirement_string(_expand_env(target, ctx.environ),
                                                  editable=editable)
            except ValueError as exc:
                ctx.fail(error(str(exc)))
                line_failed = True
                continue
            dependencies.append(
                Dependency(
                    name=parsed.name,
                    raw_name=parsed.raw_name,
                    specifier=parsed.specifier,
                    location=Location(path, joined.lineno, column),
                    text=target,
                    extras=parsed.extras,
                    marker=parsed.marker,
                    url=parsed.url,
                    hashes=tuple(hashes),
                    editable=editable,
                    constraint=constraint,
                )
            )
        if hashes and not targets and not line_failed:
            log.warning("%s:%d: --hash without a requirement is ignored", path, joined.lineno)
        if kind in ("blank", "comment") and parsed_opts:
            kind = "option"
        if line_failed:
            kind = "error"
        lines.append(LogicalLine(path, joined.lineno, joined.end_lineno, raw, content, comment,
                                 column if targets else None, kind,
                                 line_offsets[joined.lineno - 1]))

    return RequirementsFile(
        path=path,
        dependencies=tuple(dependencies),
        options=tuple(options),
        lines=tuple(lines),
        includes=tuple(includes),
        newline=newline,
        included=tuple(included),
    )


def _include(
    target: str,
    parent: str,
    lineno: int,
    ctx: _Context,
    *,
    constraint: bool,
    stack: tuple[tuple[str, str, int], ...],
    error: Callable[..., InputError],
) -> tuple[RequirementsFile, bool] | None:
    """Parse an included file; the flag is false when it was already read (a diamond)."""
    target = _expand_env(target, ctx.environ).strip()
    option = "-c" if constraint else "-r"
    if not target:
        ctx.fail(error(f"{option} needs a file name"))
        return None
    if "://" in target and not target.lower().startswith("file:"):
        log.warning("%s:%d: remote include %s is not followed", parent, lineno,
                    redact_text(target))
        return None
    if target.lower().startswith("file:"):
        target = unquote(urlsplit(target).path)
    if ctx.resolver is None:
        return None
    if Path(target).is_absolute():
        child = os.path.normpath(target)
    else:
        child = os.path.normpath(Path(parent).parent / target)
    key = _include_key(child)
    chain = [*(entry[1] for entry in stack), _include_key(parent)]
    if key in chain:
        names = [entry[0] for entry in stack] + [parent, child]
        ctx.fail(error(f"include cycle: {' -> '.join(names)}"))
        return None
    cache_key = (key, constraint)
    if cache_key in ctx.parsed:
        return ctx.parsed[cache_key], False
    try:
        text = ctx.resolver(child)
    except InputError as exc:
        ctx.fail(error(exc.reason))
        return None
    if text is None:
        ctx.fail(error(f"cannot open {option} {target}: no such file ({child})"))
        return None
    sub = _parse(text, child, ctx, constraint=constraint,
                 stack=(*stack, (parent, _include_key(parent), lineno)))
    ctx.parsed[cache_key] = sub
    return sub, True


def _read_text(path: str) -> str | None:
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise InputError("is a folder, not a requirements file", path=path) from None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from None
    return _decode(data, path)


def _decode(data: bytes, path: str) -> str:
    boms = (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    )
    encoding = next((enc for bom, enc in boms if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"not {encoding} text (byte {exc.start})", path=path, line=line) from None


def parse_requirements_text(
    text: str,
    path: str,
    *,
    environ: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
    collect_errors: bool = False,
) -> RequirementsFile:
    """Parse requirements given as text; ``path`` is used in locations and messages.

    Includes (``-r``/``-c``) are recorded as options but only followed when ``resolver``
    is given: it receives the included file's path (relative to ``path``'s folder) and
    returns its text or ``None`` when missing.
    """
    ctx = _Context(os.environ if environ is None else environ, resolver, collect_errors)
    result = _parse(text, path, ctx, constraint=False, stack=())
    if ctx.errors:
        return _with_errors(result, ctx.errors)
    return result


def parse_requirements(
    path: Path | str,
    *,
    environ: Mapping[str, str] | None = None,
    collect_errors: bool = False,
) -> RequirementsFile:
    """Read a requirements file and every file it includes.

    Raises :class:`InputError` (with file and line) on the first bad line, unless
    ``collect_errors`` is true: then every bad line is skipped and listed in ``errors``.
    A missing top-level file always raises.
    """
    name = os.fspath(path)
    text = _read_text(name)
    if text is None:
        raise InputError("no such file", path=name)
    ctx = _Context(os.environ if environ is None else environ, _read_text, collect_errors)
    result = _parse(text, name, ctx, constraint=False, stack=())
    if ctx.errors:
        return _with_errors(result, ctx.errors)
    return result


def _with_errors(result: RequirementsFile, errors: list[InputError]) -> RequirementsFile:
    return RequirementsFile(
        path=result.path,
        dependencies=result.dependencies,
        options=result.options,
        lines=result.lines,
        includes=result.includes,
        newline=result.newline,
        included=result.included,
        errors=tuple(errors),
    )
