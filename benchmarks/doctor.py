"""Time `pipwarden doctor` on this machine and `pipwarden init` into temp folders.

Usage: PYTHONPATH=src python benchmarks/doctor.py [PROJECT_DIR]

Reads only this machine's HOME (as doctor does); prints timings and counts, never a
credential. Needs no data from ../shared.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from pipwarden.doctor import run_doctor
from pipwarden.scaffold import init_project


def _time(fn: object, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    project = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    report = run_doctor(project)
    full = _time(lambda: run_doctor(project))
    subset = _time(lambda: run_doctor(project, include_machine=False))
    print(f"doctor (machine + project): {full * 1000:.1f} ms median of 5, "
          f"{len(report.checks)} checks, {len(report.credentials)} credential findings")
    print(f"doctor (project only):      {subset * 1000:.1f} ms median of 5")
    for template in ("python", "dbt-bigquery"):
        with tempfile.TemporaryDirectory() as tmp:
            counter = iter(range(100))
            took = _time(
                lambda t=template, d=tmp, c=counter: init_project(
                    Path(d) / f"p{next(c)}", template=t, offline=True
                )
            )
        print(f"init --template {template} --offline: {took * 1000:.1f} ms median of 5")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
