"""Each risk signal's levels, from hand-made PyPI answers (no network)."""

from __future__ import annotations

import types
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pipwarden.checks import (
    PackageContext,
    VetThresholds,
    funding,
    install_code,
    maintainers,
    popularity,
    provenance,
    releases,
    security_policy,
    source_repo,
    stdlib,
    vulnerabilities,
    weight,
)
from pipwarden.models import Level, Severity

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def ctx(**kwargs: Any) -> PackageContext:
    kwargs.setdefault("name", "demo")
    kwargs.setdefault("version", "1.0")
    return PackageContext(now=NOW, **kwargs)


def project(**parts: Any) -> dict[str, Any]:
    info = {"name": "demo", "version": "1.0", "project_urls": {}, "requires_dist": None}
    info.update(parts.pop("info", {}))
    return {"info": info, **parts}


def day(days_ago: float) -> str:
    return (NOW - timedelta(days=days_ago)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def files(
    days_ago: float, *, kind: str = "bdist_wheel", yanked: bool = False
) -> list[dict[str, Any]]:
    return [{"packagetype": kind, "upload_time_iso_8601": day(days_ago), "yanked": yanked}]


# -- popularity ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("rank", "level"), [(7, Level.OK), (5000, Level.OK), (9000, Level.INFO), (None, Level.WARN)]
)
def test_popularity(rank: int | None, level: Level) -> None:
    signal = popularity.check(ctx(rank=rank))
    assert signal.level is level
    assert signal.evidence["rank"] == rank


# -- maintainers ---------------------------------------------------------------------------
def roles(*users: str) -> list[dict[str, str]]:
    return [{"role": "Owner", "user": u} for u in users]


@pytest.mark.parametrize(
    ("users", "org", "level", "words"),
    [
        (["solo"], None, Level.WARN, "Only 1 maintainer"),
        (["a", "b", "c"], None, Level.OK, "3 maintainers"),
        ([f"u{i}" for i in range(7)], None, Level.WARN, "7 maintainers"),
        (["solo"], "pallets", Level.OK, "organisation pallets"),
        ([], "attrs", Level.OK, "organisation attrs"),
        ([], None, Level.UNKNOWN, "listed no owners"),
    ],
)
def test_maintainers(users: list[str], org: str | None, level: Level, words: str) -> None:
    data = project(ownership={"organization": org, "roles": roles(*users)})
    signal = maintainers.check(ctx(project=data))
    assert signal.level is level
    assert words in signal.message


def test_maintainers_thresholds_are_configurable() -> None:
    data = project(ownership={"organization": None, "roles": roles("a", "b", "c")})
    strict = VetThresholds(min_maintainers=4)
    assert maintainers.check(ctx(project=data, thresholds=strict)).level is Level.WARN
    lax = VetThresholds(max_maintainers=2, min_maintainers=1)
    assert "many hands" in maintainers.check(ctx(project=data, thresholds=lax)).message


def test_maintainers_missing_key_is_unknown_not_absent() -> None:
    assert maintainers.check(ctx(project=project())).level is Level.UNKNOWN
    failed = maintainers.check(ctx(project_error="PyPI unreachable: timed out"))
    assert failed.level is Level.UNKNOWN and "timed out" in failed.message


# -- release history -----------------------------------------------------------------------
def test_new_package_warns() -> None:
    data = project(releases={"0.1": files(30), "0.2": files(10)})
    signal = releases.check(ctx(project=data))
    assert signal.level is Level.WARN and "New package" in signal.message


def test_abandoned_package_warns() -> None:
    data = project(releases={"1.0": files(2000), "1.1": files(1000)})
    signal = releases.check(ctx(project=data))
    assert signal.level is Level.WARN and "abandoned" in signal.message
    assert signal.evidence["releases_last_12_months"] == 0


def test_regular_releases_sorted_by_upload_time_not_dict_order() -> None:
    # dict order says 2.0 is oldest; upload times say it is the newest
    data = project(
        releases={
            "2.0": files(5),
            "1.0": files(400),
            "1.1": files(300),
            "1.2": files(100, yanked=True),
            "0.9": [],  # no files: no upload time, ignored
        }
    )
    signal = releases.check(ctx(project=data))
    assert signal.level is Level.OK
    ev = signal.evidence
    assert ev["last_version"] == "2.0"
    assert ev["first_release"] == (NOW - timedelta(days=400)).date().isoformat()
    assert ev["releases_last_12_months"] == 3
    assert ev["median_gap_days"] == 100.0
    assert ev["yanked_share"] == 0.25


def test_release_history_unknown() -> None:
    assert releases.check(ctx(project=project())).level is Level.UNKNOWN
    assert releases.check(ctx(project=project(releases={}))).level is Level.UNKNOWN


# -- funding / security / source -----------------------------------------------------------
@pytest.mark.parametrize(
    ("urls", "level"),
    [
        ({"Funding": "https://example.org/give"}, Level.OK),
        ({"Home": "https://opencollective.com/demo"}, Level.OK),
        ({"Home": "https://github.com/sponsors/someone"}, Level.OK),
        ({"Donate": "https://palletsprojects.com/donate"}, Level.OK),
        ({"Source": "https://github.com/a/b"}, Level.INFO),
    ],
)
def test_funding(urls: dict[str, str], level: Level) -> None:
    assert funding.check(ctx(project=project(info={"project_urls": urls}))).level is level


def test_funding_from_github_file_and_unknown() -> None:
    gh = {"funding_file": "https://github.com/a/b/blob/main/.github/FUNDING.yml"}
    signal = funding.check(ctx(project=project(), github=gh))
    assert signal.level is Level.OK and "FUNDING.yml" in signal.message
    assert funding.check(ctx(project_error="not on PyPI")).level is Level.UNKNOWN


def test_security_policy() -> None:
    urls = {"Security": "https://example.org/security"}
    linked = security_policy.check(ctx(project=project(info={"project_urls": urls})))
    assert linked.level is Level.OK
    none = security_policy.check(ctx(project=project()))
    assert none.level is Level.INFO and "on PyPI" in none.message
    gh = {"security_file": "https://github.com/a/b/blob/main/SECURITY.md"}
    assert security_policy.check(ctx(project=project(), github=gh)).level is Level.OK
    assert security_policy.check(ctx()).level is Level.UNKNOWN


@pytest.mark.parametrize(
    ("urls", "level", "where"),
    [
        ({"Source": "https://github.com/psf/requests"}, Level.OK, "github.com/psf/requests"),
        ({"Code": "https://gitlab.com/group/proj.git"}, Level.OK, "gitlab.com/group/proj"),
        ({"Home": "https://codeberg.org/x/y/"}, Level.OK, "codeberg.org/x/y"),
        ({"Home": "https://example.org/"}, Level.WARN, "No source repository"),
        ({"Sponsor": "https://github.com/sponsors/x"}, Level.WARN, "No source repository"),
    ],
)
def test_source_repo(urls: dict[str, str], level: Level, where: str) -> None:
    signal = source_repo.check(ctx(project=project(info={"project_urls": urls})))
    assert signal.level is level and where in signal.message


def test_archived_repository_warns() -> None:
    data = project(info={"project_urls": {"Source": "https://github.com/a/b"}})
    signal = source_repo.check(ctx(project=data, github={"archived": True}))
    assert signal.level is Level.WARN and "archived" in signal.message


# -- install-time code ---------------------------------------------------------------------
def test_install_code() -> None:
    wheel = project(releases={"1.0": files(10) + files(10, kind="sdist")})
    assert install_code.check(ctx(project=wheel)).level is Level.OK
    sdist = project(releases={"1.0": files(10, kind="sdist")})
    signal = install_code.check(ctx(project=sdist))
    assert signal.level is Level.WARN and "build code" in signal.message
    assert install_code.check(ctx(project=project(), version="9.9")).level is Level.UNKNOWN


# -- provenance / project status -----------------------------------------------------------
def simple(
    *, provenance_url: object = None, status: dict[str, str] | None = None
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "files": [
            {"filename": "demo-1.0-py3-none-any.whl", "provenance": provenance_url},
            {"filename": "demo-1.0.tar.gz", "provenance": provenance_url},
            {"filename": "demo-0.9-py3-none-any.whl", "provenance": "https://old"},
        ]
    }
    if status is not None:
        data["project-status"] = status
    return data


def test_provenance_levels() -> None:
    attested = provenance.check(ctx(simple=simple(provenance_url="https://prov")))
    assert attested.level is Level.OK and "PEP 740" in attested.message
    bare = provenance.check(ctx(simple=simple()))  # 0.9 is attested, 1.0 is not
    assert bare.level is Level.INFO
    no_key = provenance.check(ctx(simple={"files": [{"filename": "demo-1.0.tar.gz"}]}))
    assert no_key.level is Level.UNKNOWN
    missing = provenance.check(ctx(simple_error="PyPI answered HTTP 500 after 4 tries"))
    assert missing.level is Level.UNKNOWN and "HTTP 500" in missing.message


@pytest.mark.parametrize(
    ("status", "level"),
    [("quarantined", Level.RISK), ("archived", Level.WARN), ("deprecated", Level.WARN)],
)
def test_project_status(status: str, level: Level) -> None:
    data = simple(status={"status": status, "reason": "see notes"})
    signal = provenance.check(ctx(simple=data))
    assert signal.level is level and status in signal.message and "see notes" in signal.message


# -- vulnerabilities -----------------------------------------------------------------------
class Adv:
    def __init__(self, id: str, severity: Severity = Severity.UNKNOWN, *, affects: bool = True):
        self.id = id
        self.aliases: tuple[str, ...] = ()
        self.summary = "x"
        self.severity = severity
        self.is_malicious = id.startswith("MAL-")
        self.affected = (types.SimpleNamespace(package="demo", hit=affects),)


@pytest.fixture
def matcher(monkeypatch: pytest.MonkeyPatch) -> None:
    def is_affected(version: str, entry: Any, *, record_id: str) -> bool:
        return bool(entry.hit)

    monkeypatch.setattr(vulnerabilities, "_matcher", lambda: is_affected)


def test_no_database_is_unknown_with_the_fix() -> None:
    signal = vulnerabilities.check(ctx())
    assert signal.level is Level.UNKNOWN and "pipwarden db update" in signal.message


def test_malicious_record_is_risk() -> None:
    signal = vulnerabilities.check(ctx(advisories=[Adv("MAL-2024-1")], version=None))
    assert signal.level is Level.RISK and "MAL-2024-1" in signal.message


@pytest.mark.usefixtures("matcher")
def test_vulnerabilities_of_the_version() -> None:
    assert vulnerabilities.check(ctx(advisories=[])).level is Level.OK
    fixed = vulnerabilities.check(ctx(advisories=[Adv("PYSEC-1", affects=False)]))
    assert fixed.level is Level.OK and "earlier versions" in fixed.message
    medium = vulnerabilities.check(ctx(advisories=[Adv("PYSEC-2", Severity.MEDIUM)]))
    assert medium.level is Level.WARN and "PYSEC-2" in medium.message
    high = vulnerabilities.check(ctx(advisories=[Adv("GHSA-x", Severity.HIGH)]))
    assert high.level is Level.RISK and "high" in high.message


# -- weight / stdlib -----------------------------------------------------------------------
def test_weight() -> None:
    assert weight.check(ctx(dependencies=[])).level is Level.OK
    few = weight.check(ctx(dependencies=["idna", "certifi"]))
    assert few.level is Level.INFO and few.evidence["count"] == 2
    many = weight.check(ctx(dependencies=[f"p{i}" for i in range(40)]))
    assert many.level is Level.WARN and "40 packages" in many.message
    unknown = weight.check(ctx(dependencies_error="PyPI did not list its dependencies"))
    assert unknown.level is Level.UNKNOWN


def test_stdlib_alternative_from_the_curated_table() -> None:
    signal = stdlib.check(ctx(name="toml", python=(3, 12)))
    assert signal is not None and signal.level is Level.INFO
    assert "tomllib (Python 3.11+)" in signal.message
    assert stdlib.check(ctx(name="toml", python=(3, 9))) is None  # not there yet
    assert stdlib.check(ctx(name="pandas")) is None
