"""The cheaper import scan and the per-file scan cache (issue [10] item 4)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import pipwarden
from pipwarden.cli import main
from pipwarden.scancache import FileCache
from pipwarden.slim.fastimports import fast_imports
from pipwarden.slim.imports import imports_in_source, scan_imports

SRC = Path(pipwarden.__file__).parent


def _full(text: str) -> list[tuple[str, int | None, int | None]]:
    uses, problem = imports_in_source(text, "x.py", fast=False)  # the whole tree walked
    assert problem is None
    return [(u.module, u.location.line, u.location.column) for u in uses]


def _fast(text: str) -> list[tuple[str, int | None, int | None]] | None:
    found = fast_imports(text, "x.py")
    return None if found is None else [(m, loc.line, loc.column) for m, loc in found]


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda p: p.relative_to(SRC).as_posix()
)
def test_fast_scan_agrees_with_the_full_parse_on_real_modules(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = _fast(text)
    if fast is not None:
        assert sorted(fast) == sorted(_full(text))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import a.b\nfrom c.d import e, f as g\n", [("a.b", 1, 1), ("c.d.e", 2, 1),
                                                     ("c.d.f", 2, 1)]),
        ("def f():\n    import a\n    from b import (\n        c,\n        d,\n    )\n",
         [("a", 2, 5), ("b.c", 3, 5), ("b.d", 3, 5)]),
        ('"""Usage:\n\nimport fake\n"""\nimport real\n', [("real", 5, 1)]),
        ("x = '''\nfrom fake import thing\n'''\nimport real  # import more\n",
         [("real", 4, 1)]),
        ("from __future__ import annotations\nfrom . import rel\nimport os\n", [("os", 3, 1)]),
        ("import a, \\\n    b\n", [("a", 1, 1), ("b", 1, 1)]),
        ("import a; import b\n", [("a", 1, 1), ("b", 1, 11)]),
    ],
)
def test_fast_scan_reads_import_statements_only(
    source: str, expected: list[tuple[str, int, int]]
) -> None:
    assert _fast(source) == expected
    assert sorted(_full(source)) == sorted(expected)


@pytest.mark.parametrize(
    "source",
    [
        "try: import ujson as json\nexcept ImportError: import json\n",
        "if TYPE_CHECKING: import a\n",
        "m = __import__('a')\n",
        "import importlib\nimportlib.import_module('a')\n",
        "print('import a')\n",
        "%matplotlib inline\nimport a\n",
        "!pip install a\nimport a\n",
        "s = '''never closed\nimport a\n",
        "x = 1; import a\n",
    ],
)
def test_fast_scan_gives_up_where_it_could_be_wrong(source: str) -> None:
    assert fast_imports(source, "x.py") is None


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("requests>=2\nrich>=13\n")
    (root / "app.py").write_text("import requests\n")
    (root / "job.py").write_text("def main():\n    import rich\n")
    return root


def _unused(capsys: pytest.CaptureFixture[str], root: Path) -> set[str]:
    main(["slim", str(root), "--offline", "--format", "json"])
    return {u["name"] for u in json.loads(capsys.readouterr().out)["unused"]}


def test_a_file_edited_in_place_to_the_same_size_is_rescanned(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    old = 1_600_000_000_000_000_000
    job = root / "job.py"
    os.utime(job, ns=(old, old))
    assert _unused(capsys, root) == set()
    with job.open("r+b") as handle:  # same size, same inode: only the time and hash differ
        handle.seek(len("def main():\n    import "))
        handle.write(b"json")
    assert job.stat().st_size == len("def main():\n    import rich\n")
    assert _unused(capsys, root) == {"rich"}
    cache_files = list((Path(os.environ["XDG_CACHE_HOME"]) / "pipwarden" / "scan").glob("*"))
    assert cache_files, "the cache lives in the user's cache folder"
    assert sorted(p.name for p in root.iterdir()) == ["app.py", "job.py", "requirements.txt"]


def test_the_cache_is_under_the_user_cache_dir_and_serves_unchanged_files(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path)
    folder = tmp_path / "cache"
    old = 1_600_000_000_000_000_000
    for p in root.iterdir():
        os.utime(p, ns=(old, old))
    first = FileCache(folder, root, "imports", "t")
    scan_imports(root, cache=first)
    assert first.misses == 2 and first.hits == 0
    second = FileCache(folder, root, "imports", "t")
    again = scan_imports(root, cache=second)
    assert second.hits == 2 and second.misses == 0
    assert {u.module for u in again.imports} == {"requests", "rich"}
    assert not list(root.glob("*.json")) and list(folder.glob("imports-*.json"))


@pytest.mark.parametrize(
    "corrupt",
    [b"{not json", b"[]", b'{"version": "other", "written_ns": 0, "files": {}}', b"\xff\xfe"],
)
def test_a_corrupt_cache_is_ignored_never_trusted(tmp_path: Path, corrupt: bytes) -> None:
    root = _project(tmp_path)
    folder = tmp_path / "cache"
    cache = FileCache(folder, root, "imports", "t")
    scan_imports(root, cache=cache)
    assert cache.path is not None
    cache.path.write_bytes(corrupt)
    again = FileCache(folder, root, "imports", "t")
    scan = scan_imports(root, cache=again)
    assert again.hits == 0 and {u.module for u in scan.imports} == {"requests", "rich"}


def test_a_cache_entry_that_lies_about_a_file_is_not_used(tmp_path: Path) -> None:
    """A forged entry (the right stamp, a wrong hash) cannot hide the file's imports:
    entries whose stamp is recent are checked by hash, and the hash does not match."""
    root = _project(tmp_path)
    folder = tmp_path / "cache"
    cache = FileCache(folder, root, "imports", "t")
    scan_imports(root, cache=cache)
    assert cache.path is not None
    data = json.loads(cache.path.read_text())
    data["files"]["job.py"][3] = "0" * 64
    data["files"]["job.py"][4] = [[], [], [], []]
    cache.path.write_text(json.dumps(data))
    scan = scan_imports(root, cache=FileCache(folder, root, "imports", "t"))
    assert "rich" in {u.module for u in scan.imports}


def test_secret_scan_results_are_cached_and_rechecked(
    tmp_path: Path,
) -> None:
    from pipwarden.secretscan import scan_project

    root = tmp_path / "proj"
    root.mkdir()
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    (root / "deploy.sh").write_text(f"export GITHUB_TOKEN={token}\n")
    (root / "clean.sh").write_text("echo hi\n")
    first = scan_project(root, cache_dir=tmp_path / "c")
    second = scan_project(root, cache_dir=tmp_path / "c")
    assert [f.path for f in first.findings] == [f.path for f in second.findings] == ["deploy.sh"]
    (root / "clean.sh").write_text(f"TOKEN={token}\n")
    third = scan_project(root, cache_dir=tmp_path / "c")
    assert {f.path for f in third.findings} == {"deploy.sh", "clean.sh"}
    for cached in (tmp_path / "c" / "scan").iterdir():
        assert token not in cached.read_text()


def test_check_parses_each_input_file_once_and_makes_one_pypi_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue [10] item 1: doctor, lint, audit, vet and slim share one project context."""
    import pipwarden.pypi.client as client_module
    import pipwarden.sources.requirements as requirements_module

    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text("-r requirements-base.txt\nrequests>=2.31\n")
    (root / "requirements-base.txt").write_text("jinja2>=3.1\n")
    (root / "app.py").write_text("import requests\nimport jinja2\n")
    pyproject = (
        '[project]\nname = "proj"\nrequires-python = ">=3.11"\ndependencies = ["rich>=13"]\n'
    )
    (root / "pyproject.toml").write_text(pyproject)
    parsed: list[str] = []
    real_parse = requirements_module.parse_requirements
    import tomllib

    real_loads = tomllib.loads

    def counting_loads(text: str, **kwargs: object) -> dict[str, object]:
        if text == pyproject:
            parsed.append("pyproject.toml")
        return real_loads(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tomllib, "loads", counting_loads)
    from pipwarden import tomlcache

    monkeypatch.setattr(tomlcache, "_PARSED", {})

    def counting_parse(path: Path | str, **kwargs: object) -> object:
        parsed.append(Path(path).name)
        return real_parse(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(requirements_module, "parse_requirements", counting_parse)
    monkeypatch.setattr("pipwarden.slim.declared.parse_requirements", counting_parse)
    clients: list[object] = []
    real_init = client_module.PyPIClient.__init__

    def counting_init(self: object, *args: object, **kwargs: object) -> None:
        clients.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(client_module.PyPIClient, "__init__", counting_init)
    # A PyPI cache from earlier runs: lint reads it offline too, through the same client.
    from pipwarden.settings import Settings

    Settings.from_env().pypi_cache_dir.mkdir(parents=True)
    main(["check", "--offline", "--format", "json", str(root)])
    capsys.readouterr()
    assert sorted(parsed) == ["pyproject.toml", "requirements-base.txt", "requirements.txt"]
    assert len(clients) == 1


def _parsed(text: str) -> list[tuple[str, int | None, int | None]]:
    uses, problem = imports_in_source(text, "x.py")  # after the full parse, the cheap way
    assert problem is None
    return [(u.module, u.location.line, u.location.column) for u in uses]


@pytest.mark.parametrize(
    "source",
    [
        "import a.b\nfrom c.d import e, f as g\n",
        "import a; import b\n",
        "from __future__ import annotations\nfrom . import rel\nimport os\n",
        "import importlib\n",  # one statement, "import" twice: the whole walk decides
        "import a\nm = __import__('b')\n",
        "import a\nimportlib.import_module('b')\n",
        "import a\n# import b\n",
        "import a\nx = 'import b'\n",
        "import a\ndef f():\n    import b\n",
        "import a  # important\n",
        "try: import ujson as json\nexcept ImportError: import json\n",
        "x = 1; from b import (c,\n  d)\n",
    ],
)
def test_an_already_parsed_source_gives_what_the_whole_walk_gives(source: str) -> None:
    """A notebook cell is parsed in full (to report a cell that does not parse); its
    top-level import statements are read from that tree when they are all there is."""
    assert _parsed(source) == _full(source)


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py"))[::7], ids=lambda p: p.relative_to(SRC).as_posix()
)
def test_an_already_parsed_module_gives_what_the_whole_walk_gives(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert _parsed(text) == _full(text)
