"""The cooldown against a loopback index serving upload times (PEP 691 JSON + PyPI JSON)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from loopback import LoopbackServer
from pipwarden.policy import Policy
from pipwarden.report.update import render
from pipwarden.settings import Settings
from pipwarden.snapshots import PackageState, Snapshot
from pipwarden.sources.environment import read_environment
from pipwarden.update import UpdateOptions, run_update, verify_cooldown
from update_helpers import copy_venv, isolate_pip
from wheelhouse import make_wheel

NOW = datetime.now(UTC).replace(microsecond=0)

# name -> version -> (age, requires)
RELEASES: dict[str, dict[str, tuple[timedelta, list[str]]]] = {
    "pwt-cool": {
        "1.0": (timedelta(days=30), ["pwt-dep>=1.0"]),
        "1.1": (timedelta(days=1), ["pwt-dep>=1.0"]),  # inside the 3-day cooldown
    },
    "pwt-dep": {
        "1.0": (timedelta(days=20), []),
        "1.1": (timedelta(hours=2), []),  # inside the cooldown, transitive
    },
}


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def _publish(server: LoopbackServer, wheels: Path, *, roles: dict[str, list[str]],
             yanked: set[tuple[str, str]]) -> None:
    for name, releases in RELEASES.items():
        files: list[dict[str, Any]] = []
        pypi_releases: dict[str, list[dict[str, Any]]] = {}
        for version, (age, requires) in releases.items():
            wheel = make_wheel(wheels, name, version, requires=requires)
            body = wheel.read_bytes()
            server.add(f"/files/{wheel.name}", body,
                       headers={"Content-Type": "application/octet-stream"})
            uploaded = _iso(NOW - age)
            files.append({"filename": wheel.name, "url": f"/files/{wheel.name}",
                          "hashes": {"sha256": hashlib.sha256(body).hexdigest()},
                          "upload-time": uploaded})
            is_yanked = (name, version) in yanked
            pypi_releases[version] = [{"filename": wheel.name, "packagetype": "bdist_wheel",
                                       "upload_time_iso_8601": uploaded, "yanked": is_yanked,
                                       "yanked_reason": "broken build" if is_yanked else None}]
        simple = {"meta": {"api-version": "1.1"}, "name": name, "files": files,
                  "versions": list(releases)}
        server.add(f"/simple/{name}/", json.dumps(simple),
                   headers={"Content-Type": "application/vnd.pypi.simple.v1+json"})
        latest = list(releases)[-1]
        project = {
            "info": {"name": name, "version": latest, "requires_dist": releases[latest][1]},
            "releases": pypi_releases,
            "ownership": {"roles": [{"role": "Owner", "user": u} for u in roles[name]]},
        }
        server.add(f"/pypi/{name}/json", json.dumps(project),
                   headers={"Content-Type": "application/json"})


def test_cooldown_keeps_out_recent_releases(
    http_server: LoopbackServer, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("pwt-cool>=1.0\n", encoding="utf-8")
    copy_venv(tmp_path_factory, project / ".venv")
    roles = {"pwt-cool": ["alice"], "pwt-dep": ["bob"]}
    _publish(http_server, tmp_path / "wheels", roles=roles, yanked=set())
    settings = Settings(cache_dir=tmp_path / "cache", db_path=tmp_path / "db.sqlite3",
                        pypi_url=http_server.url)
    options = UpdateOptions(project=project, index_url=f"{http_server.url}/simple",
                            cooldown_days=3, now=NOW)

    report = run_update(options, settings=settings, policy=Policy())

    installed = {p.name: p.version for p in read_environment(project / ".venv").packages}
    assert installed["pwt-cool"] == "1.0"  # 1.1 is one day old
    assert installed["pwt-dep"] == "1.0"  # 1.1 is two hours old (transitive)
    assert http_server.count("/files/pwt-cool-1.1-py3-none-any.whl") == 0
    cooldown = report.cooldown
    assert cooldown is not None and cooldown.method == "constraints"  # pip 23 in the venv
    assert set(cooldown.excluded) == {("pwt-cool", "1.1"), ("pwt-dep", "1.1")}
    assert cooldown.too_new == ()
    held = {h.name: (h.available, h.reason) for h in report.held_back}
    assert held == {"pwt-cool": ("1.1", "cooldown"), "pwt-dep": ("1.1", "cooldown")}
    text = render(report)
    assert "cooldown 3 days" in text
    assert "✓ cooldown: 2 installed version(s) released before" in text

    # the next day: a new maintainer on pwt-cool, the installed pwt-dep 1.0 yanked
    roles = {"pwt-cool": ["alice", "mallory"], "pwt-dep": ["bob"]}
    _publish(http_server, tmp_path / "wheels", roles=roles, yanked={("pwt-dep", "1.0")})
    # a fresh cache: a shared PyPI client may serve its cached answer for a while
    next_day = Settings(cache_dir=tmp_path / "cache2", db_path=tmp_path / "db.sqlite3",
                        pypi_url=http_server.url)
    again = run_update(options, settings=next_day, policy=Policy())
    assert [(o.name, o.added) for o in again.ownership] == [("pwt-cool", ("Owner:mallory",))]
    assert [(y.name, y.version) for y in again.yanked] == [("pwt-dep", "1.0")]
    assert again.yanked[0].reason in ("broken build", None)  # the shared client trims reasons
    text = render(again)
    assert "pwt-cool ownership changed since the last run: new maintainer(s) Owner:mallory" \
        in text
    assert "pwt-dep 1.0 is YANKED on PyPI" in text


def test_verify_flags_installed_versions_newer_than_the_cutoff() -> None:
    snapshot = Snapshot(NOW, "/v", "3.11", (
        PackageState("old", "old", "1.0"), PackageState("fresh", "fresh", "2.0"),
        PackageState("local", "local", "0.1"),
    ))
    data = {
        "old": {"releases": {"1.0": [{"upload_time_iso_8601": _iso(NOW - timedelta(days=9))}]}},
        "fresh": {"releases": {"2.0": [{"upload_time_iso_8601": _iso(NOW - timedelta(hours=5))},
                                       {"upload_time_iso_8601": _iso(NOW - timedelta(hours=1))}]}},
        "local": None,
    }
    too_new, unknown = verify_cooldown(snapshot, data, NOW - timedelta(days=3))
    assert [(n, v) for n, v, _ in too_new] == [("fresh", "2.0")]
    assert too_new[0][2] == NOW - timedelta(hours=5)  # the release's first upload
    assert unknown == ("local",)
