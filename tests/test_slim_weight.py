from __future__ import annotations

from pipwarden.slim.weight import DependencyGraph, subtree_weights

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


def _graph() -> DependencyGraph:
    return DependencyGraph(REQUIRES, python_version="3.12.1")


def test_closure_hand_count() -> None:
    g = _graph()
    assert g.closure("app") == {"web", "http", "templ", "escape", "certs"}
    assert g.closure("cli") == {"http", "certs"}
    assert g.closure("data") == {"numbers"}
    assert g.closure("data", ["fast"]) == {"numbers", "speedups"}
    assert g.closure("lonely") == frozenset()
    assert "missing" not in g


def test_python_version_marker_follows_the_environment() -> None:
    old = DependencyGraph(REQUIRES, python_version="3.10.4")
    assert old.closure("cli") == {"http", "certs", "backport"}


def test_subtree_weights_hand_count() -> None:
    weights = {
        w.name: (len(w.brings), len(w.only_through), w.only_through, w.installed)
        for w in subtree_weights(
            _graph(), {"app": (), "cli": (), "data": ("fast",), "lonely": (), "ghost": ()}
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
    g = DependencyGraph({"a": ["b"], "b": ["c"], "c": ["a"]})
    assert g.closure("a") == {"b", "c"}
