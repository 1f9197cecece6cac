"""Pure parts of update: majors, release-notes links, cappers, snapshots, rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from packaging.version import Version

from pipwarden.errors import InputError
from pipwarden.report.update import render
from pipwarden.snapshots import (
    PackageState,
    Snapshot,
    list_history,
    load_snapshot,
    save_snapshot,
)
from pipwarden.update import (
    Change,
    CooldownResult,
    UpdateReport,
    available_versions,
    find_held_back,
    is_major_bump,
    release_notes_url,
    release_times,
)

T0 = datetime(2026, 11, 26, 8, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    ("old", "new", "major"),
    [
        ("1.11.4", "2.0.1", True),
        ("2.5.0", "2.6.1", False),
        ("0.3.1", "0.4.0", True),  # below 1.0 a minor bump may break
        ("0.3.1", "0.3.9", False),
        ("2.0", "1.9", False),
        ("not-a-version", "2", False),
    ],
)
def test_is_major_bump(old: str, new: str, major: bool) -> None:
    assert is_major_bump(old, new) is major


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        ([("Homepage", "https://h"), ("Release Notes", "https://r")], "https://r"),
        ([("Changelog", "https://c"), ("Source", "https://github.com/a/b")], "https://c"),
        ([("Source", "https://github.com/dbt-labs/dbt-core.git")],
         "https://github.com/dbt-labs/dbt-core/releases"),
        ([("Homepage", "https://example.org")], None),
        ([], None),
    ],
)
def test_release_notes_url(urls: list[tuple[str, str]], expected: str | None) -> None:
    assert release_notes_url(urls) == expected


def _snap(*packages: PackageState, when: datetime = T0) -> Snapshot:
    return Snapshot(when, "/p/.venv", "3.11", packages)


def test_held_back_by_a_package_cap_or_the_requirements_file() -> None:
    after = _snap(
        PackageState("google-api-core", "google-api-core", "2.20.0",
                     requires=("protobuf<7,>=4", 'pytest; extra == "test"')),
        PackageState("protobuf", "protobuf", "6.33.1"),
        PackageState("pandas", "pandas", "2.1.0"),
        PackageState("idna", "idna", "3.10"),
    )
    latest = {"protobuf": Version("7.0.0"), "pandas": Version("3.0.0"),
              "idna": Version("3.10")}
    held = find_held_back(after, latest, {"pandas": ("requirements.txt:4", "<3,>=2")})
    assert [(h.name, h.capper, h.specifier, h.reason) for h in held] == [
        ("pandas", "requirements.txt:4", "<3,>=2", "cap"),
        ("protobuf", "google-api-core", "<7,>=4", "cap"),
    ]


def test_available_versions_merges_pypi_and_local_and_skips_yanked() -> None:
    pypi = {"releases": {"1.0": [{"yanked": False}], "2.0": [{"yanked": True}],
                         "2.1rc1": [{"yanked": False}], "1.5": []}}
    local = {"demo": [Version("1.2")]}
    assert available_versions("Demo", pypi, local) == [Version("1.0"), Version("1.2")]


def test_release_times_take_the_first_upload() -> None:
    data = {"releases": {"1.0": [{"upload_time_iso_8601": "2026-01-02T00:00:00Z"},
                                 {"upload_time_iso_8601": "2026-01-01T00:00:00.5Z"}],
                         "2.0": []}}
    assert release_times(data) == {"1.0": datetime(2026, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)}


def test_snapshot_history_round_trip(tmp_path: Path) -> None:
    first = _snap(PackageState("a", "A", "1", ("b>=1",), (("Changelog", "https://c"),),
                               ("Owner:alice",)))
    second = _snap(PackageState("a", "A", "2"), when=datetime(2026, 11, 27, tzinfo=UTC))
    save_snapshot(tmp_path, second)
    save_snapshot(tmp_path, first)
    files = list_history(tmp_path)
    assert [load_snapshot(f).taken_at for f in files] == [T0, second.taken_at]
    assert load_snapshot(files[0]) == first
    assert (tmp_path / ".pipwarden" / ".gitignore").is_file()
    files[0].write_text("{broken", encoding="utf-8")
    with pytest.raises(InputError, match="unreadable snapshot"):
        load_snapshot(files[0])


def test_render_matches_the_ux_sketch() -> None:
    report = UpdateReport(
        project="/p", venv="/p/.venv", started_at=T0, sources=("requirements.txt",),
        upgraded=(Change("dbt-core", "dbt-core", "1.11.4", "2.0.1", major=True,
                         notes_url="https://github.com/dbt-labs/dbt-core/releases"),),
        added=(Change("narwhals", "narwhals", None, "2.13.0", via=("dbt-core",),
                      vetted="vetted: low risk"),),
        cooldown=CooldownResult(3, T0, "constraints", too_new=(("x", "1.0", T0),)),
        package_count=91,
    )
    text = render(report)
    assert "↑ dbt-core 1.11.4 → 2.0.1    MAJOR: may break · release notes: " \
           "https://github.com/dbt-labs/dbt-core/releases" in text
    assert "+ narwhals 2.13.0    new in your tree (via dbt-core) · vetted: low risk" in text
    assert "cooldown 3 days" in text.splitlines()[0]
    assert "⚠ newer than the cooldown cutoff" in text and "x 1.0" in text
    data = json.loads(render(report, "json"))
    assert data["cooldown"]["too_new"][0]["name"] == "x"
    assert data["exit_code"] == 0


def test_render_of_the_audit_summary_shapes() -> None:
    """Rendering only (the real audit step is tested end to end in test_update_audit.py)."""
    from pipwarden.update import AuditSummary

    counted = UpdateReport(project="/p", venv="/p/.venv", started_at=T0,
                           sources=("requirements.txt",),
                           audit=AuditSummary(ran=True, packages=12, vulnerabilities=1,
                                              exit_code=1))
    assert counted.exit_code == 1
    assert "Then: 1 known vulnerabilities in 12 packages." in render(counted)
    missing = UpdateReport(project="/p", venv="/p/.venv", started_at=T0,
                           sources=("requirements.txt",),
                           audit=AuditSummary(ran=False, reason="no vulnerability data yet"))
    assert missing.exit_code == 0
    assert "Then: audit not run (no vulnerability data yet)." in render(missing)


def test_orphans_and_uncapped_installers_are_not_reported_as_held_back() -> None:
    from pipwarden.update import Change, HeldBack, reportable_held_back

    def held(name: str, reason: str = "unknown") -> HeldBack:
        return HeldBack(name, name, "1.0", "2.0", None, None, reason)

    orphan = Change("chardet", "chardet", "3.0.4", "3.0.4")
    kept = reportable_held_back(
        [held("chardet"), held("pip"), held("setuptools", "cap"), held("protobuf", "cap")],
        [orphan],
    )
    assert [h.name for h in kept] == ["setuptools", "protobuf"]


def test_pip_runs_without_prompts_and_with_its_own_network_limits(tmp_path: Path) -> None:
    """pip never waits for input (PIP_NO_INPUT), never sees PYTHONPATH, gets --timeout,
    --retries and a debug --log on every command but --version; a venv without an
    interpreter is a one-line error (exit 2), not a traceback."""
    from pipwarden.update import PipFailedError, _Pip

    pip = _Pip(tmp_path / "venv", tmp_path / "update.log", tmp_path, deadline=5, timeout=7)
    assert pip.env["PIP_NO_INPUT"] == "1" and pip.env["PIP_REQUIRE_VIRTUALENV"] == "true"
    assert "PYTHONPATH" not in pip.env
    assert pip.network[:4] == ["--timeout", "7", "--retries", "2"]
    with pytest.raises(PipFailedError, match="cannot run") as info:
        pip.run(["install", "x"])
    assert info.value.exit_code == 2
