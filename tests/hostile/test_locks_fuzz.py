"""Fuzz: every lock / environment reader, on any bytes or any near-valid document, returns a
SourceResult or raises InputError naming the file — never another exception.

5,000 examples per reader by default (``PIPWARDEN_FUZZ_EXAMPLES`` overrides). Documents
are mostly well formed, with one odd value or a few damaged characters, so the readers get
deep enough to meet them (see tests/toml_strategies.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipwarden.errors import InputError
from pipwarden.sources import conda, pdmlock, pipfilelock, poetrylock, pylock, uvlock
from pipwarden.sources.interface import SourceResult
from toml_strategies import either, mutate, shaped, toml_text, values

FUZZ = settings(
    max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "5000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.function_scoped_fixture],
)

Reader = Callable[..., SourceResult]

MARKERS = st.sampled_from([
    "sys_platform == 'linux'", "'dev' in dependency_groups", "\"web\" in extras",
    "('dev' in dependency_groups) and (python_version >= '3.9')", "extra == 'x'",
    "python_version not in '3.0, 3.1'", "'dev' == dependency_groups", "python_version",
    "os_name == 'nt' or", "(((", "platform_machine ~= 'x'", "", "\x00",
])
NAMES = st.sampled_from(["torch", "Py_Yaml", "a.b", "", " ", "x\ny", "dev", "jinja2"])
VERSIONS = st.sampled_from(["1.0", "2.9.1+cpu", "2013b", "1.0-SNAPSHOT", "one two", "",
                            "==1.0", ">=1"])
HASHES = st.sampled_from(["sha256:aa", "md5:bb", ""])
GROUPS = st.lists(st.sampled_from(["main", "dev", "default", "docs", ""]), max_size=3)

UV_EDGE = shaped({"name": NAMES}, {"version": VERSIONS, "marker": MARKERS,
                                   "extra": st.lists(NAMES, max_size=2),
                                   "source": shaped({}, {"registry": st.just("https://p")})})
UV_DOCS = shaped({
    "package": st.lists(shaped({"name": NAMES}, {
        "version": VERSIONS,
        "source": st.one_of(
            shaped({"registry": st.sampled_from(["https://pypi.org/simple", ""])}),
            shaped({"git": st.sampled_from(["https://g.org/r.git?rev=v1#abc", "x"])}),
            shaped({"editable": st.sampled_from([".", "pkg"])}),
            shaped({"virtual": st.just(".")}),
            shaped({"url": st.just("https://e.org/a.whl")}),
            shaped({"ftp": st.just("x")}),
        ),
        "resolution-markers": st.lists(MARKERS, max_size=2),
        "dependencies": st.lists(UV_EDGE, max_size=3),
        "optional-dependencies": st.dictionaries(NAMES, st.lists(UV_EDGE, max_size=2),
                                                 max_size=2),
        "dev-dependencies": st.dictionaries(NAMES, st.lists(UV_EDGE, max_size=2), max_size=2),
        "sdist": shaped({}, {"hash": HASHES}),
        "wheels": st.lists(shaped({}, {"hash": HASHES}), max_size=2),
    }), max_size=3),
}, {
    "version": st.sampled_from([1, 1, 2, "1"]),
    "manifest": shaped({}, {"members": st.lists(NAMES, max_size=2)}),
})

POETRY_DOCS = shaped({
    "package": st.lists(shaped({"name": NAMES, "version": VERSIONS}, {
        "category": st.sampled_from(["main", "dev", ""]),
        "groups": GROUPS,
        "optional": st.booleans(),
        "markers": st.one_of(MARKERS, st.dictionaries(st.sampled_from(["main", "dev"]),
                                                      MARKERS, max_size=2)),
        "source": shaped({"type": st.sampled_from(["git", "url", "directory", "legacy", "x"])},
                         {"url": st.sampled_from(["https://g.org/r.git", "../x", ""]),
                          "resolved_reference": st.text(max_size=4)}),
        "files": st.lists(shaped({}, {"hash": HASHES, "file": st.text(max_size=4)}),
                          max_size=2),
        "develop": st.booleans(),
    }), max_size=3),
}, {
    "extras": st.dictionaries(NAMES, st.lists(st.sampled_from(["torch (>=1)", "x[y]", ""]),
                                              max_size=2), max_size=2),
    "metadata": shaped({}, {"lock-version": st.sampled_from(["1.1", "2.1", "3.0"]),
                            "files": st.dictionaries(NAMES, st.lists(
                                shaped({}, {"hash": HASHES}), max_size=2), max_size=2)}),
})

PDM_DOCS = shaped({
    "package": st.lists(shaped({"name": NAMES}, {
        "version": VERSIONS, "groups": GROUPS, "marker": MARKERS,
        "extras": st.lists(NAMES, max_size=2),
        "git": st.just("https://g.org/r.git"), "revision": st.text(max_size=4),
        "url": st.just("https://e.org/a.whl"), "path": st.just("./x"),
        "editable": st.booleans(),
        "files": st.lists(shaped({}, {"hash": HASHES}), max_size=2),
    }), max_size=3),
}, {
    "metadata": shaped({}, {"lock_version": st.sampled_from(["3.1", "4.5.0"]),
                            "groups": GROUPS,
                            "files": st.dictionaries(st.just("torch 1.0"), st.lists(
                                shaped({}, {"hash": HASHES}), max_size=1), max_size=1)}),
})

_DIST = shaped({}, {"url": st.just("https://e.org/a.whl"),
                    "hashes": st.dictionaries(st.sampled_from(["sha256", "md5"]),
                                              either(st.text(max_size=6)), max_size=2)})
PYLOCK_DOCS = shaped({
    "packages": st.lists(shaped({"name": NAMES}, {
        "version": VERSIONS, "marker": MARKERS, "sdist": _DIST, "archive": _DIST,
        "wheels": st.lists(_DIST, max_size=2),
        "vcs": shaped({}, {"url": st.just("https://g.org/r.git"), "type": st.just("git"),
                           "commit-id": st.text(max_size=4)}),
        "directory": shaped({}, {"path": st.text(max_size=4), "editable": st.booleans()}),
    }), max_size=3),
}, {
    "lock-version": st.sampled_from(["1.0", "2.0"]),
    "extras": st.lists(NAMES, max_size=2),
    "dependency-groups": st.lists(NAMES, max_size=2),
    "default-groups": st.lists(NAMES, max_size=2),
})

_PIPENV_ENTRY = shaped({}, {
    "version": st.sampled_from(["==1.0", "==2.9.1+cpu", ">=1", "*", "==", "== x y"]),
    "markers": MARKERS, "hashes": st.lists(HASHES, max_size=2),
    "git": st.just("https://g.org/r.git"), "ref": st.text(max_size=4),
    "path": st.just("."), "editable": st.booleans(), "extras": st.lists(NAMES, max_size=2),
})
PIPENV_DOCS = shaped({}, {
    "_meta": values(),
    "default": st.dictionaries(NAMES, either(_PIPENV_ENTRY), max_size=3),
    "develop": st.dictionaries(NAMES, either(_PIPENV_ENTRY), max_size=3),
    "custom": st.dictionaries(NAMES, either(_PIPENV_ENTRY), max_size=2),
})

_YAML_ITEMS = st.sampled_from([
    "python=3.11", "conda-forge::numpy>=1", "'quoted'", '"dq \\u00e9"', '"bad \\q"',
    "&anchor x", "*alias", "!!tag x", "[a, b]", "{a: b}", "|", "key: value", "- nested",
    "", "~", "a: b: c", "'unterminated", "x # comment",
])
_PIP_ITEMS = st.sampled_from([
    "jinja2==2.10.1", "-e ./plugin", "-e .", "-r requirements.txt", "-r ../outside.txt",
    "--extra-index-url https://user:pw@e.org/simple", "requests>>2", "git+https://g.org/r.git",
    "x @ https://e.org/x.whl", "\"quoted==1.0\"", "--hash=sha256:aa", "-c c.txt", "",
    "torch==2.8.0+cpu; sys_platform == 'linux'",
])


@st.composite
def conda_text(draw: st.DrawFn) -> str:
    """An environment.yml: mostly the usual layout, with odd items and indentations."""
    indent = draw(st.sampled_from(["", "  ", "    ", " "]))
    lines = [draw(st.sampled_from(["name: demo", "name: 'demo'", "---", "%YAML 1.2", ""]))]
    lines.append("channels: " + draw(st.sampled_from(["[conda-forge]", "", "[a, [b]]"])))
    lines.append("dependencies:")
    for item in draw(st.lists(_YAML_ITEMS, max_size=4)):
        lines.append(f"{indent}- {item}")
    if draw(st.booleans()):
        lines.append(f"{indent}- pip:")
        pip_indent = indent + draw(st.sampled_from(["  ", "", "    ", "\t"]))
        lines.extend(f"{pip_indent}- {item}" for item in draw(st.lists(_PIP_ITEMS, max_size=4)))
    if draw(st.booleans()):
        lines.append("prefix: /opt/conda/envs/demo")
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline


def _encodings() -> st.SearchStrategy[tuple[str, bytes]]:
    return st.sampled_from([("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""),
                            ("latin-1", b"")])


def _project(folder: Path) -> Path:
    """A project folder with a file to include and one outside it to refuse."""
    project = folder / "project"
    if not project.is_dir():
        project.mkdir()
        (project / "requirements.txt").write_text("six==1.16.0\n", encoding="utf-8")
        (folder / "outside.txt").write_text("six==1.16.0\n", encoding="utf-8")
    return project


def _overwrite(path: Path, data: bytes) -> None:
    """Write without O_TRUNC, then cut: a truncating open costs milliseconds on ext4
    (it flushes the old blocks), which would dominate 5,000 examples."""
    handle = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(handle, data)
        os.ftruncate(handle, len(data))
    finally:
        os.close(handle)


def _check(reader: Reader, folder: Path, name: str, data: bytes) -> None:
    project = folder / "project"
    path = project / name
    _overwrite(path, data)
    try:
        # half the inputs narrowed to this machine too (marker evaluation must not raise)
        result = reader(path, root=project, this_platform=bool(len(data) % 2))
    except InputError as exc:
        assert exc.path is not None
        assert exc.path == str(path) or exc.path.startswith(str(project)), exc
        return
    assert isinstance(result, SourceResult)
    lines = data.count(b"\n") + data.count(b"\r") + 1  # splitlines() breaks on both
    for dep in result.dependencies:
        if dep.location.path == str(path):
            assert dep.location.line is None or 1 <= dep.location.line <= lines


def _encode(text: str, encoding: tuple[str, bytes]) -> bytes:
    codec, bom = encoding
    return bom + text.encode(codec, "replace")


DATA = Path(__file__).parent.parent / "data" / "lockfiles"


def _seeds(*relative: str) -> st.SearchStrategy[str]:
    """The fixtures of a format, damaged a little: real shapes, odd characters."""
    texts = [_slim((DATA / r).read_text(encoding="utf-8"), r) for r in relative]
    return st.sampled_from(texts).flatmap(mutate)


def _slim(text: str, relative: str) -> str:
    """A fixture without its long lists of wheel files and hashes (small inputs keep
    5,000 examples fast; the shapes stay)."""
    if relative.endswith(".lock") and text.lstrip().startswith("{"):
        doc = json.loads(text)
        for section in doc.values():
            for entry in section.values() if isinstance(section, dict) else ():
                if isinstance(entry, dict) and isinstance(entry.get("hashes"), list):
                    entry["hashes"] = entry["hashes"][:1]
        return json.dumps(doc, indent=4)
    kept = [line for line in text.splitlines(keepends=True)
            if not re.match(r"\s+\{\s*(url|file|name)\s*=", line)]
    return "".join(kept)


def _payload(text: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Bytes to read: a text in some encoding (BOM or not, LF or CRLF), or raw bytes."""
    encoded = st.builds(
        lambda value, encoding, crlf: _encode(value.replace("\n", "\r\n") if crlf else value,
                                              encoding),
        text, _encodings(), st.booleans())
    return st.one_of(encoded, encoded, encoded, st.binary(max_size=200))


TOML_CASES = [
    (uvlock.read, "uv.lock", UV_DOCS, ("uv/uv.lock",)),
    (poetrylock.read, "poetry.lock", POETRY_DOCS,
     ("poetry/poetry.lock", "poetry-v1/poetry.lock")),
    (pdmlock.read, "pdm.lock", PDM_DOCS, ("pdm/pdm.lock",)),
    (pylock.read, "pylock.toml", PYLOCK_DOCS, ("pylock/pylock.toml",)),
]


@pytest.mark.parametrize(("reader", "name", "docs", "seeds"), TOML_CASES,
                         ids=[case[1] for case in TOML_CASES])
def test_toml_lock_readers_return_a_result_or_an_input_error(
    tmp_path: Path, reader: Reader, name: str, docs: st.SearchStrategy[dict[str, Any]],
    seeds: tuple[str, ...],
) -> None:
    _project(tmp_path)

    @FUZZ
    @given(data=_payload(st.one_of(toml_text(docs), _seeds(*seeds))))
    def run(data: bytes) -> None:
        _check(reader, tmp_path, name, data)

    run()


def test_pipfile_lock_reader_returns_a_result_or_an_input_error(tmp_path: Path) -> None:
    _project(tmp_path)
    dumped = st.builds(lambda doc, indent: json.dumps(doc, indent=indent, default=str),
                       PIPENV_DOCS, st.sampled_from([None, 4]))

    @FUZZ
    @given(data=_payload(st.one_of(dumped, dumped.flatmap(mutate),
                                   _seeds("pipenv/Pipfile.lock"))))
    def run(data: bytes) -> None:
        _check(pipfilelock.read, tmp_path, "Pipfile.lock", data)

    run()


def test_conda_reader_returns_a_result_or_an_input_error(tmp_path: Path) -> None:
    _project(tmp_path)
    noise = st.text(st.sampled_from(list("- :#'\"&*![]{}|>\n\t ab0")), max_size=60)

    @FUZZ
    @given(data=_payload(st.one_of(conda_text(), conda_text().flatmap(mutate), noise,
                                   _seeds("conda/environment.yml",
                                          "conda-export/environment.yaml"))))
    def run(data: bytes) -> None:
        _check(conda.read, tmp_path, "environment.yml", data)

    run()
