"""Benchmark: ``pipwarden lint`` of a generated 5,000-line requirements file (target ≤ 1 s).

Run from the repository root: ``PYTHONPATH=src python benchmarks/lint.py``. Package names
come from ../shared/data/pypi when that folder is there (the recorded data stack), else
from generated names; the script says which. Offline: no PyPI or database lookups, so
this measures the scanner, the rules and the fixer's planning, not the network.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipwarden.lint import LintConfig, Lookups, run_lint  # noqa: E402
from pipwarden.settings import Settings  # noqa: E402

SHARED_PYPI = ROOT.parent / "shared" / "data" / "pypi"


def _names() -> tuple[list[str], str]:
    if SHARED_PYPI.is_dir():
        names = sorted(p.name.removesuffix(".json.gz") for p in SHARED_PYPI.glob("*.json.gz"))
        if names:
            return names, f"{len(names)} names from {SHARED_PYPI}"
    return [f"package-{i}" for i in range(400)], "../shared/data absent: generated names"


def generate(lines: int, names: list[str], seed: int = 7) -> str:
    rng = random.Random(seed)
    shapes = [
        "{n}>={v}",
        "{n}=={v}",
        "{n}>={v},<{m}",
        "{N}>={v}  # why we need it",
        '{n}[extra]>={v} ; python_version >= "3.9"',
        "{n}",
        "{n}~={v}",
        "",
        "# a comment line",
        "{n} @ git+https://github.com/org/{n}.git@main",
    ]
    out = ["--index-url https://pypi.org/simple"]
    while len(out) < lines:
        name = f"{rng.choice(names)}{len(out)}"  # unique names: duplicates are a rule too
        version = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}"
        shape = rng.choice(shapes)
        out.append(shape.format(n=name, N=name.upper(), v=version, m=int(version[0]) + 1))
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--limit", type=float, default=1.0, help="seconds allowed")
    args = parser.parse_args()
    names, source = _names()
    print(f"names: {source}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "requirements.txt"
        path.write_text(generate(args.lines, names))
        settings = Settings(cache_dir=Path(tmp) / "cache", db_path=Path(tmp) / "db")
        times: list[float] = []
        findings = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = run_lint(
                [path], LintConfig(), settings=settings, offline=True, lookups=Lookups()
            )
            times.append(time.perf_counter() - start)
            findings = len(report.findings)
        fix_path = Path(tmp) / "fix" / "requirements.txt"
        fix_path.parent.mkdir()
        fix_path.write_text(path.read_text())
        start = time.perf_counter()
        fixed = run_lint(
            [fix_path], LintConfig(fix=True), settings=settings, offline=True, lookups=Lookups()
        ).fixed
        fix_time = time.perf_counter() - start
    best = min(times)
    print(
        f"lint of {args.lines} lines: best {best:.3f} s, median "
        f"{sorted(times)[len(times) // 2]:.3f} s over {args.repeat} runs; {findings} findings"
    )
    print(f"lint --fix of the same file: {fix_time:.3f} s, {fixed} fixes applied")
    ok = best <= args.limit
    print(f"{'PASS' if ok else 'FAIL'}: limit {args.limit:.1f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
