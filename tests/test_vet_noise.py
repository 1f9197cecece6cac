"""Less noise from ``vet`` (issue [9] item 5): a summarised ``--tree``, organisation accounts
are no bus factor, progress only on a terminal and only for slow steps."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.report.output import SLOW_STEP, Progress
from pipwarden.report.vet import WORST_FEW
from pypi_server import fast_serve, install_pypi

DATA = Path(__file__).parent / "data" / "pypi"


@pytest.fixture
def pypi(monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    for server in fast_serve():
        install_pypi(server, DATA)
        monkeypatch.setenv("PIPWARDEN_PYPI_URL", server.url)
        yield server


def _blocks(text: str) -> list[str]:
    """The package headings of a text report (``Name version — verdict``)."""
    return [line for line in text.splitlines() if " — " in line and not line.startswith(" ")]


def test_tree_text_is_summarised_and_all_shows_everything(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["vet", "flask>=3.0", "--tree", "--python", "3.12", "--format", "json"])
    everything = json.loads(capsys.readouterr().out)["packages"]
    assert len(everything) > WORST_FEW  # flask and its dependencies

    main(["vet", "flask>=3.0", "--tree", "--python", "3.12"])
    short, err = capsys.readouterr()
    assert len(_blocks(short)) == WORST_FEW
    assert f"Tree of {len(everything)} packages: " in short
    assert f"Not shown: {len(everything) - WORST_FEW} more" in short
    assert "--all" in short
    assert f"{len(everything)} packages vetted: " in short  # the total still counts all
    assert "\r" not in err and "Vetting" not in err  # stderr is not a terminal: no progress

    main(["vet", "flask>=3.0", "--tree", "--all", "--python", "3.12"])
    full = capsys.readouterr().out
    assert len(_blocks(full)) == len(everything)
    assert "Tree of" not in full


def test_without_tree_every_package_is_shown(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    names = ["flask", "werkzeug", "click", "jinja2", "markupsafe", "itsdangerous", "blinker"]
    main(["vet", *names, "--python", "3.12"])
    out = capsys.readouterr().out
    assert len(_blocks(out)) == len(names) and "Tree of" not in out


def _maintainers(capsys: pytest.CaptureFixture[str], name: str) -> dict[str, object]:
    main(["vet", name, "--python", "3.12", "--format", "json"])
    (package,) = json.loads(capsys.readouterr().out)["packages"]
    return next(s for s in package["signals"] if s["id"] == "maintainers")


def test_an_organisation_account_is_not_a_bus_factor(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    # dbt Labs publishes as the single PyPI user "fishtown-analytics"
    signal = _maintainers(capsys, "dbt-core-experimental-parser")
    assert signal["level"] == "ok", signal
    assert "organisation account fishtown-analytics" in str(signal["message"])
    assert signal["evidence"]["organization_accounts"] == ["fishtown-analytics"]  # type: ignore[index]


def test_one_person_is_still_a_bus_factor(
    pypi: LoopbackServer, capsys: pytest.CaptureFixture[str]
) -> None:
    signal = _maintainers(capsys, "idna")  # published by one person
    assert signal["level"] == "warn", signal


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_progress_waits_for_a_slow_step_on_a_terminal() -> None:
    clock, err = _Clock(), _Terminal()
    with Progress("Vetting", 10, stream=err, delay=SLOW_STEP, clock=clock) as bar:
        bar.advance()
        clock.now += SLOW_STEP / 2
        bar.advance()
        assert err.getvalue() == ""  # a quick step stays silent
        clock.now += SLOW_STEP
        bar.advance()
        assert err.getvalue() == "\rVetting:  30% (3/10)"
    assert err.getvalue().endswith("\r\x1b[2K")  # cleared before the report


def test_progress_never_writes_when_not_a_terminal() -> None:
    clock, out = _Clock(), io.StringIO()
    with Progress("Vetting", 10, stream=out, delay=SLOW_STEP, clock=clock) as bar:
        clock.now += 10 * SLOW_STEP
        for _ in range(10):
            bar.advance()
            clock.now += 1
    assert out.getvalue() == ""
