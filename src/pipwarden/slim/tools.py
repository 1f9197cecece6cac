"""Console scripts a project calls: tool dependencies are used even when never imported.

Scanned: shell scripts, Makefiles and justfiles, CI workflows (GitHub, GitLab, Azure),
``.vscode/tasks.json``, ``.pre-commit-config.yaml`` and notebook ``!`` lines. A line is cut
into simple commands at ``;``, ``&&``, ``||``, ``|`` and ``$(``; in each, environment
assignments and wrappers (``sudo``, ``env``, ``uv run``, ``poetry run`` …) are skipped, a
path such as ``.venv/bin/dbt`` counts as ``dbt``, and ``python -m pytest`` counts as the
module ``pytest``.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.frozen import frozen
from pipwarden.models import Location, canonical_name
from pipwarden.scancache import Todo, map_cached
from pipwarden.slim.imports import SKIP_DIRS, FileProblem, ShellLine
from pipwarden.slim.places import Packed

if TYPE_CHECKING:
    from pipwarden.scancache import FileCache

__all__ = [
    "CURATED_SCRIPTS",
    "CommandUse",
    "ToolScan",
    "commands_in_line",
    "providers",
    "scan_tools",
]

# distribution -> console scripts, for when there is no environment to read entry points.
CURATED_SCRIPTS: dict[str, tuple[str, ...]] = {
    "dbt-core": ("dbt",),
    "black": ("black", "blackd"),
    "ruff": ("ruff",),
    "pytest": ("pytest", "py.test"),
    "jupyter-core": ("jupyter",),
    "jupyter": ("jupyter",),
    "jupyterlab": ("jupyter-lab", "jupyter"),
    "notebook": ("jupyter-notebook", "jupyter"),
    "nbconvert": ("jupyter-nbconvert",),
    "sqlfluff": ("sqlfluff",),
    "pre-commit": ("pre-commit",),
    "mypy": ("mypy", "dmypy", "stubgen"),
    "flake8": ("flake8",),
    "pylint": ("pylint",),
    "isort": ("isort",),
    "coverage": ("coverage",),
    "tox": ("tox",),
    "nox": ("nox",),
    "sphinx": ("sphinx-build", "sphinx-quickstart"),
    "mkdocs": ("mkdocs",),
    "bandit": ("bandit",),
    "pip-audit": ("pip-audit",),
    "pip-tools": ("pip-compile", "pip-sync"),
    "twine": ("twine",),
    "build": ("pyproject-build",),
    "streamlit": ("streamlit",),
    "dagster": ("dagster",),
    "apache-airflow": ("airflow",),
    "prefect": ("prefect",),
    "uvicorn": ("uvicorn",),
    "gunicorn": ("gunicorn",),
    "papermill": ("papermill",),
    "nbqa": ("nbqa",),
    "sqlmesh": ("sqlmesh",),
    "great-expectations": ("great_expectations",),
    "kedro": ("kedro",),
    "dvc": ("dvc",),
    "mlflow": ("mlflow",),
    "yamllint": ("yamllint",),
    "codespell": ("codespell",),
    "ipython": ("ipython",),
}

_WRAPPERS = frozenset({"sudo", "exec", "env", "time", "nohup", "command", "xargs", "nice"})
_RUNNERS = {"uv": "run", "poetry": "run", "pipenv": "run", "pdm": "run", "hatch": "run"}
_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_VARIABLE_RE = re.compile(r"\$[({][A-Za-z_][A-Za-z0-9_]*[)}]")
_SPLIT_RE = re.compile(r"&&|\|\||;|\||\$\(|`|\(|\)")
_COMMAND_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
_PYTHON_RE = re.compile(r"^python[0-9.]*(\.exe)?$|^py$")
_YAML_KEY_RE = re.compile(r"^\s*(?:-\s+)?(?:run|script|entry|command|cmd|before_script|"
                          r"after_script)\s*:\s*[|>]?[-+]?\s*(.*)$")
_CI_WORKFLOWS = (".github/workflows", ".gitea/workflows", ".forgejo/workflows")
_CI_FILES = (".gitlab-ci.yml", "azure-pipelines.yml", "bitbucket-pipelines.yml",
             ".circleci/config.yml", "cloudbuild.yaml", "cloudbuild.yml")


@frozen(order=True)
class CommandUse:
    """A command (console script) or ``python -m`` module called at ``location``."""

    name: str
    location: Location
    module: bool = False


@frozen
class ToolScan:
    """Commands called: ``by_command`` maps ``(name, is_module)`` to where — ``(path,
    lines)``, each line once, in scan order — the compact form a large project needs;
    ``commands`` lists them one by one, sorted."""

    by_command: Mapping[tuple[str, bool], tuple[tuple[str, Sequence[int]], ...]] = field(
        default_factory=dict
    )
    problems: tuple[FileProblem, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def commands(self) -> tuple[CommandUse, ...]:
        """Every command use, sorted by name, location, then module."""
        uses = [
            (name, path, line, module)
            for (name, module), where in self.by_command.items()
            for path, lines in where
            for line in lines
        ]
        uses.sort()
        return tuple(CommandUse(n, Location(p, ln), m) for n, p, ln, m in uses)


def _words(segment: str) -> list[str]:
    if not any(c in segment for c in "'\"\\#"):
        return segment.split()  # what shlex.split gives without quotes, escapes, comments
    try:
        return shlex.split(segment, comments=True)
    except ValueError:
        return segment.split()


def _first_command(words: list[str]) -> tuple[str, bool] | None:
    i = 0
    while i < len(words):
        word = words[i]
        if _ASSIGNMENT_RE.match(word) or word in _WRAPPERS or (word.startswith("-") and i > 0):
            i += 1
            continue
        base = word.replace("\\", "/").rsplit("/", 1)[-1]
        if base.endswith(".exe"):
            base = base[:-4]
        if base in _RUNNERS and i + 1 < len(words) and words[i + 1] == _RUNNERS[base]:
            i += 2
            continue
        if _PYTHON_RE.match(base):
            rest = words[i + 1 :]
            for j, arg in enumerate(rest):
                if arg == "-m" and j + 1 < len(rest):
                    return rest[j + 1], True
                if arg.startswith("-m") and len(arg) > 2:
                    return arg[2:], True
            return None
        if not base or not _COMMAND_RE.match(base):
            return None
        return base, False
    return None


def _plain_first_command(segment: str) -> tuple[str, bool] | None:
    """What :func:`_first_command` gives when the first word decides alone (a plain word
    that is no assignment, wrapper, runner or python: shlex would read it as written);
    ``("", False)`` for "no command"; ``None`` when the whole segment must be split."""
    head = segment.split(None, 1)[0]
    if (
        "'" in head or '"' in head or "\\" in head or "#" in head
        or head in _WRAPPERS
        or _ASSIGNMENT_RE.match(head)
    ):
        return None
    base = head.rsplit("/", 1)[-1]  # no backslash in head (above)
    if base.endswith(".exe"):
        base = base[:-4]
    if base in _RUNNERS or _PYTHON_RE.match(base):
        return None
    if not base or not _COMMAND_RE.match(base):
        return "", False
    return base, False


def commands_in_line(line: str) -> list[tuple[str, bool]]:
    """``(name, is_module)`` for each simple command on a shell line."""
    return list(_commands(line))


@functools.lru_cache(maxsize=8192)
def _commands(line: str) -> tuple[tuple[str, bool], ...]:
    """:func:`commands_in_line`, remembered for the last 8,192 distinct lines: scripts
    repeat lines (``set -e``, ``cd ..``, the same call in several scripts), and a line's
    commands depend on its text alone."""
    found: list[tuple[str, bool]] = []
    line = _VARIABLE_RE.sub("VAR", line)  # $(VENV)/bin/black, ${HOME}/x: not commands
    for segment in _SPLIT_RE.split(line):
        if not segment.strip():
            continue
        first = _plain_first_command(segment)
        if first is None:
            first = _first_command(_words(segment))
        elif not first[0]:
            continue
        if first is not None:
            found.append(first)
    return tuple(found)


# One command use while scanning a file: (name, is_module, line; 0 when unknown).
_Use = tuple[str, bool, int]


def _scan_shell(text: str, *, makefile: bool = False) -> Iterator[_Use]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if makefile:
            if not raw.startswith("\t"):
                continue  # targets and variable definitions, not recipes
            line = line.lstrip("@-+ ")
        for name, module in _commands(line):
            yield name, module, number


def _scan_yaml(text: str) -> Iterator[_Use]:
    """Commands in YAML ``run:``/``script:``/``entry:`` values, including block scalars."""
    block_indent: int | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        indent = len(raw) - len(raw.lstrip())
        if block_indent is not None:
            if stripped and indent >= block_indent:
                if not stripped.startswith("#"):
                    line = stripped[2:] if stripped.startswith("- ") else stripped
                    for name, module in commands_in_line(line):
                        yield name, module, number
                continue
            if stripped:
                block_indent = None
        match = _YAML_KEY_RE.match(raw)
        if match is None:
            continue
        value = match.group(1).strip()
        if not value or raw.rstrip().endswith(("|", ">", "|-", ">-", "|+", ">+")) or (
            value in {"|", ">", "|-", ">-"}
        ):
            block_indent = indent + 1
            continue
        if value.startswith("[") and value.endswith("]"):
            items = [v.strip().strip("'\"") for v in value[1:-1].split(",")]
            for item in items:
                for name, module in commands_in_line(item):
                    yield name, module, number
            continue
        for name, module in commands_in_line(value.strip("'\"")):
            yield name, module, number


def _scan_precommit(text: str) -> Iterator[_Use]:
    yield from _scan_yaml(text)
    for number, raw in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*-?\s*id\s*:\s*['\"]?([A-Za-z0-9._-]+)", raw)
        if match:
            yield match.group(1), False, number


def _scan_tasks_json(text: str) -> Iterator[_Use]:
    # tasks.json allows // comments and trailing commas (JSONC)
    cleaned = re.sub(r"(?m)^\s*//.*$", "", text)
    cleaned = re.sub(r",(\s*[}\]])", r"\1", cleaned)
    data = json.loads(cleaned)
    tasks = data.get("tasks", []) if isinstance(data, dict) else []
    lines = text.splitlines()
    for task in tasks if isinstance(tasks, list) else []:
        if not isinstance(task, dict) or not isinstance(task.get("command"), str):
            continue
        args = [a for a in task.get("args", []) if isinstance(a, str)]
        command = " ".join([task["command"], *(shlex.quote(a) for a in args)])
        needle = json.dumps(task["command"])
        number = next((i for i, ln in enumerate(lines, 1) if needle in ln), None)
        for name, module in commands_in_line(command):
            yield name, module, number or 0


def _candidate_files(root: Path) -> Iterator[tuple[Path, str, str]]:
    """``(path, path relative to root, kind)`` of each file the command scan reads."""
    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames
            if (d not in SKIP_DIRS or d in {".github"})
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))  # noqa: PTH110,PTH118
        )
        prefix = dirpath[len(top):].lstrip(os.sep).replace(os.sep, "/")
        for name in sorted(filenames):
            rel = f"{prefix}/{name}" if prefix else name
            if name.endswith((".sh", ".bash", ".zsh")):
                kind = "shell"
            elif name in {"Makefile", "makefile", "GNUmakefile"} or name.endswith(".mk"):
                kind = "make"
            elif name in {"justfile", "Justfile", ".justfile"}:
                kind = "make-like"
            elif name.endswith((".yml", ".yaml")) and (
                rel.startswith(_CI_WORKFLOWS) or rel in _CI_FILES
            ):
                kind = "yaml"
            elif rel == ".pre-commit-config.yaml":
                kind = "pre-commit"
            elif rel == ".vscode/tasks.json":
                kind = "tasks"
            else:
                continue
            yield Path(dirpath, name), rel, kind


def scan_tools(
    root: Path, notebook_lines: Iterable[ShellLine] = (), *, cache: FileCache | None = None
) -> ToolScan:
    """Commands called anywhere in the project, plus those from notebook shell lines.

    With ``cache``, an unchanged file's commands are taken from it; the files it does not
    answer are read and scanned by forked workers when they add up to a large scan (see
    :mod:`pipwarden.forkmap`), in this process otherwise."""
    # (name, is_module) -> places, each once (a file's lines are deduplicated as read)
    grouped: dict[tuple[str, bool], list[tuple[str, Sequence[int]]]] = {}

    def add(name: str, module: bool, path: str, lines: Sequence[int]) -> None:
        where = grouped.get((name, module))
        if where is None:
            grouped[(name, module)] = where = []
        if not where or where[-1] != (path, lines):  # a line's repeats come together
            where.append((path, lines))

    problems: list[FileProblem] = []
    files: list[str] = []
    candidates = list(_candidate_files(root))
    outcomes = map_cached(cache, [(str(path), rel, kind) for path, rel, kind in candidates],
                          _cached_outcome, _read_and_scan, _plain)
    for (_path, rel, _kind), result in zip(candidates, outcomes, strict=True):
        if result[0] == "unreadable":
            problems.append(FileProblem(rel, None, result[1]))
            continue
        files.append(rel)
        if result[0] == "json":
            problems.append(FileProblem(rel, result[2], result[1]))
            continue
        for name, module, lines in result[1]:
            add(name, module, rel, lines)
    for shell in notebook_lines:
        for name, module in commands_in_line(shell.command):
            add(name, module, shell.location.path, (shell.location.line or 0,))
    by_command = {key: tuple(where) for key, where in sorted(grouped.items())}
    return ToolScan(by_command, tuple(problems), tuple(files))


# One file's commands ("ok", [(name, is_module, lines)…]), or why there are none:
# ("unreadable", message) or ("json", message, line) (a tasks file that is not JSON).
_Outcome = tuple[Any, ...]


def _cached_outcome(value: object) -> _Outcome | None:
    found = _cached_commands(value)
    return None if found is None else ("ok", found)


def _plain(outcome: _Outcome) -> list[list[object]]:
    """What the cache keeps of a file's commands: lines as their packed text."""
    return [[name, module, lines.text] for name, module, lines in outcome[1]]


def _read_and_scan(items: list[Todo]) -> list[tuple[_Outcome, str | None]]:
    """Read, hash and scan files (in a worker for a large scan): each one's outcome and
    its content's SHA-256 (``None`` when not to be cached). Content that a stale cache
    entry was computed from takes that entry's result."""
    import hashlib

    out: list[tuple[_Outcome, str | None]] = []
    for path, kind, old in items:
        try:
            raw = Path(path).read_bytes()
            text = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            out.append((("unreadable", f"cannot read: {exc}"), None))
            continue
        digest = hashlib.sha256(raw).hexdigest()
        if old is not None and old[0] == digest:
            reused = _cached_commands(old[1])
            if reused is not None:
                out.append((("ok", reused), digest))
                continue
        if "\r" in text:  # as read_text does: universal newlines
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        try:
            lines_of: dict[tuple[str, bool], list[int]] = {}
            for name, module, number in _scan_text(kind, text):
                lines_of.setdefault((name, module), []).append(number)
        except json.JSONDecodeError as exc:
            out.append((("json", f"not valid JSON: {exc.msg}", exc.lineno), None))
            continue
        found = [(n, m, Packed(dict.fromkeys(lines))) for (n, m), lines in lines_of.items()]
        out.append((("ok", found), digest))
    return out


def _cached_commands(value: object) -> list[tuple[str, bool, Packed]] | None:
    """A cached per-file result, checked (``None``: not what we wrote, scan again)."""
    if not isinstance(value, list):
        return None
    out: list[tuple[str, bool, Packed]] = []
    for item in value:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str)
                and isinstance(item[1], bool)):
            return None
        lines = Packed.from_text(item[2])
        if lines is None:
            return None
        out.append((item[0], item[1], lines))
    return out


def _scan_text(kind: str, text: str) -> Iterator[_Use]:
    if kind == "shell":
        return _scan_shell(text)
    if kind == "make":
        return _scan_shell(text, makefile=True)
    if kind == "make-like":
        return _scan_shell("\n".join("\t" + ln if ln[:1] in " \t" else ln
                                     for ln in text.splitlines()), makefile=True)
    if kind == "yaml":
        return _scan_yaml(text)
    if kind == "pre-commit":
        return _scan_precommit(text)
    return _scan_tasks_json(text)


def providers(
    command: str, console_scripts: Mapping[str, Iterable[str]] | None = None
) -> frozenset[str]:
    """Distributions that provide the console script ``command``.

    ``console_scripts`` (distribution → scripts, from the environment) wins; the curated
    table fills in when the environment does not know the command.
    """
    found = {
        canonical_name(dist)
        for dist, scripts in (console_scripts or {}).items()
        if command in set(scripts)
    }
    if found:
        return frozenset(found)
    return frozenset(d for d, scripts in CURATED_SCRIPTS.items() if command in scripts)
