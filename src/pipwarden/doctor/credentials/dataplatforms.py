"""Data-platform credentials: Databricks, Snowflake, dbt ``profiles.yml`` (on the machine
and in the project), Hugging Face, and other tools' token files (Vault, Terraform, boto,
rclone)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from pipwarden.doctor.credentials.base import (
    Context,
    _filled,
    _finding,
    _ini,
    _is_reference,
    _json,
    _read,
    _toml,
)
from pipwarden.doctor.models import CredentialFinding, Lifetime, Status
from pipwarden.yamlscan import scan_yaml

__all__ = [
    "dbt_outputs",
]


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
