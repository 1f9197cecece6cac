"""Environment checks: venv in use, project venv, pip guard, PEP 668, writable base Python.

doctor inspects its *own* interpreter here (never a scanned one): :class:`PythonInfo`
captures what it needs from :mod:`sys` and :mod:`sysconfig` so tests can pass another.
"""

from __future__ import annotations

import configparser
import os
import sys
import sysconfig
from collections.abc import Mapping
from pathlib import Path

from pipwarden.doctor.models import CheckResult, Status
from pipwarden.frozen import frozen

__all__ = [
    "PipConfigFile",
    "PythonInfo",
    "check_base_writable",
    "check_externally_managed",
    "check_interpreter_venv",
    "check_pip_guard",
    "check_project_venv",
    "enable_pip_guard",
    "pip_config_files",
    "pip_guard_source",
    "user_pip_config",
]

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f", ""}
# pip's system-wide config file on Unix (module-level so tests can point it elsewhere).
GLOBAL_PIP_CONFIG = Path("/etc/pip.conf")
DEFAULT_XDG_CONFIG_DIRS = "/etc/xdg"
FIX_PIP_GUARD = (
    "pipwarden doctor --fix   (or: export PIP_REQUIRE_VIRTUALENV=true in your shell profile)"
)


@frozen
class PythonInfo:
    """The facts about an interpreter that the checks use."""

    executable: str
    prefix: str
    base_prefix: str
    version: str
    stdlib: str
    base_purelib: str

    @property
    def is_venv(self) -> bool:
        return os.path.realpath(self.prefix) != os.path.realpath(self.base_prefix)

    @classmethod
    def current(cls) -> PythonInfo:
        """The interpreter running pipwarden."""
        base_vars = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
        return cls(
            executable=sys.executable,
            prefix=sys.prefix,
            base_prefix=sys.base_prefix,
            version=".".join(str(v) for v in sys.version_info[:3]),
            stdlib=sysconfig.get_path("stdlib"),
            base_purelib=sysconfig.get_path("purelib", vars=base_vars),
        )


@frozen
class PipConfigFile:
    """A pip configuration file pip would read, with its variant (global/user/site/env)."""

    variant: str
    path: Path


def _truthy(value: str) -> bool | None:
    v = value.strip().lower()
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    return None


def user_pip_config(environ: Mapping[str, str], home: Path) -> Path:
    """The user-level pip config that ``--fix`` writes: ``$XDG_CONFIG_HOME/pip/pip.conf``."""
    xdg = environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg else home / ".config"
    return base / "pip" / "pip.conf"


def pip_config_files(
    environ: Mapping[str, str], home: Path, *, python: PythonInfo | None = None
) -> list[PipConfigFile]:
    """pip's configuration files in its loading order (later ones win), existing or not.

    global (``XDG_CONFIG_DIRS``/pip/pip.conf, ``/etc/pip.conf``), user (``~/.pip/pip.conf``,
    ``$XDG_CONFIG_HOME/pip/pip.conf``; skipped when ``PIP_CONFIG_FILE`` names an existing
    file), site (``$VIRTUAL_ENV/pip.conf`` or the running venv's), then ``PIP_CONFIG_FILE``.
    """
    env_file = environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    files: list[PipConfigFile] = []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS") or DEFAULT_XDG_CONFIG_DIRS
    for folder in reversed([d for d in xdg_dirs.split(os.pathsep) if d]):
        files.append(PipConfigFile("global", Path(folder) / "pip" / "pip.conf"))
    files.append(PipConfigFile("global", GLOBAL_PIP_CONFIG))
    if not (env_file and Path(env_file).exists()):
        files.append(PipConfigFile("user", home / ".pip" / "pip.conf"))
        files.append(PipConfigFile("user", user_pip_config(environ, home)))
    venv = environ.get("VIRTUAL_ENV")
    if venv:
        files.append(PipConfigFile("site", Path(venv) / "pip.conf"))
    elif python is not None and python.is_venv:
        files.append(PipConfigFile("site", Path(python.prefix) / "pip.conf"))
    if env_file:
        files.append(PipConfigFile("env", Path(env_file)))
    return files


def read_pip_config(path: Path) -> configparser.RawConfigParser | None:
    """Parse one pip config file; ``None`` when it is missing or unreadable."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
        parser.read_string(text, source=str(path))
    except (OSError, configparser.Error):
        return None
    return parser


def pip_guard_source(
    environ: Mapping[str, str], home: Path, *, python: PythonInfo | None = None
) -> tuple[bool, str]:
    """Whether pip refuses installs outside a venv, and what says so (or why not)."""
    raw = environ.get("PIP_REQUIRE_VIRTUALENV")
    if raw is not None:
        value = _truthy(raw)
        if value:
            return True, "PIP_REQUIRE_VIRTUALENV is exported"
        return False, f"PIP_REQUIRE_VIRTUALENV is exported as {raw.strip()[:10]!r}, which is off"
    verdict: bool | None = None
    where = ""
    for cfg in pip_config_files(environ, home, python=python):
        parser = read_pip_config(cfg.path)
        if parser is None:
            continue
        for section in ("global", "install"):
            for key in ("require-virtualenv", "require_virtualenv"):
                if parser.has_option(section, key):
                    value = _truthy(parser.get(section, key) or "")
                    if value is not None:
                        verdict = value
                        where = (
                            f"require-virtualenv = {str(value).lower()} in {cfg.path} [{section}]"
                        )
    if verdict:
        return True, where
    if verdict is False:
        return False, where
    return False, "neither PIP_REQUIRE_VIRTUALENV nor require-virtualenv in any pip config file"


def check_interpreter_venv(python: PythonInfo) -> CheckResult:
    if python.is_venv:
        return CheckResult(
            "venv-in-use",
            Status.PASS,
            f"pipwarden runs in a venv ({python.prefix})",
            f"Python {python.version}",
        )
    return CheckResult(
        "venv-in-use",
        Status.WARN,
        f"pipwarden runs on a Python that is not a venv ({python.prefix})",
        "packages installed next to it land in the system or user site-packages",
        "pipx install pipwarden   (or install it into the project's .venv)",
    )


def check_project_venv(project: Path) -> CheckResult:
    for name in (".venv", "venv"):
        if (project / name / "pyvenv.cfg").is_file():
            return CheckResult(
                "project-venv",
                Status.PASS,
                f"the project has a venv ({name})",
                section="project",
            )
    return CheckResult(
        "project-venv",
        Status.WARN,
        "the project has no venv (.venv or venv with pyvenv.cfg)",
        f"in {project}",
        "python3 -m venv .venv   (or: bash scripts/init_and_update.sh)",
        section="project",
    )


def check_pip_guard(
    environ: Mapping[str, str], home: Path, *, python: PythonInfo | None = None
) -> CheckResult:
    on, why = pip_guard_source(environ, home, python=python)
    if on:
        return CheckResult("pip-guard", Status.PASS, "pip refuses to install outside a venv", why)
    return CheckResult(
        "pip-guard",
        Status.WARN,
        "pip would install outside a venv",
        why,
        FIX_PIP_GUARD,
    )


def check_externally_managed(python: PythonInfo) -> CheckResult:
    marker = Path(python.stdlib) / "EXTERNALLY-MANAGED"
    if marker.is_file():
        return CheckResult(
            "pep668",
            Status.INFO,
            "the base Python is marked externally managed (PEP 668)",
            f"{marker}: pip refuses system-wide installs there unless forced",
        )
    return CheckResult(
        "pep668",
        Status.INFO,
        "the base Python has no PEP 668 marker",
        "nothing but the pip guard stops `pip install` into it",
    )


def check_base_writable(python: PythonInfo) -> CheckResult:
    purelib = python.base_purelib
    if Path(purelib).is_dir() and os.access(purelib, os.W_OK):
        return CheckResult(
            "base-writable",
            Status.WARN,
            "the base Python's site-packages is writable by you",
            f"{purelib}: a stray `pip install` outside a venv changes every tool using it",
            FIX_PIP_GUARD.split("   ")[0] + "   and install tools with pipx",
        )
    return CheckResult(
        "base-writable",
        Status.PASS,
        "the base Python's site-packages is read-only for you",
        purelib,
    )


def _guard_text(old: str) -> str:
    """``old`` with ``require-virtualenv = true`` in force, every other line untouched.

    An existing off value under ``[global]`` or ``[install]`` is switched on; otherwise the
    setting is added under ``[global]`` (created at the end when missing).
    """
    lines = old.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    section = None
    global_at: int | None = None
    has_global_key = False
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            if section == "global" and global_at is None:
                global_at = i
            continue
        key, sep, value = stripped.replace(":", "=", 1).partition("=")
        if section not in {"global", "install"} or not sep:
            continue
        if key.strip().lower() not in {"require-virtualenv", "require_virtualenv"}:
            continue
        has_global_key = has_global_key or section == "global"
        if not _truthy(value):
            lines[i] = "require-virtualenv = true\n"
    if not has_global_key:
        if global_at is not None:
            lines.insert(global_at + 1, "require-virtualenv = true\n")
        else:
            if lines and lines[-1].strip():
                lines.append("\n")
            lines.append("[global]\nrequire-virtualenv = true\n")
    return "".join(lines)


def enable_pip_guard(path: Path) -> bool:
    """Write ``require-virtualenv = true`` under ``[global]`` of ``path``, atomically.

    Keeps every other line (comments included). Returns ``False`` when nothing changed.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    new = _guard_text(old)
    if new == old:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # (only when writing: it imports shutil and random)

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(new)
            fh.flush()
            os.fsync(fh.fileno())
        if path.exists():
            Path(tmp).chmod(path.stat().st_mode & 0o777)
        else:
            Path(tmp).chmod(0o644)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return True
