"""`check`'s fixed cost (issue [10]): work shared between its parts instead of done twice,
and modules a run does not need left unimported. No timing is asserted here."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipwarden.cli import main


def test_check_reads_the_ranking_once_and_shares_one_typosquat_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """lint (PW401) and vet both judge names against the ranking: one read, one index,
    and both still flag the typosquat."""
    import pipwarden.toplist as toplist_module
    from pipwarden.checks.typosquat import TyposquatIndex

    loads: list[object] = []
    real_load = toplist_module.load_toplist

    def counting_load(*args: object, **kwargs: object) -> toplist_module.TopList:
        loads.append(args)
        return real_load(*args, **kwargs)  # type: ignore[arg-type]

    for where in ("pipwarden.toplist", "pipwarden.lint.supplychain", "pipwarden.vet.vetter"):
        monkeypatch.setattr(f"{where}.load_toplist", counting_load)
    built: list[object] = []
    real_init = TyposquatIndex.__init__

    def counting_init(self: TyposquatIndex, *args: object, **kwargs: object) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TyposquatIndex, "__init__", counting_init)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("reqeusts>=2.0\nrequests>=2.31\n")
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    main(["check", "--offline", "--format", "json", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert len(loads) == 1
    assert len(built) == 1
    assert [f["code"] for f in data["lint"]["findings"]] == ["PW401"]
    verdicts = {p["name"]: p["verdict"] for p in data["vet"]["packages"]}
    assert verdicts["reqeusts"] == "risk"
    assert any(s["id"] == "typosquat" for p in data["vet"]["packages"] for s in p["signals"])


def test_vet_thresholds_of_the_policy_get_their_own_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The shared index is keyed by its thresholds: vet obeys the policy's, lint keeps the
    defaults."""
    from pipwarden.checks.typosquat import TyposquatIndex

    built: list[tuple[object, object]] = []
    real_init = TyposquatIndex.__init__

    def counting_init(self: TyposquatIndex, *args: object, **kwargs: object) -> None:
        built.append((kwargs.get("trusted_rank"), kwargs.get("rank_ratio")))
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(TyposquatIndex, "__init__", counting_init)
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("reqeusts>=2.0\n")
    (root / ".pipwarden.toml").write_text("[vet]\ntyposquat-rank-ratio = 20\n")
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    main(["check", "--offline", "--format", "json", str(root)])
    data = json.loads(capsys.readouterr().out)
    assert sorted(built, key=str) == [(1000, 10.0), (1000, 20.0)]
    assert [f["code"] for f in data["lint"]["findings"]] == ["PW401"]
    assert {p["name"]: p["verdict"] for p in data["vet"]["packages"]}["reqeusts"] == "risk"


def test_an_offline_check_loads_no_http_stack(tmp_path: Path) -> None:
    """Offline, the PyPI client reads its cache only: ``http.client`` and ``ssl`` (the
    urllib transport) are not imported."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests>=2.31\n")
    (root / "app.py").write_text("import requests\n")
    code = (
        "import sys\nfrom pipwarden.cli import main\n"
        f"main(['check', '--offline', '--format', 'json', {str(root)!r}])\n"
        "print(sorted(m for m in ('http.client', 'ssl', 'urllib.request') "
        "if m in sys.modules), file=sys.stderr)\n"
    )
    env = {"PIPWARDEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin",
           "HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=False)
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr[-2000:]


_CACHED_PARALLEL_SCRIPT = """
import sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
import pipwarden.secretscan as scan
from pipwarden.scancache import FileCache
from pipwarden.secretscan.files import walk_project
from secret_fixtures import plant

root, cache_dir = Path(sys.argv[1]), Path(sys.argv[3])
plant(root)
import os, time
for f in walk_project(root):  # written an hour ago: not "racy", a stat decides
    os.utime(f.path, (time.time() - 3600, time.time() - 3600))
serial = scan.scan_files(list(walk_project(root)), workers=1)
scan.PARALLEL_MIN_BYTES = 0  # every project counts as large here
forks = []
real_fork = scan._scan_forked
def counting_fork(items, sizes, workers, task=scan._scan_chunk):
    done = real_fork(items, sizes, workers, task)
    forks.append((len(items), done is not None))
    return done
scan._scan_forked = counting_fork
def cached(workers):
    cache = FileCache(cache_dir, root, "secrets", "test")
    return scan.scan_files(list(walk_project(root)), cache, workers=workers), cache
first, cache = cached(2)
assert first == serial, (first, serial)
assert forks and all(ok for _, ok in forks), forks
assert cache.misses > 0 and cache.hits == 0, (cache.misses, cache.hits)
# one file changed, one added: both read again (in workers), the rest from the cache
(root / "added.sh").write_text("export GITHUB_TOKEN=ghp_" + "A1b2C3d4E5f6G7h8I9j0" * 2 + "\\n")
changed = next(f for f in walk_project(root) if f.path.suffix == ".py")
changed.path.write_text(changed.path.read_text() + "\\n# edited\\n")
forks.clear()
second, cache = cached(2)
assert forks == [(2, True)], forks
assert cache.misses == 2, cache.misses
assert any(f.path == "added.sh" for f in second.findings), second.findings
fresh = scan.scan_files(list(walk_project(root)), workers=1)
assert second == fresh, (second, fresh)
print("same", len(second.findings))
"""


def test_a_cached_secret_scan_reads_its_misses_in_forked_workers(tmp_path: Path) -> None:
    """The files that miss the cache are read, hashed and scanned by workers when they add
    up to a large scan; the findings are the serial ones, a changed or new file is read
    again, the others come from the cache (a fresh interpreter: the scan never forks a
    threaded process, and pytest-xdist workers have threads)."""
    tests = Path(__file__).parent
    proc = subprocess.run(
        [sys.executable, "-c", _CACHED_PARALLEL_SCRIPT, str(tmp_path / "p"), str(tests),
         str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("same"), proc.stderr[-3000:]


def test_an_unreadable_source_file_stays_not_checked_on_a_warm_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The per-file cache never turns "cannot read" into clean: the second run (every
    other file from the cache) reports it again."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests>=2\n")
    (root / "main.py").write_text("import requests\n")
    (root / "latin1.py").write_bytes(b"# caf\xe9\nimport os\n")
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    outputs = []
    for _ in range(2):
        main(["check", "--offline", "--format", "json", str(root)])
        data = json.loads(capsys.readouterr().out)
        outputs.append([(p["path"], p["message"]) for p in data["slim"]["problems"]])
    assert outputs[0] == outputs[1] == [("latin1.py", "cannot read: not UTF-8 text")]
    assert any((tmp_path / "cache" / "scan").iterdir())


def test_a_read_error_in_the_import_scan_is_a_problem_with_or_without_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipwarden.scancache import FileCache
    from pipwarden.slim.imports import scan_imports

    (tmp_path / "ok.py").write_text("import requests\n")
    (tmp_path / "locked.py").write_text("import os\n")
    real_read = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied")
        return real_read(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    for cache in (None, FileCache(tmp_path / "c", tmp_path, "imports", "t"),
                  FileCache(tmp_path / "c", tmp_path, "imports", "t")):
        scan = scan_imports(tmp_path, cache=cache)
        assert [(p.path, p.message) for p in scan.problems] == [
            ("locked.py", "cannot read: Permission denied")
        ]
        assert "requests" in scan.by_module


# Every scan counts as large, two workers, and each forked_map call recorded in ``forks``
# as (items, whether it forked).
_COUNT_FORKS = """\
forkmap.MIN_BYTES = 0
forks = []
real_fork = forkmap.forked_map
def counting(task, items, sizes, workers):
    done = real_fork(task, items, sizes, workers)
    forks.append((len(items), done is not None))
    return done
forkmap.forked_map = counting
os.environ["PIPWARDEN_SCAN_WORKERS"] = "2"
"""

def _run_forked_scan(script: str, tmp_path: Path) -> None:
    """Run a scan script (project in tmp_path/p, cache in tmp_path/cache) in a fresh
    interpreter, forks counted; it prints "same" when its assertions hold."""
    proc = subprocess.run(
        [sys.executable, "-c", script.replace("{count_forks}", _COUNT_FORKS),
         str(tmp_path / "p"), str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0 and proc.stdout.startswith("same"), proc.stderr[-3000:]


_IMPORTS_PARALLEL_SCRIPT = """
import json, os, sys, time
from pathlib import Path
import pipwarden.forkmap as forkmap
import pipwarden.slim.imports as imports
from pipwarden.scancache import FileCache

root, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
root.mkdir()
for n in range(40):
    (root / f"m{n}.py").write_text(
        f"import os\\nimport pkg{n}\\n\\ndef f():\\n    import inner{n}\\n")
    cell = {"cell_type": "code", "source": [f"import nb{n}\\n", "!pip list\\n"]}
    (root / f"n{n}.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}}))
(root / "bad.py").write_bytes(b"# caf\\xe9\\nimport os\\n")
(root / "locked.py").write_text("import locked_module\\n")
for f in root.iterdir():
    os.utime(f, (time.time() - 3600, time.time() - 3600))
real_read = Path.read_bytes
def read_bytes(self):
    if self.name == "locked.py":
        raise PermissionError(13, "Permission denied")
    return real_read(self)
Path.read_bytes = read_bytes  # the forked workers inherit it
serial = imports.scan_imports(root)
{count_forks}first = imports.scan_imports(root, cache=FileCache(cache_dir, root, "imports", "t"))
assert first == serial, (first, serial)
assert forks == [(82, True)], forks
assert [(p.path, p.message) for p in first.problems] == [
    ("bad.py", "cannot read: not UTF-8 text"), ("locked.py", "cannot read: Permission denied")]
(root / "m3.py").write_text("import changed\\n")
forks.clear()
second = imports.scan_imports(root, cache=FileCache(cache_dir, root, "imports", "t"))
assert forks == [(2, True)], forks  # the changed file and the unreadable one
assert "changed" in second.by_module and "pkg3" not in second.by_module
assert second.problems == first.problems
print("same")
"""


def test_the_import_scan_reads_cache_misses_in_forked_workers(tmp_path: Path) -> None:
    """slim's import scan: unchanged files from the cache by a stat, the others read by
    forked workers with the serial scan's results; an unreadable file is reported as not
    read every time (never cached)."""
    _run_forked_scan(_IMPORTS_PARALLEL_SCRIPT, tmp_path)


def test_a_racy_entry_confirmed_by_its_hash_is_trusted_by_its_stat_next_time(
    tmp_path: Path,
) -> None:
    """A file written just before the cache was saved is hashed on the next run (its stat
    cannot tell two versions apart); once its hash confirmed it, the cache is written again
    (a later write time), so that later runs decide by the stat instead of hashing it on
    every run."""
    import os

    from pipwarden.scancache import RACY_NS, FileCache
    from pipwarden.slim.imports import scan_imports

    root = tmp_path / "proj"
    root.mkdir()
    (root / "app.py").write_text("import requests\n")
    folder = tmp_path / "cache"
    scan_imports(root, cache=FileCache(folder, root, "imports", "t"))
    cache_file = next(folder.glob("imports-*.json"))
    written = json.loads(cache_file.read_text())["written_ns"]
    assert written - (root / "app.py").stat().st_mtime_ns < RACY_NS  # racy
    second = FileCache(folder, root, "imports", "t")
    found = scan_imports(root, cache=second)
    assert second.hits == 1 and second.misses == 0
    assert [u.module for u in found.imports] == ["requests"]
    assert json.loads(cache_file.read_text())["written_ns"] > written
    # an unchanged cache of entries that were not racy is not rewritten
    os.utime(root / "app.py", ns=(1_600_000_000_000_000_000,) * 2)
    scan_imports(root, cache=FileCache(folder, root, "imports", "t"))
    settled = cache_file.read_bytes()
    third = FileCache(folder, root, "imports", "t")
    scan_imports(root, cache=third)
    assert third.hits == 1 and cache_file.read_bytes() == settled


_TOOLS_PARALLEL_SCRIPT = """
import json, os, sys, time
from pathlib import Path
import pipwarden.forkmap as forkmap
import pipwarden.slim.tools as tools
from pipwarden.scancache import FileCache

root, cache_dir = Path(sys.argv[1]), Path(sys.argv[2])
(root / ".vscode").mkdir(parents=True)
for n in range(30):
    (root / f"run{n}.sh").write_text(
        f"#!/bin/sh\\necho {n}\\nruff check .\\necho x\\npython -m job{n}\\n")
(root / "Makefile").write_text("lint:\\n\\tblack .\\n")
(root / ".vscode" / "tasks.json").write_text("{not json")
(root / "bad.sh").write_bytes(b"#!/bin/sh\\necho caf\\xe9\\n")
for f in root.rglob("*"):
    os.utime(f, (time.time() - 3600, time.time() - 3600))
serial = tools.scan_tools(root)
{count_forks}first = tools.scan_tools(root, cache=FileCache(cache_dir, root, "commands", "t"))
assert first == serial, (first, serial)
assert forks == [(33, True)], forks
assert sorted((p.path, p.line) for p in first.problems) == [
    (".vscode/tasks.json", 1), ("bad.sh", None)], first.problems
(root / "run3.sh").write_text("#!/bin/sh\\nchanged-tool --x\\n")
os.utime(root / "run5.sh")  # touched, not changed: read, and its cached result kept
forks.clear()
second = tools.scan_tools(root, cache=FileCache(cache_dir, root, "commands", "t"))
assert forks == [(4, True)], forks  # changed, touched, and the two never cached
assert ("changed-tool", False) in second.by_command
assert ("job5", True) in second.by_command
assert second.by_command[("echo", False)] != first.by_command[("echo", False)]
assert second.problems == first.problems
print("same")
"""


def test_the_command_scan_reads_cache_misses_in_forked_workers(tmp_path: Path) -> None:
    """slim's command scan: as the import scan, the files the cache does not answer read
    by forked workers with the serial scan's results; problems reported every time."""
    _run_forked_scan(_TOOLS_PARALLEL_SCRIPT, tmp_path)
