"""The store's matching fast path (``VulnStore.match_pins``) against the reference path.

``match_pins`` reads only the per-package matching data written at import (events sorted,
version keys precomputed) and builds full advisories for the records that match; its answer
must be exactly that of ``advisories_for`` filtered with ``advisory_affects``.
"""

from __future__ import annotations

import json
import logging
import zipfile
from pathlib import Path

import pytest
from packaging.version import InvalidVersion, Version

from pipwarden.vulndb.osv import Event, encode_version_keys, parse_record
from pipwarden.vulndb.ranges import advisory_affects, sort_events
from pipwarden.vulndb.store import VulnStore
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"


def _record(rid: str, package: str, *, events: list[dict[str, str]] | None = None,
            versions: list[str] | None = None, withdrawn: str | None = None) -> dict[str, object]:
    affected: dict[str, object] = {"package": {"ecosystem": "PyPI", "name": package}}
    if events is not None:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        affected["versions"] = versions
    record: dict[str, object] = {"id": rid, "affected": [affected]}
    if withdrawn:
        record["withdrawn"] = withdrawn
    return record


def _import(tmp_path: Path, records: list[dict[str, object]]) -> VulnStore:
    folder = tmp_path / "records"
    folder.mkdir()
    for n, record in enumerate(records):
        (folder / f"{n:03d}.json").write_text(json.dumps(record))
    db = tmp_path / "osv.sqlite3"
    import_source(folder, db)
    return VulnStore.open(db)


def _reference(store: VulnStore, pins: list[tuple[str, str]]) -> dict[tuple[str, str], list[str]]:
    known = store.advisories_for({name for name, _ in pins})
    out: dict[tuple[str, str], list[str]] = {}
    for name, version in pins:
        hits = [a.id for a in known.get(name, ()) if advisory_affects(a, name, version)]
        if hits:
            out[(name, version)] = hits
    return out


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> VulnStore:
    db = tmp_path_factory.mktemp("matchdb") / "osv.sqlite3"
    import_source(ARCHIVE, db)
    return VulnStore.open(db)


def _archive_pins() -> list[tuple[str, str]]:
    """Every version any record names for its package, plus neighbours and local builds."""
    pins: dict[tuple[str, str], None] = {}
    with zipfile.ZipFile(ARCHIVE) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".json"):
                continue
            record = json.loads(zf.read(member))
            for aff in record.get("affected", []):
                name = aff["package"]["name"].lower().replace("_", "-").replace(".", "-")
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
    return list(pins)


def test_match_pins_agrees_with_the_reference_on_the_real_archive(
    real_store: VulnStore,
) -> None:
    pins = _archive_pins()[::5]  # a fifth keeps it fast and still covers every kind of pin
    assert len(pins) > 5_000
    got = real_store.match_pins(pins)
    expected = _reference(real_store, pins)
    assert {k: [a.id for a in v] for k, v in got.items()} == expected
    assert len(expected) > 1_000  # the comparison covers many affected pins
    # Full advisories come back, with the texts kept outside the compact form.
    adv = real_store.match_pins([("jinja2", "2.10")])[("jinja2", "2.10")][0]
    assert adv.details and adv.references


def test_match_pins_normalises_names_and_skips_unknown(real_store: VulnStore) -> None:
    got = real_store.match_pins([("Jinja2", "2.10"), ("no-such-package-here", "1.0")])
    assert set(got) == {("jinja2", "2.10")}
    assert real_store.match_pins([]) == {}


def test_withdrawn_and_duplicate_records(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = [
        _record("PYSEC-1", "demo", events=[{"introduced": "0"}, {"fixed": "2.0"}]),
        _record("PYSEC-2", "demo", events=[{"introduced": "0"}], withdrawn="2024-01-01T00:00:00Z"),
        # Same id twice: the last copy wins, and it no longer affects "other".
        _record("PYSEC-3", "other", events=[{"introduced": "0"}]),
        _record("PYSEC-3", "demo", versions=["3.0"]),
    ]
    with caplog.at_level(logging.WARNING), _import(tmp_path, records) as store:
        pins = [("demo", "1.0"), ("demo", "3.0"), ("demo", "2.5"), ("other", "1.0")]
        got = {k: [a.id for a in v] for k, v in store.match_pins(pins).items()}
        assert got == {("demo", "1.0"): ["PYSEC-1"], ("demo", "3.0"): ["PYSEC-3"]}
        assert got == _reference(store, pins)
    assert "duplicate record PYSEC-3" in caplog.text


def test_legacy_versions_match_only_literal_entries(tmp_path: Path) -> None:
    records = [_record("PYSEC-9", "old", versions=["1.0", "2.0-final", "0.3.2d"])]
    with _import(tmp_path, records) as store:
        pins = [("old", "2.0-final"), ("old", "0.3.2d"), ("old", "1.0.0"), ("old", "weird")]
        got = {k: [a.id for a in v] for k, v in store.match_pins(pins).items()}
        assert got == {("old", "1.0.0"): ["PYSEC-9"], ("old", "2.0-final"): ["PYSEC-9"],
                       ("old", "0.3.2d"): ["PYSEC-9"]}
        assert got == _reference(store, pins)


def test_invalid_versions_warn_once_per_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    records = [
        _record("PYSEC-7", "pkg", events=[{"introduced": "0"}, {"fixed": "not a version"},
                                          {"fixed": "1.5"}]),
    ]
    with _import(tmp_path, records) as store, caplog.at_level(logging.WARNING):
        got = store.match_pins([("pkg", "1.0"), ("pkg", "1.6")])
        assert list(got) == [("pkg", "1.0")]
    assert caplog.text.count("PYSEC-7: skipping version 'not a version'") == 1


def test_sort_events_is_stable_and_drops_invalid() -> None:
    events = [Event("fixed", "2.0"), Event("introduced", "1.0.0"), Event("limit", "bad!"),
              Event("introduced", "0"), Event("last_affected", "1.0"), Event("fixed", "10")]
    ordered, invalid = sort_events(events)
    assert invalid == "bad!"
    assert ordered == [("introduced", None), ("introduced", "1.0.0"), ("last_affected", "1.0"),
                       ("fixed", "2.0"), ("fixed", "10")]


@pytest.mark.parametrize(
    ("versions", "valid", "invalid"),
    [
        ([], set(), ""),
        (["1.0", "2.0.0", "3.1"], {"1", "2", "3.1"}, ""),
        (["1.0-rc", "1.0beta1", "1.0.0-alpha2", "1.0c1", "junk", "has space"],
         {"1rc0", "1b1", "1a2", "1rc1"}, "junk"),
    ],
)
def test_encode_version_keys(versions: list[str], valid: set[str], invalid: str) -> None:
    text = encode_version_keys(versions)
    keys, _, bad = text.partition("|")
    assert set(keys.split()) == valid
    assert bad == invalid


def test_parse_record_keys_round_trip() -> None:
    data = _record("PYSEC-5", "x", versions=["1.0", "1.0.0-beta"])
    adv = parse_record(data, source="t")
    assert encode_version_keys(adv.affected[0].versions) == "1 1b0|"


def _zip_of(path: Path, records: list[dict[str, object]], method: int) -> None:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for n, record in enumerate(records):
            zf.writestr(f"osv/{n:03d}.json", json.dumps(record))


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2])
def test_zip_members_of_every_method_are_read(tmp_path: Path, method: int) -> None:
    records = [_record(f"PYSEC-{n}", f"pkg{n}", versions=["1.0"]) for n in range(70)]
    archive = tmp_path / "all.zip"
    _zip_of(archive, records, method)
    result = import_source(archive, tmp_path / "osv.sqlite3")
    assert result.records == 70
    with VulnStore.open(tmp_path / "osv.sqlite3") as store:
        assert set(store.match_pins([("pkg69", "1.0.0")])) == {("pkg69", "1.0.0")}


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_corrupt_member_is_an_input_error_naming_it(tmp_path: Path, method: int) -> None:
    from pipwarden.errors import InputError

    records = [_record(f"PYSEC-{n}", "pkg", versions=["1.0"]) for n in range(3)]
    archive = tmp_path / "all.zip"
    _zip_of(archive, records, method)
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo("osv/001.json")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x55  # flip bits inside the member's data
    archive.write_bytes(bytes(data))
    db = tmp_path / "osv.sqlite3"
    with pytest.raises(InputError) as err:
        import_source(archive, db)
    assert "corrupt zip member" in str(err.value.message)
    assert err.value.path is not None and err.value.path.endswith("osv/001.json")
    assert not db.exists()


# --- The stored bounds: most pins settled without reading a record's ranges ---------------


def _entries_by_package() -> dict[tuple[str, str], list[list[object]]]:
    """``match_entries`` of every (package, record) of the recorded archive."""
    from pipwarden.vulndb.matching import match_entries

    out: dict[tuple[str, str], list[list[object]]] = {}
    with zipfile.ZipFile(ARCHIVE) as zf:
        for member in sorted(zf.namelist()):
            if not member.endswith(".json"):
                continue
            adv = parse_record(json.loads(zf.read(member)), source=member)
            by_package: dict[str, list[object]] = {}
            for aff in adv.affected:
                by_package.setdefault(aff.package, []).append(aff)
            for package, affs in by_package.items():
                out[(package, adv.id)] = match_entries(affs)  # type: ignore[arg-type]
    return out


def test_bounds_never_contradict_the_full_evaluation_and_settle_most_pins() -> None:
    """Every answer :func:`settled` gives from a record's bounds is the full evaluation's,
    over every version the archive names (and its local, post and rc neighbours)."""
    from pipwarden.vulndb.matching import PinKeys, bounds_of, keys_affect, settled
    from pipwarden.vulndb.ranges import _public, parse_version

    pins_of: dict[str, list[PinKeys]] = {}
    for name, text in _archive_pins():
        v = parse_version(text)
        if v is not None:
            pins_of.setdefault(name, []).append(PinKeys(v, _public(v)))
    compared = answered = unbounded = 0
    for (package, rid), entries in _entries_by_package().items():
        bounds = bounds_of(entries)
        if bounds is None:
            unbounded += 1
            continue
        stored = (bounds.listed, bounds.lo, bounds.hi, int(bounds.above))
        for pin in pins_of.get(package, ()):
            answer = settled(pin, stored)
            compared += 1
            if answer is None:
                # what the store then evaluates: the entries without their version keys
                assert keys_affect(pin, bounds.entries, rid) == keys_affect(pin, entries, rid)
                continue
            answered += 1
            assert answer == keys_affect(pin, entries, rid), (package, rid, pin.own)
    assert compared > 100_000
    assert answered > compared * 0.6  # the point of the bounds: most pins need no ranges
    assert 0 < unbounded < 100  # records with texts to warn about keep the full path


@pytest.mark.parametrize(
    ("events", "versions", "pins"),
    [
        # below every event, between, at a fixed, above with the range closed
        ([{"introduced": "1.0"}, {"fixed": "2.0"}], None,
         {"0.9": False, "1.0": True, "1.5": True, "2.0": False, "3.0": False}),
        # a range still open above its last event
        ([{"introduced": "1.0"}, {"fixed": "2.0"}, {"introduced": "3.0"}], None,
         {"0.5": False, "2.5": False, "3.0": True, "9.0": True}),
        # introduced "0" only: every version; last_affected is inclusive at the top
        ([{"introduced": "0"}], None, {"0.0.1": True, "100": True}),
        ([{"introduced": "0"}, {"last_affected": "1.4"}], None,
         {"1.4": True, "1.4.post1": False, "1.4+cpu": True, "1.5": False}),
        # a listed version outside every range, and a local build of a listed one
        ([{"introduced": "2.0"}, {"fixed": "2.1"}], ["0.5", "3.0"],
         {"0.5": True, "0.6": False, "3.0+cu118": True, "2.0.1": True, "4.0": False}),
        # versions only
        (None, ["1.0", "1.2"], {"1.0.0": True, "1.1": False, "1.2": True}),
        # a local bound compares the pin itself
        ([{"introduced": "1.0+local.1"}, {"fixed": "1.0+local.3"}], None,
         {"1.0": False, "1.0+local.2": True, "1.0+local.3": False}),
    ],
)
def test_pins_settled_by_bounds_match_the_reference(
    tmp_path: Path, events: list[dict[str, str]] | None, versions: list[str] | None,
    pins: dict[str, bool],
) -> None:
    with _import(tmp_path, [_record("PYSEC-1", "pkg", events=events, versions=versions)]) as store:
        assert store._conn.execute("SELECT bounded FROM affects").fetchone() == (1,)
        asked = [("pkg", v) for v in pins]
        got = store.match_pins(asked)
        assert {v: ("pkg", v) in got for v in pins} == pins
        assert {k: [a.id for a in v] for k, v in got.items()} == _reference(store, asked)


def test_a_limit_event_keeps_the_full_evaluation(tmp_path: Path) -> None:
    events = [{"introduced": "0"}, {"limit": "2.0"}]
    with _import(tmp_path, [_record("PYSEC-1", "pkg", events=events)]) as store:
        assert store._conn.execute("SELECT bounded FROM affects").fetchone() == (0,)
        asked = [("pkg", "1.0"), ("pkg", "2.0"), ("pkg", "5")]
        got = store.match_pins(asked)
        assert set(got) == {("pkg", "1.0")}
        assert {k: [a.id for a in v] for k, v in got.items()} == _reference(store, asked)


def test_broken_ranges_behind_bounds_leave_only_the_unsettled_pins_unchecked(
    tmp_path: Path,
) -> None:
    events = [{"introduced": "1.0"}, {"fixed": "2.0"}]
    with _import(tmp_path, [_record("PYSEC-1", "pkg", events=events)]) as store:
        db = store.path
    import sqlite3

    conn = sqlite3.connect(db)
    conn.execute("UPDATE affects SET m = '[[' WHERE advisory_id = 'PYSEC-1'")
    conn.commit()
    conn.close()
    with VulnStore.open(db) as store:
        checked = store.check_pins([("pkg", "0.1"), ("pkg", "1.5"), ("pkg", "9")])
    assert checked.hits == {}
    # below and above every event: settled by the bounds; between: its ranges are unreadable
    assert list(checked.unchecked) == [("pkg", "1.5")]
    assert checked.unchecked[("pkg", "1.5")][0][0] == "PYSEC-1"


@pytest.mark.parametrize(
    "tamper", ["listed = x'00ff'", "lo = x'00', hi = x'ff'"],
    ids=["listed-blob", "bounds-blob"],
)
def test_bounds_of_another_form_give_way_to_the_full_evaluation(
    tmp_path: Path, tamper: str
) -> None:
    """The bounds only spare work: bounds a changed file holds in another form (bytes where
    text was stored) never decide, nor crash the audit or the floor; the ranges do."""
    import sqlite3

    events = [{"introduced": "1.0"}, {"fixed": "2.0"}]
    with _import(tmp_path, [_record("PYSEC-1", "pkg", events=events, versions=["1.5"])]) as store:
        db = store.path
    conn = sqlite3.connect(db)
    conn.execute(f"UPDATE affects SET {tamper} WHERE advisory_id = 'PYSEC-1'")
    conn.commit()
    conn.close()
    asked = [("pkg", "0.5"), ("pkg", "1.5"), ("pkg", "1.7"), ("pkg", "3.0")]
    with VulnStore.open(db) as store:
        got = store.check_pins(asked)
        assert {k: [a.id for a in v] for k, v in got.hits.items()} == _reference(store, asked)
        assert set(got.hits) == {("pkg", "1.5"), ("pkg", "1.7")}
        floors = store.floor_records(["pkg"])
        assert [r.id for r in floors["pkg"]] == ["PYSEC-1"]
        assert floors["pkg"][0].error is None
