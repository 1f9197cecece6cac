"""Read an installed environment's metadata from disk, without running its Python.

A small reader for what ``slim`` needs: names, versions, ``Requires-Dist``, console
scripts, and the import names each distribution provides (``top_level.txt`` and
``RECORD``, so that namespace packages such as ``google.cloud.bigquery`` map to
``google-cloud-bigquery`` rather than to every ``google-*`` distribution).
"""

from __future__ import annotations

import configparser
import csv
import email.parser
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from pipwarden.models import Environment, InstalledPackage

__all__ = [
    "InstalledEnvironment",
    "find_venv",
    "module_names_from_record",
    "read_installed",
]

logger = logging.getLogger(__name__)

_VENV_NAMES = (".venv", "venv", "env", ".env")
_MODULE_SUFFIX_RE = re.compile(r"\.(py|pyc|so|pyd)$")


@dataclass(frozen=True)
class InstalledEnvironment:
    """An environment plus, per distribution, the dotted module names it provides."""

    environment: Environment
    modules: dict[str, tuple[str, ...]]

    @property
    def packages(self) -> dict[str, InstalledPackage]:
        return {p.name: p for p in self.environment.packages}


def find_venv(project: Path) -> Path | None:
    """The project's virtual environment folder (``.venv``, ``venv``, ``env``), if any."""
    for name in _VENV_NAMES:
        candidate = project / name
        if (candidate / "pyvenv.cfg").is_file():
            return candidate
    return None


def _site_packages(prefix: Path) -> list[Path]:
    found = sorted(prefix.glob("lib/python*/site-packages")) + sorted(
        prefix.glob("lib64/python*/site-packages")
    )
    windows = prefix / "Lib" / "site-packages"
    if windows.is_dir():
        found.append(windows)
    if not found and prefix.name == "site-packages":
        found.append(prefix)
    seen: list[Path] = []
    for path in found:
        if path.resolve() not in [p.resolve() for p in seen]:
            seen.append(path)
    return seen


def _python_version(prefix: Path) -> str | None:
    cfg = prefix / "pyvenv.cfg"
    if not cfg.is_file():
        return None
    for line in cfg.read_text(encoding="utf-8", errors="replace").splitlines():
        key, _, value = line.partition("=")
        if key.strip() in {"version_info", "version"}:
            return value.strip()
    return None


def module_names_from_record(paths: list[str]) -> tuple[str, ...]:
    """Dotted module and package names from the file paths of a ``RECORD``.

    ``google/cloud/bigquery/client.py`` gives ``google``, ``google.cloud``,
    ``google.cloud.bigquery`` and ``google.cloud.bigquery.client``; metadata folders,
    ``__pycache__`` and files outside site-packages are ignored.
    """
    names: set[str] = set()
    for raw in paths:
        path = raw.replace("\\", "/")
        if path.startswith(("../", "/")) or "__pycache__" in path:
            continue
        parts = path.split("/")
        if parts[0].endswith((".dist-info", ".egg-info", ".data")):
            continue
        if not _MODULE_SUFFIX_RE.search(parts[-1]):
            continue
        stem = parts[-1].split(".", 1)[0]
        dotted = [*parts[:-1], stem] if stem != "__init__" else parts[:-1]
        if not dotted or not all(p.isidentifier() for p in dotted):
            continue
        for end in range(1, len(dotted) + 1):
            names.add(".".join(dotted[:end]))
    return tuple(sorted(names))


def _read_dist_info(folder: Path) -> tuple[InstalledPackage, tuple[str, ...]] | None:
    meta_file = folder / "METADATA"
    if not meta_file.is_file():
        meta_file = folder / "PKG-INFO"
    if not meta_file.is_file():
        return None
    text = meta_file.read_text(encoding="utf-8", errors="replace")
    meta = email.parser.Parser().parsestr(text, headersonly=True)
    display = (meta.get("Name") or "").strip()
    if not display:
        logger.warning("%s: no Name in metadata, skipped", meta_file)
        return None
    top_level: tuple[str, ...] = ()
    top_file = folder / "top_level.txt"
    if top_file.is_file():
        top_level = tuple(
            line.strip().replace("/", ".")
            for line in top_file.read_text(encoding="utf-8", errors="replace").splitlines()
            if line.strip()
        )
    scripts: list[str] = []
    ep_file = folder / "entry_points.txt"
    if ep_file.is_file():
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(ep_file.read_text(encoding="utf-8", errors="replace"))
        except configparser.Error as exc:
            logger.warning("%s: unreadable entry points (%s)", ep_file, exc)
        for section in ("console_scripts", "gui_scripts"):
            if parser.has_section(section):
                scripts.extend(k.strip() for k in parser.options(section))
    record_paths: list[str] = []
    record = folder / "RECORD"
    if record.is_file():
        with record.open(encoding="utf-8", errors="replace", newline="") as fh:
            record_paths = [row[0] for row in csv.reader(fh) if row]
    modules = set(module_names_from_record(record_paths))
    modules.update(t for t in top_level if t and all(p.isidentifier() for p in t.split(".")))
    package = InstalledPackage(
        name=canonicalize_name(display),
        display_name=display,
        version=(meta.get("Version") or "").strip(),
        metadata_path=str(folder),
        requires_dist=tuple(meta.get_all("Requires-Dist") or ()),
        top_level=top_level,
        console_scripts=tuple(sorted(set(scripts))),
    )
    return package, tuple(sorted(modules))


def read_installed(prefix: Path) -> InstalledEnvironment:
    """Every distribution installed in the venv (or site-packages folder) ``prefix``."""
    sites = _site_packages(prefix)
    packages: dict[str, InstalledPackage] = {}
    modules: dict[str, tuple[str, ...]] = {}
    for site in sites:
        for folder in sorted(site.glob("*.dist-info")):
            read = _read_dist_info(folder)
            if read is None:
                continue
            package, names = read
            if package.name in packages:
                continue
            packages[package.name] = package
            modules[package.name] = names
    env = Environment(
        prefix=str(prefix),
        site_packages=tuple(str(s) for s in sites),
        packages=tuple(packages[k] for k in sorted(packages)),
        python_version=_python_version(prefix),
        is_venv=(prefix / "pyvenv.cfg").is_file(),
    )
    return InstalledEnvironment(env, modules)
