"""The audit end to end: real OSV data, requirement pins and floors, venvs, policy, formats."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.audit import AuditRequest, audit
from pipwarden.cli import main
from pipwarden.policy import IgnoreEntry, Policy
from pipwarden.settings import Settings
from pipwarden.vulndb.store import VulnStore
from pipwarden.vulndb.update import import_source

DATA = Path(__file__).parent / "data"
ARCHIVE = DATA / "osv" / "pypa-advisory-database-20241010.zip"

# 20 known-vulnerable pins and the PyPA records that affect each (read off the records'
# own ranges and versions lists; see test_vulndb_import.py for the store-level twin).
PINS: list[tuple[str, str, set[str]]] = [
    ("jinja2", "2.10.1", {"PYSEC-2021-66"}),
    ("requests", "2.19.0", {"PYSEC-2018-28", "PYSEC-2023-74"}),
    (
        "urllib3",
        "1.24.1",
        {
            "PYSEC-2019-132",
            "PYSEC-2019-133",
            "PYSEC-2020-148",
            "PYSEC-2021-108",
            "PYSEC-2023-192",
            "PYSEC-2023-207",
            "PYSEC-2023-212",
        },
    ),
    ("PyYAML", "5.3", {"PYSEC-2020-96", "PYSEC-2021-142"}),
    (
        "Pillow",
        "8.1.0",
        {
            "PYSEC-2021-137",
            "PYSEC-2021-138",
            "PYSEC-2021-139",
            "PYSEC-2021-317",
            "PYSEC-2021-331",
            "PYSEC-2021-35",
            "PYSEC-2021-36",
            "PYSEC-2021-37",
            "PYSEC-2021-38",
            "PYSEC-2021-39",
            "PYSEC-2021-40",
            "PYSEC-2021-41",
            "PYSEC-2021-42",
            "PYSEC-2021-92",
            "PYSEC-2021-93",
            "PYSEC-2021-94",
            "PYSEC-2022-10",
            "PYSEC-2022-168",
            "PYSEC-2022-42979",
            "PYSEC-2022-8",
            "PYSEC-2022-9",
            "PYSEC-2023-175",
            "PYSEC-2023-227",
        },
    ),
    (
        "django",
        "4.2.0",
        {
            "PYSEC-2023-100",
            "PYSEC-2023-222",
            "PYSEC-2023-225",
            "PYSEC-2023-226",
            "PYSEC-2023-61",
            "PYSEC-2024-102",
            "PYSEC-2024-28",
            "PYSEC-2024-47",
            "PYSEC-2024-56",
            "PYSEC-2024-57",
            "PYSEC-2024-58",
            "PYSEC-2024-59",
            "PYSEC-2024-67",
            "PYSEC-2024-68",
            "PYSEC-2024-69",
            "PYSEC-2024-70",
        },
    ),
    ("cryptography", "3.2", {"PYSEC-2021-62", "PYSEC-2021-63", "PYSEC-2023-11", "PYSEC-2023-254"}),
    ("Werkzeug", "2.2.2", {"PYSEC-2023-221", "PYSEC-2023-57", "PYSEC-2023-58"}),
    ("flask", "0.12.2", {"PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"}),
    (
        "aiohttp",
        "3.8.0",
        {
            "PYSEC-2023-120",
            "PYSEC-2023-246",
            "PYSEC-2023-250",
            "PYSEC-2023-251",
            "PYSEC-2024-24",
            "PYSEC-2024-26",
        },
    ),
    ("setuptools", "65.5.0", {"PYSEC-2022-43012"}),
    ("certifi", "2022.9.24", {"PYSEC-2022-42986", "PYSEC-2023-135"}),
    ("idna", "3.6", {"PYSEC-2024-60"}),
    ("sqlparse", "0.4.3", {"PYSEC-2023-87"}),
    ("lxml", "4.6.2", {"PYSEC-2021-19", "PYSEC-2021-852", "PYSEC-2022-230"}),
    ("paramiko", "2.4.1", {"PYSEC-2022-166"}),
    ("py", "1.11.0", {"PYSEC-2022-42969"}),
    ("mlflow", "2.8.0", {"PYSEC-2023-252", "PYSEC-2023-253", "PYSEC-2023-260", "PYSEC-2024-51"}),
    ("Twisted", "22.4.0", {"PYSEC-2023-224", "PYSEC-2024-75"}),
    ("pip", "21.0", {"PYSEC-2021-437", "PYSEC-2023-228"}),
]

FIXED = [
    ("jinja2", "3.1.5"),
    ("requests", "2.32.0"),
    ("urllib3", "2.2.3"),
    ("pyyaml", "5.4"),
    ("pillow", "10.3.0"),
    ("django", "4.2.16"),
    ("cryptography", "43.0.1"),
    ("werkzeug", "3.0.6"),
    ("flask", "2.3.2"),
    ("aiohttp", "3.10.2"),
    ("setuptools", "70.0.0"),
    ("certifi", "2024.7.4"),
    ("idna", "3.7"),
    ("sqlparse", "0.5.0"),
    ("lxml", "4.9.1"),
    ("paramiko", "3.4.0"),
    ("mlflow", "2.16.0"),
    ("twisted", "24.7.0"),
    ("pip", "23.3"),
]


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(ARCHIVE, db)
    return as_current(db)  # matching is under test here, not the data's age


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _audit_json(
    req: Path, db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, object]]:
    code, out, err = _run(
        [
            "audit",
            "-r",
            str(req),
            "--db",
            str(db),
            "--offline",
            "--format",
            "json",
            "--project",
            str(req.parent),
            *extra,
        ],
        capsys,
    )
    assert err == "" or "WARNING" in err, err
    return code, json.loads(out)


def test_twenty_vulnerable_pins_exactly_the_records_advisories(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("".join(f"{name}=={version}\n" for name, version, _ in PINS))
    code, doc = _audit_json(req, real_db, capsys)
    assert code == 1
    findings = doc["findings"]
    assert isinstance(findings, list)
    record_ids = {adv_id for _, _, ids in PINS for adv_id in ids}
    got: dict[tuple[str, str], list[str]] = {}
    for f in findings:
        assert {"package", "version", "id", "aliases", "fixed_in", "severity", "source"} <= set(f)
        assert f["kind"] == "pinned"
        assert f["source"].startswith(str(req))
        pysec = [i for i in [f["id"], *f["aliases"]] if i.startswith("PYSEC-")]
        got.setdefault((f["package"], f["version"]), []).extend(pysec)
    expected = {(name.lower(), version): sorted(ids) for name, version, ids in PINS}
    assert {k: sorted(v) for k, v in got.items()} == expected
    # every record id is reported exactly once (aliases are grouped, never duplicated)
    flat = [i for ids in got.values() for i in ids]
    assert len(flat) == len(set(flat)) == len(record_ids)


def test_fixed_versions_have_no_findings(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("".join(f"{name}=={version}\n" for name, version in FIXED))
    code, doc = _audit_json(req, real_db, capsys)
    assert doc["findings"] == []
    assert code == 0
    summary = doc["summary"]
    assert isinstance(summary, dict) and summary["packages"] == len(FIXED)


def test_url_and_vcs_requirements_are_reported_not_dropped(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        "jinja2==2.10.1\n"
        "git+https://github.com/pallets/flask@main#egg=flask\n"
        "mylib @ https://example.com/mylib-1.0.tar.gz\n"
        "./local-package\n"
    )
    code, doc = _audit_json(req, real_db, capsys)
    assert code == 1
    skipped = doc["skipped"]
    assert isinstance(skipped, list) and len(skipped) == 3
    assert all("not auditable" in s["reason"] for s in skipped)
    assert any(s["what"] == "flask" and "VCS" in s["reason"] for s in skipped)


# -- floor audit ---------------------------------------------------------------------------


def _floor(tmp_path: Path, real_db: Path, lines: str, releases: dict[str, list[str]] | None):
    req = tmp_path / "requirements.txt"
    req.write_text(lines)
    settings = Settings.from_env().with_overrides(db_path=real_db, offline=True)
    provider = None if releases is None else (lambda names: {n: releases.get(n) for n in names})
    return audit(
        AuditRequest(project=tmp_path, requirements=(req,)),
        settings=settings,
        policy=Policy(),
        releases=provider,
    )


def test_floor_audit_ge_offline_uses_osv_events(tmp_path: Path, real_db: Path) -> None:
    report = _floor(tmp_path, real_db, "jinja2>=2.10\n", None)
    ids = {f.id for f in report.findings}
    # jinja2 >= 2.10 admits 2.10 .. 3.1.x: every jinja2 record of the PyPA data at that time
    assert {"PYSEC-2019-217", "PYSEC-2021-66"} <= ids
    assert all(f.kind == "floor" and f.version is None for f in report.findings)
    floors = {f.safe_floor for f in report.findings}
    assert floors == {"2.11.3"}
    assert report.findings[0].location is not None and report.findings[0].location.line == 1


def test_floor_audit_with_release_list_picks_a_real_release(tmp_path: Path, real_db: Path) -> None:
    releases = {
        "jinja2": [
            "2.9.6",
            "2.10",
            "2.10.1",
            "2.10.3",
            "2.11.2",
            "2.11.3",
            "3.0.0",
            "3.1.4",
            "3.1.5",
        ]
    }
    report = _floor(tmp_path, real_db, "jinja2>=2.10\n", releases)
    assert report.releases_used
    admitted = {v for f in report.findings for v in f.admitted}
    assert {"2.10", "2.10.1"} <= admitted and "2.9.6" not in admitted
    assert {f.safe_floor for f in report.findings} == {"2.11.3"}


def test_floor_audit_compatible_release_and_bare_name(tmp_path: Path, real_db: Path) -> None:
    report = _floor(tmp_path, real_db, "requests~=2.30\nidna\n", None)
    by_pkg = {f.package: f for f in report.findings}
    assert by_pkg["requests"].specifier == "~=2.30"
    assert "PYSEC-2023-74" in by_pkg["requests"].ids  # fixed in 2.31.0, ~=2.30 admits 2.30.0
    assert by_pkg["requests"].safe_floor == "2.31.0"
    assert by_pkg["idna"].specifier == "(any version)"
    assert by_pkg["idna"].safe_floor == "3.7"


def test_floor_above_every_fix_is_clean(tmp_path: Path, real_db: Path) -> None:
    report = _floor(tmp_path, real_db, "requests>=2.32.0\njinja2~=3.1.5\n", None)
    assert report.findings == ()


def test_floor_with_release_list_above_fix_is_clean(tmp_path: Path, real_db: Path) -> None:
    releases = {"requests": ["2.31.0", "2.32.0", "2.32.3"]}
    report = _floor(tmp_path, real_db, "requests>=2.31.0\n", releases)
    assert report.findings == ()


# -- policy ----------------------------------------------------------------------------------


def _pinned_report(tmp_path: Path, real_db: Path, policy: Policy, today: dt.date):
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml==5.3\nrequests==2.32.0\n")
    settings = Settings.from_env().with_overrides(db_path=real_db, offline=True)
    return audit(
        AuditRequest(project=tmp_path, requirements=(req,)),
        settings=settings,
        policy=policy,
        today=today,
    )


def test_expiring_ignores_with_a_fixed_clock(tmp_path: Path, real_db: Path) -> None:
    until = dt.date(2026, 12, 31)
    policy = Policy(
        ignores=(
            IgnoreEntry("CVE-2020-14343", "safe_load only", until, ".pipwarden.toml:3"),
            IgnoreEntry("PYSEC-1999-1", "typo", until, ".pipwarden.toml:7"),
        )
    )
    before = _pinned_report(tmp_path, real_db, policy, dt.date(2026, 12, 31))
    assert [f.id for f, _ in before.ignored] == ["PYSEC-2021-142"]  # matched via its alias
    assert "PYSEC-2021-142" not in {f.id for f in before.findings}
    assert [e.id for e in before.stale_ignores] == ["PYSEC-1999-1"]
    assert before.expired == ()

    after = _pinned_report(tmp_path, real_db, policy, dt.date(2027, 1, 1))
    assert "PYSEC-2021-142" in {f.id for f in after.findings}
    assert [e.id for _, e in after.expired] == ["CVE-2020-14343"]
    assert after.ignored == ()
    from pipwarden.report.audit import render_text

    text = render_text(after)
    assert "ignore of CVE-2020-14343 expired on 2026-12-31" in text
    assert "PYSEC-1999-1" in text and "Stale ignores" in text


def test_policy_file_ignores_and_threshold_via_cli(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".pipwarden.toml").write_text(
        'fail-on = "critical"\n'
        "[[ignore]]\n"
        'id = "PYSEC-2021-142"\nreason = "safe_load only"\nuntil = 2999-01-01\n'
    )
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml==5.3\n")
    code, doc = _audit_json(req, real_db, capsys)
    assert [f["id"] for f in doc["ignored"]] == ["PYSEC-2021-142"]
    assert [f["id"] for f in doc["findings"]] == ["PYSEC-2020-96"]
    # The remaining finding has no severity in its record: it fails whatever fail-on is,
    # until the policy accepts unknown severity.
    assert doc["findings"][0]["severity"] == "unknown"
    assert code == 1
    policy = tmp_path / ".pipwarden.toml"
    policy.write_text('unknown-severity = "warn"\n' + policy.read_text())
    code, doc = _audit_json(req, real_db, capsys)
    assert [f["id"] for f in doc["findings"]] == ["PYSEC-2020-96"]
    assert code == 0


def test_ignore_without_reason_is_a_one_line_error(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / ".pipwarden.toml").write_text('[[ignore]]\nid = "X-1"\nuntil = 2999-01-01\n')
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml==5.3\n")
    code, out, err = _run(
        ["audit", "-r", str(req), "--db", str(real_db), "--offline", "--project", str(tmp_path)],
        capsys,
    )
    assert code == 2 and out == ""
    assert err.count("\n") <= 2 and "needs a reason" in err and ".pipwarden.toml:2" in err
    assert "Traceback" not in err


# -- data availability -------------------------------------------------------------------------


def test_no_database_offline_exits_3_and_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\n")
    code, out, err = _run(
        ["audit", "-r", str(req), "--db", str(tmp_path / "none.db"), "--offline"], capsys
    )
    assert code == 3 and out == ""
    assert "pipwarden db update" in err and "pipwarden db import" in err


def test_no_database_and_unreachable_source_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\n")
    code, out, err = _run(["audit", "-r", str(req), "--db", str(tmp_path / "none.db")], capsys)
    assert code == 3 and out == ""
    assert "unreachable" in err or "cannot download" in err
    assert "Traceback" not in err


def test_stale_database_offline_exits_3(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # data two days old against a one-day limit (not a tiny limit: a fast run beat it)
    import shutil

    db = tmp_path / "old.sqlite3"
    shutil.copyfile(real_db, db)
    as_current(db, dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
    (tmp_path / ".pipwarden.toml").write_text('max-db-age = "1d"\n')
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\n")
    code, _, err = _run(
        ["audit", "-r", str(req), "--db", str(db), "--offline", "--project", str(tmp_path)],
        capsys,
    )
    assert code == 3
    assert "days old" in err and "max-db-age" in err


def test_missing_requirements_file_is_exit_2(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(
        ["audit", "-r", str(tmp_path / "nope.txt"), "--db", str(real_db), "--offline"], capsys
    )
    assert code == 2 and "nope.txt" in err and "not found" in err


def test_malformed_requirement_is_exit_2_with_file_and_line(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\npandas=>2.0\n")
    code, out, err = _run(["audit", "-r", str(req), "--db", str(real_db), "--offline"], capsys)
    assert code == 2 and out == ""
    assert f"{req}:2:" in err and "pandas>=2.0" in err
    assert len(err.strip().splitlines()) <= 2


# -- environments ------------------------------------------------------------------------------


def _dist(site: Path, name: str, version: str, requires: Sequence[str] = ()) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")


def test_venv_audit_shows_dependency_path_and_never_runs_pth(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    _dist(site, "dbt-core", "1.7.0", ["Jinja2>=2.10", "requests<3"])
    _dist(site, "Jinja2", "2.10.1", ["MarkupSafe>=0.23"])
    _dist(site, "MarkupSafe", "2.1.5")
    _dist(site, "requests", "2.32.0")
    marker = tmp_path / "MARKER"
    (site / "evil.pth").write_text(f"import os; open({str(marker)!r}, 'w').write('ran')\n")
    (site / "sitecustomize.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n")
    code, out, _ = _run(
        ["audit", "--path", str(venv), "--db", str(real_db), "--offline", "--format", "json"],
        capsys,
    )
    assert code == 1
    doc = json.loads(out)
    jinja = [f for f in doc["findings"] if f["package"] == "jinja2"]
    assert [f["id"] for f in jinja] == ["PYSEC-2021-66"]
    assert jinja[0]["kind"] == "installed" and jinja[0]["version"] == "2.10.1"
    assert jinja[0]["dependency_paths"] == [["dbt-core", "jinja2"]]
    assert not marker.exists()
    # the default target of a project folder is its .venv
    code, out, _ = _run(
        ["audit", "--project", str(tmp_path), "--db", str(real_db), "--offline"], capsys
    )
    assert code == 1 and "via dbt-core → jinja2" in out and not marker.exists()


# -- formats -----------------------------------------------------------------------------------


def test_sarif_points_at_requirement_lines(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# data stack\nrequests==2.19.0\njinja2>=2.10\n")
    code, out, _ = _run(
        ["audit", "-r", str(req), "--db", str(real_db), "--offline", "--format", "sarif"], capsys
    )
    assert code == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    lines = {}
    for result in run["results"]:
        assert result["ruleId"] in rule_ids
        loc = result["locations"][0]["physicalLocation"]
        assert loc["artifactLocation"]["uri"] == str(req)
        lines.setdefault(loc["region"]["startLine"], set()).add(result["ruleId"])
    assert lines[2] == {"PYSEC-2018-28", "PYSEC-2023-74"}
    assert "PYSEC-2021-66" in lines[3]


def test_markdown_and_text_say_what_to_do(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.19.0\n")
    _, md, _ = _run(
        ["audit", "-r", str(req), "--db", str(real_db), "--offline", "--format", "markdown"],
        capsys,
    )
    assert md.startswith("## ❌ pipwarden audit")
    assert "[PYSEC-2018-28](https://osv.dev/vulnerability/PYSEC-2018-28)" in md
    _, text, _ = _run(["audit", "-r", str(req), "--db", str(real_db), "--offline"], capsys)
    assert "requests 2.19.0" in text
    assert "raise the floor: requests>=2.31.0" in text  # the highest of the nearest fixes
    assert "\x1b[" not in text  # no colour when stdout is not a terminal


def test_meta_counts_real_archive(real_db: Path) -> None:
    with VulnStore.open(real_db) as store:
        assert store.meta().records == 2661


def test_floor_audit_with_release_lists_from_a_pypi_server(
    tmp_path: Path, real_db: Path, http_server: object
) -> None:
    """The real PyPI client over loopback supplies the release list; the floor is a release."""
    from loopback import LoopbackServer
    from pipwarden.audit import pypi_release_provider

    assert isinstance(http_server, LoopbackServer)
    releases = ["2.9.6", "2.10", "2.10.1", "2.11.2", "2.11.3", "3.0.0", "3.1.5"]
    answer = {
        "info": {"name": "Jinja2", "version": "3.1.5"},
        "releases": {
            v: [
                {
                    "filename": f"Jinja2-{v}.tar.gz",
                    "packagetype": "sdist",
                    "upload_time_iso_8601": "2020-01-01T00:00:00Z",
                    "yanked": False,
                }
            ]
            for v in releases
        },
    }
    http_server.add(
        "/pypi/jinja2/json", json.dumps(answer), headers={"Content-Type": "application/json"}
    )
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2>=2.10\n")
    settings = Settings.from_env().with_overrides(db_path=real_db)
    settings = replace(settings, pypi_url=http_server.url, cache_dir=tmp_path / "cache")
    report = audit(
        AuditRequest(project=tmp_path, requirements=(req,)),
        settings=settings,
        policy=Policy(),
        releases=pypi_release_provider(settings),
    )
    assert report.releases_used
    assert http_server.count("/pypi/jinja2/json") == 1
    admitted = {v for f in report.findings for v in f.admitted}
    assert {"2.10", "2.10.1", "2.11.2"} <= admitted and "2.9.6" not in admitted
    assert {f.safe_floor for f in report.findings} == {"2.11.3"}


def test_pins_of_one_package_keep_their_own_fields(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Findings of one package's records at several pins (made from one another) carry
    each pin's version, file, line and fixes above it: what each file audited alone gives."""
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "requirements.txt").write_text("urllib3==1.24.1\n")
    (b / "requirements.txt").write_text("# newer\n\nurllib3==2.0.0\n")
    alone = []
    for req in (a / "requirements.txt", b / "requirements.txt"):
        _, doc = _audit_json(req, real_db, capsys)
        alone.extend(doc["findings"])  # type: ignore[arg-type]
    code, both, _ = _run(["audit", "-r", str(a / "requirements.txt"), "-r",
                          str(b / "requirements.txt"), "--db", str(real_db), "--offline",
                          "--format", "json", "--project", str(tmp_path)], capsys)
    together = json.loads(both)["findings"]

    def key(f: dict[str, object]) -> tuple[str, str]:
        return (str(f["source"]), str(f["id"]))

    assert code == 1
    assert sorted(together, key=key) == sorted(alone, key=key)
    by_pin = {(f["version"], f["line"]) for f in together}
    assert by_pin == {("1.24.1", 1), ("2.0.0", 3)}
    fixes = {(f["id"], f["version"]): f["fixed_in"] for f in together}
    # the case under test: one record, two pins, each with the fixes above it
    assert fixes[("PYSEC-2023-192", "1.24.1")] == ["1.26.17", "2.0.6"]
    assert fixes[("PYSEC-2023-192", "2.0.0")] == ["2.0.6"]
