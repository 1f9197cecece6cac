"""OSV records (https://ossf.github.io/osv-schema/) parsed into frozen dataclasses.

Only what matching and reporting need is kept: ids, aliases, texts, dates, severity and the
``affected`` entries of the PyPI ecosystem (package names PEP 503 normalised). Records are
validated on the way in (:mod:`pipwarden.vulndb.osvparse`): a wrong type or a missing ``id``
raises :class:`InputError` naming the file the record came from. The store keeps them in
the form of :mod:`pipwarden.vulndb.compact`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from packaging.version import Version

from pipwarden.frozen import frozen
from pipwarden.lazyre import LazyPattern
from pipwarden.log import get_logger
from pipwarden.models import Severity, canonical_name

if TYPE_CHECKING:
    from pipwarden.vulndb.compact import (
        advisory_from_compact,
        advisory_to_compact,
        encode_version_keys,
    )
    from pipwarden.vulndb.osvparse import parse_record

__all__ = [
    "EVENT_KINDS",
    "Advisory",
    "Affected",
    "Event",
    "EventKind",
    "Identified",
    "Range",
    "advisory_from_compact",
    "advisory_to_compact",
    "encode_version_keys",
    "group_by_alias",
    "normalize_name",
    "parse_record",
]

log = get_logger(__name__)

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
_KIND_SET = frozenset(EVENT_KINDS)
_DICT = frozenset({dict})
_SEVERITIES = {int(s): s for s in Severity}
_WHITESPACE = LazyPattern(r"\s")
_OSV_URL = "https://osv.dev/vulnerability/"
_ENCODE = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False).encode


def normalize_name(name: str) -> str:
    """PEP 503 normalised project name: lower case, runs of ``-_.`` become one ``-``."""
    return canonical_name(name)


@frozen
class Event:
    """One range event: ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

    kind: EventKind
    version: str


@frozen
class Range:
    """An OSV range: ``ECOSYSTEM``, ``SEMVER`` or ``GIT`` and its events in record order."""

    type: str
    events: tuple[Event, ...]


def version_key(version: Version) -> str:
    """One spelling per PEP 440 version: equal versions (``1.0`` == ``1.0.0``) share a key."""
    release = list(version.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    key = ".".join(map(str, release))
    if version.epoch:
        key = f"{version.epoch}!{key}"
    if version.pre is not None:
        key += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        key += f".post{version.post}"
    if version.dev is not None:
        key += f".dev{version.dev}"
    if version.local is not None:
        key += f"+{version.local}"
    return key


# A version already spelled the canonical way (no epoch, no leading zeros, lower case):
# its key is a string operation, no parsing (most entries of real records).
_CANONICAL_VERSION = LazyPattern(
    r"((?:0|[1-9][0-9]*)(?:\.(?:0|[1-9][0-9]*))*)"
    r"((?:(?:a|b|rc)(?:0|[1-9][0-9]*))?(?:\.post(?:0|[1-9][0-9]*))?"
    r"(?:\.dev(?:0|[1-9][0-9]*))?(?:\+[a-z0-9]+(?:\.[a-z0-9]+)*)?)"
)


def _key_of_text(text: str) -> str | None:
    match = _CANONICAL_VERSION.fullmatch(text)
    if match is not None:
        release, rest = match.groups()
        while release.endswith(".0"):
            release = release[:-2]
        return release + rest
    try:
        return version_key(Version(text))
    except ValueError:  # InvalidVersion, or a number past Python's int-string limit
        return None


_NUMBER = r"(?:0|[1-9][0-9]*)"
# A whole list in canonical spelling without local labels, one entry per line.
_CANONICAL_LIST = LazyPattern(
    rf"{_NUMBER}(?:\.{_NUMBER})*(?:(?:a|b|rc){_NUMBER})?(?:\.post{_NUMBER})?(?:\.dev{_NUMBER})?"
    rf"(?:\n{_NUMBER}(?:\.{_NUMBER})*(?:(?:a|b|rc){_NUMBER})?(?:\.post{_NUMBER})?"
    rf"(?:\.dev{_NUMBER})?)*"
)
# Trailing ".0" release segments, before a suffix or the end of an entry.
_TRAILING_ZEROS = LazyPattern(r"(?<=[0-9])(?:\.0)+(?=a|b|rc|\.post|\.dev|\n|$)")


_DIGITS_AND_DOTS = LazyPattern(r"[0-9.\n]+")
# Leading zeros, empty segments, or a lone "0" entry cut short: not plain canonical numbers.
_LEADING_ZERO = LazyPattern(r"[.\n]0[0-9]")
_TRAILING_ZERO_RELEASE = LazyPattern(r"(?:\.0)+(?=\n|$)")


def _plain_numbers(joined: str) -> bool:
    """Entries of digits and dots only, in canonical form (no empty segment, no leading 0)."""
    return (
        _DIGITS_AND_DOTS.fullmatch(joined) is not None
        and not any(bad in joined for bad in ("..", ".\n", "\n.", "\n\n"))
        and not joined.startswith(".")
        and not joined.endswith(".")
        and not (joined[:1] == "0" and joined[1:2].isdigit())
        and _LEADING_ZERO.search(joined) is None
    )


def _keys_of(versions: Sequence[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The keys of the PEP 440 entries and the entries that are not versions."""
    joined = "\n".join(versions)
    if _CANONICAL_LIST.fullmatch(joined):  # the usual case: one regex pass for the list
        return frozenset(_TRAILING_ZEROS.sub("", joined).split("\n")), ()
    keys: set[str] = set()
    invalid: list[str] = []
    for text in versions:
        key = _key_of_text(text)
        if key is None:
            invalid.append(text)
        else:
            keys.add(key)
    return frozenset(keys), tuple(invalid)


@frozen
class Affected:
    """The affected versions of one PyPI package in one record."""

    package: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    # Precomputed by the store at import time (see version_keys); not part of equality.
    keys: str | None = field(default=None, compare=False, repr=False)

    @cached_property
    def version_keys(self) -> tuple[str, tuple[str, ...]]:
        """(`` k1 k2 … `` — the ``version_key`` of every PEP 440 entry of ``versions``,
        space-padded so that ``f" {key} " in text`` tests membership —, the invalid entries).

        Computed once when the record was imported, so matching never parses the list; one
        string per entry instead of a set keeps memory flat on large databases.
        """
        if self.keys is not None:
            valid, _, bad = self.keys.partition("|")
            return f" {valid} ", tuple(bad.split())
        keys, invalid = _keys_of(self.versions)
        return f" {' '.join(sorted(keys))} ", invalid


_SENTENCE_END = re.compile(r"(?<=\.)(?<!e\.g\.)(?<!i\.e\.)(?<!etc\.)(?<!vs\.) ")
# "<name> is a/an/the …" or "<name> is an open source …": a project's self-description.
_INTRODUCTION = re.compile(r"^[`\"']?[\w.\- ]{1,40}[`\"']? (?:is|are|provides) (?:an?|the) ")


@frozen
class Advisory:
    """One OSV record, trimmed to what pipwarden uses."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    published: str | None
    modified: str | None
    withdrawn: str | None
    severity: Severity
    score: float | None
    severity_vector: str | None
    references: tuple[str, ...]
    affected: tuple[Affected, ...]

    @property
    def is_malicious(self) -> bool:
        """An OSV ``MAL-`` record: a package published to do harm."""
        return self.id.startswith("MAL-")

    @property
    def severity_source(self) -> str:
        """Where :attr:`severity` comes from: ``cvss_v4``/``cvss_v3`` (a scored vector),
        ``label`` (``database_specific.severity``), ``malicious`` (a ``MAL-`` record) or
        ``unknown`` (none of these)."""
        if self.is_malicious:
            return "malicious"
        if self.score is not None and self.severity_vector:
            return "cvss_v4" if self.severity_vector.startswith("CVSS:4") else "cvss_v3"
        return "unknown" if self.severity is Severity.UNKNOWN else "label"

    @property
    def url(self) -> str:
        """The record's page on osv.dev."""
        return _OSV_URL + self.id

    @property
    def ids(self) -> tuple[str, ...]:
        """The id followed by every alias."""
        return (self.id, *self.aliases)

    @property
    def title(self) -> str:
        """The summary, else the first telling sentence of the details (≤ 120 characters).

        Many details open by introducing the project ("urllib3 is a user-friendly HTTP
        client library for Python."); such sentences are skipped when another follows.
        """
        text = " ".join((self.summary or self.details).split())
        if not self.summary:
            sentences = [s for s in _SENTENCE_END.split(text) if s]
            while len(sentences) > 1 and _INTRODUCTION.match(sentences[0]):
                sentences.pop(0)
            text = sentences[0] if sentences else text
        return text if len(text) <= 120 else text[:119].rstrip() + "…"

    def affected_for(self, package: str) -> tuple[Affected, ...]:
        """The ``affected`` entries of ``package`` (a PEP 503 name)."""
        return tuple(a for a in self.affected if a.package == package)


class Identified(Protocol):
    """A record known by an id and aliases (:class:`Advisory`, a floor record)."""

    @property
    def id(self) -> str: ...

    @property
    def ids(self) -> tuple[str, ...]: ...


_Item = TypeVar("_Item", bound=Identified)


def group_by_alias(advisories: Iterable[_Item]) -> list[tuple[_Item, ...]]:
    """Group records describing one flaw (PYSEC / GHSA / CVE ids linked by ``aliases``).

    Records are linked when one's id or aliases meet another's, transitively. Groups keep
    the input order of their first member; inside a group, records keep input order.
    """
    items = list(dict.fromkeys(advisories))
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for n, adv in enumerate(items):
        for ident in adv.ids:
            if ident in owner:
                a, b = find(owner[ident]), find(n)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[ident] = n
    groups: dict[int, list[_Item]] = {}
    for n, adv in enumerate(items):
        groups.setdefault(find(n), []).append(adv)
    return [tuple(group) for group in groups.values()]


# Parsing and the compact storage form live in their own modules (the audit reads stored
# records and never needs the parser); their names stay importable from here.
_MOVED = {
    "parse_record": "pipwarden.vulndb.osvparse",
    "advisory_from_compact": "pipwarden.vulndb.compact",
    "advisory_to_compact": "pipwarden.vulndb.compact",
    "encode_version_keys": "pipwarden.vulndb.compact",
}


def __getattr__(name: str) -> Any:
    module = _MOVED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
