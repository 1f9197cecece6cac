"""``pipwarden update`` names what vet found about each package new in the tree.

A real pip run against a local wheel folder; PyPI's JSON for the new packages comes from a
loopback server, shaped so that vet has something to say: a package first released days
ago by one owner, an established one with several owners, one that PyPI does not know.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.report.update import render
from pipwarden.update import Change, Concern, UpdateReport
from pypi_server import fast_serve
from update_helpers import copy_venv, isolate_pip
from wheelhouse import make_wheel

NOW = datetime.now(UTC)
MANY = 12  # dependencies of pwt-app: with pwt-app, more new packages than are listed


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _project_json(name: str, *, first: timedelta, owners: list[str],
                  releases: int = 1) -> dict[str, Any]:
    versions = {f"1.{i}": NOW - first + timedelta(days=30 * i) for i in range(releases)}
    files = {v: [{"filename": f"{name}-{v}-py3-none-any.whl", "packagetype": "bdist_wheel",
                  "upload_time_iso_8601": _iso(when), "yanked": False,
                  "requires_python": None, "url": f"/files/{name}-{v}-py3-none-any.whl",
                  "digests": {"sha256": "0" * 64}}]
             for v, when in versions.items()}
    latest = list(versions)[-1]
    return {
        "info": {"name": name, "version": latest, "requires_dist": [], "project_urls": {},
                 "requires_python": None, "yanked": False},
        "ownership": {"organization": None,
                      "roles": [{"role": "Owner", "user": u} for u in owners]},
        "releases": files,
        "urls": files[latest],
        "vulnerabilities": [],
    }


def _publish(server: LoopbackServer) -> None:
    """pwt-fresh: 3 days old, one owner; pwt-app and its dependencies: established with
    three owners, except pwt-dep03 (new, one owner) and pwt-dep07 (unknown to PyPI)."""
    projects = {
        "pwt-fresh": _project_json("pwt-fresh", first=timedelta(days=3), owners=["mallory"]),
        "pwt-app": _project_json("pwt-app", first=timedelta(days=900), owners=["a", "b", "c"],
                                 releases=20),
    }
    for i in range(1, MANY + 1):
        name = f"pwt-dep{i:02d}"
        if i == 3:
            projects[name] = _project_json(name, first=timedelta(days=2), owners=["eve"])
        elif i != 7:
            projects[name] = _project_json(name, first=timedelta(days=800),
                                           owners=["a", "b", "c"], releases=20)
    for name, data in projects.items():
        server.add(f"/pypi/{name}/json", json.dumps(data),
                   headers={"Content-Type": "application/json"})


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("concern-wheels")
    make_wheel(folder, "pwt-fresh", "1.0")
    deps = [f"pwt-dep{i:02d}" for i in range(1, MANY + 1)]
    make_wheel(folder, "pwt-app", "1.19", requires=[f"{d}>=1.0" for d in deps])
    for dep in deps:  # the versions PyPI lists as the latest (none is held back)
        make_wheel(folder, dep, "1.0" if dep == "pwt-dep03" else "1.19")
    return folder


@pytest.fixture
def pypi(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LoopbackServer]:
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    for server in fast_serve():
        monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
        _publish(server)
        yield server


def _update(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, wheels: Path,
            requirement: str, *extra: str) -> list[str]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text(f"{requirement}\n", encoding="utf-8")
    copy_venv(tmp_path_factory, project / ".venv")
    return ["update", str(project), "--no-index", "--find-links", str(wheels), "--no-audit",
            *extra]


def _added_lines(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("+ ")]


@pytest.mark.usefixtures("pypi")
def test_each_new_package_names_its_concerns(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, wheels: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _update(tmp_path_factory, tmp_path, wheels, "pwt-fresh>=1.0")
    assert main(args) == 0
    lines = _added_lines(capsys.readouterr().out)
    assert len(lines) == 1, lines
    line = lines[0]
    # the verdict (vet's typosquat check may call this new name "high risk") and then why
    assert line.startswith("+ pwt-fresh 1.0    new in your tree · vetted: ")
    assert " — " in line and "vetted: ok" not in line
    # the signals behind the verdict, by name, with their evidence
    assert "maintainers: Only 1 maintainer (mallory);" in line
    assert "releases: New package: first release only 3 days ago (" in line


@pytest.mark.usefixtures("pypi")
def test_many_new_packages_are_summarised_worst_first(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, wheels: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out_json = tmp_path / "update.json"
    args = _update(tmp_path_factory, tmp_path, wheels, "pwt-app>=1.0",
                   "-f", "json", "-o", str(out_json), "-f", "text")
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = _added_lines(out)
    data = json.loads(out_json.read_text(encoding="utf-8"))
    added = {a["name"]: a for a in data["added"]}
    assert len(added) == MANY + 1  # JSON has every one, with its concerns
    fresh = added["pwt-dep03"]
    assert fresh["verdict"] == "warn"
    assert {"maintainers", "releases"} <= {c["signal"] for c in fresh["concerns"]}
    assert all({"signal", "level", "message"} == set(c) for c in fresh["concerns"])
    # the text: one summary line with counts by verdict, then the five worst
    summary = lines[0]
    assert summary.startswith(f"+ {MANY + 1} packages new in your tree: ")
    assert summary.endswith("; the 5 worst:")
    counts = summary.split(": ", 1)[1].removesuffix("; the 5 worst:").split(", ")
    assert sum(int(c.split(" ", 1)[0]) for c in counts) == MANY + 1
    assert len(lines) == 1 + 5
    assert lines[1].startswith("+ pwt-dep03 1.0    new in your tree (via pwt-app)")
    assert "maintainers: Only 1 maintainer (eve)" in lines[1]
    assert "exists" in {c["signal"] for c in added["pwt-dep07"]["concerns"]}  # not on PyPI
    assert f"· {MANY + 1 - 5} more new packages not listed: --all lists every one" in out


@pytest.mark.usefixtures("pypi")
def test_all_lists_every_new_package(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, wheels: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = _update(tmp_path_factory, tmp_path, wheels, "pwt-app>=1.0", "--all")
    assert main(args) == 0
    out = capsys.readouterr().out
    lines = _added_lines(out)
    assert len(lines) == MANY + 1 and "more new packages not listed" not in out
    assert {line.split()[1] for line in lines} == {"pwt-app"} | {
        f"pwt-dep{i:02d}" for i in range(1, MANY + 1)}


def _change(name: str, verdict: str | None, *concerns: tuple[str, str, str]) -> Change:
    label = {"risk": "high risk", "warn": "some concerns", "ok": "low risk"}.get(verdict or "")
    return Change(name, name, None, "1.0", vetted=f"vetted: {label}" if label else None,
                  verdict=verdict, concerns=tuple(Concern(*c) for c in concerns))


def test_summary_counts_by_verdict_and_ranks_the_worst_first() -> None:
    added = [_change(f"ok{i:02d}", "ok") for i in range(8)]
    added += [
        _change("warn1", "warn", ("popularity", "warn", "Few people use it: not in the top.")),
        _change("warn2", "warn", ("popularity", "warn", "Few people use it: not in the top."),
                ("maintainers", "warn", "Only 1 maintainer (eve): if they stop, …")),
        _change("typo", "risk", ("typosquat", "risk", "Looks like requests; one edit away.")),
        _change("dry", None),
    ]
    report = UpdateReport(project="/p", venv="/p/.venv", started_at=NOW,
                          sources=("requirements.txt",), added=tuple(added))
    lines = _added_lines(render(report))
    assert lines[0] == ("+ 12 packages new in your tree: 1 high risk, 2 some concerns, "
                        "1 not vetted, 8 low risk; the 5 worst:")
    assert [line.split()[1] for line in lines[1:]] == ["typo", "warn2", "warn1", "dry", "ok00"]
    assert lines[1].endswith("· vetted: high risk — typosquat: Looks like requests")
    assert lines[2].endswith(
        "— popularity: Few people use it; maintainers: Only 1 maintainer (eve)")
    assert len(_added_lines(render(report, list_all=True))) == 12


def test_concerns_quote_data_safely_in_markdown() -> None:
    change = _change("pkg", "warn", ("maintainers", "warn", "Only 1 maintainer (<img src=x>)."),
                     ("vulnerabilities", "unknown", "Vulnerabilities unknown: no database."),
                     ("provenance", "not checked", "Not checked: offline."))
    report = UpdateReport(project="/p", venv="/p/.venv", started_at=NOW,
                          sources=("requirements.txt",), added=(change,))
    md = render(report, "markdown")
    assert "<img" not in md and "&lt;img src=x&gt;" in md
    assert "unknown: vulnerabilities; not checked: provenance" in md
