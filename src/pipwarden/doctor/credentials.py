"""Credentials lying around a developer machine: one small detector per location kind.

Each detector reads only what it needs to classify a credential (a key-id prefix, a JSON
``type`` field, whether a key file is encrypted, the *names* of keys) and returns
:class:`CredentialFinding` values that hold no secret: not the value, not a masked part of
it. Nothing read here is logged. The registry :data:`DETECTORS` lists them all; each one
says whether it looks at the machine (``HOME``, environment) or at the project folder.
"""

from __future__ import annotations

import base64
import configparser
import json
import logging
import os
import re
import sqlite3
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipwarden import gitindex
from pipwarden.doctor.checks import pip_config_files
from pipwarden.doctor.models import CredentialFinding, Lifetime, Status
from pipwarden.yamlscan import scan_yaml

__all__ = [
    "DETECTORS",
    "SECRET_NAME",
    "Context",
    "Detector",
    "find_credentials",
]

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


# -- AWS --------------------------------------------------------------------------------

_AWS_GRANTS = "whatever the IAM user or role allows (often admin on a dev laptop)"
_AWS_FIX_KEYS = "aws configure sso, then delete these keys from the file and deactivate them in IAM"


def _aws_key_kind(key_id: str, has_token: bool) -> tuple[str, Lifetime, Status]:
    prefix = key_id.strip()[:4].upper()
    if prefix == "AKIA":
        return "AWS access key of an IAM user (AKIA)", Lifetime.LONG, Status.FAIL
    if prefix == "ASIA":
        extra = " + session token" if has_token else " without a session token"
        return f"temporary AWS STS keys (ASIA{extra})", Lifetime.SHORT, Status.INFO
    return "AWS access key of an unknown kind", Lifetime.UNKNOWN, Status.WARN


def _aws_sections(
    parser: configparser.RawConfigParser, *, config: bool
) -> Iterator[tuple[str, Any]]:
    for section in parser.sections():
        name = section
        if config:
            if section.startswith("sso-session"):
                continue
            name = section.removeprefix("profile ").strip()
        yield name, parser[section]


def _find_aws_files(ctx: Context) -> Iterator[CredentialFinding]:
    creds = ctx.env_path("AWS_SHARED_CREDENTIALS_FILE", ctx.home / ".aws" / "credentials")
    config = ctx.env_path("AWS_CONFIG_FILE", ctx.home / ".aws" / "config")
    for path, is_config in ((creds, False), (config, True)):
        parser = _ini(path)
        if parser is None:
            continue
        pointer_profiles: list[str] = []
        for profile, section in _aws_sections(parser, config=is_config):
            key_id = section.get("aws_access_key_id", "")
            has_secret = _filled(section.get("aws_secret_access_key", ""))
            if _filled(key_id) or has_secret:
                kind, life, status = _aws_key_kind(
                    key_id, _filled(section.get("aws_session_token", ""))
                )
                if is_config:
                    kind += ", pasted into the config file"
                fix = (
                    _AWS_FIX_KEYS
                    if life is Lifetime.LONG
                    else "aws configure sso (and let the keys expire)"
                )
                yield _finding(
                    "aws-credentials" if not is_config else "aws-config",
                    f"{ctx.show(path)} [{profile}]",
                    kind,
                    life,
                    _AWS_GRANTS,
                    fix,
                    status,
                    provider="aws",
                    identities=[profile],
                )
            elif any(
                k in section
                for k in ("sso_session", "sso_start_url", "role_arn", "credential_process")
            ):
                pointer_profiles.append(profile)
        if pointer_profiles:
            yield _finding(
                "aws-config",
                ctx.show(path),
                f"{len(pointer_profiles)} AWS profile(s) using SSO, roles or credential_process",
                Lifetime.POINTER,
                "role credentials minted on demand for each profile",
                "nothing to remove; keep one machine or dev container per client",
                Status.INFO,
                provider="aws",
                identities=pointer_profiles,
            )


def _find_aws_caches(ctx: Context) -> Iterator[CredentialFinding]:
    base = ctx.home / ".aws"
    for sub, field, kind, grants, fix in (
        (
            "sso/cache",
            "expiresAt",
            "cached AWS IAM Identity Center (SSO) token",
            "role credentials for every account and permission set assigned to you",
            "aws sso logout when you stop working",
        ),
        (
            "cli/cache",
            "Credentials",
            "cached AWS STS credentials from assume-role",
            "the assumed role's permissions until they expire",
            "rm -r ~/.aws/cli/cache when done",
        ),
    ):
        folder = base / sub
        files = sorted(folder.glob("*.json")) if folder.is_dir() else []
        if not files:
            continue
        with_field = sum(1 for f in files if isinstance(d := _json(f), dict) and field in d)
        yield _finding(
            "aws-sso-cache" if sub.startswith("sso") else "aws-cli-cache",
            f"{ctx.show(folder)} ({len(files)} file(s), {with_field} with {field})",
            kind,
            Lifetime.SHORT,
            grants,
            fix,
            Status.INFO,
            provider="aws",
        )


def _find_aws_env(ctx: Context) -> Iterator[CredentialFinding]:
    env = ctx.environ
    key_id = env.get("AWS_ACCESS_KEY_ID", "")
    if not (_filled(key_id) or _filled(env.get("AWS_SECRET_ACCESS_KEY", ""))):
        return
    kind, life, status = _aws_key_kind(key_id, _filled(env.get("AWS_SESSION_TOKEN", "")))
    yield _finding(
        "aws-env",
        "env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY",
        kind,
        life,
        _AWS_GRANTS + "; inherited by every child process, pip build backends included",
        "unset them; use aws configure sso and AWS_PROFILE instead",
        status,
        provider="aws",
        identities=["environment"],
    )


# -- Google Cloud -----------------------------------------------------------------------


def _gcloud_dir(ctx: Context) -> Path:
    return ctx.env_path("CLOUDSDK_CONFIG", ctx.xdg_config / "gcloud")


def _google_json_kind(data: Any) -> tuple[str, Lifetime, Status, str]:
    kind = data.get("type") if isinstance(data, dict) else None
    if kind == "service_account":
        return (
            "Google service-account key",
            Lifetime.LONG,
            Status.FAIL,
            "delete the key (gcloud iam service-accounts keys delete) and use "
            "gcloud auth application-default login or workload identity federation",
        )
    if kind == "authorized_user":
        return (
            "Google user refresh token (authorized_user)",
            Lifetime.LONG,
            Status.WARN,
            "gcloud auth application-default revoke when you stop working on this machine",
        )
    if kind == "impersonated_service_account":
        return (
            "Google impersonation credential (holds a user refresh token)",
            Lifetime.LONG,
            Status.WARN,
            "gcloud auth application-default revoke when done",
        )
    if kind == "external_account":
        return (
            "Google workload identity federation config",
            Lifetime.POINTER,
            Status.INFO,
            "nothing to do: no stored secret",
        )
    return (
        "Google credential file of an unknown type",
        Lifetime.UNKNOWN,
        Status.WARN,
        ("check what it is and delete it if unused"),
    )


_GCP_GRANTS = "your Google Cloud IAM permissions (or the service account's) on every project"


def _find_gcp_adc(ctx: Context) -> Iterator[CredentialFinding]:
    path = _gcloud_dir(ctx) / "application_default_credentials.json"
    data = _json(path)
    if data is None:
        return
    kind, life, status, fix = _google_json_kind(data)
    yield _finding(
        "gcp-adc",
        ctx.show(path),
        f"Application Default Credentials: {kind}",
        life,
        _GCP_GRANTS,
        fix,
        status,
        provider="gcp",
        identities=["adc service account"] if status is Status.FAIL else [],
    )


def _gcloud_account_count(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return 0
    try:
        row = conn.execute("SELECT COUNT(*) FROM credentials").fetchone()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0
    finally:
        conn.close()


def _find_gcloud(ctx: Context) -> Iterator[CredentialFinding]:
    base = _gcloud_dir(ctx)
    db = base / "credentials.db"
    legacy = base / "legacy_credentials"
    db_count = _gcloud_account_count(db) if db.is_file() else 0
    legacy_count = sum(1 for p in legacy.iterdir() if p.is_dir()) if legacy.is_dir() else 0
    count = max(db_count, legacy_count)
    if count:
        where = ctx.show(db) if db.is_file() else ctx.show(legacy)
        yield _finding(
            "gcloud-accounts",
            f"{where} ({count} account(s))",
            "gcloud CLI logins (refresh tokens)",
            Lifetime.LONG,
            _GCP_GRANTS,
            "gcloud auth revoke ACCOUNT for each account you no longer need here",
            Status.WARN,
            provider="gcp",
            identities=[f"gcloud account {i}" for i in range(1, count + 1)],
        )
    # Service-account key files kept in the gcloud folder or its legacy credentials.
    candidates = list(base.glob("*.json")) + list(legacy.glob("*/*.json"))
    for path in sorted(candidates):
        if path.name == "application_default_credentials.json":
            continue
        data = _json(path)
        if isinstance(data, dict) and data.get("type") == "service_account":
            kind, life, status, fix = _google_json_kind(data)
            yield _finding(
                "gcp-sa-key",
                ctx.show(path),
                kind,
                life,
                _GCP_GRANTS,
                fix,
                status,
                provider="gcp",
                identities=[f"service account key {path.name}"],
            )


def _find_gcp_env(ctx: Context) -> Iterator[CredentialFinding]:
    target = ctx.environ.get("GOOGLE_APPLICATION_CREDENTIALS", "")
    if target.strip():
        data = _json(Path(target).expanduser())
        if data is None:
            yield _finding(
                "gcp-env",
                "env GOOGLE_APPLICATION_CREDENTIALS",
                "points at a missing file",
                Lifetime.POINTER,
                "nothing now",
                "unset GOOGLE_APPLICATION_CREDENTIALS",
                Status.INFO,
                provider="gcp",
            )
        else:
            kind, life, status, fix = _google_json_kind(data)
            yield _finding(
                "gcp-env",
                "env GOOGLE_APPLICATION_CREDENTIALS",
                f"points at a {kind}",
                life,
                _GCP_GRANTS,
                fix,
                status,
                provider="gcp",
                identities=["GOOGLE_APPLICATION_CREDENTIALS"] if status is Status.FAIL else [],
            )
    for name in ("CLOUDSDK_AUTH_ACCESS_TOKEN", "GOOGLE_OAUTH_ACCESS_TOKEN"):
        if _filled(ctx.environ.get(name, "")):
            yield _finding(
                "gcp-env",
                f"env {name}",
                "Google OAuth access token",
                Lifetime.SHORT,
                _GCP_GRANTS,
                f"unset {name} when done",
                Status.INFO,
                provider="gcp",
            )


# -- Azure ------------------------------------------------------------------------------


def _find_azure(ctx: Context) -> Iterator[CredentialFinding]:
    base = ctx.env_path("AZURE_CONFIG_DIR", ctx.home / ".azure")
    for name in ("msal_token_cache.json", "accessTokens.json"):
        path = base / name
        if not path.is_file():
            continue
        data = _json(path)
        accounts = len(data.get("Account") or {}) if isinstance(data, dict) else 0
        yield _finding(
            "azure-tokens",
            ctx.show(path),
            "Azure CLI token cache (refresh tokens, plain text)",
            Lifetime.LONG,
            "Azure Resource Manager, Graph and storage as the signed-in accounts",
            "az logout when you stop working here",
            Status.WARN,
            provider="azure",
            identities=[f"azure account {i}" for i in range(1, accounts + 1)],
        )
    path = base / "service_principal_entries.json"
    if path.is_file():
        yield _finding(
            "azure-sp",
            ctx.show(path),
            "Azure service-principal secret or certificate path",
            Lifetime.LONG,
            "whatever roles the service principal holds",
            "az logout, then rotate the secret; prefer workload identity federation",
            Status.FAIL,
            provider="azure",
            identities=["service principal"],
        )


def _find_azure_env(ctx: Context) -> Iterator[CredentialFinding]:
    for name, status in (
        ("AZURE_CLIENT_SECRET", Status.FAIL),
        ("ARM_CLIENT_SECRET", Status.FAIL),
        ("AZURE_CLIENT_CERTIFICATE_PATH", Status.WARN),
    ):
        if _filled(ctx.environ.get(name, "")):
            yield _finding(
                "azure-env",
                f"env {name}",
                "Azure service principal credential",
                Lifetime.LONG,
                "whatever roles the service principal holds",
                f"unset {name}; use az login or workload identity federation",
                status,
                provider="azure",
                identities=["service principal (env)"],
            )


# -- Kubernetes, Docker, netrc ------------------------------------------------------------


def _find_kube(ctx: Context) -> Iterator[CredentialFinding]:
    raw = ctx.environ.get("KUBECONFIG")
    paths = (
        [Path(p).expanduser() for p in raw.split(os.pathsep) if p]
        if raw
        else [ctx.home / ".kube" / "config"]
    )
    for path in paths:
        text = _read(path)
        if text is None:
            continue
        users: dict[str, dict[str, object]] = {}
        for entry in scan_yaml(text):
            if len(entry.path) >= 2 and entry.path[0] == "users":
                item = users.setdefault(entry.path[1], {})
                if len(entry.path) == 2 and entry.key == "name":
                    item["name"] = entry.value
                elif len(entry.path) == 3 and entry.path[2] == "user":
                    item[entry.key] = bool(entry.value) or entry.key in {"exec", "auth-provider"}
        for item in users.values():
            name = str(item.get("name") or "?")
            static = [
                k for k in ("token", "client-key-data", "password", "client-key") if item.get(k)
            ]
            if static:
                yield _finding(
                    "kubeconfig",
                    f"{ctx.show(path)} [user {name}]",
                    f"Kubernetes static credential ({', '.join(static)})",
                    Lifetime.LONG,
                    "access to the cluster as this user (bootstrap kubeconfigs are cluster-admin)",
                    "use an exec plugin (gke-gcloud-auth-plugin, aws eks get-token, kubelogin)",
                    Status.WARN,
                    provider="kubernetes",
                    identities=[name],
                )
            elif item.get("exec") or item.get("auth-provider"):
                yield _finding(
                    "kubeconfig",
                    f"{ctx.show(path)} [user {name}]",
                    "Kubernetes exec/auth-provider login",
                    Lifetime.SHORT,
                    "access to the cluster through short-lived tokens",
                    "nothing to do",
                    Status.INFO,
                    provider="kubernetes",
                    identities=[name],
                )


def _find_docker(ctx: Context) -> Iterator[CredentialFinding]:
    path = ctx.env_path("DOCKER_CONFIG", ctx.home / ".docker") / "config.json"
    data = _json(path)
    if not isinstance(data, dict):
        return
    raw_auths = data.get("auths")
    auths: dict[str, Any] = raw_auths if isinstance(raw_auths, dict) else {}
    inline = sorted(
        reg
        for reg, val in auths.items()
        if isinstance(val, dict) and (_filled(val.get("auth")) or _filled(val.get("identitytoken")))
    )
    if inline:
        yield _finding(
            "docker",
            f"{ctx.show(path)} ({len(inline)} registr{'y' if len(inline) == 1 else 'ies'}: "
            f"{', '.join(inline)})",
            "registry password or token stored inline (base64, not encrypted)",
            Lifetime.LONG,
            "push and pull on those registries",
            "docker logout REGISTRY, then use a credential helper (credsStore)",
            Status.WARN,
        )
    if data.get("credsStore") or data.get("credHelpers"):
        yield _finding(
            "docker",
            ctx.show(path),
            "registry logins kept by credential helpers",
            Lifetime.POINTER,
            "push and pull through the helper (ecr-login/gcloud mint short-lived tokens)",
            "nothing to do",
            Status.INFO,
        )


def _find_netrc(ctx: Context) -> Iterator[CredentialFinding]:
    path = ctx.env_path("NETRC", ctx.home / ".netrc")
    text = _read(path)
    if text is None:
        return
    tokens = text.split()
    count = sum(1 for i, tok in enumerate(tokens[:-1]) if tok == "password")
    if count:
        yield _finding(
            "netrc",
            f"{ctx.show(path)} ({count} password(s))",
            "plaintext logins for hosts",
            Lifetime.LONG,
            "basic-auth to every host listed (curl, git, pip/requests use it)",
            "remove the entries; use a keyring or short-lived tokens",
            Status.WARN,
        )


# -- Package indexes and git ------------------------------------------------------------


def _find_pypirc(ctx: Context) -> Iterator[CredentialFinding]:
    path = ctx.home / ".pypirc"
    parser = _ini(path)
    if parser is None:
        return
    for section in parser.sections():
        password = parser.get(section, "password", fallback="")
        if not _filled(password):
            continue
        token = password.strip().startswith("pypi-")
        yield _finding(
            "pypirc",
            f"{ctx.show(path)} [{section}]",
            "PyPI API token (upload rights)" if token else "package index password",
            Lifetime.LONG,
            "uploading releases of your packages: supply-chain write access",
            "revoke it on pypi.org, delete it here and publish from CI with Trusted Publishing",
            Status.FAIL,
            provider="pypi",
        )


def _userinfo_hosts(text: str) -> list[str]:
    return [m.group("host") for m in _URL_USERINFO.finditer(text)]


def _find_pip_index(ctx: Context) -> Iterator[CredentialFinding]:
    fix = "use keyring or a credential helper for the index; never put user:token@ in URLs"
    for cfg in pip_config_files(ctx.environ, ctx.home):
        parser = _ini(cfg.path)
        if parser is None:
            continue
        for section in parser.sections():
            for key in (
                "index-url",
                "extra-index-url",
                "find-links",
                "index_url",
                "extra_index_url",
            ):
                hosts = _userinfo_hosts(parser.get(section, key, fallback=""))
                if hosts:
                    yield _finding(
                        "pip-index",
                        f"{ctx.show(cfg.path)} [{section}] {key} (host {', '.join(hosts)})",
                        "credentials inside a package index URL",
                        Lifetime.LONG,
                        "read (or publish) access to that index; shown in pip's logs and errors",
                        fix,
                        Status.FAIL,
                    )
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS"):
        hosts = _userinfo_hosts(ctx.environ.get(name, ""))
        if hosts:
            yield _finding(
                "pip-index",
                f"env {name} (host {', '.join(hosts)})",
                "credentials inside a package index URL",
                Lifetime.LONG,
                "read (or publish) access to that index; shown in pip's logs and errors",
                fix,
                Status.FAIL,
            )


def _find_git_credentials(ctx: Context) -> Iterator[CredentialFinding]:
    for path in (ctx.home / ".git-credentials", ctx.xdg_config / "git" / "credentials"):
        text = _read(path)
        if text is None:
            continue
        hosts = sorted(set(_userinfo_hosts(text)))
        if hosts:
            yield _finding(
                "git-credentials",
                f"{ctx.show(path)} (hosts: {', '.join(hosts)})",
                "plaintext git tokens (credential.helper=store)",
                Lifetime.LONG,
                "push and pull on every repository the tokens reach",
                "set credential.helper to a keychain helper (or run gh auth setup-git), "
                "then delete the file and revoke the tokens",
                Status.FAIL,
                provider="github",
            )


def _find_gh(ctx: Context) -> Iterator[CredentialFinding]:
    path = ctx.env_path("GH_CONFIG_DIR", ctx.xdg_config / "gh") / "hosts.yml"
    text = _read(path)
    if text is None:
        return
    for entry in scan_yaml(text):
        if entry.key == "oauth_token" and entry.value and entry.path:
            host = entry.path[0]
            yield _finding(
                "gh-cli",
                f"{ctx.show(path)} [{host}]",
                "GitHub CLI OAuth token in plain text",
                Lifetime.LONG,
                "GitHub API and git access with the token's scopes (often repo, workflow)",
                "gh auth logout, then gh auth login with a system keyring available",
                Status.WARN,
                provider="github",
            )


_GH_PREFIXES = (
    ("github_pat_", "fine-grained GitHub personal access token", Lifetime.LONG, Status.WARN),
    ("ghp_", "classic GitHub personal access token", Lifetime.LONG, Status.WARN),
    ("gho_", "GitHub OAuth token", Lifetime.LONG, Status.WARN),
    ("ghs_", "GitHub Actions or app installation token", Lifetime.SHORT, Status.INFO),
    ("ghu_", "GitHub app user token", Lifetime.SHORT, Status.INFO),
)


def _find_github_env(ctx: Context) -> Iterator[CredentialFinding]:
    for name in ("GITHUB_TOKEN", "GH_TOKEN"):
        value = ctx.environ.get(name, "")
        if not _filled(value):
            continue
        kind, life, status = "GitHub token of an unknown kind", Lifetime.UNKNOWN, Status.WARN
        for prefix, k, lf, st in _GH_PREFIXES:
            if value.strip().startswith(prefix):
                kind, life, status = k, lf, st
                break
        yield _finding(
            "github-env",
            f"env {name}",
            kind,
            life,
            "GitHub API and git access with its scopes",
            f"unset {name}; use gh auth login (keyring) or a short-lived fine-grained token",
            status,
            provider="github",
        )


# -- SSH keys ---------------------------------------------------------------------------

_SKIP_SSH = ("known_hosts", "authorized_keys", "config", "environment", "agent")


def _openssh_cipher(text: str) -> str | None:
    body = "".join(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("-----")
    )
    try:
        blob = base64.b64decode(body, validate=False)
    except ValueError:
        return None
    magic = b"openssh-key-v1\x00"
    if not blob.startswith(magic) or len(blob) < len(magic) + 4:
        return None
    size = int.from_bytes(blob[len(magic) : len(magic) + 4], "big")
    start = len(magic) + 4
    return blob[start : start + size].decode("ascii", errors="replace")


def ssh_key_unprotected(text: str) -> bool | None:
    """``True`` for a private key without passphrase, ``False`` if encrypted, else ``None``."""
    first = text.lstrip().split("\n", 1)[0]
    if not (first.startswith("-----BEGIN") and "PRIVATE KEY" in first):
        return None
    if "OPENSSH PRIVATE KEY" in first:
        cipher = _openssh_cipher(text)
        return None if cipher is None else cipher == "none"
    if "ENCRYPTED PRIVATE KEY" in first:
        return False
    return "Proc-Type: 4,ENCRYPTED" not in text


def _find_ssh(ctx: Context) -> Iterator[CredentialFinding]:
    folder = ctx.home / ".ssh"
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.suffix == ".pub" or path.name.startswith(_SKIP_SSH) or not path.is_file():
            continue
        try:
            if path.stat().st_size > 64 * 1024:
                continue
        except OSError:
            continue
        text = _read(path)
        if text is None or ssh_key_unprotected(text) is not True:
            continue
        yield _finding(
            "ssh-key",
            ctx.show(path),
            "SSH private key without a passphrase",
            Lifetime.LONG,
            "push to git hosts and shells on every server that trusts it",
            f"ssh-keygen -p -f {ctx.show(path)}   (add a passphrase; ssh-agent keeps it usable)",
            Status.WARN,
        )


# -- Project .env files -------------------------------------------------------------------

_TEMPLATE_WORDS = ("template", "example", "sample", "dist", "defaults")


def _is_env_file(name: str) -> bool:
    base = name.rsplit("/", 1)[-1].lower()
    if not (base == ".env" or base.startswith(".env.") or base.endswith(".env")):
        return False
    return not any(word in base for word in _TEMPLATE_WORDS)


def _env_secret_lines(text: str) -> int:
    count = 0
    for line in text.splitlines():
        stripped = line.strip().removeprefix("export ").strip()
        if stripped.startswith("#") or "=" not in stripped:
            continue
        key, _, value = stripped.partition("=")
        if secret_named(key.strip()) and value.strip().strip("'\"") and not _is_reference(value):
            count += 1
    return count


def _find_tracked_env(ctx: Context) -> Iterator[CredentialFinding]:
    if ctx.project is None:
        return
    tracked = gitindex.tracked_files(ctx.project)  # never runs git: see gitindex
    if tracked is None:
        return
    for name in tracked:
        if not name or not _is_env_file(name):
            continue
        text = _read(ctx.project / name) or ""
        secrets = _env_secret_lines(text)
        if secrets:
            yield _finding(
                "env-file",
                f"{name} ({secrets} secret-named value(s))",
                ".env file with secrets, tracked by git",
                Lifetime.LONG,
                "whatever was pasted in, to everyone who can read the repository",
                f"git rm --cached {name}, add it to .gitignore, rotate the secrets",
                Status.FAIL,
                scope="project",
            )
        else:
            yield _finding(
                "env-file",
                name,
                ".env file tracked by git (no secret-named keys now)",
                Lifetime.POINTER,
                "nothing yet; the next pasted secret gets committed",
                f"git rm --cached {name} and commit a {name}_template instead",
                Status.WARN,
                scope="project",
            )


# -- Data platforms ---------------------------------------------------------------------


def _find_databricks(ctx: Context) -> Iterator[CredentialFinding]:
    path = ctx.env_path("DATABRICKS_CONFIG_FILE", ctx.home / ".databrickscfg")
    parser = _ini(path)
    if parser is None:
        return
    for profile in parser.sections():
        section = parser[profile]
        if _filled(section.get("token", "")):
            pat = section.get("token", "").strip().startswith("dapi")
            kind = "Databricks personal access token" if pat else "Databricks token"
            yield _finding(
                "databricks",
                f"{ctx.show(path)} [{profile}]",
                kind,
                Lifetime.LONG,
                "the workspace as you (notebooks, jobs, data)",
                "databricks auth login (OAuth), then remove token= and revoke the PAT",
                Status.WARN,
                provider="databricks",
                identities=[profile],
            )
        elif _filled(section.get("client_secret", "")) or _filled(section.get("password", "")):
            yield _finding(
                "databricks",
                f"{ctx.show(path)} [{profile}]",
                "Databricks service-principal secret or password",
                Lifetime.LONG,
                "the workspace as that principal",
                "use OAuth (auth_type = databricks-cli)",
                Status.WARN,
                provider="databricks",
                identities=[profile],
            )


def _find_snowflake(ctx: Context) -> Iterator[CredentialFinding]:
    home = ctx.env_path("SNOWFLAKE_HOME", ctx.home / ".snowflake")
    for path in (home / "connections.toml", home / "config.toml"):
        data = _toml(path)
        if data is None:
            continue
        tables = data.get("connections", data) if path.name == "config.toml" else data
        if not isinstance(tables, dict):
            continue
        for name, conn in tables.items():
            if isinstance(conn, dict):
                yield from _snowflake_conn(ctx, path, str(name), conn)
    snowsql = ctx.home / ".snowsql" / "config"
    parser = _ini(snowsql)
    if parser is not None:
        for section in parser.sections():
            conn = dict(parser[section])
            yield from _snowflake_conn(ctx, snowsql, section, conn)


def _snowflake_conn(
    ctx: Context, path: Path, name: str, conn: Mapping[str, object]
) -> Iterator[CredentialFinding]:
    keys = {str(k).lower(): v for k, v in conn.items()}
    found = [
        k
        for k in ("password", "token", "private_key_file", "private_key_path", "private_key")
        if _filled(keys.get(k)) and not _is_reference(str(keys.get(k)))
    ]
    if found:
        yield _finding(
            "snowflake",
            f"{ctx.show(path)} [{name}]",
            f"Snowflake {'password' if 'password' in found else 'key pair or token'} "
            f"({', '.join(found)})",
            Lifetime.LONG,
            "the warehouse as this user and role",
            "use authenticator = externalbrowser (SSO) or read the secret from the environment",
            Status.WARN,
            provider="snowflake",
            identities=[name],
        )


def _dbt_profile_paths(ctx: Context, *, machine: bool) -> list[tuple[Path, str]]:
    paths: list[tuple[Path, str]] = []
    if machine:
        explicit = ctx.environ.get("DBT_PROFILES_DIR")
        if explicit:
            paths.append((Path(explicit).expanduser() / "profiles.yml", "machine"))
        paths.append((ctx.home / ".dbt" / "profiles.yml", "machine"))
    elif ctx.project is not None:
        paths.append((ctx.project / "profiles.yml", "project"))
    seen: set[Path] = set()
    unique = []
    for path, scope in paths:
        key = path.resolve() if path.exists() else path
        if key not in seen:
            seen.add(key)
            unique.append((path, scope))
    return unique


_DBT_SECRET_KEYS = (
    "password",
    "token",
    "keyfile",
    "keyfile_json",
    "private_key",
    "private_key_path",
    "client_secret",
    "refresh_token",
)


def dbt_outputs(text: str) -> dict[tuple[str, str], dict[str, tuple[int, str, bool]]]:
    """``(profile, output) → {key: (line, value, has_children)}`` of a profiles.yml."""
    entries = scan_yaml(text)
    outputs: dict[tuple[str, str], dict[str, tuple[int, str, bool]]] = {}
    for i, entry in enumerate(entries):
        if len(entry.path) == 3 and entry.path[1] == "outputs":
            has_children = i + 1 < len(entries) and entries[i + 1].path[:4] == (
                *entry.path,
                entry.key,
            )
            outputs.setdefault((entry.path[0], entry.path[2]), {})[entry.key] = (
                entry.line,
                entry.value,
                has_children,
            )
        elif len(entry.path) == 2 and entry.path[1] == "outputs":
            outputs.setdefault((entry.path[0], entry.key), {})
    return outputs


def _find_dbt(ctx: Context, *, machine: bool) -> Iterator[CredentialFinding]:
    for path, scope in _dbt_profile_paths(ctx, machine=machine):
        text = _read(path)
        if text is None:
            continue
        for (profile, output), keys in dbt_outputs(text).items():
            literal = [
                k
                for k in _DBT_SECRET_KEYS
                if k in keys and (keys[k][2] or (keys[k][1] and not _is_reference(keys[k][1])))
            ]
            if not literal:
                continue
            line = min(keys[k][0] for k in literal)
            keyfile = any(k.startswith(("keyfile", "private_key")) for k in literal)
            kind = (
                "dbt profile with a "
                + ("service-account key or private key" if keyfile else "literal password or token")
                + f" ({', '.join(literal)})"
            )
            fix = (
                "use method: oauth (gcloud auth application-default login) or "
                "\"{{ env_var('DBT_ENV_SECRET_…') }}\"; delete key files"
            )
            yield _finding(
                "dbt-profile",
                f"{ctx.show(path)}:{line} [{profile}.{output}]",
                kind,
                Lifetime.LONG,
                "the warehouse as that user or service account",
                fix,
                Status.FAIL if scope == "project" else Status.WARN,
                scope=scope,
            )


def _find_dbt_machine(ctx: Context) -> Iterator[CredentialFinding]:
    return _find_dbt(ctx, machine=True)


def _find_dbt_project(ctx: Context) -> Iterator[CredentialFinding]:
    return _find_dbt(ctx, machine=False)


def _find_huggingface(ctx: Context) -> Iterator[CredentialFinding]:
    hf_home = ctx.env_path(
        "HF_HOME", ctx.env_path("XDG_CACHE_HOME", ctx.home / ".cache") / "huggingface"
    )
    candidates = [
        ctx.env_path("HF_TOKEN_PATH", hf_home / "token"),
        hf_home / "stored_tokens",
        ctx.home / ".huggingface" / "token",
    ]
    for path in dict.fromkeys(candidates):
        if _filled(_read(path) or ""):
            yield _finding(
                "huggingface",
                ctx.show(path),
                "Hugging Face token",
                Lifetime.LONG,
                "read (or, for write tokens, publish: model poisoning) on Hugging Face",
                "huggingface-cli logout; use a fine-grained read-only token",
                Status.WARN,
                provider="huggingface",
            )
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if _filled(ctx.environ.get(name, "")):
            yield _finding(
                "huggingface",
                f"env {name}",
                "Hugging Face token",
                Lifetime.LONG,
                "read (or write) on Hugging Face models and datasets",
                f"unset {name}; use a fine-grained read-only token",
                Status.WARN,
                provider="huggingface",
            )


# -- Other tools --------------------------------------------------------------------------


def _find_publish_tokens(ctx: Context) -> Iterator[CredentialFinding]:
    npmrc = ctx.home / ".npmrc"
    text = _read(npmrc)
    if text and re.search(r"(_authToken|_auth|_password)\s*=\s*\S", text):
        yield _finding(
            "registry-tokens",
            ctx.show(npmrc),
            "npm registry token",
            Lifetime.LONG,
            "publishing npm packages: supply-chain write access",
            "npm logout; publish from CI with provenance",
            Status.FAIL,
            provider="npm",
        )
    cargo = ctx.env_path("CARGO_HOME", ctx.home / ".cargo")
    for path in (cargo / "credentials.toml", cargo / "credentials"):
        data = _toml(path)
        if data and any(isinstance(v, dict) and _filled(v.get("token")) for v in data.values()):
            yield _finding(
                "registry-tokens",
                ctx.show(path),
                "crates.io token",
                Lifetime.LONG,
                "publishing crates: supply-chain write access",
                "cargo logout; publish from CI with trusted publishing",
                Status.FAIL,
                provider="cargo",
            )
    gem = ctx.home / ".gem" / "credentials"
    text = _read(gem)
    if text and re.search(r"api_key\s*:\s*\S", text):
        yield _finding(
            "registry-tokens",
            ctx.show(gem),
            "RubyGems API key",
            Lifetime.LONG,
            "publishing gems: supply-chain write access",
            "gem signout; revoke the key",
            Status.FAIL,
            provider="rubygems",
        )


def _find_misc_tools(ctx: Context) -> Iterator[CredentialFinding]:
    vault = ctx.home / ".vault-token"
    if _filled(_read(vault) or ""):
        yield _finding(
            "vault",
            ctx.show(vault),
            "HashiCorp Vault token",
            Lifetime.UNKNOWN,
            "Vault secrets under the token's policies (TTL often hours to days)",
            "vault token revoke -self when done",
            Status.WARN,
            provider="vault",
        )
    tf = ctx.home / ".terraform.d" / "credentials.tfrc.json"
    data = _json(tf)
    if isinstance(data, dict) and data.get("credentials"):
        yield _finding(
            "terraform",
            ctx.show(tf),
            "HCP Terraform / Terraform Enterprise API token",
            Lifetime.LONG,
            "runs, state and variables (often cloud secrets) of your workspaces",
            "terraform logout HOST",
            Status.WARN,
            provider="terraform",
        )
    boto = ctx.env_path("BOTO_CONFIG", ctx.home / ".boto")
    parser = _ini(boto)
    if parser is not None:
        keys = {k for s in parser.sections() for k, v in parser[s].items() if _filled(v)}
        hmac = keys & {"gs_secret_access_key", "aws_secret_access_key"}
        if hmac or "gs_oauth2_refresh_token" in keys:
            yield _finding(
                "boto",
                ctx.show(boto),
                "GCS HMAC / AWS keys" if hmac else "gsutil OAuth refresh token",
                Lifetime.LONG,
                "Cloud Storage (or AWS) access as that account",
                "delete ~/.boto and use gcloud storage with your gcloud login",
                Status.FAIL if hmac else Status.WARN,
                provider="gcp" if not hmac else None,
            )
    rclone = ctx.env_path("RCLONE_CONFIG", ctx.xdg_config / "rclone" / "rclone.conf")
    text = _read(rclone)
    if text and not text.startswith("RCLONE_ENCRYPT_V0:"):
        parser = _ini(rclone)
        remotes = [
            s
            for s in (parser.sections() if parser else [])
            if any(
                _filled(parser[s].get(k, ""))  # type: ignore[index]
                for k in ("pass", "password", "token", "secret_access_key", "client_secret", "key")
            )
        ]
        if remotes:
            yield _finding(
                "rclone",
                f"{ctx.show(rclone)} ({len(remotes)} remote(s))",
                "rclone remotes with obscured (not encrypted) secrets",
                Lifetime.LONG,
                "the cloud storage behind each remote",
                "rclone config encryption set (encrypt the config)",
                Status.WARN,
            )


_HISTORY_ASSIGN = re.compile(
    r"(?:^|[\s;])(?:export\s+|set\s+-gx\s+|set\s+-x\s+|setenv\s+)?([A-Za-z_][A-Za-z0-9_]*)[=\s]"
    r"\s*['\"]?([^\s'\"$][^\s'\"]*)"
)


def _history_hits(lines: Iterable[str]) -> int:
    hits = 0
    for line in lines:
        if TOKEN_SHAPE.search(line):
            hits += 1
            continue
        if not re.search(r"\b(export|set|setenv)\b|=", line):
            continue
        for match in _HISTORY_ASSIGN.finditer(line):
            if secret_named(match.group(1)) and "=" in line[match.start() : match.end()]:
                hits += 1
                break
    return hits


def _find_history(ctx: Context) -> Iterator[CredentialFinding]:
    paths = [
        ctx.home / ".bash_history",
        ctx.home / ".zsh_history",
        ctx.home / ".python_history",
        ctx.home / ".local" / "share" / "fish" / "fish_history",
    ]
    histfile = ctx.environ.get("HISTFILE")
    if histfile:
        paths.insert(0, Path(histfile).expanduser())
    for path in dict.fromkeys(paths):
        text = _read(path)
        if not text:
            continue
        hits = _history_hits(text.splitlines())
        if hits:
            yield _finding(
                "shell-history",
                f"{ctx.show(path)} ({hits} line(s))",
                "secrets typed into shell history",
                Lifetime.LONG,
                "whatever was typed",
                f"edit {ctx.show(path)} to remove those lines, then rotate the secrets",
                Status.FAIL,
            )
    ipython = ctx.home / ".ipython" / "profile_default" / "history.sqlite"
    if ipython.is_file():
        try:
            conn = sqlite3.connect(f"{ipython.resolve().as_uri()}?mode=ro", uri=True)
            try:
                rows = [str(r[0]) for r in conn.execute("SELECT source FROM history")]
            finally:
                conn.close()
        except sqlite3.Error:
            rows = []
        hits = _history_hits(line for row in rows for line in row.splitlines())
        if hits:
            yield _finding(
                "shell-history",
                f"{ctx.show(ipython)} ({hits} cell(s))",
                "secrets typed into IPython/Jupyter history",
                Lifetime.LONG,
                "whatever was typed",
                "ipython history trim --keep=0, then rotate the secrets",
                Status.FAIL,
            )


_AGENT_CONFIGS = (
    ".claude.json",
    ".claude/settings.json",
    ".cursor/mcp.json",
    ".codeium/windsurf/mcp_config.json",
    ".config/Claude/claude_desktop_config.json",
    "Library/Application Support/Claude/claude_desktop_config.json",
    ".gemini/settings.json",
)
_PROJECT_AGENT_CONFIGS = (".mcp.json", ".cursor/mcp.json", ".vscode/mcp.json")


def _json_secret_count(value: object, key: str = "") -> int:
    if isinstance(value, dict):
        return sum(_json_secret_count(v, str(k)) for k, v in value.items())
    if isinstance(value, list):
        return sum(_json_secret_count(v, key) for v in value)
    named = secret_named(key) or key.lower() == "authorization"
    if isinstance(value, str) and value.strip() and not _is_reference(value):
        return 1 if named or TOKEN_SHAPE.search(value) else 0
    return 0


def _agent_findings(ctx: Context, paths: Iterable[Path], scope: str) -> Iterator[CredentialFinding]:
    for path in paths:
        data = _json(path)
        if data is None:
            continue
        count = _json_secret_count(data)
        if count:
            yield _finding(
                "agent-config",
                f"{ctx.show(path)} ({count} value(s))",
                "tokens embedded in an AI agent / MCP server config",
                Lifetime.LONG,
                "whatever the MCP servers' tokens reach; agents may echo them into transcripts",
                'reference environment variables instead ("${VAR}") and rotate the tokens',
                Status.WARN,
                scope=scope,
            )


def _find_agents(ctx: Context) -> Iterator[CredentialFinding]:
    return _agent_findings(ctx, (ctx.home / p for p in _AGENT_CONFIGS), "machine")


def _find_project_agents(ctx: Context) -> Iterator[CredentialFinding]:
    if ctx.project is None:
        return iter(())
    return _agent_findings(ctx, (ctx.project / p for p in _PROJECT_AGENT_CONFIGS), "project")


# Environment variables claimed by a specific detector above.
_CLAIMED_ENV = frozenset(
    {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "CLOUDSDK_AUTH_ACCESS_TOKEN",
        "GOOGLE_OAUTH_ACCESS_TOKEN",
        "AZURE_CLIENT_SECRET",
        "ARM_CLIENT_SECRET",
        "AZURE_CLIENT_CERTIFICATE_PATH",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "HF_TOKEN",
        "HUGGING_FACE_HUB_TOKEN",
        "DATABRICKS_TOKEN",
        "DATABRICKS_CLIENT_SECRET",
        "SNOWFLAKE_PASSWORD",
        "SNOWFLAKE_PRIVATE_KEY_PATH",
    }
)
_PLATFORM_ENV = (
    ("DATABRICKS_TOKEN", "Databricks token", "databricks"),
    ("DATABRICKS_CLIENT_SECRET", "Databricks service-principal secret", "databricks"),
    ("SNOWFLAKE_PASSWORD", "Snowflake password", "snowflake"),
    ("SNOWFLAKE_PRIVATE_KEY_PATH", "Snowflake key-pair path", "snowflake"),
)


_FLAG_VALUES = frozenset({"", "0", "1", "true", "false", "yes", "no", "on", "off", "none"})


def _find_env(ctx: Context) -> Iterator[CredentialFinding]:
    ci = ctx.environ.get("CODESPACES") == "true" or ctx.environ.get("GITHUB_ACTIONS") == "true"
    for name, kind, provider in _PLATFORM_ENV:
        if _filled(ctx.environ.get(name, "")):
            yield _finding(
                "platform-env",
                f"env {name}",
                kind,
                Lifetime.LONG,
                "the workspace or warehouse as that user",
                f"unset {name}; prefer OAuth/SSO logins",
                Status.WARN,
                provider=provider,
                identities=[name],
            )
    for name in sorted(ctx.environ):
        if name in _CLAIMED_ENV or not secret_named(name):
            continue
        value = ctx.environ[name].strip().lower()
        if value in _FLAG_VALUES:
            continue
        yield _finding(
            "secret-env",
            f"env {name}",
            "secret-named environment variable" + (" (Codespaces/CI secret)" if ci else ""),
            Lifetime.UNKNOWN,
            "whatever the secret is; every child process (pip builds too) inherits it",
            f"unset {name}; load it only in the process that needs it",
            Status.WARN,
        )


DETECTORS: tuple[Detector, ...] = (
    Detector("aws-files", "machine", "~/.aws/credentials, ~/.aws/config", _find_aws_files),
    Detector("aws-caches", "machine", "~/.aws/sso/cache, ~/.aws/cli/cache", _find_aws_caches),
    Detector("aws-env", "machine", "env AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY", _find_aws_env),
    Detector("gcp-adc", "machine", "gcloud application_default_credentials.json", _find_gcp_adc),
    Detector(
        "gcloud", "machine", "gcloud credentials.db, legacy_credentials, SA keys", _find_gcloud
    ),
    Detector(
        "gcp-env", "machine", "env GOOGLE_APPLICATION_CREDENTIALS, access tokens", _find_gcp_env
    ),
    Detector("azure", "machine", "~/.azure token cache, service principals", _find_azure),
    Detector("azure-env", "machine", "env AZURE_CLIENT_SECRET …", _find_azure_env),
    Detector("kube", "machine", "~/.kube/config users", _find_kube),
    Detector("docker", "machine", "~/.docker/config.json auths", _find_docker),
    Detector("netrc", "machine", "~/.netrc", _find_netrc),
    Detector("pypirc", "machine", "~/.pypirc", _find_pypirc),
    Detector(
        "pip-index", "machine", "pip.conf and PIP_*INDEX_URL with user:token@", _find_pip_index
    ),
    Detector("git-credentials", "machine", "~/.git-credentials", _find_git_credentials),
    Detector("gh", "machine", "~/.config/gh/hosts.yml oauth_token", _find_gh),
    Detector("github-env", "machine", "env GITHUB_TOKEN / GH_TOKEN", _find_github_env),
    Detector("ssh", "machine", "~/.ssh private keys without passphrase", _find_ssh),
    Detector("databricks", "machine", "~/.databrickscfg", _find_databricks),
    Detector("snowflake", "machine", "~/.snowflake, ~/.snowsql/config", _find_snowflake),
    Detector("dbt", "machine", "~/.dbt/profiles.yml", _find_dbt_machine),
    Detector("huggingface", "machine", "Hugging Face token file and HF_TOKEN", _find_huggingface),
    Detector(
        "publish-tokens", "machine", "~/.npmrc, ~/.cargo/credentials, ~/.gem", _find_publish_tokens
    ),
    Detector("misc", "machine", "~/.vault-token, terraform, ~/.boto, rclone", _find_misc_tools),
    Detector("history", "machine", "shell and IPython history", _find_history),
    Detector("agents", "machine", "AI agent / MCP configs", _find_agents),
    Detector("env", "machine", "secret-named environment variables", _find_env),
    Detector("env-files", "project", ".env files tracked by git", _find_tracked_env),
    Detector("dbt-project", "project", "project-root profiles.yml", _find_dbt_project),
    Detector("project-agents", "project", "project MCP configs", _find_project_agents),
)


def find_credentials(ctx: Context, *, include_machine: bool = True) -> list[CredentialFinding]:
    """Run every detector (machine ones only with ``include_machine``); worst first."""
    findings: list[CredentialFinding] = []
    for detector in DETECTORS:
        if detector.scope == "machine" and not include_machine:
            continue
        if detector.scope == "project" and ctx.project is None:
            continue
        try:
            findings.extend(detector.find(ctx))
        except OSError as exc:
            log.warning(
                "credential check %s skipped: %s", detector.id, exc.strerror or type(exc).__name__
            )
    findings.sort(key=lambda f: (-int(f.status), f.location))
    return findings
