"""``pipwarden vet`` end to end against a loopback PyPI serving recorded answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.errors import DataUnavailableError
from pipwarden.models import Level
from pipwarden.pypi.client import PyPIClient
from pipwarden.settings import Settings
from pipwarden.vet import VetRequest, Vetter, latest_compatible, parse_request, requirements_of
from pypi_server import fast_serve, install_pypi

DATA = Path(__file__).parent / "data" / "pypi"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A loopback server that stops quickly (overrides the shared fixture)."""
    yield from fast_serve()


@pytest.fixture
def pypi(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    install_pypi(http_server, DATA)
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    yield http_server


def vetter(server: LoopbackServer, tmp_path: Path, **kwargs: object) -> Vetter:
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "none.db", pypi_url=server.url,
                        timeout=0.5)
    client = PyPIClient(settings, sleep=lambda s: None, retries=1, progress=False)
    return Vetter(settings, client=client, python=(3, 12), now=lambda: NOW, progress=False,
                  **kwargs)  # type: ignore[arg-type]


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, object]]:
    code = main(["vet", *argv, "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def by_id(package: dict[str, object]) -> dict[str, dict[str, object]]:
    return {s["id"]: s for s in package["signals"]}  # type: ignore[index,union-attr]


def test_offline_json_contract(capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "reqeusts", "requests", "--offline")
    assert code == 1  # a typosquat is a risk
    packages = doc["packages"]
    assert [p["name"] for p in packages] == ["reqeusts", "requests"]  # type: ignore[union-attr]
    typo = by_id(packages[0])["typosquat"]  # type: ignore[index]
    assert typo["level"] == "risk" and typo["target"] == "requests"
    for package in packages:  # type: ignore[union-attr]
        ids = {s["id"] for s in package["signals"]}
        assert {"typosquat", "popularity", "vulnerabilities"} <= ids
        for signal in package["signals"]:
            assert set(signal) >= {"id", "level", "message"}
            assert signal["level"] in {"ok", "info", "unknown", "warn", "risk"}
    assert by_id(packages[1])["typosquat"]["level"] == "ok"  # type: ignore[index]
    assert by_id(packages[1])["popularity"]["level"] == "ok"  # type: ignore[index]


def test_online_vet_of_requests(pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "requests", "--python", "3.12")
    assert code == 0
    (package,) = doc["packages"]  # type: ignore[misc]
    assert package["display_name"] == "requests" and package["version"] == "2.34.2"
    signals = by_id(package)
    assert signals["maintainers"]["level"] == "ok"
    assert signals["source_repo"]["message"] == "Source: github.com/psf/requests."
    assert signals["install_code"]["level"] == "ok"
    assert signals["weight"]["evidence"]["packages"] == [  # type: ignore[index]
        "certifi", "charset-normalizer", "idna", "urllib3"
    ]
    assert signals["vulnerabilities"]["level"] == "unknown"
    assert "pipwarden db update" in signals["vulnerabilities"]["message"]  # type: ignore[operator]


def test_text_and_markdown(pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vet", "flask", "--python", "3.12"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("Flask 3.1.3 — ")
    assert "Backed by the organisation pallets" in text
    assert "\x1b[" not in text  # no colour when not a terminal
    assert main(["vet", "flask", "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert "| Flask | 3.1.3 |" in md


def test_requirements_file_and_tree(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("# deps\nflask>=3.0\ndbt-core-experimental-parser\n", encoding="utf-8")
    code, doc = run_json(capsys, "-r", str(req), "--tree", "--python", "3.12")
    packages = doc["packages"]
    names = [p["name"] for p in packages]  # type: ignore[union-attr]
    assert {"flask", "werkzeug", "markupsafe", "click"} <= set(names)
    levels = [Level[p["verdict"].upper()] for p in packages]  # type: ignore[index,union-attr]
    assert levels == sorted(levels, reverse=True)  # riskiest first
    direct = {p["name"]: p for p in packages if p["direct"]}  # type: ignore[union-attr]
    assert set(direct) == {"flask", "dbt-core-experimental-parser"}
    assert "requirements.txt:2" in direct["flask"]["location"]  # type: ignore[operator]
    werkzeug = next(p for p in packages if p["name"] == "werkzeug")  # type: ignore[union-attr]
    assert werkzeug["via"] == ["flask"]
    sdist_only = by_id(direct["dbt-core-experimental-parser"])["install_code"]
    assert sdist_only["level"] == "warn"
    assert code == 0


def test_not_on_pypi(pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "surely-not-a-real-package-name")
    (package,) = doc["packages"]  # type: ignore[misc]
    assert package["error"] == "not on PyPI"
    signals = by_id(package)
    assert signals["exists"]["level"] == "warn"
    assert signals["popularity"]["level"] == "warn"
    assert code == 0


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        ({"body": "{oops", "status": 200}, "malformed answer"),
        ({"body": "<html><body>Welcome</body></html>", "status": 200}, "malformed answer"),
        ({"body": "[1, 2]", "status": 200}, "malformed answer"),
        ({"body": "{}", "fail_times": 10}, "HTTP 500"),
        ({"body": "{}", "delay": 1.5}, "no complete answer within 1 s"),
    ],
    ids=["not-json", "html-page", "wrong-shape", "http-500", "timeout"],
)
def test_no_data_is_exit_3_never_a_verdict(
    http_server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    route: dict[str, object],
    reason: str,
) -> None:
    """[6] PyPI unreachable or answering garbage: exit 3 with one line, no report."""
    install_pypi(http_server, DATA)
    http_server.add("/pypi/requests/json", **route)  # type: ignore[arg-type]
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    monkeypatch.setenv("PIPWARDEN_HTTP_DEADLINE", "1")
    code = main(["vet", "requests", "--python", "3.12"])
    out, err = capsys.readouterr()
    assert code == 3
    assert out == ""  # no verdict at all
    first = err.strip().splitlines()[0]
    assert "cannot vet requests" in first and reason in first


def test_an_info_without_fields_is_not_a_verdict_of_unknowns(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    """A JSON object of the wrong shape ({"info": 3}) is refused like garbage."""
    install_pypi(http_server, DATA)
    http_server.add("/pypi/requests/json", json.dumps({"info": 3, "releases": []}))
    with pytest.raises(DataUnavailableError, match="malformed"):
        vetter(http_server, tmp_path).vet([VetRequest("requests")])


def test_simple_api_fault_is_exit_3(http_server: LoopbackServer, tmp_path: Path) -> None:
    install_pypi(http_server, DATA)
    http_server.add("/simple/requests/", "{}", fail_times=10)
    with pytest.raises(DataUnavailableError, match="simple API: PyPI answered HTTP 500"):
        vetter(http_server, tmp_path).vet([VetRequest("requests")])


def test_quarantined_project_is_risk(http_server: LoopbackServer, tmp_path: Path) -> None:
    install_pypi(http_server, DATA)
    simple = {"meta": {"api-version": "1.4"}, "project-status": {"status": "quarantined"},
              "files": []}
    http_server.add("/simple/idna/", json.dumps(simple))
    (package,) = vetter(http_server, tmp_path).vet([VetRequest("idna")]).packages
    assert package.verdict is Level.RISK
    assert any("quarantined" in r for r in package.reasons)


def test_warm_cache_makes_no_requests(http_server: LoopbackServer, tmp_path: Path) -> None:
    install_pypi(http_server, DATA)
    vetter(http_server, tmp_path).vet([VetRequest("flask")])
    before = len(http_server.requests)
    vetter(http_server, tmp_path).vet([VetRequest("flask")])
    assert len(http_server.requests) == before


def test_pinned_version_uses_that_release(http_server: LoopbackServer, tmp_path: Path) -> None:
    install_pypi(http_server, DATA)
    report = vetter(http_server, tmp_path).vet([parse_request("requests==2.31.0")])
    (package,) = report.packages
    assert package.version == "2.31.0" and package.latest == "2.34.2"
    assert http_server.count("/pypi/requests/2.31.0/json") == 1


def test_github_security_and_funding_files(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    install_pypi(http_server, DATA)
    http_server.add("/repos/pallets/flask", json.dumps(
        {"full_name": "pallets/flask", "html_url": "https://github.com/pallets/flask",
         "archived": False, "stargazers_count": 1}))
    http_server.add(
        "/repos/pallets/flask/contents/.github/SECURITY.md",
        json.dumps({"html_url": "https://github.com/pallets/flask/blob/main/.github/SECURITY.md"}),
    )
    http_server.add(
        "/repos/pallets/flask/contents/.github/FUNDING.yml",
        json.dumps({"html_url": "https://github.com/pallets/flask/blob/main/.github/FUNDING.yml"}),
    )
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "x", pypi_url=http_server.url,
                        github_api_url=http_server.url, github_token="ghp_secret_value")
    client = PyPIClient(settings, sleep=lambda s: None, progress=False)
    vet = Vetter(settings, client=client, python=(3, 12), now=lambda: NOW, progress=False)
    (package,) = vet.vet([VetRequest("flask")]).packages
    policy = package.signal("security_policy")
    assert policy is not None and policy.level is Level.OK
    assert policy.evidence["from"] == "github"
    gh_requests = [r for r in http_server.requests if r.path.startswith("/repos/")]
    assert gh_requests and all(
        r.headers.get("Authorization") == "Bearer ghp_secret_value" for r in gh_requests
    )
    assert "ghp_secret_value" not in repr(package)


def test_markers_and_extras() -> None:
    reqs = [
        'idna>=2.5',
        'PySocks!=1.5.7; extra == "socks"',
        'tomli; python_version < "3.11"',
        'exceptiongroup; python_version < "3.11" and extra == "test"',
    ]
    assert set(requirements_of(reqs, (), (3, 12))) == {"idna"}
    assert set(requirements_of(reqs, ("socks",), (3, 12))) == {"idna", "pysocks"}
    assert set(requirements_of(reqs, ("test",), (3, 10))) == {"idna", "tomli", "exceptiongroup"}


def test_latest_compatible_respects_requires_python() -> None:
    project = {
        "info": {"version": "3.0"},
        "releases": {
            "3.0": [{"requires_python": ">=3.13", "yanked": False}],
            "2.1rc1": [{"requires_python": None, "yanked": False}],
            "2.0": [{"requires_python": ">=3.9", "yanked": True}],
            "1.9": [{"requires_python": ">=3.9", "yanked": False}],
        },
    }
    assert latest_compatible(project, (3, 13)) == "3.0"
    assert latest_compatible(project, (3, 12)) == "1.9"


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["vet"]) == 2
    assert main(["vet", "requests>=", "--offline"]) == 2
    assert "pipwarden:" in capsys.readouterr().err


def test_html_report_is_one_self_contained_page(tmp_path: Path) -> None:
    out = tmp_path / "vet.html"
    code = main(["vet", "requests", "reqeusts", "--offline", "--format", "html", "-o", str(out)])
    page = out.read_text()
    assert code == 1  # the typosquat is a risk
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "reqeusts" in page and "requests" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


# -- the local vulnerability database -------------------------------------------------------
def osv_record(record_id: str, package: str, events: list[dict[str, str]]) -> dict[str, object]:
    return {
        "id": record_id,
        "modified": "2024-01-01T00:00:00Z",
        "published": "2024-01-01T00:00:00Z",
        "summary": f"test record for {package}",
        "details": "",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
            }
        ],
        "database_specific": {"severity": "HIGH"},
    }


@pytest.fixture
def vulndb(tmp_path: Path) -> Path:
    from pipwarden.vulndb.update import import_source

    folder = tmp_path / "osv"
    folder.mkdir()
    records = [
        osv_record("MAL-2099-1", "evil-pkg", [{"introduced": "0"}]),
        osv_record("PYSEC-2099-2", "idna", [{"introduced": "0"}, {"fixed": "3.7"}]),
    ]
    for record in records:
        (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    db = tmp_path / "osv.sqlite3"
    import_source(folder, db)
    return db


def test_malicious_record_offline(vulndb: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, doc = run_json(capsys, "evil-pkg", "--offline", "--db", str(vulndb))
    assert code == 1
    signal = by_id(doc["packages"][0])["vulnerabilities"]  # type: ignore[index]
    assert signal["level"] == "risk" and "MAL-2099-1" in signal["message"]  # type: ignore[operator]


def test_vulnerabilities_of_the_version_considered(
    pypi: LoopbackServer, vulndb: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_json(capsys, "idna==3.6", "--db", str(vulndb), "--python", "3.12")
    signal = by_id(doc["packages"][0])["vulnerabilities"]  # type: ignore[index]
    assert signal["level"] in {"warn", "risk"}
    assert "PYSEC-2099-2" in signal["message"]  # type: ignore[operator]
    assert code == (1 if signal["level"] == "risk" else 0)
    _code, doc = run_json(capsys, "idna", "--db", str(vulndb), "--python", "3.12")
    signal = by_id(doc["packages"][0])["vulnerabilities"]  # type: ignore[index]
    assert signal["level"] == "ok" and "earlier versions" in signal["message"]  # type: ignore[operator]


def test_policy_thresholds(
    pypi: LoopbackServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".pipwarden.toml").write_text(
        '[vet]\nmin-maintainers = 4\nfail-on = "warn"\n', encoding="utf-8"
    )
    code, doc = run_json(capsys, "requests", "--python", "3.12")
    signals = by_id(doc["packages"][0])  # type: ignore[index]
    assert signals["maintainers"]["level"] == "warn"  # 3 < 4
    assert code == 1  # fail-on warn
    (tmp_path / ".pipwarden.toml").write_text("[vet]\nmin-maintainer = 4\n", encoding="utf-8")
    assert main(["vet", "requests"]) == 2
    assert "unknown [vet] key 'min-maintainer'" in capsys.readouterr().err


def test_offline_uses_the_cache(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    run_json(capsys, "requests", "--python", "3.12")  # online: fills the cache
    before = len(pypi.requests)
    code, doc = run_json(capsys, "requests", "flask", "--offline", "--python", "3.12")
    assert len(pypi.requests) == before  # no request at all
    requests, flask = doc["packages"]  # type: ignore[misc]
    assert by_id(requests)["maintainers"]["level"] == "ok"  # from the cache
    assert by_id(requests)["weight"]["evidence"]["count"] == 4  # type: ignore[index]
    assert "maintainers" not in by_id(flask)  # not cached: only the no-network checks
    assert {"typosquat", "popularity", "vulnerabilities"} <= set(by_id(flask))
    # ...and the verdict says what was not checked, and the run is not "low risk", exit 0
    unchecked = by_id(flask)["not_checked"]
    assert unchecked["level"] == "unknown"
    assert "maintainers" in unchecked["evidence"]["signals"]  # type: ignore[index]
    assert flask["not_checked"] and not requests["not_checked"]
    assert flask["verdict"] == "unknown"
    assert doc["offline"] is True and code == 1  # not checked fails the run


def _addon_project(
    name: str, first_upload: str, owners: list[str], repo: str | None = None
) -> dict[str, object]:
    files = [{"filename": f"{name}-0.1.tar.gz", "packagetype": "sdist",
              "upload_time_iso_8601": first_upload, "yanked": False, "requires_python": None}]
    return {
        "info": {"name": name, "version": "0.1", "requires_dist": [],
                 "project_urls": {"Source": repo} if repo else {},
                 "requires_python": None, "yanked": False},
        "ownership": {"organization": None,
                      "roles": [{"role": "Owner", "user": u} for u in owners]},
        "releases": {"0.1": files},
        "urls": files,
        "vulnerabilities": [],
    }


@pytest.mark.parametrize(
    ("first_upload", "owners", "repo", "level", "words"),
    [
        # new, by a stranger, no repository: the combosquat shape of most real attacks
        ("2026-11-20T10:00:00Z", ["mallory"], None, Level.RISK, "first released 5 days ago"),
        # the same with only requests' own repository linked: not a repository of its own
        ("2026-11-20T10:00:00Z", ["mallory"], "https://github.com/psf/requests", Level.RISK,
         "no source repository of its own"),
        # new, by a stranger, with a repository of its own: worth a check, not a verdict
        ("2026-11-20T10:00:00Z", ["mallory"], "https://github.com/mallory/requests-os",
         Level.WARN, "first appeared 5 days ago"),
        # new, but published by one of requests' owners: their own add-on
        ("2026-11-20T10:00:00Z", ["nateprewitt"], None, Level.OK, "published by nateprewitt"),
        # established for years: an add-on like requests-toolbelt, nothing to say
        ("2019-03-01T10:00:00Z", ["mallory"], None, Level.OK, "not a near-copy"),
    ],
)
def test_a_new_package_built_on_a_popular_name(
    http_server: LoopbackServer, tmp_path: Path, first_upload: str, owners: list[str],
    repo: str | None, level: Level, words: str,
) -> None:
    install_pypi(http_server, DATA)
    http_server.add("/pypi/requests-os/json", json.dumps(
        _addon_project("requests-os", first_upload, owners, repo)))
    (package,) = vetter(http_server, tmp_path).vet([VetRequest("requests-os")]).packages
    typo = package.signal("typosquat")
    assert typo is not None and typo.level is level, typo
    assert words in typo.message
    if level is not Level.OK or "published by" in words:
        assert typo.target == "requests"
        assert typo.evidence["first_release_days"] == 5


def test_typosquat_tables_are_saved_once_and_reused(
    http_server: LoopbackServer, tmp_path: Path
) -> None:
    install_pypi(http_server, DATA)
    first = vetter(http_server, tmp_path)
    assert not first._index_loaded
    first.vet([VetRequest("dbt-core-experimental-parser")])  # unranked: every name is a target
    assert len(list(tmp_path.glob("typosquat-*.json"))) == 1
    again = vetter(http_server, tmp_path)
    assert again._index_loaded and again.index.complete
    (package,) = again.vet([VetRequest("reqeusts")]).packages
    typo = package.signal("typosquat")
    assert typo is not None and typo.target == "requests"


@pytest.mark.parametrize(("until", "ignored"), [("2099-01-01", True), ("2020-01-01", False)])
def test_policy_ignores_apply_to_vet(
    pypi: LoopbackServer,
    vulndb: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    until: str,
    ignored: bool,
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".pipwarden.toml").write_text(
        f'[[ignore]]\nid = "PYSEC-2099-2"\nreason = "not reachable here"\nuntil = {until}\n',
        encoding="utf-8",
    )
    code, doc = run_json(capsys, "idna==3.6", "--db", str(vulndb), "--python", "3.12")
    signal = by_id(doc["packages"][0])["vulnerabilities"]  # type: ignore[index]
    message = str(signal["message"])
    if ignored:  # an unexpired ignore: not counted, but said
        assert signal["level"] == "ok" and code == 0
        assert "1 ignored by your policy: PYSEC-2099-2" in message
        assert signal["evidence"]["ignored"] == ["PYSEC-2099-2"]  # type: ignore[index]
    else:  # an expired ignore no longer hides it
        assert signal["level"] in {"warn", "risk"} and "PYSEC-2099-2" in message
        assert "ignored" not in message


# -- [6] vet honours every specifier ----------------------------------------------------
def _versions_project() -> dict[str, object]:
    """demo: 1.0, 1.1 (yanked), 1.2rc1 (a pre-release), 2.0 (the latest)."""
    def files(version: str, day: str, *, yanked: bool = False) -> list[dict[str, object]]:
        return [{"filename": f"demo-{version}-py3-none-any.whl", "packagetype": "bdist_wheel",
                 "upload_time_iso_8601": f"2024-{day}T00:00:00Z", "yanked": yanked,
                 "requires_python": None}]
    releases = {"1.0": files("1.0", "01-01"), "1.1": files("1.1", "02-01", yanked=True),
                "1.2rc1": files("1.2rc1", "03-01"), "2.0": files("2.0", "04-01")}
    return {
        "info": {"name": "demo", "version": "2.0", "requires_dist": [], "project_urls": {},
                 "requires_python": None, "yanked": False},
        "ownership": {"organization": None, "roles": [{"role": "Owner", "user": "a"}]},
        "releases": releases,
        "urls": releases["2.0"],
        "vulnerabilities": [],
    }


@pytest.mark.parametrize(
    ("requirement", "vetted"),
    [
        ("demo<2", "1.0"),  # not 1.1 (yanked), not 1.2rc1 (pre-release), not 2.0 (excluded)
        ("demo>=1.2rc1,<2", "1.2rc1"),  # the specifier names a pre-release: admitted
        ("demo==1.1", "1.1"),  # pinned: even yanked
        ("demo~=1.0", "1.0"),
        ("demo", "2.0"),
    ],
    ids=["upper-cap", "named-prerelease", "pinned-yanked", "compatible", "bare"],
)
def test_vet_vets_the_newest_version_the_requirement_admits(
    pypi: LoopbackServer,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    requirement: str,
    vetted: str,
) -> None:
    """Before: vet -r vetted the latest release even where the requirement capped it."""
    project = _versions_project()
    pypi.add("/pypi/demo/json", json.dumps(project))
    release = {"info": dict(project["info"], version=vetted),  # type: ignore[call-overload]
               "urls": project["releases"][vetted]}  # type: ignore[index]
    pypi.add(f"/pypi/demo/{vetted}/json", json.dumps(release))
    req = tmp_path / "requirements.txt"
    req.write_text(requirement + "\n", encoding="utf-8")
    for argv in (["-r", str(req)], [requirement]):
        _code, doc = run_json(capsys, *argv, "--python", "3.12")
        (package,) = doc["packages"]  # type: ignore[misc]
        assert package["version"] == vetted
        releases = by_id(package)["releases"]
        assert releases["evidence"]["version_released"].startswith("2024-")  # type: ignore[index]
    main(["vet", "-r", str(req), "--python", "3.12"])
    head = capsys.readouterr().out.splitlines()[0]
    assert head.startswith(f"demo {vetted}")
    if requirement != "demo" and "==" not in requirement:  # says what the range chose
        assert "(newest for " in head and "; latest 2.0)" in head


def test_a_capped_requirement_uses_that_releases_dependencies(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("flask<3\n", encoding="utf-8")
    code, doc = run_json(capsys, "-r", str(req), "--tree", "--python", "3.12")
    flask = next(p for p in doc["packages"] if p["name"] == "flask")  # type: ignore[union-attr]
    assert flask["version"] == "2.3.3" and flask["requirement"] == "<3"
    assert flask["latest"] == "3.1.3"
    assert pypi.count("/pypi/flask/2.3.3/json") == 1  # its own requires_dist
    assert code in (0, 1)


def test_no_release_admitted_is_not_checked(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/demo/json", json.dumps(_versions_project()))
    code, doc = run_json(capsys, "demo>5", "--python", "3.12")
    (package,) = doc["packages"]  # type: ignore[misc]
    assert package["version"] is None and package["not_checked"] == ["version"]
    assert "no release admits '>5'" in by_id(package)["version"]["message"]  # type: ignore[operator]
    assert code == 1


def test_pinned_version_missing_from_pypi_is_a_warning(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = run_json(capsys, "requests==0.0.0.1", "--python", "3.12")
    (package,) = doc["packages"]  # type: ignore[misc]
    assert by_id(package)["exists"]["level"] == "warn"
    assert "0.0.0.1 is not on PyPI" in by_id(package)["exists"]["message"]  # type: ignore[operator]
    assert code == 0


def test_offline_without_cache_names_what_was_not_checked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """[6] offline, nothing cached: the verdict is not "low risk" and the run fails."""
    code, doc = run_json(capsys, "requests", "--offline")
    (package,) = doc["packages"]  # type: ignore[misc]
    assert package["verdict"] != "ok" and package["verdict_label"] != "low risk"
    assert set(package["not_checked"]) >= {"maintainers", "releases", "security_policy"}
    assert doc["status"] == "not_checked"
    (item,) = doc["not_checked"]  # type: ignore[misc]
    assert item["what"] == "requests" and item["blocking"] is True
    assert "maintainers" in item["reason"] and item["next"] == "pipwarden vet requests (online)"
    assert code == 1
    main(["vet", "requests", "--offline"])
    text = capsys.readouterr().out
    assert "Not checked (not in the local cache (offline)): maintainers" in text
    assert "1 not checked" in text


def test_tree_vets_dependencies_at_what_their_parents_admit(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """--tree: a dependency capped by its parent (demo<2) is vetted at 1.0, not 2.0."""
    demo = _versions_project()
    pypi.add("/pypi/demo/json", json.dumps(demo))
    pypi.add("/pypi/demo/1.0/json", json.dumps(
        {"info": dict(demo["info"], version="1.0"), "urls": demo["releases"]["1.0"]}))  # type: ignore[call-overload,index]
    app = _versions_project()
    app["info"] = dict(app["info"], name="app", requires_dist=["demo<2"])  # type: ignore[call-overload]
    pypi.add("/pypi/app/json", json.dumps(app))
    _code, doc = run_json(capsys, "app", "--tree", "--python", "3.12")
    found = {p["name"]: p for p in doc["packages"]}  # type: ignore[union-attr]
    assert found["demo"]["version"] == "1.0" and found["demo"]["requirement"] == "<2"


def test_offline_with_part_of_the_data_cached_names_what_is_missing(
    pypi: LoopbackServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The project answer is cached, the simple API's and the pinned release's are not:
    provenance and weight are not checked (never ✓ from data that was not read)."""
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "none.db", pypi_url=pypi.url)
    PyPIClient(settings, progress=False).project("requests")  # only this answer cached
    offline = Settings(cache_dir=tmp_path, db_path=tmp_path / "none.db", pypi_url=pypi.url,
                       offline=True)
    client = PyPIClient(offline, progress=False)
    vet = Vetter(offline, client=client, python=(3, 12), now=lambda: NOW, progress=False)
    report = vet.vet([parse_request("requests==2.31.0")])
    (package,) = report.packages
    assert package.not_checked == ("provenance", "weight")
    assert package.signal("not_checked") is not None
    assert report.exit_code() == 1
