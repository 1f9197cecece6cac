"""``pipwarden update``: upgrade the project venv eagerly, report what changed, then audit.

The flow, in order:

1. find the project's venv (``.venv`` by default) or create it; refuse anything that is not a
   venv (no ``pyvenv.cfg``): pip only ever runs as ``<venv>/bin/python -m pip`` with
   ``PIP_REQUIRE_VIRTUALENV=true`` exported in its environment;
2. snapshot the venv from its metadata on disk (:mod:`pipwarden.snapshots`);
3. upgrade pip, then ``pip install --upgrade --upgrade-strategy eager`` of every
   requirements file and of ``[project].dependencies`` of pyproject.toml. The dependencies
   are *listed* (written to ``.pipwarden/pyproject-requirements.txt``) rather than installed
   with ``-e .``: that keeps the project's own build backend out of the daily routine, works
   with ``--no-index`` and never runs project code;
4. a cooldown (``--cooldown 3d`` or policy ``cooldown``) keeps out every release uploaded
   after the cutoff: pip's ``--uploaded-prior-to`` when the venv's pip has it (26.0 and later,
   index only), else a constraints file excluding the too-new releases of every direct and
   transitive package, computed from PyPI upload times; afterwards every installed version is
   checked against the cutoff;
5. snapshot again, diff, look up PyPI data (held back, yanked, maintainers), vet packages that
   are new in the tree, run the ``[update] after`` hooks (with ``--run-hooks``), audit the
   venv.

pip's output goes to ``.pipwarden/logs/update-<time>.log`` (its ``--log`` debug log next to
it). pip runs with ``--timeout``/``--retries`` and one total deadline for the run. A failed
pip run raises :class:`PipFailedError` (exit 3 for an index pip could not reach, which pip
itself only logs at debug level and otherwise ignores, or for the deadline; exit 2 when pip
rejects the requirements) after putting the venv back as it was: ``restore-<time>.txt``
(``name==version`` lines and the project's index options) is written before pip runs and
reinstalled ``--no-deps`` with the same index options; what the run added is uninstalled.
``--rebuild`` moves the old venv aside to ``<venv>.previous``, creates a new one in place
and puts the old one back when anything fails.

Trust: the project's config may not pick a venv outside the project (``--venv`` from the
user may), its ``after`` hooks run only with ``--run-hooks``, and the index options of its
requirement files are reported. An audit that cannot run fails the update ("not checked").
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import os
import re
import shlex
import shutil
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pipwarden import subproc as subprocess  # the one door to child processes
from pipwarden.errors import ExitCode, InputError, PipwardenError, UsageError
from pipwarden.policy import Policy
from pipwarden.redact import redact_text
from pipwarden.settings import Settings
from pipwarden.snapshots import (
    Snapshot,
    atomic_write_text,
    ensure_state_dir,
    list_history,
    load_snapshot,
    save_snapshot,
    take_snapshot,
)
from pipwarden.sources.environment import read_environment
from pipwarden.sources.graph import DependencyGraph
from pipwarden.sources.requirements import parse_requirements, project_root_for

if TYPE_CHECKING:
    from pipwarden.audit import AuditReport

__all__ = [
    "DEFAULT_DEADLINE",
    "UPLOADED_PRIOR_TO_PIP",
    "AuditSummary",
    "Change",
    "CooldownResult",
    "HeldBack",
    "HookResult",
    "OwnershipChange",
    "PipFailedError",
    "ProjectData",
    "UpdateOptions",
    "UpdateReport",
    "YankedInstall",
    "available_versions",
    "configured_hooks",
    "display_text",
    "find_held_back",
    "is_major_bump",
    "release_notes_url",
    "release_times",
    "run_update",
    "venv_python",
    "verify_cooldown",
]

log = logging.getLogger(__name__)

#: the first pip with ``--uploaded-prior-to`` (pip 26.0, January 2026)
UPLOADED_PRIOR_TO_PIP = Version("26.0")
#: the first pip with ``install --dry-run --report``
DRY_RUN_REPORT_PIP = Version("22.2")

#: pip's own network settings for every install: ``--retries`` keeps an unreachable index
#: from costing minutes of back-off; ``--timeout`` (seconds) comes from the settings
PIP_RETRIES = 2
#: the whole pip run (self-upgrade + install) must finish within this many seconds
DEFAULT_DEADLINE = 15 * 60.0


class PipFailedError(PipwardenError):
    """pip failed: exit 3 when an index could not be reached (or the deadline passed),
    exit 2 when pip rejected the requirements; the message says what pip said and what
    became of the venv, the hint names the log (and, when needed, the way back)."""

    exit_code = ExitCode.DATA_UNAVAILABLE

    def __init__(self, message: str, *, hint: str | None = None,
                 exit_code: ExitCode = ExitCode.DATA_UNAVAILABLE) -> None:
        super().__init__(message, hint=hint)
        self.exit_code = exit_code


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


# ---------------------------------------------------------------------------------------
# report data


@dataclass(frozen=True)
class Change:
    """A package whose presence or version changed."""

    name: str
    display_name: str
    old: str | None
    new: str | None
    major: bool = False
    notes_url: str | None = None
    via: tuple[str, ...] = ()
    vetted: str | None = None


@dataclass(frozen=True)
class HeldBack:
    """A newer release exists but something keeps it out."""

    name: str
    display_name: str
    installed: str
    available: str
    capper: str | None  # the package (or requirements line) whose specifier caps it
    specifier: str | None
    reason: str  # "cap", "cooldown" or "unknown"


@dataclass(frozen=True)
class YankedInstall:
    name: str
    version: str
    reason: str | None


@dataclass(frozen=True)
class OwnershipChange:
    name: str
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class CooldownResult:
    """What the cooldown did: how it was enforced and what the check afterwards found."""

    days: float
    cutoff: datetime
    method: str  # "uploaded-prior-to", "constraints" or "unavailable"
    excluded: tuple[tuple[str, str], ...] = ()  # (name, version) kept out by constraints
    too_new: tuple[tuple[str, str, datetime], ...] = ()  # installed and newer than the cutoff
    unknown: tuple[str, ...] = ()  # installed, no upload time known


@dataclass(frozen=True)
class AuditSummary:
    """The audit after the upgrade: its text, counts and exit code, or why it did not run."""

    ran: bool
    text: str | None = None
    packages: int = 0
    vulnerabilities: int = 0
    exit_code: int = 0
    reason: str | None = None
    data: AuditReport | None = None


@dataclass(frozen=True)
class HookResult:
    """An ``after`` hook: its exit code, or ``None`` when it was not run (it came from the
    project's config and the user did not pass ``--run-hooks``)."""

    command: str
    returncode: int | None

    @property
    def ran(self) -> bool:
        return self.returncode is not None


@dataclass(frozen=True)
class UpdateReport:
    """Everything ``pipwarden update`` found; rendered by :mod:`pipwarden.report.update`."""

    project: str
    venv: str
    started_at: datetime
    sources: tuple[str, ...]
    dry_run: bool = False
    created: bool = False
    rebuilt: bool = False
    pip_version: str | None = None
    upgraded: tuple[Change, ...] = ()
    downgraded: tuple[Change, ...] = ()
    added: tuple[Change, ...] = ()
    removed: tuple[Change, ...] = ()
    orphaned: tuple[Change, ...] = ()
    held_back: tuple[HeldBack, ...] = ()
    yanked: tuple[YankedInstall, ...] = ()
    ownership: tuple[OwnershipChange, ...] = ()
    cooldown: CooldownResult | None = None
    audit: AuditSummary | None = None
    hooks: tuple[HookResult, ...] = ()
    log_path: str | None = None
    previous_run: datetime | None = None
    pypi_reachable: bool = True
    package_count: int = 0
    notes: tuple[str, ...] = ()
    project_index_options: tuple[str, ...] = ()  # "file:line: --option value" (redacted)

    @property
    def exit_code(self) -> int:
        """The audit's code (1 for findings at the policy threshold, 3 or 2 when the audit
        could not run: "not checked" fails the run unless ``--no-audit`` skipped it), else 1
        for a failed hook, else 0."""
        if self.audit is not None and self.audit.exit_code:
            return int(self.audit.exit_code)
        if any(h.returncode for h in self.hooks):
            return int(ExitCode.FINDINGS)
        return int(ExitCode.OK)


@dataclass(frozen=True)
class UpdateOptions:
    """What to update and how; ``now`` is injectable for tests."""

    project: Path
    venv: Path | None = None
    cooldown_days: float | None = None
    dry_run: bool = False
    rebuild: bool = False
    find_links: tuple[str, ...] = ()
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    no_index: bool = False
    offline: bool = False
    hooks: tuple[str, ...] | None = None  # None: from policy [update] after
    run_hooks: bool = False  # run the policy's hooks (the user said so: --run-hooks)
    deadline: float = DEFAULT_DEADLINE  # seconds for the whole pip run
    pip_timeout: float | None = None  # pip --timeout; None: the settings' timeout
    base_python: str = field(default_factory=lambda: sys.executable)
    audit: bool = True
    vet: bool = True
    now: datetime | None = None


# ---------------------------------------------------------------------------------------
# small pure helpers


def is_major_bump(old: str, new: str) -> bool:
    """A new major version (or, below 1.0, a new minor version): possibly breaking."""
    try:
        a, b = Version(old), Version(new)
    except InvalidVersion:
        return False
    if b.major != a.major:
        return b.major > a.major
    return a.major == 0 and b.minor > a.minor


_NOTES_LABELS = ("changelog", "changes", "releasenotes", "release", "history", "news",
                 "whatsnew")
_SOURCE_LABELS = ("source", "sourcecode", "repository", "code", "github", "homepage")


def release_notes_url(project_urls: Iterable[tuple[str, str]]) -> str | None:
    """The changelog / release-notes link among ``Project-URL`` entries; else a GitHub
    repository's ``/releases`` page; else ``None``."""
    pairs = [(re.sub(r"[^a-z]", "", label.lower()), url) for label, url in project_urls]
    for label, url in pairs:
        if any(label.startswith(key) for key in _NOTES_LABELS):
            return url
    for label, url in pairs:
        if label in _SOURCE_LABELS:
            match = re.match(r"^(https://github\.com/[^/\s]+/[^/\s#?]+)", url)
            if match:
                return match.group(1).removesuffix(".git") + "/releases"
    return None


def venv_python(venv: Path) -> Path:
    """The venv's interpreter (POSIX or Windows layout)."""
    posix = venv / "bin" / "python"
    windows = venv / "Scripts" / "python.exe"
    return windows if not posix.exists() and windows.exists() else posix


def _requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def _applies(req: Requirement) -> bool:
    if req.marker is None:
        return True
    try:
        return bool(req.marker.evaluate({"extra": ""}))
    except Exception:
        return False


def reportable_held_back(
    held: Iterable[HeldBack], orphaned: Iterable[Change]
) -> tuple[HeldBack, ...]:
    """Drop what is not news: packages nothing needs any more (they are reported as no
    longer needed), and pip/setuptools/wheel unless something caps them."""
    orphans = {c.name for c in orphaned}
    return tuple(
        h for h in held
        if h.name not in orphans
        and (h.name not in {"pip", "setuptools", "wheel"} or h.reason == "cap")
    )


def find_held_back(
    after: Snapshot,
    latest: Mapping[str, Version],
    declared: Mapping[str, tuple[str, str]],
    *,
    cooldown_excluded: Iterable[tuple[str, str]] = (),
) -> tuple[HeldBack, ...]:
    """Installed packages with a newer known release; name who caps each.

    ``latest`` maps names to the newest known final release; ``declared`` maps names to the
    (location, specifier) of the project's own requirement.
    """
    packages = after.by_name()
    excluded = {(canonicalize_name(n), v) for n, v in cooldown_excluded}
    out: list[HeldBack] = []
    for name, package in sorted(packages.items()):
        newest = latest.get(name)
        if newest is None:
            continue
        try:
            installed = Version(package.version)
        except InvalidVersion:
            continue
        if newest <= installed:
            continue
        capper: str | None = None
        specifier: str | None = None
        reason = "unknown"
        for other in sorted(packages.values(), key=lambda p: p.name):
            for text in other.requires:
                req = _requirement(text)
                if req is None or canonicalize_name(req.name) != name or not _applies(req):
                    continue
                if req.specifier and not req.specifier.contains(newest, prereleases=True):
                    capper, specifier, reason = other.display_name, str(req.specifier), "cap"
                    break
            if capper:
                break
        if capper is None and name in declared:
            where, spec = declared[name]
            req = _requirement(f"{name}{spec}")
            if req is not None and req.specifier and not req.specifier.contains(
                newest, prereleases=True
            ):
                capper, specifier, reason = where, str(req.specifier), "cap"
        if capper is None and (name, str(newest)) in excluded:
            reason = "cooldown"
        out.append(HeldBack(name, package.display_name, package.version, str(newest),
                            capper, specifier, reason))
    return tuple(out)


def verify_cooldown(
    snapshot: Snapshot, pypi: Mapping[str, Mapping[str, Any] | None], cutoff: datetime
) -> tuple[tuple[tuple[str, str, datetime], ...], tuple[str, ...]]:
    """Installed versions uploaded after ``cutoff`` (name, version, upload time), and the
    packages whose upload time is unknown."""
    too_new: list[tuple[str, str, datetime]] = []
    unknown: list[str] = []
    for package in snapshot.packages:
        data = pypi.get(package.name)
        when = release_times(data).get(package.version) if data else None
        if when is None:
            unknown.append(package.name)
        elif when > cutoff:
            too_new.append((package.name, package.version, when))
    return tuple(too_new), tuple(unknown)


# ---------------------------------------------------------------------------------------
# running pip

#: what pip's debug log says when it skips an index page it could not fetch; a 404 is the
#: normal answer of an index that does not have the project and is not counted
_UNREACHABLE = re.compile(r"Could not fetch URL (\S+?): (.*?)(?: - skipping)?$")
#: network trouble in pip's error output (a download that failed after the index answered)
_NETWORK_ERRORS = (
    "Max retries exceeded", "NewConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
    "Connection refused", "Name or service not known", "Temporary failure in name resolution",
    "ProxyError", "SSLError", "ConnectionResetError", "IncompleteRead",
)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def display_text(text: str, limit: int = 300) -> str:
    """Text from pip or the project for a message: redacted, no control characters or
    bidi overrides, bounded."""
    text = _CONTROL.sub("", redact_text(text)).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _unreachable_lines(debug_log: str) -> list[str]:
    """``url: reason`` for every index page pip could not fetch (not for a 404)."""
    out: list[str] = []
    for line in debug_log.splitlines():
        match = _UNREACHABLE.search(line)
        if match is None or "404 Client Error" in match.group(2):
            continue
        reason = match.group(2)
        causes = (re.search(pattern, reason) for pattern in (
            r"\[Errno [^\]]+\] [^'\")]+", r"[Tt]imed out", r"\d{3} (?:Client|Server) Error[^(]*"))
        cause = next((c.group(0).strip() for c in causes if c), reason)
        out.append(f"{match.group(1)}: {cause}")
    return list(dict.fromkeys(out))


def _error_lines(stderr: str, stdout: str) -> list[str]:
    """The lines that say why pip failed: its last ``ERROR:`` lines, else the last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    if errors:
        return errors[-3:]
    if lines:
        return lines[-1:]
    rest = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    return rest[-1:] if rest else ["no output"]


def _seconds(value: float) -> str:
    return f"{value / 60:g} min" if value >= 60 else f"{value:g} s"


class _Pip:
    """Runs ``<venv>/bin/python -m pip`` (an argument list, never a shell) with the guard
    exported, no prompts, its output in the update log, within one total deadline.

    A run fails (:class:`PipFailedError`) when pip exits non-zero, when the deadline
    passes (pip is stopped) or when pip's debug log shows an index it could not reach:
    pip itself shrugs that off ("Requirement already satisfied") and exits 0.
    """

    def __init__(self, venv: Path, log_path: Path, cwd: Path, *, deadline: float,
                 timeout: float, retries: int = PIP_RETRIES) -> None:
        self.python = venv_python(venv)
        self.log_path = log_path
        self.debug_log = log_path.with_name(log_path.stem + "-pip-debug.log")
        self.cwd = cwd
        self.deadline = deadline
        self.ends_at = time.monotonic() + deadline
        self.network = ["--timeout", f"{timeout:g}", "--retries", str(retries),
                        "--log", str(self.debug_log)]
        self.env = dict(os.environ)
        self.env["PIP_REQUIRE_VIRTUALENV"] = "true"
        self.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        self.env["PIP_NO_INPUT"] = "1"
        for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT"):
            self.env.pop(key, None)

    def run(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``pip <args>``; the network options are added to every command but ``--version``."""
        extra = [] if args[:1] == ["--version"] else self.network
        command = [str(self.python), "-m", "pip", *args[:1], *extra, *args[1:]]
        shown = redact_text(shlex.join(command))
        log.info("running %s", shown)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        start = self.debug_log.stat().st_size if self.debug_log.is_file() else 0
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {shown}\n")
            fh.flush()
            code, stdout, stderr = self._spawn(command)
            fh.write(stdout)
            fh.write(stderr)
            fh.write(f"[exit {code}]\n\n")
        if code is None:
            raise PipFailedError(
                f"pip did not finish within the {_seconds(self.deadline)} deadline and was "
                "stopped", hint=f"full pip output: {self.log_path} (raise the limit with "
                "--deadline or PIPWARDEN_UPDATE_DEADLINE)")
        result = subprocess.CompletedProcess(command, code, stdout, stderr)
        if not check:
            return result
        unreachable = _unreachable_lines(self._debug_since(start)) if extra else []
        if unreachable:
            raise PipFailedError(
                "pip could not reach the package index: "
                + "; ".join(display_text(x, 200) for x in unreachable[:3]),
                hint=f"full pip output: {self.log_path}")
        if code != 0:
            reason = " / ".join(display_text(x, 600) for x in _error_lines(stderr, stdout))
            network = any(marker in stderr for marker in _NETWORK_ERRORS)
            raise PipFailedError(
                f"pip failed (exit {code}): {reason}", hint=f"full pip output: {self.log_path}",
                exit_code=ExitCode.DATA_UNAVAILABLE if network else ExitCode.USAGE)
        return result

    def _spawn(self, command: list[str]) -> tuple[int | None, str, str]:
        """(exit code or ``None`` when the deadline passed, stdout, stderr). pip runs in a
        session of its own so that stopping it also stops what it started."""
        remaining = max(self.ends_at - time.monotonic(), 0.1)
        try:
            process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                encoding="utf-8", errors="replace", start_new_session=True,
            )
        except OSError as exc:
            raise PipFailedError(f"cannot run {self.python}: {exc.strerror or exc}",
                                 exit_code=ExitCode.USAGE) from None
        try:
            with _sigterm_interrupts():
                stdout, stderr = process.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            _stop(process)
            stdout, stderr = process.communicate()
            return None, stdout, stderr
        except BaseException:
            _stop(process)
            process.communicate()
            raise
        return process.returncode, stdout, stderr

    def _debug_since(self, offset: int) -> str:
        try:
            with self.debug_log.open("r", encoding="utf-8", errors="replace") as fh:
                fh.seek(offset)
                return fh.read(16 * 1024 * 1024)
        except OSError:
            return ""

    def version(self) -> Version:
        result = self.run(["--version"])
        match = re.match(r"pip (\S+)", result.stdout.strip())
        try:
            return Version(match.group(1)) if match else Version("0")
        except InvalidVersion:
            return Version("0")


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While pip runs, SIGTERM (what CI sends on cancel) raises KeyboardInterrupt like
    Ctrl-C: pip, in a session of its own, would not get either signal, so pipwarden stops
    it and puts the venv back before it exits."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(process: subprocess.Popen) -> None:
    """Kill pip and everything it started (its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def _index_args(options: UpdateOptions) -> list[str]:
    """The index options the user gave on the command line, for every pip command of the
    run (the restore included: it must find the versions where the update found them)."""
    args: list[str] = []
    for link in options.find_links:
        args += ["--find-links", link]
    if options.index_url:
        args += ["--index-url", options.index_url]
    for url in options.extra_index_urls:
        args += ["--extra-index-url", url]
    if options.no_index:
        args.append("--no-index")
    return args


def _create_venv(base_python: str, venv: Path, log_path: Path) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [base_python, "-m", "venv", str(venv)]
    with log_path.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {shlex.join(command)}\n")
        fh.flush()
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        fh.write(result.stdout + f"[exit {result.returncode}]\n\n")
    if result.returncode != 0:
        raise PipFailedError(f"could not create the venv {venv} (exit {result.returncode})",
                             hint=f"full output: {log_path}")


# ---------------------------------------------------------------------------------------
# the update itself


#: requirement-file options that tell pip where to download from
_INDEX_OPTIONS = ("--index-url", "--extra-index-url", "--find-links", "--no-index",
                  "--trusted-host")


@dataclass
class _Sources:
    req_args: list[str]
    names: dict[str, tuple[str, str]]  # canonical name -> (location, specifier)
    labels: list[str]
    #: index options written in the project's requirement files: (where, option, value
    #: as written); pip obeys them, so the report names them and the restore reuses them
    index_options: list[tuple[str, str, str | None]] = field(default_factory=list)

    def shown_index_options(self) -> tuple[str, ...]:
        """``file:line: --option value`` with credentials masked, for the report."""
        return tuple(display_text(f"{where}: {name}" + (f" {value}" if value else ""))
                     for where, name, value in self.index_options)


def _collect_sources(project: Path, policy: Policy, state: Path) -> _Sources:
    configured = policy.update.get("requirements")
    if configured is None:
        files = [project / "requirements.txt"] if (project / "requirements.txt").is_file() else []
    else:
        if not isinstance(configured, list) or not all(isinstance(x, str) for x in configured):
            raise InputError("[update] requirements must be a list of file names",
                             path=policy.source)
        files = [project / str(x) for x in configured]
    args: list[str] = []
    names: dict[str, tuple[str, str]] = {}
    labels: list[str] = []
    index_options: list[tuple[str, str, str | None]] = []
    for file in files:
        parsed = parse_requirements(file, root=project_root_for(file, project))
        for dep in parsed.dependencies:
            if not dep.constraint:
                names.setdefault(dep.name, (str(dep.location), dep.specifier))
        index_options += [(str(o.location), o.name, o.raw_value if o.raw_value is not None
                           else o.value) for o in parsed.options if o.name in _INDEX_OPTIONS]
        args += ["-r", str(file)]
        labels.append(file.name)
    pyproject = project / "pyproject.toml"
    if pyproject.is_file():
        from pipwarden.sources.pyproject import read_pyproject

        data = read_pyproject(pyproject)
        deps = [d for d in data.dependencies if d.group is None]
        if "dependencies" in data.dynamic:
            log.warning("pyproject.toml: dependencies are dynamic; only requirements files "
                        "are installed")
        if deps:
            listed = state / "pyproject-requirements.txt"
            atomic_write_text(listed, "# [project].dependencies of pyproject.toml, written by "
                              "pipwarden update\n" + "".join(f"{d.text}\n" for d in deps))
            args += ["-r", str(listed)]
            labels.append("pyproject.toml")
            for dep in deps:
                names.setdefault(dep.name, (str(dep.location), dep.specifier))
    if not args:
        raise UsageError(f"{project}: nothing to update: no requirements.txt and no "
                         "[project].dependencies in pyproject.toml")
    return _Sources(args, names, labels, index_options)


def configured_hooks(policy: Policy) -> tuple[str, ...]:
    """The ``[update] after`` commands of the project's config (not run by themselves)."""
    after = policy.update.get("after", [])
    if isinstance(after, str):
        after = [after]
    if not isinstance(after, list) or not all(isinstance(x, str) for x in after):
        raise InputError("[update] after must be a list of commands", path=policy.source)
    return tuple(after)


def _hooks(options: UpdateOptions, policy: Policy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(hooks to run, hooks listed but not run). Hooks from the project's config are
    commands written by whoever wrote the project: they run only when the user said so
    (``--run-hooks``, or yes at the prompt); hooks given by the caller always run."""
    if options.hooks is not None:
        return options.hooks, ()
    after = configured_hooks(policy)
    return (after, ()) if options.run_hooks else ((), after)


def _venv_path(options: UpdateOptions, policy: Policy, project: Path) -> Path:
    """The venv to update: ``--venv`` (the user's word, anywhere), else ``[update] venv``
    of the project's config or ``.venv``, which must stay inside the project once symlinks
    are resolved: a cloned project must not point pip at another venv of the machine."""
    if options.venv is not None:
        return options.venv if options.venv.is_absolute() else project / options.venv
    configured = policy.update.get("venv")
    if configured is not None and not isinstance(configured, str):
        raise InputError("[update] venv must be a folder name", path=policy.source)
    venv = project / (configured or ".venv")
    try:
        venv.resolve().relative_to(project.resolve())
    except (ValueError, OSError, RuntimeError):
        where = (f"[update] venv = {configured!r} in {policy.source}" if configured
                 else f"{venv} is a symlink that")
        target = display_text(str(venv.resolve()))
        raise UsageError(
            f"{display_text(where)} points outside the project ({target}): refused, project "
            "config may not pick a venv elsewhere",
            hint=f"to update it anyway, say so: pipwarden update --venv {target}",
        ) from None
    return venv


def _run_hooks(hooks: Sequence[str], venv: Path, project: Path, log_path: Path
               ) -> tuple[HookResult, ...]:
    results: list[HookResult] = []
    env = dict(os.environ)
    bindir = venv_python(venv).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv.resolve())
    env["PIP_REQUIRE_VIRTUALENV"] = "true"
    for hook in hooks:
        argv = shlex.split(hook)
        if not argv:
            continue
        with log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {hook}\n")
            fh.flush()
            try:
                done = subprocess.run(
                    argv, cwd=project, env=env, stdout=fh, stderr=subprocess.STDOUT,
                    check=False,
                )
                code = done.returncode
            except OSError as exc:
                fh.write(f"{exc}\n")
                code = 127
            fh.write(f"[exit {code}]\n\n")
        if code:
            log.warning("hook %r failed (exit %d); see %s", hook, code, log_path)
        results.append(HookResult(hook, code))
    return tuple(results)


def _closure_names(
    start: Iterable[str], source: ProjectData, limit: int = 2000
) -> dict[str, dict[str, Any] | None]:
    """PyPI data of ``start`` and everything their latest releases require (no extras)."""
    seen: dict[str, dict[str, Any] | None] = {}
    frontier: list[str] = sorted({str(canonicalize_name(n)) for n in start})
    while frontier and len(seen) < limit:
        batch = [n for n in frontier if n not in seen][: limit - len(seen)]
        fetched = source.fetch_many(batch)
        nxt: set[str] = set()
        for name in batch:
            data = fetched.get(name)
            seen[name] = data
            info = data.get("info") if data else None
            for text in (info or {}).get("requires_dist") or ():
                req = _requirement(str(text))
                if req is None or (req.marker is not None and "extra" in str(req.marker)):
                    continue
                key = canonicalize_name(req.name)
                if key not in seen:
                    nxt.add(key)
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


def _dry_run_changes(report_file: Path, before: Snapshot) -> list[tuple[str, str, str | None,
                                                                       str]]:
    """(name, display name, old version or None, new version) from pip's --report."""
    try:
        data = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipFailedError(f"pip wrote no readable --report ({exc})") from None
    current = before.by_name()
    out: list[tuple[str, str, str | None, str]] = []
    for item in data.get("install", []):
        meta = item.get("metadata", {}) if isinstance(item, dict) else {}
        raw = str(meta.get("name", ""))
        version = str(meta.get("version", ""))
        name = canonicalize_name(raw)
        old = current.get(name)
        if old is None or old.version != version:
            out.append((name, raw, old.version if old else None, version))
    return out


def _vet_new(names: Sequence[str], settings: Settings) -> dict[str, str]:
    """Verdict per new package from ``pipwarden.vet`` when this build has it."""
    if not names:
        return {}
    try:
        vet = importlib.import_module("pipwarden.vet")
    except ImportError:
        return dict.fromkeys(names, "not vetted (vet is not part of this build)")
    try:
        vetter = vet.Vetter(settings, progress=False)
        report = vetter.vet([vet.VetRequest(name=n) for n in names])
    except PipwardenError as exc:
        return dict.fromkeys(names, f"not vetted ({exc})")
    out: dict[str, str] = {}
    for package in report.packages:
        label = package.verdict_label
        if package.error:
            label = f"{label} ({package.error})"
        out[canonicalize_name(package.name)] = f"vetted: {label}"
    return out


def _audit(venv: Path, project: Path, settings: Settings, policy: Policy) -> AuditSummary:
    """The upgraded venv through :func:`pipwarden.audit.audit`; a summary with the reason
    and a non-zero exit code when it cannot run (no database and offline, data too old, an
    unreadable venv …)."""
    from pipwarden.audit import AuditRequest, audit, pypi_release_provider
    from pipwarden.report.audit import render

    try:
        result = audit(
            AuditRequest(project=project, environments=(venv,)), settings=settings, policy=policy,
            releases=pypi_release_provider(settings),  # the floors every command proposes
        )
    except PipwardenError as exc:
        # "not checked" is not clean: the update fails with the audit's own exit code
        # (3 when the vulnerability data is unavailable) unless --no-audit skipped it
        log.warning("audit not run: %s", exc.message)
        return AuditSummary(ran=False, reason=exc.message, exit_code=int(exc.exit_code))
    return AuditSummary(
        ran=True,
        text=render(result, "text"),
        packages=result.packages_audited,
        vulnerabilities=len(result.findings),
        exit_code=result.exit_code,
        data=result,
    )


#: installers the restore leaves alone: update upgrades pip on purpose, and an offline
#: wheel folder rarely holds the old pip
_INSTALLERS = frozenset({"pip", "setuptools", "wheel"})
#: a distribution name that pip cannot mistake for an option (names come from metadata)
_SAFE_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$")


def _pins(snapshot: Snapshot) -> dict[str, tuple[str, str]]:
    """canonical name → (name, version) of what a restore puts back: no installers, and
    only names and versions that are valid (they are read from metadata on disk)."""
    out: dict[str, tuple[str, str]] = {}
    for package in snapshot.packages:
        if package.name in _INSTALLERS or not _SAFE_NAME.match(package.display_name):
            continue
        try:
            Version(package.version)
        except InvalidVersion:
            continue
        out[package.name] = (package.display_name, package.version)
    return out


def _installed(venv: Path) -> dict[str, tuple[str, str]]:
    """Like :func:`_pins` for the venv as it is now; a package with two ``.dist-info``
    folders (pip stopped in the middle of replacing it) shows both versions, so that it
    never compares equal to a single version."""
    seen: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for package in read_environment(venv).packages:
        if package.name in _INSTALLERS or not _SAFE_NAME.match(package.display_name):
            continue
        names.setdefault(package.name, package.display_name)
        seen.setdefault(package.name, []).append(package.version)
    return {name: (names[name], " + ".join(sorted(set(versions))))
            for name, versions in seen.items()}


def _restore_file(state: Path, before: Snapshot, stamp: str, sources: _Sources) -> Path:
    """``restore-<time>.txt``: the index options the update used from the project's
    requirement files, then ``name==version`` of every package the venv held."""
    path = state / "logs" / f"restore-{stamp}.txt"
    lines = ["# the venv before pipwarden update"]
    for where, name, value in sources.index_options:
        lines.append(f"# {display_text(where)}")
        lines.append(f"{name} {shlex.quote(value)}" if value else name)
    lines += [f"{display}=={version}" for display, version in _pins(before).values()]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def _restore_venv(pip: _Pip, venv: Path, before: Snapshot, restore: Path | None,
                  index_args: Sequence[str]) -> tuple[bool, str]:
    """Put the venv back as ``before`` after a failed pip run: reinstall the versions it
    held (``--no-deps``, the same index options), uninstall what the run added.
    Returns (the venv is as it was, what happened in words)."""
    wanted = _pins(before)
    try:
        found = _installed(venv)
    except PipwardenError as exc:
        return False, f"its state after the failure is unreadable ({exc.message})"
    if found == wanted:
        return True, "the venv is unchanged"
    added = sorted(n for n in found if n not in wanted)
    changed = sorted(n for n in wanted if found.get(n) != wanted[n])
    try:
        if changed and restore is not None:
            pip.run(["install", "--no-deps", *index_args, "-r", str(restore)])
        if added:
            pip.run(["uninstall", "--yes", *(found[n][0] for n in added)])
        now = _installed(venv)
    except PipwardenError as exc:
        return False, f"restoring failed: {exc.message}"
    differ = sorted(n for n in set(now) | set(wanted) if now.get(n) != wanted.get(n))
    if differ:
        return False, "still different after restoring: " + ", ".join(differ[:5])
    done = ([f"{wanted[n][0]} {wanted[n][1]}" for n in changed]
            + [f"{found[n][0]} removed" for n in added])
    return True, "the venv is restored to what it was before (" + ", ".join(done) + ")"


def _failure(exc: PipFailedError, outcome: tuple[bool, str], venv: Path,
             restore: Path | None, index_args: Sequence[str]) -> PipFailedError:
    """The error to show: pip's reason, what became of the venv and, when it could not be
    put back, the command that does it by hand (with the same index options)."""
    back, what = outcome
    if back:
        return PipFailedError(f"{exc.message}; {what}", hint=exc.hint, exit_code=exc.exit_code)
    manual = (redact_text(shlex.join([str(venv_python(venv)), "-m", "pip", "install",
                                      "--no-deps", *index_args, "-r", str(restore)]))
              if restore is not None else f"rm -r {shlex.quote(str(venv))} and run again")
    return PipFailedError(
        f"{exc.message}; the venv could NOT be put back: {what}",
        hint=f"{exc.hint}\nto get the previous versions back: {manual}",
        exit_code=exc.exit_code,
    )


def _prepare_venv(options: UpdateOptions, project: Path, venv: Path, log_path: Path
                  ) -> tuple[bool, Path | None]:
    """(created, previous venv moved aside by --rebuild)."""
    if venv.exists() and not (venv / "pyvenv.cfg").is_file():
        raise UsageError(f"{venv} is not a virtual environment (no pyvenv.cfg): pipwarden "
                         "update only ever installs into a venv")
    if options.dry_run:
        if not venv.exists():
            raise UsageError(f"{venv} does not exist: run pipwarden update without --dry-run "
                             "to create it")
        return False, None
    previous: Path | None = None
    if options.rebuild and venv.exists():
        previous = venv.with_name(venv.name + ".previous")
        if previous.exists():
            shutil.rmtree(previous)
        venv.rename(previous)
        log.info("moved %s aside to %s", venv, previous)
    created = not venv.exists()
    if created:
        try:
            _create_venv(options.base_python, venv, log_path)
        except PipwardenError:
            _restore_previous(venv, previous)
            raise
    return created, previous


def _restore_previous(venv: Path, previous: Path | None) -> None:
    if previous is None:
        return
    if venv.exists():
        shutil.rmtree(venv, ignore_errors=True)
    previous.rename(venv)
    log.warning("the rebuild failed: the previous venv is back in place at %s", venv)


def run_update(
    options: UpdateOptions,
    *,
    settings: Settings,
    policy: Policy,
    project_data: ProjectData | None = None,
) -> UpdateReport:
    """Update the project's venv; see the module docstring for the steps."""
    project = options.project.resolve()
    if not project.is_dir():
        raise UsageError(f"{options.project}: not a folder")
    now = options.now or datetime.now(UTC)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    venv = _venv_path(options, policy, project)
    state = ensure_state_dir(project)
    log_path = state / "logs" / f"update-{stamp}.log"
    sources = _collect_sources(project, policy, state)
    for shown in sources.shown_index_options():
        log.warning("pip will use an index option from the project: %s", shown)
    hooks, held_hooks = _hooks(options, policy)
    source = project_data or default_project_data(settings.with_overrides(
        offline=options.offline or settings.offline))
    notes: list[str] = []

    history = list_history(project)
    last = load_snapshot(history[-1]) if history else None

    created, previous = _prepare_venv(options, project, venv, log_path)
    if options.dry_run and options.rebuild:
        notes.append("--rebuild ignored with --dry-run")

    def new_pip() -> _Pip:
        timeout = options.pip_timeout if options.pip_timeout is not None else settings.timeout
        return _Pip(venv, log_path, project, deadline=options.deadline, timeout=timeout)

    try:
        before = (take_snapshot(venv, now=now, label="before") if not created
                  else Snapshot(now, str(venv), None, (), "before"))
        if previous is not None:
            before = take_snapshot(previous, now=now, label="before")
        pip = new_pip()
        pip_version = pip.version()
        restore = _restore_file(state, before, stamp, sources) if before.packages else None
        index_args = _index_args(options)

        cooldown_args: list[str] = []
        cooldown: CooldownResult | None = None
        cooldown_days = options.cooldown_days if options.cooldown_days is not None \
            else policy.cooldown_days
        cutoff: datetime | None = None
        if cooldown_days:
            cutoff = now - timedelta(days=cooldown_days)
            if pip_version >= UPLOADED_PRIOR_TO_PIP and not options.no_index:
                cooldown_args = ["--uploaded-prior-to",
                                 cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
                cooldown = CooldownResult(cooldown_days, cutoff, "uploaded-prior-to")
            else:
                start = set(sources.names) | {p.name for p in before.packages}
                data = _closure_names(start, source)
                lines, excluded = _cooldown_constraints(data, cutoff)
                if any(data.values()):
                    constraints = state / "cooldown-constraints.txt"
                    atomic_write_text(constraints, "# releases newer than the cooldown cutoff "
                                      f"{cutoff.isoformat()}\n" + "".join(f"{x}\n" for x in lines))
                    cooldown_args = ["-c", str(constraints)]
                    cooldown = CooldownResult(cooldown_days, cutoff, "constraints",
                                              excluded=tuple(excluded))
                else:
                    log.warning("cooldown not enforced: no PyPI upload times available")
                    cooldown = CooldownResult(cooldown_days, cutoff, "unavailable")

        install = ["install", "--upgrade", "--upgrade-strategy", "eager", *index_args,
                   *cooldown_args, *sources.req_args]
        if options.dry_run:
            if pip_version < DRY_RUN_REPORT_PIP:
                raise UsageError(f"--dry-run needs pip {DRY_RUN_REPORT_PIP} or later in the "
                                 f"venv (it has {pip_version})")
            report_file = state / "logs" / f"dry-run-{stamp}.json"
            pip.run([*install[:1], "--dry-run", "--quiet", "--report", str(report_file),
                     *install[1:]])
            changes = _dry_run_changes(report_file, before)
            upgraded: list[Change] = []
            downgraded: list[Change] = []
            added: list[Change] = []
            for name, display, old, new in changes:
                if old is None:
                    added.append(Change(name, display, None, new))
                else:
                    change = Change(name, display, old, new, major=is_major_bump(old, new))
                    (upgraded if _sort_key(new) > _sort_key(old) else downgraded).append(change)
            return UpdateReport(
                project=str(project), venv=str(venv), started_at=now,
                sources=tuple(sources.labels), dry_run=True, pip_version=str(pip_version),
                upgraded=tuple(upgraded), downgraded=tuple(downgraded), added=tuple(added),
                cooldown=cooldown, log_path=str(log_path),
                previous_run=last.taken_at if last else None,
                package_count=len(before.packages), notes=tuple(notes),
                project_index_options=sources.shown_index_options(),
            )

        try:
            pip.run(["install", "--upgrade", *index_args, *cooldown_args, "pip"])
            pip_version = pip.version()
            pip.run(install)
        except PipFailedError as exc:
            if previous is not None:
                _restore_previous(venv, previous)
                previous = None
                raise PipFailedError(
                    f"{exc.message}; the previous venv is back in place", hint=exc.hint,
                    exit_code=exc.exit_code,
                ) from None
            outcome = _restore_venv(new_pip(), venv, before, restore, index_args)
            raise _failure(exc, outcome, venv, restore, index_args) from None
        except BaseException:  # interrupted while pip was changing the venv
            if previous is None:
                back, what = _restore_venv(new_pip(), venv, before, restore, index_args)
                (log.warning if back else log.error)("update interrupted: %s", what)
            raise
    except BaseException:
        _restore_previous(venv, previous)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)

    after = take_snapshot(venv, now=now, label="after")
    report = _finish(options, project, venv, now, sources, before, after, last, source,
                     settings, policy, hooks, cooldown, log_path, created,
                     str(pip_version), notes)
    return replace(report, hooks=report.hooks + tuple(HookResult(h, None) for h in held_hooks),
                   project_index_options=sources.shown_index_options())


def _finish(
    options: UpdateOptions, project: Path, venv: Path, now: datetime, sources: _Sources,
    before: Snapshot, after: Snapshot, last: Snapshot | None, source: ProjectData,
    settings: Settings, policy: Policy, hooks: tuple[str, ...],
    cooldown: CooldownResult | None, log_path: Path, created: bool, pip_version: str,
    notes: list[str],
) -> UpdateReport:
    old, new = before.by_name(), after.by_name()
    env_after = read_environment(venv)
    graph_after = DependencyGraph.from_environment(env_after, roots=sorted(sources.names))
    reach_after = graph_after._reach(graph_after.roots)

    upgraded: list[Change] = []
    downgraded: list[Change] = []
    added: list[Change] = []
    removed: list[Change] = []
    for name, package in new.items():
        prior = old.get(name)
        if prior is None:
            paths = graph_after.paths_to(name, limit=1)
            via = paths[0][:-1] if paths and len(paths[0]) > 1 else ()
            added.append(Change(name, package.display_name, None, package.version, via=via))
        elif prior.version != package.version:
            major = is_major_bump(prior.version, package.version)
            change = Change(name, package.display_name, prior.version, package.version,
                            major=major,
                            notes_url=release_notes_url(package.project_urls) if major else None)
            (upgraded if _sort_key(package.version) > _sort_key(prior.version)
             else downgraded).append(change)
    for name, prior in old.items():
        if name not in new:
            removed.append(Change(name, prior.display_name, prior.version, None))

    # packages the declared requirements needed before and no longer need
    orphaned: list[Change] = []
    if before.packages:
        from pipwarden.models import InstalledPackage

        graph_before = DependencyGraph.from_packages(
            [InstalledPackage(p.name, p.display_name, p.version, "", p.requires)
             for p in before.packages],
            python_version=env_after.python_version, roots=sorted(sources.names),
        )
        reach_before = graph_before._reach(graph_before.roots)
        for name in sorted((reach_before - reach_after) & set(new)):
            orphaned.append(Change(name, new[name].display_name, new[name].version,
                                   new[name].version))

    # PyPI data: held back, yanked, maintainers, cooldown check
    pypi = source.fetch_many(sorted(new)) if new else {}
    reachable = any(v for v in pypi.values())
    if not reachable:
        notes.append("PyPI not reachable (or offline): yanked releases and maintainer "
                     "changes not checked")
    local = _local_versions([*options.find_links, *_env_find_links()])
    latest: dict[str, Version] = {}
    for name in new:
        versions = available_versions(name, pypi.get(name), local)
        if versions:
            latest[name] = versions[-1]
    held = find_held_back(after, latest, sources.names,
                          cooldown_excluded=cooldown.excluded if cooldown else ())
    held = reportable_held_back(held, orphaned)
    yanked: list[YankedInstall] = []
    roles: dict[str, tuple[str, ...]] = {}
    for name, package in new.items():
        data = pypi.get(name)
        if not data:
            continue
        is_yanked, reason = _yanked(data, package.version)
        if is_yanked:
            yanked.append(YankedInstall(name, package.version, reason))
        found = _roles(data)
        if found is not None:
            roles[name] = found
    after = after.with_roles(roles)
    ownership: list[OwnershipChange] = []
    if last is not None:
        previous_roles = {p.name: p.roles for p in last.packages if p.roles is not None}
        for name, now_roles in sorted(roles.items()):
            was = previous_roles.get(name)
            if was is None:
                continue
            gained = tuple(sorted(set(now_roles) - set(was)))
            lost = tuple(sorted(set(was) - set(now_roles)))
            if gained or lost:
                ownership.append(OwnershipChange(name, gained, lost))

    if cooldown is not None:
        too_new, unknown = verify_cooldown(after, pypi, cooldown.cutoff)
        cooldown = CooldownResult(cooldown.days, cooldown.cutoff, cooldown.method,
                                  cooldown.excluded, too_new, unknown)
        for name, version, when in too_new:
            log.warning("%s %s was uploaded %s, after the cooldown cutoff", name, version,
                        when.isoformat())

    if options.vet and added:
        verdicts = _vet_new([c.name for c in added], settings.with_overrides(
            offline=options.offline or settings.offline))
        added = [Change(c.name, c.display_name, c.old, c.new, c.major, c.notes_url, c.via,
                        verdicts.get(c.name)) for c in added]

    save_snapshot(project, after)
    hook_results = _run_hooks(hooks, venv, project, log_path) if hooks else ()
    audit_settings = settings.with_overrides(offline=options.offline or settings.offline)
    audit = (_audit(venv, project, audit_settings, policy) if options.audit
             else AuditSummary(ran=False, reason="skipped with --no-audit"))
    return UpdateReport(
        project=str(project), venv=str(venv), started_at=now, sources=tuple(sources.labels),
        created=created, rebuilt=options.rebuild, pip_version=pip_version,
        upgraded=tuple(upgraded), downgraded=tuple(downgraded), added=tuple(added),
        removed=tuple(removed), orphaned=tuple(orphaned), held_back=held,
        yanked=tuple(yanked), ownership=tuple(ownership), cooldown=cooldown, audit=audit,
        hooks=hook_results, log_path=str(log_path),
        previous_run=last.taken_at if last else None, pypi_reachable=reachable,
        package_count=len(new), notes=tuple(notes),
    )


def _env_find_links() -> list[str]:
    """``PIP_FIND_LINKS`` (space separated), which pip reads from the environment too."""
    return os.environ.get("PIP_FIND_LINKS", "").split()
