"""Writing reports, colour decisions, and progress on a terminal."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TextIO

from pipwarden.neutral import escape_json_controls, neutral, neutral_output
from pipwarden.redact import redact_text

__all__ = [
    "SLOW_STEP",
    "Progress",
    "Style",
    "color_enabled",
    "json_text",
    "md_code",
    "md_text",
    "plural",
    "safe_text",
    "write_report",
]


SLOW_STEP = 2.0  # seconds: a step that lasts longer shows a progress line on a terminal


def color_enabled(stream: TextIO, *, no_color: bool = False) -> bool:
    """Colour only on a terminal; never with ``NO_COLOR``/``--no-color``; ``FORCE_COLOR`` wins."""
    if no_color or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and os.environ.get("TERM") != "dumb"


class Style:
    """ANSI styling that collapses to plain text when colour is off."""

    _CODES: ClassVar[dict[str, str]] = {
        "bold": "1",
        "dim": "2",
        "red": "31",
        "green": "32",
        "yellow": "33",
        "blue": "34",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles:
            return text
        codes = ";".join(self._CODES[s] for s in styles)
        return f"\x1b[{codes}m{text}\x1b[0m"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 package``, ``3 packages``; ``many`` for irregular plurals."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def json_text(data: object, *, default: Callable[[object], object] | None = None) -> str:
    """Every command's JSON: compact (the C encoder: fast on large reports), ASCII, one
    trailing newline. Pipe it through ``python -m json.tool`` to read it.

    Every character beyond ASCII is written as a ``\\uXXXX`` escape (C1 and bidi controls
    among them; the encoder escapes C0 controls such as ESC, DEL is escaped here): the file
    is safe to ``cat``, prints on any console encoding, and decodes to the same data. (An
    ASCII text is also what the last pass over every report checks fastest.)"""
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=True, default=default)
    return escape_json_controls(text) + "\n"


def safe_text(text: str) -> str:
    """What every report, message and log line goes through before it is written: terminal
    escapes and controls from data removed (pipwarden's colours kept), then URL credentials
    and token-like query values masked (TRUST.md §2: neutral output, never echo a secret)."""
    return redact_text(neutral_output(text))


def md_text(text: str) -> str:
    """One data value for a Markdown table or paragraph: controls stripped, HTML escaped
    (a project name cannot open a ``<details>`` or an ``<img>``), ``|`` escaped, one line."""
    cleaned = neutral(text)
    return (
        cleaned.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        .replace("|", "\\|")
    )


def md_code(text: str) -> str:
    """One data value as a Markdown code span (entities are not decoded there: only the
    backtick, which would end the span, and ``|`` are replaced)."""
    return "`" + neutral(text).replace("`", "'").replace("|", "\\|") + "`" if text else ""


def write_report(text: str, output: str | None = None, *, stream: TextIO | None = None) -> None:
    """Write ``text`` to ``output`` atomically, or to stdout when no file is given.

    Every command's report passes here, so this is where :func:`safe_text` is applied to
    every format (text, JSON, SARIF, Markdown, HTML): a renderer cannot forget it."""
    text = safe_text(text)
    if not text.endswith("\n"):
        text += "\n"
    if output is None or output == "-":
        target = stream if stream is not None else sys.stdout
        target.write(text)
        target.flush()
        return
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    import tempfile  # lazily: only reports written to a file need it

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Progress:
    """A one-line progress indicator on stderr, shown only when stderr is a terminal.

    With ``delay`` the line appears only once the step has lasted that long (``vet`` and
    the PyPI client use :data:`SLOW_STEP`: quick steps stay silent). Not a terminal:
    nothing is ever written. ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        label: str,
        total: int | None = None,
        *,
        stream: TextIO | None = None,
        delay: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.label = label
        self.total = total
        self.done = 0
        self.delay = delay
        self._clock = clock
        self._start = clock()
        self._last: float | None = None

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        if not self.enabled:
            return
        now = self._clock()
        if now - self._start < self.delay:
            return
        if self._last is not None and now - self._last < 0.1:
            return
        self._last = now
        if self.total:
            pct = min(100, self.done * 100 // self.total)
            msg = f"\r{self.label}: {pct:3d}% ({self.done}/{self.total})"
        else:
            msg = f"\r{self.label}: {self.done}"
        self.stream.write(msg)
        self.stream.flush()

    def close(self) -> None:
        if self.enabled and self._last is not None:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def sarif_uri(path: str) -> str:
    """A file path as a SARIF ``artifactLocation.uri``: "/"-separated and percent-encoded
    (a URI reference, so control characters and spaces in a file name never appear raw)."""
    from urllib.parse import quote

    return quote(path.replace("\\", "/"), safe="/:@-._~!$&'()*+,;=")
