"""Cloud credentials: AWS (key files, SSO and CLI caches, environment), Google Cloud
(application-default credentials, gcloud's store, service-account keys, environment) and
Azure (token cache, service principals, environment)."""

from __future__ import annotations

import configparser
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipwarden.doctor.credentials.base import (
    Context,
    _filled,
    _finding,
    _ini,
    _json,
)
from pipwarden.doctor.models import CredentialFinding, Lifetime, Status

__all__: list[str] = []


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
