"""Installed environments read from disk, and their dependency graph, on a hand-made venv."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

from pipwarden.errors import InputError
from pipwarden.sources.environment import (
    find_environment,
    import_names,
    installed_files,
    read_environment,
)
from pipwarden.sources.graph import DependencyGraph


def dist_info(
    site: Path,
    name: str,
    version: str,
    *,
    requires: tuple[str, ...] = (),
    extra_headers: str = "",
    files: dict[str, str | bytes] | None = None,
    folder: str | None = None,
) -> Path:
    folder_path = site / (folder or f"{name.replace('-', '_')}-{version}.dist-info")
    folder_path.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    text = "\n".join(lines) + "\n" + extra_headers + "\nLong description.\n\nName: not-a-header\n"
    (folder_path / "METADATA").write_text(text, encoding="utf-8")
    for file_name, content in (files or {}).items():
        target = folder_path / file_name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return folder_path


@pytest.fixture
def venv(tmp_path: Path) -> Path:
    """A small venv: app → lib-a → {shared, lib-c → lib-a (cycle)}, app → lib-b[extra1] →
    {shared, lib-d}; tool (egg-info) → shared, click (missing); roots devtool, tomli, oldpkg;
    plus a .pth file, sitecustomize and package code that would write MARKER if run."""
    prefix = tmp_path / "proj" / ".venv"
    site = prefix / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (prefix / "pyvenv.cfg").write_text(
        "home = /usr/bin\ninclude-system-site-packages = false\nversion_info = 3.11.9.final.0\n",
        encoding="utf-8",
    )
    marker = tmp_path / "MARKER"
    payload = f"import os; open({str(marker)!r}, 'w').close()\n"
    (site / "evil.pth").write_text(payload, encoding="utf-8")
    (site / "sitecustomize.py").write_text(payload, encoding="utf-8")
    (site / "lib_a").mkdir()
    (site / "lib_a" / "__init__.py").write_text(payload, encoding="utf-8")
    dist_info(
        site, "App", "1.0",
        requires=("lib-a>=1", "lib_b[Extra1]", 'tomli; python_version < "3.11"',
                  'devtool; extra == "dev"'),
        extra_headers=(
            "Project-URL: Source, https://github.com/example/app\n"
            "Project-URL: Funding, https://example.org/fund\n"
            "Home-page: https://app.example\n"
            "Summary: caf\xe9\n"
        ),
        files={"INSTALLER": "pip\n",
               "entry_points.txt": "[console_scripts]\napp = app.cli:main\napp-admin=app:x\n"
                                   "[gui_scripts]\napp-gui = app:gui\n"},
    )
    dist_info(site, "lib-a", "2.0", requires=("shared", "lib-c"),
              files={"top_level.txt": "lib_a\n"})
    dist_info(site, "lib-b", "1.5", requires=("shared", 'lib-d ; extra == "extra1"'))
    dist_info(site, "lib-c", "0.1", requires=("lib-a",),
              files={"entry_points.txt": "this is [not valid\n"})
    dist_info(
        site, "lib-d", "3.0",
        files={"RECORD": "lib_d/__init__.py,sha256=x,1\nlib_d/sub/m.py,,\nlib_d_helpers.py,,\n"
                         "_lib_d_native.cpython-311-x86_64-linux-gnu.so,,\n"
                         "lib_d-3.0.dist-info/METADATA,,\n../../../bin/lib-d,,\n"
                         "lib_d-3.0.data/scripts/x,,\n__pycache__/lib_d_helpers.cpython-311.pyc,,\n"},
    )
    dist_info(site, "shared", "1.0", files={"INSTALLER": "uv"})
    dist_info(site, "devtool", "1.0")
    dist_info(site, "tomli", "2.0.1")
    egg = site / "tool-0.5-py3.11.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_bytes(
        b"Metadata-Version: 1.1\nName: tool\nVersion: 0.5\nSummary: bad \xff\xfe bytes\n"
    )
    (egg / "requires.txt").write_text("shared>=1\n\n[cli]\nclick\n\n[:sys_platform == 'nope']\n"
                                      "nothing\n", encoding="utf-8")
    (egg / "entry_points.txt").write_text("[console_scripts]\ntool = tool:main\n",
                                          encoding="utf-8")
    (egg / "installed-files.txt").write_text("../tool/__init__.py\n../tool/x.py\nPKG-INFO\n",
                                             encoding="utf-8")
    (site / "oldpkg-0.1-py3.11.egg-info").write_text(
        "Metadata-Version: 1.0\nName: OldPkg\nVersion: 0.1\n", encoding="utf-8"
    )
    return prefix


def test_reads_packages_versions_and_metadata(venv: Path, tmp_path: Path) -> None:
    env = read_environment(venv)
    assert env.is_venv
    assert env.python_version == "3.11.9"
    assert env.prefix == str(venv)
    assert env.site_packages == (str(venv / "lib" / "python3.11" / "site-packages"),)
    versions = {(p.name, p.version) for p in env.packages}
    assert versions == {
        ("app", "1.0"), ("lib-a", "2.0"), ("lib-b", "1.5"), ("lib-c", "0.1"), ("lib-d", "3.0"),
        ("shared", "1.0"), ("devtool", "1.0"), ("tomli", "2.0.1"), ("tool", "0.5"),
        ("oldpkg", "0.1"),
    }
    by_name = {p.name: p for p in env.packages}
    app = by_name["app"]
    assert app.display_name == "App"
    assert app.requires_dist == ("lib-a>=1", "lib_b[Extra1]", 'tomli; python_version < "3.11"',
                                 'devtool; extra == "dev"')
    assert app.console_scripts == ("app", "app-admin")
    assert app.installer == "pip"
    assert app.project_urls == (("Source", "https://github.com/example/app"),
                                ("Funding", "https://example.org/fund"),
                                ("Homepage", "https://app.example"))
    assert by_name["shared"].installer == "uv"
    assert by_name["lib-a"].top_level == ("lib_a",)
    assert by_name["lib-c"].console_scripts == ()  # malformed entry_points.txt tolerated
    tool = by_name["tool"]
    assert tool.requires_dist == ("shared>=1", 'click; extra == "cli"',
                                  "nothing; sys_platform == 'nope'")
    assert tool.console_scripts == ("tool",)
    assert by_name["oldpkg"].display_name == "OldPkg"
    assert not (tmp_path / "MARKER").exists()


def test_nothing_from_the_environment_is_executed(venv: Path, tmp_path: Path) -> None:
    env = read_environment(venv)
    graph = DependencyGraph.from_environment(env)
    for package in env.packages:
        import_names(package)
        installed_files(package)
    graph.paths_to("shared")
    assert "lib_a" not in sys.modules
    assert not (tmp_path / "MARKER").exists()


def test_import_names_and_installed_files(venv: Path) -> None:
    by_name = {p.name: p for p in read_environment(venv).packages}
    assert import_names(by_name["lib-a"]) == ("lib_a",)
    assert import_names(by_name["lib-d"]) == ("_lib_d_native", "lib_d", "lib_d_helpers")
    assert installed_files(by_name["lib-d"])[0] == "lib_d/__init__.py"
    assert import_names(by_name["tool"]) == ("tool",)
    assert import_names(by_name["shared"]) == ()


def test_site_packages_folder_directly_and_version_from_folder(venv: Path) -> None:
    site = venv / "lib" / "python3.11" / "site-packages"
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    env = read_environment(site)
    assert env.prefix == str(venv)
    assert env.is_venv
    assert env.python_version == "3.11"
    assert len(env.packages) == 10


def test_windows_layout_and_lib64_symlink(tmp_path: Path) -> None:
    win = tmp_path / "winvenv"
    site = win / "Lib" / "site-packages"
    site.mkdir(parents=True)
    (win / "pyvenv.cfg").write_text("version = 3.12.1\n", encoding="utf-8")
    dist_info(site, "colorama", "0.4.6")
    env = read_environment(win)
    assert [p.name for p in env.packages] == ["colorama"]
    assert env.python_version == "3.12.1"

    posix = tmp_path / "posix"
    site = posix / "lib" / "python3.12" / "site-packages"
    site.mkdir(parents=True)
    (posix / "pyvenv.cfg").write_text("", encoding="utf-8")
    dist_info(site, "six", "1.16.0")
    if hasattr(os, "symlink"):
        (posix / "lib64").symlink_to("lib")
    env = read_environment(posix)
    assert [p.name for p in env.packages] == ["six"]
    assert env.python_version == "3.12"


def test_duplicate_distributions_are_kept_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    dist_info(site, "requests", "2.31.0")
    dist_info(site, "requests", "2.32.3")
    with caplog.at_level(logging.WARNING):
        env = read_environment(site)
    assert [(p.name, p.version) for p in env.packages] == [
        ("requests", "2.31.0"), ("requests", "2.32.3"),
    ]
    assert "requests is installed 2 times" in caplog.text
    assert not env.is_venv


def test_metadata_without_name_uses_the_folder(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    site = tmp_path / "site-packages"
    folder = site / "weird_pkg-1.2.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_bytes(b"Metadata-Version: 2.1\n\x00garbage line\n")
    (site / "broken-1.0.dist-info").mkdir()  # no METADATA at all
    with caplog.at_level(logging.WARNING):
        env = read_environment(site)
    assert [(p.name, p.version) for p in env.packages] == [("weird-pkg", "1.2")]
    assert "no METADATA" in caplog.text


def test_not_an_environment(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a virtual environment"):
        read_environment(tmp_path)
    with pytest.raises(InputError, match="no such folder"):
        read_environment(tmp_path / "missing")


def test_find_environment(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    assert find_environment(project, environ={}) is None
    (project / "env").mkdir()
    (project / "env" / "pyvenv.cfg").write_text("", encoding="utf-8")
    assert find_environment(project, environ={}) == project / "env"
    (project / ".venv").mkdir()
    assert find_environment(project, environ={}) == project / "env"  # no pyvenv.cfg yet
    (project / ".venv" / "pyvenv.cfg").write_text("", encoding="utf-8")
    assert find_environment(project, environ={}) == project / ".venv"
    other = tmp_path / "other"
    other.mkdir()
    active = tmp_path / "active"
    active.mkdir()
    (active / "pyvenv.cfg").write_text("", encoding="utf-8")
    assert find_environment(other, environ={"VIRTUAL_ENV": str(active)}) == active
    assert find_environment(other, environ={"VIRTUAL_ENV": str(tmp_path / "gone")}) is None


# --- graph: every expected value below was counted by hand on the fixture ---------------


def test_graph_roots_edges_and_missing(venv: Path) -> None:
    graph = DependencyGraph.from_environment(read_environment(venv))
    assert graph.roots == ("app", "devtool", "oldpkg", "tomli", "tool")
    assert graph.edges["app"] == {"lib-a", "lib-b"}  # tomli: python 3.11; devtool: extra
    assert graph.edges["lib-b"] == {"shared", "lib-d"}  # extra1 requested by app
    assert graph.edges["lib-c"] == {"lib-a"}
    assert graph.missing == {}
    assert graph.requirers("shared") == {"lib-a", "lib-b", "tool"}


def test_graph_closures(venv: Path) -> None:
    graph = DependencyGraph.from_environment(read_environment(venv))
    assert graph.closure("app") == {"lib-a", "lib-b", "lib-c", "lib-d", "shared"}
    assert graph.closure("App", include_self=True) == {
        "app", "lib-a", "lib-b", "lib-c", "lib-d", "shared",
    }
    assert graph.closure("lib-a") == {"lib-c", "shared"}  # the cycle back to lib-a is left out
    assert graph.closure("tool") == {"shared"}
    assert graph.closure("not-installed") == set()
    assert graph.exclusive_closure("app") == {"lib-a", "lib-b", "lib-c", "lib-d"}
    assert graph.exclusive_closure("tool") == set()
    assert graph.exclusive_closure("tool", roots=["tool"]) == {"shared"}


def test_graph_paths(venv: Path) -> None:
    graph = DependencyGraph.from_environment(read_environment(venv))
    assert graph.paths_to("shared") == [("tool", "shared"), ("app", "lib-a", "shared")]
    assert graph.paths_to("shared", limit=1) == [("tool", "shared")]
    assert graph.paths_to("lib-d") == [("app", "lib-b", "lib-d")]
    assert graph.paths_to("lib-c") == [("app", "lib-a", "lib-c")]
    assert graph.paths_to("app") == [("app",)]
    assert graph.paths_to("nope") == []


def test_graph_extras_python_version_and_explicit_roots(venv: Path) -> None:
    env = read_environment(venv)
    with_dev = DependencyGraph.from_environment(env, extras_of={"APP": {"dev"}})
    assert "devtool" not in with_dev.roots
    assert with_dev.paths_to("devtool") == [("app", "devtool")]

    old_python = DependencyGraph.from_environment(env, python_version="3.10")
    assert "tomli" in old_python.edges["app"]
    assert old_python.paths_to("tomli") == [("app", "tomli")]

    declared = DependencyGraph.from_environment(env, roots=["app", "Tool", "not-installed"])
    assert declared.roots == ("app", "tool")
    assert declared.exclusive_closure("app") == {"lib-a", "lib-b", "lib-c", "lib-d"}
    assert declared.exclusive_closure("tool") == set()
    assert declared.paths_to("devtool") == []

    with_cli = DependencyGraph.from_environment(env, extras_of={"tool": ["cli"]})
    assert with_cli.missing == {"tool": {"click"}}


def test_graph_cycle_without_outside_requirer_gets_a_root(tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    site.mkdir()
    dist_info(site, "ping", "1", requires=("pong",))
    dist_info(site, "pong", "1", requires=("ping",))
    graph = DependencyGraph.from_environment(read_environment(site))
    assert graph.roots == ("ping",)
    assert graph.paths_to("pong") == [("ping", "pong")]
    assert graph.closure("ping") == {"pong"}


def test_matches_importlib_metadata_on_this_interpreters_site_packages() -> None:
    """Ground truth from the standard library, on a real site-packages (read, not imported)."""
    import importlib.metadata
    import site

    from packaging.utils import canonicalize_name

    folder = Path(site.getsitepackages()[0])
    dists = [d for d in importlib.metadata.distributions(path=[str(folder)]) if d.metadata["Name"]]
    expected = sorted((canonicalize_name(d.metadata["Name"]), d.version) for d in dists)
    env = read_environment(folder)
    assert sorted((p.name, p.version) for p in env.packages) == expected
    ours = {(p.name, p.version): p for p in env.packages}
    for dist in dists:
        package = ours[(canonicalize_name(dist.metadata["Name"]), dist.version)]
        assert package.requires_dist == tuple(dist.requires or ())
