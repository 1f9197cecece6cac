"""Benchmark: ``pipwarden fleet`` over 50 generated projects (target ≤ 2 s).

Run from the repository root: ``PYTHONPATH=src python benchmarks/fleet.py``. The projects
are written to a temporary folder with planted divergences (one package, different floors
or pins), single uses (a package only one project declares) and overlaps (different
libraries for one job in different projects); the script checks that the report finds
exactly the planted ones and prints the time. Package names come from
../shared/data/pypi when that folder is there, else from generated names; the script says
which. Offline: lint runs without PyPI or database lookups.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipwarden.fleet import FleetReport, run_fleet  # noqa: E402
from pipwarden.settings import Settings  # noqa: E402
from pipwarden.slim.overlap import CATEGORIES  # noqa: E402

SHARED_PYPI = ROOT.parent / "shared" / "data" / "pypi"
_OVERLAP_NAMES = {n for _job, members in CATEGORIES.values() for n in members}


@dataclass
class Planted:
    """What the generator planted, to compare with what fleet reports."""

    divergent: dict[str, str] = field(default_factory=dict)  # package -> suggested floor
    single: dict[str, str] = field(default_factory=dict)  # package -> project
    overlaps: set[str] = field(default_factory=set)  # categories


def shared_names() -> tuple[list[str], str]:
    if SHARED_PYPI.is_dir():
        names = sorted(p.name.removesuffix(".json.gz") for p in SHARED_PYPI.glob("*.json.gz"))
        names = [n for n in names if n not in _OVERLAP_NAMES]
        if names:
            return names, f"{len(names)} names from {SHARED_PYPI}"
    return [f"package-{i}" for i in range(200)], "../shared/data absent: generated names"


def generate(
    base: Path, projects: int = 50, names: list[str] | None = None, seed: int = 5
) -> Planted:
    """Write ``projects`` project folders under ``base`` (a mix of requirements.txt,
    requirements-dev.txt with ``-r``, and pyproject.toml) and return what was planted."""
    rng = random.Random(seed)
    pool = [n for n in (names or [f"package-{i}" for i in range(200)]) if n not in _OVERLAP_NAMES]
    shared = pool[:25]  # every project declares these with the same floor
    divergent = pool[25:30]  # these get a different floor or a pin in a few projects
    singles = pool[30 : 30 + projects // 5]
    planted = Planted()
    floors = {name: f"{1 + i}.{i % 4}" for i, name in enumerate(shared + divergent)}
    http = ["requests", "httpx"]
    frames = ["pandas", "polars"]
    for index in range(projects):
        lines: dict[str, str] = {n: f"{n}>={floors[n]}" for n in shared}
        for offset, name in enumerate(divergent):
            if index % 10 == offset:
                lines[name] = f"{name}>={floors[name]}.{index + 1}"  # a higher floor here
            elif index % 10 == offset + 5:
                lines[name] = f"{name}=={floors[name]}.0"  # a pin there
            else:
                lines[name] = f"{name}>={floors[name]}"
        if index < len(singles):
            lines[singles[index]] = f"{singles[index]}>=0.{index}"
            planted.single[singles[index]] = f"p{index:02d}"
        client = http[1] if index % 7 == 0 else http[0]
        frame = frames[1] if index % 9 == 0 else frames[0]
        lines[client] = f"{client}>=2.0"
        lines[frame] = f"{frame}>=1.0"
        folder = base / ("team-a" if index % 2 else "team-b") / f"p{index:02d}"
        folder.mkdir(parents=True)
        (folder / ".venv").mkdir()  # never searched
        (folder / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
        (folder / ".venv" / "requirements.txt").write_text("ignored==1\n")
        ordered = list(lines.values())
        rng.shuffle(ordered)
        if index % 3 == 0:
            deps = ",\n".join(f'    "{line}"' for line in ordered)
            (folder / "pyproject.toml").write_text(
                f'[project]\nname = "p{index:02d}"\nversion = "0"\ndependencies = [\n{deps},\n]\n'
            )
        elif index % 3 == 1:
            (folder / "requirements.txt").write_text("\n".join(ordered) + "\n")
        else:
            half = len(ordered) // 2
            (folder / "requirements.txt").write_text("\n".join(ordered[:half]) + "\n")
            (folder / "requirements-dev.txt").write_text(
                "-r requirements.txt\n" + "\n".join(ordered[half:]) + "\n"
            )
    for offset, name in enumerate(divergent):
        highest = max((i for i in range(projects) if i % 10 == offset), default=None)
        planted.divergent[name] = (
            f"{floors[name]}.{highest + 1}" if highest is not None else f"{floors[name]}.0"
        )
    planted.overlaps = {"http-client", "dataframe"}
    return planted


def check(planted: Planted, report: FleetReport) -> list[str]:
    """Differences between what was planted and what the report says (empty: all found)."""
    problems: list[str] = []
    got_div = {d.package: d.suggested_floor for d in report.divergences}
    if got_div != planted.divergent:
        problems.append(f"divergences: expected {planted.divergent}, got {got_div}")
    got_single = {s.package: s.project.rsplit("/", 1)[-1] for s in report.single_uses}
    if got_single != planted.single:
        problems.append(f"single uses: expected {planted.single}, got {got_single}")
    got_overlaps = {o.category for o in report.overlaps}
    if got_overlaps != planted.overlaps:
        problems.append(f"overlaps: expected {planted.overlaps}, got {got_overlaps}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    names, origin = shared_names()
    print(f"names: {origin}")
    best = float("inf")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        planted = generate(base, args.projects, names)
        settings = Settings.from_env({"PIPWARDEN_CACHE_DIR": str(base / ".cache")}).with_overrides(
            db_path=base / ".cache" / "none.sqlite3", offline=True
        )
        for _ in range(args.repeat):
            start = time.perf_counter()
            report = run_fleet([base], settings=settings, offline=True)
            best = min(best, time.perf_counter() - start)
        problems = check(planted, report)
    print(
        f"fleet: {len(report.projects)} projects, {len(report.packages)} packages, "
        f"{len(report.divergences)} divergent, {len(report.single_uses)} single uses, "
        f"{len(report.overlaps)} overlaps, lint findings {report.lint_total}"
    )
    print(f"best of {args.repeat}: {best:.3f} s (target ≤ 2 s)")
    for problem in problems:
        print(f"MISMATCH {problem}")
    return 1 if problems or best > 2.0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
