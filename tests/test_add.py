"""``pipwarden add`` and ``pipwarden data update`` against the loopback server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.commands.add import append_requirement
from pipwarden.toplist import CACHE_FILE, load_toplist
from pypi_server import fast_serve, install_pypi

DATA = Path(__file__).parent / "data" / "pypi"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A loopback server that stops quickly (overrides the shared fixture)."""
    yield from fast_serve()


@pytest.fixture
def pypi(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    install_pypi(http_server, DATA)
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    yield http_server


def test_add_typosquat_refuses_and_names_the_target(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("pandas>=2.0\n", encoding="utf-8")
    assert main(["add", "reqeusts", "-r", str(req)]) == 1
    err = capsys.readouterr().err
    assert "requests" in err and "not added" in err
    assert req.read_text(encoding="utf-8") == "pandas>=2.0\n"


def test_add_uses_pypi_spelling_and_latest(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_bytes(b"pandas>=2.0\r\n")
    assert main(["add", "Requests", "-r", str(req)]) == 0
    assert req.read_bytes() == b"pandas>=2.0\r\nrequests>=2.34.2\r\n"  # CRLF kept
    assert "Added requests>=2.34.2" in capsys.readouterr().out
    assert main(["add", "FLASK", "-r", str(req)]) == 0
    assert req.read_bytes().endswith(b"\r\nFlask>=3.1.3\r\n")


def test_add_refuses_duplicates(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("Requests>=2.0\n", encoding="utf-8")
    assert main(["add", "requests", "-r", str(req)]) == 2
    assert "already required" in capsys.readouterr().err
    assert req.read_text(encoding="utf-8") == "Requests>=2.0\n"


def test_add_stops_on_risk_unless_yes(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simple = {"meta": {"api-version": "1.4"}, "project-status": {"status": "quarantined"},
              "files": []}
    pypi.add("/simple/idna/", json.dumps(simple))
    req = tmp_path / "requirements.txt"
    assert main(["add", "idna", "-r", str(req)]) == 1
    assert "quarantined" in capsys.readouterr().err
    assert not req.exists()
    assert main(["add", "idna", "-r", str(req), "--yes"]) == 0
    assert req.read_text(encoding="utf-8").startswith("idna>=")


def test_add_unknown_project(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    assert main(["add", "no-such-project-anywhere", "-r", str(req)]) == 1
    assert "not on PyPI" in capsys.readouterr().err
    assert not req.exists()


def test_add_install_without_venv_is_a_clear_error(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    assert main(["add", "idna", "-r", str(req), "--install"]) == 2
    err = capsys.readouterr().err
    assert "no virtual environment" in err and "python -m venv .venv" in err


def test_append_keeps_missing_trailing_newline(tmp_path: Path) -> None:
    req = tmp_path / "r.txt"
    req.write_bytes(b"a>=1")
    append_requirement(req, "b>=2")
    assert req.read_bytes() == b"a>=1\nb>=2"
    empty = tmp_path / "new.txt"
    append_requirement(empty, "c>=3")
    assert empty.read_bytes() == b"c>=3\n"


# -- data update ---------------------------------------------------------------------------
def ranking(n: int) -> dict[str, object]:
    rows = [{"download_count": 10_000 - i, "project": f"Proj_{i}"} for i in range(n)]
    return {"last_update": "2026-11-01 00:00:00", "rows": rows}


def test_data_update_refreshes_the_ranking(
    http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    http_server.add("/top.json", json.dumps(ranking(300)), etag='"r1"')
    monkeypatch.setenv("PIPWARDEN_TOP_PACKAGES_URL", f"{http_server.url}/top.json")
    assert main(["data", "update"]) == 0
    assert "300 projects" in capsys.readouterr().out
    home = Path.home()
    cache = home / ".cache" / "pipwarden"
    assert (cache / CACHE_FILE).is_file()
    top = load_toplist(cache)
    assert len(top) == 300 and top.rank("proj-0") == 1 and top.last_update
    assert load_toplist(None).source == "shipped snapshot"
    assert len(load_toplist(None)) == 15000


def test_data_update_rejects_bad_data_and_keeps_the_old(
    http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"{http_server.url}/top.json"
    http_server.add("/top.json", json.dumps(ranking(300)))
    assert main(["data", "update", "--url", url]) == 0
    cache = Path.home() / ".cache" / "pipwarden" / CACHE_FILE
    before = cache.read_bytes()
    http_server.add("/top.json", "{broken")
    assert main(["data", "update", "--url", url]) == 2
    http_server.add("/top.json", json.dumps({"rows": "nope"}))
    assert main(["data", "update", "--url", url]) == 2
    assert main(["data", "update", "--url", f"{http_server.url}/missing.json"]) == 3
    assert cache.read_bytes() == before
    assert "not a download ranking" in capsys.readouterr().err


def test_corrupt_cached_ranking_falls_back(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_text("{", encoding="utf-8")
    assert load_toplist(tmp_path).source == "shipped snapshot"
