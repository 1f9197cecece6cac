"""``pipwarden.frozen``: frozen dataclasses whose generated methods are compiled once.

The class must be a standard frozen dataclass in every respect; the compiled methods kept
in ``__pycache__`` must be reused only when they are exactly what would be compiled, and
never be a way to fail: a broken, foreign or unwritable cache only costs the compile.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import pipwarden
from pipwarden.frozen import frozen

SRC = str(Path(pipwarden.__file__).resolve().parent.parent)

MODULE = '''
from __future__ import annotations
from dataclasses import field
from pipwarden.frozen import frozen

@frozen
class Pin:
    """A pin."""
    name: str
    version: str = "0"
    extras: tuple[str, ...] = field(default_factory=tuple)

@frozen(order=True)
class Place:
    path: str
    line: int = 0
'''

PROBE = '''
import dataclasses, json, sys
import pipwarden.frozen as f
import shapes
p = shapes.Pin("a", extras=("x",))
try:
    p.name = "b"
    frozen_ok = False
except dataclasses.FrozenInstanceError:
    frozen_ok = True
cache = f._caches["shapes"]
print(json.dumps({
    "compiled": cache.compiled, "held": len(cache.codes),
    "repr": repr(p), "eq": p == shapes.Pin("a", "0", ("x",)),
    "hash": hash(p) == hash(shapes.Pin("a", extras=("x",))),
    "replace": repr(dataclasses.replace(p, version="2")), "frozen": frozen_ok,
    "order": sorted([shapes.Place("b", 1), shapes.Place("a", 2)])[0].path,
    "fields": [x.name for x in dataclasses.fields(shapes.Pin)],
    "exec_left": "exec" in vars(dataclasses),
}))
'''


def _probe(folder: Path, **env: str) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environ.update(env, PYTHONPATH=os.pathsep.join([str(folder), SRC]))
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=environ, cwd=folder, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _cache_file(folder: Path) -> Path:
    found = list((folder / "__pycache__").glob("shapes.*.dataclasses"))
    assert len(found) == 1, found
    return found[0]


EXPECTED = {
    "repr": "Pin(name='a', version='0', extras=('x',))", "eq": True, "hash": True,
    "replace": "Pin(name='a', version='2', extras=('x',))", "frozen": True, "order": "a",
    "fields": ["name", "version", "extras"], "exec_left": False,
}


def _same_behaviour(result: dict[str, object]) -> None:
    assert {k: result[k] for k in EXPECTED} == EXPECTED


def test_a_second_process_reuses_the_compiled_methods(tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(MODULE)
    first = _probe(tmp_path)
    _same_behaviour(first)
    # Pin: __init__, __repr__, __eq__, __hash__, __setattr__, __delattr__; Place: those
    # and __lt__, __le__, __gt__, __ge__
    assert first["compiled"] == first["held"] == 16
    second = _probe(tmp_path)
    _same_behaviour(second)
    assert second["compiled"] == 0
    assert second["held"] == 16


def test_a_changed_class_compiles_its_new_methods(tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(MODULE)
    _probe(tmp_path)
    changed = MODULE.replace('    line: int = 0\n', '    line: int = 0\n    column: int = 0\n')
    (tmp_path / "shapes.py").write_text(changed)
    # (a fresh .pyc: the source changed within the same second as the first write)
    for pyc in (tmp_path / "__pycache__").glob("shapes.*.pyc"):
        pyc.unlink()
    result = _probe(tmp_path)
    _same_behaviour(result)
    assert 0 < int(result["compiled"]) < 16  # Place's methods only; Pin's are reused


@pytest.mark.parametrize("content", [
    b"", b"not marshal at all", b"\x00" * 64,
    __import__("marshal").dumps(["a", "list"]),
], ids=["empty", "text", "zeros", "a-list"])
def test_a_broken_or_foreign_cache_is_ignored_and_rewritten(
    tmp_path: Path, content: bytes
) -> None:
    (tmp_path / "shapes.py").write_text(MODULE)
    _probe(tmp_path)
    _cache_file(tmp_path).write_bytes(content)
    result = _probe(tmp_path)
    _same_behaviour(result)
    assert result["compiled"] == 16
    assert _probe(tmp_path)["compiled"] == 0  # rewritten whole


def test_a_cache_whose_values_are_not_code_is_ignored(tmp_path: Path) -> None:
    import marshal
    from importlib.util import MAGIC_NUMBER

    (tmp_path / "shapes.py").write_text(MODULE)
    _probe(tmp_path)
    path = _cache_file(tmp_path)
    _, codes = marshal.loads(path.read_bytes())  # noqa: S302 (the file this test made)
    path.write_bytes(marshal.dumps((MAGIC_NUMBER, dict.fromkeys(codes, "print('owned')"))))
    result = _probe(tmp_path)
    _same_behaviour(result)
    assert result["compiled"] == 16


def test_the_methods_another_python_compiled_are_not_used(tmp_path: Path) -> None:
    import marshal

    (tmp_path / "shapes.py").write_text(MODULE)
    _probe(tmp_path)
    path = _cache_file(tmp_path)
    _, codes = marshal.loads(path.read_bytes())  # noqa: S302 (the file this test made)
    path.write_bytes(marshal.dumps((b"\x00\x00\r\n", codes)))
    assert _probe(tmp_path)["compiled"] == 16


def test_nothing_is_written_where_python_writes_no_bytecode(tmp_path: Path) -> None:
    (tmp_path / "shapes.py").write_text(MODULE)
    result = _probe(tmp_path, PYTHONDONTWRITEBYTECODE="1")
    _same_behaviour(result)
    assert not list(tmp_path.rglob("*.dataclasses"))


def test_an_installation_that_cannot_be_written_only_costs_the_compile(
    tmp_path: Path,
) -> None:
    """(``__pycache__`` a file: every write fails, as in a read-only installation; the
    tests may run as root, to whom a read-only folder is writable.)"""
    (tmp_path / "shapes.py").write_text(MODULE)
    (tmp_path / "__pycache__").write_text("not a folder")
    result = _probe(tmp_path)
    _same_behaviour(result)
    assert result["compiled"] == 16
    assert not list(tmp_path.rglob("*.dataclasses"))
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dataclasses.")]


def test_in_process_it_is_a_standard_frozen_dataclass() -> None:
    @frozen
    class Local:
        a: int
        b: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    assert dataclasses.is_dataclass(Local)
    assert Local.__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert Local(1) == Local(1, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        Local(1).a = 2  # type: ignore[misc]
    assert "exec" not in vars(dataclasses)


def test_a_class_dataclasses_refuses_leaves_dataclasses_as_it_was() -> None:
    with pytest.raises(TypeError, match="non-default argument"):
        @frozen
        class Broken:
            a: int = 0
            b: int  # type: ignore[misc]

    assert "exec" not in vars(dataclasses)


def test_every_frozen_dataclass_of_pipwarden_goes_through_frozen() -> None:
    """A plain ``@dataclass(frozen=True)`` would compile its methods at every start."""
    root = Path(pipwarden.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "@dataclass(frozen" in p.read_text(encoding="utf-8")]
    assert offenders == []
