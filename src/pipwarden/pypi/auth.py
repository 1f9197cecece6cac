"""Credentials and CA bundle for a private index, found where pip users already keep them.

A private index (Artifactory, Nexus, devpi, GitLab) that pipwarden is pointed at through
``PIPWARDEN_PYPI_URL`` usually needs the same login pip uses. Looked up, in order:

1. user info in the configured URL itself (``https://user:token@host/…``);
2. ``~/.netrc`` (or ``$NETRC``), the ``machine`` entry for the host;
3. pip's configuration: ``PIP_INDEX_URL`` / ``PIP_EXTRA_INDEX_URL`` and the ``index-url`` /
   ``extra-index-url`` of the user's and the machine's pip.conf (and ``PIP_CONFIG_FILE``),
   when one of them is on the same scheme, host and port and carries user info.

The CA bundle comes from ``PIP_CERT``, ``REQUESTS_CA_BUNDLE``, ``SSL_CERT_FILE`` or pip's
``cert`` setting. Only the user's own configuration is read, never a file of the scanned
project (a venv's ``pip.conf`` lives in the project and may be hostile). Credentials are
returned as values for an ``Authorization`` header; nothing here prints or logs them, and
the HTTP client sends them to that host only (never across a redirect to another host).
"""

from __future__ import annotations

import base64
import configparser
import netrc
import os
from collections.abc import Iterable, Mapping
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit, urlunsplit

from pipwarden.frozen import frozen

if TYPE_CHECKING:
    import ssl

__all__ = ["IndexAuth", "authorization_for", "ca_bundle", "index_auth", "strip_userinfo"]

_CA_VARIABLES = ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")


@frozen
class IndexAuth:
    """What a request to one index needs: the URL without user info, an Authorization value
    (``None`` when anonymous) and where the credentials came from (never the value)."""

    url: str
    authorization: str | None = field(default=None, repr=False)
    source: str | None = None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default


def strip_userinfo(url: str) -> str:
    """``url`` without ``user:password@``."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _basic(user: str, password: str) -> str:
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    return f"Basic {token}"


def _from_userinfo(url: str) -> str | None:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return None
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    if not user and not password:
        return None
    return _basic(user, password)


def _from_netrc(host: str, environ: Mapping[str, str], home: Path) -> str | None:
    path = Path(environ["NETRC"]) if environ.get("NETRC") else home / ".netrc"
    if not path.is_file():
        return None
    try:
        entry = netrc.netrc(str(path)).authenticators(host)
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError):
        return None  # never quote the file: it holds passwords
    if entry is None:
        return None
    login, _account, password = entry
    return _basic(login or "", password or "")


def _pip_config_files(environ: Mapping[str, str], home: Path) -> list[Path]:
    """pip's global, then user configuration files (later ones win), then PIP_CONFIG_FILE.

    As in pip, ``PIP_CONFIG_FILE=/dev/null`` means no configuration file at all.
    """
    if environ.get("PIP_CONFIG_FILE") == os.devnull:
        return []
    xdg_dirs = environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")
    files = [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files.append(Path("/etc/pip.conf"))
    config_home = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
    files += [home / ".pip" / "pip.conf", config_home / "pip" / "pip.conf"]
    if environ.get("PIP_CONFIG_FILE") and environ["PIP_CONFIG_FILE"] != os.devnull:
        files.append(Path(environ["PIP_CONFIG_FILE"]))
    return files


def _pip_settings(environ: Mapping[str, str], home: Path) -> dict[str, str]:
    """The index and cert settings of pip's [global] and [install] sections, env last."""
    values: dict[str, str] = {}
    for path in _pip_config_files(environ, home):
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in ("global", "install"):
            if parser.has_section(section):
                for key in ("index-url", "extra-index-url", "cert"):
                    if parser.has_option(section, key):
                        values[key] = parser.get(section, key)
    for key, variable in (
        ("index-url", "PIP_INDEX_URL"),
        ("extra-index-url", "PIP_EXTRA_INDEX_URL"),
        ("cert", "PIP_CERT"),
    ):
        if environ.get(variable):
            values[key] = environ[variable]
    return values


def _pip_index_urls(settings: Mapping[str, str]) -> Iterable[str]:
    for key in ("index-url", "extra-index-url"):
        yield from settings.get(key, "").split()


def index_auth(
    url: str, *, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> IndexAuth:
    """The credentials to send to ``url``'s host, from the places the module docstring lists."""
    env = dict(os.environ) if environ is None else environ
    home_dir = home if home is not None else Path(env.get("HOME") or Path.home())
    bare = strip_userinfo(url)
    own = _from_userinfo(url)
    if own is not None:
        return IndexAuth(bare, own, "the configured URL")
    origin = _origin(url)
    if not origin[1]:
        return IndexAuth(bare)
    from_netrc = _from_netrc(origin[1], env, home_dir)
    if from_netrc is not None:
        return IndexAuth(bare, from_netrc, "netrc")
    for candidate in _pip_index_urls(_pip_settings(env, home_dir)):
        if _origin(candidate) == origin:
            found = _from_userinfo(candidate)
            if found is not None:
                return IndexAuth(bare, found, "pip configuration")
    return IndexAuth(bare)


def authorization_for(
    request_url: str, auth: IndexAuth
) -> str | None:
    """The Authorization value for ``request_url`` when it is on the index's own origin."""
    if auth.authorization is None:
        return None
    return auth.authorization if _origin(request_url) == _origin(auth.url) else None


def ca_bundle(
    *, environ: Mapping[str, str] | None = None, home: Path | None = None
) -> ssl.SSLContext | None:
    """An SSL context trusting the user's CA bundle, or ``None`` for the system default."""
    env = dict(os.environ) if environ is None else environ
    home_dir = home if home is not None else Path(env.get("HOME") or Path.home())
    path = next((env[v] for v in _CA_VARIABLES if env.get(v)), None)
    if path is None:
        path = _pip_settings(env, home_dir).get("cert")
    if not path:
        return None
    import ssl  # only when a request is made with the user's CA bundle

    bundle = Path(path).expanduser()
    if bundle.is_dir():
        return ssl.create_default_context(capath=str(bundle))
    if bundle.is_file():
        return ssl.create_default_context(cafile=str(bundle))
    return None
