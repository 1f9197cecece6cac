"""Property tests: OSV parsing and version matching on arbitrary and damaged records.

``load_record`` either decodes a record's bytes or raises UnreadableRecord (deep nesting,
huge numbers, broken JSON); ``parse_record`` either returns an Advisory or raises
InputError naming the record's source — never another exception; the matching functions
(``is_affected``, ``admitted_affected``, ``lowest_safe_floor``, the store's precomputed
``entries_affect``) never raise on a parsed record, whatever the version and specifier
strings, except UnevaluableVersion for a version too long to convert (the audit reports
that record as not checked).

The parsing and matching properties run 5,000 examples by default ([7]: "≥ 5,000
examples"); ``PIPWARDEN_FUZZ_EXAMPLES`` changes that.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pipwarden.errors import InputError
from pipwarden.vulndb.floors import admitted_affected, lowest_safe_floor
from pipwarden.vulndb.osv import (
    Advisory,
    advisory_from_compact,
    advisory_to_compact,
    parse_record,
)
from pipwarden.vulndb.ranges import (
    UnevaluableVersion,
    _public,
    entries_affect,
    is_affected,
    match_entries,
    parse_version,
)
from pipwarden.vulndb.records import RecordLimits, UnreadableRecord, load_record
from pipwarden.vulndb.store import VulnStore
from pipwarden.vulndb.update import import_source

FUZZ = settings(max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "5000")),
                deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.function_scoped_fixture])
HUGE = "1" + "0" * 5000  # past Python's int-string limit (4,300 digits)

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"


def _real_records(every: int = 70) -> list[dict[str, Any]]:
    with zipfile.ZipFile(ARCHIVE) as archive:
        names = sorted(n for n in archive.namelist() if n.endswith(".json"))
        return [json.loads(archive.read(n)) for n in names[::every]]


REAL = _real_records()
SOURCE = "fuzz.zip:record.json"

_KEYS = ["id", "aliases", "summary", "details", "published", "modified", "withdrawn",
         "severity", "type", "score", "references", "url", "affected", "package",
         "ecosystem", "name", "ranges", "events", "introduced", "fixed", "last_affected",
         "limit", "versions", "database_specific"]
_VERSIONS = st.one_of(
    st.sampled_from(["0", "1", "1.0", "1.0.0", "1.2.3", "2.0rc1", "1.0.post1", "1!2.0",
                     "1.0+local.7", "2.0.dev3", "1.*", "v1.0", "", " 1.0 ", "01.02",
                     "1.0a", "999999999999999999999", "0.0.0.0.0.1", HUGE, "0" + HUGE,
                     f"1.{HUGE}", f"{HUGE}.post1", f"1.0.dev{HUGE}", "1." * 700 + "1"]),
    st.text(max_size=10),
)
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
    _VERSIONS, st.sampled_from(["PyPI", "pypi", "ECOSYSTEM", "SEMVER", "GIT", "CVSS_V3",
                                "CVSS_V4", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                                "CVSS:3.1/AV:N", "HIGH", "low", "MAL-2024-1"]),
    st.sampled_from(["lone \ud800 surrogate", "\udfff"]),  # what a "\ud800" escape decodes to
)
JSONISH: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.text(max_size=6)), inner,
                        max_size=5),
    ),
    max_leaves=15,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, inner in value.items():
            found.extend(_paths(inner, (*prefix, key)))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.extend(_paths(inner, (*prefix, index)))
    return found


@st.composite
def mutated_records(draw: st.DrawFn) -> dict[str, Any]:
    """A real record with one to three places replaced, deleted, wrapped, turned into a
    string or given a lone surrogate."""
    record: Any = copy.deepcopy(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(record)[1:]))
        parent = record
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        op = draw(st.sampled_from(["replace", "delete", "wrap", "stringify", "surrogate"]))
        if op == "surrogate":  # what a JSON "\ud800" escape decodes to
            parent[last] = f"{parent[last]}\ud800" if isinstance(parent[last], str) else "\udc00"
        elif op == "delete":
            del parent[last]
        elif op == "wrap":
            parent[last] = [parent[last]]
        elif op == "stringify":
            parent[last] = json.dumps(parent[last])
        else:
            parent[last] = draw(JSONISH)
        if not isinstance(record, dict):
            break
    return record  # type: ignore[no-any-return]


def _parse(data: Any) -> Advisory | None:
    try:
        advisory = parse_record(data, source=SOURCE)
    except InputError as exc:
        assert exc.path == SOURCE
        event("InputError")
        return None
    assert isinstance(advisory, Advisory)
    event("parsed, affected" if advisory.affected else "parsed, no PyPI package")
    return advisory


def _spec(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


_SPECS = st.one_of(
    st.lists(st.tuples(st.sampled_from(["==", ">=", "<=", "<", ">", "!=", "~=", "==="]),
                       _VERSIONS), max_size=3)
    .map(lambda parts: ",".join(op + v for op, v in parts)),
    st.text(max_size=12),
)


def _exercise(advisory: Advisory, versions: list[str], spec_text: str,
              releases: list[str] | None) -> None:
    """Every matching function on every affected entry: no exception but UnevaluableVersion
    (a record the audit reports as not checked), sane answers."""
    try:
        _match_everything(advisory, versions, spec_text, releases)
    except UnevaluableVersion:
        event("unevaluable")
    # the database's compact form: details and references travel beside it; version
    # entries with white space (never versions) are dropped on purpose
    back = advisory_from_compact(advisory_to_compact(advisory), details=advisory.details,
                                 references=advisory.references)
    kept = [tuple(v for v in a.versions if not any(c.isspace() for c in v))
            for a in advisory.affected]
    expected = replace(advisory, affected=tuple(
        replace(a, versions=v if " ".join(v) else ()) for a, v in zip(advisory.affected, kept,
                                                                      strict=True)))
    assert back == expected


def _match_everything(advisory: Advisory, versions: list[str], spec_text: str,
                      releases: list[str] | None) -> None:
    spec = _spec(spec_text) or SpecifierSet()
    event_versions = [e.version for a in advisory.affected for r in a.ranges for e in r.events]
    for affected in advisory.affected:
        candidates = [*versions, *event_versions, *affected.versions[:3]]
        for version in candidates:
            assert isinstance(is_affected(version, affected, record_id=advisory.id), bool)
        # the store's path: matching data prepared at import, decoded, evaluated per pin
        entries = json.loads(json.dumps(match_entries([affected])))
        for version in candidates:
            v = parse_version(version)
            if v is not None:
                assert isinstance(entries_affect(v, _public(v), entries, advisory.id), bool)
        admitted = admitted_affected(spec, affected, releases=releases, record_id=advisory.id)
        assert isinstance(admitted, list if releases is not None else bool)
        floor = lowest_safe_floor(spec, [advisory], releases=releases, package=affected.package)
        assert floor.status in {"safe", "raise", "no-fix"}
        assert (floor.floor is not None) == (floor.status == "raise")


@FUZZ
@given(data=st.one_of(JSONISH, st.dictionaries(st.sampled_from(_KEYS), JSONISH, max_size=6)))
@example(data=[])
@example(data={"id": ""})
@example(data={"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                                        "ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}]})
def test_parse_record_on_arbitrary_json(data: Any) -> None:
    _parse(data)


@FUZZ
@given(record=mutated_records(), versions=st.lists(_VERSIONS, max_size=4), spec=_SPECS,
       releases=st.one_of(st.none(), st.lists(_VERSIONS, max_size=6)))
# Found by this property: a specifier naming a 5,000-digit version raised ValueError from
# packaging (even ``str()`` of the SpecifierSet does).
@example(record=REAL[0], versions=[], spec="==" + HUGE, releases=[])
@example(record=REAL[0], versions=[], spec="==" + HUGE, releases=None)
def test_mutated_real_records_parse_or_fail_cleanly_and_never_break_matching(
    record: dict[str, Any], versions: list[str], spec: str, releases: list[str] | None
) -> None:
    advisory = _parse(record)
    if advisory is not None:
        _exercise(advisory, versions, spec, releases)


@FUZZ
@given(versions=st.lists(_VERSIONS, max_size=4), spec=_SPECS,
       releases=st.one_of(st.none(), st.lists(_VERSIONS, max_size=6)),
       events=st.lists(st.tuples(st.sampled_from(["introduced", "fixed", "last_affected",
                                                  "limit"]), _VERSIONS), max_size=5),
       listed=st.lists(_VERSIONS, max_size=3),
       kind=st.sampled_from(["ECOSYSTEM", "SEMVER", "GIT", "ecosystem"]))
# Found by this property: empty ``versions`` entries made the store's matching data raise
# IndexError (the invalid entries joined into a blank).
@example(versions=[], spec="", releases=None, events=[], listed=["0", "", ""], kind="ECOSYSTEM")
@example(versions=["1.0"], spec=">=" + HUGE, releases=["1.0", HUGE], events=[("fixed", HUGE)],
         listed=[HUGE], kind="ECOSYSTEM")
def test_matching_never_raises_on_generated_ranges(
    versions: list[str], spec: str, releases: list[str] | None,
    events: list[tuple[str, str]], listed: list[str], kind: str,
) -> None:
    record = {
        "id": "PYSEC-0000-1",
        "affected": [{
            "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
            "ranges": [{"type": kind, "events": [{k: v} for k, v in events]}],
            "versions": listed,
        }],
    }
    advisory = parse_record(record, source=SOURCE)  # well formed: must parse
    assert advisory.affected[0].package == "demo-pkg"
    _exercise(advisory, versions, spec, releases)


@settings(FUZZ, max_examples=int(os.environ.get("PIPWARDEN_FUZZ_IMPORT_EXAMPLES", "100")))
@given(records=st.lists(st.one_of(mutated_records(), st.sampled_from(REAL)), min_size=1,
                        max_size=4))
# Found by this property: two records with the same id holding a lone surrogate crashed
# the import (UnicodeEncodeError marking the first copy's links as replaced).
@example(records=[{"id": "PYSEC-\ud800", "affected": [
    {"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}]}] * 2)
def test_db_import_of_damaged_records_skips_and_names_the_bad_ones(
    records: list[Any], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``db import`` of a folder: every record that parses is stored, every other one is
    skipped, counted and named; only a folder with nothing readable is an InputError. The
    store then matches every stored package without an exception."""
    folder = tmp_path_factory.mktemp("osv")
    for n, record in enumerate(records):
        (folder / f"R{n}.json").write_text(json.dumps(record), encoding="ascii")
    db = folder / "osv.sqlite3"
    parsed = []
    for record in records:
        with contextlib.suppress(InputError):
            parsed.append(parse_record(record, source="x"))
    try:
        result = import_source(folder, db)
    except InputError as exc:
        assert exc.path is not None and exc.path.startswith(str(folder))
        assert not any(a.affected for a in parsed)
        event("InputError")
        return
    event(f"imported {result.records}")
    assert result.unreadable == len(records) - len(parsed)
    assert len(result.unreadable_examples) == min(result.unreadable, 10)
    names = {a.package for adv in parsed for a in adv.affected}
    with VulnStore.open(db) as store:
        found = store.advisories_for(names)
        store.check_pins((name, v) for name in names for v in ("0", "1.0", HUGE, "99"))
    stored = {adv.id for advs in found.values() for adv in advs}
    assert len(stored) <= result.records
    for advs in found.values():
        for adv in advs:
            advisory_to_compact(adv).encode("utf-8")  # clean text only


_DEEP = st.integers(1, 3000).map(lambda n: "[" * n + "]" * n)
_NUMBERS = st.one_of(st.integers(1, 6000).map(lambda n: "7" * n),
                     st.integers(1, 3000).map(lambda n: "-0." + "3" * n + "e-99"),
                     st.sampled_from(["1e999999", "-1e-999999", "NaN", "Infinity"]))


@FUZZ
@given(inner=st.one_of(_DEEP, _NUMBERS, st.text(max_size=20),
                       JSONISH.map(lambda v: json.dumps(v))),
       wrap=st.sampled_from(['{"id": "X", "x": %s}', "%s", '[%s, {"a": %s}]']),
       limits=st.builds(RecordLimits, st.integers(1, 200), st.integers(1, 200)))
@example(inner="[" * 100_000 + "]" * 100_000, wrap="%s", limits=RecordLimits())
@example(inner="9" * 5000, wrap="%s", limits=RecordLimits(64, 10_000))
@example(inner='"\\"[[[[', wrap='{"a": %s}', limits=RecordLimits(2, 10))
def test_record_bytes_decode_within_limits_or_are_unreadable(
    inner: str, wrap: str, limits: RecordLimits
) -> None:
    raw = wrap.replace("%s", inner).encode("utf-8", "surrogatepass")
    try:
        data = load_record(raw, limits)
    except UnreadableRecord as exc:
        assert exc.reason and "\n" not in exc.reason and len(exc.reason) < 300
        event("unreadable")
        return
    event("decoded")
    _parse(data)


def test_lone_surrogates_are_replaced_on_import(tmp_path: Path) -> None:
    """Found by the property above: a "\\ud800" escape in a record crashed db import with
    UnicodeEncodeError (sqlite stores UTF-8)."""
    (tmp_path / "osv").mkdir()
    record = {"id": "PYSEC-0000-2", "summary": "bad \ud800 text", "details": "\udfff",
              "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"},
                            "versions": ["1.0"]}]}
    (tmp_path / "osv" / "r.json").write_text(json.dumps(record), encoding="ascii")
    result = import_source(tmp_path / "osv", tmp_path / "db.sqlite3")
    assert result.records == 1
    with VulnStore.open(tmp_path / "db.sqlite3") as store:
        (adv,) = store.advisories_for(["demo"])["demo"]
    assert adv.summary == "bad \ufffd\ufffd\ufffd text"


def test_every_sampled_real_record_parses_and_matches() -> None:
    """The unmutated sample: all parse, and matching works on each (a control for the
    properties above: the mutations start from records that are fine)."""
    assert len(REAL) >= 30
    for record in REAL:
        advisory = parse_record(record, source=SOURCE)
        _exercise(advisory, ["0", "1.0", "99"], ">=0", None)
