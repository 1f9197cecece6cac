"""``pipwarden update`` for real: a venv upgraded against a local wheel folder."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipwarden import cli
from pipwarden.errors import UsageError
from pipwarden.policy import Policy
from pipwarden.report.update import render
from pipwarden.snapshots import list_history, load_snapshot
from pipwarden.sources.environment import read_environment
from pipwarden.update import PipFailedError, UpdateOptions, UpdateReport, run_update
from update_helpers import copy_venv, isolate_pip, offline_settings
from wheelhouse import make_wheel


@dataclass
class Runs:
    project: Path
    wheels: Path
    first: UpdateReport
    dry: UpdateReport
    second: UpdateReport
    venv_after_dry: dict[str, str]


def _versions(venv: Path) -> dict[str, str]:
    return {p.name: p.version for p in read_environment(venv).packages}


def _v1(wheels: Path) -> None:
    make_wheel(wheels, "pwt-alpha", "1.0", requires=["pwt-beta>=1.0", "pwt-oldlib"])
    make_wheel(wheels, "pwt-beta", "1.0")
    make_wheel(wheels, "pwt-oldlib", "1.0")
    make_wheel(wheels, "pwt-gamma", "1.0", requires=["pwt-delta<2"])
    make_wheel(wheels, "pwt-delta", "1.0")
    make_wheel(wheels, "pwt-omega", "1.0")


def _v2(wheels: Path) -> None:
    # direct bump that swaps a dependency: oldlib goes, newdep comes
    make_wheel(wheels, "pwt-alpha", "1.1", requires=["pwt-beta>=1.0", "pwt-newdep>=1.0"])
    make_wheel(wheels, "pwt-beta", "1.1")  # only --upgrade-strategy eager takes it
    make_wheel(wheels, "pwt-newdep", "1.0")
    make_wheel(wheels, "pwt-delta", "2.0")  # capped by gamma
    make_wheel(wheels, "pwt-omega", "2.0",  # major bump with a changelog link
               project_urls=[("Homepage", "https://example.org/omega"),
                             ("Changelog", "https://example.org/omega/changes")])


def _options(project: Path, wheels: Path, **kw: object) -> UpdateOptions:
    return UpdateOptions(project=project, find_links=(str(wheels),), no_index=True,
                         offline=True, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("update")
    project = root / "project"
    project.mkdir()
    wheels = root / "wheels"
    (project / "requirements.txt").write_text(
        "pwt-alpha>=1.0\npwt-gamma>=1.0\npwt-omega>=1.0\n", encoding="utf-8"
    )
    copy_venv(tmp_path_factory, project / ".venv")
    settings = offline_settings(root)
    with pytest.MonkeyPatch.context() as mp:
        for key, value in isolate_pip().items():
            mp.setenv(key, value) if value else mp.delenv(key, raising=False)
        _v1(wheels)
        first = run_update(_options(project, wheels), settings=settings, policy=Policy())
        _v2(wheels)
        dry = run_update(_options(project, wheels, dry_run=True), settings=settings,
                         policy=Policy())
        venv_after_dry = _versions(project / ".venv")
        second = run_update(_options(project, wheels), settings=settings, policy=Policy())
    yield Runs(project, wheels, first, dry, second, venv_after_dry)


def _by_name(changes: tuple[object, ...]) -> dict[str, object]:
    return {c.name: c for c in changes}  # type: ignore[attr-defined]


def test_first_run_installs_everything_as_new(runs: Runs) -> None:
    added = {c.name: c.new for c in runs.first.added}
    assert added == {"pwt-alpha": "1.0", "pwt-beta": "1.0", "pwt-oldlib": "1.0",
                     "pwt-gamma": "1.0", "pwt-delta": "1.0", "pwt-omega": "1.0"}
    assert runs.first.upgraded == ()
    assert _by_name(runs.first.added)["pwt-beta"].via == ("pwt-alpha",)  # type: ignore[attr-defined]


def test_dry_run_shows_changes_and_changes_nothing(runs: Runs) -> None:
    assert runs.dry.dry_run
    up = {c.name: (c.old, c.new) for c in runs.dry.upgraded}
    assert up == {"pwt-alpha": ("1.0", "1.1"), "pwt-beta": ("1.0", "1.1"),
                  "pwt-omega": ("1.0", "2.0")}
    assert [c.name for c in runs.dry.added] == ["pwt-newdep"]
    assert runs.venv_after_dry["pwt-alpha"] == "1.0"
    assert "pwt-newdep" not in runs.venv_after_dry
    assert "Would upgrade" in render(runs.dry)


def test_direct_and_eager_transitive_bump(runs: Runs) -> None:
    up = {c.name: (c.old, c.new) for c in runs.second.upgraded}
    assert up["pwt-alpha"] == ("1.0", "1.1")
    assert up["pwt-beta"] == ("1.0", "1.1")  # still satisfied by 1.0: only eager moves it
    assert _versions(runs.project / ".venv")["pwt-beta"] == "1.1"


def test_major_bump_flagged_with_release_notes(runs: Runs) -> None:
    omega = _by_name(runs.second.upgraded)["pwt-omega"]
    assert omega.major  # type: ignore[attr-defined]
    assert omega.notes_url == "https://example.org/omega/changes"  # type: ignore[attr-defined]
    assert not _by_name(runs.second.upgraded)["pwt-alpha"].major  # type: ignore[attr-defined]
    text = render(runs.second)
    assert "pwt-omega 1.0 → 2.0    MAJOR: may break · release notes: " \
           "https://example.org/omega/changes" in text


def test_new_transitive_package_reported_with_its_parent(runs: Runs) -> None:
    assert [(c.name, c.new, c.via) for c in runs.second.added] == [
        ("pwt-newdep", "1.0", ("pwt-alpha",))
    ]
    assert "+ pwt-newdep 1.0    new in your tree (via pwt-alpha)" in render(runs.second)
    assert [c.name for c in runs.second.orphaned] == ["pwt-oldlib"]


def test_held_back_names_the_capper(runs: Runs) -> None:
    held = {h.name: h for h in runs.second.held_back}
    assert set(held) == {"pwt-delta"}
    delta = held["pwt-delta"]
    assert (delta.installed, delta.available, delta.capper, delta.specifier) == (
        "1.0", "2.0", "pwt-gamma", "<2")
    assert "pwt-delta 1.0 held back: 2.0 exists, pwt-gamma caps it at <2" in render(
        runs.second)


def test_history_across_two_runs(runs: Runs) -> None:
    files = list_history(runs.project)
    assert len(files) == 2  # the dry run writes no snapshot
    first, second = (load_snapshot(f) for f in files)
    assert first.by_name()["pwt-alpha"].version == "1.0"
    assert second.by_name()["pwt-alpha"].version == "1.1"
    assert runs.second.previous_run == first.taken_at
    assert (runs.project / ".pipwarden" / ".gitignore").read_text(encoding="utf-8").strip() \
        .endswith("*")
    log = Path(runs.second.log_path or "").read_text(encoding="utf-8")
    assert "--upgrade-strategy eager" in log
    assert "Successfully installed" in log


def test_json_and_markdown(runs: Runs) -> None:
    data = json.loads(render(runs.second, "json"))
    assert data["schema"] == 1
    assert {u["name"]: u["major"] for u in data["upgraded"]}["pwt-omega"] is True
    assert data["held_back"][0]["capper"] == "pwt-gamma"
    assert data["added"][0]["via"] == ["pwt-alpha"]
    md = render(runs.second, "markdown")
    assert md.startswith("## Upgraded .venv")
    assert "- ↑ `pwt-omega` 1.0 → 2.0" in md


def test_cli_third_run_reports_nothing_changed(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing to upgrade, and no vulnerability data (offline, empty cache): the audit
    cannot run, so the update is "not checked" and exits 3 — not 0. ``--no-audit`` is the
    user's explicit way to skip it."""
    project = tmp_path / "copy"
    shutil.copytree(runs.project, project, symlinks=True)
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    args = ["update", str(project), "--no-index", "--find-links", str(runs.wheels),
            "--offline"]
    code = cli.main([*args, "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 3 and out["exit_code"] == 3
    assert out["audit"]["ran"] is False and out["audit"]["exit_code"] == 3
    assert out["upgraded"] == [] and out["added"] == []
    assert out["previous_run"] is not None
    assert len(list_history(project)) == 3

    assert cli.main(args) == 3
    text = capsys.readouterr().out
    assert "Then: ? audit not run (no vulnerability data yet" in text
    assert "not checked (exit 3)" in text

    assert cli.main([*args, "--no-audit"]) == 0
    assert "Then: audit not run (skipped with --no-audit)." in capsys.readouterr().out


def test_refuses_a_folder_that_is_not_a_venv(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("x\n", encoding="utf-8")
    (tmp_path / ".venv").mkdir()
    with pytest.raises(UsageError, match="not a virtual environment"):
        run_update(UpdateOptions(project=tmp_path, offline=True),
                   settings=offline_settings(tmp_path), policy=Policy())


def test_failed_rebuild_puts_the_previous_venv_back(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "copy"
    shutil.copytree(runs.project, project, symlinks=True)
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    marker = project / ".venv" / "old-venv-marker"
    marker.write_text("old", encoding="utf-8")
    with (project / "requirements.txt").open("a", encoding="utf-8") as fh:
        fh.write("pwt-does-not-exist>=1\n")
    with pytest.raises(PipFailedError, match="previous venv is back in place"):
        run_update(_options(project, runs.wheels, rebuild=True),
                   settings=offline_settings(tmp_path), policy=Policy())
    assert marker.is_file()
    assert not (project / ".venv.previous").exists()
    assert _versions(project / ".venv")["pwt-alpha"] == "1.1"
    assert os.access(project / ".venv" / "bin" / "python", os.X_OK)


def test_failed_update_says_how_to_get_back(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "copy"
    shutil.copytree(runs.project, project, symlinks=True)
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    with (project / "requirements.txt").open("a", encoding="utf-8") as fh:
        fh.write("pwt-does-not-exist>=1\n")
    with pytest.raises(PipFailedError) as info:
        run_update(_options(project, runs.wheels), settings=offline_settings(tmp_path),
                   policy=Policy())
    # pip rejects the requirement before installing anything: exit 2, pip's reason, and
    # the venv is checked and said to be unchanged (nothing to restore)
    assert info.value.exit_code == 2
    assert "No matching distribution found for pwt-does-not-exist" in info.value.message
    assert info.value.message.endswith("; the venv is unchanged")
    restore = sorted((project / ".pipwarden" / "logs").glob("restore-*.txt"))[-1]
    assert "pwt-alpha==1.1" in restore.read_text(encoding="utf-8").splitlines()
    assert _versions(project / ".venv")["pwt-alpha"] == "1.1"


def test_pyproject_dependencies_and_after_hooks(
    runs: Runs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipwarden.policy import load_policy

    project = tmp_path / "copy"
    shutil.copytree(runs.project, project, symlinks=True)
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)
    extra = tmp_path / "extra-wheels"
    make_wheel(extra, "pwt-zeta", "3.0")
    (project / "pyproject.toml").write_text(
        '[project]\nname = "demo"\nversion = "0"\ndependencies = ["pwt-zeta>=3"]\n',
        encoding="utf-8",
    )
    (project / ".pipwarden.toml").write_text(
        '[update]\nafter = ["python -c \\"import pwt_zeta, pathlib; '
        'pathlib.Path(\'hook-ran\').write_text(pwt_zeta.__version__)\\""]\n',
        encoding="utf-8",
    )
    options = UpdateOptions(project=project, find_links=(str(runs.wheels), str(extra)),
                            no_index=True, offline=True, run_hooks=True, audit=False)
    report = run_update(options, settings=offline_settings(tmp_path),
                        policy=load_policy(project))
    assert report.sources == ("requirements.txt", "pyproject.toml")
    assert [(c.name, c.new) for c in report.added] == [("pwt-zeta", "3.0")]
    assert [(h.command.split()[0], h.returncode) for h in report.hooks] == [("python", 0)]
    assert (project / "hook-ran").read_text(encoding="utf-8") == "3.0"  # ran in the venv
    assert report.exit_code == 0
    assert "✓ after: python -c" in render(report)
