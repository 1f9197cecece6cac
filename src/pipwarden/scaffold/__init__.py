"""``pipwarden init``: a new project from a template with the whole routine wired in.

Templates are package data under ``scaffold/templates/<name>/``: every file is copied
with :class:`string.Template` substitution (delimiter ``@@`` so that shell ``$VAR`` and
GitHub ``${{ }}`` stay literal); a leading ``dot-`` in a path part becomes ``.`` (package
data never holds a live ``.gitignore`` or ``.github``). ``template.toml`` holds the
template's metadata and variables; ``extends`` layers one template over another.
``requirements.txt`` is generated: ``name>=latest`` floors with canonical names from PyPI.

What the project runs is pinned (:mod:`pipwarden.scaffold.pins`): pipwarden itself from
one validated source (``@@pipwarden_install`` in ``scripts/install_pipwarden.sh``, the one
place every other file calls; ``tools/pipwarden.txt`` for a hash pin) and GitHub Actions
by commit SHA (``@@action_checkout`` …). ``ci`` picks GitHub, GitLab or both.

Nothing is overwritten without ``force``; running twice changes nothing.
"""

from __future__ import annotations

import os
import re
import string
import tempfile
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from pipwarden.errors import InputError, NetworkError, UsageError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import canonical_name
from pipwarden.pypi.client import PyPIClient
from pipwarden.scaffold.pins import PipwardenSource, action_ref, resolve_source
from pipwarden.settings import Settings

__all__ = [
    "CI_CHOICES",
    "TEMPLATES",
    "TOOLS_FILE",
    "InitResult",
    "PlannedFile",
    "init_project",
    "latest_versions",
    "plan_project",
    "render_requirements",
    "write_project",
]

log = get_logger(__name__)

TEMPLATES = ("python", "dbt-bigquery")
CI_CHOICES = ("github", "gitlab", "both")
# The files of each CI system (a path equal to or under one of these belongs to it).
_CI_FILES = {"github": (".github/",), "gitlab": (".gitlab-ci.yml",)}
TOOLS_FILE = "tools/pipwarden.txt"
PYTHON_VERSION = "3.12"
_NAME = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
_META = "template.toml"


class _Template(string.Template):
    delimiter = "@@"


@frozen
class PlannedFile:
    """One file ``init`` would write: a POSIX path relative to the project, its content."""

    path: str
    content: str
    executable: bool = False


@frozen
class InitResult:
    """What ``init`` did (or, with ``dry_run``, would do) to each file."""

    directory: str
    template: str
    source: PipwardenSource
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
        key = str(canonical_name(name))
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
        seen.setdefault(str(canonical_name(name)), name)
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
            lines.append(str(canonical_name(name)))
        else:
            canonical, version = versions[str(canonical_name(name))]
            lines.append(f"{canonical}>={version}")
    return "\n".join(lines) + "\n"


def _install_block(source: PipwardenSource) -> str:
    """The body of ``scripts/install_pipwarden.sh``: the only lines that install pipwarden.

    A Git commit goes through pipx when present (a venv of its own, on PATH), else pip in
    a dedicated venv; a hash pin always goes through pip's ``--require-hashes`` mode in a
    dedicated venv, because pipx cannot check hashes.
    """
    venv = [
        'tool_venv="${PIPWARDEN_VENV:-$HOME/.local/share/pipwarden/venv}"',
        "# --clear: a changed pin never mixes with what an older one installed",
        'python3 -m venv --clear "$tool_venv"',
    ]
    link = [
        'mkdir -p "$HOME/.local/bin"',
        'ln -sf "$tool_venv/bin/pipwarden" "$HOME/.local/bin/pipwarden"',
        'echo "pipwarden installed in $tool_venv (linked from $HOME/.local/bin)"',
    ]
    if source.kind == "git":
        quoted = f"'{source.spec}'"
        lines = [
            f"# Source: a Git commit (chosen by {source.origin}). A commit id names exactly",
            "# one tree: unlike a branch or a tag, it cannot be moved to other code.",
            "if command -v pipx >/dev/null 2>&1; then",
            "  # pipx keeps pipwarden in a venv of its own; --force reinstalls a changed pin",
            f"  pipx install --force {quoted}",
            "else",
            "  # no pipx (e.g. a slim CI image): the same pinned source in a venv of its own",
            *(f"  {line}" for line in venv),
            f'  "$tool_venv/bin/python" -m pip install {quoted}',
            *(f"  {line}" for line in link),
            "fi",
        ]
    else:
        lines = [
            f"# Source: {source.spec} with its file hashes in {TOOLS_FILE} (chosen by",
            f"# {source.origin}). Not pipx: pipx cannot check hashes. pip's --require-hashes",
            "# mode refuses a file whose hash is not listed and a requirement without a",
            "# hash, so a replaced file or a missing pin stops the install (fails closed).",
            *venv,
            f'"$tool_venv/bin/python" -m pip install --require-hashes -r {TOOLS_FILE}',
            *link,
        ]
    return "\n".join(lines)


def _tools_file(source: PipwardenSource) -> str:
    """``tools/pipwarden.txt`` for a hash pin: pipwarden's line, and why it needs more."""
    lines = [
        "# pipwarden for this project, pinned by file hash; written by `pipwarden init`.",
        "# Installed by scripts/install_pipwarden.sh with `pip install --require-hashes -r`",
        "# in a venv of its own (pipx cannot check hashes).",
        "# --require-hashes needs a hashed == line for EVERY package it installs: add one",
        "# for pipwarden's dependency `packaging` (and nothing unpinned), e.g.",
        "#   pip download --no-deps packaging==VERSION -d wheels && pip hash wheels/*",
        "# Until then the install stops and pip names the missing hash: it fails closed.",
        *source.requirement_lines(),
    ]
    return "\n".join(lines) + "\n"


def _wanted_by_ci(path: str, ci: str) -> bool:
    """Whether ``path`` belongs in a project whose CI is ``ci`` (github, gitlab, both)."""
    if ci not in CI_CHOICES:
        raise UsageError(f"unknown CI {ci!r}", hint=f"one of: {', '.join(CI_CHOICES)}")
    for system, prefixes in _CI_FILES.items():
        if any(path == p or path.startswith(p) for p in prefixes):
            return ci in (system, "both")
    return True


def plan_project(
    directory: Path,
    template: str,
    *,
    source: PipwardenSource,
    ci: str = "github",
    packages: Sequence[str] = (),
    versions: Mapping[str, tuple[str, str]] | None = None,
) -> list[PlannedFile]:
    """Every file of ``template`` for a project in ``directory``, rendered, in path order:
    pipwarden installed from ``source`` only, the CI files of ``ci``."""
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
        "pipwarden_install": _install_block(source),
        "action_checkout": action_ref("actions/checkout"),
        "action_setup_python": action_ref("actions/setup-python"),
    }
    files: dict[str, PlannedFile] = {}
    for name in chain:
        for rel, item in _walk(_template_root(name)):
            if not _wanted_by_ci(rel, ci):
                continue
            text = _Template(item.read_text(encoding="utf-8")).substitute(variables)
            text = text.rstrip("\n") + "\n"
            files[rel] = PlannedFile(rel, text, executable=rel.endswith(".sh"))
    if source.kind == "hash":
        files[TOOLS_FILE] = PlannedFile(TOOLS_FILE, _tools_file(source))
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
    source: PipwardenSource | None = None,
    ci: str = "github",
) -> InitResult:
    """Plan, look up version floors (unless offline or not needed), and write the project.

    ``source`` is where the project installs pipwarden from (default: the Git commit this
    pipwarden was installed from, else :class:`UsageError` before anything is written).
    """
    source = source or resolve_source(None)
    _wanted_by_ci("", ci)  # an unknown CI is refused before PyPI is asked
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
    files = plan_project(
        directory, template, source=source, ci=ci, packages=packages, versions=versions
    )
    kept: dict[str, list[str]] = {"unchanged": [], "skipped": []}
    if keep_requirements:
        files = [f for f in files if f.path != "requirements.txt"]
        kept["skipped" if packages else "unchanged"].append("requirements.txt")
    outcome = write_project(directory, files, force=force, dry_run=dry_run)
    return InitResult(
        directory=str(directory),
        template=template,
        source=source,
        written=tuple(outcome["written"]),
        overwritten=tuple(outcome["overwritten"]),
        unchanged=tuple(sorted([*outcome["unchanged"], *kept["unchanged"]])),
        skipped=tuple(sorted([*outcome["skipped"], *kept["skipped"]])),
        dry_run=dry_run,
        offline=offline,
    )
