"""PW6xx: dbt's own supply chain in ``packages.yml`` / ``dependencies.yml``.

dbt packages are code compiled into the warehouse project. The rule is a version range
for hub packages, a full commit sha for git packages, and no local package outside the
project. The YAML subset dbt uses (a list of small mappings under ``packages:``) is read
by :mod:`pipwarden.yamlscan`, which keeps line numbers; no PyYAML.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import field
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.lint.engine import Finding, LintContext, rule
from pipwarden.yamlscan import flow_sequence, scan_yaml

__all__ = ["DbtPackage", "check_dbt", "parse_packages_yml"]

rule("PW601", "dbt-unversioned", "a dbt hub package without a version range")
rule(
    "PW602",
    "dbt-git-unpinned",
    "a dbt git package without a revision pinned to a full commit sha",
    level="error",
)
rule("PW603", "dbt-local-outside", "a dbt local package outside the project folder")

_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


@frozen
class DbtPackage:
    """One entry of ``packages:``: its keys (scalars or lists) and where it starts."""

    line: int
    column: int
    fields: dict[str, str | list[str]] = field(default_factory=dict)


def parse_packages_yml(path: str, text: str) -> list[DbtPackage]:
    """The entries of the top-level ``packages:`` list; a malformed line raises InputError."""
    lines = text.removeprefix("\ufeff").splitlines()
    packages: dict[str, DbtPackage] = {}
    for entry in scan_yaml(text, items=True, source=path):
        if not entry.path:
            if entry.item:
                raise InputError(f"cannot read {entry.value!r} as a YAML key", path=path,
                                 line=entry.line)
            if entry.key == "packages" and entry.value not in {"", "[]"}:
                raise InputError("packages: must be a list of entries", path=path,
                                 line=entry.line)
            continue
        if entry.path[0] != "packages":
            continue
        if len(entry.path) == 1:
            what = entry.value if entry.item else f"{entry.key}: {entry.value}"
            raise InputError(f"expected '- ' to start a package entry with 'key: value': "
                             f"{what!r}", path=path, line=entry.line)
        marker = entry.path[1]
        package = packages.get(marker)
        if package is None:
            line = int(marker[1:])
            package = DbtPackage(line, lines[line - 1].find("-") + 1)
            packages[marker] = package
        if len(entry.path) == 2 and not entry.item:
            listed = flow_sequence(entry.value)
            package.fields[entry.key] = (
                listed if listed is not None else [] if not entry.value else entry.value
            )
        elif len(entry.path) == 3 and entry.item:
            value = package.fields.setdefault(entry.path[2], [])
            if isinstance(value, list):
                value.append(entry.value)
    return list(packages.values())


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
