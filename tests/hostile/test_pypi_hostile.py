"""Hostile PyPI and GitHub servers against ``pipwarden vet`` (issues [6] and [7]).

Every test goes through the CLI against loopback servers: a gzip bomb, a server that
sends one byte a second, redirects that try to take the GitHub token to another host,
GitHub answers about another repository, garbage and pathological JSON. Each fails
without the rule it tests (size cap, total deadline, redirect handler, validation, JSON
limits): the notes say what happened before.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import tracemalloc
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from loopback import LoopbackServer, Route
from pipwarden.cli import main
from pipwarden.pypi.client import origin, urllib_transport
from pypi_server import fast_serve, install_pypi

DATA = Path(__file__).parent.parent / "data" / "pypi"
TOKEN = "ghp_hostile_test_token_0123456789"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    yield from fast_serve()


@pytest.fixture
def other_host() -> Iterator[LoopbackServer]:
    """A second loopback server: another port is another origin (another "host")."""
    yield from fast_serve()


@pytest.fixture
def pypi(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    install_pypi(http_server, DATA)
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    return http_server


def gzip_bomb(mib: int) -> bytes:
    """A valid gzip stream of ``mib`` MiB of zeros in about ``mib`` KiB.

    Built from one compressed MiB repeated: after a full flush the compressor's state is
    reset, so every further MiB of zeros compresses to the same bytes (0.5 s for 1 GiB
    instead of several seconds of compression).
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    chunk = bytes(1 << 20)
    first = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.flush()[:-8]  # the trailer is rewritten for the full length below
    crc = 0
    for _ in range(mib):
        crc = zlib.crc32(chunk, crc)
    trailer = struct.pack("<II", crc, (mib << 20) & 0xFFFFFFFF)
    return first + block * (mib - 1) + tail + trailer


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(1024)  # 1 GiB of zeros, about 1 MB on the wire


def vet_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["vet", *argv, "--python", "3.12"])
    out, err = capsys.readouterr()
    return code, out, err


# -- [7] size cap on the decompressed body ----------------------------------------------
def test_gzip_bomb_is_exit_3_quickly_in_bounded_memory(
    pypi: LoopbackServer, bomb: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the client inflated the whole answer (1 GiB here, 7.7 GB in the report)."""
    pypi.add("/pypi/requests/json", bomb, headers={"Content-Encoding": "gzip"})
    tracemalloc.start()
    started = time.monotonic()
    try:
        code, out, err = vet_cli(capsys, "requests")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 3 and out == ""
    assert "larger than" in err and "decompressed" in err and "PIPWARDEN_HTTP_MAX_BYTES" in err
    assert len(err.strip().splitlines()) <= 2  # one line (and at most a hint)
    assert time.monotonic() - started < 15
    assert peak < 250 * 1024 * 1024  # the default cap is 64 MiB


def test_size_cap_is_a_setting(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/requests/json", gzip_bomb(4), headers={"Content-Encoding": "gzip"})
    monkeypatch.setenv("PIPWARDEN_HTTP_MAX_BYTES", str(1 << 20))
    code, _out, err = vet_cli(capsys, "requests")
    assert code == 3 and "1,048,576 bytes" in err


def test_plain_body_over_the_cap_is_refused(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/requests/json", b" " * (3 << 20) + b"{}")
    monkeypatch.setenv("PIPWARDEN_HTTP_MAX_BYTES", str(1 << 20))
    code, _out, err = vet_cli(capsys, "requests")
    assert code == 3 and "larger than 1,048,576 bytes" in err


# -- [7] a total deadline per request ---------------------------------------------------
class Trickle:
    """A raw HTTP server that answers one byte at a time, ``interval`` seconds apart.

    ``stage`` is ``"headers"`` (the status line and headers trickle) or ``"body"``
    (headers at once, announcing a large body that then trickles).
    """

    def __init__(self, stage: str, interval: float = 0.2) -> None:
        self.stage = stage
        self.interval = interval
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        self.listener.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        head += b"Content-Length: 100000\r\n\r\n"
        body = b'{"info": {"name": "x", "version": "1"}, "pad": "' + b"x" * 99000
        with conn:
            try:
                conn.recv(65536)
                if self.stage == "body":
                    conn.sendall(head)
                    data = body
                else:
                    data = head + body
                for i in range(len(data)):
                    if self.stop.is_set():
                        return
                    conn.sendall(data[i : i + 1])
                    time.sleep(self.interval)
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.listener.close()


@pytest.mark.parametrize("stage", ["headers", "body"], ids=["slow-headers", "slow-body"])
def test_slow_server_is_exit_3_within_the_deadline(
    stage: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: the timeout was per socket read, so a byte every second kept vet alive
    for as long as the server liked."""
    server = Trickle(stage)
    try:
        monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
        monkeypatch.setenv("PIPWARDEN_HTTP_DEADLINE", "2")
        started = time.monotonic()
        code, out, err = vet_cli(capsys, "requests")
        elapsed = time.monotonic() - started
    finally:
        server.close()
    assert code == 3 and out == ""
    assert "no complete answer within 2 s" in err
    assert elapsed < 4.5  # the deadline (2 s) covers every try, plus start-up


def test_transport_deadline_counts_connect_and_all_reads() -> None:
    server = Trickle("body", interval=0.05)
    try:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            urllib_transport(server.url + "/x", {}, 10.0, deadline=time.monotonic() + 0.5)
        assert time.monotonic() - started < 2.0
    finally:
        server.close()


# -- [7] credentials never follow a redirect to another host ----------------------------
def _redirect(to: str) -> Route:
    return Route(status=302, headers={"Location": to})


def _github_env(monkeypatch: pytest.MonkeyPatch, api: LoopbackServer) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("PIPWARDEN_GITHUB_API_URL", api.url)


def _leaks(server: LoopbackServer) -> list[str]:
    """Headers that reached ``server`` carrying the token or any Authorization."""
    return [
        f"{r.path}: {k}"
        for r in server.requests
        for k, v in r.headers.items()
        if k.lower() == "authorization" or TOKEN in v
    ]


def test_github_redirect_to_another_host_gets_no_token_and_no_tick(
    pypi: LoopbackServer,
    other_host: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: urllib copied ``Authorization: Bearer <GITHUB_TOKEN>`` onto the redirected
    request, and any 200 JSON there became "✓ Has a security policy"."""
    _github_env(monkeypatch, pypi)
    for path in ("", "/contents/SECURITY.md", "/contents/.github/FUNDING.yml"):
        pypi.routes[f"/repos/pallets/flask{path}"] = _redirect(
            f"{other_host.url}/repos/pallets/flask{path}"
        )
    repo = {"full_name": "pallets/flask", "html_url": "https://github.com/pallets/flask",
            "archived": False}
    other_host.add("/repos/pallets/flask", json.dumps(repo))
    link = {"type": "file", "html_url": "https://github.com/pallets/flask/blob/main/SECURITY.md"}
    other_host.add("/repos/pallets/flask/contents/SECURITY.md", json.dumps(link))
    code = main(["vet", "flask", "--python", "3.12", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert other_host.requests, "the redirect was followed"
    assert _leaks(other_host) == []
    signals = {s["id"]: s for s in doc["packages"][0]["signals"]}
    policy = signals["security_policy"]
    assert policy["level"] == "unknown"  # not ✓: the answer came from another host
    assert "redirected to another host" in policy["message"]
    assert code in (0, 1, 3)


def test_same_host_redirect_keeps_the_token(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """GitHub moves renamed repositories with a redirect on its own host: that still
    works (and then the repository that answers must still be the one PyPI names)."""
    _github_env(monkeypatch, pypi)
    pypi.routes["/repos/pallets/flask"] = _redirect(f"{pypi.url}/repositories/42")
    pypi.add("/repositories/42", json.dumps({"full_name": "Pallets/Flask", "archived": True}))
    code = main(["vet", "flask", "--python", "3.12", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    hit = [r for r in pypi.requests if r.path == "/repositories/42"]
    assert hit and hit[0].headers.get("Authorization") == f"Bearer {TOKEN}"
    signals = {s["id"]: s for s in doc["packages"][0]["signals"]}
    assert "archived" in signals["source_repo"]["message"]  # case aside, the same repo
    assert code in (0, 1)


def test_transport_drops_credentials_on_cross_origin_redirect(
    http_server: LoopbackServer, other_host: LoopbackServer
) -> None:
    """The handler itself: A redirects to B (another port); B sees no credential."""
    http_server.routes["/start"] = _redirect(f"{other_host.url}/landing")
    other_host.add("/landing", b"{}")
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Cookie": "session=1",
        "X-Custom-Token": f"token {TOKEN}",
        "Accept": "application/json",
    }
    answer = urllib_transport(f"{http_server.url}/start", headers, 2.0, secrets=(TOKEN,))
    assert answer.status == 200 and origin(answer.url) == origin(other_host.url)
    (landed,) = other_host.requests
    seen = {k.lower() for k in landed.headers}
    assert "authorization" not in seen and "cookie" not in seen
    assert "x-custom-token" not in seen and landed.headers.get("Accept") == "application/json"
    assert http_server.requests[0].headers.get("Authorization") == f"Bearer {TOKEN}"


def test_transport_refuses_redirects_to_other_schemes(http_server: LoopbackServer) -> None:
    http_server.routes["/start"] = _redirect("file:///etc/passwd")
    answer = urllib_transport(f"{http_server.url}/start", {}, 2.0)
    assert answer.status == 302 and answer.body == b""


def test_unparsable_redirect_is_exit_3(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: urllib's ValueError for ``Location: http://[::1`` escaped as a crash."""
    pypi.routes["/pypi/requests/json"] = _redirect("http://[::1/pypi/requests/json")
    code, out, err = vet_cli(capsys, "requests")
    assert code == 3 and out == "" and "unusable redirect" in err


# -- [6] GitHub evidence must be about the repository the package names ---------------------
def _project(urls: Mapping[str, str]) -> dict[str, object]:
    files = [{"filename": "demo-1.0-py3-none-any.whl", "packagetype": "bdist_wheel",
              "upload_time_iso_8601": "2024-01-01T00:00:00Z", "yanked": False,
              "requires_python": None}]
    return {
        "info": {"name": "demo", "version": "1.0", "requires_dist": [], "project_urls": urls,
                 "requires_python": None, "yanked": False, "home_page": None},
        "ownership": {"organization": None,
                      "roles": [{"role": "Owner", "user": "a"}, {"role": "Owner", "user": "b"}]},
        "releases": {"1.0": files},
        "urls": files,
        "vulnerabilities": [],
    }


def _vet_demo(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    urls: Mapping[str, str],
) -> tuple[int, dict[str, dict[str, object]]]:
    server.add("/pypi/demo/json", json.dumps(_project(urls)))
    _github_env(monkeypatch, server)
    code = main(["vet", "demo", "--python", "3.12", "--format", "json"])
    out = capsys.readouterr().out
    doc = json.loads(out) if out else {"packages": [{"signals": []}]}
    return code, {s["id"]: s for s in doc["packages"][0]["signals"]}


GOOD_FILE = {"type": "file", "html_url": "https://github.com/acme/demo/blob/main/SECURITY.md"}


@pytest.mark.parametrize(
    ("meta", "reason"),
    [
        ({"full_name": "mallory/demo", "archived": False}, "answered for mallory/demo"),
        ({"full_name": "acme/demo", "html_url": "https://github.com/mallory/demo"},
         "answered for https://github.com/mallory/demo"),
    ],
    ids=["other-full-name", "other-html-url"],
)
def test_github_answer_about_another_repository_is_not_a_tick(
    pypi: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    meta: dict[str, object],
    reason: str,
) -> None:
    """Before: any 200 JSON from the API made "✓ Funded" and "✓ Has a security policy"."""
    pypi.add("/repos/acme/demo", json.dumps(meta))
    pypi.add("/repos/acme/demo/contents/SECURITY.md", json.dumps(GOOD_FILE))
    pypi.add("/repos/acme/demo/contents/.github/FUNDING.yml", json.dumps(GOOD_FILE))
    code, signals = _vet_demo(pypi, monkeypatch, capsys, {"Source": "https://github.com/acme/demo"})
    for sid in ("security_policy", "funding"):
        assert signals[sid]["level"] == "unknown"
        assert reason in str(signals[sid]["message"])
    assert code == 0  # unknown, reported as such; no data was missing


@pytest.mark.parametrize(
    "answer",
    [b"{}", b"[]", json.dumps({"full_name": 7}).encode(), b"<html>rate limited</html>"],
    ids=["empty-object", "list", "full-name-not-text", "html"],
)
def test_malformed_github_answer_is_exit_3(
    pypi: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    answer: bytes,
) -> None:
    pypi.add("/repos/acme/demo", answer)
    pypi.add("/pypi/demo/json", json.dumps(_project({"Source": "https://github.com/acme/demo"})))
    _github_env(monkeypatch, pypi)
    code = main(["vet", "demo", "--python", "3.12"])
    out, err = capsys.readouterr()
    assert code == 3 and out == "" and "GitHub" in err


def test_file_answer_must_link_into_the_repository(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before: a contents answer without html_url got a github.com link made up for it."""
    pypi.add("/repos/acme/demo", json.dumps({"full_name": "acme/demo", "archived": False}))
    pypi.add("/repos/acme/demo/contents/SECURITY.md", json.dumps({"type": "file"}))
    _code, signals = _vet_demo(pypi, monkeypatch, capsys,
                               {"Source": "https://github.com/acme/demo"})
    assert signals["security_policy"]["level"] == "unknown"
    assert "does not link into acme/demo" in str(signals["security_policy"]["message"])


def test_validated_github_files_are_ticks(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/repos/acme/demo", json.dumps({"full_name": "ACME/Demo", "archived": False}))
    pypi.add("/repos/acme/demo/contents/SECURITY.md", json.dumps(GOOD_FILE))
    funding = {"type": "file",
               "html_url": "https://github.com/acme/demo/blob/main/.github/FUNDING.yml"}
    pypi.add("/repos/acme/demo/contents/.github/FUNDING.yml", json.dumps(funding))
    code, signals = _vet_demo(pypi, monkeypatch, capsys,
                              {"Source": "https://github.com/acme/demo"})
    assert signals["security_policy"]["level"] == "ok"
    assert signals["funding"]["level"] == "ok"
    assert code == 0


def test_no_repository_link_means_no_github_request_and_no_tick(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No github.com link in the metadata: nothing is asked, nothing is ✓."""
    code, signals = _vet_demo(pypi, monkeypatch, capsys, {"Homepage": "https://acme.example"})
    assert not [r for r in pypi.requests if r.path.startswith("/repos/")]
    assert signals["security_policy"]["level"] != "ok"
    assert signals["funding"]["level"] != "ok"
    assert code == 0


def test_links_that_are_not_web_links_are_not_evidence(
    pypi: LoopbackServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    pypi.add("/pypi/demo/json", json.dumps(_project(
        {"Security": "javascript:alert(1)", "Funding": "data:text/html,hi"})))
    code = main(["vet", "demo", "--python", "3.12", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    signals = {s["id"]: s for s in doc["packages"][0]["signals"]}
    assert signals["security_policy"]["level"] != "ok"
    assert signals["funding"]["level"] != "ok"
    assert code == 0


# -- [6]/[7] garbage and pathological JSON from PyPI ------------------------------------
@pytest.mark.parametrize(
    ("body", "headers", "words"),
    [
        (b"<!doctype html><title>Captive portal</title>", {"Content-Type": "text/html"},
         "malformed answer"),
        (b"not gzip at all", {"Content-Encoding": "gzip"}, "malformed answer"),
        (b"[" * 100_000 + b"]" * 100_000, {}, "nested deeper than 64"),
        (b'{"info": {"name": "x", "version": "1", "n": ' + b"9" * 5000 + b"}}", {},
         "number longer than 100"),
        (b'{"info": {"name": "x", "version": "1", "v": NaN}}', {}, "malformed answer"),
        (b"[" + b"[]," * 2_100_000 + b"[]]", {}, "more than 2,000,000 values"),
    ],
    ids=["html-200", "bad-gzip", "deep-nesting", "huge-number", "nan", "many-values"],
)
def test_garbage_pypi_is_exit_3(
    pypi: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    body: bytes,
    headers: dict[str, str],
    words: str,
) -> None:
    pypi.add("/pypi/requests/json", body, headers=headers)
    code, out, err = vet_cli(capsys, "requests")
    assert code == 3 and out == ""
    assert "cannot vet requests" in err and words in err
    assert "Traceback" not in err
