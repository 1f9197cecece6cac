"""Credentials lying around a developer machine: one small detector per location kind.

Each detector reads only what it needs to classify a credential (a key-id prefix, a JSON
``type`` field, whether a key file is encrypted, the *names* of keys) and returns
:class:`CredentialFinding` values that hold no secret: not the value, not a masked part of
it. Nothing read here is logged. The registry :data:`DETECTORS` lists them all; each one
says whether it looks at the machine (``HOME``, environment) or at the project folder.

Detectors by family, one module each (this module holds only the registry):
:mod:`~pipwarden.doctor.credentials.cloud` (AWS, Google Cloud, Azure),
:mod:`~pipwarden.doctor.credentials.devtools` (Kubernetes, Docker, netrc, pypirc, pip
indexes, git, GitHub, SSH, publish tokens), :mod:`~pipwarden.doctor.credentials.dataplatforms`
(Databricks, Snowflake, dbt, Hugging Face, other tools' token files),
:mod:`~pipwarden.doctor.credentials.ambient` (``.env`` files, shell history, agent configs,
environment variables); what they share is in :mod:`~pipwarden.doctor.credentials.base`.
A new detector goes into its family's module and into :data:`DETECTORS`.
"""

from __future__ import annotations

from pipwarden.doctor.credentials.ambient import (
    _find_agents,
    _find_env,
    _find_history,
    _find_project_agents,
    _find_tracked_env,
)
from pipwarden.doctor.credentials.base import SECRET_NAME, Context, Detector
from pipwarden.doctor.credentials.cloud import (
    _find_aws_caches,
    _find_aws_env,
    _find_aws_files,
    _find_azure,
    _find_azure_env,
    _find_gcloud,
    _find_gcp_adc,
    _find_gcp_env,
)
from pipwarden.doctor.credentials.dataplatforms import (
    _find_databricks,
    _find_dbt_machine,
    _find_dbt_project,
    _find_huggingface,
    _find_misc_tools,
    _find_snowflake,
    dbt_outputs,
)
from pipwarden.doctor.credentials.devtools import (
    _find_docker,
    _find_gh,
    _find_git_credentials,
    _find_github_env,
    _find_kube,
    _find_netrc,
    _find_pip_index,
    _find_publish_tokens,
    _find_pypirc,
    _find_ssh,
    ssh_key_unprotected,
)
from pipwarden.doctor.models import CredentialFinding
from pipwarden.log import get_logger

__all__ = [
    "DETECTORS",
    "SECRET_NAME",
    "Context",
    "Detector",
    "dbt_outputs",
    "find_credentials",
    "ssh_key_unprotected",
]

log = get_logger(__name__)


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
