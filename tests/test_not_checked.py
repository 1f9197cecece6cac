"""Fail closed (TRUST.md §1): what pipwarden did not read is "not checked", never ✓.

Through the CLI: dependency files without a reader (uv.lock, poetry.lock, Pipfile …) in
check, audit and fleet; the policy's ``allow-unread``; every report format; ``check`` on a
venv; the pre-commit hook context; internal errors (exit 4); the exit codes in ``--help``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import venv as venv_module
from collections.abc import Sequence
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.vulndb.update import import_source

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "tests" / "data" / "osv" / "pypa-advisory-database-20241010.zip"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
# The recorded data is from 2024: the test projects accept data of any age.
POLICY = 'max-db-age = "100000d"\n'
VULNERABLE_PIN = "jinja2==2.10.1\n"  # PYSEC-2021-66
PYPROJECT = '[project]\nname = "p"\nversion = "1"\ndependencies = ["requests>=2.32.0"]\n'

# One file of each kind pipwarden has no reader for, with content that would be vulnerable.
# (uv.lock, poetry.lock, Pipfile.lock, pdm.lock and conda files have readers: see
# tests/test_locks_audit.py.)
UNREADABLE: dict[str, str] = {
    "Pipfile": '[packages]\njinja2 = "==2.10.1"\n',
    "setup.py": "from setuptools import setup\nsetup(install_requires=['jinja2==2.10.1'])\n",
    "setup.cfg": "[options]\ninstall_requires =\n    jinja2==2.10.1\n",
}
IDS = list(UNREADABLE)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(ARCHIVE, path)
    return path


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _project(root: Path, files: dict[str, str], policy: str = POLICY) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".pipwarden.toml").write_text(policy)
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _never_clean(out: str) -> None:
    """Nothing read, so nothing may look clean (the doctor's Environment section did read
    the project folder: its ✓ lines are real)."""
    out = out.split("\nEnvironment\n", 1)[0]
    assert "✓" not in out, out
    assert "0 packages" not in out, out
    assert "no problems" not in out, out


# -- dependency files without a reader -------------------------------------------------------


@pytest.mark.parametrize("name", IDS, ids=IDS)
def test_check_of_a_project_with_only_an_unreadable_file_is_not_clean(
    name: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {name: UNREADABLE[name]})
    code, out, _ = _run(["check", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    _never_clean(out)
    assert f"? {project / name}: pipwarden cannot read" in out
    assert "→ " in out  # the command that would check it
    code, out, _ = _run(
        ["check", str(project), "--offline", "--db", str(db), "--format", "json"], capsys
    )
    doc = json.loads(out)
    assert code == 1 and doc["status"] == "not_checked"
    assert [n["what"] for n in doc["not_checked"]] == [str(project / name)]
    assert doc["not_checked"][0]["next"] and doc["not_checked"][0]["blocking"] is True


@pytest.mark.parametrize("name", IDS, ids=IDS)
def test_audit_of_a_project_with_only_an_unreadable_file_is_not_clean(
    name: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {name: UNREADABLE[name]})
    argv = ["audit", "--project", str(project), "--offline", "--db", str(db)]
    code, out, _ = _run(argv, capsys)
    assert code == 1, out
    _never_clean(out)
    assert out.splitlines()[1].startswith("? nothing audited; 1 not checked")
    code, out, _ = _run([*argv, "--format", "json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["status"] == "not_checked" and doc["exit_code"] == 1
    assert doc["summary"]["not_checked"] == 1


@pytest.mark.parametrize("name", ["Pipfile", "setup.py", "setup.cfg"])
def test_audit_pylock_given_another_lock_file_does_not_say_0_packages(
    name: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {name: UNREADABLE[name]})
    code, out, _ = _run(
        ["audit", "--pylock", str(project / name), "--project", str(project), "--offline",
         "--db", str(db)],
        capsys,
    )
    assert code == 1, out
    _never_clean(out)
    assert "no known vulnerabilities in 0 packages" not in out
    assert f"pipwarden cannot read {name} files yet" in out


def test_fleet_shows_a_project_with_only_unreadable_files(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path / "fleet" / "clean", {"requirements.txt": "requests>=2.32.0\n"})
    _project(tmp_path / "fleet" / "uvonly", {"Pipfile": UNREADABLE["Pipfile"]})
    code, out, _ = _run(["fleet", str(tmp_path / "fleet"), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert "✓" not in out.splitlines()[1] and "1 not checked" in out.splitlines()[1]
    row = next(line for line in out.splitlines() if line.strip().startswith("uvonly"))
    assert row.split()[-1] == "?"  # the audit column: not a count of 0
    assert "? " in out and "Pipfile: pipwarden cannot read Pipfile files yet" in out
    code, out, _ = _run(
        ["fleet", str(tmp_path / "fleet"), "--offline", "--db", str(db), "--format", "json"],
        capsys,
    )
    doc = json.loads(out)
    assert doc["status"] == "not_checked"
    code, out, _ = _run(
        ["fleet", str(tmp_path / "fleet"), "--offline", "--db", str(db), "--format", "markdown"],
        capsys,
    )
    assert code == 1 and "✅" not in out and "### Not checked" in out and "pipenv lock" in out
    by_name = {p["name"]: p for p in doc["projects"]}
    assert [n["blocking"] for n in by_name["uvonly"]["not_checked"]] == [True]


def test_fleet_of_only_unreadable_projects_is_not_no_projects(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path / "fleet" / "a", {"setup.cfg": UNREADABLE["setup.cfg"]})
    code, out, err = _run(
        ["fleet", str(tmp_path / "fleet"), "--offline", "--db", str(db)], capsys
    )
    assert code == 1, (out, err)
    assert "no projects found" not in err and "setup.cfg" in out
    assert not out.splitlines()[1].startswith("✓")


def test_unreadable_file_next_to_a_read_one_still_fails(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p",
        {"pyproject.toml": PYPROJECT, "Pipfile": UNREADABLE["Pipfile"]},
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert out.splitlines()[1].startswith("? no known vulnerabilities in 1 package; 1 not checked")


def test_files_that_declare_no_dependencies_are_not_dependency_files(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A setup.cfg of tool settings, a bare setup() shim next to pyproject.toml, an
    environment.yml of some other tool: nothing to read, nothing not checked."""
    project = _project(
        tmp_path / "p",
        {
            "requirements.txt": "requests>=2.32.0\n",
            "setup.cfg": "[flake8]\nmax-line-length = 9\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
            "environment.yml": "stage: prod\nregion: eu\n",
        },
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 0, out
    assert out.splitlines()[1].startswith("✓ no known vulnerabilities in 1 package")


def test_check_of_a_folder_without_dependencies_is_not_clean(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "empty", {"notes.md": "nothing here\n"})
    code, out, _ = _run(["check", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert "✓ no problems" not in out and "nothing was audited" in out


# -- allow-unread ----------------------------------------------------------------------------


def test_allow_unread_accepts_the_file_but_never_shows_a_tick_for_it(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p", {"Pipfile": UNREADABLE["Pipfile"]}, POLICY + 'allow-unread = ["Pipfile"]\n'
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 0, out
    _never_clean(out)
    assert "accepted" in out and "allow-unread = 'Pipfile'" in out
    code, out, _ = _run(["check", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 0, out
    assert "✓ no problems" not in out and "not read (accepted by the policy)" in out
    code, out, _ = _run(
        ["audit", "--project", str(project), "--offline", "--db", str(db), "-f", "json"], capsys
    )
    doc = json.loads(out)
    assert doc["status"] == "clean"
    assert doc["not_checked"][0]["accepted"] == "allow-unread = 'Pipfile' in the policy"
    assert doc["not_checked"][0]["blocking"] is False


def test_allow_unread_globs_are_relative_to_the_project(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p",
        {"requirements.txt": "requests>=2.32.0\n", "setup.cfg": UNREADABLE["setup.cfg"],
         "Pipfile": UNREADABLE["Pipfile"]},
        POLICY + 'allow-unread = ["setup*.cfg"]\n',
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 1, out  # Pipfile is not accepted
    assert "1 not checked: " in out and "Pipfile" in out.splitlines()[1]


@pytest.mark.parametrize(
    "value", ['"uv.lock"', "[1]", '["/etc/passwd"]', '["../other/uv.lock"]'],
    ids=["string", "number", "absolute", "parent"],
)
def test_allow_unread_must_be_a_list_of_relative_globs(
    value: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {"uv.lock": "x"}, f"allow-unread = {value}\n")
    code, out, err = _run(["audit", "--project", str(project), "--offline", "--db", str(db)],
                          capsys)
    assert code == 2 and out == ""
    assert "allow-unread" in err and ".pipwarden.toml:1" in err and "Traceback" not in err
    assert "unknown policy key" not in err and "relative to the project root" in err


# -- URL and path requirements ---------------------------------------------------------------


def test_vcs_requirement_is_not_checked_and_fails(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p",
        {"requirements.txt": "requests>=2.32.0\ngit+https://github.com/pallets/flask@main#egg=flask\n"},
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert out.splitlines()[1].startswith("? ") and "flask" in out.splitlines()[1]


def test_editable_project_itself_is_covered_by_its_pyproject(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p",
        {"requirements.txt": "-e .\n", "pyproject.toml": PYPROJECT},
    )
    code, out, _ = _run(["audit", "--project", str(project), "--offline", "--db", str(db)], capsys)
    assert code == 0, out
    assert "its dependencies are read from" in out


# -- every report format ----------------------------------------------------------------------


def _pipfile_only(tmp_path: Path) -> Path:
    return _project(tmp_path / "p", {"Pipfile": UNREADABLE["Pipfile"]})


def test_sarif_reports_not_checked_as_a_failed_execution(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _pipfile_only(tmp_path)
    for command in (["audit", "--project", str(project)], ["check", str(project)]):
        code, out, _ = _run([*command, "--offline", "--db", str(db), "-f", "sarif"], capsys)
        assert code == 1
        run = json.loads(out)["runs"][0]
        invocation = run["invocations"][0]
        assert invocation["executionSuccessful"] is False
        notes = invocation["toolExecutionNotifications"]
        assert [n["level"] for n in notes] == ["error"]
        assert "Pipfile" in notes[0]["message"]["text"]


def test_sarif_of_a_clean_audit_is_a_successful_execution(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {"requirements.txt": "requests>=2.32.0\n"})
    code, out, _ = _run(
        ["audit", "--project", str(project), "--offline", "--db", str(db), "-f", "sarif"], capsys
    )
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert code == 0 and invocation == {
        "executionSuccessful": True, "toolExecutionNotifications": []
    }


@pytest.mark.parametrize("command", ["audit", "check"])
def test_markdown_and_html_show_not_checked(
    command: str, tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _pipfile_only(tmp_path)
    target = ["--project", str(project)] if command == "audit" else [str(project)]
    code, out, _ = _run([command, *target, "--offline", "--db", str(db), "-f", "markdown"],
                        capsys)
    assert code == 1 and "✅" not in out
    assert "❔" in out and "not checked" in out and "pipenv lock" in out
    page = tmp_path / "report.html"
    code, _, _ = _run(
        [command, *target, "--offline", "--db", str(db), "-f", "html", "-o", str(page)], capsys
    )
    html = page.read_text()
    assert code == 1
    assert '<span class="mark">?</span>' in html and "not checked" in html
    assert "Pipfile" in html


# -- check on a venv ------------------------------------------------------------------------


def _fake_venv(root: Path, packages: dict[str, str]) -> Path:
    site = root / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (root / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, version in packages.items():
        info = site / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
    return root


def test_check_on_a_venv_audits_it_as_an_environment(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {})
    venv = _fake_venv(project / ".venv", {"Jinja2": "2.10.1", "requests": "2.32.0"})
    code, out, _ = _run(["check", str(venv), "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert "✓ no problems" not in out
    assert "jinja2 2.10.1" in out and "PYSEC-2021-66" in out
    code, out, _ = _run(["check", str(venv), "--offline", "--db", str(db), "-f", "json"], capsys)
    doc = json.loads(out)
    assert code == 1 and doc["status"] == "findings"
    assert {f["package"] for f in doc["audit"]["findings"]} == {"jinja2"}


# -- the pre-commit hook context ------------------------------------------------------------


def _hook_entry(hook_id: str) -> list[str]:
    """The ``entry`` of a hook in .pre-commit-hooks.yaml, as argv."""
    text = HOOKS.read_text()
    block = text.split(f"\n- id: {hook_id}\n", 1)[1].split("\n- id:", 1)[0]
    match = re.search(r"^\s*entry:\s*(.+)$", block, re.MULTILINE)
    assert match is not None
    return match.group(1).split()


def test_audit_hook_audits_the_project_files_inside_a_real_hook_venv(
    tmp_path: Path, db: Path
) -> None:
    """pre-commit runs hooks from their own venv with VIRTUAL_ENV set (and PRE_COMMIT=1):
    the hook must audit the project's requirements, not that venv."""
    hook_venv = tmp_path / "hook-env"
    venv_module.create(hook_venv, with_pip=False)  # a real venv: pyvenv.cfg, bin/python
    project = _project(tmp_path / "p", {"requirements.txt": VULNERABLE_PIN})
    entry = _hook_entry("pipwarden-audit")
    assert entry[:2] == ["pipwarden", "audit"]
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("PIPWARDEN_", "VIRTUAL_ENV"))
    }
    env.update(
        VIRTUAL_ENV=str(hook_venv),
        PRE_COMMIT="1",
        PIPWARDEN_DB=str(db),
        PIPWARDEN_OFFLINE="1",
        PATH=f"{hook_venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    # pipwarden runs on the hook venv's own interpreter, as pre-commit runs it (its code and
    # its one dependency, packaging, on the path instead of pip-installed: no network here).
    import packaging

    deps = Path(packaging.__file__).resolve().parent.parent
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(deps)])
    hook_python = hook_venv / "bin" / "python"
    assert hook_python.exists()
    proc = subprocess.run(
        [str(hook_python), "-m", "pipwarden", *entry[1:]],
        cwd=project, env=env, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    assert "requirements.txt" in proc.stdout.splitlines()[0]
    assert "PYSEC-2021-66" in proc.stdout
    assert str(hook_venv) not in proc.stdout


@pytest.mark.parametrize("pre_commit", [True, False], ids=["PRE_COMMIT", "VIRTUAL_ENV-only"])
def test_an_active_venv_outside_the_project_never_replaces_its_files(
    pre_commit: bool,
    tmp_path: Path,
    db: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outside = _fake_venv(tmp_path / "elsewhere", {"requests": "2.32.0"})
    project = _project(tmp_path / "p", {"requirements.txt": VULNERABLE_PIN})
    monkeypatch.setenv("VIRTUAL_ENV", str(outside))
    if pre_commit:
        monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.chdir(project)
    code, out, _ = _run(["audit", "--offline", "--db", str(db)], capsys)
    assert code == 1, out
    assert "requirements.txt" in out.splitlines()[0] and str(outside) not in out
    code, out, _ = _run(["check", ".", "--offline", "--db", str(db), "-f", "json"], capsys)
    assert json.loads(out)["venv"] is None  # check does not take the hook's venv either


def test_pre_commit_audit_prefers_files_to_the_projects_own_venv(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "p", {"requirements.txt": VULNERABLE_PIN})
    _fake_venv(project / ".venv", {"requests": "2.32.0"})  # clean, but not what is committed
    monkeypatch.setenv("PRE_COMMIT", "1")
    monkeypatch.chdir(project)
    code, out, _ = _run(["audit", "--offline", "--db", str(db)], capsys)
    assert code == 1 and "PYSEC-2021-66" in out


def test_hook_files_pattern_covers_every_dependency_file_kind() -> None:
    text = HOOKS.read_text()
    block = text.split("\n- id: pipwarden-audit\n", 1)[1]
    match = re.search(r"^\s*files:\s*(.+)$", block, re.MULTILINE)
    assert match is not None
    pattern = re.compile(match.group(1))
    for name in [*UNREADABLE, "requirements.txt", "pyproject.toml", "pylock.toml"]:
        assert pattern.search(name) and pattern.search(f"sub/{name}"), name


# -- internal errors and exit codes ----------------------------------------------------------


def _boom(args: object) -> int:
    raise RuntimeError("unexpected state\nsecond line")


def test_internal_error_exits_4_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipwarden.commands.audit as audit_command

    monkeypatch.setattr(audit_command, "run", _boom)
    code, out, err = _run(["audit"], capsys)
    assert code == 4 and out == ""
    assert err == (
        "pipwarden: internal error: RuntimeError: unexpected state second line "
        "(run with -vv for the traceback)\n"
    )


def test_internal_error_with_vv_shows_the_traceback_and_still_exits_4(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipwarden.commands.check as check_command

    monkeypatch.setattr(check_command, "run", _boom)
    code, _, err = _run(["check", "-vv"], capsys)
    assert code == 4
    assert "Traceback (most recent call last)" in err and "RuntimeError" in err
    assert err.rstrip().splitlines()[-1].startswith("pipwarden: internal error: RuntimeError")


def test_a_known_error_with_vv_keeps_its_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _run(["check", str(tmp_path / "missing"), "-vv"], capsys)
    assert code == 2 and "not a folder" in err


@pytest.mark.parametrize(
    "argv", [[], ["audit"], ["check"], ["fleet"], ["db", "status"]],
    ids=["top", "audit", "check", "fleet", "db-status"],
)
def test_every_help_ends_with_the_exit_codes(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _run([*argv, "--help"], capsys)
    assert code == 0
    tail = out[out.index("exit codes:"):]
    for number in "01234":
        assert re.search(rf"^  {number}  ", tail, re.MULTILINE), number
    assert "not checked" in tail and "internal error" in tail


def test_an_empty_environment_is_never_a_tick_over_0_packages(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pre-commit failure mode: the hook's venv, read and empty, said "✓ … 0 packages"."""
    project = _project(tmp_path / "p", {})
    empty = tmp_path / "env"
    venv_module.create(empty, with_pip=False)
    code, out, _ = _run(
        ["audit", "--path", str(empty), "--project", str(project), "--offline", "--db", str(db)],
        capsys,
    )
    assert code == 0  # read and nothing wrong, but nothing to call clean either
    assert "✓" not in out and "0 packages" not in out
    assert "no packages to audit" in out


def test_check_never_ticks_slim_when_a_source_file_was_not_read(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(
        tmp_path / "p", {"requirements.txt": "requests>=2.32.0\n", "job.py": "import requests\n"}
    )
    (project / "broken.py").write_bytes(b"\xff\xfe\x00not utf-8\x00")
    _, out, _ = _run(["check", str(project), "--offline", "--db", str(db)], capsys)
    section = out.split("Dependencies you may not need\n", 1)[1].split("\n\n", 1)[0]
    assert "✓" not in section and "? 1 source file not checked" in section


def test_cyclonedx_sbom_says_what_was_not_read(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_report_cyclonedx import _validate

    project = _project(
        tmp_path / "p", {"requirements.txt": "requests>=2.32.0\n", "Pipfile": UNREADABLE["Pipfile"]}
    )
    code, out, _ = _run(
        ["audit", "--project", str(project), "--offline", "--db", str(db), "-f", "cyclonedx"],
        capsys,
    )
    doc = json.loads(out)
    assert code == 1
    _validate(doc)
    props = {p["name"]: p["value"] for p in doc["metadata"]["properties"]}
    assert props["pipwarden:status"] == "not_checked"
    assert "Pipfile" in props["pipwarden:not-checked"] and "fails the run" in props[
        "pipwarden:not-checked"]


@pytest.mark.parametrize("command", ["lint", "slim"])
def test_lint_and_slim_never_tick_a_project_they_could_not_read(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {"Pipfile": UNREADABLE["Pipfile"]})
    _, out, _ = _run([command, str(project), "--offline"], capsys)
    assert "✓" not in out and "0 files" not in out


def test_check_on_an_empty_venv_is_not_a_tick(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _project(tmp_path / "p", {})
    empty = project / ".venv"
    venv_module.create(empty, with_pip=False)
    code, out, _ = _run(["check", str(empty), "--offline", "--db", str(db)], capsys)
    assert code == 0, out
    assert out.splitlines()[0].endswith(f"(environment {empty})")
    assert "✓" not in out and "0 packages" not in out


def test_check_never_ticks_a_dependency_it_could_not_vet_offline(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # offline with an empty PyPI cache: the release, maintainer and repository signals
    # cannot be read, so the vet part is "not fully checked", never "✓ no warning"
    project = _project(
        tmp_path / "p",
        {"requirements.txt": "requests>=2.32.0\nnumpy>=2.0\n",
         "job.py": "import requests, numpy\n"},
    )
    _, out, _ = _run(["check", str(project), "--offline", "--db", str(db)], capsys)
    section = out.split("Dependency risk\n", 1)[1].split("\n\n", 1)[0]
    assert "✓" not in section, section
    assert "? 2 direct dependencies not fully checked (offline" in section
    assert "without --offline" in section
