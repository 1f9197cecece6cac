"""update → audit end to end: a real venv upgraded from a local wheel folder to a version
that a tiny OSV database (imported with ``pipwarden db import``) marks vulnerable."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipwarden import cli
from pipwarden.policy import Policy
from pipwarden.report.update import render
from pipwarden.update import UpdateOptions, UpdateReport, _audit, run_update
from update_helpers import copy_venv, isolate_pip, offline_settings
from wheelhouse import make_wheel

# Two records: one for the version the update brings in (severity LOW), one for a version
# the update leaves behind (so it must not be reported after the upgrade).
# Recent, so that the database is current: its age is the age of its newest record.
_RECENT = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
RECORDS = {
    "PYSEC-2099-1": {
        "id": "PYSEC-2099-1",
        "modified": _RECENT,
        "aliases": ["CVE-2099-0001"],
        "summary": "pwt-lowsev 1.1 leaks a temp file",
        "database_specific": {"severity": "LOW"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "pwt_lowsev"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.1"}, {"fixed": "1.2"}]}
                ],
            }
        ],
    },
    "GHSA-pwt0-0000-0001": {
        "id": "GHSA-pwt0-0000-0001",
        "modified": _RECENT,
        "summary": "pwt-lowsev 1.0 only",
        "database_specific": {"severity": "CRITICAL"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "pwt-lowsev"},
                "versions": ["1.0"],
            }
        ],
    },
}


@pytest.fixture(scope="module")
def upgraded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose venv held pwt-lowsev 1.0 and was then offered 1.1 (a template:
    each test copies it and runs the second update itself)."""
    root = tmp_path_factory.mktemp("update-audit")
    project = root / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("pwt-lowsev>=1.0\n", encoding="utf-8")
    copy_venv(tmp_path_factory, project / ".venv")
    wheels = root / "wheels"
    make_wheel(wheels, "pwt-lowsev", "1.0")
    with pytest.MonkeyPatch.context() as mp:
        for key, value in isolate_pip().items():
            mp.setenv(key, value) if value else mp.delenv(key, raising=False)
        first = run_update(
            UpdateOptions(project=project, find_links=(str(wheels),), no_index=True,
                          offline=True, audit=False, vet=False),
            settings=offline_settings(root), policy=Policy(),
        )
    assert [(c.name, c.new) for c in first.added] == [("pwt-lowsev", "1.0")]
    make_wheel(wheels, "pwt-lowsev", "1.1")
    return root


def _setup(template: Path, tmp_path: Path, fail_on: str, monkeypatch: pytest.MonkeyPatch
           ) -> tuple[Path, Path, Path]:
    shutil.copytree(template, tmp_path / "t", symlinks=True)
    project, wheels = tmp_path / "t" / "project", tmp_path / "t" / "wheels"
    (project / ".pipwarden.toml").write_text(f'fail-on = "{fail_on}"\n', encoding="utf-8")
    records = tmp_path / "osv"
    records.mkdir()
    for rid, record in RECORDS.items():
        (records / f"{rid}.json").write_text(json.dumps(record), encoding="utf-8")
    db = tmp_path / "osv.sqlite3"
    assert cli.main(["db", "import", str(records), "--db", str(db)]) == 0
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", "http://127.0.0.1:9")
    return project, wheels, db


@pytest.mark.parametrize(("fail_on", "code"), [("any", 1), ("critical", 0)])
def test_update_audits_the_upgraded_venv(
    upgraded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], fail_on: str, code: int,
) -> None:
    project, wheels, db = _setup(upgraded, tmp_path, fail_on, monkeypatch)
    capsys.readouterr()
    result = cli.main(["update", str(project), "--no-index", "--find-links", str(wheels),
                       "--offline", "--db", str(db)])
    out = capsys.readouterr().out
    assert result == code
    assert "pwt-lowsev 1.0 → 1.1" in out
    then = out[out.index("Then:"):]
    assert "PYSEC-2099-1" in then and "pwt-lowsev" in then
    assert "GHSA-pwt0-0000-0001" not in then  # the left-behind version's record
    if code == 0:  # low is under the threshold: reported, not failing
        assert "✓" in then


def test_update_json_carries_the_audit_counts_and_exit_code(
    upgraded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project, wheels, db = _setup(upgraded, tmp_path, "low", monkeypatch)
    capsys.readouterr()
    result = cli.main(["update", str(project), "--no-index", "--find-links", str(wheels),
                       "--offline", "--db", str(db), "--format", "json"])
    data = json.loads(capsys.readouterr().out)
    assert result == 1
    assert data["audit"]["ran"] is True
    assert data["audit"]["vulnerabilities"] == 1
    assert data["audit"]["exit_code"] == 1 and data["exit_code"] == 1


def test_audit_step_reports_why_it_did_not_run(tmp_path: Path) -> None:
    """No database and offline: the summary says so and carries exit 3 ("not checked"
    fails the update; it used to leave the update's exit code at 0)."""
    venv = tmp_path / ".venv"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("home = /usr\n", encoding="utf-8")
    summary = _audit(venv, tmp_path, offline_settings(tmp_path), Policy())
    assert not summary.ran and summary.exit_code == 3
    assert summary.reason is not None and "--offline forbids downloading" in summary.reason


def test_audit_step_on_the_real_api(upgraded: Path, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The adapter alone on the first run's venv (pwt-lowsev 1.0): the critical record."""
    project, _, db = _setup(upgraded, tmp_path, "any", monkeypatch)
    settings = offline_settings(tmp_path).with_overrides(db_path=db)
    summary = _audit(project / ".venv", project, settings, Policy())
    assert summary.ran and summary.exit_code == 1 and summary.vulnerabilities == 1
    assert summary.data is not None
    assert [f.id for f in summary.data.findings] == ["GHSA-pwt0-0000-0001"]
    assert summary.packages >= 2  # pip and pwt-lowsev at least
    assert summary.text is not None and "GHSA-pwt0-0000-0001" in summary.text
    report = UpdateReport(project=str(project), venv=str(project / ".venv"),
                          started_at=datetime(2026, 11, 26, tzinfo=UTC),
                          sources=("requirements.txt",), audit=summary)
    assert report.exit_code == 1
    assert "GHSA-pwt0-0000-0001" in render(report)
