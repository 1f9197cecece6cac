"""The 1,000-pin audit by several pipwarden installs, side by side, run by run.

This VM's speed varies by the minute, so "not slower than commit X" is measured by running
X and the code under test alternately, in the same minutes, on the same pins: each install
(a venv: ``python3 -m venv /tmp/old && /tmp/old/bin/pip install git+file://$PWD@COMMIT``)
imports the archive into its own database (schemas differ between commits), then the
audits alternate, ``--runs`` each, fresh processes. The project folder holds
``[tool.pipwarden] max-db-age`` (the recorded data is from 2024, and older commits have no
``--max-db-age`` option). Reports wall and CPU time (best, median) per install, and with
``--callgrind`` the instruction count of one run each (valgrind; independent of the load).

    python benchmarks/audit_against.py VENV [VENV ...] [--runs 31] [--share 0.1] [--callgrind]

The pins are those of ``benchmarks/audit.py`` (10 % vulnerable by default; ``--share 1``:
all vulnerable).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit import LOCAL, SHARED, pins_from_archive, write_requirements

# What the `pipwarden` console script runs; installs from before `cli.run` (2026-12-07)
# had `main` as the script's target.
PROGRAM = ("import sys, pipwarden.cli as c; "
           "c.run() if hasattr(c, 'run') else sys.exit(c.main())")


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr is not None else ""
    if code not in (0, 1):
        sys.exit(f"{' '.join(argv)} failed ({code}): {err}")
    return wall, usage.ru_utime + usage.ru_stime, code


def _instructions(argv: list[str], env: dict[str, str], work: Path) -> int | None:
    if shutil.which("valgrind") is None:
        return None
    out = work / "callgrind.out"
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *argv],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    for line in out.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("venvs", nargs="+", type=Path, help="venvs with pipwarden installed")
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--share", type=float, default=0.1, help="share of vulnerable pins")
    parser.add_argument("--archive", type=Path, default=None)
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    args = parser.parse_args()
    archive = args.archive or (SHARED if SHARED.exists() else LOCAL)
    vulnerable, clean = pins_from_archive(archive)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        req = work / "requirements-1000.txt"
        write_requirements(req, vulnerable, clean, 1000, args.share)
        project = work / "project"
        project.mkdir()
        (project / "pyproject.toml").write_text("[tool.pipwarden]\nmax-db-age = 100000\n")
        cases: dict[str, tuple[list[str], dict[str, str]]] = {}
        for n, venv in enumerate(args.venvs):
            python = str(venv / "bin" / "python")
            env = dict(os.environ, PIPWARDEN_CACHE_DIR=str(work / f"cache{n}"), NO_COLOR="1")
            env.pop("PYTHONPATH", None)
            env.pop("PYTHONDONTWRITEBYTECODE", None)  # as a user's install writes bytecode
            db = work / f"osv{n}.sqlite3"
            subprocess.run([python, "-c", PROGRAM, "db", "import", str(archive), "--db", str(db)],
                           env=env, check=True, stdout=subprocess.DEVNULL)
            argv = [python, "-c", PROGRAM, "audit", "-r", str(req), "--db", str(db), "--offline",
                    "--format", "json", "--project", str(project)]
            cases[str(venv)] = (argv, env)
        print(f"load average before: {Path('/proc/loadavg').read_text().strip()}")
        wall: dict[str, list[float]] = {k: [] for k in cases}
        cpu: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for name, (argv, env) in cases.items():
                w, c, _ = _run(argv, env)
                wall[name].append(w)
                cpu[name].append(c)
        print(f"load average after: {Path('/proc/loadavg').read_text().strip()}")
        for name, (argv, env) in cases.items():
            line = (f"{name}: wall best {min(wall[name]):.3f} s, median "
                    f"{statistics.median(wall[name]):.3f} s; CPU best {min(cpu[name]):.3f} s, "
                    f"median {statistics.median(cpu[name]):.3f} s")
            if args.callgrind:
                count = _instructions(argv, env, work)
                line += "; instructions " + (f"{count / 1e6:,.0f} M" if count else "n/a")
            print(line)


if __name__ == "__main__":
    main()
