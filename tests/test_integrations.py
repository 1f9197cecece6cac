"""The pre-commit hooks and the GitHub Action: read their files, run what they declare.

The files are read with pipwarden's own small YAML scanner (no PyYAML). Commands run as
``python -m pipwarden`` through a ``pipwarden`` shim on PATH, in a fixture project, never
touching the network (PyPI and OSV are served by the loopback server).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from loopback import LoopbackServer
from pipwarden.yamlscan import scan_yaml
from pypi_server import install_pypi

ROOT = Path(__file__).resolve().parent.parent
OSV_ZIP = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
BASH = shutil.which("bash")
# A current date for records: a database is as old as its newest record.
_RECENT = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


needs_bash = pytest.mark.skipif(BASH is None, reason="the Action's steps are bash scripts")


# -- reading the files ---------------------------------------------------------------------


def _block(lines: list[str], key_line: int) -> str:
    """The block scalar (``key: |``) that starts after 1-based ``key_line``, dedented."""
    key_indent = len(lines[key_line - 1]) - len(lines[key_line - 1].lstrip(" "))
    body: list[str] = []
    for raw in lines[key_line:]:
        if raw.strip() and len(raw) - len(raw.lstrip(" ")) <= key_indent:
            break
        body.append(raw)
    while body and not body[-1].strip():
        body.pop()
    indent = min(len(b) - len(b.lstrip(" ")) for b in body if b.strip())
    return "\n".join(b[indent:] for b in body) + "\n"


def _items(path: Path, prefix: tuple[str, ...]) -> list[dict[str, Any]]:
    """The mappings of the sequence at ``prefix`` (scalars; block scalars as text; nested
    mappings such as ``env``/``with`` as dicts)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    items: dict[str, dict[str, Any]] = {}
    for entry in scan_yaml(text):
        if entry.path[: len(prefix)] != prefix or len(entry.path) <= len(prefix):
            continue
        item = items.setdefault(entry.path[len(prefix)], {})
        rest = entry.path[len(prefix) + 1 :]
        value: Any = entry.value
        if entry.value in {"|", ">"}:
            value = _block(lines, entry.line)
        if rest:
            item.setdefault(rest[0], {})[entry.key] = value
        elif value == "" and entry.key in {"env", "with"}:
            item.setdefault(entry.key, {})
        else:
            item[entry.key] = value
    return list(items.values())


def hooks() -> list[dict[str, Any]]:
    return _items(ROOT / ".pre-commit-hooks.yaml", ())


def action() -> tuple[dict[str, str], dict[str, dict[str, str]], list[dict[str, Any]]]:
    """(top-level scalars, inputs, steps) of action.yml."""
    path = ROOT / "action.yml"
    entries = scan_yaml(path.read_text(encoding="utf-8"))
    top = {e.key: e.value for e in entries if e.path == ()}
    top.update({f"runs.{e.key}": e.value for e in entries if e.path == ("runs",)})
    inputs: dict[str, dict[str, str]] = {}
    for e in entries:
        if len(e.path) == 2 and e.path[0] == "inputs":
            inputs.setdefault(e.path[1], {})[e.key] = e.value
    return top, inputs, _items(path, ("runs", "steps"))


# -- running commands ----------------------------------------------------------------------


@pytest.fixture
def shim(tmp_path: Path) -> dict[str, str]:
    """An environment whose ``pipwarden`` runs this checkout's ``python -m pipwarden``."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    exe = bindir / "pipwarden"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m pipwarden "$@"\n')
    exe.chmod(0o755)
    env = dict(os.environ)
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT / "src"), env.get("PYTHONPATH")) if p
    )
    return env


def _entry_command(entry: str) -> list[str]:
    words = entry.split()
    assert words[0] == "pipwarden", entry
    return [sys.executable, "-m", "pipwarden", *words[1:]]


def _pypi(server: LoopbackServer, names: Mapping[str, str]) -> None:
    for name, version in names.items():
        server.add(f"/pypi/{name}/json", json.dumps({"info": {"name": name, "version": version}}))


def _jinja2_zip() -> bytes:
    """The jinja2 records of the recorded PyPA archive, as an OSV ``all.zip``."""
    out = io.BytesIO()
    with zipfile.ZipFile(OSV_ZIP) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if b'"jinja2"' in data.lower():
                record = json.loads(data)
                record["modified"] = _RECENT  # data age is the records' age: make it current
                dst.writestr(name, json.dumps(record))
    return out.getvalue()


# -- pre-commit ----------------------------------------------------------------------------


def test_pre_commit_hooks_declare_lint_and_audit() -> None:
    by_id = {h["id"]: h for h in hooks()}
    assert set(by_id) == {"pipwarden-lint", "pipwarden-audit"}
    lint, audit = by_id["pipwarden-lint"], by_id["pipwarden-audit"]
    assert lint["entry"] == "pipwarden lint" and audit["entry"] == "pipwarden audit"
    assert lint["language"] == audit["language"] == "python"
    assert lint["pass_filenames"] == "true" and audit["pass_filenames"] == "false"
    for hook in (lint, audit):
        files = re.compile(hook["files"])
        for name in (
            "requirements.txt",
            "svc/requirements-dev.txt",
            "dev-requirements.txt",
            "requirements/base.txt",
            "pyproject.toml",
            "constraints.txt",
        ):
            assert files.search(name), (hook["id"], name)
        for name in ("README.md", "requirements.txt.orig", "src/app.py"):
            assert not files.search(name), (hook["id"], name)
    assert re.search(audit["files"], "pylock.toml")
    # lint reads requirements and pyproject only; the audit also runs when a dependency
    # file it cannot read changes (setup.py, uv.lock …), to report it as not checked
    assert not re.search(lint["files"], "setup.py")
    assert re.search(audit["files"], "setup.py") and re.search(audit["files"], "uv.lock")


def test_lint_hook_runs_on_the_staged_files_it_selects(
    tmp_path: Path, http_server: LoopbackServer, shim: dict[str, str]
) -> None:
    [lint] = [h for h in hooks() if h["id"] == "pipwarden-lint"]
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "requirements.txt").write_text("pandas>=2.2\nrequests>=2.31\n")
    (project / "requirements-dev.txt").write_text("-r requirements.txt\npytest>=8\n")
    (project / "src" / "app.py").write_text("import pandas\n")
    _pypi(http_server, {"pandas": "2.2.3", "requests": "2.32.3", "pytest": "8.3.3"})
    env = {**shim, "PIPWARDEN_PYPI_URL": http_server.url}
    staged = ["requirements.txt", "requirements-dev.txt", "src/app.py"]

    def run_hook() -> subprocess.CompletedProcess[str]:
        files = [f for f in staged if re.search(lint["files"], f)]
        assert files == ["requirements.txt", "requirements-dev.txt"]
        command = _entry_command(lint["entry"]) + lint.get("args", "").split() + files
        return subprocess.run(
            command, cwd=project, env=env, capture_output=True, text=True, timeout=60, check=False
        )

    clean = run_hook()
    assert clean.returncode == 0, clean.stdout + clean.stderr

    (project / "requirements.txt").write_text("pandas==2.1.0\nrequests>=2.31\n")
    pinned = run_hook()
    assert pinned.returncode == 1
    assert "requirements.txt:1" in pinned.stdout and "PW101" in pinned.stdout
    assert http_server.count("/pypi/pandas/json") >= 1  # it really asked (the loopback) PyPI


def test_audit_hook_runs_without_filenames(tmp_path: Path, shim: dict[str, str]) -> None:
    [audit] = [h for h in hooks() if h["id"] == "pipwarden-audit"]
    archive = tmp_path / "osv.zip"
    archive.write_bytes(_jinja2_zip())
    db = tmp_path / "osv.sqlite3"
    imported = subprocess.run(
        [sys.executable, "-m", "pipwarden", "db", "import", "--db", str(db), str(archive)],
        env=shim, capture_output=True, text=True, timeout=60, check=False,
    )
    assert imported.returncode == 0, imported.stderr
    project = tmp_path / "project"
    project.mkdir()
    command = _entry_command(audit["entry"]) + audit.get("args", "").split()
    command += ["--offline", "--db", str(db)]  # pass_filenames: false -> no file names

    (project / "requirements.txt").write_text("jinja2==2.10.1\n")
    vulnerable = subprocess.run(
        command, cwd=project, env=shim, capture_output=True, text=True, timeout=60, check=False
    )
    assert vulnerable.returncode == 1, vulnerable.stdout + vulnerable.stderr
    assert "PYSEC-2021-66" in vulnerable.stdout

    (project / "requirements.txt").write_text("jinja2>=3.1.4\n")
    fixed = subprocess.run(
        command, cwd=project, env=shim, capture_output=True, text=True, timeout=60, check=False
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr


# -- the GitHub Action ---------------------------------------------------------------------


def test_action_is_composite_with_the_documented_inputs() -> None:
    top, inputs, steps = action()
    assert top["runs.using"] == "composite"
    assert {"path", "python-version", "fail-on", "args"} <= set(inputs)
    assert inputs["path"]["default"] == "."
    assert inputs["fail-on"]["default"] == ""  # the project's policy decides by default
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert "actions/setup-python" in uses
    assert "actions/cache" in uses and "github/codeql-action/upload-sarif" in uses
    by_id = {s["id"]: s for s in steps if "id" in s}

    install = next(s for s in steps if "pip install" in s.get("run", ""))
    assert install["env"]["PW_ACTION_PATH"] == "${{ github.action_path }}"

    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == "${{ steps.db.outputs.path }}"
    assert "${{ steps.db.outputs.date }}" in cache["with"]["key"]
    assert "PIPWARDEN_DB=" in by_id["db"]["run"] and "GITHUB_ENV" in by_id["db"]["run"]
    check_index = next(i for i, s in enumerate(steps) if s.get("id") == "check")
    assert uses.index("actions/cache") < check_index

    check = by_id["check"]["run"]
    assert re.search(r'pipwarden check .*--format markdown >> "\$GITHUB_STEP_SUMMARY"', check)
    assert re.search(r"pipwarden check .*--format sarif -o pipwarden\.sarif", check)
    upload = next(s for s in steps if "upload-sarif" in s.get("uses", ""))
    assert upload["with"]["sarif_file"] == "pipwarden.sarif"
    assert "always()" in upload["if"]
    last = steps[-1]
    assert last["env"]["PW_STATUS"] == "${{ steps.check.outputs.exit-code }}"
    # inputs reach scripts through env only (no ${{ }} inside a script: no injection)
    for step in steps:
        assert "${{" not in step.get("run", ""), step.get("name")


def _run_step(
    step: dict[str, Any],
    context: Mapping[str, str],
    env: Mapping[str, str],
    cwd: Path,
    github: Path,
) -> tuple[int, dict[str, str], str]:
    """Run one ``run:`` step as the runner does (bash -e -o pipefail), with its ``env:``
    expressions filled from ``context``; returns (exit code, its outputs, stderr)."""

    def expand(value: str) -> str:
        return re.sub(r"\$\{\{\s*([^}]+?)\s*\}\}", lambda m: context[m.group(1)], value)

    output = github / f"output-{step.get('id', 'x')}"
    output.write_text("")
    step_env = {**env, **{k: expand(v) for k, v in step.get("env", {}).items()}}
    step_env.update(
        GITHUB_OUTPUT=str(output),
        GITHUB_ENV=str(github / "env"),
        GITHUB_STEP_SUMMARY=str(github / "summary.md"),
        RUNNER_TEMP=str(github / "runner-temp"),
    )
    assert BASH is not None
    done = subprocess.run(
        [BASH, "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=cwd, env=step_env, capture_output=True, text=True, timeout=120, check=False,
    )
    outputs = dict(
        line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
    )
    return done.returncode, outputs, done.stderr


def _github(tmp_path: Path) -> Path:
    github = tmp_path / "github"
    (github / "runner-temp").mkdir(parents=True)
    (github / "env").write_text("")
    (github / "summary.md").write_text("")
    return github


def _context(inputs: dict[str, dict[str, str]], **given: str) -> dict[str, str]:
    context = {f"inputs.{k}": v.get("default", "") for k, v in inputs.items()}
    context.update({f"inputs.{k}": v for k, v in given.items()})
    context.update({"github.action_path": str(ROOT), "runner.os": "Linux"})
    return context


@needs_bash
def test_action_db_step_points_pipwarden_db_at_the_cached_path(tmp_path: Path) -> None:
    _top, inputs, steps = action()
    [db] = [s for s in steps if s.get("id") == "db"]
    github = _github(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "PIPWARDEN_DB"}
    code, outputs, err = _run_step(db, _context(inputs), env, tmp_path, github)
    assert code == 0, err
    expected = github / "runner-temp" / "pipwarden" / "osv.sqlite3"
    assert outputs["path"] == str(expected) and expected.parent.is_dir()
    assert outputs["date"] == dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    assert f"PIPWARDEN_DB={expected}" in (github / "env").read_text()

    code, outputs, _ = _run_step(
        db, _context(inputs), {**env, "PIPWARDEN_DB": str(tmp_path / "mine.db")}, tmp_path, github
    )
    assert code == 0 and outputs["path"] == str(tmp_path / "mine.db")


@needs_bash
@pytest.mark.parametrize(
    ("given", "exit_code", "expected_args"),
    [
        ({}, 0, ["check", "."]),
        ({"fail-on": "high", "args": "--offline --no-color"}, 1,
         ["check", ".", "--fail-on", "high", "--offline", "--no-color"]),
        ({"path": "svc dir"}, 3, ["check", "svc dir"]),
    ],
)
def test_action_check_step_forwards_inputs_and_keeps_the_exit_code(
    tmp_path: Path, given: dict[str, str], exit_code: int, expected_args: list[str]
) -> None:
    """The check step's own logic, with a recording ``pipwarden`` (the real one is run by
    the end-to-end test below): inputs become arguments, both reports are written, the
    exit code of the first run is kept for the last step, and the step itself succeeds."""
    _top, inputs, steps = action()
    [check] = [s for s in steps if s.get("id") == "check"]
    bindir = tmp_path / "bin"
    bindir.mkdir()
    calls = tmp_path / "calls.jsonl"
    recorder = bindir / "pipwarden"
    recorder.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(calls)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if '--format' in sys.argv and sys.argv[sys.argv.index('--format') + 1] == 'markdown':\n"
        "    print('## pipwarden check')\n"
        f"sys.exit({exit_code})\n"
    )
    recorder.chmod(0o755)
    github = _github(tmp_path)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}"}
    code, outputs, err = _run_step(check, _context(inputs, **given), env, tmp_path, github)
    assert code == 0, err
    assert outputs == {"exit-code": str(exit_code)}
    runs = [json.loads(line) for line in calls.read_text().splitlines()]
    assert [r[: len(expected_args)] for r in runs] == [expected_args, expected_args]
    assert runs[0][len(expected_args):] == ["--format", "markdown"]
    assert runs[1][len(expected_args):] == ["--format", "sarif", "-o", "pipwarden.sarif"]
    assert (github / "summary.md").read_text() == "## pipwarden check\n"

    last = steps[-1]
    context = {"steps.check.outputs.exit-code": outputs["exit-code"]}
    code, _, _ = _run_step(last, context, dict(os.environ), tmp_path, github)
    assert code == exit_code


@needs_bash
def test_action_end_to_end(
    tmp_path: Path, http_server: LoopbackServer, shim: dict[str, str]
) -> None:
    """Every ``run:`` step after the install, with the real pipwarden: the database is
    downloaded (loopback OSV), check writes the summary and SARIF, the job fails by the
    check's exit code."""
    _top, inputs, steps = action()
    http_server.add("/osv/all.zip", _jinja2_zip())
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "requirements.txt").write_text("jinja2==2.10.1\n")
    github = _github(tmp_path)
    # vet (part of check) needs PyPI: without an answer it is exit 3, not a verdict
    install_pypi(http_server, Path(__file__).parent / "data" / "pypi")
    env = {
        **{k: v for k, v in shim.items() if k != "PIPWARDEN_DB"},
        "PIPWARDEN_OSV_URL": f"{http_server.url}/osv/all.zip",
        "PIPWARDEN_PYPI_URL": http_server.url,
    }
    context = _context(inputs)
    runnable = [s for s in steps if "run" in s and "pip install" not in s["run"]]
    code = 0
    for step in runnable:
        code, outputs, err = _run_step(step, context, env, workspace, github)
        context.update({f"steps.{step.get('id')}.outputs.{k}": v for k, v in outputs.items()})
        for line in (github / "env").read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
        if step is not runnable[-1]:
            assert code == 0, (step.get("name"), err)
    assert http_server.count("/osv/all.zip") >= 1
    summary = (github / "summary.md").read_text()
    assert "PYSEC-2021-66" in summary or "jinja2" in summary
    sarif = json.loads((workspace / "pipwarden.sarif").read_text())
    assert sarif["runs"]
    assert code == 1  # findings: the job fails
