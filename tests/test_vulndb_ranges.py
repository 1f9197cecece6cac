"""OSV evaluation pitfalls for PyPI, record parsing, and the floor-audit primitives."""

from __future__ import annotations

import itertools
import logging
from typing import Any

import pytest
from packaging.specifiers import SpecifierSet

from pipwarden.errors import InputError
from pipwarden.models import Severity
from pipwarden.vulndb.floors import admitted_affected, lowest_safe_floor
from pipwarden.vulndb.osv import (
    Advisory,
    Affected,
    Event,
    Range,
    advisory_from_compact,
    advisory_to_compact,
    group_by_alias,
    parse_record,
)
from pipwarden.vulndb.ranges import (
    advisory_affects,
    fixed_versions,
    is_affected,
)

_ids = itertools.count()


def eco(*events: tuple[str, str], kind: str = "ECOSYSTEM") -> Range:
    return Range(kind, tuple(Event(k, v) for k, v in events))  # type: ignore[arg-type]


def aff(*ranges: Range, versions: tuple[str, ...] = ()) -> Affected:
    return Affected("pkg", ranges, versions)


INTRO0_FIX20 = aff(eco(("introduced", "0"), ("fixed", "2.0")))
LAST20 = aff(eco(("introduced", "0"), ("last_affected", "2.0.0")))
FIX200 = aff(eco(("introduced", "0"), ("fixed", "2.0.0")))
EPOCH = aff(eco(("introduced", "1!0"), ("fixed", "1!2.0")))
UNSORTED = aff(
    eco(("fixed", "1.5"), ("introduced", "2.0"), ("introduced", "1.0"), ("fixed", "2.5"))
)
GAP = aff(
    eco(("introduced", "1.0"), ("fixed", "1.5")), eco(("introduced", "2.0"), ("fixed", "2.5"))
)
LIMIT = aff(eco(("introduced", "1.0"), ("limit", "2.0")))
LIMIT_CAPS_FIX = aff(eco(("introduced", "0"), ("fixed", "3.0"), ("limit", "2.0")))
VERSIONS_10 = aff(versions=("1.0",))
VERSIONS_100 = aff(versions=("1.0.0",))
LOCAL_LISTED = aff(versions=("2.0.0+cpu",))
GIT_FIRST = aff(
    eco(("introduced", "0"), ("fixed", "3f1e2a9c"), kind="GIT"),
    eco(("introduced", "1.0"), ("fixed", "1.2")),
)
GIT_ONLY = aff(eco(("introduced", "0"), ("fixed", "3f1e2a9c"), kind="GIT"))
SEMVER = aff(eco(("introduced", "1.0.0"), ("fixed", "1.4.2"), kind="SEMVER"))
EMPTY_TIE = aff(eco(("introduced", "1.0"), ("fixed", "1.0")))
ADJACENT = aff(
    eco(("introduced", "0.5"), ("fixed", "1.0"), ("introduced", "1.0"), ("fixed", "2.0"))
)
INTRO_ONLY = aff(eco(("introduced", "1.0")))

MATRIX = [
    # pre-release below a fix: SpecifierSet("<2.0") would wrongly exclude 2.0rc1
    ("prerelease-below-fix", INTRO0_FIX20, "2.0rc1", True),
    ("fix-itself", INTRO0_FIX20, "2.0", False),
    ("dev-below-fix", INTRO0_FIX20, "2.0.dev1", True),
    ("dev-of-prerelease", INTRO0_FIX20, "2.0rc1.dev3", True),
    ("post-of-fix", INTRO0_FIX20, "2.0.post1", False),
    ("post-below-fix", INTRO0_FIX20, "1.9.post2", True),
    ("lowest-possible", INTRO0_FIX20, "0.0.dev0", True),
    ("zero-padding", INTRO0_FIX20, "2.0.0", False),
    ("last-affected-itself", LAST20, "2.0.0", True),
    ("last-affected-post", LAST20, "2.0.0.post1", False),
    ("last-affected-local", LAST20, "2.0.0+cu118", True),
    ("last-affected-next", LAST20, "2.0.1", False),
    ("fixed-local-of-fix", FIX200, "2.0.0+cu118", False),
    ("fixed-local-below", FIX200, "1.9.9+cu118", True),
    ("epoch-zero-vs-epoch-range", EPOCH, "3.0", False),
    ("epoch-inside", EPOCH, "1!1.0", True),
    ("epoch-fixed", EPOCH, "1!2.0", False),
    ("epoch-beyond-plain-range", INTRO0_FIX20, "1!1.0", False),
    ("unsorted-first", UNSORTED, "1.2", True),
    ("unsorted-between", UNSORTED, "1.7", False),
    ("unsorted-second", UNSORTED, "2.2", True),
    ("unsorted-after", UNSORTED, "3.0", False),
    ("gap-below", GAP, "0.9", False),
    ("gap-first", GAP, "1.4.9", True),
    ("gap-middle", GAP, "1.7", False),
    ("gap-second", GAP, "2.0", True),
    ("gap-after", GAP, "2.5", False),
    ("limit-inside", LIMIT, "1.5", True),
    ("limit-itself", LIMIT, "2.0", False),
    ("limit-above", LIMIT, "7.0", False),
    ("limit-caps-fix", LIMIT_CAPS_FIX, "2.5", False),
    ("limit-below-cap", LIMIT_CAPS_FIX, "1.9", True),
    ("versions-1.0-vs-1.0.0", VERSIONS_10, "1.0.0", True),
    ("versions-1.0.0-vs-1.0", VERSIONS_100, "1.0", True),
    ("versions-other", VERSIONS_10, "1.0.1", False),
    ("versions-many-zeros", aff(versions=("1.0.0.0.0.0.0.0",)), "1", True),
    ("versions-many-zeros-installed", VERSIONS_10, "1.0.0.0.0.0.0.0.0", True),
    ("versions-non-canonical-spelling", aff(versions=("1.0RC1", "v2.0")), "1.0rc1", True),
    ("versions-non-canonical-v", aff(versions=("1.0RC1", "v2.0")), "2", True),
    ("versions-public-covers-local", VERSIONS_10, "1.0+cu118", True),
    ("versions-local-only-that-build", LOCAL_LISTED, "2.0.0+cu118", False),
    ("versions-local-exact", LOCAL_LISTED, "2.0.0+cpu", True),
    ("versions-local-not-public", LOCAL_LISTED, "2.0.0", False),
    ("git-first-then-ecosystem", GIT_FIRST, "1.1", True),
    ("git-first-outside", GIT_FIRST, "1.2", False),
    ("git-only-ignored", GIT_ONLY, "0.1", False),
    ("semver-like-ecosystem", SEMVER, "1.4.1", True),
    ("semver-fixed", SEMVER, "1.4.2", False),
    ("introduced-and-fixed-same-version", EMPTY_TIE, "1.0", False),
    ("adjacent-ranges-keep-record-order", ADJACENT, "1.5", True),
    ("adjacent-ranges-boundary", ADJACENT, "1.0", True),
    ("introduced-only", INTRO_ONLY, "99.0", True),
    ("introduced-only-below", INTRO_ONLY, "0.9", False),
]


@pytest.mark.parametrize(("affected", "version", "expected"), [m[1:] for m in MATRIX],
                         ids=[m[0] for m in MATRIX])
def test_pitfall_matrix(affected: Affected, version: str, expected: bool) -> None:
    assert is_affected(version, affected, record_id="TEST-MATRIX") is expected


def test_non_pep440_strings_are_skipped_with_one_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rid = f"PYSEC-LEGACY-{next(_ids)}"
    legacy = aff(
        eco(("introduced", "0.7.10p1"), ("fixed", "1.0")),
        versions=("0.2.0-n653", "0.5", "0.7.10p1"),
    )
    with caplog.at_level(logging.WARNING, logger="pipwarden"):
        assert is_affected("0.5", legacy, record_id=rid)  # listed
        assert not is_affected("0.8", legacy, record_id=rid)  # introduced event skipped
        assert not is_affected("0.9", legacy, record_id=rid)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert rid in warnings[0].getMessage()
    assert "0.7.10p1" in warnings[0].getMessage()  # the first one met; others are silent


def test_legacy_installed_version_matches_exact_string_only() -> None:
    legacy = aff(eco(("introduced", "0")), versions=("0.2.0-n653",))
    assert is_affected("0.2.0-n653", legacy, record_id="PYSEC-LEGACY-X")
    assert not is_affected("0.2.0-n654", legacy, record_id="PYSEC-LEGACY-X")
    # a legacy version cannot be placed in a range, even "everything from 0"
    assert not is_affected("0.3.0-n1", legacy, record_id="PYSEC-LEGACY-X")


def _advisory(rid: str, *affected: Affected) -> Advisory:
    return Advisory(rid, (), "", "", None, None, None, Severity.UNKNOWN, None, None, (), affected)


def test_advisory_affects_and_fixed_versions_use_only_that_package() -> None:
    other = Affected("other", (eco(("introduced", "0")),), ())
    adv = _advisory("X-1", other, GAP)
    assert advisory_affects(adv, "pkg", "2.1")
    assert not advisory_affects(adv, "pkg", "3.0")
    assert advisory_affects(adv, "other", "3.0")
    assert fixed_versions(adv, "pkg") == ("1.5", "2.5")
    assert fixed_versions(GIT_FIRST_ADV, "pkg") == ("1.2",)


GIT_FIRST_ADV = _advisory("X-2", GIT_FIRST)

# -- floor audit --------------------------------------------------------------------------

JINJA_RELEASES = [
    "2.9", "2.10", "2.10.1", "2.11.0", "2.11.2", "2.11.3", "3.0.0rc1", "3.0.0", "3.1.0",
    "3.1.4", "3.1.5",
]
A_OLD = _advisory("A-1", aff(eco(("introduced", "0"), ("fixed", "2.10.1"))))
B_MID = _advisory("B-2", aff(eco(("introduced", "0"), ("fixed", "2.11.3"))))
C_NEW = _advisory("C-3", aff(eco(("introduced", "0"), ("fixed", "3.1.5"))))
JINJA = [A_OLD, B_MID, C_NEW]


@pytest.mark.parametrize(
    ("spec", "affected", "with_releases", "offline"),
    [
        (">=2.10", B_MID.affected[0], ["2.10", "2.10.1", "2.11.0", "2.11.2"], True),
        (">=2.11.3", B_MID.affected[0], [], False),
        # offline is conservative: a 2.11.2.1 would be admitted and still affected
        (">2.11.2", B_MID.affected[0], [], True),
        ("~=2.10", B_MID.affected[0], ["2.10", "2.10.1", "2.11.0", "2.11.2"], True),
        ("~=3.1.4", C_NEW.affected[0], ["3.1.4"], True),
        ("~=3.1.5", C_NEW.affected[0], [], False),
        ("~=3.0", C_NEW.affected[0], ["3.0.0", "3.1.0", "3.1.4"], True),
        ("", A_OLD.affected[0], ["2.9", "2.10"], True),  # a bare name admits everything
        ("<2.10", B_MID.affected[0], ["2.9"], True),
        ("<=2.9", aff(eco(("introduced", "2.10"), ("fixed", "2.11"))), [], False),
        ("==2.11.*", B_MID.affected[0], ["2.11.0", "2.11.2"], True),
        ("==3.*", B_MID.affected[0], [], False),
        ("!=2.10", aff(versions=("2.10",)), [], False),
        (">=2.10,!=2.10.1", aff(versions=("2.10.1", "2.10")), ["2.10"], True),
        # pre-releases are admitted only when the specifier names one
        (">=3.0.0rc1", aff(eco(("introduced", "3.0.0rc1"), ("fixed", "3.0.0"))), ["3.0.0rc1"],
         True),
        (">=2.11.3", aff(eco(("introduced", "3.0.0rc1"), ("fixed", "3.0.0"))), [], True),
        (">=3.0", LAST20, [], False),
        ("<=2.0", aff(eco(("introduced", "0"), ("last_affected", "2.0"))), [], True),
    ],
)
def test_admitted_affected(
    spec: str, affected: Affected, with_releases: list[str], offline: bool
) -> None:
    spec_set = SpecifierSet(spec)
    assert admitted_affected(spec_set, affected, releases=JINJA_RELEASES, record_id="T") == (
        with_releases
    )
    assert admitted_affected(spec_set, affected, releases=None, record_id="T") is offline


def test_offline_limit_and_gap_intervals() -> None:
    assert admitted_affected(SpecifierSet(">=2.0"), LIMIT, releases=None, record_id="T") is False
    assert admitted_affected(SpecifierSet(">=1.9"), LIMIT, releases=None, record_id="T") is True
    assert admitted_affected(SpecifierSet("~=1.6"), GAP, releases=None, record_id="T") is False
    assert admitted_affected(SpecifierSet(">1.5,<2"), GAP, releases=None, record_id="T") is False
    assert admitted_affected(SpecifierSet(">1.5,<=2"), GAP, releases=None, record_id="T") is True
    assert admitted_affected(SpecifierSet(">=1!0"), INTRO0_FIX20, releases=None,
                             record_id="T") is False


@pytest.mark.parametrize("releases", [JINJA_RELEASES, None], ids=["releases", "offline"])
def test_lowest_safe_floor_raises_to_the_last_fix(releases: list[str] | None) -> None:
    floor = lowest_safe_floor(SpecifierSet(">=2.10"), JINJA, releases=releases, package="pkg")
    assert floor.status == "raise"
    assert floor.floor == "3.1.5"
    assert floor.advisories == ("A-1", "B-2", "C-3")
    mid = lowest_safe_floor(
        SpecifierSet(">=2.10.1"), [A_OLD, B_MID], releases=releases, package="pkg"
    )
    assert (mid.status, mid.floor, mid.advisories) == ("raise", "2.11.3", ("B-2",))


@pytest.mark.parametrize("releases", [JINJA_RELEASES, None], ids=["releases", "offline"])
def test_lowest_safe_floor_already_safe(releases: list[str] | None) -> None:
    floor = lowest_safe_floor(SpecifierSet(">=3.1.5"), JINJA, releases=releases, package="pkg")
    assert (floor.status, floor.floor, floor.advisories) == ("safe", None, ())
    other = lowest_safe_floor(SpecifierSet(""), JINJA, releases=releases, package="unrelated")
    assert other.status == "safe"


def test_lowest_safe_floor_is_a_release_when_releases_are_known() -> None:
    # fixed in 2.11.3, but that release does not exist in this list: 3.0.0 is the floor
    releases = ["2.10", "2.11.2", "3.0.0rc1", "3.0.0"]
    floor = lowest_safe_floor(SpecifierSet(">=2.10"), [B_MID], releases=releases, package="pkg")
    assert (floor.status, floor.floor) == ("raise", "3.0.0")


def test_lowest_safe_floor_no_fix() -> None:
    unfixed = _advisory("U-1", aff(eco(("introduced", "1.0"))))
    for releases in (JINJA_RELEASES, None):
        floor = lowest_safe_floor(
            SpecifierSet(">=2.0"), [unfixed, A_OLD], releases=releases, package="pkg"
        )
        assert floor.no_fix
        assert floor.floor is None
        assert floor.unfixed == ("U-1",)


def test_lowest_safe_floor_last_affected() -> None:
    last = _advisory("L-1", aff(eco(("introduced", "0"), ("last_affected", "2.11.3"))))
    # no release after last_affected known: no fix
    known = ["2.10", "2.11.3"]
    assert lowest_safe_floor(SpecifierSet(">=2.10"), [last], releases=known,
                             package="pkg").no_fix
    # a later release exists: that is the floor
    floor = lowest_safe_floor(SpecifierSet(">=2.10"), [last], releases=JINJA_RELEASES,
                              package="pkg")
    assert (floor.status, floor.floor) == ("raise", "3.0.0")
    # offline there is no fixed event to name
    assert lowest_safe_floor(SpecifierSet(">=2.10"), [last], releases=None, package="pkg").no_fix


def test_lowest_safe_floor_fix_outside_an_upper_bound_is_no_fix() -> None:
    for releases in (JINJA_RELEASES, None):
        floor = lowest_safe_floor(SpecifierSet("<3"), [C_NEW], releases=releases, package="pkg")
        assert floor.no_fix, releases


# -- record parsing -----------------------------------------------------------------------


def record(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "GHSA-aaaa-bbbb-cccc",
        "modified": "2024-01-02T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2024-0001", "PYSEC-2024-1"],
        "summary": "Bad thing in Example",
        "details": "Long text.",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Example_Pkg.Sub"},
                "ranges": [{"type": "ECOSYSTEM",
                            "events": [{"introduced": "0"}, {"fixed": "1.2"}]}],
                "versions": ["1.0", "1.1"],
            },
            {"package": {"ecosystem": "npm", "name": "example"},
             "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]},
        ],
        "references": [{"type": "WEB", "url": "https://example.org/advisory"}],
    }
    base.update(overrides)
    return base


def test_parse_record_keeps_pypi_only_and_normalises_names() -> None:
    adv = parse_record(record(), source="x.json")
    assert adv.id == "GHSA-aaaa-bbbb-cccc"
    assert adv.aliases == ("CVE-2024-0001", "PYSEC-2024-1")
    assert [a.package for a in adv.affected] == ["example-pkg-sub"]
    assert adv.affected[0].ranges[0].events == (Event("introduced", "0"), Event("fixed", "1.2"))
    assert adv.url == "https://osv.dev/vulnerability/GHSA-aaaa-bbbb-cccc"
    assert adv.references == ("https://example.org/advisory",)
    assert adv.severity is Severity.UNKNOWN
    assert not adv.is_malicious
    stored = advisory_to_compact(adv)
    assert "Long text" not in stored
    assert advisory_from_compact(stored, details=adv.details, references=adv.references) == adv


@pytest.mark.parametrize(
    ("extra", "severity", "score"),
    [
        ({"severity": [{"type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]},
         Severity.CRITICAL, 9.8),
        ({"database_specific": {"severity": "MODERATE"}}, Severity.MEDIUM, None),
        # a CVSS v4 vector is scored, and wins over the label
        ({"database_specific": {"severity": "HIGH"},
          "severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/"
                        "VI:H/VA:H/SC:N/SI:N/SA:N"}]}, Severity.CRITICAL, 9.3),
        ({"severity": [{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N"}]}, Severity.UNKNOWN, None),
        # a CVSS v3 vector wins over the label
        ({"database_specific": {"severity": "LOW"},
          "severity": [{"type": "CVSS_V3",
                        "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}]},
         Severity.HIGH, 7.5),
    ],
)
def test_severity_sources(extra: dict[str, Any], severity: Severity, score: float | None) -> None:
    adv = parse_record(record(**extra), source="x.json")
    assert adv.severity is severity
    assert adv.score == score


def test_malicious_records() -> None:
    adv = parse_record(record(id="MAL-2024-1234", aliases=[]), source="MAL-2024-1234.json")
    assert adv.is_malicious
    assert adv.severity is Severity.MALICIOUS


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"modified": "x"}, "id is missing"),
        ({"id": 12}, "id must be a string"),
        ({"id": "X", "aliases": "CVE-1"}, "aliases must be a list"),
        ({"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                                   "ranges": [{"type": "ECOSYSTEM",
                                               "events": [{"introduced": 1}]}]}]},
         "introduced must be a string"),
        ({"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                                   "versions": ["1.0", 2]}]}, "versions holds a int"),
        ({"id": "X", "affected": [{"package": {"ecosystem": "PyPI", "name": "a"},
                                   "ranges": [{"type": "ECOSYSTEM", "events": [{}]}]}]},
         "exactly one of"),
        ({"id": "X", "affected": "nope"}, "affected must be a list"),
    ],
)
def test_malformed_records_name_the_source(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InputError) as info:
        parse_record(data, source="all.zip:BAD.json")
    assert str(info.value).startswith("all.zip:BAD.json: ")
    assert fragment in str(info.value)


def test_group_by_alias_links_transitively() -> None:
    def adv(rid: str, *aliases: str) -> Advisory:
        return Advisory(rid, aliases, "", "", None, None, None, Severity.UNKNOWN, None, None,
                        (), ())

    pysec = adv("PYSEC-2021-66", "CVE-2020-28493", "GHSA-g3rq-g295-4j3m")
    ghsa = adv("GHSA-g3rq-g295-4j3m", "CVE-2020-28493")
    cve_only = adv("OSV-1", "CVE-2020-28493")
    other = adv("PYSEC-2019-1", "CVE-2019-1")
    chain_a, chain_b, chain_c = adv("A-1", "X-1"), adv("B-1", "Y-1"), adv("C-1", "X-1", "Y-1")
    groups = group_by_alias([pysec, other, ghsa, chain_a, cve_only, chain_b, chain_c, pysec])
    assert groups == [(pysec, ghsa, cve_only), (other,), (chain_a, chain_b, chain_c)]


@pytest.mark.parametrize(
    "text",
    ["1.0", "1.0.0", "1.2.0.0", "0", "0.0.0", "2.0rc1", "1.0.post2", "1.0.dev3",
     "1.0a1.post1.dev2", "1.0.0+cu118", "1!2.0", "01.2", "1.0-post1", "1.0.0RC1", "v1.2",
     "1.0_1", "10.0.0.0.0.0.0.0", "0.2.0-n653", "1.0+ubuntu.1"],
)
def test_fast_version_key_agrees_with_parsing(text: str) -> None:
    from packaging.version import InvalidVersion, Version

    from pipwarden.vulndb.osv import _key_of_text, version_key

    try:
        expected: str | None = version_key(Version(text))
    except InvalidVersion:
        expected = None
    assert _key_of_text(text) == expected


def test_list_keys_fast_path_agrees_with_parsing_each_entry() -> None:
    from packaging.version import Version

    from pipwarden.vulndb.osv import _keys_of, version_key

    entries = ["1.0", "1.0.0", "0.0", "10.0.0", "1.0a1", "2.0.0rc2", "1.0.post3", "1.0.0.dev1",
               "3.0.1", "1.10.0", "0", "100.0.0.0"]
    keys, invalid = _keys_of(entries)
    assert invalid == ()
    assert keys == frozenset(version_key(Version(e)) for e in entries)
    mixed, bad = _keys_of(["1.0", "0.7.10p1", "2.0+cu118"])
    assert bad == ("0.7.10p1",)
    assert mixed == frozenset({"1", "2+cu118"})


@pytest.mark.parametrize(
    "versions",
    [["1.0", "1.0.0", "0.0", "10.0.0", "100.0.0.0", "3.0.1", "0"],
     ["1.0", "01.2"], ["1..0"], ["0.0", "00"], ["1.0.", "2"], [".5"],
     ["1.0a1", "2.0.0rc2", "1.0.post3"], ["1.0", "2.0+cu118"],
     ["1.0", "0.7.10p1"]],
)
def test_stored_keys_agree_with_parsing_each_entry(versions: list[str]) -> None:
    from pipwarden.vulndb.compact import _encode_keys
    from pipwarden.vulndb.osv import Affected, _keys_of

    affected = Affected("pkg", (), tuple(versions))
    stored = Affected("pkg", (), tuple(versions), keys=_encode_keys(affected))
    assert set(stored.version_keys[0].split()) == set(affected.version_keys[0].split())
    assert stored.version_keys[1] == affected.version_keys[1]
    assert set(affected.version_keys[0].split()) == set(_keys_of(versions)[0])


@pytest.mark.parametrize(
    ("details", "title"),
    [
        ("urllib3 is a user-friendly HTTP client library for Python. urllib3 doesn't treat "
         "the `Cookie` HTTP header special. More text.",
         "urllib3 doesn't treat the `Cookie` HTTP header special."),
        ("Requests is a HTTP library. Since Requests 2.3.0, Requests has been leaking "
         "Proxy-Authorization headers.",
         "Since Requests 2.3.0, Requests has been leaking Proxy-Authorization headers."),
        ("An issue was discovered in urllib3 before 1.26.5. When provided with a URL…",
         "An issue was discovered in urllib3 before 1.26.5."),
        ("Jinja is a template engine.", "Jinja is a template engine."),  # nothing better
    ],
)
def test_title_skips_the_project_introduction(details: str, title: str) -> None:
    from pipwarden.models import Severity
    from pipwarden.vulndb.osv import Advisory

    adv = Advisory("X-1", (), "", details, None, None, None, Severity.UNKNOWN, None, None, (), ())
    assert adv.title == title


def test_an_odd_listed_version_is_not_a_warning_on_every_audit(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # the ranges still cover the record: only that list entry is lost, so no warning
    rid = f"PYSEC-LISTED-{next(_ids)}"
    listed = aff(eco(("introduced", "0"), ("fixed", "1.0")), versions=("0.5", "0.3.1-p1"))
    with caplog.at_level(logging.DEBUG, logger="pipwarden"):
        assert is_affected("0.5", listed, record_id=rid)
        assert not is_affected("1.1", listed, record_id=rid)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("0.3.1-p1" in r.getMessage() for r in caplog.records)
