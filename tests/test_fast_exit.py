"""``pipwarden.cli.run`` (the console script, ``python -m pipwarden``) skips the
interpreter's teardown only when nothing is left to do at exit.

Each case runs in a fresh interpreter. An object whose ``__del__`` writes to stderr shows
whether the teardown ran: the interpreter frees module globals on a normal exit.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from pipwarden.vulndb.update import import_source

EXAMPLE_ARCHIVE = Path(__file__).parent.parent / "examples" / "osv-sample.zip"

PRELUDE = (
    "import sys\n"
    "import pipwarden.cli as cli\n"
    "class Mark:\n"
    "    def __del__(self):\n"
    "        sys.stderr.write('teardown ran\\n')\n"
    "mark = Mark()\n"
)


def _python(code: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, *args, "-c", code], capture_output=True,
                          cwd=cwd, timeout=60, check=False)


def test_output_and_exit_code_survive_the_fast_exit(tmp_path: Path) -> None:
    """A megabyte written without a newline (still in the buffer at exit) arrives whole."""
    done = _python(PRELUDE + "cli.main = lambda: (sys.stdout.write('x' * 1_000_001),"
                   " sys.stderr.write('e'), 3)[2]\ncli.run()\n", tmp_path)
    assert done.returncode == 3
    assert done.stdout == b"x" * 1_000_001
    assert done.stderr == b"e"  # no "teardown ran": the fast exit was taken


@pytest.mark.parametrize("setup", [
    "import atexit\natexit.register(lambda: sys.stderr.write('atexit ran\\n'))\n",
    "import tempfile\nkeep = tempfile.TemporaryDirectory()\n",  # weakref.finalize: atexit
    "import threading, time\n"
    "threading.Thread(target=lambda: (time.sleep(0.3), sys.stderr.write('thread done\\n'))"
    ").start()\n",
])
def test_anything_left_at_exit_gets_the_usual_exit(tmp_path: Path, setup: str) -> None:
    done = _python(PRELUDE + setup + "cli.main = lambda: 5\ncli.run()\n", tmp_path)
    assert done.returncode == 5
    assert b"teardown ran" in done.stderr
    if "atexit.register" in setup:
        assert b"atexit ran" in done.stderr
    if "threading" in setup:
        assert b"thread done" in done.stderr


def test_python_i_keeps_its_prompt(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-i", "-c", PRELUDE + "cli.main = lambda: 0\n"
                           "cli.run()\n"], input=b"print('prompt reached')\n",
                          capture_output=True, cwd=tmp_path, timeout=60, check=False)
    assert b"prompt reached" in done.stdout


def test_a_closed_stdout_is_left_to_the_usual_exit(tmp_path: Path) -> None:
    done = _python(PRELUDE + "cli.main = lambda: (sys.stdout.write('x'), sys.stdout.close(),"
                   " 0)[2]\ncli.run()\n", tmp_path)
    assert done.returncode == 0
    assert b"teardown ran" in done.stderr


def test_python_m_pipwarden_audits_through_the_fast_exit(tmp_path: Path) -> None:
    assert zipfile.is_zipfile(EXAMPLE_ARCHIVE)
    db = tmp_path / "osv.sqlite3"
    import_source(EXAMPLE_ARCHIVE, db)
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.4.1\nrequests==2.31.0\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pipwarden", "audit", "-r", str(req), "--db", str(db),
         "--offline", "--max-db-age", "any", "--project", str(tmp_path), "--format", "json"],
        capture_output=True, cwd=tmp_path, timeout=60, check=False)
    assert done.returncode == 1, done.stderr
    assert b'"jinja2"' in done.stdout and done.stdout.rstrip().endswith(b"}")
    assert done.stderr == b""
