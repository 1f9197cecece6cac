"""Every command over the real requirement files of ``../shared/data/realworld/requirements``.

Run: ``python benchmarks/realworld_commands.py [--shared ../shared/data]``.

Each real file is copied, with the files beside it, into a fresh temporary project (the
originals are never written),
then ``audit``, ``check``, ``lint``, ``lint --fix``, ``slim``, ``vet -r``, ``doctor`` and
``update --dry-run`` run over it offline against the demo database, and ``fleet`` runs over
all the copies at once. Reported: the exit codes per command, wall time, and any run that
printed a traceback or exited 4 (an internal error). The goal is zero of those: real files
are ordinary input, so every run must end in 0, 1, 2 or 3 with a one-line reason.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    proc = subprocess.run(
        [sys.executable, "-m", "pipwarden", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        check=False,
    )
    return proc.returncode, proc.stderr + proc.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    options = parser.parse_args()
    source = options.shared / "realworld" / "requirements"
    if not source.is_dir():
        print(f"{source}: not found (this benchmark needs ../shared/data)", file=sys.stderr)
        return 2
    files = sorted(p for p in source.rglob("*.txt") if p.is_file())
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src")
    env.pop("VIRTUAL_ENV", None)
    env.pop("PRE_COMMIT", None)
    codes: dict[str, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    failures: list[str] = []
    runs = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="pw-realworld-") as tmp:
        base = Path(tmp)
        env["XDG_CACHE_HOME"] = str(base / "cache")
        env["HOME"] = str(base / "home")
        (base / "home").mkdir()
        db = base / "osv.sqlite3"
        code, out = _run(["db", "import", str(ROOT / "examples" / "osv-sample.zip"),
                          "--db", str(db)], base, env)
        if code != 0:
            print(f"db import failed: {out.strip()}", file=sys.stderr)
            return 4
        projects = base / "projects"
        for index, path in enumerate(files):
            # the file's whole folder, under the real names: its includes (-r base.txt)
            # resolve as they do in the repository
            project = projects / f"{index:02d}-{path.parent.name}"
            shutil.copytree(path.parent, project)
            for copied in [project, *project.rglob("*")]:  # the corpus is read-only
                copied.chmod(copied.stat().st_mode | 0o200)
            policy = project / ".pipwarden.toml"
            if not policy.exists():  # the demo data is from 2024: judge it, not its age
                policy.write_text('max-db-age = "100000d"\n', encoding="utf-8")
            target = project / path.name
            label = str(path.relative_to(source))
            commands = {
                "audit": ["audit", "-r", str(target), "--offline", "--db", str(db)],
                "check": ["check", str(project), "--offline", "--db", str(db)],
                "lint": ["lint", str(target), "--offline", "--db", str(db)],
                "slim": ["slim", str(project), "--offline"],
                "vet": ["vet", "-r", str(target), "--offline", "--db", str(db)],
                "doctor": ["doctor", str(project)],
                "update": ["update", "--dry-run", "--offline", "--db", str(db),
                           "--venv", str(project / ".venv")],
                "lint --fix": ["lint", str(target), "--fix", "--offline", "--db", str(db)],
            }
            for name, args in commands.items():
                code, out = _run(args, project, env)
                runs += 1
                codes[name][code] += 1
                if code == 4 or "Traceback" in out:
                    first = out.strip().splitlines()[-1] if out.strip() else ""
                    failures.append(f"{name} {label}: exit {code}: {first[:160]}")
        code, out = _run(["fleet", str(projects), "--offline", "--db", str(db)], base, env)
        runs += 1
        codes["fleet"][code] += 1
        if code == 4 or "Traceback" in out:
            failures.append(f"fleet: exit {code}: {out.strip().splitlines()[-1][:160]}")
    elapsed = time.perf_counter() - started
    print(f"{len(files)} real requirement files, {runs} runs in {elapsed:.1f} s")
    for name, counter in codes.items():
        spread = ", ".join(f"exit {c}: {n}" for c, n in sorted(counter.items()))
        print(f"  {name:<11} {spread}")
    print(f"tracebacks or internal errors: {len(failures)}")
    for line in failures:
        print(f"  {line}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
