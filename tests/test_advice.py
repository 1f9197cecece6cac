"""One safe floor (pipwarden.advice), final, and the same in every command that proposes one.

The CLI tests below run on the recorded PyPA archive (OSV events only, like an offline user
without a PyPI cache), except where a loopback PyPI server supplies release lists.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loopback import LoopbackServer
from osvdb import as_current
from pipwarden.advice import Advisor, admitted, floor_for, safe_floor
from pipwarden.cli import main
from pipwarden.policy import IgnoreEntry
from pipwarden.vulndb.osv import Advisory, parse_record
from pipwarden.vulndb.update import import_source

DATA = Path(__file__).parent / "data"
ARCHIVE = DATA / "osv" / "pypa-advisory-database-20241010.zip"


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(ARCHIVE, db)
    return as_current(db)


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def _record(rid: str, package: str, *ranges: list[dict[str, str]], aliases: Sequence[str] = (),
            versions: Sequence[str] = ()) -> Advisory:
    return parse_record(
        {
            "id": rid,
            "aliases": list(aliases),
            "modified": "2024-01-01T00:00:00Z",
            "affected": [
                {
                    "package": {"ecosystem": "PyPI", "name": package},
                    "ranges": [{"type": "ECOSYSTEM", "events": list(r)} for r in ranges],
                    "versions": list(versions),
                }
            ],
        },
        source="test",
    )


# -- the function --------------------------------------------------------------------------

# urllib3's shape: a fix on the 1.26 line and a later range on the 2.0 line.
REOPENED = [
    _record("A-1", "lib", [{"introduced": "0"}, {"fixed": "1.26.18"},
                           {"introduced": "2.0.0"}, {"fixed": "2.0.7"}]),
]


def test_a_later_range_that_reopens_is_never_admitted() -> None:
    advice = safe_floor("lib", REOPENED)
    assert (advice.status, advice.floor) == ("floor", "2.0.7")
    releases = ["1.26.17", "1.26.18", "2.0.0", "2.0.6", "2.0.7", "2.1.0"]
    assert safe_floor("lib", REOPENED, releases=releases).floor == "2.0.7"


def test_never_a_pre_release_offline_or_online() -> None:
    advisories = [_record("A-1", "lib", [{"introduced": "0"}, {"fixed": "0.24.dev0"}])]
    assert safe_floor("lib", advisories).floor == "0.24"
    releases = ["0.23.2", "0.24.dev0", "0.24rc1", "0.24.0", "0.24.1"]
    assert safe_floor("lib", advisories, releases=releases).floor == "0.24.0"
    post = [_record("A-1", "lib", [{"introduced": "0"}, {"fixed": "1.0.post1.dev3"}])]
    assert safe_floor("lib", post).floor == "1.0.post1"


def test_a_yanked_release_is_never_the_floor(http_server: LoopbackServer, tmp_path: Path) -> None:
    from pipwarden.audit import pypi_release_provider
    from pipwarden.settings import Settings

    def file(version: str, kind: str, yanked: bool) -> dict[str, object]:
        return {"filename": f"lib-{version}.{kind}", "packagetype": kind,
                "upload_time_iso_8601": "2020-01-01T00:00:00Z", "yanked": yanked}

    files = {
        "1.0": [file("1.0", "sdist", False)],
        "1.1": [file("1.1", "sdist", True), file("1.1", "bdist_wheel", True)],  # the fix
        "1.2": [file("1.2", "sdist", True), file("1.2", "bdist_wheel", False)],  # installable
    }
    answer = {"info": {"name": "lib", "version": "1.2"}, "releases": files}
    http_server.add("/pypi/lib/json", json.dumps(answer),
                    headers={"Content-Type": "application/json"})
    settings = Settings(tmp_path / "cache", tmp_path / "db.sqlite3", pypi_url=http_server.url)
    lists = pypi_release_provider(settings)(["lib"])
    assert lists["lib"] == ["1.0", "1.2"]
    advisories = [_record("A-1", "lib", [{"introduced": "0"}, {"fixed": "1.1"}])]
    assert safe_floor("lib", advisories, releases=lists["lib"]).floor == "1.2"


def test_no_safe_version_is_its_own_answer() -> None:
    advisories = [_record("A-1", "lib", [{"introduced": "1.0"}])]  # no fix
    advice = safe_floor("lib", advisories, releases=["0.9", "1.0", "2.0"])
    assert advice.status == "none" and advice.floor is None and advice.no_safe_version
    assert advice.text() == "no safe version known"
    last = [_record("A-1", "lib", [{"introduced": "0"}, {"last_affected": "3.0"}])]
    assert safe_floor("lib", last).no_safe_version  # offline: the next version is unknown
    assert safe_floor("lib", last, releases=["3.0", "3.0.1"]).floor == "3.0.1"


def test_ignores_and_their_aliases_do_not_raise_the_floor() -> None:
    import datetime as dt

    advisories = [
        _record("PYSEC-1", "lib", [{"introduced": "0"}, {"fixed": "1.5"}]),
        _record("PYSEC-2", "lib", [{"introduced": "0"}, {"fixed": "3.0"}], aliases=["CVE-2"]),
        _record("GHSA-2", "lib", [{"introduced": "0"}, {"fixed": "3.0"}], aliases=["CVE-2"]),
    ]
    ignore = IgnoreEntry("CVE-2", "not reachable", dt.date(2999, 1, 1), "policy")
    assert safe_floor("lib", advisories).floor == "3.0"
    assert safe_floor("lib", advisories, ignores=[ignore]).floor == "1.5"
    found = admitted("lib", ">=1.0", advisories, ignores=[ignore])
    assert found.ids == ("PYSEC-1",) and found.versions == (">=1.0,<1.5",)


def test_listed_versions_and_local_builds_count() -> None:
    advisories = [_record("A-1", "lib", versions=["2.0.0+cu118", "2.0.1"])]
    assert safe_floor("lib", advisories, releases=["2.0.0", "2.0.1", "2.0.2"]).floor == "2.0.2"


def test_floor_for_never_lowers_a_floor() -> None:
    advice = safe_floor("lib", REOPENED)
    assert floor_for("1.26.4", advice) == "2.0.7"
    assert floor_for("2.1", advice) == "2.1"
    assert floor_for(None, advice) == "2.0.7"
    assert floor_for("1.0", None) == "1.0"


def test_advisor_asks_each_source_once() -> None:
    asked: list[tuple[str, ...]] = []

    def source(names: object) -> dict[str, list[Advisory]]:
        wanted = tuple(sorted(names))  # type: ignore[call-overload]
        asked.append(wanted)
        return {"lib": REOPENED} if "lib" in wanted else {}

    released: list[tuple[str, ...]] = []

    def releases(names: Sequence[str]) -> dict[str, Sequence[str] | None]:
        released.append(tuple(names))
        return {n: ["2.0.7", "2.0.8"] for n in names}

    advisor = Advisor(source, releases)
    advisor.prefetch(["lib", "Other"])
    assert advisor.advise("LIB").floor == "2.0.7"
    assert advisor.advise("other").status == "clean"
    assert asked == [("lib", "other")] and released == [("lib",)]


# -- the CLI: each case of "advice that is not final" --------------------------------------


def _audit(req: Path, db: Path, capsys: pytest.CaptureFixture[str], fmt: str = "json",
           *extra: str) -> tuple[int, str]:
    return _run(["audit", "-r", str(req), "--db", str(db), "--offline", "--project",
                 str(req.parent), "--format", fmt, *extra], capsys)


def _floors(doc: dict[str, object]) -> dict[str, set[str | None]]:
    findings = doc["findings"]
    assert isinstance(findings, list)
    out: dict[str, set[str | None]] = {}
    for f in findings:
        out.setdefault(f["package"], set()).add(f["safe_floor"])
    return out


@pytest.mark.parametrize(
    ("pin", "floor", "not_floor"),
    [("urllib3==1.26.4", "2.0.7", "1.26.18"), ("django==3.2.0", "5.1.1", "3.2.25")],
)
def test_pin_advice_is_final(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str],
    pin: str, floor: str, not_floor: str,
) -> None:
    name = pin.split("==")[0]
    req = tmp_path / "requirements.txt"
    req.write_text(pin + "\n")
    code, out = _audit(req, real_db, capsys, "text")
    assert code == 1
    assert f"raise the floor: {name}>={floor}" in out
    assert f">={not_floor}" not in out
    _, out = _audit(req, real_db, capsys)
    assert _floors(json.loads(out)) == {name: {floor}}
    # the advice, audited as a floor, is clean
    req.write_text(f"{name}>={floor}\n")
    code, out = _audit(req, real_db, capsys)
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_offline_floor_is_never_a_pre_release_and_fix_writes_it(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("scikit-learn>=0.20\n")
    _, out = _audit(req, real_db, capsys, "text")
    assert "raise the floor to scikit-learn>=0.24" in out and "dev0" not in out
    code, _ = _run(["lint", str(req), "--db", str(real_db), "--offline", "--fix"], capsys)
    assert req.read_text() == "scikit-learn>=0.24\n"
    assert code == 0


def test_pw101_fix_writes_the_audit_floor(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.19.1\n")
    _, out = _audit(req, real_db, capsys, "text")
    assert "raise the floor: requests>=2.31.0" in out
    _, out = _run(["lint", str(req), "--db", str(real_db), "--offline", "--select", "PW101"],
                  capsys)
    assert "use requests>=2.31.0 so updates reach you" in out
    _run(["lint", str(req), "--db", str(real_db), "--offline", "--select", "PW101", "--fix"],
         capsys)
    assert req.read_text() == "requests>=2.31.0\n"


def test_pw403_names_only_vulnerable_versions_and_honours_ignores(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    # 1.26.18 itself is clean: PW403 has nothing to say about the pin (PW101 floats it)
    req.write_text("urllib3==1.26.18\nrequests==2.19.0\n")
    argv = ["lint", str(req), "--db", str(real_db), "--offline", "--format", "json"]
    _, out = _run([*argv, "--select", "PW403"], capsys)
    findings = json.loads(out)["findings"]
    assert [f["line"] for f in findings] == [2]
    assert "(2.19.0: PYSEC-2018-28, PYSEC-2023-74)" in findings[0]["message"]
    assert "requests>=2.31.0" in findings[0]["message"]
    _, out = _run([*argv, "--select", "PW101"], capsys)
    assert "use urllib3>=2.0.7 so" in json.loads(out)["findings"][0]["message"]
    # an ignore in the project's policy: not named, and it no longer raises the floor
    (tmp_path / ".pipwarden.toml").write_text(
        '[[ignore]]\nid = "CVE-2023-32681"\nreason = "no proxies"\nuntil = "2999-01-01"\n'
    )
    _, out = _run([*argv, "--select", "PW403"], capsys)
    [finding] = json.loads(out)["findings"]
    assert "PYSEC-2023-74" not in finding["message"]
    assert "raise the floor to requests>=2.20.0" in finding["message"]
    _, out = _audit(req, real_db, capsys, "text")
    assert "requests>=2.20.0" in out and "requests>=2.31.0" not in out


def test_fleet_never_consolidates_on_a_vulnerable_floor(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "requirements.txt").write_text("urllib3==1.26.4\n")
    (tmp_path / "b" / "requirements.txt").write_text("urllib3>=1.26.18\n")
    _, out = _run(["fleet", str(tmp_path), "--db", str(real_db), "--offline"], capsys)
    assert "→ consolidate on urllib3>=2.0.7" in out
    (tmp_path / "a" / "requirements.txt").write_text("py==1.4\n")
    (tmp_path / "b" / "requirements.txt").write_text("py>=1.5\n")
    _, out = _run(["fleet", str(tmp_path), "--db", str(real_db), "--offline", "-f", "json"],
                  capsys)
    [div] = json.loads(out)["divergences"]
    assert div["suggestion"] is None and div["no_safe_version"] is True


def test_check_does_not_call_unused_what_audit_asks_to_raise(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("requests==2.19.0\n")
    (tmp_path / "main.py").write_text("import json\n")
    _, out = _run(["check", str(tmp_path), "--db", str(real_db), "--offline"], capsys)
    assert "raise the floor: requests>=2.31.0" in out
    line = next(x for x in out.splitlines() if "declared but never imported" in x)
    assert "known vulnerabilities: remove it (if you keep it, raise it to requests>=2.31.0)" in line


# -- ≥ 20 vulnerable pins: final, and the same everywhere -----------------------------------

PINS = [
    ("jinja2", "2.10.1"), ("requests", "2.19.0"), ("urllib3", "1.24.1"), ("urllib3", "1.26.4"),
    ("pyyaml", "5.3"), ("pillow", "8.1.0"), ("django", "3.2.0"), ("django", "4.2.0"),
    ("cryptography", "3.2"), ("werkzeug", "2.2.2"), ("flask", "0.12.2"), ("aiohttp", "3.8.0"),
    ("setuptools", "65.5.0"), ("certifi", "2022.9.24"), ("idna", "3.6"), ("sqlparse", "0.4.3"),
    ("lxml", "4.6.2"), ("paramiko", "2.4.1"), ("mlflow", "2.8.0"), ("twisted", "22.4.0"),
    ("pip", "21.0"), ("scikit-learn", "0.22"),
]


def test_twenty_pins_floor_is_final_and_every_command_prints_it(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = sorted({n for n, _ in PINS})
    assert len(PINS) >= 20
    db = ["--db", str(real_db), "--offline"]
    expected: dict[str, str] = {}
    for name, version in PINS:  # one project per pin: the floor does not depend on the pin
        folder = tmp_path / "one" / f"{name}-{version}"
        folder.mkdir(parents=True)
        req = folder / "requirements.txt"
        req.write_text(f"{name}=={version}\n")
        code, out = _audit(req, real_db, capsys)
        assert code == 1
        [floors] = _floors(json.loads(out)).values()
        [floor] = floors
        assert floor is not None
        assert expected.setdefault(name, floor) == floor
    assert len(expected) == len(names)

    # audited as floors: no finding at all
    req = tmp_path / "floors" / "requirements.txt"
    req.parent.mkdir()
    req.write_text("".join(f"{n}>={f}\n" for n, f in expected.items()))
    code, out = _audit(req, real_db, capsys)
    assert (code, json.loads(out)["findings"]) == (0, [])

    # audit (text), lint, check and fleet of a project with every pin print the same floors
    project = tmp_path / "fleet" / "pins"
    project.mkdir(parents=True)
    pins = project / "requirements.txt"
    pins.write_text("".join(f"{n}=={v}\n" for n, v in PINS if (n, v) != ("urllib3", "1.24.1")
                            and (n, v) != ("django", "4.2.0")))
    _, text = _audit(pins, real_db, capsys, "text")
    for name, floor in expected.items():
        assert f"{name}>={floor}" in text, name

    _, out = _run(["lint", str(pins), *db, "--format", "json"], capsys)
    messages = json.loads(out)["findings"]
    for name, floor in expected.items():
        mine = [m["message"] for m in messages if m["message"].startswith(f"{name}==")]
        assert {"PW101", "PW403"} <= {m["code"] for m in messages
                                      if m["message"].startswith(f"{name}==")}
        assert all(f"{name}>={floor}" in m for m in mine), mine

    _, out = _run(["check", str(project), *db, "--format", "json"], capsys)
    audit = json.loads(out)["audit"]
    assert _floors(audit) == {n: {f} for n, f in expected.items()}
    lint_messages = [f["message"] for f in json.loads(out)["lint"]["findings"]]
    for name, floor in expected.items():
        assert any(f"use {name}>={floor} so" in m for m in lint_messages), name

    other = tmp_path / "fleet" / "bare"
    other.mkdir()
    (other / "requirements.txt").write_text("".join(f"{n}\n" for n in expected))
    _, out = _run(["fleet", str(tmp_path / "fleet"), *db, "--format", "json"], capsys)
    suggested = {d["package"]: d["suggestion"] for d in json.loads(out)["divergences"]}
    assert suggested == {n: f"{n}>={f}" for n, f in expected.items()}
    _run(["lint", str(pins), *db, "--fix"], capsys)
    assert pins.read_text().splitlines() == [f"{n}>={expected[n]}" for n, v in PINS
                                             if (n, v) not in {("urllib3", "1.24.1"),
                                                               ("django", "4.2.0")}]


def test_a_new_major_version_is_said_not_avoided(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipwarden.advice import crosses_major

    assert crosses_major("3.2.0", "5.1.1") and not crosses_major("2.19.0", "2.31.0")
    assert not crosses_major(None, "1.0") and not crosses_major("1!1.0", "2.0")
    req = tmp_path / "requirements.txt"
    req.write_text("django==3.2.0\n")
    _, out = _audit(req, real_db, capsys, "text")
    assert "django>=5.1.1 (a new major version: you pin 3.2.0)" in out


def _pypi_answer(name: str, releases: dict[str, bool]) -> str:
    """A PyPI JSON answer: ``{version: yanked}``, one sdist per release."""
    files = {
        v: [{"filename": f"{name}-{v}.tar.gz", "packagetype": "sdist",
             "upload_time_iso_8601": "2023-01-01T00:00:00Z", "yanked": yanked}]
        for v, yanked in releases.items()
    }
    latest = list(releases)[-1]
    return json.dumps({"info": {"name": name, "version": latest}, "releases": files})


def test_online_every_command_proposes_the_same_release_never_a_yanked_one(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str],
    http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    # urllib3's real fixes are 1.26.18 and 2.0.7; here 2.0.7 is yanked, so 2.1.0 it is
    answer = _pypi_answer("urllib3", {"1.26.4": False, "1.26.18": False, "2.0.6": False,
                                      "2.0.7": True, "2.1.0": False})
    http_server.add("/pypi/urllib3/json", answer, headers={"Content-Type": "application/json"})
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    db = ["--db", str(real_db)]
    project = tmp_path / "fleet" / "a"
    project.mkdir(parents=True)
    req = project / "requirements.txt"
    req.write_text("urllib3==1.26.4\n")
    (tmp_path / "fleet" / "b").mkdir()
    (tmp_path / "fleet" / "b" / "requirements.txt").write_text("urllib3>=1.26.18\n")

    _, out = _run(["audit", "-r", str(req), *db, "--project", str(project), "-f", "json"],
                  capsys)
    assert _floors(json.loads(out)) == {"urllib3": {"2.1.0"}}
    _, out = _run(["lint", str(req), *db, "-f", "json"], capsys)
    messages = [f["message"] for f in json.loads(out)["findings"]]
    assert any("use urllib3>=2.1.0 so" in m for m in messages)
    assert any("raise the floor to urllib3>=2.1.0" in m for m in messages)
    _, out = _run(["check", str(project), *db, "-f", "json"], capsys)
    assert _floors(json.loads(out)["audit"]) == {"urllib3": {"2.1.0"}}
    _, out = _run(["fleet", str(tmp_path / "fleet"), *db, "-f", "json"], capsys)
    [div] = json.loads(out)["divergences"]
    assert div["suggestion"] == "urllib3>=2.1.0"
    # the floor, audited as a floor with the same release list: clean
    req.write_text("urllib3>=2.1.0\n")
    code, out = _run(["audit", "-r", str(req), *db, "--project", str(project), "-f", "json"],
                     capsys)
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_a_record_that_cannot_be_evaluated_is_named_and_hides_nothing() -> None:
    huge = "1" * 5000
    advisories = [
        _record("A-1", "lib", [{"introduced": "0"}, {"fixed": "1.5"}]),
        _record("A-2", "lib", [{"introduced": "0"}, {"fixed": huge}]),
    ]
    advice = safe_floor("lib", advisories)
    assert (advice.floor, advice.unevaluable) == ("1.5", ("A-2",))
    found = admitted("lib", ">=1.0", advisories)
    assert (found.ids, found.unevaluable) == (("A-1",), ("A-2",))


def test_floors_from_range_tops_equal_floors_from_every_interval(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The safe floor reads each range's highest piece and the single highest listed
    version of a package; over every package of the recorded archive it must equal the
    floor computed from every affected interval of every entry."""
    import zipfile

    from pipwarden import advice
    from pipwarden.vulndb import floors

    archive = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
    by_package: dict[str, list[Advisory]] = {}
    with zipfile.ZipFile(archive) as zf:
        for member in sorted(n for n in zf.namelist() if n.endswith(".json")):
            adv = parse_record(json.loads(zf.read(member)), source=member)
            if adv.withdrawn is None:
                for package in dict.fromkeys(a.package for a in adv.affected):
                    by_package.setdefault(package, []).append(adv)
    assert len(by_package) > 500
    fast = {name: advice.safe_floor(name, advs) for name, advs in by_package.items()}

    # Every affected interval of every entry (``versions`` lists included) as its "tops".
    monkeypatch.setattr(floors, "range_ceilings", floors.affected_intervals)
    full = {name: advice.safe_floor(name, advs) for name, advs in by_package.items()}
    assert sum(a.status == "floor" for a in full.values()) > 300
    assert fast == full


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["introduced", "fixed", "last_affected", "limit"]),
            st.sampled_from(
                ["0", "1.0", "1.1", "1.1.0", "1.1rc1", "1.2", "2.0", "2.0.post1", "3"]
            ),
        ),
        max_size=8,
    )
)
def test_range_top_is_the_highest_piece_of_the_range(events: list[tuple[str, str]]) -> None:
    """The top-down search finds the piece holding the range's highest affected version."""
    from pipwarden.vulndb import floors
    from pipwarden.vulndb.osv import Event, Range
    from pipwarden.vulndb.ranges import _sorted_events

    rng = Range("ECOSYSTEM", tuple(Event(kind, text) for kind, text in events))  # type: ignore[arg-type]
    parsed = _sorted_events(rng, "TEST-1")
    full = floors._range_intervals(parsed)
    top = floors._range_top(parsed)
    if not full:
        assert top == []
    else:
        assert [(iv.hi, iv.hi_incl) for iv in top] == [(full[-1].hi, full[-1].hi_incl)]


def test_floors_from_the_store_equal_floors_from_the_records(real_db: Path) -> None:
    """The audit's floors come from the floor data the store computed at import (no record
    decoded); over every package of the recorded archive, with and without release lists
    and ignores, they must equal the floors computed from the parsed records."""
    from pipwarden.advice import floor_of
    from pipwarden.vulndb.store import VulnStore

    with VulnStore.open(real_db) as store:
        names = [row[0] for row in store._conn.execute("SELECT DISTINCT package FROM affects")]
        records = store.floor_records(names)
        advisories = store.advisories_for(names)
    assert len(records) > 500 and records.keys() == advisories.keys()
    some_ids = [advs[0].id for advs in list(advisories.values())[::7]]
    ignores = [IgnoreEntry(i, "test", dt.date(2099, 1, 1), "policy") for i in some_ids]
    compared = 0
    for name, advs in advisories.items():
        fixed = sorted({e.version for a in advs for aff in a.affected_for(name)
                        for r in aff.ranges for e in r.events if e.kind == "fixed"})
        for releases in (None, [*fixed, "999"]):
            for ign in ((), ignores):
                expected = safe_floor(name, advs, releases=releases, ignores=ign)
                got = floor_of(name, records[name], releases=releases, ignores=ign)
                assert got == expected, name
                compared += 1
    assert compared > 2000
