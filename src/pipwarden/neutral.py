"""Neutral output: text from data can print, but it cannot drive the terminal.

OSV summaries, PyPI metadata (project and maintainer names, organisation, funding and
security links), file names and requirement lines are written by strangers. Printed raw,
``ESC ] 8 ;;`` makes a fake hyperlink, ``ESC [ 2J`` clears the screen, BEL rings, C1
``\\x9b`` is a one-byte CSI for some terminals, and the bidi overrides U+202A–U+202E,
U+2066–U+2069 (and the marks U+200E/F, U+061C) reorder what the reader sees.

- :func:`neutral` strips all of that from one data string (newlines and tabs too).
- :func:`neutral_output` is applied to every rendered report at the one place reports are
  written (``report.output.write_report``), to log records and to error messages. It keeps
  ``\\n`` and ``\\t`` and pipwarden's own colours (the SGR sequences
  :class:`pipwarden.report.output.Style` emits: reset, bold, dim, red, green, yellow,
  blue); every other escape sequence and control character is removed. A colour code
  inside data survives this pass (it can recolour text, never move the cursor, clear,
  retitle, link or hide anything).
- :func:`escape_json_controls` turns the C1 and bidi characters that ``json.dumps(...,
  ensure_ascii=False)`` leaves raw into ``\\uXXXX`` escapes: JSON stays exact and valid,
  and ``cat report.json`` stays harmless.
"""

from __future__ import annotations

import re

from pipwarden.lazyre import LazyPattern

__all__ = ["escape_json_controls", "neutral", "neutral_output"]

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# ESC sequences: CSI (ESC [ … final), OSC/DCS/SOS/PM/APC (… up to BEL or ST, or the end),
# then any other ESC + intermediates + final byte
_ESC_SEQ = (
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = rf"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]"
_ALL_RE = re.compile(rf"{_ESC_SEQ}|[\t\n]|{_CONTROLS}")
# the exact forms Style writes: ESC [ codes m, codes from its palette
_OWN_SGR = r"\x1b\[(?:0|1|2|3[1-4])(?:;(?:0|1|2|3[1-4]))*m"
_OUTPUT_RE = LazyPattern(rf"({_OWN_SGR})|{_ESC_SEQ}|{_CONTROLS}")
_JSON_RAW_RE = LazyPattern(rf"[\x7f-\x9f{_BIDI}]")


# The same characters, one by one: whether a long text holds any of them is cheaper to
# ask with one ``in`` per character (a memchr-like scan in C) than with the class above,
# which the regular expression engine tests on every character of, say, a 500 KB report.
_CONTROL_CHARS = tuple(
    chr(c) for c in (*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))
) + tuple(_BIDI)
_JSON_RAW_CHARS = tuple(chr(c) for c in range(0x7F, 0xA0)) + tuple(_BIDI)


def _holds_any(text: str, chars: tuple[str, ...]) -> bool:
    """Whether ``text`` holds one of ``chars`` (an ASCII text: of their ASCII ones only)."""
    if text.isascii():
        return any(c in text for c in chars if c < "\x80")
    return any(c in text for c in chars)


def neutral(text: str) -> str:
    """``text`` without escape sequences, control characters (``\\n``/``\\t`` become a
    space) or bidi controls: for one data value inside a line."""
    return _ALL_RE.sub(lambda m: " " if m.group() in "\t\n" else "", text)


def neutral_output(text: str) -> str:
    """A whole rendered report or message, neutralised; pipwarden's own colours and line
    structure (``\\n``, ``\\t``) kept."""
    if not _holds_any(text, _CONTROL_CHARS):  # the common case: nothing to do
        return text
    return _OUTPUT_RE.sub(lambda m: m.group(1) or "", text)


def escape_json_controls(text: str) -> str:
    """JSON text with raw DEL, C1 and bidi characters written as ``\\uXXXX`` escapes."""
    if not _holds_any(text, _JSON_RAW_CHARS):
        return text
    return _JSON_RAW_RE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
