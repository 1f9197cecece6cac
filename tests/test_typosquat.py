"""Typosquat detection: each technique, the popularity rules, owners, and the index."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipwarden.checks.typosquat import (
    KEYBOARD_NEIGHBOURS,
    TyposquatIndex,
    check_typosquat,
    one_edit_apart,
    osa_distance,
)
from pipwarden.models import Level
from pipwarden.toplist import load_toplist


@pytest.fixture(scope="module")
def index() -> TyposquatIndex:
    return TyposquatIndex(load_toplist().names)


@pytest.fixture(scope="module")
def bulk_index(index: TyposquatIndex) -> TyposquatIndex:
    bulk = TyposquatIndex(index.names)
    bulk.prepare_bulk()
    return bulk


@pytest.mark.parametrize(
    ("name", "target", "how"),
    [
        ("reqeusts", "requests", "swapped"),  # transposition
        ("requets", "requests", "missing"),  # deletion
        ("requestss", "requests", "doubled"),  # insertion
        ("requesrs", "requests", "keyboard neighbour"),  # r next to t
        ("numpi", "numpy", "changed"),  # substitution
        ("colourama", "colorama", "added"),
        ("urlib3", "urllib3", "doubled letter dropped"),
        ("setup-tools", "setuptools", "separators"),
        ("pythondateutil", "python-dateutil", "separators"),  # separator deletion
        ("scikitlearn", "scikit-learn", "separators"),
        ("boto-3", "boto3", "separators"),  # separator insertion
        ("jeIlyfish", "jellyfish", "look-alike"),  # capital I for l
        ("rnatplotlib", "matplotlib", "look-alike"),  # rn for m
        ("b0to3", "boto3", "look-alike"),  # zero for o
        ("python3-dateutil", "python-dateutil", "prefix or suffix"),
        ("requests-python", "requests", "prefix or suffix"),
        ("pyrequests", "requests", "prefix or suffix"),
        ("dateutil-python", "python-dateutil", "prefix or suffix"),
        ("extensions-typing", "typing-extensions", "another order"),  # word reordering
        ("libhtml5", "html5lib", "prefix or suffix"),  # lib moved from suffix to prefix
    ],
)
def test_techniques(index: TyposquatIndex, name: str, target: str, how: str) -> None:
    match = index.check(name)
    assert match is not None, name
    assert match.target == target
    assert how in match.kind


@pytest.mark.parametrize(
    "name",
    [
        "requests",  # itself
        "Requests",  # case only: the same project
        "python.dateutil",  # separators normalise to the same project (PEP 503)
        "urllib3",
        "boto3",
        "botocore",  # popular in its own right (rank ≤ trusted)
        "numpy",
        "a-completely-new-name-xyz",
        "abc",  # too short for edit-distance matches
        "pyreqeusts",  # an affix plus a typo is not matched (too many false positives)
    ],
)
def test_not_flagged(index: TyposquatIndex, name: str) -> None:
    assert index.check(name) is None


def test_rank_rules() -> None:
    ranking = ["requests"] + [f"filler{i}" for i in range(3000)] + ["reqeusts"]
    idx = TyposquatIndex(ranking, trusted_rank=1000, rank_ratio=10)
    assert idx.check("reqeusts") is not None  # rank 3002 vs rank 1: much more popular
    close = ["aaa", "requests"] + [f"filler{i}" for i in range(1500)] + ["reqeusts"]
    idx = TyposquatIndex(close, trusted_rank=1000, rank_ratio=1000)
    assert idx.check("reqeusts") is None  # target not 1000× more popular
    trusted = TyposquatIndex(["requests", "reqeusts"], trusted_rank=1000)
    assert trusted.check("reqeusts") is None  # popular itself


def test_same_owner_is_not_a_typosquat(index: TyposquatIndex) -> None:
    mine = {"ownership": {"organization": None, "roles": [{"role": "Owner", "user": "Lukasa"}]}}
    theirs = {"ownership": {"organization": None, "roles": [{"role": "Owner", "user": "lukasa"}]}}
    shared = check_typosquat(index, "reqeusts", project=mine, target_project=theirs)
    assert shared.level is Level.OK and shared.target == "requests"
    assert "lukasa" in shared.message
    other = {"ownership": {"organization": None, "roles": [{"role": "Owner", "user": "evil"}]}}
    flagged = check_typosquat(index, "reqeusts", project=other, target_project=theirs)
    assert flagged.level is Level.RISK and flagged.target == "requests"
    assert "Did you mean requests?" in flagged.message
    org = {"ownership": {"organization": "psf", "roles": []}}
    assert check_typosquat(index, "reqeusts", project=org, target_project=org).level is Level.OK
    unknown = check_typosquat(index, "reqeusts")  # owners unknown: still flagged
    assert unknown.level is Level.RISK


def test_keyboard_neighbours() -> None:
    assert KEYBOARD_NEIGHBOURS["s"] == frozenset("awedxz")
    assert "p" not in KEYBOARD_NEIGHBOURS["q"]


@settings(max_examples=200, deadline=None)
@given(st.text(string.ascii_lowercase, min_size=2, max_size=10), st.data())
def test_osa_distance_properties(word: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(word) - 2))
    swapped = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    assert osa_distance(word, swapped) == (0 if swapped == word else 1)
    other = data.draw(st.text(string.ascii_lowercase, max_size=10))
    assert osa_distance(word, other) == osa_distance(other, word)
    assert osa_distance(word, word + "x") == 1


def test_bulk_and_lazy_paths_agree(index: TyposquatIndex, bulk_index: TyposquatIndex) -> None:
    rng = random.Random(7)
    names = list(index.names[:3000])
    probes: list[str] = []
    for name in rng.sample(names, 300):
        i = rng.randrange(len(name))
        probes.append(name[:i] + rng.choice(string.ascii_lowercase) + name[i + 1 :])
        probes.append(name[:i] + name[i + 1 :])
    lazy = TyposquatIndex(index.names)
    expected = {p: lazy.check(p) for p in probes}
    got = bulk_index.check_many(probes)
    assert {m.name: m.target for m in got.values()} == {
        m.name: m.target for m in expected.values() if m is not None
    }


def test_uses_an_index_not_pairwise_loops(
    index: TyposquatIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Counts comparisons instead of timing them (no timing assertions in unit tests)."""
    from pipwarden.checks import typosquat

    rng = random.Random(1)
    names = [
        "".join(rng.choice(string.ascii_lowercase + "-") for _ in range(rng.randint(4, 16)))
        for _ in range(5000)
    ]
    calls = {"n": 0}
    for func in ("one_edit_apart", "osa_distance"):
        original = getattr(typosquat, func)

        def counted(*args: object, _f: object = original, **kwargs: object) -> object:
            calls["n"] += 1
            return _f(*args, **kwargs)  # type: ignore[operator]

        monkeypatch.setattr(typosquat, func, counted)
    fresh = TyposquatIndex(index.names)
    fresh.check_many(names)
    # pairwise would be 5,000 × 15,000 = 75M comparisons; the index confirms a few each
    assert calls["n"] < 20 * len(names)


# -- rules added with the 150-pair benchmark: each fires on a real typosquat from
# benchmarks/data/typosquats.tsv and stays quiet on a legitimate popular neighbour


@pytest.mark.parametrize(
    ("name", "target", "how", "level"),
    [
        # two edits from a very popular name (requests, matplotlib, colorama)
        ("reqesst", "requests", "two letters changed", "risk"),
        ("matpllotib", "matplotlib", "two letters changed", "risk"),
        ("colorona", "colorama", "two letters changed", "risk"),
        # two edits from a long one-word name
        ("BeautifilSoop", "beautifulsoup", "two letters changed", "risk"),
        # one of the most popular names plus generic words: may be an add-on, so warn
        ("requests-darwin-lite", "requests", "plus a generic word", "warn"),
        ("httpxhelp", "httpx", "plus a generic word", "warn"),  # glued on
        # a misspelling of it plus digits or generic words: risk
        ("requestss2", "requests", "misspelling of its name plus", "risk"),
        # a digit in front is still one added letter
        ("0requests", "requests", "one letter added", "risk"),
    ],
)
def test_second_stage_rules(
    index: TyposquatIndex, name: str, target: str, how: str, level: str
) -> None:
    match = index.check(name)
    assert match is not None, name
    assert (match.target, match.level) == (target, level)
    assert how in match.kind


@pytest.mark.parametrize(
    "name",
    [
        # legitimate popular packages near a much more popular one, left alone on purpose
        "niquests",  # two edits from requests, but another first letter
        "pathlib",  # two edits from oauthlib, another first letter
        "google-cloud-dns",  # two edits from google-cloud-kms: a short word rewritten
        "dbus-python",  # two edits from dnspython, with another number of words
        "requests-toolbelt",  # requests plus a word that is not generic
        "fastapi-utils",  # an add-on of a name outside the COMBO_RANK most popular
        "django-q2",  # digits plus a one-edit base of a name outside COMBO_RANK
        "dotenv",  # python-dotenv without its affix: a legitimate short name
        "willow",  # pillow with another first letter
        "grequests",  # a letter put in front of requests
        "pygraphviz",  # bindings: py put in front of a name outside the most popular
        "python-fire",
    ],
)
def test_second_stage_neighbours_not_flagged(index: TyposquatIndex, name: str) -> None:
    assert index.check(name) is None, index.check(name)


@pytest.mark.parametrize(
    ("name", "target"),
    [("fabric2", "fabric"), ("requests1", "requests"), ("2022-requests", "requests")],
)
def test_a_version_number_added_is_a_warning(
    index: TyposquatIndex, name: str, target: str
) -> None:
    match = index.check(name)
    assert match is not None and (match.target, match.level) == (target, "warn")
    assert "version number" in match.kind
    signal = check_typosquat(index, name)
    assert signal.level is Level.WARN and f"versioned copy of {target}" in signal.message


def test_vowels_left_out(index: TyposquatIndex) -> None:
    match = index.check("rqsts")
    assert match is not None and (match.target, match.level) == ("requests", "risk")
    assert "vowels" in match.kind
    assert index.check("rqstz") is None  # not the vowel-less spelling of a ranked name


@pytest.mark.parametrize(
    ("name", "target", "how"),
    [
        ("torchs-visions", "torchvision", "plural or singular"),
        ("importlibs-resource", "importlib-resources", "plural or singular"),
        ("fflask", "flask", "doubled"),
    ],
)
def test_plural_games_and_a_doubled_first_letter(
    index: TyposquatIndex, name: str, target: str, how: str
) -> None:
    match = index.check(name)
    assert match is not None and (match.target, match.level) == (target, "risk")
    assert how in match.kind


def test_combosquat_is_a_warning_with_advice(index: TyposquatIndex) -> None:
    signal = check_typosquat(index, "requests-darwin-lite")
    assert signal.level is Level.WARN and signal.target == "requests"
    assert "add-on to requests" in signal.message
    assert "maintainers" in signal.message
    risk = check_typosquat(index, "reqesst")
    assert risk.level is Level.RISK and risk.target == "requests"


def test_a_more_popular_base_wins_over_a_one_edit_neighbour() -> None:
    ranking = ["requests"] + [f"filler{i}" for i in range(100)] + ["requests-ssh"]
    ranking += [f"other{i}" for i in range(3000)]
    idx = TyposquatIndex(ranking)
    match = idx.check("requests-ssl")  # one edit from requests-ssh; requests plus "ssl"
    assert match is not None and match.target == "requests" and match.level == "warn"


def test_second_stage_bulk_and_lazy_paths_agree(
    index: TyposquatIndex, bulk_index: TyposquatIndex
) -> None:
    probes = [
        "reqesst", "matpllotib", "colorona", "beautifilsoop", "requests-darwin-lite",
        "httpxhelp", "requestss2", "niquests", "google-cloud-dns", "dbus-python",
        "fastapi-utils", "willow", "grequests", "fabric2", "numpy-plus", "pandsa-dev",
        "requests1", "2022-requests", "rqsts", "pygraphviz", "pyrequests",
        "torchs-visions", "fflask",
    ]
    expected = {p: index.check(p) for p in probes}
    got = bulk_index.check_many(probes)
    assert {m.name: (m.target, m.level) for m in got.values()} == {
        m.name: (m.target, m.level) for m in expected.values() if m is not None
    }


@settings(max_examples=300, deadline=None)
@given(st.text("abc", max_size=7), st.text("abc", max_size=7))
def test_one_edit_apart_matches_osa(a: str, b: str) -> None:
    assert one_edit_apart(a, b) == (osa_distance(a, b) == 1)


def test_saved_tables_answer_like_fresh_ones(tmp_path: Path) -> None:
    names = load_toplist().names
    built = TyposquatIndex(names)
    assert not built.load_state(tmp_path)  # nothing saved yet
    built.save_state(tmp_path)
    (saved,) = tmp_path.glob("typosquat-*.json")
    loaded = TyposquatIndex(names)
    assert loaded.load_state(tmp_path) and loaded.complete
    fresh = TyposquatIndex(names)
    probes = ["reqeusts", "requests-darwin-lite", "pyyml", "matpllotib", "rqsts",
              "dateutil-python", "extensions-typing", "flask", "somethingunrelated"]
    assert [loaded.check(p) for p in probes] == [fresh.check(p) for p in probes]
    # another ranking does not take these tables, and saving replaces the old file
    other = TyposquatIndex(["requests", *names[:100]])
    assert not other.load_state(tmp_path)
    other.save_state(tmp_path)
    assert not saved.exists() and len(list(tmp_path.glob("typosquat-*.json"))) == 1


def test_damaged_saved_tables_are_ignored(tmp_path: Path) -> None:
    names = load_toplist().names
    TyposquatIndex(names).save_state(tmp_path)
    (saved,) = tmp_path.glob("typosquat-*.json")
    saved.write_text('{"not": "the tables"}', encoding="utf-8")
    index = TyposquatIndex(names)
    assert not index.load_state(tmp_path)
    saved.write_bytes(b"\x00\xff garbage")
    assert not index.load_state(tmp_path)
    match = index.check("reqeusts")  # still built the usual way
    assert match is not None and match.target == "requests"


def test_names_built_on_a_ranked_name() -> None:
    ranking = ["requests", "utils", "telebot", *[f"filler{i}" for i in range(2000)],
               "telebot-api", "requests-toolbelt"]
    index = TyposquatIndex(ranking)
    found = {n: index.builds_on(n) for n in (
        "telebot-info", "telebot-api-extra", "requests-os", "pydanticrequests", "richx",
        "myproject-utils", "requests-toolbelt",
    )}
    assert found["telebot-info"] is not None and found["telebot-info"].target == "telebot"
    # the longest ranked name inside wins: an add-on of telebot-api, not of telebot
    assert found["telebot-api-extra"] is not None
    assert found["telebot-api-extra"].target == "telebot-api"
    assert found["requests-os"] is not None and found["requests-os"].level == "warn"
    assert found["pydanticrequests"] is not None  # glued on
    assert found["richx"] is None  # rich is not in this ranking
    assert found["myproject-utils"] is None  # a generic word is nobody's name
    # the shape alone says nothing: a genuine add-on has it too (vet adds age and owners)
    assert found["requests-toolbelt"] is not None
    assert found["requests-toolbelt"].target == "requests"
    assert index.builds_on("telebot") is None  # the name itself adds nothing
