from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from packaging.utils import canonicalize_name

from loopback import LoopbackServer
from pipwarden.models import InstalledPackage
from pipwarden.pypi.client import FetchResult, PyPIClient
from pipwarden.settings import Settings
from pipwarden.slim import run_slim
from pipwarden.slim.weight import graph_from_pypi, subtree_weights
from pipwarden.sources.graph import DependencyGraph
from pipwarden.vet import VetRequest

# A small environment, counted by hand:
#
#   app ──┬─ web ──┬─ http ── certs
#         │        └─ templ ── escape
#         └─ certs
#   cli ──┬─ http            (shared with web)
#         ├─ color ; sys_platform == "win32"   (never on Linux: marker false)
#         └─ backport ; python_version < "3.11"  (venv is 3.12: not counted)
#   data[fast] ── speedups   (extra asked for by the project)
#   data ── numbers
#   lonely                    (no dependencies)
REQUIRES = {
    "app": ["web>=1", "certs"],
    "web": ["http", "templ"],
    "http": ["certs"],
    "templ": ["escape"],
    "escape": [],
    "certs": [],
    "cli": ["http", 'color; sys_platform == "win32"', 'backport; python_version < "3.11"'],
    "color": [],
    "backport": [],
    "Data": ["numbers", 'speedups; extra == "fast"', "not a valid requirement ((("],
    "numbers": [],
    "speedups": [],
    "lonely": [],
}


def _build(
    requires: Mapping[str, Iterable[str]],
    python_version: str | None = "3.12.1",
    extras_of: Mapping[str, Iterable[str]] | None = None,
) -> DependencyGraph:
    packages = [
        InstalledPackage(canonicalize_name(name), name, "1", "", tuple(reqs))
        for name, reqs in requires.items()
    ]
    return DependencyGraph.from_packages(
        packages, python_version=python_version, extras_of=extras_of
    )


def _graph(**extras_of: tuple[str, ...]) -> DependencyGraph:
    return _build(REQUIRES, extras_of=extras_of)


def test_closure_hand_count() -> None:
    g = _graph()
    assert g.closure("app") == {"web", "http", "templ", "escape", "certs"}
    assert g.closure("cli") == {"http", "certs"}
    assert g.closure("data") == {"numbers"}
    assert _graph(data=("fast",)).closure("data") == {"numbers", "speedups"}
    assert g.closure("lonely") == frozenset()
    assert "missing" not in g.packages


def test_python_version_marker_follows_the_environment() -> None:
    old = _build(REQUIRES, python_version="3.10.4")
    assert old.closure("cli") == {"http", "certs", "backport"}


def test_subtree_weights_hand_count() -> None:
    weights = {
        w.name: (len(w.brings), len(w.only_through), w.only_through, w.installed)
        for w in subtree_weights(
            _graph(data=("fast",)),
            {"app": (), "cli": (), "data": ("fast",), "lonely": (), "ghost": ()},
        )
    }
    assert weights == {
        # app brings 5; http and certs are also reached from cli → 3 only through app
        "app": (5, 3, ("escape", "templ", "web"), True),
        # cli brings http, certs; app reaches both → nothing leaves with cli
        "cli": (2, 0, (), True),
        "data": (2, 2, ("numbers", "speedups"), True),
        "lonely": (0, 0, (), True),
        "ghost": (0, 0, (), False),  # declared, not installed
    }


def test_a_root_reached_through_another_root_does_not_leave() -> None:
    # web is declared too: removing app keeps web (and its subtree) for the project
    weights = {w.name: w.only_through for w in subtree_weights(_graph(), {"app": (), "web": ()})}
    assert weights == {"app": (), "web": ()}


def test_cycles_terminate() -> None:
    g = _build({"a": ["b"], "b": ["c"], "c": ["a"]}, python_version=None)
    assert g.closure("a") == {"b", "c"}


# -- without an environment: PyPI metadata served over loopback ------------------------

PYPI = Path(__file__).parent / "data" / "slim" / "pypi"


def _project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("requests>=2.31\nhttpx>=0.27\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    (tmp_path / "main.py").write_text("import requests\nimport httpx\n")
    return tmp_path


def test_weight_from_pypi_metadata_hand_count(tmp_path: Path, http_server: LoopbackServer) -> None:
    for file in PYPI.glob("*.json"):
        data = json.loads(file.read_text())
        version = data["info"]["version"]  # the trimmed answers list no releases
        data["releases"] = {version: [{"filename": f"x-{version}.tar.gz", "yanked": False}]}
        http_server.add(f"/pypi/{file.stem}/json", json.dumps(data).encode())
    settings = replace(Settings.from_env(), pypi_url=http_server.url)
    report = run_slim(_project(tmp_path), settings=settings)
    weights = {w.name: (w.brings, w.only_through) for w in report.weights}
    # requests 2.34.2 ─ charset-normalizer, idna, urllib3, certifi (extras not asked)
    # httpx 0.28.1 ─ anyio ─ idna, typing-extensions (exceptiongroup only < 3.11;
    #              │         typing-extensions: 404, brought in all the same, as vet counts
    #              │         it; only what it brings is unknown)
    #              ├ certifi
    #              ├ httpcore ─ certifi, h11
    #              └ idna
    assert weights == {
        "requests": (
            ("certifi", "charset-normalizer", "idna", "urllib3"),
            ("charset-normalizer", "urllib3"),
        ),
        "httpx": (
            ("anyio", "certifi", "h11", "httpcore", "idna", "typing-extensions"),
            ("anyio", "h11", "httpcore", "typing-extensions"),
        ),
    }
    assert report.weight_note is not None
    assert "PyPI" in report.weight_note and "typing-extensions" in report.weight_note
    assert http_server.count("/pypi/exceptiongroup/json") == 0
    assert http_server.count("/pypi/certifi/json") == 1


def test_weight_unknown_offline_or_unreachable(tmp_path: Path) -> None:
    project = _project(tmp_path)
    offline = run_slim(project, offline=True)
    assert offline.weights == () and offline.weight_note is not None
    assert "offline" in offline.weight_note
    # conftest points PIPWARDEN_PYPI_URL at a closed loopback port
    unreachable = run_slim(project)
    assert unreachable.weights == ()
    assert unreachable.weight_note is not None and "did not answer" in unreachable.weight_note


class _Index:
    """A stand-in for the PyPI client: one release per name, its requirements as given."""

    offline = False
    max_workers = 2

    def __init__(self, requires: Mapping[str, Sequence[str]]) -> None:
        self.requires = requires

    def fetch_jobs(self, jobs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], FetchResult]:
        return {(kind, name): self._answer(name) for kind, name in jobs}

    def _answer(self, name: str) -> FetchResult:
        reqs = self.requires.get(name)
        if reqs is None:
            return FetchResult(name, None, "not on PyPI", not_found=True)
        info = {"name": name, "version": "1.0", "requires_dist": list(reqs)}
        return FetchResult(name, {"info": info, "releases": {"1.0": [{"filename": "x"}]}})


def test_index_graph_follows_extras_found_later() -> None:
    index = {
        "top": ("mid", "lib"),
        "mid": ("lib[extra]",),
        "lib": ('plugin; extra == "extra"',),
        "plugin": (),
    }
    client: PyPIClient = _Index(index)  # type: ignore[assignment]
    graph, missing = graph_from_pypi([VetRequest("top")], client, (3, 12))
    assert missing == ()
    assert graph.closure("top") == {"mid", "lib", "plugin"}


def test_index_graph_counts_unknown_packages_but_not_what_they_bring() -> None:
    index = {"top": ("known", "gone"), "known": ("leaf",), "leaf": ()}
    client: PyPIClient = _Index(index)  # type: ignore[assignment]
    graph, missing = graph_from_pypi([VetRequest("top")], client, (3, 12))
    assert missing == ("gone",)
    assert graph.closure("top") == {"known", "gone", "leaf"}
