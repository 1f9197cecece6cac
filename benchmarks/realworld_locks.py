"""Every lock/environment reader over the real files in ``../shared/data/realworld/lockfiles``.

Run: ``PYTHONPATH=src python benchmarks/realworld_locks.py [FOLDER]``. Prints, per format:
files read, entries read, PyPI entries (pinned from an index), entries with a URL/VCS/path
source, not-checked entries, files with 0 entries, input errors and tracebacks. The bar:
no traceback, no file with 0 entries, every locked PyPI entry counted (the script
re-counts the ``[[package]]`` tables / JSON entries / conda list items independently and
compares). Exits 0
and says so when the folder is missing (the corpus is not part of the repository).
Then every TOML lock is read by ``pipwarden.sources.fasttoml`` and by ``tomllib``: the
fast reader must give tomllib's value exactly or ``None`` (then tomllib reads it); the
count it handled itself is printed.
"""

from __future__ import annotations

import json
import sys
import time
import tomllib
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from pipwarden.errors import InputError  # noqa: E402
from pipwarden.sources import (  # noqa: E402
    conda,
    fasttoml,
    pdmlock,
    pipfilelock,
    poetrylock,
    pylock,
    uvlock,
)
from pipwarden.sources.interface import SourceResult  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "realworld" / "lockfiles"

READERS: dict[str, tuple[Callable[..., SourceResult], Callable[[Path], bool]]] = {
    "uv": (uvlock.read, lambda p: p.name == "uv.lock"),
    "poetry": (poetrylock.read, lambda p: p.name == "poetry.lock"),
    "pipenv": (pipfilelock.read, lambda p: p.name == "Pipfile.lock"),
    "pdm": (pdmlock.read, lambda p: p.name == "pdm.lock"),
    "pylock": (pylock.read, lambda p: bool(pylock.PYLOCK_NAME_RE.match(p.name))),
    "conda": (conda.read, lambda p: p.name in conda.CONDA_NAMES),
}


def expected_entries(fmt: str, path: Path) -> int | None:
    """An independent count of the entries a reader must report (``None``: not counted)."""
    if fmt == "pipenv":
        data = json.loads(path.read_text(encoding="utf-8-sig"))
        keys = {(name, json.dumps(entry.get("version") or entry.get("git")
                                  or entry.get("path") or entry.get("file")))
                for section, packages in data.items() if not section.startswith("_")
                for name, entry in packages.items()}
        return len(keys)
    if fmt == "conda":
        return _conda_count(path)
    data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    if fmt == "pylock":
        return len(data.get("packages", []))
    if fmt == "pdm":
        return len({(p["name"].lower().replace("_", "-"), p.get("version"), p.get("url"),
                     p.get("git"), p.get("path")) for p in data.get("package", [])})
    return len(data.get("package", []))


def _conda_count(path: Path) -> int:
    """Items under ``dependencies:`` by indentation alone: conda strings, plus the ``pip:``
    lines that are requirements (``-e`` counts, other options do not; ``-r`` files add
    their requirement lines)."""
    count, in_deps, pip_indent = 0, False, None
    for raw in path.read_text(encoding="utf-8-sig").splitlines():
        text = raw.split(" #", 1)[0].rstrip()
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(text) - len(text.lstrip())
        if indent == 0 and not stripped.startswith("-"):
            in_deps, pip_indent = stripped.startswith("dependencies:"), None
            continue
        if not in_deps or not stripped.startswith("-"):
            continue
        item = stripped[1:].strip().strip("'\"")
        if pip_indent is not None and indent > pip_indent:
            if item.startswith(("-r ", "--requirement")):
                included = path.parent / item.split(None, 1)[1]
                if included.is_file():
                    count += sum(1 for line in included.read_text(encoding="utf-8").splitlines()
                                 if line.strip() and not line.lstrip().startswith(("#", "-")))
            elif item.startswith("-e ") or not item.startswith("-"):
                count += 1
            continue
        if item.startswith("pip:"):
            pip_indent = indent
            continue
        pip_indent = None
        count += 1
    return count


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else DEFAULT
    if not folder.is_dir():
        print(f"{folder} is missing: nothing to measure (the corpus lives outside the repo)")
        return 0
    print(f"{'format':8} {'files':>5} {'entries':>8} {'PyPI':>6} {'URL/VCS/path':>12} "
          f"{'not checked':>11} {'0 entries':>9} {'errors':>6} {'tracebacks':>10} "
          f"{'mismatch':>8} {'ms':>6}")
    bad = 0
    for fmt, (reader, wanted) in READERS.items():
        files = sorted(p for p in (folder / fmt).rglob("*") if p.is_file() and wanted(p))
        counts = dict.fromkeys(("entries", "pypi", "url", "unchecked", "empty", "errors",
                                "tracebacks", "mismatch"), 0)
        start = time.perf_counter()
        for path in files:
            try:
                result = reader(path, root=path.parent)
            except InputError as exc:
                counts["errors"] += 1
                print(f"  error: {exc}")
                continue
            except Exception:
                counts["tracebacks"] += 1
                print(f"  TRACEBACK in {path}:\n{traceback.format_exc()}")
                continue
            entries = len(result.dependencies)
            counts["entries"] += entries
            counts["pypi"] += sum(1 for d in result.dependencies
                                  if d.url is None and d.pinned_version is not None)
            counts["url"] += sum(1 for d in result.dependencies if d.url is not None)
            counts["unchecked"] += len(result.not_checked)
            if entries + len(result.not_checked) == 0:
                counts["empty"] += 1
                print(f"  0 entries: {path}")
            expected = expected_entries(fmt, path)
            if expected is not None and expected != entries + len(result.not_checked):
                counts["mismatch"] += 1
                print(f"  mismatch: {path}: read {entries} + {len(result.not_checked)} "
                      f"not checked, expected {expected}")
        elapsed = (time.perf_counter() - start) * 1000
        bad += counts["tracebacks"] + counts["empty"] + counts["mismatch"] + counts["errors"]
        print(f"{fmt:8} {len(files):5} {counts['entries']:8} {counts['pypi']:6} "
              f"{counts['url']:12} {counts['unchecked']:11} {counts['empty']:9} "
              f"{counts['errors']:6} {counts['tracebacks']:10} {counts['mismatch']:8} "
              f"{elapsed:6.0f}")
    bad += fast_check(folder)
    print("bar met" if bad == 0 else f"bar NOT met: {bad} problem(s)")
    return 0


def _typed(value: object) -> object:
    """``value`` with types and key order spelled out (``True`` is not ``1`` here)."""
    if isinstance(value, dict):
        return ("table", [(key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list):
        return ("array", [_typed(item) for item in value])
    return (type(value).__name__, value)


def fast_check(folder: Path) -> int:
    """The fast TOML reader against tomllib on every TOML lock: how many it read itself,
    how many it left to tomllib, and differences (each one a problem)."""
    handled, left, differ = [], [], 0
    fast_cpu = slow_cpu = 0.0
    for fmt in ("uv", "poetry", "pdm", "pylock"):
        _, wanted = READERS[fmt]
        for path in sorted(p for p in (folder / fmt).rglob("*") if p.is_file() and wanted(p)):
            text = path.read_text(encoding="utf-8-sig")
            start = time.process_time()
            fast = fasttoml.loads(text)
            fast_cpu += time.process_time() - start
            start = time.process_time()
            try:
                slow: object = tomllib.loads(text)
            except (tomllib.TOMLDecodeError, RecursionError):
                slow = None
            slow_cpu += time.process_time() - start
            if fast is None:
                left.append(f"{fmt}/{path.parent.name}")
            elif slow is None or _typed(fast) != _typed(slow):
                differ += 1
                print(f"  fast reader DIFFERS from tomllib: {path}")
            else:
                handled.append(path)
    total = len(handled) + len(left) + differ
    print(f"fast TOML reader: {len(handled)} of {total} TOML locks read without tomllib, "
          f"{differ} different from tomllib; CPU {fast_cpu * 1000:.0f} ms (tomllib "
          f"{slow_cpu * 1000:.0f} ms on all); left to tomllib: {', '.join(left) or 'none'}")
    return differ


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
