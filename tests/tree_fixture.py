"""A small synthetic dependency tree, served as PyPI answers and built as wheels.

``treetop`` brings in nine packages on Linux with Python 3.11: extras asked for by a
requirer (``beta[fast]``) and not (``kappa``: extra "slow"), environment markers that hold
(``zeta``) and do not (``gamma``, ``epsilon``), an extra of the root nobody asked for
(``delta``), and ``shared`` required from three places. ``other`` is a second root pinned
at an older release whose requirements differ from its latest one's.

:func:`tree` can spell beta's extra ``extra == "Fast"``: the same extra (PEP 685 compares
normalised names, as ``packaging`` does), which ``vet`` used to skip while slim counted
it. pip 23 (the one ``venv`` bundles with Python 3.11) does not normalise it yet, so the
tree a real pip installs is built with the plain spelling.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from loopback import LoopbackServer, Route

__all__ = ["BRINGS", "PYTHON", "TREE", "install_tree_index", "tree", "tree_wheels"]

PYTHON = "3.11"

# name -> {version: requires_dist}; the last version listed is the latest
TREE: dict[str, dict[str, list[str]]] = {
    "treetop": {
        "1.0": ["alpha"],
        "2.0": [
            "alpha>=1.0",
            "beta[fast]>=1.0",
            'gamma; python_version < "3.8"',
            'delta; extra == "dev"',
            'epsilon; sys_platform == "win32"',
            'zeta; python_version >= "3.10"',
            "shared",
        ],
    },
    "alpha": {"1.0": ["shared>=1", "eta"]},
    "beta": {"1.0": ["theta", 'iota; extra == "fast"', 'kappa; extra == "slow"']},
    "iota": {"1.0": ["lambda-pkg", "shared"]},
    "theta": {"1.0": ['mu; extra == "fast" and python_version >= "3"']},
    "zeta": {"1.0": ["nu"]},
    "other": {"1.0": ["shared", "eta", "xi"], "2.0": ["shared"]},
    **{n: {"1.0": []} for n in (
        "shared", "eta", "lambda-pkg", "mu", "nu", "xi", "gamma", "delta", "epsilon", "kappa"
    )},
}



def tree(extra_spelling: str = "fast") -> dict[str, dict[str, list[str]]]:
    """:data:`TREE` with beta's extra spelled ``extra_spelling`` in its marker."""
    out = dict(TREE)
    out["beta"] = {"1.0": [r.replace('extra == "fast"', f'extra == "{extra_spelling}"')
                           for r in TREE["beta"]["1.0"]]}
    return out


#: what ``treetop`` (its newest release) brings in, on Linux with Python 3.11
BRINGS = sorted(["alpha", "beta", "eta", "iota", "lambda-pkg", "nu", "shared", "theta", "zeta"])


def _files(name: str, version: str) -> list[dict[str, Any]]:
    module = name.replace("-", "_")
    return [{"filename": f"{module}-{version}-py3-none-any.whl", "packagetype": "bdist_wheel",
             "upload_time_iso_8601": "2025-01-01T00:00:00Z", "yanked": False,
             "requires_python": ">=3.8"}]


def _info(name: str, version: str, requires: list[str]) -> dict[str, Any]:
    return {"name": name, "version": version, "summary": f"test package {name}",
            "requires_dist": requires, "requires_python": ">=3.8",
            "project_urls": {"Source": f"https://github.com/example/{name}"}}


def install_tree_index(server: LoopbackServer, extra_spelling: str = "fast") -> None:
    """Serve :func:`tree` as PyPI JSON (project and release answers) and simple answers."""
    for name, releases in tree(extra_spelling).items():
        latest = list(releases)[-1]
        project = {
            "info": _info(name, latest, releases[latest]),
            "releases": {v: _files(name, v) for v in releases},
            "urls": _files(name, latest),
            "ownership": {"organization": None,
                          "roles": [{"role": "Owner", "user": "a"},
                                    {"role": "Maintainer", "user": "b"}]},
        }
        server.routes[f"/pypi/{name}/json"] = Route(
            body=json.dumps(project).encode(), headers={"Content-Type": "application/json"}
        )
        for version, requires in releases.items():
            release = {"info": _info(name, version, requires), "urls": _files(name, version)}
            server.routes[f"/pypi/{name}/{version}/json"] = Route(
                body=json.dumps(release).encode(), headers={"Content-Type": "application/json"}
            )
        simple = {"meta": {"api-version": "1.1"}, "name": name,
                  "files": [{"filename": f["filename"], "upload-time": f["upload_time_iso_8601"],
                             "yanked": False, "provenance": None}
                            for v in releases for f in _files(name, v)]}
        server.routes[f"/simple/{name}/"] = Route(
            body=json.dumps(simple).encode(), headers={"Content-Type": "application/json"}
        )


def tree_wheels(folder: Path) -> Path:
    """Every release of :data:`TREE` as a wheel in ``folder`` (for a real pip)."""
    from wheelhouse import make_wheel

    for name, releases in TREE.items():
        for version, requires in releases.items():
            extras = sorted({m.group(1) for r in requires
                             if (m := re.search(r'extra == "([^"]+)"', r))})
            make_wheel(folder, name, version, requires=requires, provides_extra=extras)
    return folder
