"""What a project folder holds: its dependency files (each of a known kind) and its venv.

Discovery is driven by one table, :data:`DEPENDENCY_FILES`: every kind of file that declares
or locks a project's dependencies, with the reader pipwarden has for it — or ``None``, "no
reader yet". A file of a kind without a reader is never skipped: it becomes a
:class:`~pipwarden.models.NotChecked` entry (``?`` in every report, a failed run unless the
policy's ``allow-unread`` accepts it). Adding a reader for a format is one change: fill in
its ``reader`` below.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import field
from pathlib import Path

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.models import Dependency, NotChecked
from pipwarden.sources.environment import find_environment

__all__ = [
    "DEPENDENCY_FILES",
    "DependencyFile",
    "FileKind",
    "Project",
    "discover",
    "hook_context",
    "is_environment",
    "kind_of",
    "not_checked_file",
    "project_environment",
]

#: Reads one file: its dependencies and the entries it saw but cannot judge (a conda
#: package). Takes the file and the project root; raises :class:`InputError` when malformed.
Reader = Callable[[Path, Path], tuple[Sequence[Dependency], Sequence[NotChecked]]]

_REQUIREMENTS_RE = re.compile(r"^requirements.*\.txt$", re.IGNORECASE)
_CONTENT_CAP = 1 << 20  # bytes read to decide whether a setup.cfg declares dependencies


def _read_requirements(
    path: Path, root: Path
) -> tuple[Sequence[Dependency], Sequence[NotChecked]]:
    """pip's requirements format; bad lines of files outside ``root`` (the project) are
    reported by file and line only."""
    from pipwarden.sources.requirements import parse_requirements, project_root_for

    return parse_requirements(path, root=project_root_for(path, root)).dependencies, ()


def _read_pyproject(path: Path, root: Path) -> tuple[Sequence[Dependency], Sequence[NotChecked]]:
    """The project's dependencies (extras and groups too), not its build requirements."""
    from pipwarden.sources.pyproject import read_pyproject

    return tuple(d for d in read_pyproject(path).dependencies if d.group != "build"), ()


# pylock.PYLOCK_NAME_RE, repeated so that finding files does not import the lock readers
# (packaging.specifiers and the marker evaluator); a test keeps the two equal.
_PYLOCK_NAME = re.compile(r"^pylock\.([^.]+\.)?toml$")


def _lock_reader(file_name: str) -> Reader:
    """The reader of a lock or environment file (:mod:`pipwarden.sources.lockfiles`): every
    locked entry, whatever platform it is for; what it cannot judge becomes not checked."""

    def read(path: Path, root: Path) -> tuple[Sequence[Dependency], Sequence[NotChecked]]:
        from pipwarden.sources.lockfiles import reader_for

        fmt = reader_for(path.name) or reader_for(file_name)
        assert fmt is not None
        result = fmt.read(path, root=root)
        unread = [
            NotChecked(
                what=item.what,
                where=str(item.location),
                reason=item.reason,
                next="pipwarden audit --path ENV   (audits what is installed)",
                location=item.location,
            )
            for item in result.not_checked
        ]
        return result.dependencies, unread

    return read


@frozen
class FileKind:
    """One kind of dependency file: how to recognise it, how to read it, what to do today.

    ``pattern`` matches the file name; ``content`` (when set) must also occur in the first
    MiB of the file: a ``setup.py`` or ``setup.cfg`` declares dependencies only with
    ``install_requires`` (a bare ``setup()`` shim does not), a conda file with
    ``dependencies:`` (other tools name their settings ``environment.yml`` too).
    ``reader`` is ``None`` while pipwarden cannot read the format; ``next`` is the command
    that checks the file's dependencies meanwhile.
    """

    name: str
    pattern: re.Pattern[str]
    reader: Reader | None
    next: str
    content: re.Pattern[bytes] | None = None

    def matches(self, path: Path) -> bool:
        if not self.pattern.match(path.name):
            return False
        if self.content is None:
            return True
        if not path.is_file():  # a FIFO or device would block or never end: not read
            return False
        try:
            with path.open("rb") as fh:
                head = fh.read(_CONTENT_CAP)
        except OSError:
            return True  # cannot tell: treat it as a dependency file (it is then not read)
        return bool(self.content.search(head))

    @property
    def readable(self) -> bool:
        return self.reader is not None


_LOCK_NEXT = "{export} && pipwarden audit -r requirements.lock.txt"

#: Every kind of file that declares or locks dependencies, first match wins.
DEPENDENCY_FILES: tuple[FileKind, ...] = (
    FileKind(
        "requirements", _REQUIREMENTS_RE, _read_requirements, "pipwarden audit -r FILE"
    ),
    FileKind(
        "pyproject", re.compile(r"^pyproject\.toml$"), _read_pyproject,
        "pipwarden audit --pyproject FILE",
    ),
    FileKind(
        "pylock", _PYLOCK_NAME, _lock_reader("pylock.toml"), "pipwarden audit --pylock FILE"
    ),
    FileKind(
        "uv.lock", re.compile(r"^uv\.lock$"), _lock_reader("uv.lock"),
        "uv export --format pylock.toml -o pylock.toml && pipwarden audit --pylock pylock.toml",
    ),
    FileKind(
        "poetry.lock", re.compile(r"^poetry\.lock$"), _lock_reader("poetry.lock"),
        _LOCK_NEXT.format(export="poetry export -f requirements.txt -o requirements.lock.txt"),
    ),
    FileKind(
        "Pipfile.lock", re.compile(r"^Pipfile\.lock$"), _lock_reader("Pipfile.lock"),
        _LOCK_NEXT.format(export="pipenv requirements > requirements.lock.txt"),
    ),
    FileKind(
        "Pipfile", re.compile(r"^Pipfile$"), None,
        _LOCK_NEXT.format(export="pipenv lock && pipenv requirements > requirements.lock.txt"),
    ),
    FileKind(
        "pdm.lock", re.compile(r"^pdm\.lock$"), _lock_reader("pdm.lock"),
        _LOCK_NEXT.format(export="pdm export -f requirements -o requirements.lock.txt"),
    ),
    FileKind(
        "environment.yml", re.compile(r"^environment([-_.][^/]*)?\.ya?ml$", re.IGNORECASE),
        _lock_reader("environment.yml"),
        "conda env create -p ./env -f FILE && pipwarden audit --path ./env",
        content=re.compile(rb"^\s*dependencies\s*:", re.MULTILINE),
    ),
    FileKind(
        "setup.py", re.compile(r"^setup\.py$"), None,
        "pipwarden never runs setup.py: declare the dependencies in pyproject.toml, or "
        "pip install . into .venv && pipwarden audit --path .venv",
        content=re.compile(rb"install_requires|extras_require"),
    ),
    FileKind(
        "setup.cfg", re.compile(r"^setup\.cfg$"), None,
        "move install_requires to pyproject.toml [project].dependencies, or "
        "pip install . into .venv && pipwarden audit --path .venv",
        content=re.compile(rb"install_requires"),
    ),
)


def kind_of(path: Path) -> FileKind | None:
    """The kind of dependency file ``path`` is (by its name, and content where needed)."""
    for kind in DEPENDENCY_FILES:
        if kind.matches(path):
            return kind
    return None


@frozen
class DependencyFile:
    """A file found in the project and the kind it was recognised as."""

    path: Path
    kind: FileKind


def not_checked_file(
    path: Path | str, kind: FileKind, *, root: Path | None = None
) -> NotChecked:
    """The "not checked" entry of a dependency file pipwarden has no reader for."""
    shown = str(path)
    return NotChecked(
        what=shown,
        where=shown,
        reason=f"pipwarden cannot read {kind.name} files yet: its dependencies were not "
        "audited",
        next=kind.next.replace("FILE", _relative(Path(path), root)),
    )


def _relative(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except (ValueError, OSError):
            pass
    return str(path)


@frozen
class Project:
    """The inputs found in a project folder (paths, nothing parsed yet).

    ``files`` lists every dependency file found, in discovery order, with its kind;
    ``requirements``, ``pyproject`` and ``pylock`` are the readable ones of those kinds.
    """

    root: Path
    requirements: tuple[Path, ...]
    pyproject: Path | None
    pylock: tuple[Path, ...]
    venv: Path | None
    files: tuple[DependencyFile, ...] = field(default=())

    @property
    def unread(self) -> tuple[DependencyFile, ...]:
        """Dependency files of a kind pipwarden has no reader for."""
        return tuple(f for f in self.files if not f.kind.readable)

    @property
    def lockfiles(self) -> tuple[Path, ...]:
        """Every file that is neither a requirements file nor pyproject.toml (pylock,
        other lock files, conda and setuptools files): the audit reads each with the reader
        of its kind, or reports it as not checked."""
        return tuple(
            f.path for f in self.files if f.kind.name not in ("requirements", "pyproject")
        )

    @property
    def has_dependency_files(self) -> bool:
        return bool(self.files)


def discover(path: Path, *, environ: Mapping[str, str] | None = None) -> Project:
    """Find the dependency files of :data:`DEPENDENCY_FILES` at the top level (sorted) and
    ``requirements/*.txt``, and the project's venv. Only those two levels are listed:
    venvs, ``node_modules`` and other folders are never searched."""
    root = Path(path)
    if not root.is_dir():
        raise InputError("not a folder", path=str(root))
    files: list[DependencyFile] = []
    for entry in sorted(root.iterdir()):
        if not entry.is_file():
            continue
        kind = kind_of(entry)
        if kind is not None:
            files.append(DependencyFile(entry, kind))
    folder = root / "requirements"
    if folder.is_dir():
        requirements_kind = DEPENDENCY_FILES[0]
        files.extend(
            DependencyFile(p, requirements_kind)
            for p in sorted(folder.iterdir())
            if p.is_file() and p.suffix == ".txt"
        )

    def of(kind: str) -> tuple[Path, ...]:
        return tuple(f.path for f in files if f.kind.name == kind)

    pyprojects = of("pyproject")
    return Project(
        root=root,
        requirements=of("requirements"),
        pyproject=pyprojects[0] if pyprojects else None,
        pylock=of("pylock"),
        venv=find_environment(root, environ),
        files=tuple(files),
    )


def is_environment(path: Path) -> bool:
    """Is ``path`` an installed environment (a venv: it holds ``pyvenv.cfg``)?"""
    return (path / "pyvenv.cfg").is_file()


def _inside(child: Path, parent: Path) -> bool:
    try:
        child.resolve().relative_to(parent.resolve())
    except (ValueError, OSError):
        return False
    return True


def hook_context(project: Path, environ: Mapping[str, str] | None = None) -> bool:
    """Are we running as a hook (pre-commit and the like) rather than for the project?

    True when ``PRE_COMMIT`` is set, or when ``VIRTUAL_ENV`` names a venv outside the
    project: that venv is the hook's (or some other project's), not this project's.
    """
    env = os.environ if environ is None else environ
    if env.get("PRE_COMMIT"):
        return True
    active = env.get("VIRTUAL_ENV")
    return bool(active) and not _inside(Path(str(active)), project)


def project_environment(project: Path, environ: Mapping[str, str] | None = None) -> Path | None:
    """The project's own venv: ``.venv``/``venv``/``env`` in it, or an active venv inside it.

    An active venv (``VIRTUAL_ENV``) outside the project is never taken for the project's:
    under pre-commit it is the hook's own venv, which holds pipwarden, not the project.
    """
    env = dict(os.environ if environ is None else environ)
    active = env.get("VIRTUAL_ENV")
    if active and not _inside(Path(active), project):
        env.pop("VIRTUAL_ENV")
    return find_environment(project, env)
