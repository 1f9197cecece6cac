"""Environment markers as lock files write them, evaluated without guessing.

PEP 751 adds two marker variables that ``packaging`` only knows from 25.0 on, and only in
its ``lock_file`` context: ``extras`` and ``dependency_groups``, both *sets* of names
(``'dev' in dependency_groups``). pipwarden supports older ``packaging`` releases and must
also answer a question ``packaging`` does not: "could this entry be selected at all, and by
which groups?" whatever the machine. So this module parses the PEP 508 grammar itself and
evaluates it with three-valued logic: a variable that is not given is *unknown*, and
``unknown and False`` is ``False`` while ``unknown or False`` is unknown. A universal lock is
then read for every platform, and narrowed to this machine only on request.

Comparisons follow PEP 508 and ``packaging``: a version operator on two values that parse
as versions compares versions, otherwise ``==``, ``!=``, ``<``, ``in`` … compare strings;
``in`` / ``not in`` on ``extras`` / ``dependency_groups`` test set membership with names
normalised (PEP 685). A marker that does not parse raises :class:`MarkerError`.
"""

from __future__ import annotations

import os
import platform
import re
import sys
from collections.abc import Mapping

from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version

from pipwarden.frozen import frozen
from pipwarden.models import canonical_name

__all__ = [
    "SET_VARIABLES",
    "MarkerError",
    "ParsedMarker",
    "Truth",
    "parse_marker",
    "this_environment",
]

#: Marker variables whose value is a set of names (PEP 751).
SET_VARIABLES = frozenset({"extras", "dependency_groups"})

_VARIABLES = frozenset({
    "python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
    "platform_system", "platform_version", "platform_machine", "platform_python_implementation",
    "implementation_name", "implementation_version", "extra", "extras", "dependency_groups",
    # pre-PEP 508 spellings that setuptools and old locks still write
    "os.name", "sys.platform", "platform.version", "platform.machine",
    "platform.python_implementation", "python_implementation",
})
_ALIASES = {
    "os.name": "os_name", "sys.platform": "sys_platform", "platform.version": "platform_version",
    "platform.machine": "platform_machine",
    "platform.python_implementation": "platform_python_implementation",
    "python_implementation": "platform_python_implementation",
}
_VERSION_OPS = ("===", "==", "!=", "<=", ">=", "~=", "<", ">")
_TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<lparen>\() | (?P<rparen>\)) |
        (?P<string>'[^']*'|"[^"]*") |
        (?P<op>===|==|!=|<=|>=|~=|<|>|not\s+in\b|in\b) |
        (?P<bool>and\b|or\b) |
        (?P<var>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)
_MAX_MARKER = 10_000
_MAX_DEPTH = 50


class MarkerError(ValueError):
    """A marker that is not PEP 508 (with the PEP 751 set variables)."""


class Truth:
    """Three truth values: ``True``, ``False`` and ``None`` (unknown). Helpers only."""

    @staticmethod
    def and_(a: bool | None, b: bool | None) -> bool | None:
        if a is False or b is False:
            return False
        if a is None or b is None:
            return None
        return True

    @staticmethod
    def or_(a: bool | None, b: bool | None) -> bool | None:
        if a is True or b is True:
            return True
        if a is None or b is None:
            return None
        return False


@frozen
class _Var:
    name: str


@frozen
class _Compare:
    left: _Var | str
    op: str
    right: _Var | str


@frozen
class _Bool:
    op: str  # "and" | "or"
    items: tuple[_Node, ...]


_Node = _Compare | _Bool

#: An environment: variable name → value (a string, or a set of names for the set
#: variables). A missing variable is unknown.
Environment = Mapping[str, "str | frozenset[str]"]


@frozen
class ParsedMarker:
    """A parsed marker; :meth:`evaluate` answers True, False or None (unknown)."""

    text: str
    _root: _Node

    def evaluate(self, environment: Environment) -> bool | None:
        """The marker's truth in an environment where missing variables are unknown."""
        return _eval(self._root, environment)

    def names_in(self, variable: str) -> frozenset[str]:
        """The normalised names a marker tests ``variable`` against (``'dev' in
        dependency_groups`` → ``{"dev"}``; ``extra == "x"`` → ``{"x"}`` for ``extra``)."""
        found: set[str] = set()
        stack: list[_Node] = [self._root]
        while stack:
            node = stack.pop()
            if isinstance(node, _Bool):
                stack.extend(node.items)
                continue
            for this, other in ((node.left, node.right), (node.right, node.left)):
                if isinstance(this, _Var) and this.name == variable and isinstance(other, str):
                    found.add(canonical_name(other))
        return frozenset(found)


def parse_marker(text: str) -> ParsedMarker:
    """Parse a marker; raises :class:`MarkerError` with a short reason."""
    if len(text) > _MAX_MARKER:
        raise MarkerError("marker too long")
    tokens = _tokenize(text)
    parser = _Parser(tokens)
    root = parser.parse_or(0)
    if parser.pos != len(tokens):
        raise MarkerError(f"unexpected {tokens[parser.pos][1]!r} in marker")
    return ParsedMarker(text, root)


def this_environment(
    *, extras: frozenset[str] | None = None, groups: frozenset[str] | None = None
) -> dict[str, str | frozenset[str]]:
    """The marker environment of the running interpreter (PEP 508 values); ``extras`` and
    ``dependency_groups`` only when given (else they stay unknown)."""
    impl = sys.implementation
    info = impl.version
    impl_version = f"{info.major}.{info.minor}.{info.micro}"
    if info.releaselevel != "final":
        impl_version += info.releaselevel[0] + str(info.serial)
    env: dict[str, str | frozenset[str]] = {
        "implementation_name": impl.name,
        "implementation_version": impl_version,
        "os_name": os.name,
        "platform_machine": platform.machine(),
        "platform_release": platform.release(),
        "platform_system": platform.system(),
        "platform_version": platform.version(),
        "python_full_version": platform.python_version(),
        "platform_python_implementation": platform.python_implementation(),
        "python_version": ".".join(platform.python_version_tuple()[:2]),
        "sys_platform": sys.platform,
    }
    if extras is not None:
        env["extras"] = frozenset(canonical_name(e) for e in extras)
    if groups is not None:
        env["dependency_groups"] = frozenset(canonical_name(g) for g in groups)
    return env


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN_RE.match(text, pos)
        if match is None or match.end() == pos:
            raise MarkerError(f"cannot read marker at column {pos + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    if not tokens:
        raise MarkerError("empty marker")
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _bool_chain(self, op: str, depth: int) -> _Node:
        parse = self.parse_and if op == "or" else self.parse_atom
        items = [parse(depth)]
        while (tok := self._peek()) is not None and tok == ("bool", op):
            self.pos += 1
            items.append(parse(depth))
        return items[0] if len(items) == 1 else _Bool(op, tuple(items))

    def parse_or(self, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise MarkerError("marker nested too deeply")
        return self._bool_chain("or", depth)

    def parse_and(self, depth: int) -> _Node:
        return self._bool_chain("and", depth)

    def parse_atom(self, depth: int) -> _Node:
        tok = self._peek()
        if tok is None:
            raise MarkerError("marker ends too early")
        if tok[0] == "lparen":
            self.pos += 1
            node = self.parse_or(depth + 1)
            if self._peek() != ("rparen", ")"):
                raise MarkerError("missing ')' in marker")
            self.pos += 1
            return node
        left = self._value()
        op_tok = self._peek()
        if op_tok is None or op_tok[0] != "op":
            raise MarkerError("expected a comparison operator in marker")
        self.pos += 1
        op = " ".join(op_tok[1].split())
        right = self._value()
        if isinstance(left, str) and isinstance(right, str):
            raise MarkerError("a marker compares a variable, not two strings")
        for var, other, side in ((left, right, "left"), (right, left, "right")):
            if isinstance(var, _Var) and var.name in SET_VARIABLES and (
                side == "left" or op not in ("in", "not in") or not isinstance(other, str)
            ):
                raise MarkerError(f"{var.name} is a set: write 'name' in {var.name}")
        return _Compare(left, op, right)

    def _value(self) -> _Var | str:
        tok = self._peek()
        if tok is None:
            raise MarkerError("marker ends too early")
        self.pos += 1
        if tok[0] == "string":
            return tok[1][1:-1]
        if tok[0] == "var" and tok[1] in _VARIABLES:
            return _Var(_ALIASES.get(tok[1], tok[1]))
        raise MarkerError(f"unknown marker variable {tok[1][:40]!r}")


def _eval(node: _Node, env: Environment) -> bool | None:
    if isinstance(node, _Bool):
        combine = Truth.and_ if node.op == "and" else Truth.or_
        result: bool | None = node.op == "and"
        for item in node.items:
            result = combine(result, _eval(item, env))
        return result
    return _compare(node, env)


def _compare(node: _Compare, env: Environment) -> bool | None:
    left, right = node.left, node.right
    # the set variables: 'name' in extras / 'name' not in dependency_groups
    if isinstance(right, _Var) and right.name in SET_VARIABLES and isinstance(left, str):
        # checked by the parser: only 'name' in / not in a set variable gets here
        value = env.get(right.name)
        if not isinstance(value, frozenset):
            return None
        found = canonical_name(left) in value
        return found if node.op == "in" else not found
    lhs = _resolve(left, env)
    rhs = _resolve(right, env)
    if lhs is None or rhs is None:
        return None
    if (isinstance(left, _Var) and left.name == "extra") or (
        isinstance(right, _Var) and right.name == "extra"
    ):
        lhs, rhs = canonical_name(lhs), canonical_name(rhs)
    return _string_or_version(lhs, node.op, rhs)


def _resolve(value: _Var | str, env: Environment) -> str | None:
    if isinstance(value, str):
        return value
    found = env.get(value.name)
    return found if isinstance(found, str) else None


def _string_or_version(lhs: str, op: str, rhs: str) -> bool | None:
    if op in _VERSION_OPS:
        try:
            spec = Specifier(f"{op}{rhs}")
            Version(lhs)
        except (InvalidSpecifier, InvalidVersion):
            pass
        else:
            return spec.contains(lhs, prereleases=True)
    if op == "in":
        return lhs in rhs
    if op == "not in":
        return lhs not in rhs
    compare = {
        "==": lhs == rhs, "!=": lhs != rhs, "<": lhs < rhs, "<=": lhs <= rhs,
        ">": lhs > rhs, ">=": lhs >= rhs,
    }
    if op in compare:
        return compare[op]
    # ~= and === on strings that are not versions: undefined in PEP 508
    return None
