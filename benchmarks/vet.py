"""Benchmark: ``pipwarden vet -r`` over the ~200 recorded PyPI projects, cold and warm cache.

Reads ../shared/data/pypi (the recorded PyPI answers) and serves them from a loopback HTTP
server running in a child process (so the server does not share the GIL with pipwarden).
Targets (issue [2]): cold cache ≤ 3 s, warm cache ≤ 0.5 s.

    python benchmarks/vet.py [--data DIR] [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "pypi"
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]


def serve(data: Path) -> None:
    """Child process: serve ``data`` until stdin closes; print the URL first."""
    from loopback import serve as start
    from pypi_server import install_pypi

    for server in start():
        install_pypi(server, data)
        assert server.fallback is not None
        for f in sorted(data.glob("*.json.gz")):  # build every answer before timing starts
            name = f.name[: -len(".json.gz")]
            server.fallback(f"/pypi/{name}/json")
            server.fallback(f"/simple/{name}/")
        print(server.url, flush=True)
        sys.stdin.read()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--runs", type=int, default=3, help="warm runs (best is reported)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.data)
        return 0
    if not args.data.is_dir():
        print(f"skipped: {args.data} is absent (the recorded PyPI answers live in ../shared/data)")
        return 0
    names = sorted(f.name[: -len(".json.gz")] for f in args.data.glob("*.json.gz"))
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--data", str(args.data)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        with tempfile.TemporaryDirectory() as tmp:
            req = Path(tmp) / "requirements.txt"
            req.write_text("".join(f"{n}>=0\n" for n in names), encoding="utf-8")
            os.environ["PIPWARDEN_PYPI_URL"] = url
            os.environ["PIPWARDEN_CACHE_DIR"] = str(Path(tmp) / "cache")
            os.environ["PIPWARDEN_DB"] = str(Path(tmp) / "absent.sqlite3")
            from pipwarden.cli import main as cli

            out = Path(tmp) / "report.json"
            argv = ["vet", "-r", str(req), "--python", "3.12", "--format", "json", "-o", str(out)]
            start, cpu = time.perf_counter(), time.process_time()
            code = cli(argv)
            cold = time.perf_counter() - start
            cold_cpu = time.process_time() - cpu
            report = json.loads(out.read_text("utf-8"))
            warm_runs = []
            for _ in range(args.runs):
                start, cpu = time.perf_counter(), time.process_time()
                cli(argv)
                warm_runs.append((time.perf_counter() - start, time.process_time() - cpu))
            warm, warm_cpu = min(warm_runs)
    finally:
        if child.stdin is not None:
            child.stdin.close()
        child.wait(timeout=10)
    packages = len(report["packages"])
    print(f"vet -r: {len(names)} requirements, {packages} packages reported (exit {code})")
    print(f"cold cache: {cold:.2f} s wall, {cold_cpu:.2f} s CPU   (target ≤ 3 s)")
    print(f"warm cache: {warm:.2f} s wall, {warm_cpu:.2f} s CPU   (best of {args.runs}; "
          "target ≤ 0.5 s)")
    print(f"machine load average: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
