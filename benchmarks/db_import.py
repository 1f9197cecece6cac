"""Benchmark: import the PyPA OSV archive into SQLite, and query the store for 1,000 pins.

Usage: PYTHONPATH=src python benchmarks/db_import.py [--runs N] [--archive ZIP]

Reads ../shared/data/osv/PyPI-pypa-advisory-database-20241010.zip when present (the
project's shared data), else the copy in tests/data/osv. Each import runs in a fresh
interpreter (cold caches, as `pipwarden db import` runs): reports the time spent inside
``import_source`` and records/s, and that process's peak RSS; then the end-to-end time
(interpreter start, imports, opening the store, ``match_pins``) of a fresh process checking
1,000 pins.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "osv" / "PyPI-pypa-advisory-database-20241010.zip"
LOCAL = ROOT / "tests" / "data" / "osv" / "pypa-advisory-database-20241010.zip"

# Runs in a fresh interpreter: what an audit of N pins costs in the database layer.
QUERY_SCRIPT = """
import sys
from pipwarden.vulndb.store import VulnStore
pins = [tuple(line.split("==")) for line in open(sys.argv[2]).read().split()]
with VulnStore.open(sys.argv[1]) as store:
    found = store.match_pins(pins)
print(sum(map(len, found.values())))
"""

# Runs in a fresh interpreter: one import with cold caches; prints records and seconds.
IMPORT_SCRIPT = """
import resource, sys
from pathlib import Path
from pipwarden.vulndb.update import import_source
result = import_source(Path(sys.argv[1]), Path(sys.argv[2]))
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(result.records, result.seconds, rss)
"""


def _pins(db: Path, count: int) -> list[str]:
    import sqlite3

    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT DISTINCT package FROM affects ORDER BY package")]
    conn.close()
    pins = [f"{name}==1.0.0" for name in names]
    pins += [f"synthetic-package-{n}==2.3.4" for n in range(max(0, count - len(pins)))]
    return pins[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--pins", type=int, default=1000)
    args = parser.parse_args()
    archive = args.archive
    if archive is None:
        if SHARED.exists():
            archive = SHARED
        else:
            print(f"note: {SHARED} is absent; using the tests/data copy", file=sys.stderr)
            archive = LOCAL
    env = {"PYTHONPATH": str(ROOT / "src")}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "osv.sqlite3"
        times = []
        rss_mb = 0.0
        records = 0
        for run in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", IMPORT_SCRIPT, str(archive), str(db)],
                env=env, capture_output=True, text=True, check=True,
            ).stdout.split()
            records, wall, rss_mb = int(out[0]), float(out[1]), max(rss_mb, float(out[2]))
            times.append(wall)
            print(f"import {run + 1}: {records} records in {wall:.3f} s "
                  f"= {records / wall:,.0f} records/s")
        best, median = min(times), statistics.median(times)
        print(f"import: best {best:.3f} s ({records / best:,.0f} records/s), "
              f"median {median:.3f} s ({records / median:,.0f} records/s), "
              f"peak RSS {rss_mb:.1f} MB, database {db.stat().st_size / 1e6:.1f} MB")

        pins_file = Path(tmp) / "pins.txt"
        pins_file.write_text("\n".join(_pins(db, args.pins)))
        walls = []
        for _ in range(args.runs):
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-c", QUERY_SCRIPT, str(db), str(pins_file)],
                env=env, capture_output=True, text=True, check=True,
            )
            walls.append(time.perf_counter() - started)
        child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"query {args.pins} pins end to end (fresh interpreter): best {min(walls):.3f} s, "
              f"median {statistics.median(walls):.3f} s, {proc.stdout.strip()} matches, "
              f"peak RSS {child_rss:.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
