"""``pipwarden check --offline`` of a large generated project tree: cold and warm MB/s.

    python benchmarks/check_scale.py [--mb 50] [--runs 3] [--profile cold|warm]

Generates a project of ``--mb`` megabytes of text (Python modules, notebooks, workflow YAML,
shell scripts: the generator of ``benchmarks/secretscan.py``, so a few planted secrets
too), a ``requirements.txt`` and the ``jobs`` package its scripts run (``python -m
jobs.run``); imports the OSV sample of ``examples/`` into a database in a temporary cache
folder (its data dated today, as the tests do); then runs ``python -m pipwarden check
--offline --format json`` in a fresh process:

- **cold**: the per-file scan cache (``<cache>/scan``) is emptied before each run;
- **warm**: the files are unchanged since the previous run (the cache is kept). The
  generated files are dated an hour back, as a checkout's are: a file modified within
  seconds of the cache's writing is hashed again on the next run (git's "racy" rule).

Throughput is the size of the generated text divided by the wall time of the whole
command (interpreter start, every part of the check, the report); the CPU time of the
child is printed too (the figure to read on a busy machine). Peak RSS is the child's
``ru_maxrss``. Targets (issue [10] item 4): cold >= 25 MB/s, warm >= 200 MB/s, peak RSS
<= 100 MB. ``--profile cold|warm`` prints the top of a cProfile of one run instead.

``--example`` times the README's "Try it" command instead (``check
examples/analytics-pipeline --offline --db DEMO --max-db-age any``, the demo database
imported from ``examples/osv-sample.zip``; issue [10]: <= 0.3 s, peak RSS <= 40 MB), each
run a fresh process as the installed ``pipwarden`` script runs it; ``--against PYTHON``
(the interpreter of another install, e.g. a venv of main) alternates the two run by run,
so that both see the same load on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from secretscan import generate

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "examples" / "osv-sample.zip"


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int, str, float]:
    """Wall seconds, peak RSS (MB), exit code, stdout and CPU seconds of ``cmd``."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    cpu = usage.ru_utime + usage.ru_stime
    return elapsed, usage.ru_maxrss / 1024, proc.returncode, text, cpu


def _date_today(db: Path) -> None:
    """The sample's records are from 2024: date the data today so that the audit runs
    (as the tests do) instead of stopping at exit 3 (stale data)."""
    import sqlite3
    from datetime import UTC, datetime

    conn = sqlite3.connect(db)
    try:
        with conn:
            conn.execute("UPDATE meta SET value = ? WHERE key = 'data_date'",
                         (datetime.now(UTC).isoformat(timespec="seconds"),))
    finally:
        conn.close()


# What the `pipwarden` console script runs; installs from before `cli.run` (2026-12-07)
# had `main` as the script's target.
PROGRAM = ("import sys, pipwarden.cli as c; "
           "c.run() if hasattr(c, 'run') else sys.exit(c.main())")


def _example(runs: int, pythons: list[str]) -> None:
    """The README's "Try it" check, alternating ``pythons`` run by run."""
    with tempfile.TemporaryDirectory() as tmp:
        example = Path(tmp) / "analytics-pipeline"
        shutil.copytree(REPO / "examples" / "analytics-pipeline", example)
        env = {**os.environ, "PIPWARDEN_CACHE_DIR": str(Path(tmp) / "cache"), "NO_COLOR": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-compiled, as pip installs it
        env.pop("VIRTUAL_ENV", None)
        demo = Path(tmp) / "osv-demo.sqlite3"
        samples: dict[str, list[tuple[float, float, float]]] = {py: [] for py in pythons}
        for py in pythons:
            subprocess.run([py, "-m", "pipwarden", "db", "import", str(SAMPLE), "--db",
                            str(demo)], env=env, check=True, capture_output=True)
        print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}"
              if Path("/proc/loadavg").exists() else "")
        for _ in range(runs):
            for py in pythons:
                cmd = [py, "-c", PROGRAM,
                       "check", str(example), "--offline", "--db", str(demo),
                       "--max-db-age", "any"]
                secs, rss, code, _text, cpu = _run(cmd, env)
                if code not in (0, 1):
                    sys.exit(f"check of the example failed with exit {code}")
                samples[py].append((secs, rss, cpu))
        for py, rows in samples.items():
            walls = [r[0] for r in rows]
            cpus = [r[2] for r in rows]
            print(f"{py}: best {min(walls):.3f} s, median {statistics.median(walls):.3f} s; "
                  f"CPU best {min(cpus):.3f} s, median {statistics.median(cpus):.3f} s; "
                  f"peak RSS {max(r[1] for r in rows):.1f} MB")
        print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}"
              if Path("/proc/loadavg").exists() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=("cold", "warm"), default=None)
    parser.add_argument("--example", action="store_true",
                        help="time the README's check of the example project instead")
    parser.add_argument("--against", metavar="PYTHON", default=None,
                        help="with --example: another install's interpreter, run alternately")
    args = parser.parse_args()
    if args.example:
        _example(args.runs, [sys.executable, *([args.against] if args.against else [])])
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        size = generate(root, args.mb)
        # the generated shell scripts run ``python -m jobs.run``: the project's own module
        (root / "jobs").mkdir()
        (root / "jobs" / "__init__.py").write_text("")
        (root / "jobs" / "run.py").write_text("import argparse\n")
        (root / "requirements.txt").write_text(
            "pandas>=2.0\nsqlalchemy>=2.0\nrequests>=2.31\njinja2>=3.1\n"
        )
        # Files as a checkout has them: last modified an hour ago. (Written seconds before
        # the cold run, every file would be "racy" for the warm run after it: modified too
        # close to the cache's writing to trust its stat, so hashed again, as after an edit.)
        hour_ago = time.time_ns() - 3600 * 10**9
        for path in root.rglob("*"):
            if path.is_file():
                os.utime(path, ns=(hour_ago, hour_ago))
        cache = Path(tmp) / "cache"
        env = {**os.environ, "PIPWARDEN_CACHE_DIR": str(cache), "NO_COLOR": "1"}
        env.pop("VIRTUAL_ENV", None)
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # byte-compiled, as pip installs it
        subprocess.run([sys.executable, "-m", "pipwarden", "db", "import", str(SAMPLE)],
                       env=env, check=True, capture_output=True)
        _date_today(cache / "osv.sqlite3")
        cmd = [sys.executable, "-m", "pipwarden", "check", "--offline", "--format", "json",
               str(root)]
        if args.profile:
            shutil.rmtree(cache / "scan", ignore_errors=True)
            if args.profile == "warm":
                _run(cmd, env)
            prof = [sys.executable, "-m", "cProfile", "-s", "cumulative", "-m", "pipwarden",
                    *cmd[3:]]
            out = subprocess.run(prof, env=env, capture_output=True, text=True).stdout
            print(out[out.find("   Ordered by"):][:6000])
            return
        cold: list[tuple[float, float, float]] = []
        warm: list[tuple[float, float, float]] = []
        code = -1
        report = ""
        for _ in range(args.runs):
            shutil.rmtree(cache / "scan", ignore_errors=True)
            secs, rss, code, report, cpu = _run(cmd, env)
            cold.append((secs, rss, cpu))
            secs, rss, code, report, cpu = _run(cmd, env)
            warm.append((secs, rss, cpu))
        files = sum(1 for _ in root.rglob("*") if _.is_file())
        data = json.loads(report) if report.strip().startswith("{") else {}
        print(f"check --offline: {size / 1e6:.1f} MB of text in {files} files, exit {code}, "
              f"status {data.get('status', '?')}")
        for label, rows in (("cold", cold), ("warm", warm)):
            secs = [r[0] for r in rows]
            best, median = min(secs), statistics.median(secs)
            print(f"  {label}: best {best:.2f} s ({size / 1e6 / best:.0f} MB/s), median "
                  f"{median:.2f} s ({size / 1e6 / median:.0f} MB/s), peak RSS "
                  f"{max(r[1] for r in rows):.0f} MB; CPU best {min(r[2] for r in rows):.2f} s "
                  f"({size / 1e6 / min(r[2] for r in rows):.0f} MB/s of CPU)")
        print(f"  load average: {Path('/proc/loadavg').read_text().split()[:3]}"
              if Path("/proc/loadavg").exists() else "")


if __name__ == "__main__":
    main()
