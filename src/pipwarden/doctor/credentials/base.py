"""What every credential detector shares: the :class:`Context` it looks in, the
:class:`Detector` record, bounded readers (text, INI, JSON, TOML) that never log what they
read, the secret-name and token-shape patterns, and the finding constructor."""

from __future__ import annotations

import configparser
import json
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from pipwarden.doctor.models import CredentialFinding, Lifetime, Status
from pipwarden.frozen import frozen
from pipwarden.log import get_logger

__all__ = [
    "SECRET_NAME",
    "TOKEN_SHAPE",
    "Context",
    "Detector",
    "Finder",
    "secret_named",
]

log = get_logger(__name__)


_MAX_READ = 2 * 1024 * 1024

SECRET_NAME = re.compile(
    r"TOKEN(?!IZ)|SECRET|PASSWORD|PASSWD|PASSPHRASE|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|"
    r"CREDENTIALS?\b|CLIENT_?KEY|AUTH_?KEY",
    re.IGNORECASE,
)
# Names that hold a path, a URL or an id rather than the secret itself.
_NOT_A_SECRET_NAME = re.compile(r"(_PATH|_FILE|_DIR|_HOME|_ID|_URL|_TYPE|_LENGTH)$", re.I)
# Strings shaped like well-known tokens (used on history files and agent configs).
TOKEN_SHAPE = re.compile(
    r"\b(?:AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|"
    r"pypi-[A-Za-z0-9_-]{20,}|hf_[A-Za-z0-9]{20,}|dapi[0-9a-f]{20,}|xox[abposr]-[\w-]{10,}|"
    r"sk-[A-Za-z0-9_-]{20,}|AIza[0-9A-Za-z_-]{30,}|glpat-[\w-]{20,}|npm_[A-Za-z0-9]{20,})"
)
_URL_USERINFO = re.compile(
    r"(?P<scheme>[a-z][a-z0-9+.-]*)://(?P<userinfo>[^/@\s]+)@(?P<host>[^/\s:]+)", re.I
)


@frozen
class Context:
    """Where detectors look: a HOME, an environment, and the project folder."""

    home: Path
    environ: Mapping[str, str]
    project: Path | None = None

    def show(self, path: Path) -> str:
        """A path for reports: ``~/…`` under HOME, relative under the project."""
        if self.project is not None:
            try:
                return str(path.relative_to(self.project)) or "."
            except ValueError:
                pass
        try:
            return "~/" + str(path.relative_to(self.home))
        except ValueError:
            return str(path)

    def env_path(self, var: str, default: Path) -> Path:
        value = self.environ.get(var)
        return Path(value).expanduser() if value else default

    @property
    def xdg_config(self) -> Path:
        return self.env_path("XDG_CONFIG_HOME", self.home / ".config")


Finder = Callable[[Context], Iterable[CredentialFinding]]


@frozen
class Detector:
    """One location kind of the credential table, and the function that finds it."""

    id: str
    scope: str  # "machine" or "project"
    covers: str
    find: Finder


# -- small readers ----------------------------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        if not path.is_file():
            return None
        with path.open("rb") as fh:
            data = fh.read(_MAX_READ)
    except OSError:
        return None
    return data.decode("utf-8", errors="replace")


def _ini(path: Path) -> configparser.RawConfigParser | None:
    text = _read(path)
    if text is None:
        return None
    parser = configparser.RawConfigParser(
        strict=False, interpolation=None, default_section="\x00none"
    )
    try:
        parser.read_string(text, source=str(path))
    except configparser.Error:
        log.warning("%s: not a readable INI file, skipped", path)
        return None
    return parser


def _json(path: Path) -> Any:
    text = _read(path)
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        log.warning("%s: not valid JSON, skipped", path)
        return None


def _toml(path: Path) -> dict[str, Any] | None:
    text = _read(path)
    if text is None:
        return None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        log.warning("%s: not valid TOML, skipped", path)
        return None


def _filled(value: object) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_reference(value: str) -> bool:
    """A value that points at a secret elsewhere: ``${VAR}``, ``$VAR``, ``env_var(…)``."""
    v = value.strip().strip("'\"")
    return v.startswith(("$", "{{", "env:")) or "env_var(" in v


def secret_named(name: str) -> bool:
    """An environment or config key whose name says it holds a secret."""
    return bool(SECRET_NAME.search(name)) and not _NOT_A_SECRET_NAME.search(name)


def _finding(
    detector: str,
    location: str,
    kind: str,
    lifetime: Lifetime,
    grants: str,
    fix: str,
    status: Status,
    *,
    provider: str | None = None,
    identities: Iterable[str] = (),
    scope: str = "machine",
) -> CredentialFinding:
    return CredentialFinding(
        detector,
        location,
        kind,
        lifetime,
        grants,
        fix,
        status,
        provider,
        tuple(identities),
        scope,
    )
