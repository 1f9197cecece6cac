"""Importing the real PyPA OSV archive, and matching 20 known-vulnerable pins against it.

The archive (tests/data/osv, 2,661 records, CC-BY 4.0) holds 10 withdrawn records: they are
stored and counted in ``records`` but never returned by ``advisories_for``.
The expected advisory sets below were read from the records' ``versions`` lists and
checked against their ECOSYSTEM ranges by hand; they are literals on purpose.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipwarden.errors import DatabaseError, InputError
from pipwarden.models import Severity
from pipwarden.vulndb.ranges import fixed_versions, is_affected
from pipwarden.vulndb.store import SCHEMA_VERSION, VulnStore
from pipwarden.vulndb.update import ImportResult, import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, ImportResult]:
    db = tmp_path_factory.mktemp("realdb") / "osv.sqlite3"
    return db, import_source(ARCHIVE, db)


@pytest.fixture
def store(real_db: tuple[Path, ImportResult]) -> VulnStore:
    return VulnStore.open(real_db[0])


def test_import_counts(real_db: tuple[Path, ImportResult]) -> None:
    db, result = real_db
    assert (result.records, result.withdrawn, result.skipped, result.packages) == (
        2661, 10, 0, 664,
    )
    with VulnStore.open(db) as store:
        meta = store.meta()
    assert (meta.records, meta.withdrawn, meta.packages) == (2661, 10, 664)
    assert meta.source == str(ARCHIVE.resolve())
    assert meta.imported_at.tzinfo is not None
    assert datetime.now(UTC) - meta.imported_at < timedelta(minutes=5)
    assert meta.etag is None and meta.last_modified is None
    assert meta.schema == SCHEMA_VERSION
    assert not list(db.parent.glob("*.tmp")), "temporary files left behind"


def test_spot_check_records(store: VulnStore) -> None:
    adv = store.get("PYSEC-2021-335")
    assert adv is not None
    (aff,) = adv.affected
    assert aff.package == "accesscontrol"
    assert [r.type for r in aff.ranges] == ["GIT", "ECOSYSTEM"]
    assert aff.versions == ("4.0", "4.1", "4.2", "5.0", "5.1")
    assert fixed_versions(adv, "accesscontrol") == ("4.3", "5.2")
    assert is_affected("5.1", aff, record_id=adv.id)
    assert not is_affected("4.3", aff, record_id=adv.id)
    jinja = store.get("PYSEC-2021-66")
    assert jinja is not None
    assert set(jinja.aliases) >= {"CVE-2020-28493"}
    assert jinja.title.startswith("This affects the package jinja2")


def test_withdrawn_records_are_stored_but_never_returned(store: VulnStore) -> None:
    withdrawn = store.get("PYSEC-2021-13")
    assert withdrawn is not None and withdrawn.withdrawn == "2023-07-25T12:32:00Z"
    ids = {a.id for a in store.advisories_for(["flask-caching"]).get("flask-caching", [])}
    assert "PYSEC-2021-13" not in ids


def test_real_cvss_severity_is_computed(store: VulnStore) -> None:
    scored = [a for advs in store.advisories_for(["pillow", "django", "urllib3"]).values()
              for a in advs if a.severity_vector]
    for adv in scored:
        assert adv.score is not None and adv.severity is not Severity.UNKNOWN


def test_advisories_for_normalised_names_and_unknowns(store: VulnStore) -> None:
    result = store.advisories_for(["jinja2", "no-such-package-xyz", "Jinja2"])
    assert set(result) == {"jinja2"}
    assert set(store.advisories_for(["PyYAML", "Jupyter_Server"])) == {"pyyaml", "jupyter-server"}
    assert len(result["jinja2"]) == len({a.id for a in result["jinja2"]})
    assert store.advisories_for([]) == {}


KNOWN_VULNERABLE: list[tuple[str, str, set[str]]] = [
    ("jinja2", "2.10.1", {"PYSEC-2021-66"}),
    ("requests", "2.19.0", {"PYSEC-2018-28", "PYSEC-2023-74"}),
    ("urllib3", "1.24.1", {"PYSEC-2019-132", "PYSEC-2019-133", "PYSEC-2020-148",
                           "PYSEC-2021-108", "PYSEC-2023-192", "PYSEC-2023-207",
                           "PYSEC-2023-212"}),
    ("pyyaml", "5.3", {"PYSEC-2020-96", "PYSEC-2021-142"}),
    ("pillow", "8.1.0", {"PYSEC-2021-137", "PYSEC-2021-138", "PYSEC-2021-139",
                         "PYSEC-2021-317", "PYSEC-2021-331", "PYSEC-2021-35", "PYSEC-2021-36",
                         "PYSEC-2021-37", "PYSEC-2021-38", "PYSEC-2021-39", "PYSEC-2021-40",
                         "PYSEC-2021-41", "PYSEC-2021-42", "PYSEC-2021-92", "PYSEC-2021-93",
                         "PYSEC-2021-94", "PYSEC-2022-10", "PYSEC-2022-168",
                         "PYSEC-2022-42979", "PYSEC-2022-8", "PYSEC-2022-9", "PYSEC-2023-175",
                         "PYSEC-2023-227"}),
    ("django", "4.2.0", {"PYSEC-2023-100", "PYSEC-2023-222", "PYSEC-2023-225",
                         "PYSEC-2023-226", "PYSEC-2023-61", "PYSEC-2024-102", "PYSEC-2024-28",
                         "PYSEC-2024-47", "PYSEC-2024-56", "PYSEC-2024-57", "PYSEC-2024-58",
                         "PYSEC-2024-59", "PYSEC-2024-67", "PYSEC-2024-68", "PYSEC-2024-69",
                         "PYSEC-2024-70"}),
    ("cryptography", "3.2", {"PYSEC-2021-62", "PYSEC-2021-63", "PYSEC-2023-11",
                             "PYSEC-2023-254"}),
    ("werkzeug", "2.2.2", {"PYSEC-2023-221", "PYSEC-2023-57", "PYSEC-2023-58"}),
    ("flask", "0.12.2", {"PYSEC-2018-66", "PYSEC-2019-179", "PYSEC-2023-62"}),
    ("aiohttp", "3.8.0", {"PYSEC-2023-120", "PYSEC-2023-246", "PYSEC-2023-250",
                          "PYSEC-2023-251", "PYSEC-2024-24", "PYSEC-2024-26"}),
    ("setuptools", "65.5.0", {"PYSEC-2022-43012"}),
    ("certifi", "2022.9.24", {"PYSEC-2022-42986", "PYSEC-2023-135"}),
    ("idna", "3.6", {"PYSEC-2024-60"}),
    ("sqlparse", "0.4.3", {"PYSEC-2023-87"}),
    ("lxml", "4.6.2", {"PYSEC-2021-19", "PYSEC-2021-852", "PYSEC-2022-230"}),
    # this record also lists a non-PEP 440 version ("0.1-bulbasaur"): skipped, no crash
    ("paramiko", "2.4.1", {"PYSEC-2022-166"}),
    # last_affected: 1.11.0 (py has no later release: no fix exists)
    ("py", "1.11.0", {"PYSEC-2022-42969"}),
    ("mlflow", "2.8.0", {"PYSEC-2023-252", "PYSEC-2023-253", "PYSEC-2023-260",
                         "PYSEC-2024-51"}),
    ("twisted", "22.4.0", {"PYSEC-2023-224", "PYSEC-2024-75"}),
    ("pip", "21.0", {"PYSEC-2021-437", "PYSEC-2023-228"}),
]

FIXED_VERSIONS = [
    ("jinja2", "3.1.5"), ("requests", "2.32.0"), ("urllib3", "2.2.3"), ("pyyaml", "5.4"),
    ("pillow", "10.3.0"), ("django", "4.2.16"), ("cryptography", "43.0.1"),
    ("werkzeug", "3.0.6"), ("flask", "2.3.2"), ("aiohttp", "3.10.2"), ("setuptools", "70.0.0"),
    ("certifi", "2024.7.4"), ("idna", "3.7"), ("sqlparse", "0.5.0"), ("lxml", "4.9.1"),
    ("paramiko", "3.4.0"), ("mlflow", "2.16.0"), ("twisted", "24.7.0"), ("pip", "23.3"),
]


def _matches(store: VulnStore, pins: list[tuple[str, str]]) -> dict[tuple[str, str], set[str]]:
    found = store.advisories_for(name for name, _ in pins)  # one query for all names
    return {
        (name, version): {
            adv.id
            for adv in found.get(name, [])
            for aff in adv.affected_for(name)
            if is_affected(version, aff, record_id=adv.id)
        }
        for name, version in pins
    }


def test_twenty_known_vulnerable_pins(store: VulnStore) -> None:
    assert len(KNOWN_VULNERABLE) == 20
    got = _matches(store, [(n, v) for n, v, _ in KNOWN_VULNERABLE])
    for name, version, expected in KNOWN_VULNERABLE:
        assert got[(name, version)] == expected, f"{name}=={version}"


def test_fixed_versions_have_no_advisories(store: VulnStore) -> None:
    got = _matches(store, FIXED_VERSIONS)
    assert {pin: ids for pin, ids in got.items() if ids} == {}


def test_every_record_evaluates_without_crashing(store: VulnStore) -> None:
    names = [r[0] for r in store._conn.execute("SELECT DISTINCT package FROM affects")]
    for name, advs in store.advisories_for(names).items():
        for adv in advs:
            for aff in adv.affected_for(name):
                for version in ("0", "1.0", "99!1.0", "not.a-version!"):
                    is_affected(version, aff, record_id=adv.id)


# -- store errors -------------------------------------------------------------------------


def test_missing_database(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError) as info:
        VulnStore.open(tmp_path / "nope.sqlite3")
    assert info.value.exit_code == 3
    assert "pipwarden db update" in (info.value.hint or "")


def test_corrupt_database(tmp_path: Path) -> None:
    db = tmp_path / "osv.sqlite3"
    db.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseError, match="unreadable") as info:
        VulnStore.open(db)
    assert "pipwarden db update" in (info.value.hint or "")


def test_schema_mismatch(tmp_path: Path, real_db: tuple[Path, ImportResult]) -> None:
    db = tmp_path / "old.sqlite3"
    db.write_bytes(real_db[0].read_bytes())
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DatabaseError, match="schema 99"):
        VulnStore.open(db)


# -- other sources ------------------------------------------------------------------------


def _write(folder: Path, data: dict[str, object], name: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / (name or f"{data['id']}.json")).write_text(json.dumps(data))


def _rec(rid: str, package: str, fixed: str, **extra: object) -> dict[str, object]:
    return {
        "id": rid,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": package},
                      "ranges": [{"type": "ECOSYSTEM",
                                  "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
        **extra,
    }


def test_import_folder_recursive_with_withdrawn_and_other_ecosystems(tmp_path: Path) -> None:
    src = tmp_path / "records"
    _write(src / "a", _rec("GHSA-1", "Demo_Pkg", "1.0"))
    _write(src / "b" / "c", _rec("GHSA-2", "demo-pkg", "2.0", withdrawn="2024-02-01T00:00:00Z"))
    _write(src, {"id": "NPM-1", "affected": [{"package": {"ecosystem": "npm", "name": "x"}}]})
    (src / "README.txt").write_text("not a record")
    db = tmp_path / "db" / "osv.sqlite3"
    result = import_source(src, db)
    assert (result.records, result.withdrawn, result.skipped, result.packages) == (2, 1, 1, 1)
    with VulnStore.open(db) as store:
        assert [a.id for a in store.advisories_for(["demo-pkg"])["demo-pkg"]] == ["GHSA-1"]
        assert store.get("GHSA-2") is not None


def test_import_malformed_record_in_zip_is_skipped_counted_and_named(tmp_path: Path) -> None:
    """One bad record never sinks the import (TRUST §2): it is skipped, counted, named."""
    import zipfile

    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("GHSA-1.json", json.dumps(_rec("GHSA-1", "demo", "1.0")))
        zf.writestr("sub/BAD-1.json", '{"id": "BAD-1", "affected": [')
    result = import_source(archive, tmp_path / "osv.sqlite3")
    assert (result.records, result.unreadable) == (1, 1)
    assert "all.zip:sub/BAD-1.json (not valid JSON" in result.unreadable_examples[0]
    with VulnStore.open(tmp_path / "osv.sqlite3") as store:
        assert store.meta().unreadable == 1
        assert [a.id for a in store.advisories_for(["demo"])["demo"]] == ["GHSA-1"]
    assert not list(tmp_path.glob(".*tmp*"))


def test_import_of_only_malformed_records_fails_and_names_them(tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("sub/BAD-1.json", '{"id": "BAD-1", "affected": [')
    with pytest.raises(InputError, match=r"all\.zip:sub/BAD-1\.json") as info:
        import_source(archive, tmp_path / "osv.sqlite3")
    assert info.value.exit_code == 2
    assert not (tmp_path / "osv.sqlite3").exists()
    assert not list(tmp_path.glob(".*tmp*"))


def test_import_rejects_an_empty_source(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no OSV records"):
        import_source(tmp_path / "empty", tmp_path / "osv.sqlite3")
    with pytest.raises(InputError, match="no such file"):
        import_source(tmp_path / "missing.zip", tmp_path / "osv.sqlite3")
    (tmp_path / "fake.zip").write_bytes(b"PK not really")
    with pytest.raises(InputError, match="not a readable zip"):
        import_source(tmp_path / "fake.zip", tmp_path / "osv.sqlite3")
