"""``pipwarden init``: a new project from a template with the whole routine wired in.

Templates are package data under ``scaffold/templates/<name>/``: every file is copied
with :class:`string.Template` substitution (delimiter ``@@`` so that shell ``$VAR`` and
GitHub ``${{ }}`` stay literal); a leading ``dot-`` in a path part becomes ``.`` (package
data never holds a live ``.gitignore`` or ``.github``). ``template.toml`` holds the
template's metadata and variables; ``extends`` layers one template over another.
``requirements.txt`` is generated: ``name>=latest`` floors with canonical names from PyPI.

Nothing is overwritten without ``force``; running twice changes nothing.
"""

from __future__ import annotations

import logging
import os
import re
import string
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError, NetworkError, UsageError
from pipwarden.pypi.client import PyPIClient
from pipwarden.settings import Settings

__all__ = [
    "TEMPLATES",
    "InitResult",
    "PlannedFile",
    "init_project",
    "latest_versions",
    "plan_project",
    "render_requirements",
    "write_project",
]

log = logging.getLogger(__name__)

TEMPLATES = ("python", "dbt-bigquery")
PYTHON_VERSION = "3.12"
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_META = "template.toml"


class _Template(string.Template):
    delimiter = "@@"


@dataclass(frozen=True)
class PlannedFile:
    """One file ``init`` would write: a POSIX path relative to the project, its content."""

    path: str
    content: str
    executable: bool = False


@dataclass(frozen=True)
class InitResult:
    """What ``init`` did (or, with ``dry_run``, would do) to each file."""

    directory: str
    template: str
    written: tuple[str, ...]
    overwritten: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[str, ...]
    dry_run: bool
    offline: bool


# -- PyPI lookup --------------------------------------------------------------------------


def _best_version(data: Mapping[str, Any]) -> str:
    info = data.get("info") or {}
    fallback = str(info.get("version") or "")
    releases = data.get("releases")
    if not isinstance(releases, dict):
        return fallback
    best: Version | None = None
    for raw, files in releases.items():
        try:
            version = Version(raw)
        except InvalidVersion:
            continue
        if version.is_prerelease or not isinstance(files, list) or not files:
            continue
        if all(isinstance(f, dict) and f.get("yanked") for f in files):
            continue
        if best is None or version > best:
            best = version
    return str(best) if best is not None else fallback


def latest_versions(names: Sequence[str], settings: Settings) -> dict[str, tuple[str, str]]:
    """``name → (canonical display name, latest stable version)`` from the PyPI JSON API
    (through :class:`pipwarden.pypi.client.PyPIClient`: cached, retried, concurrent).

    The key is the PEP 503 normalised name. An unknown project raises
    :class:`UsageError`; an unreachable index raises :class:`NetworkError`.
    """
    if not names:
        return {}
    results = PyPIClient(settings, progress=False).fetch_many(names)
    found: dict[str, tuple[str, str]] = {}
    for name in names:
        key = str(canonicalize_name(name))
        result = results[key]
        if result.not_found:
            raise UsageError(
                f"{name}: no such project on PyPI", hint="check the spelling (pipwarden vet NAME)"
            )
        if result.data is None:
            raise NetworkError(
                f"could not read {name} from {settings.pypi_url}: {result.error}",
                hint="retry when online, or use --offline",
            )
        info = result.data.get("info")
        if not isinstance(info, dict):
            raise InputError("not a PyPI JSON answer", path=f"{settings.pypi_url}/pypi/{key}/json")
        version = _best_version(result.data)
        if not version:
            raise InputError("no version in the PyPI answer",
                             path=f"{settings.pypi_url}/pypi/{key}/json")
        found[key] = (str(info.get("name") or name), version)
    return found


# -- planning -----------------------------------------------------------------------------


def _template_root(name: str) -> Traversable:
    if name not in TEMPLATES:
        raise UsageError(f"unknown template {name!r}", hint=f"one of: {', '.join(TEMPLATES)}")
    return resources.files("pipwarden.scaffold").joinpath("templates", name)


def _meta(name: str) -> dict[str, Any]:
    return tomllib.loads(_template_root(name).joinpath(_META).read_text(encoding="utf-8"))


def _walk(root: Traversable, prefix: str = "") -> Iterator[tuple[str, Traversable]]:
    for child in sorted(root.iterdir(), key=lambda c: c.name):
        if child.name in {"__pycache__", _META}:
            continue
        name = "." + child.name[4:] if child.name.startswith("dot-") else child.name
        rel = f"{prefix}{name}"
        if child.is_dir():
            yield from _walk(child, rel + "/")
        else:
            yield rel, child


def _chain(name: str) -> list[str]:
    """The template and the ones it extends, base first."""
    chain = [name]
    while parent := _meta(chain[-1]).get("extends"):
        chain.append(str(parent))
    return list(reversed(chain))


def _dbt_name(project_name: str) -> str:
    slug = re.sub(r"[^a-z0-9_]+", "_", project_name.lower()).strip("_") or "project"
    return slug if slug[0].isalpha() else f"p_{slug}"


def validate_names(names: Sequence[str]) -> list[str]:
    """Package names as given, validated; duplicates (after normalising) dropped."""
    seen: dict[str, str] = {}
    for raw in names:
        name = raw.strip()
        if not _NAME.match(name):
            raise UsageError(
                f"{raw!r} is not a package name", hint="give bare names: --package pandas"
            )
        seen.setdefault(str(canonicalize_name(name)), name)
    return list(seen.values())


def render_requirements(
    packages: Sequence[str],
    versions: Mapping[str, tuple[str, str]] | None,
    *,
    note: str = "",
) -> str:
    """requirements.txt: ``Name>=latest`` floors, or bare names with a note when offline."""
    lines = [
        "# Minimum bounds only (name>=version): no == pins, no lockfile, no pre-releases.",
        "# Upgraded every day by scripts/init_and_update.sh; add packages with `pipwarden add`.",
    ]
    if note:
        lines.append(note)
    if packages and versions is None:
        lines.append(
            "# Written offline: no version floors yet; run `pipwarden add NAME` for each "
            "when online."
        )
    for name in packages:
        if versions is None:
            lines.append(str(canonicalize_name(name)))
        else:
            canonical, version = versions[str(canonicalize_name(name))]
            lines.append(f"{canonical}>={version}")
    return "\n".join(lines) + "\n"


def plan_project(
    directory: Path,
    template: str,
    *,
    packages: Sequence[str] = (),
    versions: Mapping[str, tuple[str, str]] | None = None,
) -> list[PlannedFile]:
    """Every file of ``template`` for a project in ``directory``, rendered, in path order."""
    chain = _chain(template)
    meta: dict[str, Any] = {}
    for name in chain:
        meta.update(_meta(name))
    project_name = directory.resolve().name or "project"
    variables = {
        "project_name": project_name,
        "dbt_name": _dbt_name(project_name),
        "template": template,
        "python_version": PYTHON_VERSION,
        "template_steps": str(meta.get("template_steps", "")).strip("\n"),
        "gitignore_extra": str(meta.get("gitignore_extra", "")).strip("\n"),
    }
    files: dict[str, PlannedFile] = {}
    for name in chain:
        for rel, source in _walk(_template_root(name)):
            text = _Template(source.read_text(encoding="utf-8")).substitute(variables)
            text = text.rstrip("\n") + "\n"
            files[rel] = PlannedFile(rel, text, executable=rel.endswith(".sh"))
    all_packages = validate_names([*meta.get("packages", []), *packages])
    files["requirements.txt"] = PlannedFile(
        "requirements.txt",
        render_requirements(all_packages, versions, note=str(meta.get("requirements_note", ""))),
    )
    return [files[k] for k in sorted(files)]


# -- writing ------------------------------------------------------------------------------


def _write_atomic(path: Path, content: str, *, executable: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(content)
        Path(tmp).chmod(0o755 if executable else 0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_project(
    directory: Path, files: Sequence[PlannedFile], *, force: bool = False, dry_run: bool = False
) -> dict[str, list[str]]:
    """Write ``files`` under ``directory``: new ones always, differing ones only with ``force``.

    Returns the paths by outcome: ``written``, ``overwritten``, ``unchanged``, ``skipped``.
    With ``dry_run`` nothing is touched and the outcomes say what would happen.
    """
    keys = ("written", "overwritten", "unchanged", "skipped")
    outcome: dict[str, list[str]] = {k: [] for k in keys}
    for planned in files:
        target = directory / planned.path
        if target.is_dir():
            raise UsageError(f"{target}: is a folder, expected a file")
        if target.exists():
            try:
                current = target.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                current = None
            if current == planned.content:
                outcome["unchanged"].append(planned.path)
                continue
            if not force:
                outcome["skipped"].append(planned.path)
                continue
            outcome["overwritten"].append(planned.path)
        else:
            outcome["written"].append(planned.path)
        if not dry_run:
            _write_atomic(target, planned.content, executable=planned.executable)
    return outcome


def init_project(
    directory: Path,
    *,
    template: str = "python",
    packages: Sequence[str] = (),
    settings: Settings | None = None,
    force: bool = False,
    dry_run: bool = False,
    offline: bool = False,
) -> InitResult:
    """Plan, look up version floors (unless offline or not needed), and write the project."""
    settings = settings or Settings.from_env()
    offline = offline or settings.offline
    meta_packages: list[str] = []
    for name in _chain(template):
        meta_packages += list(_meta(name).get("packages", []))
    wanted = validate_names([*meta_packages, *packages])
    requirements = directory / "requirements.txt"
    # An existing requirements.txt is kept without asking PyPI again (no --force): it is
    # "unchanged", unless --package asked for additions that this run cannot make.
    keep_requirements = bool(wanted) and not offline and requirements.exists() and not force
    versions = None
    if wanted and not offline and not keep_requirements:
        versions = latest_versions(wanted, settings)
    files = plan_project(directory, template, packages=packages, versions=versions)
    kept: dict[str, list[str]] = {"unchanged": [], "skipped": []}
    if keep_requirements:
        files = [f for f in files if f.path != "requirements.txt"]
        kept["skipped" if packages else "unchanged"].append("requirements.txt")
    outcome = write_project(directory, files, force=force, dry_run=dry_run)
    return InitResult(
        directory=str(directory),
        template=template,
        written=tuple(outcome["written"]),
        overwritten=tuple(outcome["overwritten"]),
        unchanged=tuple(sorted([*outcome["unchanged"], *kept["unchanged"]])),
        skipped=tuple(sorted([*outcome["skipped"], *kept["skipped"]])),
        dry_run=dry_run,
        offline=offline,
    )
