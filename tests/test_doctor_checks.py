"""doctor's environment checks: pip guard sources, --fix, PEP 668, writable base, venvs."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.commands.doctor import apply_fix
from pipwarden.doctor.checks import (
    PythonInfo,
    check_base_writable,
    check_externally_managed,
    check_interpreter_venv,
    check_pip_guard,
    check_project_venv,
    enable_pip_guard,
    pip_guard_source,
)
from pipwarden.doctor.models import Status
from pipwarden.doctor.yamlscan import scan_yaml


@pytest.fixture(autouse=True)
def _no_system_pip_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's /etc/pip.conf must not change what these tests see."""
    monkeypatch.setattr(
        "pipwarden.doctor.checks.GLOBAL_PIP_CONFIG", tmp_path / "etc-pip-none.conf"
    )
    monkeypatch.setattr(
        "pipwarden.doctor.checks.DEFAULT_XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg-none")
    )
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "etc-xdg-none"))


@pytest.fixture(autouse=True)
def _reset_cli_logging() -> Iterator[None]:
    """cli.main() points the pipwarden logger at the captured stderr; undo that after."""
    logger = logging.getLogger("pipwarden")
    saved = (logger.handlers[:], logger.propagate, logger.level)
    yield
    logger.handlers[:], logger.propagate = saved[0], saved[1]
    logger.setLevel(saved[2])


def _py(tmp_path: Path, *, venv: bool = True, writable: bool = False) -> PythonInfo:
    base = tmp_path / "base"
    purelib = base / "lib" / "site-packages"
    purelib.mkdir(parents=True, exist_ok=True)
    if not writable:
        purelib = base / "not-there"
    return PythonInfo(
        executable="python", prefix=str(tmp_path / ("venv" if venv else "base")),
        base_prefix=str(base), version="3.12.1", stdlib=str(base / "lib"),
        base_purelib=str(purelib),
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    h = tmp_path / "home"
    h.mkdir()
    return h


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.mark.parametrize(("value", "on"), [("true", True), ("1", True), ("yes", True),
                                           ("false", False), ("0", False)])
def test_pip_guard_from_environment(home: Path, value: str, on: bool) -> None:
    env = {"PIP_REQUIRE_VIRTUALENV": value, "XDG_CONFIG_DIRS": str(home / "none")}
    # An exported value wins over a config file that says the opposite.
    _write(home / ".config/pip/pip.conf", f"[global]\nrequire-virtualenv = {str(not on).lower()}\n")
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    got, why = pip_guard_source(env, home)
    assert got is on
    assert "PIP_REQUIRE_VIRTUALENV" in why


@pytest.mark.parametrize(
    ("where", "section"),
    [
        ("xdg-user", "global"),
        ("legacy-user", "global"),
        ("xdg-user", "install"),
        ("global", "global"),
        ("env-file", "global"),
        ("site", "install"),
    ],
)
def test_pip_guard_from_config_files(tmp_path: Path, home: Path, where: str, section: str) -> None:
    env = {
        "XDG_CONFIG_HOME": str(home / "xdg"),
        "XDG_CONFIG_DIRS": str(tmp_path / "etc-xdg"),
    }
    paths = {
        "xdg-user": home / "xdg/pip/pip.conf",
        "legacy-user": home / ".pip/pip.conf",
        "global": tmp_path / "etc-xdg/pip/pip.conf",
        "env-file": tmp_path / "custom.conf",
        "site": tmp_path / "venv/pip.conf",
    }
    if where == "env-file":
        env["PIP_CONFIG_FILE"] = str(paths[where])
    if where == "site":
        env["VIRTUAL_ENV"] = str(tmp_path / "venv")
    assert pip_guard_source(env, home)[0] is False
    _write(paths[where], f"# mine\n[{section}]\ntimeout = 10\nrequire-virtualenv = true\n")
    on, why = pip_guard_source(env, home)
    assert on, why
    assert str(paths[where]) in why
    assert check_pip_guard(env, home).status is Status.PASS


def test_later_config_file_overrides_and_devnull_disables(tmp_path: Path, home: Path) -> None:
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "XDG_CONFIG_DIRS": str(tmp_path / "g")}
    _write(tmp_path / "g/pip/pip.conf", "[global]\nrequire-virtualenv = true\n")
    _write(home / ".config/pip/pip.conf", "[install]\nrequire-virtualenv = false\n")
    on, why = pip_guard_source(env, home)
    assert not on and "false" in why
    assert pip_guard_source({**env, "PIP_CONFIG_FILE": os.devnull}, home)[0] is False
    result = check_pip_guard(env, home)
    assert result.status is Status.WARN and "doctor --fix" in result.fix


def test_enable_pip_guard_preserves_content_and_is_idempotent(home: Path) -> None:
    conf = _write(
        home / ".config/pip/pip.conf",
        "# my settings\n[install]\nrequire-virtualenv = no\n\n[global]\ntimeout = 60\n"
        "index-url = https://pypi.org/simple\n",
    )
    assert enable_pip_guard(conf) is True
    text = conf.read_text()
    assert text.startswith("# my settings\n")
    assert "timeout = 60" in text and "index-url = https://pypi.org/simple" in text
    assert "[global]\nrequire-virtualenv = true\n" in text
    assert "require-virtualenv = no" not in text
    assert enable_pip_guard(conf) is False
    assert conf.read_text() == text
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "XDG_CONFIG_DIRS": str(home / "x")}
    assert pip_guard_source(env, home)[0] is True


def test_enable_pip_guard_creates_file(tmp_path: Path) -> None:
    conf = tmp_path / "new" / "pip.conf"
    assert enable_pip_guard(conf)
    assert conf.read_text() == "[global]\nrequire-virtualenv = true\n"
    other = _write(tmp_path / "other.conf", "[install]\nno-cache-dir = true")
    enable_pip_guard(other)
    assert other.read_text() == (
        "[install]\nno-cache-dir = true\n\n[global]\nrequire-virtualenv = true\n"
    )


def test_cli_fix_with_yes_writes_user_config_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Path(os.environ["HOME"])
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "no-global"))
    conf = home / ".config" / "pip" / "pip.conf"
    assert main(["doctor", str(tmp_path), "--fix", "--yes", "--format", "json"]) in {0, 1}
    out = capsys.readouterr()
    assert conf.read_text() == "[global]\nrequire-virtualenv = true\n"
    assert "wrote require-virtualenv" in out.err
    data = json.loads(out.out)
    guard = next(c for c in data["checks"] if c["id"] == "pip-guard")
    assert guard["status"] == "pass"
    mtime = conf.stat().st_mtime_ns
    main(["doctor", str(tmp_path), "--fix", "--yes", "--format", "json"])
    assert conf.stat().st_mtime_ns == mtime
    assert conf.read_text() == "[global]\nrequire-virtualenv = true\n"


def test_fix_without_tty_or_yes_writes_nothing(
    home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "XDG_CONFIG_DIRS": str(home / "x")}
    assert apply_fix(env, home, yes=False, interactive=False) is False
    assert not (home / ".config/pip/pip.conf").exists()
    assert "--yes" in caplog.text


def test_fix_asks_on_a_terminal(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", io.StringIO())
    env = {"XDG_CONFIG_HOME": str(home / ".config"), "XDG_CONFIG_DIRS": str(home / "x")}
    assert apply_fix(env, home, yes=False, interactive=True, ask=lambda _: "n") is False
    assert not (home / ".config/pip/pip.conf").exists()
    assert apply_fix(env, home, yes=False, interactive=True, ask=lambda _: "y") is True
    assert (home / ".config/pip/pip.conf").exists()
    # Already on: nothing to ask, nothing written.
    assert apply_fix(env, home, yes=False, interactive=True, ask=lambda _: 1 / 0) is False  # type: ignore[arg-type,return-value]


def test_pep668_marker_and_writable_base(tmp_path: Path) -> None:
    py = _py(tmp_path, writable=True)
    assert check_externally_managed(py).status is Status.INFO
    assert "no PEP 668" in check_externally_managed(py).title
    (Path(py.stdlib) / "EXTERNALLY-MANAGED").write_text("[externally-managed]\n")
    assert "externally managed" in check_externally_managed(py).title
    writable = check_base_writable(py)
    if os.access(py.base_purelib, os.W_OK):
        assert writable.status is Status.WARN and writable.fix
    assert check_base_writable(_py(tmp_path, writable=False)).status is Status.PASS


def test_interpreter_and_project_venv(tmp_path: Path) -> None:
    assert check_interpreter_venv(_py(tmp_path)).status is Status.PASS
    not_venv = check_interpreter_venv(_py(tmp_path, venv=False))
    assert not_venv.status is Status.WARN and "pipx" in not_venv.fix
    project = tmp_path / "proj"
    project.mkdir()
    assert check_project_venv(project).status is Status.WARN
    _write(project / ".venv" / "pyvenv.cfg", "home = /usr/bin\n")
    assert check_project_venv(project).status is Status.PASS


def test_yaml_scanner_paths() -> None:
    text = (
        "users:\n- name: a\n  user:\n    token: x  # comment\n- name: b\n  user:\n"
        "    exec:\n      command: c\nnote: |\n  key: not a key\nlast: 'q: r'\n"
    )
    entries = [(e.path, e.key, e.value) for e in scan_yaml(text)]
    assert (("users", "-2", "user"), "token", "x") in entries
    assert (("users", "-5", "user", "exec"), "command", "c") in entries
    assert all(e[1] != "key" for e in entries)
    assert ((), "last", "q: r") in entries


def test_cli_exit_codes_and_formats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "none"))
    monkeypatch.setenv("PIP_REQUIRE_VIRTUALENV", "true")
    assert main(["doctor", str(tmp_path)]) == 0  # warnings only: exit 0
    out = capsys.readouterr().out
    assert out.startswith("pipwarden doctor — ")
    assert "✓ pip refuses to install outside a venv" in out
    assert "→ python3 -m venv .venv" in out
    assert main(["doctor", str(tmp_path), "--format", "markdown"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("## pipwarden doctor") and "| ✓ | pip refuses" in md
    # A plaintext upload token is a fail: exit 1, and the fix is printed.
    home = Path(os.environ["HOME"])
    (home / ".pypirc").write_text("[pypi]\nusername = __token__\npassword = pypi-AgEIxyz\n")
    assert main(["doctor", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "✗ ~/.pypirc [pypi]" in out and "Trusted Publishing" in out
    assert "pypi-AgEIxyz" not in out
    report_file = tmp_path / "out" / "doctor.json"
    assert main(["doctor", str(tmp_path), "-f", "json", "-o", str(report_file)]) == 1
    assert json.loads(report_file.read_text())["status"] == "fail"
    assert main(["doctor", str(tmp_path / "missing")]) == 2
