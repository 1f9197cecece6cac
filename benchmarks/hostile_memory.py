"""Benchmark: peak memory and wall time of pipwarden commands on hostile inputs ([7]).

Usage: PYTHONPATH=src python benchmarks/hostile_memory.py [--json] [--only NAME]

Every input is generated into a temp folder; every command runs as a child process
(``python -m pipwarden …`` inside a small wrapper that reports the process's peak RSS from
``resource.getrusage``, its own and its children's: the zip inflater is a forked child).
Network inputs come from a loopback HTTP server started here. The bar of issue [7]: peak
RSS of any command on any single hostile input at most 400 MB, and every network read
finished or failed within its deadline (default 60 s).

Each child runs under an address-space guard of 2 GiB (``RLIMIT_AS``): a case without a
bound ends in MemoryError there (reported over the bar) instead of exhausting the machine.

Cases: zip bombs for ``db import`` (honest and lying headers), a huge archive entry, the
largest entry the caps admit, too many entries, deeply nested and huge-number JSON records,
``audit -r /dev/zero``, a gzip-bomb PyPI JSON answer for ``vet``, and a server trickling
one byte at a time for ``db update``.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BAR_MB = 400.0
TIMEOUT = 180.0
# Each child may map at most this much (RLIMIT_AS): an unbounded case ends in MemoryError
# instead of taking a shared machine down (`audit -r /dev/zero` reached 18 GB without it).
GUARD_BYTES = 2 << 30
RECENT = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

# Runs pipwarden in this child and prints its peak RSS (KiB) last on stderr.
WRAPPER = """
import resource, runpy, sys
sys.argv = ["pipwarden", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("pipwarden", run_name="__main__")
except SystemExit as exc:
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
finally:
    # VmHWM, not ru_maxrss: the latter keeps the high-water mark of the process that
    # spawned this one (the benchmark, holding its generated inputs) across exec.
    hwm = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    peak = max(hwm, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    sys.stderr.write(f"\\nPEAK_KB {peak}\\n")
sys.exit(code)
"""


@dataclass(frozen=True)
class Result:
    """One case: what ran, how it ended, how long and how much memory it took."""

    case: str
    command: str
    exit_code: int | None  # None: killed at the timeout
    seconds: float
    peak_mb: float | None
    message: str

    @property
    def within_bar(self) -> bool:
        return self.peak_mb is not None and self.peak_mb <= BAR_MB and self.exit_code is not None


def _guard() -> None:
    """In the child, before exec: cap its address space at :data:`GUARD_BYTES`."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (GUARD_BYTES, GUARD_BYTES))


def run(case: str, argv: list[str], env: dict[str, str]) -> Result:
    """Run ``pipwarden argv`` in a child; its exit code, wall time, peak RSS, last line."""
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-c", WRAPPER, *argv], env=env, capture_output=True, text=True,
            timeout=TIMEOUT, check=False, preexec_fn=_guard,
        )
    except subprocess.TimeoutExpired:
        return Result(case, " ".join(argv), None, time.monotonic() - started, None, "timeout")
    seconds = time.monotonic() - started
    peak_mb: float | None = None
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    if lines and lines[-1].startswith("PEAK_KB "):
        peak_mb = int(lines.pop().split()[1]) / 1024
    message = next((line for line in reversed(lines) if line.startswith("pipwarden:")), "")
    if "MemoryError" in done.stderr:
        message = f"MemoryError at the {GUARD_BYTES >> 30} GiB address-space guard"
    if not message:
        message = (done.stdout.strip().splitlines() or lines[-1:] or [""])[0]
    return Result(case, " ".join(argv), done.returncode, seconds, peak_mb, message[:150])


# -- generated inputs ---------------------------------------------------------------------


def record(rid: str = "GHSA-ok", package: str = "demo", **extra: object) -> bytes:
    return json.dumps({
        "id": rid, "modified": RECENT,
        "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": "1.0"}]}]}],
        **extra,
    }).encode()


def deflated_zeros(size: int) -> tuple[bytes, int]:
    """A raw deflate stream of ``size`` zero bytes and its CRC-32."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    parts, crc = [], 0
    for _ in range(size >> 20):
        parts.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    parts.append(packer.flush())
    return b"".join(parts), crc


def handmade_zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of ``(name, deflated data, crc, declared size)``: the declared size may lie."""
    out, central = bytearray(), bytearray()
    for name, data, crc, declared in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(data), declared,
                           len(raw), 0) + raw + data
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(data),
                               declared, len(raw), 0, 0, 0, 0, 0, offset) + raw
    start = len(out)
    out += central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members),
                                 len(central), start, 0)
    return bytes(out)


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


# -- loopback servers ---------------------------------------------------------------------


@contextmanager
def serve(handler: Callable[[http.server.BaseHTTPRequestHandler], None]) -> Iterator[str]:
    """A threaded loopback HTTP server answering every GET with ``handler``; its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            with suppress(OSError):  # the client gave up: expected here
                handler(self)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def gzip_bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # gzip framing
    chunk = b" " * (1 << 20)
    parts = [packer.compress(chunk) for _ in range(size >> 20)]
    parts.append(packer.flush())
    return b"".join(parts)


# -- cases --------------------------------------------------------------------------------


def cases(work: Path, env: dict[str, str], only: str | None) -> Iterator[Result]:
    db = str(work / "osv.sqlite3")

    def wanted(name: str) -> bool:
        return only is None or only in name

    seed = work / "seed"
    seed.mkdir()
    (seed / "GHSA-ok.json").write_bytes(record())
    subprocess.run([sys.executable, "-m", "pipwarden", "db", "import", str(seed), "--db", db],
                   env=env, check=True, capture_output=True)  # a database for audit and vet
    bomb, crc = deflated_zeros(1 << 30)  # 1 GiB of zeros → ~1 MB
    if wanted("zip-bomb-honest"):
        path = work / "bomb-honest.zip"
        path.write_bytes(handmade_zip([("BOMB.json", bomb, crc, 1 << 30)]))
        yield run("zip-bomb-honest (1 GiB in 1 MB)", ["db", "import", str(path), "--db", db], env)
    if wanted("zip-bomb-lying"):
        path = work / "bomb-lying.zip"
        path.write_bytes(handmade_zip([("BOMB.json", bomb, crc, 1000)]))
        yield run("zip-bomb-lying-header", ["db", "import", str(path), "--db", db], env)
    if wanted("zip-bomb-many"):
        path = work / "bomb-many.zip"
        small, small_crc = deflated_zeros(8 << 20)
        path.write_bytes(handmade_zip([(f"B{n}.json", small, small_crc, 8 << 20)
                                       for n in range(300)]))
        yield run("zip-bomb-300x8MiB (2.4 GB total)", ["db", "import", str(path), "--db", db],
                  env)
    if wanted("huge-entry"):
        path = work / "huge-entry.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
                zf.open("GHSA-big.json", "w", force_zip64=True) as member:
            member.write(b'{"id": "GHSA-big", "details": "')
            for _ in range(200):
                member.write(b"x" * (1 << 20))
            member.write(b'"}')
        yield run("huge-archive-entry (200 MB record)", ["db", "import", str(path), "--db", db],
                  env)
    if wanted("largest-allowed-entry"):
        versions = [f"1.{n}.{m}" for n in range(1000) for m in range(640)]  # < 8 MiB JSON
        data = json.dumps({
            "id": "GHSA-wide", "modified": RECENT,
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                          "versions": versions}],
        }).encode()
        path = zip_of(work / "wide.zip", {"GHSA-wide.json": data, "GHSA-ok.json": record()})
        yield run(f"largest-allowed-entry ({len(data) / 1e6:.1f} MB, 640k versions)",
                  ["db", "import", str(path), "--db", db], env)
    if wanted("many-entries"):
        path = zip_of(work / "many.zip",
                      {f"GHSA-{n}.json": record(f"GHSA-{n}") for n in range(60_000)})
        yield run("many-entries (60,000 records)", ["db", "import", str(path), "--db", db], env)
    if wanted("deep-json"):
        path = work / "deep.json"
        path.write_bytes(b'{"id": "DEEP", "x": ' + b"[" * 4_000_000 + b"]" * 4_000_000 + b"}")
        yield run("deep-json (4M levels, 8 MB)", ["db", "import", str(path), "--db", db], env)
    if wanted("huge-number"):
        folder = work / "numbers"
        folder.mkdir()
        (folder / "num.json").write_bytes(b'{"id": "N", "x": ' + b"9" * (7 << 20) + b"}")
        (folder / "ver.json").write_bytes(record("GHSA-v", details="")
                                          .replace(b'"1.0"', b'"1' + b"0" * 5000 + b'"'))
        (folder / "ok.json").write_bytes(record())
        yield run("huge-number (7M digits) + 5000-digit version",
                  ["db", "import", str(folder), "--db", db], env)
    if wanted("requirements-dev-zero"):
        yield run("audit -r /dev/zero",
                  ["audit", "-r", "/dev/zero", "--offline", "--db", db], env)
    if wanted("vet-gzip-bomb"):
        body = gzip_bomb(1 << 30)  # 1 GiB of spaces

        def answer(request: http.server.BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Encoding", "gzip")
            request.send_header("Content-Length", str(len(body)))
            request.end_headers()
            request.wfile.write(body)

        with serve(answer) as url:
            yield run("vet: gzip-bomb PyPI JSON (1 GiB in 1 MB)", ["vet", "requests"],
                      {**env, "PIPWARDEN_PYPI_URL": url})
    if wanted("db-update-trickle"):
        def trickle(request: http.server.BaseHTTPRequestHandler) -> None:
            request.send_response(200)
            request.send_header("Content-Length", "100000000")
            request.end_headers()
            for _ in range(100_000):
                request.wfile.write(b"P")
                request.wfile.flush()
                time.sleep(0.5)

        with serve(trickle) as url:
            yield run("db update: 2 bytes/s server (default 60 s deadline)",
                      ["db", "update", "--url", f"{url}/all.zip", "--db", db], env)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    parser.add_argument("--only", default=None, help="run the cases whose name has this")
    args = parser.parse_args()
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH"))
                                        if p)
    with tempfile.TemporaryDirectory(prefix="pipwarden-hostile-") as tmp:
        work = Path(tmp)
        env.update({
            "PIPWARDEN_CACHE_DIR": str(work / "cache"),
            "PIPWARDEN_OSV_URL": "http://127.0.0.1:9/all.zip",
            "PIPWARDEN_PYPI_URL": "http://127.0.0.1:9",
            "PIPWARDEN_TOP_PACKAGES_URL": "http://127.0.0.1:9/top.json",
            "PIPWARDEN_GITHUB_API_URL": "http://127.0.0.1:9",
        })
        worst = 0.0
        failed = 0
        if not args.json:
            print(f"{'case':<48} {'exit':>4} {'wall s':>7} {'peak MB':>8}  bar  message")
        for result in cases(work, env, args.only):
            worst = max(worst, result.peak_mb or 0.0)
            failed += not result.within_bar
            if args.json:
                print(json.dumps({**asdict(result), "within_bar": result.within_bar}))
            else:
                peak = f"{result.peak_mb:8.1f}" if result.peak_mb is not None else "       ?"
                code = "-" if result.exit_code is None else str(result.exit_code)
                mark = "ok " if result.within_bar else "OVER"
                print(f"{result.case:<48} {code:>4} {result.seconds:7.1f} {peak}  {mark} "
                      f"{result.message}", flush=True)
        if not args.json:
            print(f"worst peak {worst:.1f} MB (bar {BAR_MB:.0f} MB); {failed} case(s) over "
                  "the bar or timed out")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
