"""Command line: parse arguments, call into the command, map errors to exit codes.

This module stays import-light (``pipwarden --version`` must start fast): each command's
code is imported only when that command runs.
"""

from __future__ import annotations

import atexit
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from pipwarden.arguments import HANDLERS, build_parser, command_in
from pipwarden.errors import ExitCode, PipwardenError
from pipwarden.log import configure as configure_logging

__all__ = ["build_parser", "main", "run"]


class Terminated(KeyboardInterrupt):
    """SIGTERM (what CI sends on cancel) as an exception: ``finally`` blocks and temp-file
    cleanup run on the way out, as for Ctrl-C; the exit code is 143 (128 + 15)."""


def _raise_terminated(signum: int, frame: object) -> None:
    raise Terminated


def _on_sigterm() -> object:
    """Install the SIGTERM handler (main thread only); return the one it replaces."""
    import signal

    try:
        return signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: an application calling main() from a worker
        return None


def _restore_sigterm(previous: object) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)  # type: ignore[arg-type]


# The cyclic garbage collector's first threshold during a run (Python's default: 700).
# A run's start-up makes tens of thousands of objects that live as long as the run
# (modules, classes, functions, compiled patterns) and few cycles: with the default, the
# collector walks them again and again and finds nothing (~3 % of an audit).
_GC_THRESHOLD = 50_000


def main(argv: Sequence[str] | None = None) -> int:
    """Run pipwarden with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], _GC_THRESHOLD), *thresholds[1:])
    try:
        return _main(argv)
    finally:
        gc.set_threshold(*thresholds)


def run() -> NoReturn:
    """The ``pipwarden`` console script and ``python -m pipwarden``: run, then exit.

    The interpreter's own teardown (freeing every module, class and object one by one)
    costs about as much as matching 1,000 pins against the database. When nothing is left
    to do at exit, the process leaves at once after flushing its output; otherwise it
    exits the usual way.
    """
    code = main()
    if _nothing_left_at_exit():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # the usual exit reports or ignores it, as it would have
        else:
            os._exit(code)
    sys.exit(code)


def _nothing_left_at_exit() -> bool:
    """True when a normal exit would only free memory: no function registered with
    :mod:`atexit` (temporary directories, logging, coverage, executors register one), no
    other thread to wait for, no ``python -i`` prompt."""
    count = getattr(atexit, "_ncallbacks", None)  # CPython's count
    if count is None or count() or sys.flags.inspect:
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() <= 1


def _main(argv: Sequence[str] | None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(command_in(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return int(exc.code or 0) if isinstance(exc.code, int) else ExitCode.USAGE
    verbose = int(getattr(args, "verbose", 0) or 0)
    configure_logging(verbose, bool(getattr(args, "quiet", False)))
    module_name, _, func_name = HANDLERS[args.command].partition(":")
    previous = _on_sigterm()
    try:
        handler = getattr(importlib.import_module(module_name), func_name)
        return int(handler(args))
    except PipwardenError as exc:
        if verbose >= 2:
            _print_traceback()
        from pipwarden.report.output import safe_text

        sys.stderr.write(safe_text(f"pipwarden: {exc}\n"))
        if exc.hint:
            sys.stderr.write(
                safe_text("".join(f"           {line}\n" for line in exc.hint.splitlines()))
            )
        return int(exc.exit_code)
    except Terminated:
        sys.stderr.write("pipwarden: terminated\n")
        return 143
    except KeyboardInterrupt:
        sys.stderr.write("pipwarden: interrupted\n")
        return 130
    except BrokenPipeError:
        return int(ExitCode.OK)
    except Exception as exc:  # a bug: exit 4, never 1 (findings) and never a bare traceback
        return _internal_error(exc, verbose)
    finally:
        _restore_sigterm(previous)


def _one_line(text: str) -> str:
    """``text`` redacted, on one line, without control characters (it may quote a file)."""
    from pipwarden.report.output import safe_text

    flat = " ".join(safe_text(text).split())
    return "".join(c for c in flat if c.isprintable())


def _print_traceback() -> None:
    import traceback

    traceback.print_exc(file=sys.stderr)


def _internal_error(exc: Exception, verbose: int) -> int:
    """One line on stderr (``-vv``: the traceback first) and exit code 4."""
    if verbose >= 2:
        _print_traceback()
    message = _one_line(str(exc))
    detail = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    hint = "" if verbose >= 2 else " (run with -vv for the traceback)"
    sys.stderr.write(f"pipwarden: internal error: {detail}{hint}\n")
    return int(ExitCode.INTERNAL)
