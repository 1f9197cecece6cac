"""The PyPI client against the loopback server: cache, revalidation, retries, faults."""

from __future__ import annotations

import gzip
import json
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.pypi.cache import HttpCache
from pipwarden.pypi.client import PyPIClient, Response, trim_project, trim_simple
from pipwarden.settings import Settings
from pypi_server import fast_serve

PROJECT = {
    "info": {"name": "Demo", "version": "1.0", "requires_dist": None, "description": "x" * 50},
    "releases": {"1.0": [{"packagetype": "sdist", "upload_time_iso_8601": "2024-01-01T00:00:00Z",
                          "yanked": False, "digests": {"sha256": "0" * 64}}]},
    "urls": [],
    "ownership": {"organization": None, "roles": [{"role": "Owner", "user": "me"}]},
}


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A loopback server that stops quickly (overrides the shared fixture)."""
    yield from fast_serve()


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def make_client(
    server: LoopbackServer, tmp_path: Path, *, clock: Clock | None = None, **kwargs: object
) -> tuple[PyPIClient, list[float]]:
    sleeps: list[float] = []
    settings = Settings(
        cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=server.url, timeout=0.5
    )
    cache = HttpCache(tmp_path / "pypi", clock=clock or time.time)
    client = PyPIClient(
        settings, cache=cache, sleep=sleeps.append, progress=False, **kwargs  # type: ignore[arg-type]
    )
    return client, sleeps


def test_fetch_trims_and_caches_within_freshness(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.add("/pypi/demo/json", json.dumps(PROJECT), etag='"v1"')
    clock = Clock()
    client, _ = make_client(http_server, tmp_path, clock=clock)
    first = client.project("Demo")
    assert first.ok and not first.from_cache
    assert "description" not in first.data["info"]  # type: ignore[index]
    assert "digests" not in first.data["releases"]["1.0"][0]  # type: ignore[index]
    clock.now += 60
    second = client.project("demo")
    assert second.from_cache and second.data == first.data
    assert http_server.count("/pypi/demo/json") == 1  # fresh: no request at all


def test_revalidation_sends_if_none_match_and_handles_304(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.add("/pypi/demo/json", json.dumps(PROJECT), etag='"v1"')
    clock = Clock()
    client, _ = make_client(http_server, tmp_path, clock=clock)
    assert client.project("demo").ok
    clock.now += 7200  # stale: revalidate
    again = client.project("demo")
    assert again.ok and again.data["info"]["name"] == "Demo"  # type: ignore[index]
    assert http_server.count("/pypi/demo/json") == 2
    assert http_server.requests[-1].headers.get("If-None-Match") == '"v1"'
    clock.now += 60  # the 304 refreshed the entry: fresh again
    client.project("demo")
    assert http_server.count("/pypi/demo/json") == 2


def test_revalidation_with_last_modified(http_server: LoopbackServer, tmp_path: Path) -> None:
    stamp = "Wed, 25 Nov 2026 10:00:00 GMT"
    http_server.add("/pypi/demo/json", json.dumps(PROJECT), last_modified=stamp)
    clock = Clock()
    client, _ = make_client(http_server, tmp_path, clock=clock)
    client.project("demo")
    clock.now += 7200
    assert client.project("demo").ok
    assert http_server.requests[-1].headers.get("If-Modified-Since") == stamp


def test_gzip_encoded_answer(http_server: LoopbackServer, tmp_path: Path) -> None:
    body = gzip.compress(json.dumps(PROJECT).encode())
    http_server.add("/pypi/demo/json", body, headers={"Content-Encoding": "gzip"})
    client, _ = make_client(http_server, tmp_path)
    assert client.project("demo").data["info"]["version"] == "1.0"  # type: ignore[index]
    assert http_server.requests[0].headers.get("Accept-Encoding") == "gzip"


def test_retries_5xx_with_backoff(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/pypi/demo/json", json.dumps(PROJECT), fail_times=2)
    client, sleeps = make_client(http_server, tmp_path, backoff=1.0)
    assert client.project("demo").ok
    assert http_server.count("/pypi/demo/json") == 3
    assert len(sleeps) == 2 and sleeps[1] > sleeps[0] * 0.9  # exponential (with jitter)


def test_gives_up_after_retries_with_reason(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/pypi/demo/json", json.dumps(PROJECT), fail_times=10)
    client, sleeps = make_client(http_server, tmp_path, retries=2)
    result = client.project("demo")
    assert result.data is None
    assert result.error == "PyPI answered HTTP 500 after 3 tries"
    assert len(sleeps) == 2


def test_429_honours_retry_after_capped(tmp_path: Path) -> None:
    answers = [
        Response(429, {"retry-after": "7"}, b""),
        Response(429, {"retry-after": "2"}, b""),
        Response(200, {}, json.dumps(PROJECT).encode()),
    ]
    seen: list[str] = []

    def transport(
        url: str, headers: Mapping[str, str], timeout: float, **limits: object
    ) -> Response:
        seen.append(url)
        return answers.pop(0)

    sleeps: list[float] = []
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url="http://pypi.test")
    client = PyPIClient(
        settings, transport=transport, sleep=sleeps.append, max_backoff=5.0, progress=False
    )
    assert client.project("demo").ok
    assert seen == ["http://pypi.test/pypi/demo/json"] * 3
    assert sleeps == [5.0, 2.0]  # Retry-After honoured, capped at max_backoff


def test_timeout_is_a_reason_not_a_crash(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/pypi/slow/json", json.dumps(PROJECT), delay=1.5)
    client, _ = make_client(http_server, tmp_path, retries=1)
    result = client.project("slow")
    assert result.data is None
    assert result.error is not None and "timed out" in result.error


def test_404_is_not_on_pypi_and_cached(http_server: LoopbackServer, tmp_path: Path) -> None:
    client, _ = make_client(http_server, tmp_path)
    result = client.project("no-such-thing")
    assert result.not_found and result.error == "not on PyPI"
    again = client.project("no-such-thing")
    assert again.not_found and again.from_cache
    assert http_server.count("/pypi/no-such-thing/json") == 1


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b""])
def test_malformed_answer(http_server: LoopbackServer, tmp_path: Path, body: bytes) -> None:
    http_server.add("/pypi/bad/json", body)
    client, _ = make_client(http_server, tmp_path)
    result = client.project("bad")
    assert result.data is None and result.error == "malformed answer"


def test_truncated_answer_is_retried_then_reported(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.add("/pypi/cut/json", json.dumps(PROJECT), truncate_at=10)
    client, sleeps = make_client(http_server, tmp_path, retries=1)
    result = client.project("cut")
    assert result.data is None and result.error is not None
    assert "PyPI unreachable" in result.error and len(sleeps) == 1


def test_offline_uses_cache_even_stale_and_reports_misses(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    http_server.add("/pypi/demo/json", json.dumps(PROJECT))
    clock = Clock()
    online, _ = make_client(http_server, tmp_path, clock=clock)
    online.project("demo")
    clock.now += 10 * 86400
    offline, _ = make_client(http_server, tmp_path, clock=clock, offline=True)
    assert offline.project("demo").from_cache
    miss = offline.project("other")
    assert miss.data is None and miss.error == "not in the local cache (offline)"
    assert http_server.count("/pypi/demo/json") == 1
    assert http_server.count("/pypi/other/json") == 0


def test_stale_cache_used_when_network_fails(http_server: LoopbackServer, tmp_path: Path) -> None:
    route = http_server.add("/pypi/demo/json", json.dumps(PROJECT))
    clock = Clock()
    client, _ = make_client(http_server, tmp_path, clock=clock, retries=0)
    client.project("demo")
    clock.now += 7200
    route.fail_times = 5
    result = client.project("demo")
    assert result.ok and result.from_cache


def test_fetch_many_runs_16_requests_in_flight(http_server: LoopbackServer, tmp_path: Path) -> None:
    for i in range(32):
        http_server.add(f"/pypi/p{i}/json", json.dumps(PROJECT), delay=0.4)
    client, _ = make_client(http_server, tmp_path)
    started = time.monotonic()
    results = client.fetch_many([f"p{i}" for i in range(32)])
    elapsed = time.monotonic() - started
    assert all(r.ok for r in results.values()) and len(results) == 32
    assert elapsed < 2.5, elapsed  # one at a time would take 12.8 s; 16 at once ≈ 0.8 s


def test_simple_api_asks_for_pep691_json(http_server: LoopbackServer, tmp_path: Path) -> None:
    simple = {"meta": {"api-version": "1.1"}, "name": "demo", "files": [
        {"filename": "demo-1.0-py3-none-any.whl", "url": "x", "hashes": {},
         "upload-time": "2024-01-01T00:00:00Z", "yanked": False, "provenance": "https://p"}]}
    http_server.add("/simple/demo/", json.dumps(simple))
    client, _ = make_client(http_server, tmp_path)
    result = client.simple("Demo")
    assert result.ok
    assert http_server.requests[0].headers["Accept"] == "application/vnd.pypi.simple.v1+json"
    assert result.data["files"][0]["provenance"] == "https://p"  # type: ignore[index]
    assert "hashes" not in result.data["files"][0]  # type: ignore[index]


def test_trims_keep_shape_and_unknowns() -> None:
    trimmed = trim_project({"info": {"name": "x", "version": "1"}})
    assert "releases" not in trimmed and "ownership" not in trimmed  # missing stays missing
    files = [
        {"packagetype": "bdist_wheel", "upload_time_iso_8601": "2024-01-02", "yanked": False,
         "filename": "a-1-py3-none-any.whl"},
        {"packagetype": "bdist_wheel", "upload_time_iso_8601": "2024-01-01", "yanked": False,
         "filename": "a-1-cp312-cp312-linux_x86_64.whl"},
    ]
    out = trim_project({"info": {"name": "a", "version": "1"}, "releases": {"1": files}})
    assert out["releases"]["1"] == [{**files[1]}]
    assert trim_simple({"files": [{"filename": "a-1.tar.gz", "yanked": False}]}) == {
        "files": [{"filename": "a-1.tar.gz", "yanked": False}]
    }


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"info": 3},
        {"info": {"name": "x"}},
        {"info": {"name": "x", "version": 1}},
        {"info": {"name": "x", "version": "1"}, "releases": []},
        {"info": {"name": "x", "version": "1"}, "urls": {}},
    ],
    ids=["empty", "info-not-object", "no-version", "version-not-text", "releases-list",
         "urls-object"],
)
def test_a_project_answer_of_another_shape_is_refused(
    http_server: LoopbackServer, tmp_path: Path, data: dict[str, object]
) -> None:
    """[6] a 200 JSON answer that is not a PyPI project is garbage, not a project."""
    http_server.add("/pypi/odd/json", json.dumps(data))
    client, _ = make_client(http_server, tmp_path)
    result = client.project("odd")
    assert result.data is None and result.error == "malformed answer"


def test_cache_writes_are_atomic(tmp_path: Path) -> None:
    cache = HttpCache(tmp_path)
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            for _ in range(20):
                cache.put("k", json.dumps({"i": i, "pad": "x" * 5000}).encode())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for _ in range(50):
        entry = cache.get("k")
        if entry is not None:
            json.loads(entry.body)  # never half-written
    for t in threads:
        t.join()
    assert not errors
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))


# -- [7] resource caps ------------------------------------------------------------------
def test_decompress_bounded_counts_decoded_bytes() -> None:
    import zlib

    from pipwarden.pypi.client import LimitExceeded, decompress_bounded

    data = json.dumps(PROJECT).encode()
    assert decompress_bounded(gzip.compress(data), "gzip", 10_000) == data
    assert decompress_bounded(gzip.compress(data) * 2, "gzip", 10_000) == data * 2  # members
    assert decompress_bounded(zlib.compress(data), "deflate", 10_000) == data
    assert decompress_bounded(data, "", 10_000) == data
    with pytest.raises(LimitExceeded, match="once decompressed"):
        decompress_bounded(gzip.compress(bytes(50_000)), "gzip", 10_000)
    with pytest.raises(LimitExceeded):
        decompress_bounded(gzip.compress(data) * 50, "gzip", 10_000)  # many small members
    with pytest.raises(zlib.error):
        decompress_bounded(gzip.compress(data)[:-20], "gzip", 10_000)  # truncated
    with pytest.raises(zlib.error):
        decompress_bounded(data, "br", 10_000)  # never asked for


def test_deadline_covers_every_retry(http_server: LoopbackServer, tmp_path: Path) -> None:
    """Each try may be short; the whole fetch still ends by the deadline."""
    from dataclasses import replace

    http_server.add("/pypi/demo/json", "{}", fail_times=100, delay=0.3)
    client, _ = make_client(http_server, tmp_path, retries=20)
    client.settings = replace(client.settings, http_deadline=1.0)
    client.sleep = time.sleep
    started = time.monotonic()
    result = client.project("demo")
    assert time.monotonic() - started < 2.0
    assert result.error is not None and "within 1 s" in result.error


def test_json_limits() -> None:
    from pipwarden.boundedjson import JsonLimitError, JsonLimits, loads_bounded

    limits = JsonLimits(max_depth=3, max_number_length=5, max_values=20)
    assert loads_bounded(b'{"a": [1, {"b": "[[[[[[\\"]]"}]}', limits) == {
        "a": [1, {"b": '[[[[[["]]'}]
    }
    assert loads_bounded('{"a": "\\\\", "b": 12345}'.encode("utf-16"), limits)["b"] == 12345
    for body, words in [
        (b"[[[[1]]]]", "deeper than 3"),
        (b"[123456]", "longer than 5"),
        (b"[1.0e-100]", "longer than 5"),
        (b"[" + b"1," * 30 + b"1]", "more than 20"),
        (b'{"a": 1, "b": [[[[]]]]}', "deeper than 3"),
    ]:
        with pytest.raises(JsonLimitError, match=words):
            loads_bounded(body, limits)
    with pytest.raises(ValueError, match="not JSON"):
        loads_bounded(b"[NaN]")


def test_cap_settings_from_the_environment(tmp_path: Path) -> None:
    from pipwarden.errors import UsageError

    env = {"PIPWARDEN_CACHE_DIR": str(tmp_path), "PIPWARDEN_HTTP_DEADLINE": "2.5",
           "PIPWARDEN_HTTP_MAX_BYTES": "1000", "PIPWARDEN_JSON_MAX_DEPTH": "8"}
    got = Settings.from_env(env)
    assert (got.http_deadline, got.http_max_bytes, got.json_max_depth) == (2.5, 1000, 8)
    assert Settings.from_env({"PIPWARDEN_CACHE_DIR": str(tmp_path)}).http_deadline == 60.0
    for bad in ("0", "-1", "soon", "inf", "nan"):
        with pytest.raises(UsageError, match="PIPWARDEN_HTTP_DEADLINE"):
            Settings.from_env({**env, "PIPWARDEN_HTTP_DEADLINE": bad})


def test_bad_cap_setting_is_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipwarden.cli import main

    monkeypatch.setenv("PIPWARDEN_HTTP_MAX_BYTES", "lots")
    assert main(["vet", "requests", "--offline"]) == 2
    assert "PIPWARDEN_HTTP_MAX_BYTES" in capsys.readouterr().err


def test_cache_entries_never_hold_url_credentials(tmp_path: Path) -> None:
    """[7] TRUST §2: URL credentials are stripped from every cache key."""

    def transport(url: str, headers: Mapping[str, str], timeout: float, **_: object) -> Response:
        return Response(200, {}, json.dumps(PROJECT).encode(), url)

    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db",
                        pypi_url="https://alice:s3cr3t-token@pypi.example")
    client = PyPIClient(settings, transport=transport, progress=False)
    assert client.project("demo").ok
    stored = b"".join(p.read_bytes() for p in (tmp_path / "pypi").iterdir())
    assert b"s3cr3t-token" not in stored and b"alice" not in stored
    assert client.project("demo").from_cache  # the redacted key still finds it
