"""PW6xx: dbt's own supply chain in ``packages.yml`` / ``dependencies.yml``.

dbt packages are code compiled into the warehouse project. The rule is a version range
for hub packages, a full commit sha for git packages, and no local package outside the
project. The YAML subset dbt uses (a list of small mappings under ``packages:``) is read
by a small line-based parser that keeps line numbers; no PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.lint.engine import Finding, LintContext, rule

__all__ = ["DbtPackage", "check_dbt", "parse_packages_yml"]

rule("PW601", "dbt-unversioned", "a dbt hub package without a version range")
rule(
    "PW602",
    "dbt-git-unpinned",
    "a dbt git package without a revision pinned to a full commit sha",
    level="error",
)
rule("PW603", "dbt-local-outside", "a dbt local package outside the project folder")

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)\s*:(?:\s+(.*?))?\s*$")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


@dataclass(frozen=True)
class DbtPackage:
    """One entry of ``packages:``: its keys (scalars or lists) and where it starts."""

    line: int
    column: int
    fields: dict[str, str | list[str]] = field(default_factory=dict)


def _strip_comment(text: str) -> str:
    quote: str | None = None
    for index, char in enumerate(text):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "#" and (index == 0 or text[index - 1] in " \t"):
            return text[:index].rstrip()
    return text.rstrip()


def _scalar(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


def _value(text: str) -> str | list[str]:
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(part) for part in _split_flow(text[1:-1]) if part.strip()]
    return _scalar(text)


def _split_flow(text: str) -> list[str]:
    parts, quote, current = [], None, ""
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append(current)
            current = ""
            continue
        current += char
    parts.append(current)
    return parts


def parse_packages_yml(path: str, text: str) -> list[DbtPackage]:
    """The entries of the top-level ``packages:`` list; a malformed line raises InputError."""
    packages: list[DbtPackage] = []
    in_packages = False
    item_indent: int | None = None
    current: DbtPackage | None = None
    list_key: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        if raw.startswith("\ufeff"):
            raw = raw[1:]
        content = _strip_comment(raw)
        if not content.strip() or content.strip() in {"---", "..."}:
            continue
        if "\t" in content[: len(content) - len(content.lstrip())]:
            raise InputError("tabs are not allowed for indentation in YAML", path=path, line=lineno)
        indent = len(content) - len(content.lstrip(" "))
        body = content.strip()
        if indent == 0:
            key = _KEY.match(body)
            if key is None:
                raise InputError(f"cannot read {body!r} as a YAML key", path=path, line=lineno)
            in_packages = key.group(1) == "packages"
            current, list_key, item_indent = None, None, None
            if in_packages and key.group(2) not in {None, "", "[]"}:
                raise InputError("packages: must be a list of entries", path=path, line=lineno)
            continue
        if not in_packages:
            continue
        if body.startswith("- ") or body == "-":
            rest = body[1:].strip()
            if current is not None and list_key is not None and indent > (item_indent or 0):
                value = current.fields.setdefault(list_key, [])
                if isinstance(value, list):
                    value.append(_scalar(rest))
                continue
            item_indent = indent
            current = DbtPackage(lineno, indent + 1, {})
            packages.append(current)
            list_key = None
            if rest:
                _put(current, rest, path, lineno)
                list_key = _pending_list(current, rest)
            continue
        if current is None:
            raise InputError(
                f"expected '- ' to start a package entry: {body!r}", path=path, line=lineno
            )
        _put(current, body, path, lineno)
        list_key = _pending_list(current, body)
    return packages


def _put(package: DbtPackage, body: str, path: str, lineno: int) -> None:
    key = _KEY.match(body)
    if key is None:
        raise InputError(f"cannot read {body!r} as 'key: value'", path=path, line=lineno)
    package.fields[key.group(1)] = _value(key.group(2) or "")


def _pending_list(package: DbtPackage, body: str) -> str | None:
    key = _KEY.match(body)
    if key is not None and not key.group(2):
        package.fields[key.group(1)] = []
        return key.group(1)
    return None


def check_dbt(path: str, text: str, project_root: Path, ctx: LintContext) -> Iterator[Finding]:
    """PW601-PW603 over one packages.yml / dependencies.yml."""
    for package in parse_packages_yml(path, text):
        fields = package.fields
        at = (path, package.line, package.column)
        hub = fields.get("package")
        git = fields.get("git") or fields.get("private")
        local = fields.get("local")
        if isinstance(hub, str) and hub and ctx.on("PW601"):
            version = fields.get("version")
            if not version:
                yield Finding(
                    "PW601",
                    f"dbt package {hub} has no version: `dbt deps` takes whatever is newest, "
                    f'including breaking majors; add version: [">=X.Y.0", "<X+1.0.0"]',
                    *at,
                )
        if isinstance(git, str) and git and ctx.on("PW602"):
            revision = fields.get("revision")
            if not isinstance(revision, str) or not revision:
                yield Finding(
                    "PW602",
                    f"dbt git package {git} has no revision: it installs the default branch "
                    f"as it is that day; pin revision: to a full 40-character commit sha",
                    *at,
                )
            elif not _FULL_SHA.match(revision):
                yield Finding(
                    "PW602",
                    f"dbt git package {git} is at revision {revision}, a branch or tag that "
                    f"can move: pin a full 40-character commit sha",
                    *at,
                )
        if isinstance(local, str) and local and ctx.on("PW603"):
            base = Path(path).parent
            target = (base / local).resolve()
            root = project_root.resolve()
            if target != root and root not in target.parents:
                yield Finding(
                    "PW603",
                    f"dbt local package {local} is outside the project: its code is not "
                    f"reviewed or versioned with it; vendor it or publish it as a package",
                    *at,
                )
