"""doctor against a fake HOME holding planted fake credentials of every kind in the table.

Every planted credential must be found and classified, and no planted secret (nor a
distinctive piece of one) may appear in any output format or in the logs.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import shutil
import sqlite3
import string
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.doctor import run_doctor
from pipwarden.doctor.checks import PythonInfo
from pipwarden.doctor.credentials import DETECTORS, ssh_key_unprotected
from pipwarden.doctor.models import DoctorReport, Lifetime, Status
from pipwarden.report.doctor import render_json, render_markdown, render_text

UPPER = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"


@pytest.fixture(autouse=True)
def _no_system_pip_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's /etc/pip.conf must not change what these tests see."""
    monkeypatch.setattr(
        "pipwarden.doctor.checks.GLOBAL_PIP_CONFIG", tmp_path / "etc-pip-none.conf"
    )
    monkeypatch.setattr(
        "pipwarden.doctor.checks.DEFAULT_XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg-none")
    )
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg-none"))


def rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


@dataclass
class Plant:
    home: Path
    project: Path
    environ: dict[str, str] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)

    def secret(self, prefix: str, n: int = 32, alphabet: str = ALNUM) -> str:
        body = rand(n, alphabet)
        self.secrets.append(body)
        return prefix + body

    def write(self, rel: str, text: str) -> Path:
        path = self.home / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


def _openssh_key(cipher: str, body: bytes) -> str:
    def s(b: bytes) -> bytes:
        return len(b).to_bytes(4, "big") + b

    kdf = b"none" if cipher == "none" else b"bcrypt"
    blob = b"openssh-key-v1\x00" + s(cipher.encode()) + s(kdf) + s(b"") + b"\x00\x00\x00\x01"
    blob += s(b"\x00\x00\x00\x0bssh-ed25519" + body[:32]) + s(body)
    enc = base64.b64encode(blob).decode()
    lines = [enc[i : i + 70] for i in range(0, len(enc), 70)]
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + "\n".join(lines) + (
        "\n-----END OPENSSH PRIVATE KEY-----\n"
    )


def plant_everything(tmp_path: Path) -> Plant:
    home = tmp_path / "home"
    project = tmp_path / "project"
    home.mkdir()
    project.mkdir()
    p = Plant(home, project)
    p.environ = {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "PATH": os.environ.get("PATH", ""),
    }
    # AWS: long-lived and temporary keys, keys pasted into config, SSO/role profiles, caches.
    p.write(
        ".aws/credentials",
        f"[default]\naws_access_key_id = {p.secret('AKIA', 16, UPPER)}\n"
        f"aws_secret_access_key = {p.secret('', 40)}\n\n"
        f"[temp]\naws_access_key_id = {p.secret('ASIA', 16, UPPER)}\n"
        f"aws_secret_access_key = {p.secret('', 40)}\naws_session_token = {p.secret('IQoJ', 60)}\n",
    )
    p.write(
        ".aws/config",
        "[default]\nregion = eu-west-1\n\n[profile sso-dev]\nsso_session = corp\n"
        "sso_account_id = 111122223333\n\n[profile client-b]\nrole_arn = arn:aws:iam::1:role/x\n"
        "source_profile = default\n\n[sso-session corp]\nsso_start_url = https://x.awsapps.com/start\n"
        f"\n[profile pasted]\naws_access_key_id = {p.secret('AKIA', 16, UPPER)}\n"
        f"aws_secret_access_key = {p.secret('', 40)}\n",
    )
    p.write(
        ".aws/sso/cache/0a1b.json",
        json.dumps({"accessToken": p.secret("aoa"), "expiresAt": "2026-11-26T20:00:00Z",
                    "refreshToken": p.secret("aor")}),
    )
    p.write(
        ".aws/cli/cache/9f8e.json",
        json.dumps({"Credentials": {"AccessKeyId": p.secret("ASIA", 16, UPPER),
                                    "SecretAccessKey": p.secret(""),
                                    "SessionToken": p.secret("FwoG"),
                                    "Expiration": "2026-11-26T17:00:00Z"}}),
    )
    p.environ["AWS_ACCESS_KEY_ID"] = p.secret("AKIA", 16, UPPER)
    p.environ["AWS_SECRET_ACCESS_KEY"] = p.secret("", 40)
    # Google Cloud: ADC user, gcloud accounts, SA keys in the config dir and in the env.
    gdir = ".config/gcloud"
    p.write(
        f"{gdir}/application_default_credentials.json",
        json.dumps({"type": "authorized_user", "client_id": "764086051850.apps",
                    "client_secret": p.secret("d-FL95"), "refresh_token": p.secret("1//0g")}),
    )
    db = home / gdir / "credentials.db"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE credentials (account_id TEXT PRIMARY KEY, value BLOB)")
    conn.executemany(
        "INSERT INTO credentials VALUES (?, ?)",
        [("a@example.com", p.secret("{rt:")), ("b@example.com", p.secret("{rt:"))],
    )
    conn.commit()
    conn.close()
    sa_key = {"type": "service_account", "project_id": "demo",
              "private_key_id": p.secret("", 40, HEX),
              "private_key": "-----BEGIN PRIVATE KEY-----\n" + p.secret("MIIE", 64) + "\n-----END",
              "client_email": "sa@demo.iam.gserviceaccount.com"}
    p.write(f"{gdir}/legacy_credentials/a@example.com/adc.json",
            json.dumps({"type": "authorized_user", "refresh_token": p.secret("1//0h")}))
    p.write(f"{gdir}/deploy-key.json", json.dumps(sa_key))
    sa2 = dict(sa_key, private_key=p.secret("MIIF", 64), private_key_id=p.secret("", 40, HEX))
    env_key = p.write("keys/ci-sa.json", json.dumps(sa2))
    p.environ["GOOGLE_APPLICATION_CREDENTIALS"] = str(env_key)
    p.environ["CLOUDSDK_AUTH_ACCESS_TOKEN"] = p.secret("ya29.", 60)
    # Azure.
    p.write(".azure/msal_token_cache.json", json.dumps({
        "Account": {"uid.tid-login.microsoftonline.com-tid": {"username": "me@corp.com"}},
        "RefreshToken": {"k": {"secret": p.secret("0.AV")}},
        "AccessToken": {"k": {"secret": p.secret("eyJ0")}},
    }))
    p.write(".azure/service_principal_entries.json",
            json.dumps([{"client_id": "0000", "client_secret": p.secret("Q~")}]))
    p.environ["AZURE_CLIENT_SECRET"] = p.secret("Q8~")
    # Kubernetes, Docker, netrc.
    p.write(".kube/config", (
        "apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n"
        f"    client-certificate-data: {p.secret('LS0t', 48)}\n"
        f"    client-key-data: {p.secret('LS0tLS1', 48)}\n"
        f"- name: bot\n  user:\n    token: {p.secret('eyJhbGciOi', 48)}\n"
        "- name: gke\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
        "      command: gke-gcloud-auth-plugin\n"
    ))
    auth = base64.b64encode(f"robot:{p.secret('dckr_pat_')}".encode()).decode()
    p.secrets.append(auth)
    p.write(".docker/config.json", json.dumps(
        {"auths": {"registry.example.com": {"auth": auth}, "ghcr.io": {}},
         "credHelpers": {"gcr.io": "gcloud"}}
    ))
    p.write(".netrc", f"machine files.example.com login me password {p.secret('np')}\n")
    # Package indexes, git, GitHub.
    p.write(".pypirc", (
        "[distutils]\nindex-servers =\n    pypi\n\n[pypi]\nusername = __token__\n"
        f"password = {p.secret('pypi-AgEIcHlwaS5vcmc', 60)}\n"
    ))
    p.write(".config/pip/pip.conf", (
        "[global]\ntimeout = 30\n"
        f"index-url = https://build:{p.secret('idx')}@pkgs.example.com/simple\n"
    ))
    p.environ["PIP_EXTRA_INDEX_URL"] = f"https://{p.secret('tok')}@extra.example.org/simple"
    p.write(".git-credentials", f"https://me:{p.secret('ghp_', 36)}@github.com\n")
    p.write(".config/gh/hosts.yml", (
        f"github.com:\n    users:\n        me:\n            oauth_token: {p.secret('gho_', 36)}\n"
        f"    oauth_token: {p.secret('gho_', 36)}\n    user: me\n    git_protocol: https\n"
    ))
    p.environ["GITHUB_TOKEN"] = p.secret("ghp_", 36)
    # SSH keys: two without passphrase (OpenSSH, PEM), one encrypted, one public key.
    plain = secrets.token_bytes(64)
    key_text = _openssh_key("none", plain)
    p.secrets.append(key_text.splitlines()[1])
    p.write(".ssh/id_ed25519", key_text)
    p.write(".ssh/id_ed25519.pub", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA me@laptop\n")
    p.write(".ssh/id_encrypted", _openssh_key("aes256-ctr", secrets.token_bytes(64)))
    pem_body = p.secret("MIIEow", 64)
    p.write(".ssh/legacy.pem", f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n"
            "-----END RSA PRIVATE KEY-----\n")
    p.write(".ssh/enc.pem", "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
            f"DEK-Info: AES-128-CBC,00\n\n{p.secret('MIIEpA', 64)}\n"
            "-----END RSA PRIVATE KEY-----\n")
    # Data platforms.
    p.write(".databrickscfg", (
        "[DEFAULT]\nhost = https://adb-1.azuredatabricks.net\n"
        f"token = {p.secret('dapi', 32, HEX)}\n"
        "\n[oauth]\nhost = https://adb-2.azuredatabricks.net\nauth_type = databricks-cli\n"
    ))
    p.environ["DATABRICKS_TOKEN"] = p.secret("dapi", 32, HEX)
    p.write(".snowflake/connections.toml", (
        f'[myconn]\naccount = "xy12345"\nuser = "me"\npassword = "{p.secret("sf")}"\n\n'
        '[sso]\naccount = "xy12345"\nauthenticator = "externalbrowser"\n'
    ))
    p.write(".snowsql/config", f"[connections]\naccountname = xy\npassword = {p.secret('ss')}\n")
    p.environ["SNOWFLAKE_PASSWORD"] = p.secret("sfp")
    p.write(".dbt/profiles.yml", (
        "config:\n  send_anonymous_usage_stats: false\n"
        "analytics:\n  target: dev\n  outputs:\n    dev:\n      type: bigquery\n"
        "      method: service-account\n      project: demo\n      dataset: dbt_me\n"
        "      keyfile: /home/me/keys/dbt-sa.json\n      threads: 4\n"
        "    prod:\n      type: bigquery\n      method: oauth\n      project: demo\n"
        "      dataset: prod\n      maximum_bytes_billed: 1000000000\n"
        "warehouse:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n"
        f"      host: db.example.com\n      user: me\n      password: {p.secret('pg')}\n"
        "      port: 5432\n      dbname: analytics\n      schema: public\n"
        "templated:\n  outputs:\n    dev:\n      type: snowflake\n"
        "      password: \"{{ env_var('DBT_ENV_SECRET_PASSWORD') }}\"\n"
    ))
    p.write(".cache/huggingface/token", p.secret("hf_", 34))
    p.environ["HF_TOKEN"] = p.secret("hf_", 34)
    # Other package managers and tools.
    p.write(".npmrc", f"//registry.npmjs.org/:_authToken={p.secret('npm_', 36)}\n")
    p.write(".cargo/credentials.toml", f'[registry]\ntoken = "{p.secret("cio")}"\n')
    p.write(".gem/credentials", f"---\n:rubygems_api_key: {p.secret('rubygems_', 48, HEX)}\n")
    p.write(".vault-token", p.secret("hvs.", 24))
    p.write(".terraform.d/credentials.tfrc.json", json.dumps(
        {"credentials": {"app.terraform.io": {"token": p.secret("tf.atlasv1.")}}}
    ))
    p.write(".boto", (
        f"[Credentials]\ngs_access_key_id = {p.secret('GOOG1E', 30, UPPER)}\n"
        f"gs_secret_access_key = {p.secret('')}\n"
    ))
    p.write(".config/rclone/rclone.conf", (
        f'[gdrive]\ntype = drive\ntoken = {{"access_token":"{p.secret("ya29.")}"}}\n\n'
        "[local]\ntype = local\n"
    ))
    # Secrets typed into history; tokens in agent configs.
    p.write(".bash_history", (
        "ls -la\ncd project\n"
        f"export OPENAI_API_KEY={p.secret('sk-proj-')}\ngit status\n"
        f"curl -H 'Authorization: token {p.secret('ghp_', 36)}' https://api.github.com\n"
    ))
    hist = home / ".ipython/profile_default/history.sqlite"
    hist.parent.mkdir(parents=True)
    conn = sqlite3.connect(hist)
    conn.execute("CREATE TABLE history (session integer, line integer, source text)")
    conn.execute("INSERT INTO history VALUES (1, 1, 'import pandas as pd')")
    conn.execute("INSERT INTO history VALUES (1, 2, ?)", (f"login(token='{p.secret('hf_', 34)}')",))
    conn.commit()
    conn.close()
    p.write(".cursor/mcp.json", json.dumps({"mcpServers": {"github": {
        "command": "npx", "args": ["-y", "@modelcontextprotocol/server-github"],
        "env": {"GITHUB_PERSONAL_ACCESS_TOKEN": p.secret("github_pat_", 40)},
    }, "safe": {"command": "x", "env": {"API_KEY": "${API_KEY}"}}}}))
    # Secret-named variables in the environment (Codespaces-style) and harmless ones.
    p.environ["CODESPACES"] = "true"
    p.environ["WAREHOUSE_API_KEY"] = p.secret("wk_")
    p.environ["SSH_AUTH_SOCK"] = "/tmp/agent.sock"
    p.environ["TOKEN_FILE"] = "/etc/token-path"
    p.environ["TOKENIZERS_PARALLELISM"] = "false"
    p.environ["DISABLE_SECRET_SCAN"] = "1"
    return p


def _git(project: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(project), *args], check=True, capture_output=True,
        env={**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
             "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e"},
    )


def plant_project(p: Plant) -> None:
    """A git project tracking a .env with secrets, a clean .env template, and a profiles.yml."""
    (p.project / ".env").write_text(
        f"GCP_PROJECT=demo\nSTRIPE_SECRET_KEY={p.secret('sk_live_')}\nEMPTY_TOKEN=\n"
    )
    (p.project / ".env_template").write_text("GCP_PROJECT=\nSTRIPE_SECRET_KEY=\n")
    (p.project / "config").mkdir()
    (p.project / "config" / "staging.env").write_text("DATASET=staging\n")
    (p.project / "profiles.yml").write_text(
        "proj:\n  target: dev\n  outputs:\n    dev:\n      type: bigquery\n"
        f"      method: service-account-json\n      keyfile_json:\n"
        f"        type: service_account\n        private_key: \"{p.secret('MIIE', 48)}\"\n"
    )
    _git(p.project, "init", "-q")
    _git(p.project, "add", ".env", ".env_template", "config/staging.env", "profiles.yml")


def fake_python(tmp_path: Path) -> PythonInfo:
    base = tmp_path / "base"
    (base / "lib").mkdir(parents=True)
    return PythonInfo(
        executable=str(tmp_path / "venv/bin/python"), prefix=str(tmp_path / "venv"),
        base_prefix=str(base), version="3.12.0", stdlib=str(base / "lib"),
        base_purelib=str(base / "site-packages-missing"),
    )


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@pytest.fixture
def planted(tmp_path: Path) -> Plant:
    p = plant_everything(tmp_path)
    if shutil.which("git"):
        plant_project(p)
    return p


def _report(p: Plant, tmp_path: Path, *, include_machine: bool = True) -> DoctorReport:
    return run_doctor(
        p.project, environ=p.environ, home=p.home, include_machine=include_machine,
        python=fake_python(tmp_path),
    )


# (detector, a piece of the location, status, lifetime)
EXPECTED = [
    ("aws-credentials", "~/.aws/credentials [default]", Status.FAIL, Lifetime.LONG),
    ("aws-credentials", "~/.aws/credentials [temp]", Status.INFO, Lifetime.SHORT),
    ("aws-config", "~/.aws/config [pasted]", Status.FAIL, Lifetime.LONG),
    ("aws-config", "~/.aws/config", Status.INFO, Lifetime.POINTER),
    ("aws-sso-cache", "~/.aws/sso/cache", Status.INFO, Lifetime.SHORT),
    ("aws-cli-cache", "~/.aws/cli/cache", Status.INFO, Lifetime.SHORT),
    ("aws-env", "env AWS_ACCESS_KEY_ID", Status.FAIL, Lifetime.LONG),
    ("gcp-adc", "application_default_credentials.json", Status.WARN, Lifetime.LONG),
    ("gcloud-accounts", "credentials.db (2 account(s))", Status.WARN, Lifetime.LONG),
    ("gcp-sa-key", "~/.config/gcloud/deploy-key.json", Status.FAIL, Lifetime.LONG),
    ("gcp-env", "env GOOGLE_APPLICATION_CREDENTIALS", Status.FAIL, Lifetime.LONG),
    ("gcp-env", "env CLOUDSDK_AUTH_ACCESS_TOKEN", Status.INFO, Lifetime.SHORT),
    ("azure-tokens", "~/.azure/msal_token_cache.json", Status.WARN, Lifetime.LONG),
    ("azure-sp", "~/.azure/service_principal_entries.json", Status.FAIL, Lifetime.LONG),
    ("azure-env", "env AZURE_CLIENT_SECRET", Status.FAIL, Lifetime.LONG),
    ("kubeconfig", "[user admin]", Status.WARN, Lifetime.LONG),
    ("kubeconfig", "[user bot]", Status.WARN, Lifetime.LONG),
    ("kubeconfig", "[user gke]", Status.INFO, Lifetime.SHORT),
    ("docker", "registry.example.com", Status.WARN, Lifetime.LONG),
    ("docker", "~/.docker/config.json", Status.INFO, Lifetime.POINTER),
    ("netrc", "~/.netrc (1 password(s))", Status.WARN, Lifetime.LONG),
    ("pypirc", "~/.pypirc [pypi]", Status.FAIL, Lifetime.LONG),
    ("pip-index", "~/.config/pip/pip.conf [global] index-url (host pkgs.example.com)",
     Status.FAIL, Lifetime.LONG),
    ("pip-index", "env PIP_EXTRA_INDEX_URL (host extra.example.org)", Status.FAIL, Lifetime.LONG),
    ("git-credentials", "~/.git-credentials (hosts: github.com)", Status.FAIL, Lifetime.LONG),
    ("gh-cli", "~/.config/gh/hosts.yml [github.com]", Status.WARN, Lifetime.LONG),
    ("github-env", "env GITHUB_TOKEN", Status.WARN, Lifetime.LONG),
    ("ssh-key", "~/.ssh/id_ed25519", Status.WARN, Lifetime.LONG),
    ("ssh-key", "~/.ssh/legacy.pem", Status.WARN, Lifetime.LONG),
    ("databricks", "~/.databrickscfg [DEFAULT]", Status.WARN, Lifetime.LONG),
    ("platform-env", "env DATABRICKS_TOKEN", Status.WARN, Lifetime.LONG),
    ("snowflake", "~/.snowflake/connections.toml [myconn]", Status.WARN, Lifetime.LONG),
    ("snowflake", "~/.snowsql/config [connections]", Status.WARN, Lifetime.LONG),
    ("platform-env", "env SNOWFLAKE_PASSWORD", Status.WARN, Lifetime.LONG),
    ("dbt-profile", "[analytics.dev]", Status.WARN, Lifetime.LONG),
    ("dbt-profile", "[warehouse.dev]", Status.WARN, Lifetime.LONG),
    ("huggingface", "~/.cache/huggingface/token", Status.WARN, Lifetime.LONG),
    ("huggingface", "env HF_TOKEN", Status.WARN, Lifetime.LONG),
    ("registry-tokens", "~/.npmrc", Status.FAIL, Lifetime.LONG),
    ("registry-tokens", "~/.cargo/credentials.toml", Status.FAIL, Lifetime.LONG),
    ("registry-tokens", "~/.gem/credentials", Status.FAIL, Lifetime.LONG),
    ("vault", "~/.vault-token", Status.WARN, Lifetime.UNKNOWN),
    ("terraform", "~/.terraform.d/credentials.tfrc.json", Status.WARN, Lifetime.LONG),
    ("boto", "~/.boto", Status.FAIL, Lifetime.LONG),
    ("rclone", "rclone.conf (1 remote(s))", Status.WARN, Lifetime.LONG),
    ("shell-history", "~/.bash_history (2 line(s))", Status.FAIL, Lifetime.LONG),
    ("shell-history", "history.sqlite (1 cell(s))", Status.FAIL, Lifetime.LONG),
    ("agent-config", "~/.cursor/mcp.json (1 value(s))", Status.WARN, Lifetime.LONG),
    ("secret-env", "env WAREHOUSE_API_KEY", Status.WARN, Lifetime.UNKNOWN),
]
EXPECTED_PROJECT = [
    ("env-file", "config/staging.env", Status.WARN, Lifetime.POINTER),
]
# The project secret scan (no git needed) reports the committed .env and profiles.yml
# secrets line by line, in place of the one-per-file findings of the older detectors.
EXPECTED += [
    ("project-secret", ".env:", Status.FAIL, Lifetime.LONG),
    ("project-secret", "profiles.yml:", Status.FAIL, Lifetime.LONG),
]


def test_every_planted_credential_is_found_and_classified(planted: Plant, tmp_path: Path) -> None:
    report = _report(planted, tmp_path)
    got = {(f.detector, f.location, f.status, f.lifetime) for f in report.credentials}
    expected = EXPECTED + (EXPECTED_PROJECT if shutil.which("git") else [])
    for detector, where, status, lifetime in expected:
        matches = [g for g in got if g[0] == detector and where in g[1]]
        assert matches, f"{detector} at {where} not found in {sorted(x[1] for x in got)}"
        assert any(m[2] is status and m[3] is lifetime for m in matches), (detector, where, matches)
    # Every detector family of the registry found something in this HOME.
    assert {d.id for d in DETECTORS} >= {"aws-files", "ssh", "env-files", "history", "agents"}
    locations = " ".join(f.location for f in report.credentials)
    # Not reported: the encrypted keys, the public key, placeholders, references, paths.
    for absent in ("id_encrypted", "enc.pem", ".pub", "TOKEN_FILE", "SSH_AUTH_SOCK",
                   "TOKENIZERS_PARALLELISM", "DISABLE_SECRET_SCAN",
                   "EMPTY_TOKEN", "[templated.dev]", "[oauth]", "[sso]", ".env_template",
                   "[local]"):
        assert absent not in locations, absent
    assert report.failed


def test_no_secret_in_any_output_or_log(
    planted: Plant, tmp_path: Path, caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    caplog.set_level(logging.DEBUG, logger="pipwarden")
    report = _report(planted, tmp_path)
    outputs = [render_text(report), render_json(report), render_markdown(report), repr(report)]
    outputs.append(caplog.text)
    # Through the CLI too: every format, stdout and stderr (logs), with the planted env.
    for key in list(os.environ):
        if key not in {"PATH", "SYSTEMROOT", "TMPDIR", "TEMP", "TMP"}:
            monkeypatch.delenv(key, raising=False)
    for key, value in planted.environ.items():
        monkeypatch.setenv(key, value)
    for fmt in ("text", "json", "markdown"):
        code = main(["doctor", str(planted.project), "--format", fmt, "-v"])
        assert code == 1
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    blob = "\n".join(outputs)
    assert "AKIA" in blob  # the classification is there …
    assert len(planted.secrets) > 60
    for secret in planted.secrets:  # … but not one planted secret, nor a piece of one
        pieces = {secret, secret[:10], secret[-10:], secret[len(secret) // 2 :][:10]}
        for piece in pieces:
            assert piece not in blob, f"secret piece {piece!r} leaked"


def test_json_output_lists_findings(planted: Plant, tmp_path: Path) -> None:
    data = json.loads(render_json(_report(planted, tmp_path)))
    assert data["schema_version"] == 1
    assert data["status"] == "fail"
    assert {c["id"] for c in data["checks"]} >= {
        "project-venv", "venv-in-use", "pip-guard", "pep668", "base-writable", "credentials",
        "partitioning", "dbt-bytes-limit",
    }
    one = next(f for f in data["credentials"] if f["location"] == "~/.pypirc [pypi]")
    assert one["lifetime"] == "long-lived" and one["status"] == "fail"
    assert "upload" in one["kind"] and one["fix"]


def test_partitioning_warns_on_many_identities(planted: Plant, tmp_path: Path) -> None:
    report = _report(planted, tmp_path)
    part = next(c for c in report.checks if c.id == "partitioning")
    assert part.status is Status.WARN
    assert "AWS" in part.title and "Google Cloud" in part.title and "Azure" in part.title
    assert "dev container" in part.fix


def test_partitioning_passes_with_one_identity(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text("[profile only]\nsso_session = s\n")
    report = run_doctor(tmp_path, environ={}, home=home, python=fake_python(tmp_path))
    part = next(c for c in report.checks if c.id == "partitioning")
    assert part.status is Status.PASS
    assert not report.failed


def test_three_aws_profiles_and_two_gcloud_accounts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True)
    (home / ".aws" / "config").write_text(
        "".join(f"[profile p{i}]\nrole_arn = arn:aws:iam::{i}:role/r\n" for i in range(3))
    )
    legacy = home / ".config" / "gcloud" / "legacy_credentials"
    for acct in ("a@x.com", "b@y.com"):
        (legacy / acct).mkdir(parents=True)
    env = {"XDG_CONFIG_HOME": str(home / ".config")}
    report = run_doctor(tmp_path, environ=env, home=home, python=fake_python(tmp_path))
    part = next(c for c in report.checks if c.id == "partitioning")
    assert part.status is Status.WARN
    assert "5 cloud identities" in part.title and "3 AWS" in part.title
    assert "2 Google Cloud" in part.title


def test_dbt_bigquery_without_byte_limit_warns(planted: Plant, tmp_path: Path) -> None:
    report = _report(planted, tmp_path)
    cost = [c for c in report.checks if c.id == "dbt-bytes-limit"]
    titles = " ".join(c.title for c in cost)
    assert "analytics.dev" in titles and "analytics.prod" not in titles
    assert all(c.status is Status.WARN for c in cost)
    assert any("maximum_bytes_billed: 10000000000" in c.fix for c in cost)
    assert any("~/.dbt/profiles.yml:7" in c.fix for c in cost)


@needs_git
def test_project_only_subset(planted: Plant, tmp_path: Path) -> None:
    report = _report(planted, tmp_path, include_machine=False)
    assert {f.scope for f in report.credentials} == {"project"}
    assert {c.id for c in report.checks} == {"project-venv", "credentials", "dbt-bytes-limit"}
    assert report.failed  # the tracked .env with a secret


@pytest.mark.parametrize(
    ("header", "cipher", "expected"),
    [
        ("OPENSSH", "none", True),
        ("OPENSSH", "aes256-ctr", False),
        ("ENCRYPTED", None, False),
        ("RSA", None, True),
        ("RSA-ENC", None, False),
        ("PUBLIC", None, None),
    ],
)
def test_ssh_key_classification(header: str, cipher: str | None, expected: bool | None) -> None:
    if header == "OPENSSH":
        text = _openssh_key(cipher or "none", secrets.token_bytes(40))
    elif header == "ENCRYPTED":
        text = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----\n"
    elif header == "RSA":
        text = "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"
    elif header == "RSA-ENC":
        text = ("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n\nMIIE\n"
                "-----END RSA PRIVATE KEY-----\n")
    else:
        text = "ssh-ed25519 AAAA me@host\n"
    assert ssh_key_unprotected(text) is expected


def test_clean_home_reports_no_credentials(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    report = run_doctor(tmp_path, environ={"PATH": "/usr/bin"}, home=home,
                        python=fake_python(tmp_path))
    assert report.credentials == ()
    summary = next(c for c in report.checks if c.id == "credentials")
    assert summary.status is Status.PASS
