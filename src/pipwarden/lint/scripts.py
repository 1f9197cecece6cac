"""PW7xx: scripts, CI workflows and IDE tasks that defeat the "only inside a venv" guard.

Shell is read line by line, never run. A line is cut into simple commands at ``;``,
``&&``, ``||`` and ``|``; the checks look at those commands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pipwarden.lint.engine import Edit, Finding, LintContext, rule
from pipwarden.yamlscan import strip_comment

__all__ = ["check_script", "is_script"]

rule(
    "PW701",
    "guard-not-exported",
    "PIP_REQUIRE_VIRTUALENV assigned without export: pip never sees it",
    level="error",
    fixable=True,
)
rule("PW702", "pip-outside-venv", "pip install run outside a virtual environment")

_ASSIGN = re.compile(r"(?<![\w$])PIP_REQUIRE_VIRTUALENV=(?:\"[^\"]*\"|'[^']*'|[^\s\"';]*)")
_DECLARED = re.compile(r"\b(export|declare|typeset|local|readonly|env)\b")
_EXPORT = re.compile(r"\b(export|declare\s+-x|typeset\s+-x)\b[^;&|]*\bPIP_REQUIRE_VIRTUALENV\b")
_ALLEXPORT = re.compile(r"\bset\s+(-[a-zA-Z]*a|-o\s+allexport)\b")
_SPLIT = re.compile(r"&&|\|\||;|\|")
_PIP_INSTALL = re.compile(
    r"(?P<cmd>(?:\S*/)?(?:pip[0-9.]*|python[0-9.]*\s+-m\s+pip|py\s+-m\s+pip))\s+install\b"
    r"(?P<args>.*)$"
)
_VENV_PIP = re.compile(
    r"(venv|virtualenv|\$VIRTUAL_ENV|\$\{VIRTUAL_ENV\}|\.tox|\.nox)[/\\]", re.IGNORECASE
)
_ACTIVATION = re.compile(
    r"(\bactivate\b|\bpython[0-9.]*\s+-m\s+venv\b|\bvirtualenv\b|\buv\s+venv\b|\bconda\s+activate\b|"
    r"\bpoetry\s+shell\b|\bpipenv\s+shell\b|\bVIRTUAL_ENV=)"
)
_SHELL_NAMES = {"makefile", "gnumakefile"}
_SHELL_SUFFIXES = (".sh", ".bash", ".mk", ".zsh")


def is_script(rel_path: str) -> bool:
    """Whether lint reads this path (relative to the project, ``/``-separated) as a script."""
    lower = rel_path.lower()
    name = lower.rsplit("/", 1)[-1]
    if name in _SHELL_NAMES or name.endswith(_SHELL_SUFFIXES):
        return True
    if name == ".gitlab-ci.yml":
        return True
    if "/.github/workflows/" in f"/{lower}" and name.endswith((".yml", ".yaml")):
        return True
    return lower.endswith(".vscode/tasks.json")


def check_script(path: str, text: str, ctx: LintContext) -> Iterator[Finding]:
    """PW701/PW702 over one shell script, Makefile, CI workflow or VS Code tasks file."""
    if "PIP_REQUIRE_VIRTUALENV" not in text and "install" not in text:
        return  # neither rule can match: no line to look at (large generated scripts)
    lines = text.splitlines(keepends=True)
    offsets: list[int] = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    plain = [strip_comment(line.rstrip("\r\n")) for line in lines]
    allexport_at = next((i for i, line in enumerate(plain) if _ALLEXPORT.search(line)), None)
    activated = False
    for index, line in enumerate(plain):
        lineno = index + 1
        for segment in _segments(line):
            seg_text, seg_start = segment
            if ctx.on("PW701"):
                found = _unexported(seg_text, index, plain, allexport_at)
                if found is not None:
                    col = seg_start + found
                    assign = _ASSIGN.search(seg_text, found)
                    shown = assign.group(0) if assign else "PIP_REQUIRE_VIRTUALENV"
                    yield Finding(
                        "PW701",
                        f"{shown} is set but not exported, so pip never sees "
                        f"it: write export {shown}",
                        path,
                        lineno,
                        col + 1,
                        (Edit(offsets[index] + col, offsets[index] + col, "", "export "),),
                    )
            if _ACTIVATION.search(seg_text):
                activated = True
            install = _PIP_INSTALL.search(seg_text)
            if install is None or not ctx.on("PW702"):
                continue
            cmd, args = install.group("cmd"), install.group("args")
            uv_pip = cmd == "pip" and re.search(r"\buv\s+$", seg_text[: install.start()])
            if uv_pip and "--system" not in args:
                continue  # uv pip refuses to install outside a venv unless told --system
            user = re.search(r"(^|\s)--user\b", args) is not None
            if user:
                reason = "--user installs into your home folder, outside any venv"
            elif _VENV_PIP.search(cmd) or activated:
                continue
            else:
                reason = "nothing before it creates or activates a venv"
            yield Finding(
                "PW702",
                f"`{cmd} install` runs outside a virtual environment ({reason}): activate a "
                f"venv first or call .venv/bin/pip",
                path,
                lineno,
                seg_start + install.start() + 1,
            )


def _segments(line: str) -> Iterator[tuple[str, int]]:
    start = 0
    for match in _SPLIT.finditer(line):
        yield line[start : match.start()], start
        start = match.end()
    yield line[start:], start


def _unexported(segment: str, index: int, plain: list[str], allexport_at: int | None) -> int | None:
    """Column (0-based, within the segment) of a bare guard assignment that nobody exports.

    ``VAR=x cmd`` (a prefix for one command) is fine; so is ``export VAR=x``, an
    ``export VAR`` later in the file, or ``set -a`` before it.
    """
    match = _ASSIGN.search(segment)
    if match is None:
        return None
    if not re.fullmatch(r"[\s\"',]*", segment[match.end() :]):
        return None  # a command follows: the prefix form
    if _DECLARED.search(segment[: match.start()]):
        return None
    if allexport_at is not None and allexport_at < index:
        return None
    if any(_EXPORT.search(later) for later in plain[index + 1 :]):
        return None
    return match.start()
