"""The options of a requirements line, read as pip's optparse parser reads them, and
``--hash`` values."""

from __future__ import annotations

import re
import shlex
from typing import NamedTuple

from pipwarden.lazyre import LazyPattern
from pipwarden.log import get_logger
from pipwarden.sources.requirements.model import (
    HASH_ALGORITHMS,
    _LineError,
    quote_fragment,
)

__all__: list[str] = []

log = get_logger(__name__)


class _OptSpec(NamedTuple):
    """One option pip accepts in a requirements file (a named tuple: parse state is
    created at every start, and a tuple class costs a fraction of a dataclass)."""

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
_NOT_PLAIN_RE = LazyPattern(r"['\"\\]|[^\S \t\r\n]")


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
