"""The lock-file and conda readers: exact entries for the fixtures in tests/data/lockfiles
(written by uv, Poetry and Pipenv themselves, or by hand in their layout), the edge cases
real files have, and malformed files (InputError naming file and line)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipwarden.errors import InputError
from pipwarden.sources import conda, lockcommon, pdmlock, pipfilelock, poetrylock, pylock, uvlock
from pipwarden.sources.interface import SourceResult, group_labels, pin_specifier

DATA = Path(__file__).parent / "data" / "lockfiles"
Reader = Callable[..., SourceResult]

LINUX = {
    "implementation_name": "cpython", "implementation_version": "3.11.9", "os_name": "posix",
    "platform_machine": "x86_64", "platform_release": "6.1", "platform_system": "Linux",
    "platform_version": "#1", "python_full_version": "3.11.9",
    "platform_python_implementation": "CPython", "python_version": "3.11",
    "sys_platform": "linux",
}


@pytest.fixture
def on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    """``this_platform`` answers as on a Linux x86_64 CPython 3.11, whatever runs the test."""
    monkeypatch.setattr(lockcommon, "_HERE", dict(LINUX))


def rows(result: SourceResult) -> list[tuple[object, ...]]:
    return [(d.name, d.specifier, d.location.line, d.group, d.marker, d.url, d.editable)
            for d in result.dependencies]


def read(reader: Reader, relative: str, **kwargs: bool) -> SourceResult:
    path = DATA / relative
    return reader(path, root=path.parent, **kwargs)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


# -- the fixtures, entry by entry --------------------------------------------------------


def test_uv_lock_written_by_uv() -> None:
    result = read(uvlock.read, "uv/uv.lock")
    assert result.format == "uv.lock" and result.not_checked == ()
    assert rows(result) == [
        ("idna", "==3.6", 9, "main", "sys_platform == 'win32'", None, False),
        ("idna", "==3.7", 21, "main", "sys_platform != 'win32'", None, False),
        ("iniconfig", "==2.0.0", 33, "group:dev", None, None, False),
        ("jinja2", "==2.10.1", 42, "main", None, None, False),
        ("lockdemo", "==0.1.0", 54, "main", None, ".", False),
        ("markupsafe", "==3.0.4", 88, "main", None, None, False),
        # a dynamic version: uv writes no version; kept, with its path, never dropped
        ("plugin", "", 246, "main", None, "plugin", True),
        ("urllib3", "==1.26.4", 250, "optional:web", None, None, False),
    ]
    jinja = result.dependencies[3]
    assert jinja.location.path == str(DATA / "uv" / "uv.lock")
    assert jinja.hashes[0].startswith("sha256:") and len(jinja.hashes) == 2
    assert jinja.pinned_version == "2.10.1"


def test_uv_lock_this_platform_narrows(on_linux: None) -> None:
    result = read(uvlock.read, "uv/uv.lock", this_platform=True)
    assert [(d.name, d.specifier) for d in result.dependencies if d.name == "idna"] == [
        ("idna", "==3.7")]
    assert len(result.dependencies) == 7


def test_poetry_lock_2_1_written_by_poetry(on_linux: None) -> None:
    result = read(poetrylock.read, "poetry/poetry.lock")
    assert rows(result) == [
        ("colorama", "==0.4.6", 3, "group:dev", 'sys_platform == "win32"', None, False),
        ("iniconfig", "==2.0.0", 16, "group:dev", None, None, False),
        ("jinja2", "==2.10.1", 28, "main", None, None, False),
        ("markupsafe", "==3.0.4", 46, "main", None, None, False),
        ("urllib3", "==1.26.4", 207, "optional:web", 'extra == "web"', None, False),
    ]
    narrowed = read(poetrylock.read, "poetry/poetry.lock", this_platform=True)
    assert "colorama" not in {d.name for d in narrowed.dependencies}
    assert "urllib3" in {d.name for d in narrowed.dependencies}  # extras never exclude


def test_poetry_lock_1_1_category_and_metadata_files() -> None:
    result = read(poetrylock.read, "poetry-v1/poetry.lock")
    assert rows(result) == [
        ("iniconfig", "==1.1.1", 1, "group:dev", None, None, False),
        ("jinja2", "==2.10.1", 9, "main", None, None, False),
        ("markupsafe", "==2.0.1", 23, "main", None, None, False),
        ("urllib3", "==1.26.4", 31, "optional:web", None, None, False),
    ]
    hashes = {d.name: d.hashes for d in result.dependencies}
    assert hashes["jinja2"] == (
        "sha256:14dd6caf1527abb21f08f86c784eac40853ba93edb79552aa1e4b8aef1b61c7b",
        "sha256:065c4f02ebe7f7cf559e49ee5a95fb800a9e4528727aec6f24402a5374c65013",
    )
    assert len(hashes["markupsafe"]) == 1


def test_pipfile_lock_written_by_pipenv() -> None:
    result = read(pipfilelock.read, "pipenv/Pipfile.lock")
    assert rows(result) == [
        ("colorama", "==0.4.6", 17, "main", "sys_platform == 'win32'", None, False),
        ("jinja2", "==2.10.1", 25, "main", None, None, False),
        ("markupsafe", "==3.0.4", 33, "main", "python_version >= '3.9'", None, False),
        ("iniconfig", "==2.0.0", 192, "group:dev", "python_version >= '3.7'", None, False),
    ]


def test_pdm_lock_merges_extras_combinations() -> None:
    result = read(pdmlock.read, "pdm/pdm.lock")
    assert rows(result) == [
        ("iniconfig", "==2.0.0", 13, "group:dev", None, None, False),
        ("jinja2", "==2.10.1", 24, "main", None, None, False),
        ("markupsafe", "==3.0.2", 37, "main", None, None, False),
        ("pysocks", "==1.7.1", 47, "group:dev", None, None, False),
        # listed twice (plain and [socks]): one entry, groups united, first line; "web" is
        # an extra in the pyproject.toml next to the lock
        ("requests", "==2.31.0", 57, "group:dev,optional:web", None, None, False),
        ("urllib3", "==1.26.4", 87, "group:dev,optional:web", None, None, False),
        ("win-helper", "==0.4.0", 98, "main", 'sys_platform == "win32"',
         "git+https://github.com/example/win-helper.git@0a1b2c3d4e5f60718293a4b5c6d7e8f901234567",
         False),
    ]
    requests = result.dependencies[4]
    assert requests.extras == ("socks",)


def test_pylock_groups_and_extras_from_markers(on_linux: None) -> None:
    result = read(pylock.read, "pylock/pylock.toml")
    git = "git+https://github.com/example/win-helper.git@0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"
    assert rows(result) == [
        ("iniconfig", "==2.0.0", 13, "group:dev", '"dev" in dependency_groups', None, False),
        ("jinja2", "==2.10.1", 22, "main", '"default" in dependency_groups', None, False),
        ("markupsafe", "==3.0.2", 28, "main", '"default" in dependency_groups', None, False),
        ("requests", "==2.31.0", 35, "group:dev,optional:web",
         '"dev" in dependency_groups or "web" in extras', None, False),
        ("urllib3", "==1.26.4", 44, "group:dev,optional:web",
         '("dev" in dependency_groups or "web" in extras) and python_version >= "3.9"', None,
         False),
        # a vcs entry with a version keeps both
        ("win-helper", "==0.4.0", 53, "main",
         '"default" in dependency_groups and sys_platform == "win32"', git, False),
        ("lockdemo", "", 64, "main", '"default" in dependency_groups', ".", True),
    ]
    assert group_labels(result.dependencies[3]) == ("group:dev", "optional:web")
    narrowed = read(pylock.read, "pylock/pylock.toml", this_platform=True)
    assert [d.name for d in narrowed.dependencies] == [
        "iniconfig", "jinja2", "markupsafe", "requests", "urllib3", "lockdemo"]


def test_conda_environment_pip_section_and_conda_packages() -> None:
    result = read(conda.read, "conda/environment.yml")
    path = str(DATA / "conda" / "environment.yml")
    got = [(d.name, d.specifier, str(d.location), d.group, d.url, d.editable)
           for d in result.dependencies]
    assert got == [
        ("jinja2", "==2.10.1", f"{path}:13:7", "main", None, False),
        ("urllib3", "<2,>=1.26", f"{path}:14:8", "main", None, False),  # after the quote
        ("iniconfig", "==2.0.0", f"{DATA / 'conda' / 'requirements-extra.txt'}:1:1", "main",
         None, False),
        ("", "", f"{path}:16:10", "main", "./plugin", True),
    ]
    assert [(n.what, n.location.line, n.reason) for n in result.not_checked] == [
        ("python=3.11", 7, "conda package, not checked by PyPI data"),
        ("numpy>=1.26", 8, "conda package, not checked by PyPI data"),
        ("conda-forge::pandas=2.2.*", 9, "conda package, not checked by PyPI data"),
        ("pip", 10, "conda package, not checked by PyPI data"),
    ]
    assert [(o.name, o.value, o.location.line) for o in result.options] == [
        ("--extra-index-url", "https://download.pytorch.org/whl/cpu", 12),
        ("--requirement", "requirements-extra.txt", 15),
    ]


def test_conda_env_export_with_prefix() -> None:
    result = read(conda.read, "conda-export/environment.yaml")
    assert [(d.name, d.specifier, d.location.line) for d in result.dependencies] == [
        ("jinja2", "==2.10.1", 9), ("markupsafe", "==2.1.5", 10)]
    assert [n.what for n in result.not_checked] == [
        "_libgcc_mutex=0.1=conda_forge", "python=3.11.9=hb806964_0_cpython",
        "pip=24.2=pyhd8ed1ab_0"]


# -- edge cases from real files -----------------------------------------------------------

UV_TORCH = """\
version = 1
revision = 3
requires-python = ">=3.10"
resolution-markers = [
    "sys_platform == 'darwin'",
    "sys_platform != 'darwin'",
]

[[package]]
name = "demo"
version = "0.1.0"
source = { virtual = "." }
dependencies = [
    { name = "torch", version = "2.9.1", source = { registry = "https://pypi.org/simple" }, \
marker = "sys_platform == 'darwin'" },
    { name = "torch", version = "2.9.1+cpu", source = { registry = \
"https://download.pytorch.org/whl/cpu" }, marker = "sys_platform != 'darwin'" },
    { name = "tool" },
]

[[package]]
name = "torch"
version = "2.9.1"
source = { registry = "https://pypi.org/simple" }
resolution-markers = [
    "sys_platform == 'darwin'",
]

[[package]]
name = "torch"
version = "2.9.1+cpu"
source = { registry = "https://download.pytorch.org/whl/cpu" }
resolution-markers = [
    "sys_platform != 'darwin' and platform_machine == 'x86_64'",
    "sys_platform != 'darwin' and platform_machine != 'x86_64'",
]

[[package]]
name = "tool"
version = "1.2.0"
source = { git = "https://github.com/example/tool.git?rev=v1.2#4f1b2c3d4e5f60718293a4b5c6d7e8f9" }

[[package]]
name = "orphan"
source = { registry = "https://pypi.org/simple" }
"""


def test_uv_one_name_at_two_local_versions_and_git(tmp_path: Path, on_linux: None) -> None:
    path = write(tmp_path, "uv.lock", UV_TORCH)
    result = uvlock.read(path, root=tmp_path)
    assert rows(result) == [
        ("demo", "==0.1.0", 9, "main", None, ".", False),
        ("torch", "==2.9.1", 19, "main", "sys_platform == 'darwin'", None, False),
        ("torch", "==2.9.1+cpu", 27, "main",
         "(sys_platform != 'darwin' and platform_machine == 'x86_64') or "
         "(sys_platform != 'darwin' and platform_machine != 'x86_64')", None, False),
        ("tool", "==1.2.0", 36, "main", None,
         "git+https://github.com/example/tool.git@4f1b2c3d4e5f60718293a4b5c6d7e8f9", False),
    ]
    # a registry entry without a version cannot be judged: listed, not dropped
    assert [(n.what, n.location.line) for n in result.not_checked] == [("orphan", 41)]
    here = uvlock.read(path, root=tmp_path, this_platform=True)
    assert [d.specifier for d in here.dependencies if d.name == "torch"] == ["==2.9.1+cpu"]


def test_uv_extras_of_dependencies_are_followed(tmp_path: Path) -> None:
    text = """\
version = 1

[[package]]
name = "app"
version = "1.0"
source = { editable = "." }
dependencies = [{ name = "lib", extra = ["fast"] }]

[package.dev-dependencies]
test = [{ name = "pytest" }]

[[package]]
name = "lib"
version = "2.0"
source = { registry = "https://pypi.org/simple" }

[package.optional-dependencies]
fast = [{ name = "speedups" }]

[[package]]
name = "speedups"
version = "0.1"
source = { registry = "https://pypi.org/simple" }

[[package]]
name = "pytest"
version = "8.0.0"
source = { registry = "https://pypi.org/simple" }
"""
    result = uvlock.read(write(tmp_path, "uv.lock", text), root=tmp_path)
    assert [(d.name, d.group, d.editable) for d in result.dependencies] == [
        ("app", "main", True), ("lib", "main", False), ("speedups", "main", False),
        ("pytest", "group:test", False)]


POETRY_2_0 = """\
[[package]]
name = "jinja2"
version = "2.10.1"
description = ""
optional = false
python-versions = "*"
files = []

[package.dependencies]
MarkupSafe = ">=0.23"
Babel = {version = ">=0.8", optional = true}

[[package]]
name = "markupsafe"
version = "2.1.5"
description = ""
optional = false
python-versions = ">=3.7"
files = []

[[package]]
name = "babel"
version = "2.14.0"
description = ""
optional = true
python-versions = ">=3.7"
files = []

[[package]]
name = "iniconfig"
version = "2.0.0"
description = ""
optional = false
python-versions = ">=3.7"
files = []

[metadata]
lock-version = "2.0"
python-versions = "^3.11"
content-hash = "00"
"""

POETRY_2_0_PYPROJECT = """\
[tool.poetry]
name = "demo"
version = "0.1.0"
description = ""
authors = []

[tool.poetry.dependencies]
python = "^3.11"
Jinja2 = "2.10.1"

[tool.poetry.group.dev.dependencies]
iniconfig = "2.0.0"
"""


def test_poetry_lock_2_0_groups_come_from_the_pyproject(tmp_path: Path) -> None:
    lock = write(tmp_path, "poetry.lock", POETRY_2_0)
    assert [d.group for d in poetrylock.read(lock, root=tmp_path).dependencies] == [
        None, None, None, None]  # lock-version 2.0 says nothing about groups
    write(tmp_path, "pyproject.toml", POETRY_2_0_PYPROJECT)
    result = poetrylock.read(lock, root=tmp_path)
    assert [(d.name, d.group) for d in result.dependencies] == [
        ("jinja2", "main"), ("markupsafe", "main"),
        ("babel", None),  # only behind jinja2's i18n extra: the lock cannot tell
        ("iniconfig", "group:dev")]
    # a pyproject outside the root is not read, a broken one is ignored
    assert [d.group for d in poetrylock.read(lock, root=tmp_path / "sub").dependencies] == [
        None, None, None, None]
    write(tmp_path, "pyproject.toml", "[tool.poetry\n")
    assert [d.group for d in poetrylock.read(lock, root=tmp_path).dependencies] == [
        None, None, None, None]


POETRY_SOURCES = """\
[[package]]
name = "tool"
version = "1.2.0"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
markers = {main = "sys_platform == \\"linux\\"", dev = "sys_platform == \\"win32\\""}
files = []
develop = false

[package.source]
type = "git"
url = "https://github.com/example/tool.git"
reference = "HEAD"
resolved_reference = "4f1b2c3d4e5f60718293a4b5c6d7e8f901234567"

[[package]]
name = "local"
version = "0.0.1"
description = ""
optional = false
python-versions = "*"
groups = ["dev"]
files = []
develop = true

[package.source]
type = "directory"
url = "../local"

[[package]]
name = "private"
version = "3.1"
description = ""
optional = false
python-versions = "*"
groups = ["main"]
files = []

[package.source]
type = "legacy"
url = "https://pypi.example.org/simple"
reference = "corp"

[metadata]
lock-version = "2.1"
python-versions = "^3.11"
content-hash = "00"
"""


def test_poetry_sources_and_group_markers(tmp_path: Path) -> None:
    result = poetrylock.read(write(tmp_path, "poetry.lock", POETRY_SOURCES), root=tmp_path)
    assert rows(result) == [
        ("tool", "==1.2.0", 1, "main",
         '(sys_platform == "linux") or (sys_platform == "win32")',
         "git+https://github.com/example/tool.git@4f1b2c3d4e5f60718293a4b5c6d7e8f901234567",
         False),
        ("local", "==0.0.1", 18, "group:dev", None, "../local", True),
        ("private", "==3.1", 32, "main", None, None, False),  # a private index is a pin
    ]


PIPFILE_LOCK = """\
{
    "_meta": {"pipfile-spec": 6, "sources": []},
    "default": {
        "dspy": {
            "git": "https://github.com/stanfordnlp/dspy.git",
            "markers": "python_version >= '3.10'",
            "ref": "7801edd8b5d81e7e6e3741b23a5280dc02eeddbc"
        },
        "mylib": {"editable": true, "path": "./mylib"},
        "legacy": {"version": "==0.4.9.6"},
        "odd": {"version": "==1.0-custom"},
        "wild": {"version": "*"},
        "six": {"version": "==1.16.0"}
    },
    "develop": {
        "six": {"version": "==1.16.0", "markers": "python_version >= '3'"},
        "pytest": {"hashes": ["sha256:aa"], "version": "==8.0.0", "extras": ["Testing"]}
    }
}
"""


def test_pipfile_lock_git_editable_and_both_sections(tmp_path: Path) -> None:
    result = pipfilelock.read(write(tmp_path, "Pipfile.lock", PIPFILE_LOCK), root=tmp_path)
    assert rows(result) == [
        ("dspy", "", 4, "main", "python_version >= '3.10'",
         "git+https://github.com/stanfordnlp/dspy.git@7801edd8b5d81e7e6e3741b23a5280dc02eeddbc",
         False),
        ("mylib", "", 9, "main", None, "./mylib", True),
        ("legacy", "==0.4.9.6", 10, "main", None, None, False),
        ("odd", "===1.0-custom", 11, "main", None, None, False),
        # in default and in develop: one entry, both labels, either marker
        ("six", "==1.16.0", 13, "group:dev,main", None, None, False),
        ("pytest", "==8.0.0", 17, "group:dev", None, None, False),
    ]
    assert result.dependencies[-1].extras == ("testing",)
    assert [(n.what, n.location.line) for n in result.not_checked] == [("wild", 12)]


def test_pin_specifier() -> None:
    assert pin_specifier("2.8.0+cpu") == "==2.8.0+cpu"
    assert pin_specifier("1.0.0-SNAPSHOT") == "===1.0.0-SNAPSHOT"
    with pytest.raises(ValueError, match="not a version"):
        pin_specifier("1.0; rm -rf")


def test_pdm_3_1_metadata_files_and_sources(tmp_path: Path) -> None:
    text = """\
[[package]]
name = "six"
version = "1.16.0"
summary = "py2/3"

[[package]]
name = "tool"
version = "0.1"
git = "https://github.com/example/tool.git"
ref = "main"

[[package]]
name = "wheelpkg"
version = "0.2"
url = "https://example.org/wheelpkg-0.2-py3-none-any.whl"

[[package]]
name = "local"
version = "0.0.0"
path = "./local"
editable = true

[metadata]
lock_version = "3.1"
content_hash = "sha256:00"

[metadata.files]
"six 1.16.0" = [
    {file = "six-1.16.0-py2.py3-none-any.whl", hash = "sha256:8abb"},
]
"""
    result = pdmlock.read(write(tmp_path, "pdm.lock", text), root=tmp_path)
    assert rows(result) == [
        ("six", "==1.16.0", 1, None, None, None, False),
        ("tool", "==0.1", 6, None, None, "git+https://github.com/example/tool.git@main", False),
        ("wheelpkg", "==0.2", 12, None, None,
         "https://example.org/wheelpkg-0.2-py3-none-any.whl", False),
        ("local", "==0.0.0", 17, None, None, "./local", True),
    ]
    assert result.dependencies[0].hashes == ("sha256:8abb",)


def test_pylock_markers_uv_and_pip_style(tmp_path: Path, on_linux: None) -> None:
    text = """\
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "a"
version = "1"
marker = "'dev' in dependency_groups and 'test' in dependency_groups"

[[packages]]
name = "b"
version = "2"
marker = "('dev' in dependency_groups) and (python_version >= '2.7' and python_version not in \
'3.0, 3.1, 3.2, 3.3')"

[[packages]]
name = "c"
version = "3"
marker = "'Pre_Commit' in extras or sys_platform == 'win32'"

[[packages]]
name = "d"

[[packages]]
name = "e"
version = "5"
marker = "python_version < '3'"
"""
    result = pylock.read(write(tmp_path, "pylock.toml", text), root=tmp_path)
    assert [(d.name, d.group) for d in result.dependencies] == [
        ("a", "group:dev,group:test"),  # only both together select it
        ("b", "group:dev"),
        ("c", "main,optional:pre-commit"),  # true on Windows with no extra
        ("e", "main"),
    ]
    assert [(n.what, n.location.line) for n in result.not_checked] == [("d", 19)]
    # the old entry point keeps such an entry as a bare name (floor audit), never drops it
    old = pylock.read_pylock(tmp_path / "pylock.toml")
    assert [(d.name, d.specifier, d.location.line) for d in old][-1] == ("d", "", 19)
    here = pylock.read(tmp_path / "pylock.toml", root=tmp_path, this_platform=True)
    assert [d.name for d in here.dependencies] == ["a", "b", "c"]


# -- CRLF and byte-order marks --------------------------------------------------------------

FIXTURES: list[tuple[Reader, str]] = [
    (uvlock.read, "uv/uv.lock"),
    (poetrylock.read, "poetry/poetry.lock"),
    (poetrylock.read, "poetry-v1/poetry.lock"),
    (pipfilelock.read, "pipenv/Pipfile.lock"),
    (pdmlock.read, "pdm/pdm.lock"),
    (pylock.read, "pylock/pylock.toml"),
    (conda.read, "conda-export/environment.yaml"),
]


@pytest.mark.parametrize(("reader", "relative"), FIXTURES, ids=[f for _, f in FIXTURES])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_crlf_and_bom_read_the_same(tmp_path: Path, reader: Reader, relative: str,
                                    bom: bytes) -> None:
    source = DATA / relative
    expected = rows(reader(source, root=source.parent))
    data = source.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path = tmp_path / source.name
    path.write_bytes(bom + data)
    if (source.parent / "pyproject.toml").is_file():
        (tmp_path / "pyproject.toml").write_bytes(bom + (source.parent / "pyproject.toml")
                                                  .read_bytes().replace(b"\n", b"\r\n"))
    assert rows(reader(path, root=tmp_path)) == expected


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    source = DATA / "pipenv" / "Pipfile.lock"
    path = tmp_path / "Pipfile.lock"
    path.write_bytes(source.read_text(encoding="utf-8").encode("utf-16"))
    assert rows(pipfilelock.read(path, root=tmp_path)) == rows(
        pipfilelock.read(source, root=source.parent))


# -- malformed files: InputError naming file and line --------------------------------------

MALFORMED: list[tuple[Reader, str, str, int | None, str]] = [
    (uvlock.read, "uv.lock", 'version = 1\n\n[[package]]\nname = "a"\nversion = [\n',
     6, "not valid TOML"),
    (uvlock.read, "uv.lock", 'version = 1\n[[package]]\nversion = "1"\n', 2, "has no name"),
    (uvlock.read, "uv.lock", 'version = 1\n[[package]]\nname = "a"\nversion = "1 2"\n', 2,
     "not a version"),
    (uvlock.read, "uv.lock", 'version = 1\n[[package]]\nname = "a"\nversion = "1"\n'
     'resolution-markers = ["python_version >> \'3\'"]\n', 2, "resolution-markers"),
    (uvlock.read, "uv.lock", 'version = 1\n[[package]]\nname = "a"\nversion = "1"\n'
     'source = { ftp = "x" }\n', 2, "unknown source"),
    (uvlock.read, "uv.lock", "version = 2\n", 1, "unsupported uv.lock version"),
    (poetrylock.read, "poetry.lock", '[[package]]\nname = "a"\nversion = "1"\n'
     'groups = "main"\n', 1, "groups must be an array"),
    (poetrylock.read, "poetry.lock", '[[package]]\nname = "a"\n', 1, "version"),
    (pipfilelock.read, "Pipfile.lock", '{\n  "default": {\n    "a": {"version": ">=1"}\n  }\n}\n',
     3, "is not a pin"),
    (pipfilelock.read, "Pipfile.lock", '{\n  "default": {\n    "a": \n', 4, "not valid JSON"),
    (pipfilelock.read, "Pipfile.lock", '{"default": {"a": {"version": NaN}}}', None,
     "not valid JSON"),
    (pdmlock.read, "pdm.lock", '[[package]]\nname = "a"\nversion = "1"\nmarker = "os_name"\n',
     1, "marker"),
    (pylock.read, "pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "a"\n'
     'marker = "\'dev\' == dependency_groups"\n', 2, "dependency_groups is a set"),
    (pylock.read, "pylock.toml", 'lock-version = "1.0"\n[[packages]]\nname = "a"\n'
     'vcs = { type = "git" }\n', 2, "vcs.url"),
    (conda.read, "environment.yml", "dependencies:\n  - &a numpy\n", 2, "anchor"),
    (conda.read, "environment.yml", "dependencies:\n  - !!str numpy\n", 2, "tag"),
    (conda.read, "environment.yml", "dependencies: |\n  numpy\n", 1, "block scalar"),
    (conda.read, "environment.yml", "dependencies:\n  - {pip: [a]}\n", 2, "flow mapping"),
    (conda.read, "environment.yml", "dependencies: [[a]]\n", 1, "nested flow"),
    (conda.read, "environment.yml", "name: a\n---\nname: b\n", 2, "one document"),
    (conda.read, "environment.yml", "name: a\nname: b\n", 2, "duplicate key"),
    (conda.read, "environment.yml", "dependencies:\n\t- numpy\n", 2, "tabs"),
    (conda.read, "environment.yml", "dependencies:\n  - numpy\n   - scipy\n", 3,
     "unexpected indentation"),
    (conda.read, "environment.yml", 'dependencies:\n  - "numpy\n', 2, "unterminated"),
    (conda.read, "environment.yml", "dependencies:\n  - pip:\n    - requests>>2\n", 3,
     "requests"),
    (conda.read, "environment.yml", "dependencies: numpy\n", 1, "must be a list"),
    (conda.read, "environment.yml", "- numpy\n", 1, "is a mapping"),
    (conda.read, "environment.yml", "dependencies:\n  - pip:\n    - -r ../outside.txt\n", 3,
     "outside the project"),
]


@pytest.mark.parametrize(("reader", "name", "text", "line", "message"), MALFORMED,
                         ids=[f"{m[1]}-{i}" for i, m in enumerate(MALFORMED)])
def test_malformed_files_name_file_and_line(tmp_path: Path, reader: Reader, name: str,
                                            text: str, line: int | None, message: str) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (tmp_path / "outside.txt").write_text("six==1.0\n", encoding="utf-8")
    path = write(folder, name, text)
    with pytest.raises(InputError, match=message) as info:
        reader(path, root=folder)
    assert info.value.path == str(path)
    assert info.value.line == line


@pytest.mark.parametrize("reader", [uvlock.read, poetrylock.read, pipfilelock.read,
                                    pdmlock.read, pylock.read, conda.read],
                         ids=["uv", "poetry", "pipenv", "pdm", "pylock", "conda"])
def test_missing_file_and_fifo_are_input_errors(tmp_path: Path, reader: Reader) -> None:
    with pytest.raises(InputError, match="no such file"):
        reader(tmp_path / "missing", root=tmp_path)
    with pytest.raises(InputError, match="not a regular file"):
        reader(tmp_path, root=tmp_path)


def test_conda_yaml_forms(tmp_path: Path) -> None:
    text = (
        "name: 'demo'  # quoted\n"
        "channels: [conda-forge, \"defaults\"]\n"
        "dependencies:\n"
        "- python=3.11\n"
        "- pip:\n"
        "  - \"jinja2==2.10.1\"\n"
        "  - 'six==1.16.0'\n"
        "-   pip:\n"
        "    - idna==3.7 ; python_version >= \"3\"\n"
        "variables:\n"
        "  TOKEN: ~\n"
        "prefix: /opt/conda/envs/demo\n"
    )
    result = conda.read(write(tmp_path, "environment.yml", text), root=tmp_path)
    assert [(d.name, d.location.line, d.marker) for d in result.dependencies] == [
        ("jinja2", 6, None), ("six", 7, None), ("idna", 9, 'python_version >= "3"')]
    assert [n.what for n in result.not_checked] == ["python=3.11"]


def test_conda_empty_and_comment_only_files(tmp_path: Path) -> None:
    for text in ("", "# nothing\n", "name: x\n", "name: x\ndependencies:\n"):
        result = conda.read(write(tmp_path, "environment.yml", text), root=tmp_path)
        assert result.dependencies == () and result.not_checked == ()


def test_conda_item_with_credentials_is_listed_redacted(tmp_path: Path) -> None:
    text = ("dependencies:\n"
            "  - https://alice:s3cret@conda.example.org/linux-64/pkg-1.0-0.tar.bz2\n")
    result = conda.read(write(tmp_path, "environment.yml", text), root=tmp_path)
    (item,) = result.not_checked
    assert "s3cret" not in item.what and "conda.example.org" in item.what


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [("uv.lock", "uv.lock"), ("poetry.lock", "poetry.lock"), ("Pipfile.lock", "Pipfile.lock"),
     ("pdm.lock", "pdm.lock"), ("pylock.toml", "pylock.toml"),
     ("pylock.dev.toml", "pylock.toml"), ("environment.yml", "environment.yml"),
     ("environment.yaml", "environment.yml"), ("environment-dev.yml", "environment.yml"),
     ("pylock.a.b.toml", None),
     ("requirements.txt", None), ("uv.lock.bak", None)],
)
def test_reader_for_file_names(file_name: str, expected: str | None) -> None:
    from pipwarden.sources.lockfiles import reader_for

    found = reader_for(file_name)
    assert (found.name if found else None) == expected


_UV_DIST = (
    '{ url = "https://files.example/pkg-1.0.tar.gz", hash = "sha256:%s", size = 10 }'
)


def _uv_with_wheels(wheels: str) -> str:
    return (
        'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n'
        '[[package]]\nname = "pkg"\nversion = "1.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n'
        f"sdist = {_UV_DIST % ('a' * 64)}\n"
        f"wheels = [\n{wheels}]\n"
    )


def test_uv_dist_tables_read_fast_keep_their_hashes(tmp_path: Path) -> None:
    text = _uv_with_wheels(f"    {_UV_DIST % ('b' * 64)},\n")
    result = uvlock.read(write(tmp_path, "uv.lock", text), root=tmp_path)
    (dep,) = result.dependencies
    assert dep.hashes == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)


@pytest.mark.parametrize("wheels", ['    "sha256:%s",\n' % ("c" * 64),
                                    f"    {_UV_DIST % ('b' * 64)},\n    \"x\",\n"])
def test_uv_a_string_where_uv_writes_a_dist_table_is_refused(
    tmp_path: Path, wheels: str
) -> None:
    # the fast reading turns dist tables into hash strings; a string the file itself holds
    # there must not pass for one
    with pytest.raises(InputError, match="sdist/wheels must be a table"):
        uvlock.read(write(tmp_path, "uv.lock", _uv_with_wheels(wheels)), root=tmp_path)
