"""One requirement string as pip accepts it on a line: PEP 508 (a fast path for
``name<op>version``), or a URL / VCS / local path; and where its name and specifier sit."""

from __future__ import annotations

import os
import re
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from packaging.version import InvalidVersion, Version

from pipwarden.frozen import frozen
from pipwarden.lazyre import LazyPattern
from pipwarden.models import Dependency
from pipwarden.models import canonical_name as canonicalize_name
from pipwarden.sources.requirements.model import (
    _LineError,
    quote_fragment,
)

__all__ = [
    "RequirementParts",
    "name_is_written",
    "parse_requirement_string",
    "requirement_parts",
]


_SCHEME_RE = LazyPattern(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_NAME_AT_RE = LazyPattern(r"^\s*[A-Za-z0-9][A-Za-z0-9._\-]*\s*(\[[^\]]*\])?\s*@")
#: Characters no local path requirement holds (pip rejects such a line as a requirement).
_NOT_A_PATH_RE = LazyPattern(r"[\s=<>!\"']")
_PIP_EGG_RE = LazyPattern(r"[#&]egg=([^&]*)")
_EGG_RE = LazyPattern(r"^([A-Za-z0-9][A-Za-z0-9._\-]*)(\[[^\]]*\])?$")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz",
                     ".txz", ".tlz", ".tar.lz", ".tar.lzma")


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


class _ParsedReq(NamedTuple):
    """One parsed requirement string (a named tuple: see ``_OptSpec``)."""

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
_HUGE_NUMBER_RE = LazyPattern(rf"\d{{{_MAX_DIGITS + 1}}}")


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


_HEAD_RE = LazyPattern(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._\-]*[A-Za-z0-9])?)\s*(\[[^\]]*\])?")


@frozen
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
