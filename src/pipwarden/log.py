"""pipwarden's loggers: :mod:`logging` is imported when a record is due, not at start-up.

Importing :mod:`logging` (and the ``traceback``, ``threading`` and ``string`` machinery it
brings) costs a command that logs nothing about as much as reading a thousand requirement
lines, and most runs log nothing. So every module takes its logger from
:func:`get_logger`: a :class:`Logger` that passes each call to the
:class:`logging.Logger` of the same name, importing :mod:`logging` first when the record
can be shown. A ``debug``/``info`` call below the command line's level, with
:mod:`logging` not imported by anyone (who could have asked for it: a handler, a test's
capture, an application using pipwarden as a library), is dropped without it.

:func:`configure` is the command line's ``-v``/``-q``: warnings and errors of the library on
stderr, neutralised like reports (:func:`pipwarden.report.output.safe_text`), applied
when :mod:`logging` is (or gets) imported.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

__all__ = ["Logger", "configure", "get_logger"]

_DEBUG, _INFO, _WARNING, _ERROR = 10, 20, 30, 40

# The command line's (verbose, quiet), once given; whether it is applied to `logging` yet.
_wanted: tuple[int, bool] | None = None
_applied = False


def configure(verbose: int, quiet: bool) -> None:
    """The command line's choice: ``quiet`` shows errors only, ``verbose`` everything down
    to debug, else warnings and errors. Applied now if :mod:`logging` is imported, else
    when the first record that can be shown imports it."""
    global _wanted, _applied
    _wanted = (verbose, quiet)
    _applied = False
    if "logging" in sys.modules:
        _apply()


def _threshold() -> int:
    if _wanted is None:
        return _WARNING  # what `logging` shows without configuration
    verbose, quiet = _wanted
    return _ERROR if quiet else _DEBUG if verbose >= 1 else _WARNING


def _apply() -> None:
    """Install the stderr handler on the ``pipwarden`` logger (once per :func:`configure`)."""
    global _applied
    _applied = True
    if _wanted is None:
        return
    import logging

    class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
        """Writes to whatever ``sys.stderr`` is at the time of the record (tests swap it)."""

        def __init__(self) -> None:
            super().__init__()

        @property
        def stream(self) -> object:
            return sys.stderr

        @stream.setter
        def stream(self, value: object) -> None:
            return

    class SafeFilter(logging.Filter):
        """Log messages lose terminal escapes from data and URL credentials, like reports."""

        def filter(self, record: logging.LogRecord) -> bool:
            from pipwarden.report.output import safe_text

            try:
                message = record.getMessage()
            except (TypeError, ValueError):  # a bad format string: logging reports it later
                return True
            record.msg = safe_text(message)
            record.args = None
            return True

    handler = StderrHandler()
    handler.addFilter(SafeFilter())
    handler.setFormatter(logging.Formatter("pipwarden: %(levelname)s: %(message)s"))
    logger = logging.getLogger("pipwarden")
    logger.handlers[:] = [handler]
    logger.setLevel(_threshold())


class Logger:
    """A :class:`logging.Logger` of ``name``, imported and configured on first need."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def _real(self, level: int) -> logging.Logger | None:
        if "logging" not in sys.modules and level < _threshold():
            return None
        import logging

        if not _applied:
            _apply()
        return logging.getLogger(self.name)

    def debug(self, msg: object, *args: object, **kwargs: Any) -> None:
        if (real := self._real(_DEBUG)) is not None:
            real.debug(msg, *args, stacklevel=2, **kwargs)

    def info(self, msg: object, *args: object, **kwargs: Any) -> None:
        if (real := self._real(_INFO)) is not None:
            real.info(msg, *args, stacklevel=2, **kwargs)

    def warning(self, msg: object, *args: object, **kwargs: Any) -> None:
        if (real := self._real(_WARNING)) is not None:
            real.warning(msg, *args, stacklevel=2, **kwargs)

    def error(self, msg: object, *args: object, **kwargs: Any) -> None:
        if (real := self._real(_ERROR)) is not None:
            real.error(msg, *args, stacklevel=2, **kwargs)


def get_logger(name: str) -> Logger:
    """The logger of module ``name`` (pass ``__name__``)."""
    return Logger(name)
