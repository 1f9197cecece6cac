"""Secrets lying in the open: ``.env`` files tracked by git, shell and IPython history,
AI-agent / MCP configs (machine and project), and secret-named environment variables."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from pipwarden import gitindex
from pipwarden.doctor.credentials.base import (
    TOKEN_SHAPE,
    Context,
    _filled,
    _finding,
    _is_reference,
    _json,
    _read,
    secret_named,
)
from pipwarden.doctor.models import CredentialFinding, Lifetime, Status

__all__: list[str] = []


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
