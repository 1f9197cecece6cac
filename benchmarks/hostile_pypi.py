"""Benchmark: peak memory and time of ``pipwarden vet`` against hostile PyPI answers.

Each case serves one hostile ``/pypi/requests/json`` from a loopback server in this
process and runs ``python -m pipwarden vet requests`` as a child; the child's peak RSS
comes from ``os.wait4``. Target (issue [7]): ≤ 400 MB on any single hostile input, and
every network read finishes or fails within its deadline.

    python benchmarks/hostile_pypi.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(ROOT / "tests" / "hostile")]

from test_pypi_hostile import Trickle, gzip_bomb  # noqa: E402

from loopback import LoopbackServer, serve  # noqa: E402


def cases() -> list[tuple[str, bytes, dict[str, str]]]:
    """(what, body, headers) of each hostile answer."""
    gz = {"Content-Encoding": "gzip"}
    return [
        ("gzip bomb: 1 MB that inflates to 1 GiB", gzip_bomb(1024), gz),
        ("60 MB of empty arrays ([],[],…: 20 M values)", b"[" + b"[]," * 20_000_000 + b"[]]", {}),
        ("950,000 empty arrays: parsed (the count, an upper bound, stays under the cap)",
         b"[" + b"[]," * 950_000 + b"[]]", {}),
        ("100,000 levels of nesting", b"[" * 100_000 + b"]" * 100_000, {}),
        ("a 4,000-digit number", b'{"info": {"n": ' + b"9" * 4000 + b"}}", {}),
    ]


def run(url: str, env: dict[str, str]) -> tuple[int, float, float, str]:
    """Exit code, seconds, peak RSS in MB and the first line of stderr of one vet run."""
    with tempfile.TemporaryDirectory() as cache:
        child_env = {**os.environ, **env, "PIPWARDEN_PYPI_URL": url,
                     "PIPWARDEN_CACHE_DIR": cache, "PYTHONPATH": str(ROOT / "src")}
        started = time.monotonic()
        child = subprocess.Popen(
            [sys.executable, "-m", "pipwarden", "vet", "requests", "--python", "3.12"],
            env=child_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        assert child.stderr is not None
        err = child.stderr.read().decode("utf-8", "replace")
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - started
    first = (err.strip().splitlines() or [""])[0]
    return child.returncode, elapsed, usage.ru_maxrss / 1024, first


def main() -> int:
    rows: list[tuple[str, int, float, float, str]] = []
    for server in serve():
        server: LoopbackServer  # type: ignore[no-redef]
        for what, body, headers in cases():
            server.add("/pypi/requests/json", body, headers=headers)
            server.add("/simple/requests/", b'{"files": []}')
            rows.append((what, *run(server.url, {})))
    for stage in ("headers", "body"):
        slow = Trickle(stage, interval=1.0)
        try:
            rows.append((f"1 byte/s ({stage}), deadline 5 s",
                         *run(slow.url, {"PIPWARDEN_HTTP_DEADLINE": "5"})))
        finally:
            slow.close()
    print("| hostile answer | exit | time | peak RSS | message |")
    print("|---|---|---|---|---|")
    for what, code, seconds, rss, message in rows:
        print(f"| {what} | {code} | {seconds:.1f} s | {rss:.0f} MB | {message[:90]} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
