"""A position-keeping reader of requirements files, for rules that point at and rewrite text.

It follows pip's pipeline (join ``\\`` continuations keeping the first line number, strip
comments, split the requirement from its options at the first token that starts with
``-``) but, unlike an ordinary parser, remembers where every piece sits in the file so
that findings carry a column and fixes are exact text edits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from pipwarden.errors import InputError

__all__ = ["ReqEntry", "ReqFile", "ReqOption", "scan_requirements"]

_PHYSICAL = re.compile(r"[^\n]*\n|[^\n]+$")
_COMMENT = re.compile(r"(^|\s+)#.*$")
_OPTION_START = re.compile(r"(?:^|\s)(-{1,2}[A-Za-z])")
_NAME = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?")
_URL_LIKE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*://|[A-Za-z]+\+|file:|\.{1,2}[/\\]|\.$|/|~)")
_ARCHIVE = re.compile(r"\.(whl|tar\.gz|tgz|zip|tar\.bz2)$", re.IGNORECASE)
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
# options that take a value, with their long spellings
_VALUE_OPTIONS = {
    "-r": "--requirement",
    "-c": "--constraint",
    "-i": "--index-url",
    "-f": "--find-links",
    "-e": "--editable",
}
_LONG_VALUE = {
    "--requirement",
    "--constraint",
    "--index-url",
    "--extra-index-url",
    "--find-links",
    "--trusted-host",
    "--editable",
    "--hash",
    "--config-settings",
    "--global-option",
    "--only-binary",
    "--no-binary",
    "--use-feature",
}


@dataclass(frozen=True)
class ReqOption:
    """One option on a line (``--extra-index-url URL``), long spelling, value and position."""

    name: str
    value: str | None
    line: int
    column: int  # 1-based column of the option's first character
    value_start: int | None = None  # file offset of the value
    value_end: int | None = None


@dataclass(frozen=True)
class ReqEntry:
    """One requirement line: what it says and where each part of it sits in the file."""

    line: int
    column: int
    text: str  # the requirement part, stripped (no options, no comment)
    start: int  # file offset of ``text``; -1 when it spans a continuation
    name: str | None  # PEP 503 name; None for a bare URL or path without #egg=
    raw_name: str | None
    name_start: int  # file offsets of the raw name, -1 when unknown
    specifier: str
    spec_start: int  # file offsets of the specifier text as written, -1 when unknown
    spec_end: int
    marker: str | None
    url: str | None
    extras: tuple[str, ...] = ()
    editable: bool = False
    hashes: tuple[str, ...] = ()
    constraint: bool = False


@dataclass(frozen=True)
class ReqFile:
    """A scanned requirements file: its text, entries, options and the lines pip would reject."""

    path: str
    text: str
    entries: tuple[ReqEntry, ...]
    options: tuple[ReqOption, ...]
    includes: tuple[tuple[str, bool, int], ...]  # (path as written, is constraint, line)
    errors: tuple[InputError, ...] = field(default=())


@dataclass
class _Logical:
    line: int
    content: str
    starts: list[tuple[int, int]]  # (offset in content, file offset) per piece


def _logical_lines(text: str) -> list[_Logical]:
    result: list[_Logical] = []
    current: _Logical | None = None
    for lineno, match in enumerate(_PHYSICAL.finditer(text), start=1):
        raw = match.group(0)
        offset = match.start()
        body = raw.rstrip("\r\n")
        if offset == 0 and body.startswith("\ufeff"):
            body = body[1:]
            offset = 1
        continued = body.endswith("\\") and not _COMMENT.search(body)
        if continued:
            body = body[:-1]
        if current is None:
            current = _Logical(lineno, "", [])
        current.starts.append((len(current.content), offset))
        current.content += body
        if not continued:
            result.append(current)
            current = None
    if current is not None:
        result.append(current)
    return result


def _file_offset(logical: _Logical, pos: int) -> int:
    """Map a position in the joined line back to the file; -1 when it spans a join."""
    for index, (start, file_offset) in enumerate(logical.starts):
        end = logical.starts[index + 1][0] if index + 1 < len(logical.starts) else None
        if pos >= start and (end is None or pos < end):
            return file_offset + (pos - start)
    return -1


def _line_col(logical: _Logical, offset: int) -> tuple[int, int]:
    """1-based line and column of a file offset inside a logical line."""
    for index in range(len(logical.starts) - 1, -1, -1):
        piece_offset = logical.starts[index][1]
        if offset >= piece_offset:
            return logical.line + index, offset - piece_offset + 1
    return logical.line, 1


def _split_options(content: str) -> tuple[str, int, str, int]:
    match = _OPTION_START.search(content)
    if match is None:
        return content, 0, "", len(content)
    cut = match.start(1)
    return content[:cut], 0, content[cut:], cut


def _parse_options(
    logical: _Logical, text: str, opts: str, base: int
) -> list[tuple[str, str | None, int, int | None, int | None]]:
    """Options as (long name, value, content position, value start, value end)."""
    found: list[tuple[str, str | None, int, int | None, int | None]] = []
    pos = 0
    tokens = [(m.group(0), m.start()) for m in re.finditer(r"\S+", opts)]
    index = 0
    while index < len(tokens):
        token, pos = tokens[index]
        index += 1
        if not token.startswith("-"):
            continue
        name, eq, value = token.partition("=")
        value_pos = pos + len(name) + 1 if eq else None
        name = _VALUE_OPTIONS.get(name, name)
        takes_value = name in _LONG_VALUE
        if takes_value and not eq:
            if index < len(tokens) and not tokens[index][0].startswith("-"):
                value, value_pos = tokens[index]
                index += 1
            else:
                value, value_pos = "", None
        val: str | None = value if takes_value or eq else None
        vstart = vend = None
        if value_pos is not None and val:
            vstart = _file_offset(logical, base + value_pos)
            vend_probe = _file_offset(logical, base + value_pos + len(val) - 1)
            vend = vend_probe + 1 if vstart >= 0 and vend_probe - vstart == len(val) - 1 else None
            if vend is None:
                vstart = None
        found.append((name, val, base + pos, vstart, vend))
    return found


def scan_requirements(path: str, text: str) -> ReqFile:
    """Scan requirements text; lines pip would reject become errors, the rest is kept."""
    entries: list[ReqEntry] = []
    options: list[ReqOption] = []
    includes: list[tuple[str, bool, int]] = []
    errors: list[InputError] = []
    for logical in _logical_lines(text):
        content = _COMMENT.sub("", logical.content)
        if not content.strip():
            continue
        req_part, _, opt_part, opt_base = _split_options(content)
        parsed_opts = _parse_options(logical, text, opt_part, opt_base)
        hashes: list[str] = []
        editable_value: tuple[str, int] | None = None
        for name, value, pos, vstart, vend in parsed_opts:
            fo = _file_offset(logical, pos)
            line, column = _line_col(logical, fo) if fo >= 0 else (logical.line, 1)
            if name == "--hash":
                hashes.append(value or "")
                continue
            if name == "--editable":
                editable_value = (value or "", vstart if vstart is not None else -1)
                continue
            if name in {"--requirement", "--constraint"}:
                if not value:
                    errors.append(InputError(f"{name} needs a file", path=path, line=line))
                else:
                    includes.append((value, name == "--constraint", logical.line))
            if name in _LONG_VALUE and not value:
                errors.append(InputError(f"{name} needs a value", path=path, line=line))
                continue
            options.append(ReqOption(name, value, line, column, vstart, vend))
        if editable_value is not None:
            value, vstart = editable_value
            entry = _entry(path, text, logical, value, vstart, editable=True, hashes=())
        elif req_part.strip():
            lead = len(req_part) - len(req_part.lstrip())
            start = _file_offset(logical, lead)
            end_probe = _file_offset(logical, lead + len(req_part.strip()) - 1)
            contiguous = start >= 0 and end_probe - start == len(req_part.strip()) - 1
            entry = _entry(
                path,
                text,
                logical,
                req_part.strip(),
                start if contiguous else -1,
                editable=False,
                hashes=tuple(hashes),
            )
        else:
            continue
        if isinstance(entry, InputError):
            errors.append(entry)
        else:
            entries.append(entry)
    return ReqFile(path, text, tuple(entries), tuple(options), tuple(includes), tuple(errors))


def _entry(
    path: str,
    text: str,
    logical: _Logical,
    req: str,
    start: int,
    *,
    editable: bool,
    hashes: tuple[str, ...],
) -> ReqEntry | InputError:
    line, column = _line_col(logical, start) if start >= 0 else (logical.line, 1)
    if _URL_LIKE.match(req) or _ARCHIVE.search(req.split(";")[0].strip()):
        url = re.split(r"\s;|;\s", req, maxsplit=1)[0].strip()
        egg = _EGG.search(url)
        raw = egg.group(1) if egg else None
        return ReqEntry(
            line,
            column,
            req,
            start,
            canonicalize_name(raw) if raw else None,
            raw,
            -1,
            "",
            -1,
            -1,
            None,
            url,
            editable=editable,
            hashes=hashes,
        )
    try:
        parsed = Requirement(req)
    except InvalidRequirement as exc:
        detail = str(exc).splitlines()[0]
        hint = _did_you_mean(req)
        message = f'cannot parse "{req}": {detail}' + (f' (did you mean "{hint}"?)' if hint else "")
        return InputError(message, path=path, line=logical.line)
    name_match = _NAME.match(req)
    name_start = spec_start = spec_end = -1
    if name_match is not None and start >= 0:
        name_start = start + name_match.start(1)
        after = name_match.end()
        cut = len(req)
        for sep in (";", "@"):
            at = req.find(sep, after)
            if at >= 0:
                cut = min(cut, at)
        spec_text = req[after:cut]
        stripped = spec_text.strip()
        if not stripped.startswith("("):
            lead = len(spec_text) - len(spec_text.lstrip())
            spec_start = start + after + lead
            spec_end = spec_start + len(stripped)
            if not stripped:
                spec_start = spec_end = start + name_match.end(2 if name_match.group(2) else 1)
    return ReqEntry(
        line,
        column,
        req,
        start,
        canonicalize_name(parsed.name),
        parsed.name,
        name_start,
        str(parsed.specifier),
        spec_start,
        spec_end,
        str(parsed.marker) if parsed.marker is not None else None,
        parsed.url,
        tuple(sorted(parsed.extras)),
        editable=editable,
        hashes=hashes,
    )


def _did_you_mean(req: str) -> str | None:
    for wrong, right in (("=>", ">="), ("=<", "<="), ("=!", "!=")):
        if wrong in req:
            return req.replace(wrong, right)
    if re.match(r"^[A-Za-z0-9._-]+\s*=\s*[0-9]", req):
        return re.sub(r"\s*=\s*", "==", req, count=1)
    return None
