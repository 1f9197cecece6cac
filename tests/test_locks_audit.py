"""Lock files as real tools write them, through audit, check and fleet (issue [8])."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source

DATA = Path(__file__).parent / "data"
LOCKS = DATA / "lockfiles"
# fixture folder -> the lock file in it
FORMATS = {
    "uv": "uv.lock",
    "poetry": "poetry.lock",
    "poetry-v1": "poetry.lock",
    "pipenv": "Pipfile.lock",
    "pdm": "pdm.lock",
    "pylock": "pylock.toml",
    "conda": "environment.yml",
    "conda-export": "environment.yaml",
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(DATA / "osv" / "pypa-advisory-database-20241010.zip", path)
    return as_current(path)  # the 2024 records, dated today: lock files are under test


def _project(tmp_path: Path, name: str) -> Path:
    project = tmp_path / name
    shutil.copytree(LOCKS / name, project)
    (project / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
    return project


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_audit_reports_the_locked_vulnerable_pin_with_its_line(
    name: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, name)
    lock = FORMATS[name]
    code, doc = _json(["audit", "--project", str(project), "--db", str(db), "--offline",
                       "--format", "json"], capsys)
    assert code == 1
    findings = doc["findings"]
    assert isinstance(findings, list)
    locked = [f for f in findings if f["package"] == "jinja2" and lock in f["source"]]
    assert locked, [f["source"] for f in findings]
    assert locked[0]["version"] == "2.10.1" and locked[0]["kind"] == "pinned"
    assert isinstance(locked[0]["line"], int) and locked[0]["line"] > 0
    summary = doc["summary"]
    assert isinstance(summary, dict) and summary["packages"] > 0


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_check_reports_the_locked_vulnerable_pin(
    name: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, name)
    code = main(["check", str(project), "--offline", "--db", str(db)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{FORMATS[name]}:" in out and "jinja2" in out and "✓ no problems" not in out


def test_universal_lock_reports_entries_for_other_platforms(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """uv locks idna 3.6 for Windows and 3.7 elsewhere: both are audited, with the marker."""
    project = _project(tmp_path, "uv")
    code, doc = _json(["audit", "--pylock", str(project / "uv.lock"), "--project",
                       str(project), "--db", str(db), "--offline", "--format", "json"], capsys)
    components = {(c["name"], c["version"], c["source"]) for c in _components(project, db, capsys)}
    idna = sorted(v for n, v, _ in components if n == "idna")
    assert idna == ["3.6", "3.7"]
    assert any("win32" in s for n, _, s in components if n == "idna")
    assert code == 1 and isinstance(doc["findings"], list)


def _components(
    project: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, str]]:
    main(["audit", "--pylock", str(project / "uv.lock"), "--project", str(project), "--db",
          str(db), "--offline", "--format", "cyclonedx"])
    doc = json.loads(capsys.readouterr().out)
    return [
        {"name": c["name"], "version": c.get("version"),
         "source": next(p["value"] for p in c["properties"] if p["name"] == "pipwarden:source")}
        for c in doc["components"]
    ]


def test_conda_packages_are_not_checked_not_dropped(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path, "conda")
    code, doc = _json(["audit", "--project", str(project), "--db", str(db), "--offline",
                       "--format", "json"], capsys)
    assert code == 1
    unread = doc["not_checked"]
    assert isinstance(unread, list)
    assert any("conda package" in item["reason"] for item in unread)


def test_fleet_includes_lock_only_projects(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("uv", "pipenv", "poetry"):
        project = _project(tmp_path / "fleet", name)
        (project / "pyproject.toml").unlink(missing_ok=True)
        (project / "Pipfile").unlink(missing_ok=True)
    code = main(["fleet", str(tmp_path / "fleet"), "--offline", "--db", str(db),
                 "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    names = {p["name"] for p in doc["projects"]}
    assert {"uv", "pipenv", "poetry"} <= names
    assert code != 0
