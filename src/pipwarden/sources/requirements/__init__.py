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

The package, one module per step (this module reads files and re-exports the rest):
:mod:`~pipwarden.sources.requirements.lexer` (steps 1-5),
:mod:`~pipwarden.sources.requirements.options` and
:mod:`~pipwarden.sources.requirements.requirement` (step 6, the two halves of a line),
:mod:`~pipwarden.sources.requirements.parser` (a file's lines in order),
:mod:`~pipwarden.sources.requirements.includes` (following ``-r``/``-c``) and
:mod:`~pipwarden.sources.requirements.model` (the parsed file and how errors are worded).
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.lazyre import LazyPattern
from pipwarden.sources.requirements.includes import (
    MAX_INCLUDE_DEPTH,
    _Context,
    _is_under,
)
from pipwarden.sources.requirements.lexer import LINE_BREAKS
from pipwarden.sources.requirements.model import (
    HASH_ALGORITHMS,
    LogicalLine,
    OptionLine,
    RequirementsFile,
    Resolver,
    quote_fragment,
)
from pipwarden.sources.requirements.parser import _parse
from pipwarden.sources.requirements.requirement import (
    RequirementParts,
    name_is_written,
    parse_requirement_string,
    requirement_parts,
)

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


#: A requirements file larger than this is refused (``-r /dev/zero`` is refused anyway:
#: only regular files are read).
MAX_FILE_BYTES = 16 * 1024 * 1024


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
_CODING_RE = LazyPattern(rb"coding[:=]\s*([-\w.]+)")
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
        import locale  # only for a file that is not UTF-8

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
