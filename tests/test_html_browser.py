"""The HTML report in a real browser: headless Chromium, driven by chromedriver's W3C API.

Needs the Debian packages ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them
when missing). Without chromedriver, Chromium alone is used (``--screenshot`` with console
logging on stderr). Skipped, with a message saying so, only when Chromium cannot be found.
"""

from __future__ import annotations

import base64
import json
import os
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

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source

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
    "--hide-scrollbars",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "analytics-pipeline"
SAMPLE = ROOT / "examples" / "osv-sample.zip"
DOCS_SCREENSHOT = ROOT / "docs" / "check-report.png"
RISK_RGB = {"rgb(207, 34, 46)", "rgb(248, 81, 73)"}  # --risk, light and dark


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

    def load(self, page: Path) -> None:
        self.call("POST", self.s("/url"), {"url": page.as_uri()})

    def screenshot(self, dest: Path, *, width: int = 1280, max_height: int = 6000) -> Path:
        """A PNG of the whole page (the window grown to the page's height, up to
        ``max_height``), then the window put back."""
        height, chrome = self.run(
            "return [document.documentElement.scrollHeight, outerHeight - innerHeight]"
        )
        self.call("POST", self.s("/window/rect"),
                  {"width": width, "height": min(max(height, 600) + chrome, max_height)})
        try:
            dest.write_bytes(base64.b64decode(self.call("GET", self.s("/screenshot"))))
        finally:
            self.call("POST", self.s("/window/rect"), {"width": 1280, "height": 1000})
        return dest

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


# -- check, audit and vet pages ------------------------------------------------------------

# Facts every report page must show in a real browser (run in the page, after load).
PAGE_FACTS = """
const verdict = document.querySelector('header.verdict p');
const vbox = verdict.getBoundingClientRect();
const nodes = [...document.querySelectorAll('ul.tree .node')];
const shown = n => n.checkVisibility ? n.checkVisibility() : n.getClientRects().length > 0;
const depth = li => { let d = 0; for (let e = li; e; e = e.parentElement.closest('ul.tree li')) d++;
                      return d; };
const scrolls = [...document.querySelectorAll('div.scroll')].map(div => {
  const table = div.querySelector('table'); const th = table.querySelector('thead th');
  const before = th.getBoundingClientRect().top - div.getBoundingClientRect().top;
  const long = div.scrollHeight > div.clientHeight + 1;
  if (long) div.scrollTop = 200;
  const after = th.getBoundingClientRect().top - div.getBoundingClientRect().top;
  div.scrollTop = 0;
  return {rows: table.tBodies[0].rows.length, long, overflowY: getComputedStyle(div).overflowY,
          headerStays: Math.abs(after - before) < 2};
});
return {
  title: document.title,
  scripts: document.scripts.length,
  resources: performance.getEntriesByType('resource').length,
  verdict: verdict.textContent,
  verdictSize: parseFloat(getComputedStyle(verdict).fontSize),
  verdictInView: vbox.top >= 0 && vbox.bottom <= innerHeight && vbox.width > 200,
  markColour: getComputedStyle(verdict.querySelector('.mark')).color,
  sections: [...document.querySelectorAll('section')].map(s => s.id),
  nodes: nodes.length,
  shownNodes: nodes.filter(shown).length,
  maxDepth: Math.max(0, ...[...document.querySelectorAll('ul.tree li')].map(depth)),
  riskNodes: nodes.filter(n => n.classList.contains('lvl-risk') && shown(n))
                  .map(n => [n.firstChild.textContent.trim(),
                             getComputedStyle(n).borderLeftColor]),
  scrolls,
  pageWidth: document.documentElement.scrollWidth,
  viewWidth: innerWidth,
};
"""


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("osv-sample") / "osv.sqlite3"
    import_source(SAMPLE, db)
    return as_current(db)  # the sample's records are from 2024: dated today on purpose


def _open(driver: Driver, page: Path) -> dict[str, Any]:
    driver.load(page)
    facts: dict[str, Any] = driver.run(PAGE_FACTS)
    assert facts["scripts"] == 0
    assert facts["resources"] == 0  # nothing fetched from anywhere: self-contained
    assert _errors(driver.browser_log()) == []
    assert facts["verdictInView"] and facts["verdictSize"] >= 16  # first thing, readable
    assert facts["pageWidth"] <= facts["viewWidth"]  # wide tables scroll inside their box
    for box in facts["scrolls"]:
        assert box["overflowY"] == "auto"
        if box["long"]:  # a long table scrolls in its box and keeps its header row
            assert box["headerStays"], box
    return facts


def _shoot(driver: Driver, dest: Path) -> Path:
    driver.screenshot(dest)
    data = dest.read_bytes()
    assert data.startswith(PNG_MAGIC) and len(data) > 20_000
    return dest


def test_check_report_in_headless_chromium(
    driver: Driver, sample_db: Path, tmp_path: Path
) -> None:
    page = tmp_path / "check.html"
    code = main(["check", str(EXAMPLE), "--offline", "--db", str(sample_db), "--format", "html",
                 "-o", str(page)])
    assert code == 1
    facts = _open(driver, page)
    assert facts["title"] == "pipwarden check — analytics-pipeline"
    assert "problems need action" in facts["verdict"]
    assert facts["markColour"] in RISK_RGB
    assert facts["sections"][:5] == [
        "vulnerabilities", "ignores-and-skipped", "requirements-hygiene", "dependency-risk",
        "dependency-tree",
    ]
    assert facts["shownNodes"] == facts["nodes"] >= 7  # every direct requirement, unfolded
    risky = {label for label, _ in facts["riskNodes"]}
    assert {"requests", "urllib3", "jinja2"} <= risky, facts["riskNodes"]
    assert {colour for _, colour in facts["riskNodes"]} <= RISK_RGB  # coloured by risk
    vulns = facts["scrolls"][0]
    assert vulns["rows"] >= 9 and vulns["long"]  # the long table scrolls in its own box
    shot = _shoot(driver, tmp_path / "check.png")
    if os.environ.get("PIPWARDEN_UPDATE_SCREENSHOTS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS_SCREENSHOT)


def _venv(root: Path) -> Path:
    """A venv on disk (metadata only) three levels deep: etl-app → dbt-core → jinja2 /
    requests → urllib3, with vulnerable jinja2, requests and urllib3 releases."""
    venv = root / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    (venv / "pyvenv.cfg").parent.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, version, requires in [
        ("etl-app", "0.3.0", ["dbt-core>=1.7", "tqdm"]),
        ("dbt-core", "1.7.0", ["Jinja2>=2.10", "requests<3"]),
        ("Jinja2", "2.10.1", ["MarkupSafe>=0.23"]),
        ("MarkupSafe", "2.1.5", []),
        ("requests", "2.19.1", ["urllib3<1.24,>=1.21.1", "idna"]),
        ("urllib3", "1.23", []),
        ("idna", "2.7", []),
        ("tqdm", "4.66.4", []),
    ]:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        lines += [f"Requires-Dist: {r}" for r in requires]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
    return venv


def test_audit_report_of_a_venv_in_headless_chromium(
    driver: Driver, sample_db: Path, tmp_path: Path
) -> None:
    venv = _venv(tmp_path)
    page = tmp_path / "audit.html"
    code = main(["audit", "--path", str(venv), "--db", str(sample_db), "--offline",
                 "--format", "html", "-o", str(page)])
    assert code == 1
    facts = _open(driver, page)
    assert facts["title"] == "pipwarden audit"
    assert facts["markColour"] in RISK_RGB
    assert facts["sections"][0] == "vulnerabilities"
    assert facts["sections"][-1] == "where-the-vulnerable-packages-come-from"
    # etl-app → dbt-core → requests → urllib3: four levels, all unfolded down to urllib3
    assert facts["maxDepth"] >= 4
    assert facts["shownNodes"] == facts["nodes"]
    risky = {label for label, _ in facts["riskNodes"]}
    assert {"urllib3", "requests"} <= risky, facts["riskNodes"]
    _shoot(driver, tmp_path / "audit.png")


def test_vet_report_of_two_names_in_headless_chromium(
    driver: Driver, sample_db: Path, tmp_path: Path
) -> None:
    page = tmp_path / "vet.html"
    code = main(["vet", "requests", "reqeusts", "--offline", "--db", str(sample_db),
                 "--format", "html", "-o", str(page)])
    assert code == 1  # the typosquat
    facts = _open(driver, page)
    assert facts["title"] == "pipwarden vet"
    assert "of 2 packages need a closer look" in facts["verdict"]
    assert facts["sections"][:2] == ["packages", "dependency-tree"]
    assert any(s.startswith("reqeusts") for s in facts["sections"])  # its every signal
    assert facts["shownNodes"] == facts["nodes"] == 2
    _shoot(driver, tmp_path / "vet.png")
