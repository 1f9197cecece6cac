"""``pipwarden update`` on a hostile project: its config may not point update at another
venv of the machine or run commands, and the index options its requirement files give pip
are named (credentials masked) in the report."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from pipwarden import cli
from update_helpers import copy_venv, pip_install, use_isolated_pip
from wheelhouse import make_wheel

HOOK = ('python -c "import pathlib; pathlib.Path(\'hook-ran\').write_text(\'pwned\')"')


def _victim(tmp_path: Path) -> Path:
    """A folder that looks like a venv elsewhere on the machine (never touched)."""
    victim = tmp_path / "elsewhere" / "venv"
    (victim / "bin").mkdir(parents=True)
    (victim / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    return victim


def _project(tmp_path: Path, config: str) -> Path:
    project = tmp_path / "cloned"
    project.mkdir()
    (project / "requirements.txt").write_text("pwt-x>=1\n", encoding="utf-8")
    (project / ".pipwarden.toml").write_text(config, encoding="utf-8")
    return project


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_config_cannot_point_update_at_a_venv_outside_the_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    victim = _victim(tmp_path)
    target = "../elsewhere/venv" if how == "relative" else str(victim)
    project = _project(tmp_path, f'[update]\nvenv = "{target}"\n')
    code = cli.main(["update", str(project), "--offline", "--no-index"])
    err = capsys.readouterr().err
    assert code == 2
    assert "points outside the project" in err and "--venv" in err
    assert sorted(p.name for p in victim.iterdir()) == ["bin", "pyvenv.cfg"]
    assert not (project / ".pipwarden" / "logs").exists() or not any(
        (project / ".pipwarden" / "logs").glob("update-*.log"))


def test_a_dot_venv_symlink_leaving_the_project_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = _victim(tmp_path)
    project = _project(tmp_path, "")
    (project / ".venv").symlink_to(victim, target_is_directory=True)
    assert cli.main(["update", str(project), "--offline", "--no-index"]) == 2
    assert ".venv is a symlink that points outside the project" in capsys.readouterr().err
    assert sorted(p.name for p in victim.iterdir()) == ["bin", "pyvenv.cfg"]


def test_after_hooks_and_index_options_from_the_project(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A cloned project's ``after`` hook is listed, not run, until the user passes
    --run-hooks; the ``--extra-index-url`` its requirements file gives pip is shown with
    the password masked (here --no-index keeps pip from using it)."""
    wheels = tmp_path / "wheels"
    make_wheel(wheels, "pwt-x", "1.0")
    project = _project(tmp_path, f"[update]\nafter = [{json.dumps(HOOK)}]\n")
    (project / "requirements.txt").write_text(
        "--extra-index-url http://mallory:s3cret@127.0.0.1:9/simple\npwt-x>=1\n",
        encoding="utf-8")
    copy_venv(tmp_path_factory, project / ".venv")
    pip_install(project / ".venv", "--find-links", str(wheels), "pwt-x")
    use_isolated_pip(monkeypatch)
    monkeypatch.setenv("PIPWARDEN_CACHE_DIR", str(tmp_path / "cache"))
    args = ["update", str(project), "--offline", "--no-index", "--find-links", str(wheels),
            "--no-audit"]

    assert cli.main(args) == 0
    out, err = capsys.readouterr()
    assert not (project / "hook-ran").exists()
    assert f"· after: not run (pass --run-hooks to run: {HOOK})" in out
    assert "pip used an index option from the project: " in out
    assert "requirements.txt:1:1: --extra-index-url http://mallory:****@127.0.0.1:9/simple" in out
    assert "s3cret" not in out + err

    assert cli.main([*args, "--run-hooks", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (project / "hook-ran").read_text(encoding="utf-8") == "pwned"
    assert data["hooks"] == [{"command": HOOK, "ran": True, "exit_code": 0}]
    assert len(data["project_index_options"]) == 1


class _Terminal(io.StringIO):
    """stdin/stderr that claim to be a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("tty", "answer", "runs"),
                         [(False, "y\n", False), (True, "n\n", False), (True, "", False),
                          (True, "yes\n", True)],
                         ids=["no-terminal", "no", "eof", "yes"])
def test_hooks_from_config_run_only_after_a_yes_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tty: bool, answer: str, runs: bool
) -> None:
    """Without --run-hooks, the project's hooks need a yes typed at a terminal; the prompt
    shows the commands (control characters stripped) before asking."""
    from pipwarden.commands.update import _confirm_hooks
    from pipwarden.policy import load_policy

    project = _project(tmp_path, '[update]\nafter = ["make deploy\\u001b[2K"]\n')
    stdin = _Terminal(answer) if tty else io.StringIO(answer)
    stderr = _Terminal() if tty else io.StringIO()
    monkeypatch.setattr("sys.stdin", stdin)
    monkeypatch.setattr("sys.stderr", stderr)
    args = argparse.Namespace(run_hooks=False)
    assert _confirm_hooks(load_policy(project), args) is runs
    if tty:
        assert "  make deploy[2K\n" in stderr.getvalue() and "\x1b" not in stderr.getvalue()
    assert _confirm_hooks(load_policy(project), argparse.Namespace(run_hooks=True))
