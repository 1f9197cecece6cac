"""The typosquat verdict weighs name evidence with the package's history (issue [9] item 7),
through the CLI against a loopback PyPI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pypi_server import fast_serve, install_pypi

DATA = Path(__file__).parent / "data" / "pypi"


@pytest.fixture
def pypi(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    for server in fast_serve():
        install_pypi(server, DATA)
        monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
        yield server


def project(
    name: str, *, days: list[int], owners: list[str], repo: str | None = None,
    organization: str | None = None,
) -> str:
    """A PyPI JSON answer: one release per entry of ``days`` (days before now)."""
    now = datetime.now(UTC)
    releases = {}
    for i, age in enumerate(sorted(days, reverse=True)):
        when = (now - timedelta(days=age)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        releases[f"0.{i + 1}"] = [{
            "filename": f"{name}-0.{i + 1}-py3-none-any.whl", "packagetype": "bdist_wheel",
            "upload_time_iso_8601": when, "yanked": False, "requires_python": None,
        }]
    latest = f"0.{len(days)}"
    return json.dumps({
        "info": {"name": name, "version": latest, "requires_dist": [], "requires_python": None,
                 "project_urls": {"Source": repo} if repo else {}, "yanked": False},
        "ownership": {"organization": organization,
                      "roles": [{"role": "Owner", "user": u} for u in owners]},
        "releases": releases,
        "urls": releases[latest],
    })


def vet(capsys: pytest.CaptureFixture[str], name: str) -> tuple[int, dict[str, dict[str, object]]]:
    code = main(["vet", name, "--python", "3.12", "--format", "json"])
    (package,) = json.loads(capsys.readouterr().out)["packages"]
    signals = {s["id"]: s for s in package["signals"]}
    signals["verdict"] = {"level": package["verdict"]}
    return code, signals


@pytest.mark.parametrize("repo", [None, "https://github.com/psf/requests"])
def test_new_single_owner_package_without_repository_named_like_a_popular_one_is_risk(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str], repo: str | None
) -> None:
    # "requstsss" is no near-copy of requests by the name rules alone (the name check says
    # ok); linking requests' own repository is no repository of its own
    pypi.add("/pypi/requstsss/json", project(
        "requstsss", days=[2], owners=["mallory"], repo=repo))
    code, signals = vet(capsys, "requstsss")
    typo = signals["typosquat"]
    assert typo["level"] == "risk" and typo["target"] == "requests", typo
    assert "no source repository of its own" in str(typo["message"])
    assert typo["evidence"]["combined"] is True  # type: ignore[index]
    assert signals["verdict"]["level"] == "risk" and code == 1


def test_the_same_name_with_history_or_a_repository_is_not_risk(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/reque/json", project(
        "reque", days=[2], owners=["alice"], repo="https://github.com/alice/reque"))
    code, signals = vet(capsys, "reque")
    assert signals["typosquat"]["level"] == "ok" and code == 0


def test_a_near_copy_with_an_established_history_is_information(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # "reqeusts" alone is a risk (two letters swapped); years of releases, three owners and
    # its own repository weigh against it: said as information, not warned
    pypi.add("/pypi/reqeusts/json", project(
        "reqeusts", days=[2000, 1500, 900, 300], owners=["a", "b", "c"],
        repo="https://github.com/someone/reqeusts"))
    code, signals = vet(capsys, "reqeusts")
    typo = signals["typosquat"]
    assert typo["level"] == "info" and typo["target"] == "requests", typo
    assert "established history" in str(typo["message"])
    assert code == 0


def test_established_package_outside_the_top_list_is_not_warned_for_it(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/quiet-niche-tool/json", project(
        "quiet-niche-tool", days=[1900, 1200, 700, 100], owners=["a", "b"],
        repo="https://github.com/a/quiet-niche-tool"))
    code, signals = vet(capsys, "quiet-niche-tool")
    popularity = signals["popularity"]
    assert popularity["level"] == "info", popularity
    assert "not a new one" in str(popularity["message"])
    assert signals["typosquat"]["level"] == "ok"
    assert signals["verdict"]["level"] not in ("warn", "risk") and code == 0


def test_a_new_package_outside_the_top_list_is_still_warned(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    pypi.add("/pypi/quiet-niche-tool/json", project(
        "quiet-niche-tool", days=[20], owners=["a", "b"],
        repo="https://github.com/a/quiet-niche-tool"))
    _code, signals = vet(capsys, "quiet-niche-tool")
    assert signals["popularity"]["level"] == "warn"


@pytest.mark.parametrize(
    ("name", "target", "kind"),
    [
        ("pytz3-dev", "pytz", "affixes, generic words or digits"),
        ("liblxml3", "lxml", "affixes, generic words or digits"),
        ("requstsss", "requests", "a similar spelling"),
        ("qzxwvkj", None, None),
    ],
)
def test_weak_name_evidence(name: str, target: str | None, kind: str | None) -> None:
    from pipwarden.checks.typosquat import TyposquatIndex
    from pipwarden.checks.typosquat.similar import similar_name

    index = TyposquatIndex(["requests", "numpy", "pytz", "lxml", "pandas"])
    match = similar_name(index, name)
    if target is None:
        assert match is None
    else:
        assert match is not None and match.target == target and kind in match.kind
        assert match.level == "warn"  # never flagged alone: only in the combined verdict
