"""A realistic analytics repository with planted secrets and planted look-alikes.

Every secret value is generated at test time from a seeded random source, so that no
token-shaped string sits in this repository. ``plant(root)`` writes the project and returns
the expected findings as ``{(path, kind)}`` plus the paths of the negatives.
"""

from __future__ import annotations

import base64
import json
import random
import string
from pathlib import Path

_rng = random.Random(20261204)


def _rand(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


AZ = string.ascii_uppercase
AZ27 = AZ + "234567"
ALNUM = string.ascii_letters + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"


def _pem(label: str = "RSA PRIVATE KEY") -> str:
    body = "\n".join(_rand(B64, 64) for _ in range(6))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


def _write(root: Path, rel: str, text: str | bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


def _notebook(cells: list[tuple[str, list[str]]]) -> str:
    """A notebook as Jupyter writes it: one JSON string per source line, indent 1."""
    nb_cells = []
    for source, outputs in cells:
        lines = source.splitlines(keepends=True)
        cell: dict[str, object] = {
            "cell_type": "code", "execution_count": 1, "metadata": {}, "source": lines,
            "outputs": [{"name": "stdout", "output_type": "stream", "text": outputs}]
            if outputs else [],
        }
        nb_cells.append(cell)
    doc = {"cells": nb_cells, "metadata": {"kernelspec": {"language": "python"}},
           "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(doc, indent=1)


def plant(root: Path) -> tuple[set[tuple[str, str]], set[str]]:
    """Write the project; return (expected (path, kind) pairs, negative-only paths)."""
    expected: set[tuple[str, str]] = set()

    def secret(rel: str, kind: str, text: str | bytes) -> None:
        _write(root, rel, text)
        expected.add((rel, kind))

    aws_id = "AKIA" + _rand(AZ27, 16)
    aws_secret = _rand(B64, 40)
    secret("pipelines/load.py",
           "aws-access-key",
           f'import boto3\nsession = boto3.Session(\n    aws_access_key_id="{aws_id}",\n'
           f'    aws_secret_access_key="{aws_secret}",\n)\n')
    secret("scripts/release.sh", "github-token",
           f"#!/bin/sh\nexport GH_TOKEN=ghp_{_rand(ALNUM, 36)}\ngh release create v1\n")
    secret(".github/workflows/sync.yml", "github-token",
           "jobs:\n  sync:\n    env:\n"
           f"      TOKEN: github_pat_{_rand(ALNUM, 22)}_{_rand(ALNUM, 59)}\n")
    secret("config/ci.toml", "gitlab-token", f'[gitlab]\ntoken = "glpat-{_rand(ALNUM, 20)}"\n')
    secret("alerts/notify.py", "slack-token",
           f'SLACK = "xoxb-{_rand(string.digits, 12)}-{_rand(string.digits, 13)}-'
           f'{_rand(ALNUM, 24)}"\n')
    secret("alerts/hooks.json", "slack-webhook", json.dumps(
        {"url": f"https://hooks.slack.com/services/T{_rand(AZ + string.digits, 8)}/"
                f"B{_rand(AZ + string.digits, 8)}/{_rand(ALNUM, 24)}"}))
    secret("app/maps.js", "google-api-key",
           f'const key = "AIza{_rand(ALNUM + "-_", 35)}";\n')
    secret(".env", "stripe-live-key", f"STRIPE_KEY=sk_live_{_rand(ALNUM, 24)}\n")
    secret("billing/test_payments.py", "stripe-test-key",
           f'STRIPE = "sk_test_{_rand(ALNUM, 24)}"\n')
    secret("notebooks/explore.ipynb", "anthropic-key", _notebook([
        (f'import anthropic\nclient = anthropic.Anthropic(api_key="sk-ant-api03-'
         f'{_rand(ALNUM, 90)}")\n', []),
        ("import openai\nprint(openai.api_key)\n",
         [f"sk-proj-{_rand(ALNUM + '-_', 60)}\n"]),
    ]))
    expected.add(("notebooks/explore.ipynb", "openai-key"))
    secret("scripts/download_model.sh", "huggingface-token",
           f"huggingface-cli login --token hf_{_rand(ALNUM, 34)}\n")
    secret(".pypirc", "pypi-token",
           f"[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc{_rand(ALNUM, 60)}\n")
    secret(".npmrc", "npm-token", f"//registry.npmjs.org/:_authToken=npm_{_rand(ALNUM, 36)}\n")
    secret("dbt/profiles.yml", "databricks-token",
           "analytics:\n  target: dev\n  outputs:\n    dev:\n      type: databricks\n"
           f"      token: dapi{_rand(HEX, 32)}\n")
    secret("email/send.py", "sendgrid-key",
           f'SENDGRID = "SG.{_rand(ALNUM, 22)}.{_rand(ALNUM, 43)}"\n')
    secret("email/mailgun.cfg", "mailgun-key", f"[mailgun]\napi = key-{_rand(HEX, 32)}\n")
    secret("bots/telegram.py", "telegram-bot-token",
           f'BOT = "{_rand(string.digits, 9)}:AA{_rand(ALNUM, 33)}"\n')
    secret("infra/prod.tfvars", "azure-storage-key",
           'storage_conn = "DefaultEndpointsProtocol=https;AccountName=lake;'
           f'AccountKey={_rand(B64, 86)}==;EndpointSuffix=core.windows.net"\n')
    secret("shop/settings.yaml", "shopify-token", f"shopify:\n  token: shpat_{_rand(HEX, 32)}\n")
    secret("Dockerfile", "digitalocean-token",
           f"FROM python:3.12\nENV DO_TOKEN=dop_v1_{_rand(HEX, 64)}\n")
    secret("keys/id_rsa", "private-key", _pem())
    secret("deploy/deploy_key.pem", "private-key", _pem("OPENSSH PRIVATE KEY"))
    secret("docker-compose.yml", "database-url-password",
           "services:\n  app:\n    environment:\n"
           f"      DATABASE_URL: postgresql://analytics:{_rand(ALNUM, 16)}@db:5432/warehouse\n")
    secret("requirements.txt", "url-password",
           f"--extra-index-url https://deploy:{_rand(ALNUM, 20)}@pypi.corp.example/simple\n"
           "pandas>=2.1\n")
    sa = {"type": "service_account", "project_id": "lake-prod", "private_key_id": _rand(HEX, 40),
          "private_key": _pem("PRIVATE KEY"), "client_email": "etl@lake-prod.iam.example"}
    secret("credentials/lake-prod-4f3c2a1b9e8d.json", "gcp-service-account-key",
           json.dumps(sa, indent=2))
    secret("kaggle.json", "kaggle-api-key",
           json.dumps({"username": "datasci", "key": _rand(HEX, 32)}))
    secret(".netrc", "netrc-password",
           f"machine pypi.corp.example\n  login deploy\n  password {_rand(ALNUM, 18)}\n")
    secret("services/.env.production", "env-file-secret",
           f"DB_PASSWORD={_rand(ALNUM, 18)}\nDEBUG=false\n")
    secret("profiles.yml", "dbt-profile-secret",
           "warehouse:\n  target: prod\n  outputs:\n    prod:\n      type: postgres\n"
           f"      user: etl\n      password: {_rand(ALNUM, 16)}\n")
    secret("analytics/dbt/profiles.yml", "dbt-profile-secret",
           "lake:\n  outputs:\n    dev: {type: snowflake, user: me, password: "
           f"\"{_rand(ALNUM, 14)}\", account: xy12345}}\n")
    secret("webapp/settings.py", "secret-assignment",
           f'SECRET_KEY = "{_rand(ALNUM + "!@#%^&*", 50)}"\n')
    secret(".streamlit/secrets.toml", "secret-assignment",
           f'openai_api_key = "{_rand(ALNUM, 32)}"\n')
    secret("certs/client.p12", "key-store-file", bytes(_rng.getrandbits(8) for _ in range(64)))
    secret("notebooks/mongo.ipynb", "database-url-password", _notebook([
        (f'client = MongoClient("mongodb+srv://reader:{_rand(ALNUM, 16)}@cluster0.example.net")\n',
         []),
    ]))
    # an ignored key file still counts; an ignored .env is the recommended set-up
    _write(root, ".gitignore", ".env.local\nsecrets/\n*.log\n")
    secret("secrets/backup_key.pem", "private-key", _pem("EC PRIVATE KEY"))

    negatives = _negatives(root)
    return expected, negatives


def _negatives(root: Path) -> set[str]:
    files = {
        "docs/aws.md": "Example: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "docs/hf.md": "export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
        "tests/test_slack.py": 'TOKEN = "xoxb-test-token"\n',
        "config/dev.yml": "db:\n  password: changeme\n  api_key: <your-api-key>\n",
        "scripts/ci.sh": "export TOKEN=${GITHUB_TOKEN}\npip install --index-url "
                         "https://${USER}:${TOKEN}@pypi.example.com/simple pkg\n",
        "dbt_env/profiles.yml": "p:\n  outputs:\n    dev:\n      password: "
                                "\"{{ env_var('DBT_PASSWORD') }}\"\n",
        "lock/hashes.txt": f"pandas==2.1.0 --hash=sha256:{_rand(HEX, 64)}\n",
        "data/ids.csv": "\n".join(
            f"{_rand(HEX, 8)}-{_rand(HEX, 4)}-{_rand(HEX, 4)}-{_rand(HEX, 4)}-{_rand(HEX, 12)}"
            for _ in range(5)),
        "notebooks/plot.ipynb": _notebook([("plt.plot(x)\n", [])]).replace(
            '"outputs": []',
            '"outputs": [{"output_type": "display_data", "data": {"image/png": "'
            + base64.b64encode(bytes(_rng.getrandbits(8) for _ in range(3000))).decode()
            + '"}}]'),
        "keys/id_rsa.pub": f"ssh-rsa AAAAB3NzaC1yc2E{_rand(B64, 300)} me@laptop\n",
        "keys/public.pem": f"-----BEGIN PUBLIC KEY-----\n{_rand(B64, 64)}\n"
                           "-----END PUBLIC KEY-----\n",
        "keys/ca.crt": f"-----BEGIN CERTIFICATE-----\n{_rand(B64, 64)}\n"
                       "-----END CERTIFICATE-----\n",
        "app/db.py": 'import os\npassword = os.environ["DB_PASSWORD"]\ntoken = get_token()\n',
        ".env.example": "API_KEY=your-key-here\nDB_PASSWORD=\n",
        "app/empty.py": 'SECRET_KEY = ""\n',
        "app/paths.py": 'password_file = "/run/secrets/db_password"\n',
        "ml/train.py": "max_tokens = 4096\ntokenizer = AutoTokenizer.from_pretrained('bert')\n",
        "etl/conn.py": 'URL = "postgres://user:${PGPASSWORD}@host/db"\n'
                       'LOCAL = "postgresql://localhost/db"\n',
        "README.md": "Set `AWS_SECRET_ACCESS_KEY=` in your shell. Commit "
                     f"{_rand(HEX, 40)} fixed it.\n",
        ".env.local": f"API_KEY={_rand(ALNUM, 30)}\n",  # git-ignored .env: the right place
        "logs/run.log": f"token=ghp_{_rand(ALNUM, 36)}\n",  # an ignored log is not committed
        "config/secrets.yaml.template": "api_token: REPLACE_ME\n",
    }
    for rel, text in files.items():
        _write(root, rel, text)
    return set(files)
