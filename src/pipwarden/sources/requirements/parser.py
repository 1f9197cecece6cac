"""Step 6 of the pipeline: each logical line turned into options, includes and its
requirement, as pip reads it."""

from __future__ import annotations

import re

from pipwarden.log import get_logger
from pipwarden.models import Dependency, Location
from pipwarden.sources.requirements.includes import (
    _Context,
    _include,
)
from pipwarden.sources.requirements.lexer import (
    _break_args_options,
    _expand_env,
    _join_lines,
    _Joined,
    _physical_lines,
    _position,
    _split_comment,
)
from pipwarden.sources.requirements.model import (
    LogicalLine,
    OptionLine,
    RequirementsFile,
    _LineError,
    _Where,
)
from pipwarden.sources.requirements.options import (
    _check_hash,
    _OptSpec,
    _parse_options,
)
from pipwarden.sources.requirements.requirement import (
    _ARCHIVE_SUFFIXES,
    _VCS_PREFIXES,
    _parse_simple,
    parse_requirement_string,
)

__all__: list[str] = []

# The commonest line, ``name==1.2.3``: one physical line of name, operator and version
# alone (no space, comment, option, marker, extra, ${VAR}, URL or path; short enough to
# hold no number too long to convert), which the steps of :func:`_parse` would pass
# unchanged to :func:`~pipwarden.sources.requirements.requirement._parse_simple`.
_PLAIN_LINE_RE = re.compile(
    r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}(?:===|==|>=|<=|~=|!=|<|>)[A-Za-z0-9][A-Za-z0-9.!+_*-]{0,199}"
)

log = get_logger(__name__)


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
        if len(joined.physical) == 1 and _PLAIN_LINE_RE.fullmatch(line := joined.physical[0]):
            plain = _parse_simple(line)
            if plain is not None:
                # What the steps below make of it, without them: no comment, option,
                # ${VAR}, URL or path; the requirement is the whole line, at column 1.
                lineno = joined.lineno
                dependencies.append(Dependency(
                    name=plain.name, raw_name=plain.raw_name, specifier=plain.specifier,
                    location=Location(path, lineno, 1), text=line, constraint=constraint,
                ))
                lines.append(LogicalLine(path, lineno, lineno, line, line, None, 1,
                                         "requirement", line_offsets[lineno - 1]))
                continue
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
        if line != written:
            where = where._replace(expanded=True)
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


class _LineItems:
    """One logical line being turned into options and a requirement (a plain class: see
    ``lexer._Joined``)."""

    __slots__ = ("column", "joined", "lead", "opt_offset", "path", "where", "written_req",
                 "written_values")

    def __init__(
        self, path: str, joined: _Joined, where: _Where, lead: int, opt_offset: int
    ) -> None:
        self.path = path
        self.joined = joined
        self.where = where
        self.lead = lead  # offset of the line's first non-space character in the joined text
        self.opt_offset = opt_offset  # offset of the options (exact when not expanded)
        self.column: int | None = None
        self.written_req: str | None = None  # the requirement as written, when ${VAR} changed it
        self.written_values: list[str | None] | None = None  # option values as written

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
                       constraint=spec.long == "--constraint", stack=stack, where=where,
                       parse=_parse)
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
