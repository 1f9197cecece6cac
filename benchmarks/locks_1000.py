"""Reader timings: a generated 1,000-package uv.lock against the same pins as a
requirements.txt (and as pylock.toml / poetry.lock / pdm.lock / Pipfile.lock).

Run: ``PYTHONPATH=src python benchmarks/locks_1000.py``. No network, no ../shared data:
the files are generated in a temp folder, shaped like real locks (a root project, each
package with an sdist and three wheels with hashes, a few dependency edges, a name locked
at two versions with resolution markers, an extra and a dev group). This measures the
readers, then ``pipwarden audit`` end to end (fresh process, offline, on the recorded OSV
data) of the same 1,000 real pins, 10 % vulnerable, as requirements.txt and as uv.lock:
the issue's bar is uv.lock within 1.5x of requirements.txt.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipwarden.sources import (  # noqa: E402
    fasttoml,
    lockcommon,
    pdmlock,
    pipfilelock,
    poetrylock,
    pylock,
    uvlock,
)
from pipwarden.sources.requirements import parse_requirements  # noqa: E402

COUNT = 1000
HASH = "sha256:" + "0" * 64


def best_of(runs: int, func: Callable[[], object]) -> float:
    """Best CPU time (``time.process_time``: the machine is shared) of ``runs`` calls, in
    milliseconds."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        func()
        times.append((time.process_time() - start) * 1000)
    return min(times)


def pins(rng: random.Random) -> list[tuple[str, str]]:
    return [(f"pkg-{i:04d}", f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}")
            for i in range(COUNT)]


def uv_lock(packages: list[tuple[str, str]], rng: random.Random) -> str:
    out = ['version = 1', 'revision = 3', 'requires-python = ">=3.10"', "",
           "[[package]]", 'name = "demo"', 'version = "0.1.0"', 'source = { virtual = "." }',
           "dependencies = ["]
    out += [f'    {{ name = "{name}" }},' for name, _ in packages[: COUNT // 2]]
    out += ["]", "", "[package.optional-dependencies]", "web = ["]
    out += [f'    {{ name = "{name}" }},' for name, _ in packages[COUNT // 2 : COUNT * 3 // 4]]
    out += ["]", "", "[package.dev-dependencies]", "dev = ["]
    out += [f'    {{ name = "{name}" }},' for name, _ in packages[COUNT * 3 // 4 :]]
    out += ["]", ""]
    for index, (name, version) in enumerate(packages):
        out += ["[[package]]", f'name = "{name}"', f'version = "{version}"',
                'source = { registry = "https://pypi.org/simple" }']
        if index == 7:
            out += ['resolution-markers = ["sys_platform == \'win32\'"]']
        later = packages[index + 1 :]
        deps = rng.sample(later, min(len(later), rng.randint(0, 3)))
        if deps:
            out += ["dependencies = ["]
            out += [f'    {{ name = "{dep}", marker = "python_version >= \'3.8\'" }},'
                    for dep, _ in deps]
            out += ["]"]
        url = f"https://files.pythonhosted.org/packages/00/00/{name}-{version}"
        out += [f'sdist = {{ url = "{url}.tar.gz", hash = "{HASH}", size = 1000 }}',
                "wheels = ["]
        out += [f'    {{ url = "{url}-py3-none-{tag}.whl", hash = "{HASH}", size = 1000 }},'
                for tag in ("any", "manylinux_2_17_x86_64", "win_amd64")]
        out += ["]", ""]
    return "\n".join(out) + "\n"


def pylock_toml(packages: list[tuple[str, str]]) -> str:
    out = ['lock-version = "1.0"', 'created-by = "bench"', ""]
    for name, version in packages:
        out += ["[[packages]]", f'name = "{name}"', f'version = "{version}"',
                "marker = \"'dev' in dependency_groups or sys_platform == 'linux'\"",
                f'wheels = [{{ url = "https://e.org/{name}.whl", '
                f'hashes = {{ sha256 = "{"0" * 64}" }} }}]', ""]
    return "\n".join(out)


def poetry_lock(packages: list[tuple[str, str]]) -> str:
    out = []
    for name, version in packages:
        out += ["[[package]]", f'name = "{name}"', f'version = "{version}"',
                'description = ""', "optional = false", 'python-versions = "*"',
                'groups = ["main"]',
                f'files = [{{file = "{name}.whl", hash = "{HASH}"}}]', ""]
    out += ["[metadata]", 'lock-version = "2.1"', 'python-versions = "^3.10"',
            'content-hash = "00"']
    return "\n".join(out) + "\n"


def pdm_lock(packages: list[tuple[str, str]]) -> str:
    out = ["[metadata]", 'groups = ["default"]', 'lock_version = "4.5.0"', ""]
    for name, version in packages:
        out += ["[[package]]", f'name = "{name}"', f'version = "{version}"',
                'groups = ["default"]', f'files = [{{file = "{name}.whl", hash = "{HASH}"}}]',
                ""]
    return "\n".join(out)


def pipfile_lock(packages: list[tuple[str, str]]) -> str:
    doc = {"_meta": {"pipfile-spec": 6},
           "default": {name: {"hashes": [HASH], "version": f"=={version}"}
                       for name, version in packages},
           "develop": {}}
    return json.dumps(doc, indent=4)


def audit_comparison(runs: int = 7) -> None:
    """``pipwarden audit`` of the same real pins as requirements.txt and as uv.lock."""
    import os
    import statistics

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from audit import LOCAL, SHARED, pins_from_archive, timed  # type: ignore[import-not-found]

    archive = SHARED if SHARED.exists() else LOCAL
    vulnerable, clean = pins_from_archive(archive)
    bad = COUNT // 10
    chosen = (vulnerable * (bad // len(vulnerable) + 1))[:bad]
    chosen += (clean * ((COUNT - bad) // len(clean) + 1))[: COUNT - bad]
    seen: dict[str, str] = {}
    for name, version in chosen:  # a lock holds one version per name (per marker)
        seen.setdefault(name, version)
    rng = random.Random(8)
    while len(seen) < COUNT:  # the recorded data names fewer projects: pad with clean ones
        seen[f"pkg-{len(seen):04d}"] = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.0"
    packages = sorted(seen.items())
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        db = base / "osv.sqlite3"
        env = {**os.environ, "PIPWARDEN_DB": str(db), "PYTHONPATH": str(ROOT / "src")}
        cli = [sys.executable, "-m", "pipwarden"]
        timed([*cli, "db", "import", str(archive)], env)
        for name in ("req", "uv"):
            (base / name).mkdir()
            (base / name / ".pipwarden.toml").write_text('max-db-age = "100000d"\n')
        (base / "req" / "requirements.txt").write_text(
            "".join(f"{n}=={v}\n" for n, v in packages))
        (base / "uv" / "uv.lock").write_text(uv_lock(packages, random.Random(8)))
        results = {}
        for label, argv in (
            ("requirements.txt", [*cli, "audit", "-r", str(base / "req" / "requirements.txt"),
                                  "--project", str(base / "req"), "--offline"]),
            ("uv.lock", [*cli, "audit", "--pylock", str(base / "uv" / "uv.lock"),
                         "--project", str(base / "uv"), "--offline"]),
        ):
            samples = [timed(argv, env) for _ in range(runs)]
            walls = [x[0] for x in samples]
            cpus = [x[3] for x in samples]
            results[label] = statistics.median(cpus)
            print(f"audit {label:17} {len(packages)} pins: wall best {min(walls):.3f} s median "
                  f"{statistics.median(walls):.3f} s; CPU median {statistics.median(cpus):.3f} s;"
                  f" peak RSS {max(x[1] for x in samples):.1f} MB; exit {samples[0][2]}")
        ratio = results["uv.lock"] / results["requirements.txt"]
        print(f"uv.lock / requirements.txt (CPU medians): {ratio:.2f}x  (target <= 1.5x)")


def main() -> int:
    if "--audit" in sys.argv:
        audit_comparison()
        return 0
    rng = random.Random(8)
    packages = pins(rng)
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        files = {
            "requirements.txt": "\n".join(f"{n}=={v} --hash={HASH}" for n, v in packages) + "\n",
            "uv.lock": uv_lock(packages, rng),
            "pylock.toml": pylock_toml(packages),
            "poetry.lock": poetry_lock(packages),
            "pdm.lock": pdm_lock(packages),
            "Pipfile.lock": pipfile_lock(packages),
        }
        for name, text in files.items():
            (base / name).write_text(text, encoding="utf-8")
        readers: dict[str, Callable[[], int]] = {
            "requirements.txt": lambda: len(parse_requirements(base / "requirements.txt",
                                                               environ={}).dependencies),
            "uv.lock": lambda: len(uvlock.read(base / "uv.lock", root=base).dependencies),
            "uv.lock (this platform)": lambda: len(uvlock.read(
                base / "uv.lock", root=base, this_platform=True).dependencies),
            "pylock.toml": lambda: len(pylock.read(base / "pylock.toml",
                                                   root=base).dependencies),
            "poetry.lock": lambda: len(poetrylock.read(base / "poetry.lock",
                                                       root=base).dependencies),
            "pdm.lock": lambda: len(pdmlock.read(base / "pdm.lock", root=base).dependencies),
            "Pipfile.lock": lambda: len(pipfilelock.read(base / "Pipfile.lock",
                                                         root=base).dependencies),
        }
        baseline = None
        print(f"{'file':26} {'bytes':>9} {'entries':>7} {'CPU ms':>8} {'x reqs':>7}")
        for label, func in readers.items():
            name = label.split(" ")[0]
            entries = func()
            best = best_of(7, func)
            baseline = baseline or best
            print(f"{label:26} {len(files[name]):9} {entries:7} {best:8.1f} "
                  f"{best / baseline:7.2f}")
        text = files["uv.lock"]
        slim = lockcommon.slim_uv_text(text)[0]
        print("uv.lock TOML alone (CPU ms, best of 7): tomllib "
              f"{best_of(7, lambda: tomllib.loads(text)):.1f}, tomllib on the slimmed text "
              f"{best_of(7, lambda: tomllib.loads(slim)):.1f}; fast reader "
              f"{best_of(7, lambda: fasttoml.loads(text)):.1f}, on the slimmed text "
              f"{best_of(7, lambda: fasttoml.loads(slim)):.1f}, slimming "
              f"{best_of(7, lambda: lockcommon.slim_uv_text(text)):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
