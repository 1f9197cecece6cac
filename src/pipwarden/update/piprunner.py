"""Running pip for ``pipwarden update``: ``<venv>/bin/python -m pip`` as an argument list,
with the guard exported, within one deadline, its output in the update log; failures
become :class:`~pipwarden.update.models.PipFailedError` with pip's reason."""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pipwarden import subproc as subprocess  # the one door to child processes
from pipwarden.errors import ExitCode
from pipwarden.log import get_logger
from pipwarden.redact import redact_text
from pipwarden.update.models import (
    PipFailedError,
    UpdateOptions,
    display_text,
)

__all__ = [
    "DRY_RUN_REPORT_PIP",
    "PIP_RETRIES",
    "UPLOADED_PRIOR_TO_PIP",
    "venv_python",
]

log = get_logger(__name__)


#: the first pip with ``--uploaded-prior-to`` (pip 26.0, January 2026)
UPLOADED_PRIOR_TO_PIP = Version("26.0")
#: the first pip with ``install --dry-run --report``
DRY_RUN_REPORT_PIP = Version("22.2")

#: pip's own network settings for every install: ``--retries`` keeps an unreachable index
#: from costing minutes of back-off; ``--timeout`` (seconds) comes from the settings
PIP_RETRIES = 2


def venv_python(venv: Path) -> Path:
    """The venv's interpreter (POSIX or Windows layout)."""
    posix = venv / "bin" / "python"
    windows = venv / "Scripts" / "python.exe"
    return windows if not posix.exists() and windows.exists() else posix


# ---------------------------------------------------------------------------------------
# running pip

#: what pip's debug log says when it skips an index page it could not fetch; a 404 is the
#: normal answer of an index that does not have the project and is not counted
_UNREACHABLE = re.compile(r"Could not fetch URL (\S+?): (.*?)(?: - skipping)?$")
#: network trouble in pip's error output (a download that failed after the index answered)
_NETWORK_ERRORS = (
    "Max retries exceeded", "NewConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
    "Connection refused", "Name or service not known", "Temporary failure in name resolution",
    "ProxyError", "SSLError", "ConnectionResetError", "IncompleteRead",
)


def _unreachable_lines(debug_log: str) -> list[str]:
    """``url: reason`` for every index page pip could not fetch (not for a 404)."""
    out: list[str] = []
    for line in debug_log.splitlines():
        match = _UNREACHABLE.search(line)
        if match is None or "404 Client Error" in match.group(2):
            continue
        reason = match.group(2)
        causes = (re.search(pattern, reason) for pattern in (
            r"\[Errno [^\]]+\] [^'\")]+", r"[Tt]imed out", r"\d{3} (?:Client|Server) Error[^(]*"))
        cause = next((c.group(0).strip() for c in causes if c), reason)
        out.append(f"{match.group(1)}: {cause}")
    return list(dict.fromkeys(out))


def _error_lines(stderr: str, stdout: str) -> list[str]:
    """The lines that say why pip failed: its last ``ERROR:`` lines, else the last line."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("ERROR:")]
    if errors:
        return errors[-3:]
    if lines:
        return lines[-1:]
    rest = [ln.strip() for ln in stdout.splitlines() if ln.strip()]
    return rest[-1:] if rest else ["no output"]


def _seconds(value: float) -> str:
    return f"{value / 60:g} min" if value >= 60 else f"{value:g} s"


class _Pip:
    """Runs ``<venv>/bin/python -m pip`` (an argument list, never a shell) with the guard
    exported, no prompts, its output in the update log, within one total deadline.

    A run fails (:class:`PipFailedError`) when pip exits non-zero, when the deadline
    passes (pip is stopped) or when pip's debug log shows an index it could not reach:
    pip itself shrugs that off ("Requirement already satisfied") and exits 0.
    """

    def __init__(self, venv: Path, log_path: Path, cwd: Path, *, deadline: float,
                 timeout: float, retries: int = PIP_RETRIES) -> None:
        self.python = venv_python(venv)
        self.log_path = log_path
        self.debug_log = log_path.with_name(log_path.stem + "-pip-debug.log")
        self.cwd = cwd
        self.deadline = deadline
        self.ends_at = time.monotonic() + deadline
        self.network = ["--timeout", f"{timeout:g}", "--retries", str(retries),
                        "--log", str(self.debug_log)]
        self.env = dict(os.environ)
        self.env["PIP_REQUIRE_VIRTUALENV"] = "true"
        self.env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
        self.env["PIP_NO_INPUT"] = "1"
        for key in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONINSPECT"):
            self.env.pop(key, None)

    def run(self, args: Sequence[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``pip <args>``; the network options are added to every command but ``--version``."""
        extra = [] if args[:1] == ["--version"] else self.network
        command = [str(self.python), "-m", "pip", *args[:1], *extra, *args[1:]]
        shown = redact_text(shlex.join(command))
        log.info("running %s", shown)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        start = self.debug_log.stat().st_size if self.debug_log.is_file() else 0
        with self.log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {shown}\n")
            fh.flush()
            code, stdout, stderr = self._spawn(command)
            fh.write(stdout)
            fh.write(stderr)
            fh.write(f"[exit {code}]\n\n")
        if code is None:
            raise PipFailedError(
                f"pip did not finish within the {_seconds(self.deadline)} deadline and was "
                "stopped", hint=f"full pip output: {self.log_path} (raise the limit with "
                "--deadline or PIPWARDEN_UPDATE_DEADLINE)")
        result = subprocess.CompletedProcess(command, code, stdout, stderr)
        if not check:
            return result
        unreachable = _unreachable_lines(self._debug_since(start)) if extra else []
        if unreachable:
            raise PipFailedError(
                "pip could not reach the package index: "
                + "; ".join(display_text(x, 200) for x in unreachable[:3]),
                hint=f"full pip output: {self.log_path}")
        if code != 0:
            reason = " / ".join(display_text(x, 600) for x in _error_lines(stderr, stdout))
            network = any(marker in stderr for marker in _NETWORK_ERRORS)
            raise PipFailedError(
                f"pip failed (exit {code}): {reason}", hint=f"full pip output: {self.log_path}",
                exit_code=ExitCode.DATA_UNAVAILABLE if network else ExitCode.USAGE)
        return result

    def _spawn(self, command: list[str]) -> tuple[int | None, str, str]:
        """(exit code or ``None`` when the deadline passed, stdout, stderr). pip runs in a
        session of its own so that stopping it also stops what it started."""
        remaining = max(self.ends_at - time.monotonic(), 0.1)
        try:
            process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                encoding="utf-8", errors="replace", start_new_session=True,
            )
        except OSError as exc:
            raise PipFailedError(f"cannot run {self.python}: {exc.strerror or exc}",
                                 exit_code=ExitCode.USAGE) from None
        try:
            with _sigterm_interrupts():
                stdout, stderr = process.communicate(timeout=remaining)
        except subprocess.TimeoutExpired:
            _stop(process)
            stdout, stderr = process.communicate()
            return None, stdout, stderr
        except BaseException:
            _stop(process)
            process.communicate()
            raise
        return process.returncode, stdout, stderr

    def _debug_since(self, offset: int) -> str:
        try:
            with self.debug_log.open("r", encoding="utf-8", errors="replace") as fh:
                fh.seek(offset)
                return fh.read(16 * 1024 * 1024)
        except OSError:
            return ""

    def version(self) -> Version:
        result = self.run(["--version"])
        match = re.match(r"pip (\S+)", result.stdout.strip())
        try:
            return Version(match.group(1)) if match else Version("0")
        except InvalidVersion:
            return Version("0")


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While pip runs, SIGTERM (what CI sends on cancel) raises KeyboardInterrupt like
    Ctrl-C: pip, in a session of its own, would not get either signal, so pipwarden stops
    it and puts the venv back before it exits."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stop(process: subprocess.Popen) -> None:
    """Kill pip and everything it started (its own session)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()


def _index_args(options: UpdateOptions) -> list[str]:
    """The index options the user gave on the command line, for every pip command of the
    run (the restore included: it must find the versions where the update found them)."""
    args: list[str] = []
    for link in options.find_links:
        args += ["--find-links", link]
    if options.index_url:
        args += ["--index-url", options.index_url]
    for url in options.extra_index_urls:
        args += ["--extra-index-url", url]
    if options.no_index:
        args.append("--no-index")
    return args


def _create_venv(base_python: str, venv: Path, log_path: Path) -> None:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [base_python, "-m", "venv", str(venv)]
    with log_path.open("a", encoding="utf-8") as fh:
        fh.write(f"$ {shlex.join(command)}\n")
        fh.flush()
        result = subprocess.run(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False
        )
        fh.write(result.stdout + f"[exit {result.returncode}]\n\n")
    if result.returncode != 0:
        raise PipFailedError(f"could not create the venv {venv} (exit {result.returncode})",
                             hint=f"full output: {log_path}")
