"""Hostile install records and specs for ``pipwarden init``'s pin of pipwarden itself:
whatever ``direct_url.json`` or ``--pipwarden-source`` holds, nothing but a validated
``git+https://HOST/PATH@<40 hex>`` reaches the generated shell, JSON and YAML files, and
credentials never do."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.scaffold import pins

COMMIT = "5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c"

HOSTILE_RECORDS = {
    "quote-in-path": {"url": "https://example.org/a'$(touch pwned)'/pipwarden",
                      "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
    "newline-in-path": {"url": "https://example.org/a\nrm -rf ~/pipwarden",
                        "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
    "commit-with-shell": {"url": "https://example.org/acme/pipwarden",
                          "vcs_info": {"vcs": "git", "commit_id": COMMIT[:39] + "'"}},
    "query": {"url": "https://example.org/acme/pipwarden?x=1",
              "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
    "list": ["https://example.org/acme/pipwarden"],
    "vcs-info-string": {"url": "https://example.org/acme/pipwarden", "vcs_info": "git"},
    "deep": {"url": "https://example.org/acme/pipwarden",
             "vcs_info": {"vcs": "git", "commit_id": {"a": [[[]]]}}},
    "dotdot": {"url": "https://example.org/acme/../pipwarden",
               "vcs_info": {"vcs": "git", "commit_id": COMMIT}},
}


@pytest.mark.parametrize("record", list(HOSTILE_RECORDS.values()), ids=list(HOSTILE_RECORDS))
def test_hostile_install_record_gives_no_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: object,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(pins, "_direct_url_text", lambda: json.dumps(record))
    assert main(["init", str(tmp_path / "p"), "--offline"]) == 2
    assert "pass --pipwarden-source" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()


def test_credentials_in_the_record_never_reach_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    record = {"url": "https://x-access-token:ghs_Zz9Yy8Xx7Ww6Vv5@example.org/acme/pipwarden",
              "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
    monkeypatch.setattr(pins, "_direct_url_text", lambda: json.dumps(record))
    root = tmp_path / "p"
    assert main(["init", str(root), "--offline", "--ci", "both"]) == 0
    assert "ghs_" not in capsys.readouterr().out
    texts = [p.read_text() for p in root.rglob("*") if p.is_file()]
    assert not any("ghs_" in t or "x-access-token" in t for t in texts)
    script = (root / "scripts/install_pipwarden.sh").read_text()
    assert f"'git+https://example.org/acme/pipwarden@{COMMIT}'" in script


@pytest.mark.parametrize("spec", [
    "git+https://example.org/acme/pipwarden@" + COMMIT + "\npipx install pipwarden",
    "git+https://example.org/acme/pip warden@" + COMMIT,
    "git+https://example.org/acme/pipwarden@" + COMMIT + '"',
    "git+https://example.org/ac$(id)me/pipwarden@" + COMMIT,
    "git+https://" + "a" * 300 + "/pipwarden@" + COMMIT,
    "pipwarden==1.0 --hash=sha256:" + "a" * 64 + " --index-url https://evil.example/simple",
    "pipwarden==1.0 --hash=sha256:" + "a" * 64 + " -e .",
], ids=["newline", "space", "dquote", "subshell", "long-host", "index-url", "editable"])
def test_hostile_specs_are_refused(
    tmp_path: Path, spec: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "p"), "--offline", "--pipwarden-source", spec]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pipwarden: --pipwarden-source: ") and len(err) < 1000
    assert not (tmp_path / "p").exists()
