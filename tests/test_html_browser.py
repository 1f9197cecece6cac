"""The HTML report in a real browser: headless Chromium, driven by chromedriver's W3C API.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them
when missing). Without chromedriver, Chromium alone is used (``--screenshot`` with console
logging on stderr). Skipped, with a message saying so, only when Chromium cannot be found.
"""

from __future__ import annotations

import base64
import json
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipwarden.cli import main

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Driver:
    """Just enough of the W3C WebDriver protocol, over urllib."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.session: str | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.base + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())["value"]
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                if self.call("GET", "/status").get("ready"):
                    return
            except (OSError, AssertionError):
                pass
            time.sleep(0.05)
        raise AssertionError("chromedriver did not become ready")

    def start(self, binary: str, user_data_dir: Path) -> None:
        capabilities = {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": binary,
                "args": [*CHROMIUM_FLAGS, f"--user-data-dir={user_data_dir}"],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }
        value = self.call("POST", "/session", {"capabilities": {"alwaysMatch": capabilities}})
        self.session = value["sessionId"]

    def s(self, path: str) -> str:
        assert self.session is not None
        return f"/session/{self.session}{path}"

    def browser_log(self) -> list[dict[str, Any]]:
        try:
            entries = self.call("POST", self.s("/se/log"), {"type": "browser"})
        except AssertionError:  # older drivers: the pre-W3C endpoint
            entries = self.call("POST", self.s("/log"), {"type": "browser"})
        return list(entries)

    def run(self, script: str) -> Any:
        return self.call("POST", self.s("/execute/sync"), {"script": script, "args": []})

    def quit(self) -> None:
        if self.session is not None:
            self.call("DELETE", self.s(""))
            self.session = None


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = _chromium()
    if binary is None:
        pytest.skip(
            "headless Chromium not found (install the Debian packages chromium and "
            "chromium-driver; .ci/run does this when it can)"
        )
    return binary


@pytest.fixture
def driver(chromium: str, tmp_path: Path) -> Iterator[Driver]:
    chromedriver = shutil.which("chromedriver")
    if chromedriver is None:
        pytest.skip("chromedriver not found: the screenshot-only check below still runs")
    port = _free_port()
    process = subprocess.Popen(
        [chromedriver, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    drv = Driver(port)
    try:
        drv.wait_ready(time.monotonic() + 20)
        drv.start(chromium, tmp_path / "profile")
        yield drv
    finally:
        try:
            drv.quit()
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _fleet_page(tmp_path: Path) -> Path:
    base = tmp_path / "code"
    for name, text in {
        "etl": "pandas>=2.0\nrequests>=2.31\nnumpy==1.26.4\n",
        "api": "pandas>=2.2\nhttpx>=0.27\nnumpy>=1.26\n",
        "ml": "pandas>=2.0\nrequests\npolars>=1.0\n",
    }.items():
        (base / name).mkdir(parents=True)
        (base / name / "requirements.txt").write_text(text)
    evil = base / "<script>console.error(1)<"
    evil.mkdir()
    (evil / "requirements.txt").write_text("pandas>=2.0\n")
    page = tmp_path / "fleet.html"
    assert main(["fleet", "--offline", "-f", "html", "-o", str(page), str(base)]) == 1
    return page


def _errors(entries: list[dict[str, Any]]) -> list[str]:
    return [str(e.get("message")) for e in entries if e.get("level") in {"SEVERE", "ERROR"}]


def test_fleet_report_in_headless_chromium(driver: Driver, tmp_path: Path) -> None:
    # control: the log capture really sees console errors
    control = tmp_path / "control.html"
    control.write_text("<!DOCTYPE html><script>console.error('control-error')</script>")
    driver.call("POST", driver.s("/url"), {"url": control.as_uri()})
    assert any("control-error" in m for m in _errors(driver.browser_log()))

    page = _fleet_page(tmp_path)
    driver.call("POST", driver.s("/url"), {"url": page.as_uri()})
    facts = driver.run(
        "const warn = document.querySelector('ul.tree .node.lvl-warn');"
        "return {title: document.title, scripts: document.scripts.length,"
        " resources: performance.getEntriesByType('resource').length,"
        " nodes: document.querySelectorAll('ul.tree li').length,"
        " sections: [...document.querySelectorAll('section')].map(s => s.id),"
        " warnColour: warn ? getComputedStyle(warn).borderLeftColor : null,"
        " verdict: document.querySelector('header.verdict p').textContent,"
        " width: document.documentElement.scrollWidth};"
    )
    assert facts["title"] == "pipwarden fleet"
    assert facts["scripts"] == 0  # the planted <script> stayed text
    assert facts["resources"] == 0  # nothing fetched: self-contained
    assert facts["nodes"] >= 4 + 9
    assert facts["sections"][:6] == [
        "divergence", "overlaps", "single-uses", "projects", "tree", "matrix",
    ]
    assert facts["warnColour"] in {"rgb(154, 103, 0)", "rgb(210, 153, 34)"}  # inline CSS applied
    assert "divergent package" in facts["verdict"]
    assert _errors(driver.browser_log()) == []

    shot = tmp_path / "fleet.png"
    shot.write_bytes(base64.b64decode(driver.call("GET", driver.s("/screenshot"))))
    assert shot.stat().st_size > 5_000 and shot.read_bytes().startswith(PNG_MAGIC)


def test_fleet_report_screenshot_with_chromium_alone(chromium: str, tmp_path: Path) -> None:
    """Chromium's own --screenshot, console messages on stderr: no errors, a PNG."""
    page = _fleet_page(tmp_path)
    shot = tmp_path / "alone.png"
    result = subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    console = [
        line
        for line in result.stderr.splitlines()
        if "CONSOLE" in line or "Uncaught" in line or "Refused to" in line
    ]
    assert console == [], result.stderr[-2000:]
    assert shot.exists() and shot.read_bytes().startswith(PNG_MAGIC)
    assert shot.stat().st_size > 5_000
