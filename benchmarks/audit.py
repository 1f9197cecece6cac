"""Benchmark `pipwarden db import`, `audit` and `check` end to end, as a user runs them.

Generates requirements files of 1,000 and 5,000 pins from the OSV data itself (real
package names with versions taken from the records' ``versions`` lists and events, so a
good share are vulnerable), then times fresh `pipwarden` processes: wall time including
interpreter start, and the peak RSS of that one process (``os.wait4``).

With ``--safety PATH`` (the ``safety`` 2.3.5 executable of a separate venv:
``python3 -m venv /tmp/s && /tmp/s/bin/pip install safety==2.3.5``), the same OSV records
are converted to safety's offline database format (``insecure.json`` and
``insecure_full.json``: one specifier per range, ``==`` pins for entries without ranges)
and the 1,000-pin audit runs side by side, runs alternating, with ``safety check -r FILE
--db DIR`` (offline: a local database makes no request). Every (package, version, record)
that safety reports must be among pipwarden's findings (a finding lists its aliased
records): the missed count is printed, and must be 0.

Also times ``check`` of the example project (``examples/analytics-pipeline``, offline,
with the demo database imported from ``examples/osv-sample.zip``, ``--max-db-age any``:
the README's "Try it" command). Audits also take ``--max-db-age any`` (the recorded data is
from 2024).

    python benchmarks/audit.py [--runs 5] [--archive PATH] [--safety PATH]

Uses ../shared/data/osv/…zip when present, else the copy in tests/data/osv/.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
# ../shared/data next to the checkout, or next to a folder holding it (git worktrees).
SHARED = next(
    (p / "shared" / "data" / "osv" / "PyPI-pypa-advisory-database-20241010.zip"
     for p in ROOT.parents
     if (p / "shared" / "data" / "osv" / "PyPI-pypa-advisory-database-20241010.zip").is_file()),
    ROOT.parent / "shared" / "data" / "osv" / "PyPI-pypa-advisory-database-20241010.zip",
)
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
        if proc.returncode not in (0, 1, 64):  # 64: safety found something
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


def safety_database(archive: Path, folder: Path) -> int:
    """Write safety 2.3.5's offline database (``insecure.json``, ``insecure_full.json``)
    for the records of ``archive``; returns the number of records written.

    Each ECOSYSTEM/SEMVER range becomes specifiers (``>=introduced,<fixed``,
    ``<=last_affected``); an entry without such a range contributes ``==`` pins of its
    ``versions`` list. Withdrawn records are left out, as pipwarden leaves them out.
    """
    short: dict[str, set[str]] = {}
    full: dict[str, list[dict[str, object]]] = {}
    written = 0
    with zipfile.ZipFile(archive) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".json"):
                continue
            record = json.loads(zf.read(member))
            if record.get("withdrawn"):
                continue
            for affected in record.get("affected", []):
                package = affected.get("package", {})
                if package.get("ecosystem") != "PyPI" or not package.get("name"):
                    continue
                name = canonicalize_name(package["name"])
                specs = _range_specs(affected)
                if not specs:
                    continue
                written += 1
                short.setdefault(name, set()).update(specs)
                full.setdefault(name, []).append({
                    "id": record["id"],
                    "specs": specs,
                    "v": ",".join(specs),
                    "advisory": record.get("summary") or record.get("details", "")[:200],
                    "cve": ",".join(a for a in record.get("aliases", []) if a.startswith("CVE-")),
                    "more_info_path": "/" + record["id"],
                    "published_date": record.get("published"),
                    "fixed_versions": [],
                    "affected_versions": [],
                    "transitive": False,
                })
    meta = {"advisory": "converted from OSV", "timestamp": 0, "base_domain": "https://osv.dev",
            "packages": {}, "cve": {}}
    folder.mkdir(parents=True, exist_ok=True)
    insecure = {"$meta": meta, **{n: sorted(v) for n, v in sorted(short.items())}}
    (folder / "insecure.json").write_text(json.dumps(insecure))
    (folder / "insecure_full.json").write_text(json.dumps({"$meta": meta, **full}))
    return written


def _range_specs(affected: dict[str, object]) -> list[str]:
    specs: list[str] = []
    ranges = [r for r in affected.get("ranges", []) or []  # type: ignore[attr-defined]
              if r.get("type") in ("ECOSYSTEM", "SEMVER")]
    for rng in ranges:
        events = []
        for event in rng.get("events", []):
            ((kind, text),) = event.items()
            if kind == "introduced" and text == "0":
                events.append((Version("0.dev0"), kind, None))
                continue
            try:
                events.append((Version(text), kind, text))
            except InvalidVersion:
                continue
        events.sort(key=lambda e: e[0])
        low: str | None = None
        is_open = False
        for _, kind, text in events:
            if kind == "introduced":
                low, is_open = text, True
            elif kind in ("fixed", "last_affected") and is_open:
                op = "<" if kind == "fixed" else "<="
                specs.append(f"{op}{text}" if low is None else f">={low},{op}{text}")
                is_open = False
        if is_open:
            specs.append(">=0" if low is None else f">={low}")
    if not ranges:
        for text in affected.get("versions", []) or []:  # type: ignore[attr-defined]
            try:
                Version(text)
            except InvalidVersion:
                continue
            specs.append(f"=={text}")
    return list(dict.fromkeys(specs))


def compare_findings(pipwarden_json: bytes, safety_json: bytes) -> tuple[int, int, int]:
    """(safety's hits, pipwarden's findings, safety hits pipwarden missed). Hits are
    (package, version, record id) triples; a pipwarden finding covers every id of its
    group of aliased records."""
    findings = json.loads(pipwarden_json)["findings"]
    ours = {
        (f["package"], f["version"], rid) for f in findings for rid in (f["id"], *f["aliases"])
    }
    theirs = {
        (canonicalize_name(v["package_name"]), v["analyzed_version"], v["vulnerability_id"])
        for v in json.loads(safety_json)["vulnerabilities"]
    }
    distinct = {(f["package"], f["version"], f["id"]) for f in findings}
    return len(theirs), len(distinct), len(theirs - ours)


def output_of(argv: list[str], env: dict[str, str]) -> bytes:
    """The stdout of one run (exit 0 or 1: findings are not a failure here)."""
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    if proc.returncode not in (0, 1, 64):  # safety exits 64 when it finds something
        sys.exit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.decode()}")
    return proc.stdout


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
    parser.add_argument("--safety", type=Path, default=None,
                        help="the safety 2.3.5 executable, for the side-by-side run")
    parser.add_argument("--only-side-by-side", action="store_true",
                        help="skip the import and the 5,000-pin and all-vulnerable audits")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    archive = args.archive or (SHARED if SHARED.exists() else LOCAL)
    if archive == LOCAL:
        print(f"note: {SHARED} not found; using {LOCAL}")
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}"
          if Path("/proc/loadavg").exists() else "load average: unknown")
    # What the installed `pipwarden` console script runs (no runpy, unlike `python -m`).
    exe = [sys.executable, "-c", "from pipwarden.cli import run; run()"]
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
        import_argv = [*exe, "db", "import", str(archive), "--db", str(db)]
        samples = [timed(import_argv, env) for _ in range(1 if args.only_side_by_side
                                                           else args.runs)]
        rows.append(summarise(f"db import ({records} records)", samples, records))
        rows.append(
            summarise("pipwarden --version", [timed([*exe, "--version"], env)
                                              for _ in range(args.runs)], 1)
        )
        vulnerable, clean = pins_from_archive(archive)
        cases = [(0.1, 1000)] if args.only_side_by_side else [
            (0.1, 1000), (0.1, 5000), (1.0, 1000), (1.0, 5000)]
        for share, count in cases:
            req = work / f"requirements-{count}-{share}.txt"
            write_requirements(req, vulnerable, clean, count, share)
            # The recorded data is from 2024: --max-db-age any, so that the audit runs
            # instead of stopping at "stale data" (exit 3).
            argv = [*exe, "audit", "-r", str(req), "--db", str(db), "--offline",
                    "--max-db-age", "any", "--format", "json", "--project", str(work)]
            label = f"audit {count} pins, {share:.0%} vuln."
            if args.safety is None or (share, count) != (0.1, 1000):
                samples = [timed(argv, env) for _ in range(args.runs)]
                rows.append(summarise(label, samples, count))
                continue
            sdb = work / "safety-db"
            converted = safety_database(archive, sdb)
            senv = {k: v for k, v in env.items() if k != "PYTHONPATH"}
            sargv = [str(args.safety), "--disable-optional-telemetry-data", "check", "-r",
                     str(req), "--db", str(sdb), "--output", "json"]
            ours, theirs = [], []
            for _ in range(args.runs):  # alternate, so that both see the same load
                ours.append(timed(argv, env))
                theirs.append(timed(sargv, senv))
            mine = summarise(label, ours, count)
            other = summarise("safety 2.3.5, same pins", theirs, count)
            hits, findings, missed = compare_findings(output_of(argv, env),
                                                      output_of(sargv, senv))
            ratio = float(other["median_s"]) / float(mine["median_s"])  # type: ignore[arg-type]
            cpu_ratio = float(other["best_cpu_s"]) / float(mine["best_cpu_s"])  # type: ignore[arg-type]
            print(f"  safety database: {converted} affected entries converted; safety "
                  f"reports {hits} (package, version, record) hits, pipwarden {findings} "
                  f"findings; missed by pipwarden: {missed}")
            print(f"  pipwarden is {ratio:.1f}x faster (median wall), {cpu_ratio:.1f}x "
                  "(best CPU)")
            rows += [mine, other, {"what": "side by side", "safety_hits": hits,
                                   "pipwarden_findings": findings, "missed": missed,
                                   "speedup_median": round(ratio, 2),
                                   "speedup_cpu": round(cpu_ratio, 2)}]
        # check of the example project, offline with the README's demo database, as the
        # README's "Try it" command runs it.
        example = work / "analytics-pipeline"
        shutil.copytree(ROOT / "examples" / "analytics-pipeline", example)
        demo = work / "osv-demo.sqlite3"
        timed([*exe, "db", "import", str(ROOT / "examples" / "osv-sample.zip"), "--db",
               str(demo)], env)
        check = [*exe, "check", str(example), "--offline", "--db", str(demo), "--max-db-age",
                 "any"]
        if b"vulnerab" not in output_of(check, env):
            sys.exit("check of the example project did not audit it")
        rows.append(summarise("check example project", [timed(check, env)
                                                        for _ in range(args.runs)], 1))
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}"
              if Path("/proc/loadavg").exists() else "")
        if args.json:
            print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
