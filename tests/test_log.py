"""pipwarden's loggers import :mod:`logging` only when a record is due (``pipwarden.log``).

Each case runs in a fresh interpreter: pytest itself imports :mod:`logging`.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from pipwarden.vulndb.update import import_source

EXAMPLE_ARCHIVE = Path(__file__).parent.parent / "examples" / "osv-sample.zip"


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd, timeout=60, check=False)


def _audit(tmp_path: Path, lines: str, *flags: str) -> subprocess.CompletedProcess[str]:
    assert zipfile.is_zipfile(EXAMPLE_ARCHIVE)
    db = tmp_path / "osv.sqlite3"
    if not db.exists():
        import_source(EXAMPLE_ARCHIVE, db)
    req = tmp_path / "requirements.txt"
    req.write_text(lines, encoding="utf-8")
    argv = ["audit", "-r", str(req), "--db", str(db), "--offline", "--max-db-age", "any",
            "--project", str(tmp_path), *flags]
    return _python(
        "import sys\nfrom pipwarden.cli import main\n"
        f"code = main({argv!r})\n"
        "print('logging imported' if 'logging' in sys.modules else 'logging not imported')\n"
        "sys.exit(code)\n",
        tmp_path,
    )


def test_an_audit_that_logs_nothing_never_imports_logging(tmp_path: Path) -> None:
    done = _audit(tmp_path, "requests==2.31.0\n")
    assert done.returncode in (0, 1), done.stderr
    assert "logging not imported" in done.stdout
    assert done.stderr == ""


def test_a_warning_still_reaches_stderr_and_quiet_still_hides_it(tmp_path: Path) -> None:
    line = "--hash=sha256:" + "0" * 64 + "\nrequests==2.31.0\n"
    done = _audit(tmp_path, line)
    assert "pipwarden: WARNING: " in done.stderr
    assert "--hash without a requirement is ignored" in done.stderr
    assert "logging imported" in done.stdout
    quiet = _audit(tmp_path, line, "-q")
    assert "WARNING" not in quiet.stderr


def test_levels_follow_the_command_line_without_logging_imported(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pipwarden import log\n"
        "log.configure({verbose}, {quiet})\n"
        "log.get_logger('pipwarden.t').debug('debug %s', 1)\n"
        "log.get_logger('pipwarden.t').warning('warning %s', 2)\n"
        "log.get_logger('pipwarden.t').error('error \\x1b[2J%s', 3)\n"
    )
    verbose = _python(code.format(verbose=1, quiet=False), tmp_path)
    assert verbose.stderr.splitlines() == [
        "pipwarden: DEBUG: debug 1", "pipwarden: WARNING: warning 2", "pipwarden: ERROR: error 3",
    ]  # the terminal escape from "data" is gone, as in reports
    assert _python(code.format(verbose=0, quiet=False), tmp_path).stderr.splitlines() == [
        "pipwarden: WARNING: warning 2", "pipwarden: ERROR: error 3",
    ]
    assert _python(code.format(verbose=0, quiet=True), tmp_path).stderr.splitlines() == [
        "pipwarden: ERROR: error 3",
    ]
    dropped = _python(
        "import sys\nfrom pipwarden import log\nlog.configure(0, False)\n"
        "log.get_logger('pipwarden.t').debug('x')\nlog.get_logger('pipwarden.t').info('y')\n"
        "print('logging' in sys.modules)\n", tmp_path)
    assert dropped.stdout.strip() == "False"
    assert dropped.stderr == ""


def test_a_library_user_gets_logging_s_own_defaults(tmp_path: Path) -> None:
    """No configure(): warnings go to logging's last-resort handler, debug is dropped; an
    application's own configuration applies to pipwarden's records."""
    plain = _python(
        "from pipwarden import log\nlog.get_logger('pipwarden.t').debug('hidden')\n"
        "log.get_logger('pipwarden.t').warning('shown')\n", tmp_path)
    assert plain.stderr.strip() == "shown"
    configured = _python(
        "import logging\nlogging.basicConfig(level=logging.DEBUG, format='%(name)s %(message)s')\n"
        "from pipwarden import log\nlog.get_logger('pipwarden.t').debug('seen')\n", tmp_path)
    assert configured.stderr.strip() == "pipwarden.t seen"
