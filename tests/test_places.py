"""Packed places (``pipwarden.slim.places``) and the scan caches that keep them as text.

A warm scan must give what a fresh scan gives; a damaged entry must make the file be
scanned again (or, for a number no scan writes, misplace a line), never fail the run.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipwarden.scancache import RACY_NS, FileCache
from pipwarden.slim.imports import scan_imports
from pipwarden.slim.places import Packed, Places, pack_places
from pipwarden.slim.tools import scan_tools


@given(st.lists(st.integers(min_value=0, max_value=9_999_999_999)))
def test_numbers_survive_the_text(numbers: list[int]) -> None:
    packed = Packed(numbers)
    again = Packed.from_text(packed.text)
    assert again is not None
    assert list(again) == numbers
    assert len(again) == len(numbers)
    assert again == packed == numbers
    assert pickle.loads(pickle.dumps(again)) == packed  # noqa: S301 (made here)


@pytest.mark.parametrize("text", [
    None, 1, [1, 2], b"1,2", ",", "1,", ",1", "1,,2", " 1", "1 ,2", "-1", "1.5", "1e3",
    "\u0661", "1,\u0662", "0x1", "1\n",
])
def test_what_no_scan_writes_is_refused(text: object) -> None:
    assert Packed.from_text(text) is None


def test_a_number_longer_than_any_line_is_read_as_0_not_an_error() -> None:
    packed = Packed.from_text("3," + "9" * 5000 + ",7")
    assert packed is not None
    assert list(packed) == [3, 0, 7]


def test_places_are_made_on_first_use_in_scan_order() -> None:
    first = Packed.from_text("1,4,9,0")
    second = Packed.from_text("2,0")
    assert first is not None and second is not None
    places = Places([("a.py", first), ("b.py", second)])
    assert first._numbers is None  # nothing made yet
    assert list(places) == [("a.py", 1, 4), ("a.py", 9, 0), ("b.py", 2, 0)]
    assert places == (("a.py", 1, 4), ("a.py", 9, 0), ("b.py", 2, 0))
    assert len(places) == 3 and places[-1] == ("b.py", 2, 0)
    assert pack_places([("os", 1, 0), ("sys", 2, 0), ("os", 5, 4)]) == [
        ("os", Packed([1, 0, 5, 4])), ("sys", Packed([2, 0]))]


def _project(root: Path) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text("import os\nimport pandas as pd\n\nimport os.path\n")
    (root / "pkg" / "b.py").write_text("from requests import get\nimport os\n")
    (root / "run.sh").write_text("#!/bin/sh\necho 1\nruff check .\necho 2\npython -m black .\n")
    (root / "Makefile").write_text("lint:\n\truff check .\n")


def _age(root: Path) -> None:
    """Files older than the racy window, so that a warm run trusts their stat."""
    import os
    import time

    old = time.time_ns() - 2 * RACY_NS
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, ns=(old, old))


def test_a_warm_scan_gives_what_a_fresh_scan_gives(tmp_path: Path) -> None:
    root = tmp_path / "p"
    _project(root)
    _age(root)
    folder = tmp_path / "cache"
    fresh_imports = scan_imports(root)
    fresh_tools = scan_tools(root, fresh_imports.shell_lines)
    for _ in range(2):  # the run that writes the caches, then one that reads them
        imports = FileCache(folder, root, "imports", "t")
        tools = FileCache(folder, root, "commands", "t")
        scan = scan_imports(root, cache=imports)
        assert scan == fresh_imports
        assert scan.imports == fresh_imports.imports
        assert scan_tools(root, scan.shell_lines, cache=tools) == fresh_tools
    assert imports.hits == 2 and imports.misses == 0
    assert tools.hits == 2 and tools.misses == 0
    stored = json.loads(next(folder.glob("imports-*.json")).read_text())["files"]
    assert stored["pkg/a.py"][4][0] == [["os", "1,1"], ["pandas", "2,1"], ["os.path", "4,1"]]


def _damage_and_rescan(tmp_path: Path, scan: str, file: str, damage: object) -> object:
    """Scan with a cache, replace the first places of ``file`` in the cache by ``damage``,
    scan again: assert that gives the fresh scan; return the places written back."""
    root = tmp_path / "p"
    _project(root)
    _age(root)
    folder = tmp_path / "cache"

    def run(cache: FileCache | None) -> object:
        if scan == "imports":
            return scan_imports(root, cache=cache)
        return scan_tools(root, cache=cache)

    fresh = run(None)
    run(FileCache(folder, root, scan, "t"))
    path = next(folder.glob(f"{scan}-*.json"))
    data = json.loads(path.read_text())
    first = data["files"][file][4][0]  # imports: [[module, places]…]: commands' own lists
    (first[0] if scan == "imports" else first)[-1] = damage
    path.write_text(json.dumps(data))
    assert run(FileCache(folder, root, scan, "t")) == fresh
    first = json.loads(path.read_text())["files"][file][4][0]
    return (first[0] if scan == "imports" else first)[-1]


@pytest.mark.parametrize("damage", ["1,,0", [1, 0], "x", None])
def test_a_damaged_entry_makes_its_file_be_scanned_again(tmp_path: Path, damage: object) -> None:
    # the file was read again and its entry written back whole
    assert _damage_and_rescan(tmp_path, "imports", "pkg/a.py", damage) == "1,1"


@pytest.mark.parametrize("damage", ["2,,4", [2, 4], 7])
def test_a_damaged_command_entry_makes_its_file_be_scanned_again(
    tmp_path: Path, damage: object
) -> None:
    assert _damage_and_rescan(tmp_path, "commands", "run.sh", damage) == "2,4"
