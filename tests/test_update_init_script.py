"""``pipwarden init`` then ``bash scripts/init_and_update.sh`` against a local wheel folder:
the generated script creates .venv, runs ``pipwarden update`` and leaves a working venv."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

import pipwarden
from pipwarden import cli
from pipwarden.snapshots import list_history
from pipwarden.sources.environment import read_environment
from update_helpers import isolate_pip
from wheelhouse import make_wheel

SRC = Path(pipwarden.__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("python3") is None,
                    reason="needs bash and python3")
def test_generated_script_runs_against_the_local_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "pwt-alpha", "1.2", requires=["pwt-beta>=1"])
    make_wheel(wheels, "pwt-beta", "1.0")
    project = tmp_path / "proj"
    assert cli.main(["init", str(project), "--offline", "--package", "pwt-alpha",
                     "--pipwarden-source",
                     "git+https://example.org/pipwarden/pipwarden@" + "ab12" * 10]) == 0
    capsys.readouterr()
    script = project / "scripts" / "init_and_update.sh"
    assert script.is_file()

    # `pipwarden` on PATH is this checkout, run by this interpreter
    bindir = tmp_path / "bin"
    bindir.mkdir()
    wrapper = bindir / "pipwarden"
    wrapper.write_text(
        f'#!/bin/sh\nPYTHONPATH="{SRC}" exec "{sys.executable}" -m pipwarden "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    env = dict(os.environ)
    env.update(isolate_pip({"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": str(wheels)}))
    env["PATH"] = f"{bindir}{os.pathsep}{env['PATH']}"
    env["PIPWARDEN_OFFLINE"] = "1"
    env.pop("PIP_REQUIRE_VIRTUALENV", None)
    # the audit after the update needs vulnerability data (without it update exits 3):
    # a fresh one-record database, imported offline
    records = tmp_path / "osv"
    records.mkdir()
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    (records / "PYSEC-2099-9.json").write_text(json.dumps({
        "id": "PYSEC-2099-9", "modified": now, "published": now, "summary": "unrelated",
        "affected": [{"package": {"ecosystem": "PyPI", "name": "pwt-unrelated"},
                      "versions": ["1.0"]}]}), encoding="utf-8")
    env["PIPWARDEN_DB"] = str(tmp_path / "osv.sqlite3")
    assert cli.main(["db", "import", str(records), "--db", env["PIPWARDEN_DB"]]) == 0

    done = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, check=False, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "+ pwt-alpha 1.2" in done.stdout  # pipwarden update's report
    venv = project / ".venv"
    installed = {p.name: p.version for p in read_environment(venv).packages}
    assert installed["pwt-alpha"] == "1.2" and installed["pwt-beta"] == "1.0"
    works = subprocess.run([str(venv / "bin" / "python"), "-c",
                            "import pwt_alpha, pwt_beta; print(pwt_alpha.__version__)"],
                           capture_output=True, text=True, check=False)
    assert works.stdout.strip() == "1.2", works.stderr
    assert len(list_history(project)) == 1
