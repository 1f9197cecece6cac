"""Developer-tool credentials: Kubernetes, Docker, ``.netrc``, ``.pypirc``, pip index URLs
with a token, git credential stores, the GitHub CLI and tokens, SSH keys without a
passphrase, and package-registry publish tokens (npm, cargo, gem)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipwarden.doctor.checks import pip_config_files
from pipwarden.doctor.credentials.base import (
    _URL_USERINFO,
    Context,
    _filled,
    _finding,
    _ini,
    _json,
    _read,
    _toml,
)
from pipwarden.doctor.models import CredentialFinding, Lifetime, Status
from pipwarden.yamlscan import scan_yaml

__all__ = [
    "ssh_key_unprotected",
]


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
