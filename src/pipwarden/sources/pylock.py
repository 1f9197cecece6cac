"""Packages pinned in a PEP 751 lock file (``pylock.toml`` / ``pylock.<name>.toml``).

Each ``[[packages]]`` entry becomes a :class:`Dependency` pinned with ``==version``; entries
installed from a VCS, a local directory or an archive without a version keep their source in
``url`` (reported as not auditable by version). Markers are kept; nothing is resolved.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError
from pipwarden.models import Dependency, Location
from pipwarden.sources.pyproject import TomlLocator, load_toml

__all__ = ["PYLOCK_NAME_RE", "read_pylock"]

#: File names a PEP 751 lock file may have.
PYLOCK_NAME_RE = re.compile(r"^pylock\.([^.]+\.)?toml$")


def _source_url(package: dict[str, Any]) -> str | None:
    vcs = package.get("vcs")
    if isinstance(vcs, dict):
        kind = str(vcs.get("type", "git"))
        where = vcs.get("url") or vcs.get("path") or ""
        commit = vcs.get("commit-id") or vcs.get("requested-revision")
        url = f"{kind}+{where}" if where and "+" not in str(where).split(":", 1)[0] else str(where)
        return f"{url}@{commit}" if commit else url
    directory = package.get("directory")
    if isinstance(directory, dict) and directory.get("path"):
        return str(directory["path"])
    archive = package.get("archive")
    if isinstance(archive, dict):
        found = archive.get("url") or archive.get("path")
        return str(found) if found else None
    return None


def read_pylock(path: Path | str) -> tuple[Dependency, ...]:
    """The packages of a pylock.toml, each at the line of its ``[[packages]]`` entry."""
    name = str(path)
    data, text = load_toml(path)
    version = data.get("lock-version")
    if version is not None and not str(version).startswith("1."):
        raise InputError(f"unsupported lock-version {version!r} (pipwarden reads 1.x)",
                         path=name)
    packages = data.get("packages", [])
    if not isinstance(packages, list):
        raise InputError("packages must be an array of tables", path=name)
    locator = TomlLocator(text)
    out: list[Dependency] = []
    for index, package in enumerate(packages):
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            raise InputError(f"packages[{index}] has no name", path=name)
        raw_name = package["name"]
        line: int | None = None
        column: int | None = None
        span = locator.table_span("packages", index)
        if span is not None:
            line, column = locator.position(span[0])
            column = None
        else:
            pos = locator.find_string(raw_name, 0, len(text))
            if pos is not None:
                line, column = locator.position(pos)
        pinned = package.get("version")
        specifier = ""
        if pinned is not None:
            try:
                Version(str(pinned))
            except InvalidVersion:
                raise InputError(f"packages[{index}] ({raw_name}): version {pinned!r} is not "
                                 "a PEP 440 version", path=name, line=line) from None
            specifier = f"=={pinned}"
        url = _source_url(package)
        directory = package.get("directory")
        editable = isinstance(directory, dict) and bool(directory.get("editable"))
        marker = package.get("marker")
        hashes: list[str] = []
        wheels = package.get("wheels", [])
        if not isinstance(wheels, list):
            raise InputError(f"packages[{index}] ({raw_name}): wheels must be an array of "
                             "tables", path=name, line=line)
        for dist in [package.get("sdist"), package.get("archive"), *wheels]:
            if isinstance(dist, dict) and isinstance(dist.get("hashes"), dict):
                hashes.extend(f"{algo}:{digest}" for algo, digest in dist["hashes"].items())
        text_form = f"{raw_name}{specifier}" if url is None else f"{raw_name} @ {url}"
        out.append(
            Dependency(
                name=canonicalize_name(raw_name),
                raw_name=raw_name,
                specifier=specifier,
                location=Location(name, line, column),
                text=text_form,
                marker=str(marker) if isinstance(marker, str) else None,
                url=url,
                hashes=tuple(hashes),
                editable=editable,
                group="lock",
            )
        )
    return tuple(out)
