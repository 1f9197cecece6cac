"""Project secret scan throughput: MB/s of text over a generated project tree.

    python benchmarks/secretscan.py [--mb 50] [--runs 3]

Generates a project of Python modules, notebooks, YAML and shell files (``--mb`` megabytes
of text, a few planted secrets) in a temporary folder, then times ``scan_project`` on it in
a fresh interpreter per run (cold file cache is not forced: the figure is the scanner's
speed, not the disk's). Reports wall time, throughput and peak RSS (of the largest
process). Target: >= 50 MB/s.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CODE = '''import os
import pandas as pd
from sqlalchemy import create_engine

TABLE = "events_{n}"
API_BASE = "https://api.example.com/v2"


def load_{n}(path: str, *, token_env: str = "API_TOKEN") -> pd.DataFrame:
    """Load the daily extract and keep the columns the model needs."""
    frame = pd.read_parquet(path)
    frame = frame[frame["status"] == "active"]
    key = os.environ.get(token_env, "")
    if not key:
        raise RuntimeError("set API_TOKEN to read the extract")
    return frame.assign(day=pd.to_datetime(frame["ts"]).dt.date)


def write_{n}(frame: pd.DataFrame) -> None:
    engine = create_engine(os.environ["WAREHOUSE_URL"])
    frame.to_sql(TABLE, engine, if_exists="append", index=False)  # max_tokens = 4096
'''


def generate(root: Path, megabytes: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    target = megabytes * 1024 * 1024
    written = 0
    n = 0
    while written < target:
        n += 1
        folder = root / f"pkg{n % 40}"
        folder.mkdir(parents=True, exist_ok=True)
        kind = n % 10
        if kind < 6:
            text = "".join(_CODE.format(n=f"{n}_{i}") for i in range(20))
            path = folder / f"mod{n}.py"
        elif kind < 8:
            cells = [{"cell_type": "code", "metadata": {}, "outputs": [],
                      "source": _CODE.format(n=n).splitlines(keepends=True)} for _ in range(15)]
            text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4}, indent=1)
            path = folder / f"nb{n}.ipynb"
        elif kind < 9:
            text = "".join(f"  - name: step_{i}\n    run: dbt build --select model_{i}\n"
                           f"    env:\n      DBT_TARGET: prod\n" for i in range(400))
            path = folder / f"workflow{n}.yml"
        else:
            text = "".join(f"echo 'step {i}'\npython -m jobs.run --day {i}\n" for i in range(900))
            path = folder / f"run{n}.sh"
        if n % 97 == 0:
            text += f'\nSLACK = "xoxb-{rng.randrange(10**11, 10**12)}-' \
                    f'{"".join(rng.choices(string.ascii_letters, k=24))}"\n'
        path.write_text(text)
        written += len(text)
    return written


def _child(root: str) -> None:
    import resource

    from pipwarden.secretscan import scan_project

    def cpu_now() -> float:  # this process and its finished worker processes
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    started, cpu = time.perf_counter(), cpu_now()
    scan = scan_project(Path(root))
    elapsed, cpu = time.perf_counter() - started, cpu_now() - cpu
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
               resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(json.dumps({"seconds": elapsed, "cpu": cpu, "bytes": scan.bytes_read, "files": scan.files,
                      "findings": len(scan.findings), "peak_mb": peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        size = generate(Path(tmp), args.mb)
        results = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--child", tmp],
                                 capture_output=True, text=True, check=True).stdout
            results.append(json.loads(out))
        secs = [r["seconds"] for r in results]
        best = min(secs)
        print(f"project secret scan: {size / 1e6:.1f} MB in {results[0]['files']} files, "
              f"{results[0]['findings']} findings")
        print(f"  best {best:.2f} s ({size / 1e6 / best:.0f} MB/s), median "
              f"{statistics.median(secs):.2f} s ({size / 1e6 / statistics.median(secs):.0f} MB/s), "
              f"peak RSS {max(r['peak_mb'] for r in results):.0f} MB  (target >= 50 MB/s)")
        cpu = min(r["cpu"] for r in results)
        print(f"  CPU time best {cpu:.2f} s ({size / 1e6 / cpu:.0f} MB/s "
              "per core: the figure to read on a busy machine)")


if __name__ == "__main__":
    main()
