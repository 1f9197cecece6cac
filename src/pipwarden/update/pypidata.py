"""PyPI data for ``pipwarden update``: where project JSON comes from, release and upload
times, yanked releases, maintainers, the versions that exist, and the closure of names
that a cooldown has to cover."""

from __future__ import annotations

import importlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.settings import Settings

__all__ = [
    "ProjectData",
    "available_versions",
    "default_project_data",
    "release_times",
]

log = get_logger(__name__)


# ---------------------------------------------------------------------------------------
# PyPI data


class ProjectData(Protocol):
    """Where PyPI JSON answers come from (``/pypi/<name>/json``); ``None`` = unknown."""

    def fetch_many(self, names: Sequence[str]) -> dict[str, dict[str, Any] | None]: ...


class _ClientSource:
    """Adapter over :class:`pipwarden.pypi.client.PyPIClient` (cached, retried, pooled)."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def fetch_many(self, names: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        results = self.client.fetch_many(list(names))
        out: dict[str, dict[str, Any] | None] = {}
        for name in names:
            result = results.get(name) or results.get(canonicalize_name(name))
            data = getattr(result, "data", None)
            out[canonicalize_name(name)] = data if isinstance(data, dict) else None
        return out


class _UrllibSource:
    """A minimal fetcher used when the full PyPI client is not part of this build: one GET
    per name, no cache; the first connection failure marks PyPI unreachable for the run."""

    def __init__(self, settings: Settings) -> None:
        self.base = settings.pypi_url.rstrip("/")
        self.timeout = settings.timeout
        self.offline = settings.offline
        self.unreachable = False

    def fetch_many(self, names: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        out: dict[str, dict[str, Any] | None] = {}
        for name in names:
            out[canonicalize_name(name)] = self._one(canonicalize_name(name))
        return out

    def _one(self, name: str) -> dict[str, Any] | None:
        if self.offline or self.unreachable:
            return None
        url = f"{self.base}/pypi/{name}/json"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout) as response:
                data = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            log.debug("PyPI %s: HTTP %s", name, exc.code)
            return None
        except (OSError, ValueError) as exc:
            log.debug("PyPI unreachable (%s): %s", redact_text(url), exc)
            self.unreachable = True
            return None
        return data if isinstance(data, dict) else None


def default_project_data(settings: Settings) -> ProjectData:
    """The shared PyPI client when this build has it, else the minimal fetcher."""
    try:
        module = importlib.import_module("pipwarden.pypi.client")
    except ImportError:
        return _UrllibSource(settings)
    return _ClientSource(module.PyPIClient(settings, progress=False))


def _parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def release_times(data: Mapping[str, Any]) -> dict[str, datetime]:
    """version → when the release appeared (its earliest file's upload time)."""
    out: dict[str, datetime] = {}
    releases = data.get("releases")
    if not isinstance(releases, dict):
        return out
    for version, files in releases.items():
        if not isinstance(files, list):
            continue
        times = [t for f in files if isinstance(f, dict)
                 if (t := _parse_time(f.get("upload_time_iso_8601") or f.get("upload_time")))]
        if times:
            out[str(version)] = min(times)
    return out


def _yanked(data: Mapping[str, Any], version: str) -> tuple[bool, str | None]:
    releases = data.get("releases")
    files = releases.get(version) if isinstance(releases, dict) else None
    if not isinstance(files, list) or not files:
        return False, None
    if all(isinstance(f, dict) and f.get("yanked") for f in files):
        reason = next((f.get("yanked_reason") for f in files
                       if isinstance(f, dict) and f.get("yanked_reason")), None)
        return True, str(reason) if reason else None
    return False, None


def _roles(data: Mapping[str, Any]) -> tuple[str, ...] | None:
    ownership = data.get("ownership")
    if not isinstance(ownership, dict):
        return None
    roles = ownership.get("roles")
    if not isinstance(roles, list):
        return None
    users = {f"{r.get('role', '?')}:{r.get('user')}" for r in roles
             if isinstance(r, dict) and r.get("user")}
    return tuple(sorted(users))


def _pypi_versions(data: Mapping[str, Any]) -> list[Version]:
    out: list[Version] = []
    releases = data.get("releases")
    if not isinstance(releases, dict):
        return out
    for version, files in releases.items():
        if not isinstance(files, list) or not files:
            continue
        if all(isinstance(f, dict) and f.get("yanked") for f in files):
            continue
        try:
            out.append(Version(str(version)))
        except InvalidVersion:
            continue
    return out


def _local_versions(find_links: Iterable[str]) -> dict[str, list[Version]]:
    """Versions offered by local ``--find-links`` folders, from the file names."""
    out: dict[str, list[Version]] = {}
    for link in find_links:
        path = Path(link[7:] if link.startswith("file://") else link)
        if "://" in link and not link.startswith("file://"):
            continue
        if not path.is_dir():
            continue
        for entry in path.iterdir():
            try:
                if entry.name.endswith(".whl"):
                    name, version, _build, _tags = parse_wheel_filename(entry.name)
                elif entry.name.endswith((".tar.gz", ".zip")):
                    name, version = parse_sdist_filename(entry.name)
                else:
                    continue
            except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
                continue
            out.setdefault(str(name), []).append(version)
    return out


def available_versions(
    name: str, pypi: Mapping[str, Any] | None, local: Mapping[str, list[Version]]
) -> list[Version]:
    """Final releases we know exist: PyPI (not yanked) and local wheel folders, sorted."""
    versions = set(local.get(canonicalize_name(name), ()))
    if pypi:
        versions.update(_pypi_versions(pypi))
    return sorted(v for v in versions if not v.is_prerelease)


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _closure_names(
    start: Iterable[str],
    source: ProjectData,
    limit: int = 2000,
    *,
    extras_of: Mapping[str, Iterable[str]] | None = None,
    python_version: str | None = None,
) -> dict[str, dict[str, Any] | None]:
    """PyPI data of ``start`` and everything their latest releases require: markers and
    extras decided by the rule every graph follows (:func:`~pipwarden.sources.graph.
    applicable`), for ``python_version`` (the venv's) and the extras asked for (``extras_of``
    the project's, then each requirer's)."""
    from pipwarden.sources.graph import applicable, marker_environment

    env = marker_environment(python_version)
    memo: dict[tuple[str, str], bool] = {}
    asked: dict[str, set[str]] = {}
    for name in start:
        key = str(canonicalize_name(name))
        asked.setdefault(key, set()).update((extras_of or {}).get(name, ()))
    seen: dict[str, dict[str, Any] | None] = {}
    frontier: list[str] = sorted(asked)
    while frontier and len(seen) < limit:
        batch = [n for n in frontier if n not in seen][: limit - len(seen)]
        fetched = source.fetch_many(batch) if batch else {}
        for name in batch:
            seen[name] = fetched.get(name)
        nxt: set[str] = set()
        for name in frontier:  # new names, and names asked for with new extras
            data = seen.get(name)
            info = data.get("info") if data else None
            requires = (info or {}).get("requires_dist") or ()
            texts = [str(t) for t in requires] if isinstance(requires, list) else []
            for dep, extras, _text in applicable(texts, asked[name], env, memo):
                have = asked.setdefault(dep, set())
                if dep not in seen or not extras <= have:
                    have.update(extras)
                    nxt.add(dep)
        frontier = sorted(nxt)
    return seen


def _cooldown_constraints(
    data: Mapping[str, dict[str, Any] | None], cutoff: datetime
) -> tuple[list[str], list[tuple[str, str]]]:
    lines: list[str] = []
    excluded: list[tuple[str, str]] = []
    for name in sorted(data):
        project = data[name]
        if not project:
            continue
        too_new = sorted(
            (v for v, when in release_times(project).items() if when > cutoff), key=_sort_key
        )
        if too_new:
            lines.append(name + ",".join(f"!={v}" for v in too_new))
            excluded.extend((name, v) for v in too_new)
    return lines, excluded


def _sort_key(version: str) -> tuple[int, Version | str]:
    try:
        return (0, Version(version))
    except InvalidVersion:
        return (1, version)
