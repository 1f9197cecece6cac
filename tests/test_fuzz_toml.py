"""Property tests: the TOML readers (policy, pyproject.toml, pylock.toml) on any text either
return their result or raise InputError naming the file — never another exception."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pipwarden.errors import InputError
from pipwarden.policy import Policy, load_policy
from pipwarden.sources.pylock import read_pylock
from pipwarden.sources.pyproject import PyProject, read_pyproject
from toml_strategies import either, shaped, toml_text, values

# PIPWARDEN_FUZZ_EXAMPLES=5000 for a long hunt; the default keeps each test near a second
FUZZ = settings(max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "200")),
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

_REQ = st.sampled_from(["pandas>=2", "requests", "numpy==1.26.4", "a[b]; python_version<'3'",
                        "x @ https://e.org/x.whl", "not a requirement!", ""])
_REQS = st.lists(either(_REQ), max_size=4)
_GROUP_NAMES = st.sampled_from(["dev", "Dev", "test", "docs", "lint_all"])
_ANY = values()
_UNKNOWN = {"x-unknown": _ANY}

POLICY_DOCS = shaped({}, {
    "fail-on": st.sampled_from(["any", "low", "critical", "HIGH", "severe"]),
    "max-db-age": st.sampled_from(["7d", "12h", "2w", "-1", "3x", 5, -2, 1.5, True]),
    "cooldown": st.sampled_from(["3d", 0, "soon"]),
    "ignore": st.lists(shaped({"id": st.sampled_from(["PYSEC-1", " ", "GHSA-x"])}, {
        "reason": st.sampled_from(["ok", ""]),
        "until": st.one_of(st.sampled_from(["2026-12-31", "31/12/2026"]), st.dates(),
                           st.datetimes()),
        "extra": _ANY,
    }), max_size=3),
    "vet": _ANY,
    "lint": _ANY,
    "update": shaped({}, {"after": st.lists(st.text(max_size=10), max_size=2)}),
    "tool": shaped({}, {"pipwarden": _ANY}),
    **_UNKNOWN,
})

PYPROJECT_DOCS = shaped({
    "project": shaped({}, {
        "name": st.text(max_size=8),
        "requires-python": st.sampled_from([">=3.11", "3", ""]),
        "dynamic": st.lists(st.sampled_from(["version", "dependencies"]), max_size=2),
        "dependencies": _REQS,
        "optional-dependencies": st.dictionaries(st.sampled_from(["ml", "dev", "a.b"]), _REQS,
                                                 max_size=2),
    }),
}, {
    "dependency-groups": st.dictionaries(_GROUP_NAMES, st.lists(st.one_of(
        either(_REQ),
        shaped({"include-group": _GROUP_NAMES}),
    ), max_size=3), max_size=3),
    "build-system": shaped({"requires": _REQS}),
    "tool": shaped({}, {"pipwarden": _ANY}),
    **_UNKNOWN,
})

_HASHES = st.dictionaries(st.sampled_from(["sha256", "md5"]), either(st.text(max_size=8)),
                          max_size=2)
_DIST = shaped({}, {"url": st.sampled_from(["https://e.org/a.whl", "file:///x", ""]),
                    "hashes": _HASHES, "path": st.text(max_size=6), "name": _ANY})
PYLOCK_DOCS = shaped({
    "packages": st.lists(shaped({"name": st.sampled_from(["pandas", "Py_Yaml", "", "a b"])}, {
        "version": st.sampled_from(["1.0", "2.1.post1", "one"]),
        "marker": st.sampled_from(["python_version < '3.12'", ""]),
        "sdist": _DIST,
        "archive": _DIST,
        "wheels": st.lists(_DIST, max_size=2),
        "vcs": shaped({}, {"url": st.sampled_from(["https://g.org/r.git", "git+ssh://h/r"]),
                           "path": st.text(max_size=5), "commit-id": st.text(max_size=5),
                           "requested-revision": st.text(max_size=5),
                           "type": st.sampled_from(["git", "hg"])}),
        "directory": shaped({}, {"path": st.text(max_size=5), "editable": st.booleans()}),
    }), max_size=3),
}, {
    "lock-version": st.sampled_from(["1.0", "1.0", "2.0", "1"]),
    **_UNKNOWN,
})


def _write(text: str) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="pw-fuzz-"))
    path = folder / "input.toml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def _only_input_errors(read: Callable[[Path], Any], path: Path) -> Any:
    try:
        return read(path)
    except InputError as exc:
        assert exc.path == str(path), exc
        assert str(path) in str(exc)
        return exc


@FUZZ
@given(text=toml_text(POLICY_DOCS), as_pyproject=st.booleans())
def test_load_policy_returns_a_policy_or_names_the_file(text: str, as_pyproject: bool) -> None:
    path = _write(text)
    if as_pyproject:  # the same text read as a pyproject.toml with [tool.pipwarden]
        path = path.rename(path.with_name("pyproject.toml"))
    result = _only_input_errors(lambda p: load_policy(path=p), path)
    assert isinstance(result, Policy | InputError)


@FUZZ
@given(text=toml_text(PYPROJECT_DOCS))
def test_read_pyproject_returns_a_pyproject_or_names_the_file(text: str) -> None:
    path = _write(text)
    result = _only_input_errors(read_pyproject, path)
    assert isinstance(result, PyProject | InputError)
    if isinstance(result, PyProject):
        lines = text.count("\n") + 1
        for dep in result.dependencies:
            assert dep.location.path == str(path)
            assert dep.location.line is None or 1 <= dep.location.line <= lines


@FUZZ
@given(text=toml_text(PYLOCK_DOCS))
def test_read_pylock_returns_dependencies_or_names_the_file(text: str) -> None:
    path = _write(text)
    result = _only_input_errors(read_pylock, path)
    event(f"read {len(result)} packages" if isinstance(result, tuple) else "InputError")
    if not isinstance(result, InputError):
        assert isinstance(result, tuple)
        for dep in result:
            assert dep.location.path == str(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # found by test_read_pylock_…: a TypeError escaped ("Value after * must be an
        # iterable") when wheels was not an array
        ('[[packages]]\nname = "pandas"\nwheels = 0\n', "wheels must be an array"),
        ('packages = [{name = "pandas", wheels = "x.whl"}]\n', "wheels must be an array"),
    ],
)
def test_pylock_regressions(text: str, message: str) -> None:
    path = _write(text)
    with pytest.raises(InputError, match=message) as info:
        read_pylock(path)
    assert info.value.path == str(path)
