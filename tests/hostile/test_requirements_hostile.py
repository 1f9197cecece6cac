"""Hostile requirements files, through the CLI.

Each test is one "Why" bullet of issues 11/12/13 about requirements files: lines pip
installs but pipwarden never saw, secrets echoed in errors, includes that leave the
project, files that never end, include loops, UTF-16 files lint could not read, local
versions. Each fails without the fix it guards.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.sources import requirements as reqs
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent.parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
SECRET = "glpat-Zq8SECRETvalue4242"
FAKE_AWS = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFAKEKEY42"

#: The separators str.splitlines() breaks at besides "\n" (which every reader handles).
SEPARATORS = {
    "CR": "\r", "VT": "\v", "FF": "\f", "FS": "\x1c", "GS": "\x1d", "RS": "\x1e",
    "NEL": "\x85", "LS": "\u2028", "PS": "\u2029",
}


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(ARCHIVE, db)
    return as_current(db)  # the 2024 records dated today: parsing is under test, not age


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def audit(req: Path, db: Path, project: Path, capsys: pytest.CaptureFixture[str],
          *extra: str) -> tuple[int, str, str]:
    return run(["audit", "-r", str(req), "--db", str(db), "--offline", "--project",
                str(project), *extra], capsys)


# -- lines pip installs but pipwarden never saw (issue 11) -------------------------------


@pytest.mark.parametrize("sep", list(SEPARATORS.values()), ids=list(SEPARATORS))
def test_a_pin_after_a_comment_and_any_line_separator_is_audited(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str], sep: str
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_bytes(f"# comment{sep}PyYAML==5.3\n".encode())
    code, out, err = audit(req, real_db, tmp_path, capsys, "--format", "json")
    assert code == 1, ascii(err)
    assert "PYSEC-2020-96" in out and "PYSEC-2021-142" in out


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
def test_powershell_freeze_output_and_bom_files_are_audited(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    req = tmp_path / "requirements.txt"
    data = "# comment\u2028PyYAML==5.3\r\nrequests==2.32.0\r\n".encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    req.write_bytes(data)
    code, out, _ = audit(req, real_db, tmp_path, capsys, "--format", "json")
    assert code == 1 and "PYSEC-2020-96" in out


# -- secrets (issue 12) ----------------------------------------------------------------


def test_a_bad_line_with_a_variable_is_quoted_as_written_never_expanded(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PW_DEPLOY_TOKEN", SECRET)
    req = tmp_path / "requirements.txt"
    req.write_text("requests==2.32.0\n"
                   "private-lib==${PW_DEPLOY_TOKEN} ; python_version > '3' " + "x" * 300 + "\n")
    code, out, err = audit(req, real_db, tmp_path, capsys)
    assert code == 2
    assert SECRET not in out + err and "Zq8SECRET" not in out + err
    assert "requirements.txt:2:" in err and "${PW_DEPLOY_TOKEN}" in err
    assert len(err.strip().splitlines()) <= 2 and "x" * 100 not in err  # a short fragment
    assert "Traceback" not in err


def test_a_secret_in_an_index_url_variable_never_reaches_the_output(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PW_INDEX", f"https://ci:{SECRET}@pkgs.example/simple --bogus")
    req = tmp_path / "requirements.txt"
    req.write_text("--extra-index-url ${PW_INDEX}\nrequests==2.32.0\n")
    code, out, err = audit(req, real_db, tmp_path, capsys)
    assert code == 2 and "requirements.txt:1:" in err
    assert SECRET not in out + err


def _credentials(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    creds = folder / "credentials"
    creds.write_text(f"[default]\naws_secret_access_key = {FAKE_AWS}\n")
    return creds


def _assert_not_shown(code: int, out: str, err: str, where: str) -> None:
    assert code == 2
    assert FAKE_AWS not in out + err and "aws_secret_access_key" not in out + err
    assert "[default]" not in out + err and "FAKEKEY" not in out + err
    assert where in err and "not shown" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlinked-include"])
def test_an_include_outside_the_project_is_read_but_never_quoted(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    creds = _credentials(tmp_path / "home" / ".aws")
    project = tmp_path / "project"
    project.mkdir()
    if how == "absolute":
        target = str(creds)
    elif how == "dotdot":
        target = "../home/.aws/credentials"
    else:
        (project / "common.txt").symlink_to(creds)
        target = "common.txt"
    req = project / "requirements.txt"
    req.write_text(f"requests==2.32.0\n-r {target}\n")
    code, out, err = audit(req, real_db, project, capsys)
    _assert_not_shown(code, out, err, "credentials:1:" if how != "symlinked-include"
                      else "common.txt:1:")


def test_a_requirements_file_that_is_a_symlink_out_of_the_project_is_never_quoted(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    creds = _credentials(tmp_path / "home" / ".aws")
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").symlink_to(creds)
    code, out, err = audit(project / "requirements.txt", real_db, project, capsys)
    _assert_not_shown(code, out, err, "requirements.txt:1:")
    # check and lint read the same file the same way
    for argv in (["check", "--offline", "--db", str(real_db), str(project)],
                 ["lint", "--offline", str(project)]):
        code, out, err = run(argv, capsys)
        assert FAKE_AWS not in out + err and "aws_secret_access_key" not in out + err, argv[0]


def test_a_bare_secret_line_outside_the_project_is_never_reported_as_a_path(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A key alone on a line (``/`` in it) would read as a local-path requirement, and
    reports print those; from a file outside the project it is refused, unquoted."""
    outside = tmp_path / "home" / "token.txt"
    outside.parent.mkdir()
    outside.write_text(f"{FAKE_AWS}\n")
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text(f"-r {outside}\n")
    for argv in (["audit", "-r", str(project / "requirements.txt"), "--db", str(real_db),
                  "--offline", "--project", str(project)],
                 ["check", "--offline", "--db", str(real_db), str(project)]):
        code, out, err = run(argv, capsys)
        assert FAKE_AWS not in out + err and "FAKEKEY" not in out + err, argv[0]
        # audit: the one-line error; check: its report's "could not check" part
        assert code == 2 and "token.txt:1:" in (err if argv[0] == "audit" else out), argv[0]


def test_a_monorepo_include_outside_the_project_is_still_audited(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "requirements.txt").write_text("PyYAML==5.3\n")
    project = tmp_path / "service"
    project.mkdir()
    (project / "requirements.txt").write_text("-r ../common/requirements.txt\n")
    code, out, _ = audit(project / "requirements.txt", real_db, project, capsys,
                         "--format", "json")
    assert code == 1 and "PYSEC-2020-96" in out


# -- files that never end, loops (issue 12) ---------------------------------------------


def _cli_in_subprocess(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a child with a 1 GB address-space cap and a deadline, so that a
    regression (reading /dev/zero or a FIFO forever) fails the test instead of the host."""
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "from pipwarden.cli import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"),
                    reason="needs /dev/zero and FIFOs")
@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
def test_includes_that_are_not_regular_files_are_refused(
    tmp_path: Path, real_db: Path, kind: str
) -> None:
    if kind == "dev-zero":
        target = "/dev/zero"
    elif kind == "fifo":
        os.mkfifo(tmp_path / "pipe")
        target = "pipe"
    else:
        (tmp_path / "folder").mkdir()
        target = "folder"
    (tmp_path / "requirements.txt").write_text(f"requests==2.32.0\n-r {target}\n")
    done = _cli_in_subprocess(["audit", "-r", "requirements.txt", "--db", str(real_db),
                               "--offline", "--project", "."], tmp_path)
    assert done.returncode == 2, done.stderr[-500:]
    assert "not a regular file" in done.stderr and "requirements.txt:2:" in done.stderr
    assert len(done.stderr.strip().splitlines()) <= 2 and "Traceback" not in done.stderr


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_dev_zero_as_the_requirements_file_is_refused(tmp_path: Path, real_db: Path) -> None:
    done = _cli_in_subprocess(["audit", "-r", "/dev/zero", "--db", str(real_db), "--offline",
                               "--project", "."], tmp_path)
    assert done.returncode == 2 and "/dev/zero: not a regular file" in done.stderr


def test_a_file_over_the_size_cap_is_refused(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reqs, "MAX_FILE_BYTES", 4096)
    (tmp_path / "big.txt").write_text("# padding\n" * 1000)
    req = tmp_path / "requirements.txt"
    req.write_text("-r big.txt\n")
    code, _, err = audit(req, real_db, tmp_path, capsys)
    assert code == 2 and "larger than 4096 bytes" in err and "requirements.txt:1:" in err
    code, _, err = audit(tmp_path / "big.txt", real_db, tmp_path, capsys)
    assert code == 2 and "big.txt: larger than 4096 bytes" in err


def test_deeply_nested_and_looping_includes_stop_with_one_line(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(reqs.MAX_INCLUDE_DEPTH + 5):
        (tmp_path / f"r{i}.txt").write_text(f"-r r{i + 1}.txt\n")
    (tmp_path / f"r{reqs.MAX_INCLUDE_DEPTH + 5}.txt").write_text("requests==2.32.0\n")
    code, _, err = audit(tmp_path / "r0.txt", real_db, tmp_path, capsys)
    assert code == 2 and "nest deeper than" in err and len(err.strip().splitlines()) <= 2
    (tmp_path / "self.txt").write_text("requests==2.32.0\n-r ./self.txt\n")
    (tmp_path / "alias.txt").symlink_to(tmp_path / "loop.txt")
    (tmp_path / "loop.txt").write_text("-r alias.txt\n")
    for name in ("self.txt", "loop.txt"):
        code, _, err = audit(tmp_path / name, real_db, tmp_path, capsys)
        assert code == 2 and "include cycle" in err, name


# -- lint reads what audit reads (issue 13) ----------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig"])
def test_lint_reads_powershell_freeze_output_and_bom_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], encoding: str
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_bytes("numpy==1.0\r\n# note\u2028pandas\r\n".encode(encoding))
    code, out, err = run(["lint", "--offline", str(req)], capsys)
    assert code == 1, ascii(out + err)
    assert "requirements.txt:1:1: PW101" in out  # numpy==1.0 is pinned
    assert "requirements.txt:3:" in out and "pandas" in out  # the line after U+2028
    assert "error" not in out + err


def test_lint_fix_refuses_to_rewrite_a_utf16_file_and_keeps_a_bom(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wide = tmp_path / "wide" / "requirements.txt"
    wide.parent.mkdir()
    data = "numpy==1.0\r\n".encode("utf-16")
    wide.write_bytes(data)
    code, out, _ = run(["lint", "--offline", "--fix", str(wide)], capsys)
    assert wide.read_bytes() == data and code == 1
    assert "fixes not applied to" in out and "the file is utf-16-le" in out
    bom = tmp_path / "bom" / "requirements.txt"
    bom.parent.mkdir()
    bom.write_bytes(b"\xef\xbb\xbfnumpy==1.0\n")
    code, out, _ = run(["lint", "--offline", "--fix", str(bom)], capsys)
    assert bom.read_bytes() == b"\xef\xbb\xbfnumpy>=1.0\n", ascii(out)


# -- local versions (issue 13) -----------------------------------------------------------


def test_local_version_pins_parse_and_are_audited(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("torch==2.8.0+cpu\ntorch-vision==0.23.0+cu128 ; sys_platform == 'linux'\n"
                   "PyYAML==5.3+local.1\n")
    code, out, err = audit(req, real_db, tmp_path, capsys, "--format", "json")
    assert code == 1 and "Traceback" not in err
    assert "PYSEC-2020-96" in out  # 5.3+local.1 is 5.3 for the advisory's range
    code, out, err = run(["lint", "--offline", str(req)], capsys)
    assert "Traceback" not in err and code in (0, 1)


# -- no line takes quadratic time ----------------------------------------------------------

_SLOW_LINES = {
    "spaces-then-text": " " * 200_000 + "x",
    "spaces-then-quote-option": "x --pre" + " " * 200_000 + "'",
    "brackets-path": "./" + "[" * 200_000 + "]",
    "dashes-name": "a" + "-" * 200_000 + "!",
    "continuations": "\\\n" * 100_000 + "requests==2.32.0",
    "hashes-in-comment": "x " + "# " * 100_000,
    "whitespace-hash": "\t#" * 100_000,
}


@pytest.mark.parametrize("text", list(_SLOW_LINES.values()), ids=list(_SLOW_LINES))
def test_pathological_lines_are_read_in_linear_time(text: str) -> None:
    import time

    from pipwarden.errors import InputError

    started = time.perf_counter()
    try:
        reqs.parse_requirements_text(text, "requirements.txt", environ={})
    except InputError as exc:
        assert len(str(exc)) < 400
    assert time.perf_counter() - started < 3.0


def test_error_fragments_are_redacted_before_they_are_cut(
    tmp_path: Path, real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A token longer than the quoted fragment must not show its first characters."""
    req = tmp_path / "requirements.txt"
    req.write_text(f"pkg @ https://ci:{SECRET * 20}@pkgs.example/pkg.whl ; bad marker ==\n")
    code, out, err = audit(req, real_db, tmp_path, capsys)
    assert code == 2 and "requirements.txt:1:" in err
    assert "Zq8SECRET" not in out + err and "glpat" not in out + err
