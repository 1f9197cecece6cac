"""Downloads over a loopback HTTP server: conditional GETs, truncation, retries, failures."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loopback import LoopbackServer, serve
from osvdb import as_current
from pipwarden.cli import main
from pipwarden.errors import NetworkError
from pipwarden.vulndb.store import VulnStore
from pipwarden.vulndb.update import import_source, update_from_url

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
ETAG = '"osv-20241010"'
LAST_MODIFIED = "Thu, 10 Oct 2024 00:00:00 GMT"
PACKAGES = ("jinja2", "requests", "pyyaml", "urllib3")


@pytest.fixture(scope="module")
def _module_server() -> Iterator[LoopbackServer]:
    yield from serve()


@pytest.fixture
def http_server(_module_server: LoopbackServer) -> LoopbackServer:
    """conftest's ``http_server``, shared by this module: stopping one costs 0.5 s."""
    _module_server.routes.clear()
    _module_server.requests.clear()
    return _module_server


@pytest.fixture(scope="module")
def small_zip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The real records of a few packages, in the all.zip layout."""
    out = tmp_path_factory.mktemp("zip") / "all.zip"
    with zipfile.ZipFile(ARCHIVE) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            names = {a["package"]["name"].lower() for a in json.loads(data)["affected"]}
            if names & set(PACKAGES):
                dst.writestr(info.filename, data)
    return out.read_bytes()


def _count(data: bytes) -> int:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return len(zf.namelist())


def _no_sleep(_: float) -> None:
    return None


def _state(db: Path) -> tuple[int, int]:
    st = db.stat()
    return st.st_ino, st.st_mtime_ns


def test_update_then_not_modified(
    http_server: LoopbackServer, small_zip: bytes, tmp_path: Path
) -> None:
    route = http_server.add("/osv/all.zip", small_zip, etag=ETAG, last_modified=LAST_MODIFIED)
    url = f"{http_server.url}/osv/all.zip"
    db = tmp_path / "cache" / "osv.sqlite3"
    first = update_from_url(url, db, sleep=_no_sleep)
    assert first.status == "updated"
    assert first.records == _count(small_zip) > 10
    assert first.downloaded_bytes == len(small_zip)
    with VulnStore.open(db) as store:
        meta = store.meta()
        assert set(store.advisories_for(PACKAGES)) == set(PACKAGES)
    assert (meta.source, meta.etag, meta.last_modified) == (url, ETAG, LAST_MODIFIED)
    before = _state(db)

    second = update_from_url(url, db, sleep=_no_sleep)
    assert second.status == "not-modified"
    assert second.records == first.records
    assert http_server.requests[-1].headers.get("If-None-Match") == ETAG
    assert http_server.requests[-1].headers.get("If-Modified-Since") == LAST_MODIFIED
    assert _state(db) == before
    with VulnStore.open(db) as store:
        assert store.meta() == meta
    assert route.hits == 2
    assert sorted(p.name for p in db.parent.iterdir()) == ["osv.sqlite3"]

    forced = update_from_url(url, db, force=True, sleep=_no_sleep)
    assert forced.status == "updated"
    assert "If-None-Match" not in http_server.requests[-1].headers


def test_update_sends_last_modified_without_etag(
    http_server: LoopbackServer, small_zip: bytes, tmp_path: Path
) -> None:
    http_server.add("/all.zip", small_zip, last_modified=LAST_MODIFIED)
    db = tmp_path / "osv.sqlite3"
    url = f"{http_server.url}/all.zip"
    assert update_from_url(url, db, sleep=_no_sleep).status == "updated"
    assert update_from_url(url, db, sleep=_no_sleep).status == "not-modified"
    assert "If-None-Match" not in http_server.requests[-1].headers


def test_truncated_download_keeps_the_old_database(
    http_server: LoopbackServer, small_zip: bytes, tmp_path: Path
) -> None:
    db = tmp_path / "osv.sqlite3"
    import_source(ARCHIVE, db)
    before = _state(db)
    http_server.add("/osv/all.zip", small_zip, truncate_at=len(small_zip) // 2)
    sleeps: list[float] = []
    with pytest.raises(NetworkError) as info:
        update_from_url(f"{http_server.url}/osv/all.zip", db, retries=1, sleep=sleeps.append)
    message = str(info.value)
    assert "truncated" in message and "was not changed" in message
    assert info.value.exit_code == 3
    assert len(sleeps) == 1  # retried once
    assert _state(db) == before
    with VulnStore.open(db) as store:
        assert store.meta().records == 2661
        assert "jinja2" in store.advisories_for(["jinja2"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["osv.sqlite3"]


def test_server_errors_are_retried_with_backoff(
    http_server: LoopbackServer, small_zip: bytes, tmp_path: Path
) -> None:
    route = http_server.add("/osv/all.zip", small_zip, fail_times=2)
    sleeps: list[float] = []
    result = update_from_url(
        f"{http_server.url}/osv/all.zip", tmp_path / "osv.sqlite3", retries=3, backoff=0.25,
        sleep=sleeps.append,
    )
    assert result.status == "updated"
    assert route.hits == 3
    assert sleeps == [0.25, 0.5]


def test_server_errors_give_up_after_retries(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/osv/all.zip", b"x", fail_times=10, fail_status=503)
    with pytest.raises(NetworkError, match="HTTP 503"):
        update_from_url(f"{http_server.url}/osv/all.zip", tmp_path / "osv.sqlite3", retries=2,
                        sleep=_no_sleep)
    assert http_server.count("/osv/all.zip") == 3


def test_not_found_is_not_retried(http_server: LoopbackServer, tmp_path: Path) -> None:
    with pytest.raises(NetworkError, match="HTTP 404"):
        update_from_url(f"{http_server.url}/missing.zip", tmp_path / "osv.sqlite3",
                        sleep=_no_sleep)
    assert http_server.count("/missing.zip") == 1


def test_timeout_is_retried_then_fails(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/slow.zip", b"x", delay=0.5)
    with pytest.raises(NetworkError, match="unreachable"):
        update_from_url(f"{http_server.url}/slow.zip", tmp_path / "osv.sqlite3", timeout=0.1,
                        retries=1, sleep=_no_sleep)
    assert http_server.count("/slow.zip") == 2


def test_download_that_is_not_a_zip(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/osv/all.zip", b"<html>captive portal</html>")
    with pytest.raises(NetworkError, match="not a zip"):
        update_from_url(f"{http_server.url}/osv/all.zip", tmp_path / "osv.sqlite3",
                        sleep=_no_sleep)
    assert not list(tmp_path.iterdir())


def test_cli_unreachable_exits_3_and_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite3"
    code = main(["db", "update", "--db", str(db), "--url", "http://127.0.0.1:9/osv/all.zip"])
    err = capsys.readouterr().err
    assert code == 3
    assert "no vulnerability data yet and http://127.0.0.1:9 is unreachable" in err
    assert "Run `pipwarden db update` when online, or `pipwarden db import FILE.zip`" in err
    assert "Traceback" not in err
    assert not db.exists()


def test_cli_update_uses_the_environment_url(
    http_server: LoopbackServer, small_zip: bytes, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    http_server.add("/osv/all.zip", small_zip, etag=ETAG)
    monkeypatch.setenv("PIPWARDEN_OSV_URL", f"{http_server.url}/osv/all.zip")
    monkeypatch.setenv("PIPWARDEN_DB", str(tmp_path / "osv.sqlite3"))
    assert main(["db", "update"]) == 0
    assert "Updated the vulnerability database" in capsys.readouterr().out
    assert main(["db", "update"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_cli_import_folder_and_file_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "records"
    with zipfile.ZipFile(ARCHIVE) as zf:
        for name in ("PYSEC-2021-66.json", "PYSEC-2021-335.json"):
            (folder / "nested").mkdir(parents=True, exist_ok=True)
            (folder / "nested" / name).write_bytes(zf.read(name))
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(folder), "--db", str(db)]) == 0
    assert "Imported 2 records" in capsys.readouterr().out
    assert main(["db", "import", ARCHIVE.resolve().as_uri(), "--db", str(db)]) == 0
    assert "Imported 2,661 records" in capsys.readouterr().out
    with VulnStore.open(db) as store:
        assert store.meta().records == 2661


def test_import_over_http(http_server: LoopbackServer, small_zip: bytes, tmp_path: Path) -> None:
    http_server.add("/mirror/all.zip", small_zip, etag=ETAG)
    db = tmp_path / "osv.sqlite3"
    result = import_source(f"{http_server.url}/mirror/all.zip", db, sleep=_no_sleep)
    assert result.records == _count(small_zip)
    with VulnStore.open(db) as store:
        assert store.meta().etag == ETAG


def test_cli_malformed_record_exits_2_and_keeps_the_old_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(ARCHIVE), "--db", str(db)]) == 0
    before = _state(db)
    bad = tmp_path / "broken.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("PYSEC-1.json", json.dumps({"id": "PYSEC-1", "affected": []}))
        zf.writestr("GHSA-xxxx.json", json.dumps({"id": "GHSA-xxxx", "aliases": "CVE-1"}))
    capsys.readouterr()
    assert main(["db", "import", str(bad), "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "broken.zip:GHSA-xxxx.json" in err and "aliases must be a list" in err
    assert _state(db) == before
    with VulnStore.open(db) as store:
        assert store.meta().records == 2661
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.zip", "osv.sqlite3"]


def test_cli_status_text_json_and_stale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "osv.sqlite3"
    assert main(["db", "import", str(ARCHIVE), "--db", str(db)]) == 0
    as_current(db)
    capsys.readouterr()
    assert main(["db", "status", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2,661" in out and "664" in out and "days old" in out and "fresh" in out
    assert main(["db", "status", "--db", str(db), "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["records"] == 2661 and payload["packages"] == 664
    assert payload["stale"] is False and payload["max_age_days"] == 7.0

    as_current(db, datetime(2020, 1, 1, tzinfo=UTC))
    assert main(["db", "status", "--db", str(db)]) == 3
    captured = capsys.readouterr()
    assert "older than the maximum age of 7 days" in captured.out
    assert "pipwarden db update" in captured.err


def test_cli_status_without_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status", "--db", str(tmp_path / "none.sqlite3")]) == 3
    assert "no vulnerability database" in capsys.readouterr().err
