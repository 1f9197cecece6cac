"""Issue [9] "Answers that disagree": the first `check` after install (empty cache: the
database is fetched, the PyPI cache filled, the scan cache written) and the next one (all
read back) give the same answer, offline and against a loopback index.

Each run is a fresh ``python -m pipwarden`` process, as a user runs it: nothing kept in
memory between the two runs can hide a difference between the cold and the warm paths.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from loopback import LoopbackServer, Route
from pipwarden.vulndb.update import import_source
from pypi_server import install_pypi

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "analytics-pipeline"
SAMPLE = ROOT / "examples" / "osv-sample.zip"
RECORDED = ROOT / "tests" / "data" / "pypi"

# what may differ between two runs of the same check: the clock, not the answer
_VOLATILE = {"imported_at", "age_days"}


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def _run_check(project: Path, out: Path, *args: str) -> tuple[int, str, dict[str, Any]]:
    """One `pipwarden check` process: exit code, the text report and the JSON report."""
    proc = subprocess.run(
        [sys.executable, "-m", "pipwarden", "check", str(project), "--max-db-age", "any",
         *args, "-f", "json", "-o", str(out), "-f", "text"],
        capture_output=True, text=True, timeout=300, env=dict(os.environ), check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    text = re.sub(r"\(\d+ days old\)", "(N days old)", proc.stdout)
    return proc.returncode, text, json.loads(out.read_text("utf-8"))


def _counts(report: dict[str, Any]) -> dict[str, Any]:
    """Every count the report states, by section."""
    audit, lint, slim = report["audit"], report["lint"], report["slim"]
    vet, doctor = report["vet"], report["doctor"]
    return {
        "summary": report["summary"],
        "audit": _stable(audit["summary"]) if audit else None,
        "lint": lint["summary"] if lint else None,
        "lint skipped": lint["skipped"] if lint else None,
        "vet packages": len(vet["packages"]) if vet else None,
        "vet verdicts": [(p["name"], p["verdict"]) for p in vet["packages"]] if vet else None,
        "brings": [(p["name"], s["evidence"].get("count"))
                   for p in (vet["packages"] if vet else ()) for s in p["signals"]
                   if s["id"] == "weight"],
        "slim": {k: len(slim[k]) for k in ("unused", "undeclared", "stdlib_alternatives")}
        if slim else None,
        "slim weights": [(w["name"], len(w["brings"]), len(w["only_through"]))
                         for w in slim["subtree_weight"]["dependencies"]] if slim else None,
        "doctor": doctor["counts"] if doctor else None,
    }


def _findings(report: dict[str, Any]) -> dict[str, Any]:
    """Every finding listed, by section."""
    audit, lint, doctor = report["audit"], report["lint"], report["doctor"]
    return {
        "audit": _stable(audit["findings"]) if audit else None,
        "lint": lint["findings"] if lint else None,
        "doctor": doctor["checks"] if doctor else None,
        "slim": {k: report["slim"][k] for k in ("unused", "undeclared")},
        "not checked": report["not_checked"],
    }


def _assert_same_answer(
    first: tuple[int, str, dict[str, Any]], second: tuple[int, str, dict[str, Any]]
) -> None:
    assert _counts(first[2]) == _counts(second[2])
    assert _findings(first[2]) == _findings(second[2])
    assert _stable(first[2]) == _stable(second[2])
    assert first[1] == second[1]  # the text report, line for line
    assert first[0] == second[0]


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(cache))
    return cache


def test_readme_demo_twice_from_an_empty_cache_gives_the_same_answer(
    tmp_path: Path, fresh_cache: Path
) -> None:
    """The README's "Try it": the demo database imported, then `check --offline` twice;
    the first run writes the scan cache, the second reads it."""
    project = tmp_path / "analytics-pipeline"
    shutil.copytree(EXAMPLE, project)
    db = tmp_path / "osv-demo.sqlite3"
    import_source(SAMPLE, db)
    args = ("--offline", "--db", str(db))
    first = _run_check(project, tmp_path / "1.json", *args)
    assert (fresh_cache / "scan").is_dir()  # the second run reads what the first wrote
    second = _run_check(project, tmp_path / "2.json", *args)
    assert first[0] == 1 and first[2]["summary"]["warnings"] > 0
    _assert_same_answer(first, second)


def _loopback_index(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """Recorded PyPI answers, and the sample OSV archive as the download source."""
    install_pypi(server, RECORDED)
    server.routes["/osv/all.zip"] = Route(
        body=SAMPLE.read_bytes(), headers={"Content-Type": "application/zip"}
    )
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
    monkeypatch.setenv("PIPWARDEN_OSV_URL", f"{server.url}/osv/all.zip")


def _recorded_project(tmp_path: Path) -> Path:
    """The example project, its requirements limited to packages with recorded answers and
    an unranked typo (vet then builds the whole typosquat index and saves its tables in the
    cache; the next run loads them; PyPI's 404 is cached too)."""
    project = tmp_path / "analytics-pipeline"
    shutil.copytree(EXAMPLE, project)
    (project / "requirements.txt").write_text(
        "# only packages the recorded PyPI answers cover, and a typo PyPI does not know\n"
        "flask>=2.0\njinja2>=2.10\nrequests==2.19.1\nurllib3>=1.26.0\nclick\n"
        "reqeusts>=1.0\n"
    )
    return project


def test_first_check_after_install_and_the_next_agree_online(
    tmp_path: Path, fresh_cache: Path, http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Empty cache against a loopback index: the first run downloads the vulnerability
    database and fills the PyPI cache, the second reads both. Lint ran before the audit
    had fetched the database: the first run's lint had no PW403 and proposed
    `requests>=2.19.1` ("fixes 2"), the second `requests>=2.31.0` ("fixes 5")."""
    _loopback_index(http_server, monkeypatch)
    project = _recorded_project(tmp_path)
    first = _run_check(project, tmp_path / "1.json")
    assert (fresh_cache / "osv.sqlite3").is_file() and (fresh_cache / "pypi").is_dir()
    assert list(fresh_cache.glob("typosquat-*.json"))  # the second run loads the tables
    second = _run_check(project, tmp_path / "2.json")
    assert first[2]["audit"]["summary"]["findings"] > 0
    assert any(p["verdict"] == "warn" for p in first[2]["vet"]["packages"]) or (
        first[2]["summary"]["warnings"] > 0
    )
    _assert_same_answer(first, second)
    assert "requests>=2.31.0" in first[1] and "requests>=2.19.1" not in first[1]


def test_offline_after_an_online_run_agrees_with_itself(
    tmp_path: Path, fresh_cache: Path, http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`--offline` after an online run (the PyPI cache warm, the database there) twice:
    the same answer both times, and the same findings as the online run."""
    _loopback_index(http_server, monkeypatch)
    project = _recorded_project(tmp_path)
    online = _run_check(project, tmp_path / "0.json")
    first = _run_check(project, tmp_path / "1.json", "--offline")
    second = _run_check(project, tmp_path / "2.json", "--offline")
    _assert_same_answer(first, second)
    assert _stable(first[2]["audit"]) == _stable(online[2]["audit"])
    assert first[2]["summary"]["warnings"] == online[2]["summary"]["warnings"]
