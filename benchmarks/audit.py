"""Benchmark `pipwarden db import` and `pipwarden audit` end to end, as a user runs them.

Generates requirements files of 1,000 and 5,000 pins from the OSV data itself (real
package names with versions taken from the records' ``versions`` lists and events, so a
good share are vulnerable), then times fresh `pipwarden` processes: wall time including
interpreter start, and the peak RSS of that one process (``os.wait4``).

    python benchmarks/audit.py [--runs 5] [--archive PATH]

Uses ../shared/data/osv/…zip when present, else the copy in tests/data/osv/.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "osv" / "PyPI-pypa-advisory-database-20241010.zip"
LOCAL = ROOT / "tests" / "data" / "osv" / "pypa-advisory-database-20241010.zip"


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float, int, float]:
    """(wall seconds, peak RSS in MB, exit code, CPU seconds) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        err = proc.stderr.read().decode()
        if proc.returncode not in (0, 1):
            sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {err}")
    return wall, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def pins_from_archive(archive: Path) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(vulnerable, fixed) (name, version) pairs named by the records, in a stable order.

    Vulnerable pins come from ``versions`` lists and ``last_affected`` events; fixed pins are
    each package's highest ``fixed`` event (usually, not always, clean).
    """
    pairs: dict[tuple[str, str], None] = {}
    fixed: dict[str, Version] = {}
    with zipfile.ZipFile(archive) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".json"):
                continue
            record = json.loads(zf.read(member))
            for affected in record.get("affected", []):
                name = affected.get("package", {}).get("name", "")
                versions = list(affected.get("versions", []))
                for rng in affected.get("ranges", []):
                    for event in rng.get("events", []):
                        versions.extend(v for k, v in event.items() if k == "last_affected")
                        try:
                            fix = Version(event["fixed"]) if "fixed" in event else None
                        except InvalidVersion:
                            fix = None
                        if fix is not None and (name not in fixed or fix > fixed[name]):
                            fixed[name] = fix
                for version in versions:
                    try:  # only versions pip accepts in a pin
                        Version(version)
                    except InvalidVersion:
                        continue
                    pairs.setdefault((name, version), None)
    return list(pairs), [(name, str(v)) for name, v in sorted(fixed.items())]


def write_requirements(
    path: Path, vulnerable: list[tuple[str, str]], clean: list[tuple[str, str]], count: int,
    share: float,
) -> None:
    """``count`` pins, ``share`` of them drawn from vulnerable versions, the rest fixed ones."""
    bad = int(count * share)
    chosen = (vulnerable * (bad // len(vulnerable) + 1))[:bad]
    chosen += (clean * ((count - bad) // len(clean) + 1))[: count - bad]
    path.write_text("".join(f"{name}=={version}\n" for name, version in chosen))


def summarise(
    label: str, samples: list[tuple[float, float, int, float]], items: int
) -> dict[str, object]:
    walls = [s[0] for s in samples]
    best = min(walls)
    row = {
        "what": label,
        "best_s": round(best, 3),
        "median_s": round(statistics.median(walls), 3),
        "best_cpu_s": round(min(s[3] for s in samples), 3),
        "per_second": round(items / best),
        "peak_rss_mb": round(max(s[1] for s in samples), 1),
    }
    print(
        f"{label:<28} best {row['best_s']:.3f} s  median {row['median_s']:.3f} s  "
        f"cpu {row['best_cpu_s']:.3f} s  {row['per_second']:>8}/s  "
        f"peak RSS {row['peak_rss_mb']} MB"
    )
    return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    archive = args.archive or (SHARED if SHARED.exists() else LOCAL)
    if archive == LOCAL:
        print(f"note: {SHARED} not found; using {LOCAL}")
    # What the installed `pipwarden` console script runs (no runpy, unlike `python -m`).
    exe = [sys.executable, "-c", "import sys; from pipwarden.cli import main; sys.exit(main())"]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        env = dict(os.environ, PIPWARDEN_CACHE_DIR=str(work / "cache"), NO_COLOR="1")
        env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
        # Measure what an installed pipwarden does: byte-compiled modules, as pip leaves them.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        compileall.compile_dir(ROOT / "src" / "pipwarden", quiet=1)
        db = work / "osv.sqlite3"
        records = sum(1 for n in zipfile.ZipFile(archive).namelist() if n.endswith(".json"))
        rows = []
        samples = [
            timed([*exe, "db", "import", str(archive), "--db", str(db)], env)
            for _ in range(args.runs)
        ]
        rows.append(summarise(f"db import ({records} records)", samples, records))
        rows.append(
            summarise("pipwarden --version", [timed([*exe, "--version"], env)
                                              for _ in range(args.runs)], 1)
        )
        vulnerable, clean = pins_from_archive(archive)
        for share in (0.1, 1.0):
            for count in (1000, 5000):
                req = work / f"requirements-{count}-{share}.txt"
                write_requirements(req, vulnerable, clean, count, share)
                argv = [*exe, "audit", "-r", str(req), "--db", str(db), "--offline",
                        "--format", "json", "--project", str(work)]
                samples = [timed(argv, env) for _ in range(args.runs)]
                label = f"audit {count} pins, {share:.0%} vuln."
                rows.append(summarise(label, samples, count))
        if args.json:
            print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
