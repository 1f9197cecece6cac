"""The command line's arguments: every command's options and subcommands.

:func:`build_parser` is the full parser (the README's usage is generated from it); a run
builds only the subcommand it uses (:func:`command_in`).
"""

from __future__ import annotations

import argparse
import functools
from collections.abc import Sequence
from typing import Any

from pipwarden import __version__
from pipwarden.helptext import (
    AUDIT_FORMATS,
    EXIT_CODES_EPILOG,
    FAIL_ON_HELP,
    MAX_DB_AGE_HELP,
    TEXT_FORMATS,
)

__all__ = ["HANDLERS", "build_parser", "command_in"]

# command name -> "module:function"; the function takes the parsed namespace, returns an int.
HANDLERS: dict[str, str] = {
    "audit": "pipwarden.commands.audit:run",
    "check": "pipwarden.commands.check:run",
    "db": "pipwarden.commands.db:run",
    "vet": "pipwarden.commands.vet:run",
    "add": "pipwarden.commands.add:run",
    "lint": "pipwarden.commands.lint:run",
    "slim": "pipwarden.commands.slim:run",
    "update": "pipwarden.commands.update:run",
    "doctor": "pipwarden.commands.doctor:run",
    "fleet": "pipwarden.commands.fleet:run",
    "init": "pipwarden.commands.init:run",
    "data": "pipwarden.commands.data:run",
}


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, with the terminal width read without :mod:`shutil`: argparse
    makes a formatter for every option it is given (to check it), and each asks
    ``shutil.get_terminal_size``; importing :mod:`shutil` brings its compressors along."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        super().__init__(prog, indent_increment, max_help_position,
                         _columns() - 2 if width is None else width)


def _columns() -> int:
    """``shutil.get_terminal_size().columns``: ``COLUMNS``, else the width of the terminal
    of standard output, else 80."""
    import os
    import sys

    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Parser(argparse.ArgumentParser):
    """An argument parser with :class:`_Formatter` (its subcommands' parsers too)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)


def _with_exit_codes(parser: argparse.ArgumentParser) -> None:
    """End the help of ``parser`` and of every subcommand under it with the exit codes."""
    parser.epilog = EXIT_CODES_EPILOG
    parser.formatter_class = _Formatter
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                _with_exit_codes(child)


@functools.cache
def _common(*, db: bool = False, offline: bool = False) -> argparse.ArgumentParser:
    """Options every subcommand accepts, so they work after the subcommand name too (one
    parent per combination: argparse copies a parent's options into each child)."""
    parent = _Parser(add_help=False)
    parent.add_argument(
        "-v", "--verbose", action="count", default=argparse.SUPPRESS,
        help="more detail on stderr; -vv shows tracebacks",
    )
    parent.add_argument(
        "-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
        help="only errors on stderr",
    )
    parent.add_argument(
        "--no-color", action="store_true", default=argparse.SUPPRESS,
        help="no colour even on a terminal (NO_COLOR is honoured too)",
    )
    if db:
        parent.add_argument(
            "--db", metavar="PATH", default=None,
            help="vulnerability database file (default: PIPWARDEN_DB or the user cache)",
        )
    if offline:
        parent.add_argument(
            "--offline", action="store_true", default=False,
            help="use only local and cached data; never touch the network",
        )
    return parent


class _Repeatable(argparse.Action):
    """``--format``/``--output`` may repeat: every value is kept in ``<dest>s`` (in order)
    and the first one stays in ``<dest>`` for the commands that write one report."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[object] | None,
        option_string: str | None = None,
    ) -> None:
        seen = list(getattr(namespace, f"{self.dest}s", None) or [])
        seen.append(values)
        setattr(namespace, f"{self.dest}s", seen)
        setattr(namespace, self.dest, seen[0])


def _thresholds(parser: Any) -> None:
    """``--fail-on`` and ``--max-db-age`` (``check`` and ``audit``)."""
    parser.add_argument("--fail-on", metavar="SEVERITY", default=None, help=FAIL_ON_HELP)
    parser.add_argument("--max-db-age", metavar="AGE", default=None, help=MAX_DB_AGE_HELP)


def _format(parser: argparse.ArgumentParser, choices: Sequence[str]) -> None:
    parser.add_argument(
        "--format", "-f", choices=choices, default="text", action=_Repeatable,
        help="report format; repeat it with one -o FILE each to write several formats in "
        "one run (one of them may go to stdout)",
    )
    parser.add_argument(
        "--output", "-o", metavar="FILE", action=_Repeatable,
        help="write the report to FILE (one per --format)",
    )


class _Skipped:
    """A subcommand this run does not need (see :func:`build_parser`): whatever is added
    to it is dropped."""

    required = False

    def add_argument(self, *args: Any, **kwargs: Any) -> None:
        return None

    def add_subparsers(self, *args: Any, **kwargs: Any) -> _Skipped:
        return self

    def add_parser(self, *args: Any, **kwargs: Any) -> _Skipped:
        return self


class _Subcommands:
    """``add_subparsers()`` that builds only the subcommand ``only`` (all when ``None``):
    argparse checks and formats every option it is given, so building the fifteen
    commands' parsers cost more than parsing the one a run uses."""

    def __init__(self, real: Any, only: str | None) -> None:
        self._real = real
        self._only = only

    def add_parser(self, name: str, **kwargs: Any) -> Any:
        if self._only is not None and name != self._only:
            return _Skipped()
        return self._real.add_parser(name, **kwargs)


def command_in(argv: Sequence[str]) -> str | None:
    """The subcommand ``argv`` runs, when its parser alone can parse it: the first word
    that is not an option, if no ``--help``/``--version`` comes before it."""
    for token in argv:
        if token in ("-h", "--help", "--version"):
            return None
        if not token.startswith("-"):
            return token if token in HANDLERS else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser (the full one, also used to generate the README's usage; with
    ``only``, just that subcommand's, for a run that uses no other)."""
    parser = _Parser(
        prog="pipwarden",
        description="Guard a data project's Python supply chain: audit, vet, lint, slim, "
        "update, doctor.",
    )
    parser.add_argument("--version", action="version", version=f"pipwarden {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)
    parser.add_argument("-q", "--quiet", action="store_true", default=False, help=argparse.SUPPRESS)
    parser.add_argument("--no-color", action="store_true", default=False, help=argparse.SUPPRESS)
    real = parser.add_subparsers(dest="command", metavar="COMMAND")
    real.required = True
    sub = _Subcommands(real, only)

    # -- check ---------------------------------------------------------------------------
    p = sub.add_parser(
        "check", parents=[_common(db=True, offline=True)],
        help="the main job: doctor + lint + audit + vet summary of a project",
    )
    p.add_argument(
        "path", nargs="?", default=".",
        help="project folder (default: .); a venv (holding pyvenv.cfg) is audited as an "
        "installed environment",
    )
    _thresholds(p)
    _format(p, AUDIT_FORMATS)

    # -- audit ---------------------------------------------------------------------------
    p = sub.add_parser(
        "audit", parents=[_common(db=True, offline=True)],
        help="known vulnerabilities of an environment, requirements or pyproject.toml",
    )
    p.add_argument(
        "-r", "--requirement", dest="requirements", action="append", default=[],
        metavar="FILE", help="audit a requirements file (repeatable)",
    )
    p.add_argument(
        "--pyproject", action="append", default=[], metavar="FILE",
        help="audit the dependencies of a pyproject.toml (repeatable)",
    )
    p.add_argument(
        "--pylock", action="append", default=[], metavar="FILE",
        help="audit a pylock.toml lock file (repeatable)",
    )
    p.add_argument(
        "--path", dest="env_paths", action="append", default=[], metavar="DIR",
        help="audit an installed environment: a venv or a site-packages folder (repeatable)",
    )
    p.add_argument(
        "--project", metavar="DIR", default=None,
        help="project folder for defaults and policy (default: .)",
    )
    _thresholds(p)
    p.add_argument(
        "--policy", metavar="FILE", default=None,
        help="policy file (default: .pipwarden.toml or [tool.pipwarden] of pyproject.toml)",
    )
    _format(p, AUDIT_FORMATS)

    # -- db ------------------------------------------------------------------------------
    p = sub.add_parser("db", help="the local vulnerability database")
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION")
    dbsub.required = True
    q = dbsub.add_parser(
        "update", parents=[_common(db=True)],
        help="download the OSV PyPI archive (conditional GET) and swap it in",
    )
    q.add_argument("--url", default=None, help="archive URL (default: PIPWARDEN_OSV_URL or OSV)")
    q.add_argument("--force", action="store_true", help="download even if unchanged")
    q = dbsub.add_parser(
        "import", parents=[_common(db=True)],
        help="import OSV records from a zip, a folder of .json files, or a URL",
    )
    q.add_argument("source", help="zip file, folder, file:// or http(s):// URL")
    q = dbsub.add_parser("status", parents=[_common(db=True)], help="records, source and age")
    q.add_argument("--format", "-f", choices=("text", "json"), default="text")
    q.add_argument("--policy", metavar="FILE", default=None)

    # -- vet -----------------------------------------------------------------------------
    p = sub.add_parser(
        "vet", parents=[_common(db=True, offline=True)],
        help="risk assessment of packages before or after adding them",
    )
    p.add_argument("names", nargs="*", metavar="NAME[==VERSION]", help="packages to assess")
    p.add_argument(
        "-r", "--requirement", dest="requirements", action="append", default=[],
        metavar="FILE", help="assess every package of a requirements file",
    )
    p.add_argument("--tree", action="store_true", help="also assess transitive dependencies")
    p.add_argument(
        "--all", dest="show_all", action="store_true",
        help="with --tree, show every package in text output (default: counts and the worst)",
    )
    p.add_argument("--python", metavar="X.Y", default=None, help="target Python for markers")
    _format(p, (*TEXT_FORMATS, "html"))

    # -- add -----------------------------------------------------------------------------
    p = sub.add_parser(
        "add", parents=[_common(db=True, offline=True)],
        help="vet a package, then add it as name>=latest",
    )
    p.add_argument("name", help="package to add")
    p.add_argument(
        "-r", "--requirement", dest="requirements", default="requirements.txt",
        metavar="FILE", help="requirements file to edit (default: requirements.txt)",
    )
    p.add_argument("--yes", "-y", action="store_true", help="add even when vetting finds risk")
    p.add_argument("--install", action="store_true", help="then install it into the venv")

    # -- lint ----------------------------------------------------------------------------
    p = sub.add_parser(
        "lint", parents=[_common(db=True, offline=True)], help="requirements hygiene rules",
    )
    p.add_argument("paths", nargs="*", default=[], help="files or project folders (default: .)")
    p.add_argument("--select", default=None, metavar="CODES", help="only these rules (comma)")
    p.add_argument("--ignore", default=None, metavar="CODES", help="skip these rules (comma)")
    p.add_argument("--fix", action="store_true", help="apply safe rewrites in place")
    p.add_argument(
        "--diff", action="store_true",
        help="show what --fix would change as a unified diff, write nothing (implies --fix)",
    )
    _format(p, ("text", "json", "sarif"))

    # -- slim ----------------------------------------------------------------------------
    p = sub.add_parser(
        "slim", parents=[_common(offline=True)],
        help="stdlib alternatives, unused deps, subtree weight",
    )
    p.add_argument("path", nargs="?", default=".", help="project folder (default: .)")
    _format(p, TEXT_FORMATS)

    # -- update --------------------------------------------------------------------------
    p = sub.add_parser(
        "update", parents=[_common(db=True, offline=True)],
        help="upgrade the project venv, report what changed, then audit",
    )
    p.add_argument("path", nargs="?", default=".", help="project folder (default: .)")
    p.add_argument("--venv", default=None, metavar="DIR", help="venv folder (default: .venv)")
    p.add_argument(
        "--cooldown", default=None, metavar="AGE", help="skip releases newer than e.g. 3d"
    )
    p.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    p.add_argument("--rebuild", action="store_true", help="recreate the venv from scratch")
    p.add_argument(
        "--find-links", action="append", default=[], metavar="URL",
        help="passed to pip (local wheel folders)",
    )
    p.add_argument("--index-url", default=None, metavar="URL", help="passed to pip")
    p.add_argument(
        "--extra-index-url", dest="extra_index_urls", action="append", default=[],
        metavar="URL", help="passed to pip (repeatable)",
    )
    p.add_argument("--no-index", action="store_true", help="passed to pip")
    p.add_argument(
        "--run-hooks", action="store_true",
        help="run the [update] after commands of the project's config (otherwise listed, "
        "not run; on a terminal pipwarden asks)",
    )
    p.add_argument(
        "--no-audit", action="store_true",
        help="skip the audit after the update (otherwise an audit that cannot run, e.g. "
        "no vulnerability data, fails the update with exit 3)",
    )
    p.add_argument(
        "--deadline", default=None, metavar="TIME",
        help="stop pip after this long, e.g. 15m (default 15m, PIPWARDEN_UPDATE_DEADLINE); "
        "an unreachable index or a stopped pip is exit 3, a rejected requirement exit 2",
    )
    p.add_argument(
        "--all", action="store_true", dest="list_all",
        help="list every package new in the tree with its concerns (more than 10 are "
        "otherwise summarised: counts by verdict and the 5 worst)",
    )
    _format(p, TEXT_FORMATS)

    # -- doctor --------------------------------------------------------------------------
    p = sub.add_parser(
        "doctor", parents=[_common()],
        help="venv, pip guard, writable system Python, credentials lying around",
    )
    p.add_argument("path", nargs="?", default=".", help="project folder (default: .)")
    p.add_argument("--fix", action="store_true", help="write the user-level pip guard (asks)")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask with --fix")
    _format(p, TEXT_FORMATS)

    # -- fleet ---------------------------------------------------------------------------
    p = sub.add_parser(
        "fleet", parents=[_common(db=True, offline=True)],
        help="the same dependencies across many projects",
    )
    p.add_argument("dirs", nargs="+", metavar="DIR", help="folders holding projects")
    _format(p, (*TEXT_FORMATS, "html"))

    # -- init ----------------------------------------------------------------------------
    p = sub.add_parser(
        "init", parents=[_common(offline=True)], help="new project from a template",
    )
    p.add_argument("dir", nargs="?", default=".", help="project folder (default: .)")
    p.add_argument("--template", choices=("python", "dbt-bigquery"), default="python")
    p.add_argument("--package", action="append", default=[], metavar="NAME", help="dependency")
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    p.add_argument("--dry-run", action="store_true", help="list what would be written")
    p.add_argument(
        "--pipwarden-source", default=None, metavar="SPEC",
        help="where the project installs pipwarden from, pinned: git+https://…@<40-hex "
        "commit> or 'pipwarden==VERSION --hash=sha256:HEX' (default: the commit this "
        "pipwarden was installed from)",
    )
    p.add_argument(
        "--pipwarden-hash", action="append", default=[], metavar="ALGO:HEX",
        help="a file hash of pipwarden==VERSION (repeatable; pins by hash)",
    )
    p.add_argument("--ci", choices=("github", "gitlab", "both"), default="github",
                   help="CI files to write (default: github)")

    # -- data ----------------------------------------------------------------------------
    p = sub.add_parser("data", help="reference data shipped with pipwarden")
    datasub = p.add_subparsers(dest="data_command", metavar="ACTION")
    datasub.required = True
    q = datasub.add_parser(
        "update", parents=[_common()], help="refresh the top-PyPI download ranking",
    )
    q.add_argument("--url", default=None, help="ranking URL (default: PIPWARDEN_TOP_PACKAGES_URL)")
    _with_exit_codes(parser)
    return parser
