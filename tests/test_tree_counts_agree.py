"""Issue [9] "Answers that disagree": what a package brings in is one number in every
command (vet, vet --tree, slim, check's vet and slim parts, update's new packages, the HTML
dependency tree), with the same markers and extras, before and after the venv exists.

The tree is :mod:`tree_fixture`'s, served by a loopback index and built as wheels.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from loopback import LoopbackServer
from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source
from tree_fixture import BRINGS, PYTHON, TREE, install_tree_index, tree_wheels
from update_helpers import copy_venv, pip_install, use_isolated_pip

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "osv-sample.zip"

#: ``other==1.0`` (not its latest release) brings these
OTHER_BRINGS = ["eta", "shared", "xi"]
#: the project asks for ``treetop[dev]``: its extra brings ``delta`` too
TOP_BRINGS = sorted([*BRINGS, "delta"])
#: never brought in: a marker that does not hold, an extra nobody asks for
LEFT_OUT = {"gamma", "epsilon", "kappa", "mu"}


@pytest.fixture(params=["fast"])
def project(
    request: pytest.FixtureRequest, tmp_path: Path, http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """The project (``treetop>=1.0``, ``other==1.0``, Python 3.11), served with beta's
    extra spelled as the test's parameter says."""
    install_tree_index(http_server, request.param)
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    db = Path(os.environ["XDG_CACHE_HOME"]) / "pipwarden" / "osv.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    import_source(SAMPLE, db)
    as_current(db)
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text("treetop[dev]>=1.0\nother==1.0\n")
    (root / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nversion = "0"\nrequires-python = ">={PYTHON}"\n'
    )
    (root / "main.py").write_text("import treetop\nimport other\n")
    return root


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, Any]:
    main([*args, "-f", "json"])
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def _vet_brings(report: dict[str, Any]) -> dict[str, list[str]]:
    """The packages each vetted package brings in, from its weight signal."""
    out: dict[str, list[str]] = {}
    for pkg in report["packages"]:
        for signal in pkg["signals"]:
            if signal["id"] == "weight" and "packages" in signal["evidence"]:
                out[pkg["name"]] = sorted(signal["evidence"]["packages"])
    return out


def _slim_brings(report: dict[str, Any]) -> dict[str, list[str]]:
    return {w["name"]: sorted(w["brings"]) for w in report["subtree_weight"]["dependencies"]}


class _TreeParser(HTMLParser):
    """The first ``<ul class="tree">`` as name → every name drawn below it."""

    def __init__(self) -> None:
        super().__init__()
        self.below: dict[str, set[str]] = {}
        self.path: list[str | None] = []  # the node of each open <li>
        self.in_node = False
        self.depth = 0  # <ul> nesting inside the tree; 0 before and after it
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if self.done:
            return
        if tag == "ul" and (self.depth or "tree" in classes):
            self.depth += 1
        elif tag == "li" and self.depth:
            self.path.append(None)
        elif tag == "span" and "node" in classes and self.path:
            self.in_node = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "ul" and self.depth:
            self.depth -= 1
            self.done = self.depth == 0
        elif tag == "li" and self.depth and self.path:
            self.path.pop()

    def handle_data(self, data: str) -> None:
        if self.in_node and data.strip():
            name = data.split()[0]
            self.path[-1] = name
            self.below.setdefault(name, set())
            for parent in self.path[:-1]:
                if parent is not None:
                    self.below[parent].add(name)
            self.in_node = False


def _html_tree(html: str) -> dict[str, set[str]]:
    parser = _TreeParser()
    parser.feed(html)
    return parser.below


def _commands_before_install(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> dict[str, dict[str, list[str]]]:
    """What each command says the two roots bring in, without a venv (PyPI metadata)."""
    py = ("--python", PYTHON)
    seen: dict[str, dict[str, list[str]]] = {}
    seen["vet NAME"] = _vet_brings(_json(capsys, "vet", "treetop[dev]", "other==1.0", *py))
    tree = _json(capsys, "vet", "treetop[dev]", *py, "--tree")
    seen["vet --tree"] = {
        **_vet_brings(tree),
        "treetop (tree size)": sorted(p["name"] for p in tree["packages"] if not p["direct"]),
    }
    seen["vet NAME (no extra)"] = {
        "treetop (no extra)": _vet_brings(_json(capsys, "vet", "treetop", *py))["treetop"]
    }
    seen["vet -r --tree"] = _vet_brings(
        _json(capsys, "vet", "-r", str(project / "requirements.txt"), *py, "--tree")
    )
    seen["slim"] = _slim_brings(_json(capsys, "slim", str(project)))
    check = _json(capsys, "check", str(project))
    seen["check: vet part"] = _vet_brings(check["vet"])
    seen["check: slim part"] = _slim_brings(check["slim"])
    return seen


@pytest.mark.parametrize("project", ["fast", "Fast"], indirect=True)
def test_every_command_counts_the_same_packages_brought_in(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _commands_before_install(project, capsys)
    expected = {"treetop": TOP_BRINGS, "other": OTHER_BRINGS, "treetop (no extra)": BRINGS,
                "treetop (tree size)": TOP_BRINGS}
    for command, brings in seen.items():
        for name, packages in brings.items():
            if name in expected:
                assert packages == expected[name], (command, name)
    assert all("treetop" in b for c, b in seen.items() if c != "vet NAME (no extra)")
    assert "other" in seen["slim"] and "other" in seen["check: slim part"]


@pytest.mark.parametrize("project", ["Fast"], indirect=True)
def test_text_reports_say_the_same_number(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The numbers people read: vet's "Brings N", slim's "brings N", check's heaviest."""
    n = len(TOP_BRINGS)
    main(["vet", "treetop[dev]", "--python", PYTHON])
    assert re.search(rf"[Bb]rings {n} packages", capsys.readouterr().out)
    main(["slim", str(project)])
    assert re.search(rf"treetop\[dev\]>=1\.0\s+brings {n} packages", capsys.readouterr().out)
    main(["check", str(project)])
    out = capsys.readouterr().out
    assert f"heaviest: treetop brings {n} packages" in out, out


def test_update_and_the_installed_tree_agree_with_vet(
    project: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`update` installs the tree with a real pip: the packages new in the tree are what
    vet --tree said the requirements bring; then slim, check and the HTML tree read the
    venv and say the same."""
    use_isolated_pip(monkeypatch)
    wheels = tree_wheels(tmp_path / "wheels")
    copy_venv(tmp_path_factory, project / ".venv")
    with (project / "pyproject.toml").open("a") as policy:  # treetop is heavy
        policy.write("\n[tool.pipwarden.vet]\nheavy-dependencies = 5\n")
    vetted = _json(capsys, "vet", "-r", str(project / "requirements.txt"), "--python", PYTHON,
                   "--tree")
    expected_tree = sorted(p["name"] for p in vetted["packages"])
    update = _json(capsys, "update", str(project), "--find-links", str(wheels), "--no-index",
                   "--no-audit")
    added = sorted(c["name"] for c in update["added"])
    assert added == expected_tree == sorted({"treetop", "other", *TOP_BRINGS, *OTHER_BRINGS})
    via = {c["name"]: c["via"] for c in update["added"]}
    assert via["delta"] == ["treetop"] and via["iota"] == ["treetop", "beta"]
    assert update.get("orphaned", []) == []
    # with the venv: the installed graph
    assert _slim_brings(_json(capsys, "slim", str(project)))["treetop"] == TOP_BRINGS
    check = _json(capsys, "check", str(project))
    assert _slim_brings(check["slim"])["treetop"] == TOP_BRINGS
    assert _vet_brings(check["vet"])["treetop"] == TOP_BRINGS
    # update's concern line for the new package and check's risk part: one sentence
    concerns = {c["name"]: c["concerns"] for c in update["added"]}
    heavy = [k["message"] for k in concerns["treetop"] if k["signal"] == "weight"]
    said = [s["message"] for p in check["vet"]["packages"] if p["name"] == "treetop"
            for s in p["signals"] if s["id"] == "weight"]
    assert heavy == said and f"brings {len(TOP_BRINGS)} packages" in heavy[0]
    page = tmp_path / "report.html"
    main(["check", str(project), "-f", "html", "-o", str(page)])
    capsys.readouterr()
    html = page.read_text("utf-8")
    # the tree of the venv, its roots the packages nobody requires (pip's own among them)
    below = _html_tree(html[html.index("Dependency tree"):])
    assert sorted(below["treetop"]) == TOP_BRINGS
    assert sorted(below["other"]) == OTHER_BRINGS
    drawn = set(below) | {n for under in below.values() for n in under}
    assert drawn - {"pip", "setuptools", "wheel"} == {"treetop", "other", *TOP_BRINGS,
                                                     *OTHER_BRINGS}
    assert set(TREE) - drawn == LEFT_OUT


def test_check_counts_the_venv_tree_in_both_parts(
    project: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A venv holding an older release (treetop 1.0: alpha only) than the newest the range
    admits (2.0): check's risk part counted 2.0's tree from PyPI (10 packages), its slim
    part the venv's (3)."""
    wheels = tree_wheels(tmp_path / "wheels")
    venv = copy_venv(tmp_path_factory, project / ".venv")
    pip_install(venv, "--find-links", str(wheels), "treetop==1.0", "other==1.0")
    check = _json(capsys, "check", str(project))
    assert _slim_brings(check["slim"])["treetop"] == ["alpha", "eta", "shared"]
    assert _vet_brings(check["vet"])["treetop"] == ["alpha", "eta", "shared"]
    assert _vet_brings(check["vet"])["other"] == OTHER_BRINGS


def test_update_cooldown_closure_follows_the_same_rule() -> None:
    """The names whose releases the cooldown constrains (when pip cannot filter by upload
    time) are the tree the other commands count: it skipped every requirement with an
    extra in its marker (``beta[fast]``'s iota, the project's ``treetop[dev]``'s delta:
    never constrained) and evaluated no other marker (gamma, epsilon)."""
    from pipwarden.update.pypidata import _closure_names

    latest = {name: {"info": {"name": name, "version": list(rel)[-1],
                              "requires_dist": rel[list(rel)[-1]]}}
              for name, rel in TREE.items()}

    class Source:
        def fetch_many(self, names: Sequence[str]) -> dict[str, dict[str, Any] | None]:
            return {n: latest.get(n) for n in names}

    found = _closure_names(["treetop", "other"], Source(), extras_of={"treetop": ["dev"]},
                           python_version=f"{PYTHON}.4")
    # other's latest release (2.0) requires only shared
    assert sorted(found) == sorted({"treetop", "other", *TOP_BRINGS})
