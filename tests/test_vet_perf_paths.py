"""Fast paths of vet: provenance version matching, release times, simple-API trimming."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from packaging.version import InvalidVersion, Version

from loopback import LoopbackServer
from pipwarden.checks.provenance import _SameVersion
from pipwarden.checks.releases import release_times
from pipwarden.pypi.cache import HttpCache
from pipwarden.pypi.client import SIMPLE_JSON, PyPIClient, trim_simple
from pipwarden.settings import Settings

TEXTS = [
    "1.0", "1", "1.0.0", "v1.0", " 1.0", "1.0.post0", "1.0rc1", "1!1.0", "0!1.0",
    "1.0+local", "1.0+LOCAL.01", "1.01", "01.0", "2.0", "1.0.1", "1.0.dev0", "1.0a", "bogus",
    "1.0foo", "1..0", "10", "0.1", "V1.0.0",
]


@pytest.mark.parametrize("wanted", ["1.0", "1", "1!1.0", "1.0+local.1", "1.0.post0", "0.1"])
def test_same_version_matches_full_parse(wanted: str) -> None:
    same = _SameVersion(Version(wanted))
    for text in TEXTS:
        try:
            expected = Version(text) == Version(wanted)
        except InvalidVersion:
            expected = False
        assert same(f"pkg-{text}.tar.gz") is expected, (wanted, text)
        assert same(f"pkg-{text}.tar.gz") is expected, (wanted, text)  # remembered answer


def test_release_times_first_upload_and_yanked() -> None:
    releases: dict[str, object] = {
        "2.0": [
            {"upload_time_iso_8601": "2024-03-02T00:00:00Z", "yanked": True},
            {"upload_time": "2024-03-01T00:00:00", "yanked": True},
        ],
        "1.0": [
            {"upload_time_iso_8601": "2023-01-01T00:00:00Z", "yanked": False},
            "not a file",
            {"upload_time_iso_8601": "", "yanked": True},
        ],
        "0.1": [],
        "0.2": "junk",
        "0.3": [{"upload_time_iso_8601": "not a time"}],
    }
    got = release_times(releases)
    assert [(t.isoformat(), v, y) for t, v, y in got] == [
        ("2023-01-01T00:00:00+00:00", "1.0", False),
        ("2024-03-01T00:00:00+00:00", "2.0", True),
    ]


def test_trim_simple_collapses_the_files_of_one_version() -> None:
    files = [
        {"filename": "a-1.0.tar.gz", "yanked": False, "provenance": None},
        {"filename": "a-1.0.zip", "yanked": False, "provenance": None},
        {"filename": "a-1.0.zip", "yanked": False, "provenance": "https://x/p"},
        {"filename": "a-1.0-py3-none-any.whl", "yanked": False, "provenance": None},
        {"filename": "a-1.0-odd.whl", "yanked": False, "provenance": None},
        {"filename": "a-2.0.tar.gz", "yanked": False, "provenance": None},
        {"filename": "a-2.0.tar.gz", "yanked": True, "provenance": None},
        {"filename": "a-3.0-py3-none-any.whl", "yanked": False, "provenance": None},
        {"filename": "weird.exe", "yanked": False},
        {"filename": "weird2.exe", "yanked": False},
    ]
    got = [f["filename"] for f in trim_simple({"files": files})["files"]]
    # one file per (version text, attested, yanked), sdists and wheels alike; a wheel name
    # with too few parts and unknown kinds keep groups of their own
    assert got == [
        "a-1.0.tar.gz", "a-1.0.zip", "a-1.0-odd.whl", "a-2.0.tar.gz", "a-2.0.tar.gz",
        "a-3.0-py3-none-any.whl", "weird.exe", "weird2.exe",
    ]


def test_cache_entries_of_an_older_format_are_not_read(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    answer = {"name": "demo", "files": [{"filename": "demo-1.0.tar.gz", "provenance": None}]}
    http_server.add("/simple/demo/", json.dumps(answer))
    settings = Settings(
        cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url, timeout=2.0
    )
    cache = HttpCache(tmp_path / "pypi")
    # what an older pipwarden cached under the unversioned key: must be ignored
    old_key = f"{SIMPLE_JSON} {http_server.url.rstrip('/')}/simple/demo/"
    cache.put(old_key, json.dumps({"name": "stale", "files": []}).encode())
    client = PyPIClient(settings, cache=cache, progress=False)
    got = client.simple("demo")
    assert got.data is not None and got.data["name"] == "demo" and not got.from_cache
    assert http_server.count("/simple/demo/") == 1
    again = client.simple("demo")
    assert again.from_cache and again.data == got.data


def test_two_edit_index_built_per_shape_matches_brute_force() -> None:
    from pipwarden.checks.typosquat import TyposquatIndex, _raw_forms, osa_distance

    ranking = [
        "requests", "matplotlib", "colorama", "beautifulsoup", "setuptools", "numpy",
        "cryptography", "pandas", "typingextensions", "charsetnormalizer", "sqlalchemy",
    ]
    index = TyposquatIndex(ranking, far_rank=20)
    queries = ["reqesst", "matpllotib", "colorona", "beautifilsoop", "sqlalchemi", "zzzzzzzz",
               "cryptograpy", "setuptoolz", "requests"]
    for text in queries:
        got = sorted(index._two_edits(text, len(ranking)))
        expected = sorted(
            i for i, name in enumerate(ranking)
            if len(r := _raw_forms(name)[0]) >= index.far_min_length
            and r[0] == text[0] and osa_distance(text, r, limit=3) == 2
        )
        assert got == expected, text
    # only the shapes the queries could reach were indexed
    assert ("c", 17) not in index._far_indexed and ("t", 16) not in index._far_indexed
    assert ("r", 8) in index._far_indexed


def _forms_reference(norm: str) -> tuple[str, frozenset[str], str | None]:
    """The straightforward definition the fast ``_forms`` must agree with."""
    from pipwarden.checks.typosquat import shapes as t

    words = [w for w in norm.split("-") if w]
    collapsed = "".join(words)
    forms = {collapsed}
    kept = [w for w in words if w not in t._AFFIX_WORDS]
    if kept and len(kept) < len(words):
        forms.add("".join(kept))
    if collapsed.startswith(("py", "lib")) or collapsed.endswith(t._SUFFIXES):
        forms |= t._strip_affixes(collapsed)
    main = t._skeleton(collapsed)
    cores = (
        frozenset((main,)) if len(forms) == 1 else frozenset(t._skeleton(f) for f in forms if f)
    )
    order = "|".join(sorted(t._skeleton(w) for w in kept)) if len(kept) >= 2 else None
    return main, cores, order


def test_fast_forms_agree_with_their_definition() -> None:
    from pipwarden.checks.typosquat import _forms, _raw_forms
    from pipwarden.toplist import load_toplist

    names = [*load_toplist().names, "", "-", "a--b", "-lib-", "py", "python-lib", "pyrn-vv",
             "lib-lib", "requests-python", "python3-dateutil", "libhtml5", "x-py"]
    for name in names:
        assert _forms(name) == _forms_reference(name), name
        assert _raw_forms(name) == ("".join(w for w in name.split("-") if w),), name


def test_provenance_is_the_same_on_raw_and_trimmed_simple_answers() -> None:
    from datetime import UTC, datetime

    from pipwarden.checks import PackageContext, provenance

    rng = random.Random(7)
    versions = ["1.0", "1.0.0", "1.1", "2.0rc1", "2.0", "v2.1", "1!1.0", "3.0.post1", "bad-x"]
    files = []
    for v in versions:
        for suffix in (".tar.gz", ".zip", "-py3-none-any.whl", "-cp312-cp312-linux_x86_64.whl"):
            f: dict[str, object] = {"filename": f"pkg-{v}{suffix}", "yanked": rng.random() < 0.2}
            roll = rng.random()
            if roll < 0.7:
                f["provenance"] = "https://x/p" if roll < 0.3 else None
            files.append(f)
    raw = {"name": "pkg", "files": files}
    trimmed = trim_simple(raw)
    assert len(trimmed["files"]) < len(files)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for wanted in [*versions, "1", "2.0.0", "9.9", None]:
        a = provenance.check(PackageContext("pkg", now, version=wanted, simple=raw))
        b = provenance.check(PackageContext("pkg", now, version=wanted, simple=trimmed))
        assert a == b, wanted
