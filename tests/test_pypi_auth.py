"""Private-index credentials and CA bundle, from where pip users keep them; never printed."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
from pathlib import Path

import pytest

from pipwarden.pypi.auth import authorization_for, ca_bundle, index_auth, strip_userinfo

HOST = "https://pypi.corp.example:8443/api/pypi/simple"


def _decoded(value: str | None) -> str | None:
    if value is None:
        return None
    assert value.startswith("Basic ")
    return base64.b64decode(value[6:]).decode()


def test_userinfo_in_the_url_wins_and_is_stripped(tmp_path: Path) -> None:
    auth = index_auth("https://alice:p%40ss@pypi.corp.example/simple", environ={}, home=tmp_path)
    assert auth.url == "https://pypi.corp.example/simple"
    assert _decoded(auth.authorization) == "alice:p@ss"
    assert auth.source == "the configured URL"
    assert "p@ss" not in repr(auth) and "alice" not in repr(auth)


def test_netrc_machine_entry(tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine pypi.corp.example login bob password s3cr3t\n")
    netrc.chmod(0o600)
    auth = index_auth(HOST, environ={}, home=tmp_path)
    assert _decoded(auth.authorization) == "bob:s3cr3t" and auth.source == "netrc"
    other = index_auth("https://pypi.org", environ={}, home=tmp_path)
    assert other.authorization is None


def test_broken_netrc_is_ignored_silently(tmp_path: Path) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine pypi.corp.example login bob password\n  macdef x\n")
    netrc.chmod(0o600)
    assert index_auth(HOST, environ={}, home=tmp_path).authorization is None


def test_pip_config_index_url_on_the_same_origin(tmp_path: Path) -> None:
    conf = tmp_path / ".config" / "pip" / "pip.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text(
        "[global]\nindex-url = https://pypi.org/simple\n"
        "extra-index-url =\n    https://carol:tok@pypi.corp.example:8443/api/pypi/simple\n"
    )
    env = {"XDG_CONFIG_DIRS": str(tmp_path / "none")}
    auth = index_auth(HOST, environ=env, home=tmp_path)
    assert index_auth(HOST, environ={"PIP_CONFIG_FILE": os.devnull},
                      home=tmp_path).authorization is None
    assert _decoded(auth.authorization) == "carol:tok" and auth.source == "pip configuration"
    # another port is another origin: nothing is sent there
    assert index_auth("https://pypi.corp.example/simple", environ=env,
                      home=tmp_path).authorization is None


def test_pip_environment_variables(tmp_path: Path) -> None:
    env = {"PIP_INDEX_URL": "https://dave:pw@pypi.corp.example:8443/simple",
           "XDG_CONFIG_DIRS": str(tmp_path / "none")}
    assert _decoded(index_auth(HOST, environ=env, home=tmp_path).authorization) == "dave:pw"


def test_authorization_only_for_the_index_origin(tmp_path: Path) -> None:
    auth = index_auth("https://u:p@pypi.corp.example/simple", environ={}, home=tmp_path)
    assert authorization_for("https://pypi.corp.example/pypi/x/json", auth) is not None
    assert authorization_for("https://files.example/pypi/x/json", auth) is None
    assert authorization_for("http://pypi.corp.example/pypi/x/json", auth) is None


def test_strip_userinfo() -> None:
    assert strip_userinfo("https://a:b@h/x?y") == "https://h/x?y"
    assert strip_userinfo("https://h/x") == "https://h/x"


def test_ca_bundle_from_environment(tmp_path: Path) -> None:
    assert ca_bundle(environ={"PIP_CONFIG_FILE": os.devnull}, home=tmp_path) is None
    key, cert = tmp_path / "k.pem", tmp_path / "ca.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "1", "-subj", "/CN=test-ca"],
        capture_output=True, check=False,
    )
    if made.returncode != 0:
        pytest.skip("openssl not available to make a CA certificate")
    for variable in ("PIP_CERT", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"):
        context = ca_bundle(environ={variable: str(cert)}, home=tmp_path)
        assert isinstance(context, ssl.SSLContext)
        assert any(c.get("subject") == ((("commonName", "test-ca"),),)
                   for c in context.get_ca_certs())


def _project_json(name: str) -> bytes:
    import json

    return json.dumps({"info": {"name": name, "version": "1.0"}, "releases": {"1.0": []}}).encode()


def test_client_logs_in_to_a_private_index_from_netrc_and_says_nothing(
    tmp_path: Path, http_server: object, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from loopback import LoopbackServer
    from pipwarden.pypi.client import PyPIClient
    from pipwarden.settings import Settings

    assert isinstance(http_server, LoopbackServer)
    http_server.add("/pypi/demo/json", _project_json("demo"))
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login ci password n3trc-s3cret\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    settings = Settings(cache_dir=tmp_path / "cache", db_path=tmp_path / "db",
                        pypi_url=http_server.url)
    result = PyPIClient(settings, progress=False).fetch_many(["demo"])["demo"]
    assert result.data is not None
    sent = [r.headers.get("Authorization") for r in http_server.requests]
    assert sent and _decoded(sent[0]) == "ci:n3trc-s3cret"
    out, err = capsys.readouterr()
    assert "n3trc-s3cret" not in out + err


def test_client_takes_the_login_from_the_url_and_keeps_it_out_of_the_cache(
    tmp_path: Path, http_server: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from loopback import LoopbackServer
    from pipwarden.pypi.client import PyPIClient
    from pipwarden.settings import Settings

    assert isinstance(http_server, LoopbackServer)
    http_server.add("/pypi/demo/json", _project_json("demo"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    url = http_server.url.replace("http://", "http://bot:url-s3cret@")
    settings = Settings(cache_dir=tmp_path / "cache", db_path=tmp_path / "db", pypi_url=url)
    assert PyPIClient(settings, progress=False).fetch_many(["demo"])["demo"].data is not None
    assert _decoded(http_server.requests[0].headers.get("Authorization")) == "bot:url-s3cret"
    for path in (tmp_path / "cache").rglob("*"):
        if path.is_file():
            assert b"url-s3cret" not in path.read_bytes()
