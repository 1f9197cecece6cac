"""`pipwarden audit -r` imports only what it uses: no lock-file readers, no report format it
does not write, no ``db update`` code (each costs start-up time on every run; see
docs/benchmarks.md). The PyPI client is used: release lists (from the cache when offline)
give the safe floor of each finding."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from pipwarden.sources import project, pylock
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"

_SCRIPT = """
import json, sys
from pipwarden.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def test_audit_of_a_requirements_file_imports_only_what_it_uses(tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    import_source(ARCHIVE, db)
    (tmp_path / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10\nrequests==2.31.0\n")
    env = dict(os.environ, PIPWARDEN_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT, "audit", "-r", str(req), "--db", str(db), "--offline",
         "--format", "json", "--project", str(tmp_path)],
        env=env, capture_output=True, text=True, check=False, timeout=120,
    )
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    assert result["code"] == 1  # jinja2 2.10 has known vulnerabilities
    assert json.loads(proc.stdout)["summary"]["findings"] > 0
    modules = set(result["modules"])
    for unused in (
        "pipwarden.sources.pylock", "pipwarden.sources.lockfiles", "pipwarden.sources.uvlock",
        "pipwarden.report.sarif", "pipwarden.report.markdown", "pipwarden.report.html",
        "pipwarden.report.html_pages", "pipwarden.report.text", "pipwarden.vulndb.update",
        "pipwarden.vulndb.osvparse", "zipfile", "csv",
    ):
        assert unused not in modules, unused


def test_the_pylock_file_name_pattern_is_the_readers() -> None:
    assert project._PYLOCK_NAME.pattern == pylock.PYLOCK_NAME_RE.pattern
