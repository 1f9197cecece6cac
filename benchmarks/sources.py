"""Timings of the input readers: venvs, requirements files, the dependency graph.

Run: ``PYTHONPATH=src python benchmarks/sources.py``. Uses no network and no ../shared data:
it reads this interpreter's own site-packages and generates the rest in a temp folder.
Targets: a 300-package venv read in < 50 ms; a 5,000-line requirements file parsed well
under the 1 s budget of ``lint``.
"""

from __future__ import annotations

import random
import site
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipwarden.sources.environment import read_environment  # noqa: E402
from pipwarden.sources.graph import DependencyGraph  # noqa: E402
from pipwarden.sources.requirements import parse_requirements  # noqa: E402

DESCRIPTION = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 40 + "\n") * 20


def best_of(runs: int, func: Callable[[], object]) -> tuple[float, float]:
    """(first run, best run) in milliseconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], min(times)


def make_venv(folder: Path, count: int, rng: random.Random) -> Path:
    site_dir = folder / "lib" / "python3.11" / "site-packages"
    site_dir.mkdir(parents=True)
    (folder / "pyvenv.cfg").write_text("version_info = 3.11.9.final.0\n", encoding="utf-8")
    names = [f"pkg-{i:04d}" for i in range(count)]
    for i, name in enumerate(names):
        dist = site_dir / f"{name.replace('-', '_')}-1.{i}.0.dist-info"
        dist.mkdir()
        requires = [f"Requires-Dist: {rng.choice(names[i + 1:])}>=1"
                    for _ in range(rng.randint(0, 4)) if i + 1 < count]
        requires += [f'Requires-Dist: {rng.choice(names)}; extra == "dev"' for _ in range(2)]
        requires.append('Requires-Dist: tomli>=1; python_version < "3.11"')
        headers = [
            "Metadata-Version: 2.1", f"Name: {name}", f"Version: 1.{i}.0",
            "Summary: a generated package", "License: MIT",
            "Classifier: Programming Language :: Python :: 3",
            f"Project-URL: Source, https://github.com/example/{name}",
            *requires, "Description-Content-Type: text/markdown",
        ]
        (dist / "METADATA").write_text("\n".join(headers) + "\n\n" + DESCRIPTION,
                                       encoding="utf-8")
        (dist / "INSTALLER").write_text("pip\n", encoding="utf-8")
        (dist / "top_level.txt").write_text(name.replace("-", "_") + "\n", encoding="utf-8")
        if i % 5 == 0:
            (dist / "entry_points.txt").write_text(
                f"[console_scripts]\n{name} = {name.replace('-', '_')}:main\n", encoding="utf-8"
            )
        (dist / "RECORD").write_text(f"{name.replace('-', '_')}/__init__.py,,\n",
                                     encoding="utf-8")
    return folder


def make_requirements(path: Path, lines: int, rng: random.Random) -> Path:
    out = ["# generated", "--index-url https://pypi.org/simple", ""]
    for i in range(lines - 3):
        kind = i % 10
        name = f"package-{i}"
        if kind == 0:
            out.append(f"# section {i}")
        elif kind == 1:
            out.append(f"{name}=={rng.randint(0, 9)}.{rng.randint(0, 30)}.0 \\")
            out.append(f"    --hash=sha256:{rng.getrandbits(256):064x}")
        elif kind == 2:
            out.append(f'{name}[extra]>=1.0,<3 ; python_version >= "3.9"  # note')
        else:
            out.append(f"{name}>={rng.randint(0, 9)}.{rng.randint(0, 30)}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def main() -> None:
    rng = random.Random(751)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        system_site = Path(site.getsitepackages()[0])
        env = read_environment(system_site)
        first, best = best_of(7, lambda: read_environment(system_site))
        print(f"read_environment(system site-packages, {len(env.packages)} dists): "
              f"first {first:.1f} ms, best {best:.1f} ms")

        venv = make_venv(base / "venv", 300, rng)
        env = read_environment(venv)
        first, best = best_of(7, lambda: read_environment(venv))
        print(f"read_environment(generated venv, {len(env.packages)} dists): "
              f"first {first:.1f} ms, best {best:.1f} ms (target < 50 ms)")
        first, best = best_of(7, lambda: DependencyGraph.from_environment(env))
        print(f"DependencyGraph.from_environment(300 dists): first {first:.1f} ms, "
              f"best {best:.1f} ms")
        graph = DependencyGraph.from_environment(env)
        first, best = best_of(7, lambda: [graph.paths_to(p.name) for p in env.packages])
        print(f"paths_to for all 300 packages: best {best:.1f} ms")

        for count in (1000, 5000):
            req = make_requirements(base / f"requirements-{count}.txt", count, rng)
            parsed = parse_requirements(req, environ={})
            first, best = best_of(5, lambda req=req: parse_requirements(req, environ={}))
            print(f"parse_requirements({count} lines, {len(parsed.dependencies)} deps): "
                  f"first {first:.1f} ms, best {best:.1f} ms")


if __name__ == "__main__":
    main()
