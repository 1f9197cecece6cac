"""Data age is the age of the data ([6]), and one bad record never hides the others ([7] 5).

Through the CLI: ``db import``, ``db status`` and ``audit`` against databases whose records
carry known ``modified`` dates.
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loopback import LoopbackServer
from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.store import VulnStore

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
NOW = datetime.now(UTC)
RECENT = (NOW - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rec(rid: str, package: str, fixed: str, *, modified: str | None = RECENT,
         introduced: str = "0") -> dict[str, object]:
    record: dict[str, object] = {
        "id": rid,
        "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": introduced}, {"fixed": fixed}]}]}],
    }
    if modified is not None:
        record["modified"] = modified
    return record


def _folder(tmp_path: Path, records: dict[str, object | str]) -> Path:
    folder = tmp_path / "records"
    folder.mkdir(exist_ok=True)
    for name, record in records.items():
        text = record if isinstance(record, str) else json.dumps(record)
        (folder / name).write_text(text)
    return folder


# -- data age -------------------------------------------------------------------------------


def test_archive_from_2024_is_reported_as_2024_and_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite3"
    code, out, _ = _run(["db", "import", str(ARCHIVE), "--db", str(db)], capsys)
    assert code == 0 and "data from 2024-10-10" in out
    code, out, _ = _run(["db", "status", "--db", str(db)], capsys)
    assert code == 3
    # (paths are left out of the "fresh" test: a checkout may live in a folder named so)
    verdicts = [line for line in out.splitlines() if "/" not in line]
    assert "data from    2024-10-10" in out and "✓" not in out
    assert not [line for line in verdicts if "fresh" in line]
    assert "✗ data older than the maximum age of 7 days" in out
    code, out, _ = _run(["db", "status", "--db", str(db), "--format", "json"], capsys)
    payload = json.loads(out)
    assert code == 3 and payload["stale"] is True
    assert payload["data_date"].startswith("2024-10-10") and payload["age_days"] > 365
    # The import time is still there, and it is today: it is simply not the data's age.
    assert payload["imported_at"].startswith(NOW.date().isoformat())


def test_audit_refuses_old_data_and_never_calls_it_today(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(ARCHIVE), "--db", str(db)]) == 0
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10\n")
    code, out, err = _run(["audit", "-r", str(req), "--db", str(db), "--offline",
                           "--project", str(tmp_path)], capsys)
    assert code == 3 and "days old" in err and "max-db-age" in err
    # A policy that accepts old data: the report dates it from its records, not today.
    (tmp_path / ".pipwarden.toml").write_text('max-db-age = "3650d"\n')
    code, out, err = _run(["audit", "-r", str(req), "--db", str(db), "--offline",
                           "--project", str(tmp_path)], capsys)
    assert code == 1
    assert "vulnerability data from 2024-10-10" in out and "(today)" not in out
    code, out, _ = _run(["audit", "-r", str(req), "--db", str(db), "--offline",
                         "--project", str(tmp_path), "--format", "json"], capsys)
    assert json.loads(out)["database"]["data_date"].startswith("2024-10-10")


def test_status_uses_the_policy_max_db_age(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(ARCHIVE), "--db", str(db)]) == 0
    policy = tmp_path / "policy.toml"
    policy.write_text('max-db-age = "3650d"\n')
    code, out, _ = _run(["db", "status", "--db", str(db), "--policy", str(policy)], capsys)
    assert code == 0 and "✓ fresh (maximum age 3650 days)" in out


def test_newest_record_dates_the_data_and_future_dates_are_ignored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, {
        "a.json": _rec("GHSA-a", "demo", "1.0", modified="2023-05-01T00:00:00Z"),
        "b.json": _rec("GHSA-b", "demo", "2.0", modified="2024-03-02T10:00:00.5Z"),
        "c.json": _rec("GHSA-c", "other", "2.0", modified="2999-01-01T00:00:00Z"),
        "d.json": _rec("GHSA-d", "other", "3.0", modified="not a date"),
    })
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(folder), "--db", str(db)]) == 0
    with VulnStore.open(db) as store:
        date = store.meta().data_date
    assert date is not None and date.isoformat().startswith("2024-03-02T10:00:00")


def test_records_without_dates_are_of_unknown_age_and_stale(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, {"a.json": _rec("GHSA-a", "demo", "1.0", modified=None)})
    db = tmp_path / "osv.sqlite3"
    code, out, _ = _run(["db", "import", str(folder), "--db", str(db)], capsys)
    assert code == 0 and "no date" in out
    code, out, _ = _run(["db", "status", "--db", str(db)], capsys)
    assert code == 3 and "unknown" in out and "✓" not in out


def test_downloaded_archive_without_dates_takes_the_last_modified_header(
    http_server: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("GHSA-a.json", json.dumps(_rec("GHSA-a", "demo", "1.0", modified=None)))
    http_server.add("/osv/all.zip", archive.read_bytes(),
                    last_modified="Wed, 02 Oct 2024 08:00:00 GMT")
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "update", "--url", f"{http_server.url}/osv/all.zip",
                 "--db", str(db)]) == 0
    capsys.readouterr()
    code, out, _ = _run(["db", "status", "--db", str(db), "--format", "json"], capsys)
    assert code == 3 and json.loads(out)["data_date"].startswith("2024-10-02T08:00:00")


def test_a_database_of_the_previous_schema_asks_for_a_reimport(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, {"a.json": _rec("GHSA-a", "demo", "1.0")})
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(folder), "--db", str(db)]) == 0
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("DELETE FROM meta WHERE key = 'data_date'")
        conn.execute("PRAGMA user_version = 4")
    conn.close()
    req = tmp_path / "requirements.txt"
    req.write_text("demo==0.5\n")
    code, _, err = _run(["audit", "-r", str(req), "--db", str(db), "--offline"], capsys)
    assert code == 3 and "schema 4" in err and "pipwarden db import" in err
    code, _, err = _run(["db", "status", "--db", str(db)], capsys)
    assert code == 3 and "schema 4" in err


# -- per-record isolation -----------------------------------------------------------------


def test_unreadable_records_are_skipped_counted_and_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, {
        "good.json": _rec("GHSA-good", "demo", "1.0"),
        "broken.json": '{"id": "BROKEN", "affected": [',
        "deep.json": '{"id": "DEEP", "x": ' + "[" * 5000 + "]" * 5000 + "}",
        "number.json": '{"id": "NUM", "x": ' + "9" * 5000 + "}",
        "aliases.json": json.dumps({"id": "GHSA-bad", "aliases": "CVE-1"}),
    })
    db = tmp_path / "osv.sqlite3"
    code, out, err = _run(["db", "import", str(folder), "--db", str(db)], capsys)
    assert code == 0, err
    assert "Imported 1 records" in out and "? 4 records skipped:" in out
    for name in ("broken.json", "deep.json", "number.json", "aliases.json"):
        assert name in out
    assert "nested deeper than 64 levels" in out and "5,000 characters" in out
    assert "Traceback" not in err
    code, out, _ = _run(["db", "status", "--db", str(db)], capsys)
    assert "4 records skipped at import" in out


HUGE = "1" + "0" * 5000  # past Python's int-string limit (4,300 digits)


@pytest.mark.parametrize(
    "events",
    [
        [{"introduced": "0"}, {"fixed": HUGE}],
        [{"introduced": "0.1"}, {"fixed": HUGE}, {"introduced": "3.0"}, {"fixed": "3.1"}],
        [{"introduced": HUGE}],
    ],
    ids=["single-fixed", "several-events", "introduced"],
)
def test_unevaluable_record_is_not_checked_and_hides_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], events: list[dict[str, str]]
) -> None:
    bad = {"id": "GHSA-huge", "modified": RECENT,
           "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                         "ranges": [{"type": "ECOSYSTEM", "events": events}]}]}
    folder = _folder(tmp_path, {"bad.json": bad, "good.json": _rec("GHSA-good", "demo", "1.0")})
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(folder), "--db", str(db)]) == 0
    req = tmp_path / "requirements.txt"
    req.write_text("demo==0.5\n")
    for argv in (["-r", str(req)], ["-r", str(req), "--format", "json"]):
        code, out, err = _run(["audit", *argv, "--db", str(db), "--offline",
                               "--project", str(tmp_path)], capsys)
        assert code == 1, err
        assert "Traceback" not in err and HUGE not in out + err
        assert "GHSA-good" in out  # the package's other record still matched
        assert "GHSA-huge" in out and "could not be evaluated" in out  # reported, not dropped
    # The floor audit (a range) isolates it the same way.
    req.write_text("demo>=0.5\n")
    code, out, err = _run(["audit", "-r", str(req), "--db", str(db), "--offline",
                           "--project", str(tmp_path)], capsys)
    assert code == 1 and "GHSA-good" in out
    assert "GHSA-huge" in out and "could not be evaluated" in out and "Traceback" not in err


def test_fresh_database_is_fresh(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _folder(tmp_path, {"a.json": _rec("GHSA-a", "demo", "1.0")})
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(folder), "--db", str(db)]) == 0
    as_current(db, NOW - timedelta(days=1))
    code, out, _ = _run(["db", "status", "--db", str(db)], capsys)
    assert code == 0 and "✓ fresh" in out


def test_refreshing_from_a_source_that_is_itself_old_still_exits_3(
    http_server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The audit refreshes stale data; if the fresh download is just as old (a stale
    mirror), the audit must not go on as if it were current."""
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("GHSA-a.json", json.dumps(
            _rec("GHSA-a", "demo", "1.0", modified="2024-01-01T00:00:00Z")))
    http_server.add("/osv/all.zip", archive.read_bytes())
    monkeypatch.setenv("PIPWARDEN_OSV_URL", f"{http_server.url}/osv/all.zip")
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "update", "--db", str(db)]) == 0
    req = tmp_path / "requirements.txt"
    req.write_text("demo==0.5\n")
    code, _, err = _run(["audit", "-r", str(req), "--db", str(db), "--project", str(tmp_path)],
                        capsys)
    assert code == 3 and "even after refreshing it" in err
    assert http_server.count("/osv/all.zip") == 2  # it did try to refresh
