"""Matching over sort keys (``pipwarden.vulndb.matching``) against the full-decode path.

The store keeps each event version as a :func:`sort_key` and matching compares strings;
the reference parses every record of the recorded archive in full and evaluates it with
``advisory_affects`` on :class:`packaging.version.Version`. Any divergence, on any version
any record names (and its local build, post-release and release candidate), fails.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import InvalidVersion, Version

from pipwarden.vulndb.matching import sort_key
from pipwarden.vulndb.osv import normalize_name, parse_record
from pipwarden.vulndb.ranges import advisory_affects
from pipwarden.vulndb.store import VulnStore
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"

_numbers = st.integers(min_value=0, max_value=10**25)
_small = st.integers(min_value=0, max_value=12)
_local_part = st.one_of(st.from_regex(r"[a-z0-9]{1,4}", fullmatch=True), _small.map(str))


@st.composite
def _versions(draw: st.DrawFn) -> Version:
    text = ""
    if draw(st.booleans()):
        text += f"{draw(_small)}!"
    text += ".".join(str(draw(st.one_of(_small, _numbers)))
                     for _ in range(draw(st.integers(1, 5))))
    if draw(st.booleans()):
        text += draw(st.sampled_from(["a", "b", "rc"])) + str(draw(_small))
    if draw(st.booleans()):
        text += f".post{draw(_small)}"
    if draw(st.booleans()):
        text += f".dev{draw(_small)}"
    if draw(st.booleans()):
        text += "+" + ".".join(draw(st.lists(_local_part, min_size=1, max_size=4)))
    return Version(text)


@given(_versions(), _versions())
@settings(max_examples=1500, deadline=None)
def test_sort_key_orders_as_pep_440(a: Version, b: Version) -> None:
    ka, kb = sort_key(a), sort_key(b)
    assert (ka < kb) == (a < b)
    assert (ka == kb) == (a == b)


@pytest.mark.parametrize(
    "texts",
    [
        ["1.0.dev1", "1.0a1.dev1", "1.0a1", "1.0b2.post1.dev3", "1.0rc1", "1.0", "1.0.0",
         "1.0+abc", "1.0+abc.1", "1.0+1", "1.0+1.abc", "1.0.post1.dev0", "1.0.post1",
         "1.0.1", "1!0.1", "1.0+ABC", "01.0", "1.0-1", "1.0c1", "1.0pre2"],
    ],
)
def test_sort_key_on_tricky_spellings(texts: list[str]) -> None:
    versions = [Version(t) for t in texts]
    for a in versions:
        for b in versions:
            assert (sort_key(a) < sort_key(b)) == (a < b)
            assert (sort_key(a) == sort_key(b)) == (a == b)


def _archive() -> tuple[list[tuple[str, str]], dict[str, list[object]]]:
    """Every (package, version) any record names, plus neighbours and a local build; and
    every record of the archive parsed in full (the reference path), per package."""
    pins: dict[tuple[str, str], None] = {}
    by_package: dict[str, list[object]] = {}
    with zipfile.ZipFile(ARCHIVE) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".json"):
                continue
            data = json.loads(zf.read(member))
            adv = parse_record(data, source=member)
            if adv.withdrawn is None:
                for package in dict.fromkeys(a.package for a in adv.affected):
                    by_package.setdefault(package, []).append(adv)
            for aff in data.get("affected", []):
                name = normalize_name(aff["package"]["name"])
                texts = list(aff.get("versions", []))
                for rng in aff.get("ranges", []):
                    texts.extend(v for e in rng.get("events", []) for v in e.values())
                for text in texts:
                    pins[(name, text)] = None
                    try:
                        v = Version(text)
                    except InvalidVersion:
                        continue
                    pins[(name, f"{v.public}+local1")] = None
                    pins[(name, f"{v.base_version}.post1")] = None
                    pins[(name, f"{v.base_version}rc1")] = None
                    pins[(name, f"{v.base_version}.dev0")] = None
    return list(pins), by_package


def test_every_archive_version_matches_as_the_full_decode_path(tmp_path: Path) -> None:
    pins, by_package = _archive()
    assert len(pins) > 30_000
    db = tmp_path / "osv.sqlite3"
    import_source(ARCHIVE, db)
    with VulnStore.open(db) as store:
        checked = store.check_pins(pins)
    got = {k: sorted(a.id for a in v) for k, v in checked.hits.items()}
    expected: dict[tuple[str, str], list[str]] = {}
    for name, version in pins:
        hits = sorted(
            a.id for a in by_package.get(name, ())  # type: ignore[attr-defined]
            if advisory_affects(a, name, version)  # type: ignore[arg-type]
        )
        if hits:
            expected[(name, version)] = hits
    assert not checked.unchecked
    missing = sorted(set(expected) - set(got))[:5]
    extra = sorted(set(got) - set(expected))[:5]
    differ = sorted(k for k in set(got) & set(expected) if got[k] != expected[k])[:5]
    assert not missing and not extra and not differ, (len(missing), len(extra), len(differ))
    assert got == expected
    assert len(expected) > 5_000


def test_sort_keys_of_every_archive_version_sort_as_versions() -> None:
    versions: dict[str, Version] = {}
    with zipfile.ZipFile(ARCHIVE) as zf:
        for member in zf.namelist():
            if not member.endswith(".json"):
                continue
            for aff in json.loads(zf.read(member)).get("affected", []):
                texts = list(aff.get("versions", []))
                for rng in aff.get("ranges", []):
                    texts.extend(v for e in rng.get("events", []) for v in e.values())
                for text in texts:
                    try:
                        versions[text] = Version(text)
                    except InvalidVersion:
                        continue
    items = list(versions.values())
    assert len(items) > 10_000
    by_version = sorted(items)
    by_key = sorted(items, key=sort_key)
    assert by_key == by_version  # equal versions compare equal, so ties are harmless
    keys = [sort_key(v) for v in by_version]
    for n in range(len(keys) - 1):  # neighbours: strictly ordered exactly when unequal
        assert (keys[n] < keys[n + 1]) == (by_version[n] < by_version[n + 1])
        assert (keys[n] == keys[n + 1]) == (by_version[n] == by_version[n + 1])
