"""``pipwarden slim``: fewer dependencies, each one earning its place.

:func:`run_slim` puts the pieces together: declared dependencies
(:mod:`~pipwarden.slim.declared`), imports from ``.py`` files and notebooks
(:mod:`~pipwarden.slim.imports`) mapped to distributions (:mod:`~pipwarden.slim.mapping`),
console scripts called by scripts, Makefiles and CI (:mod:`~pipwarden.slim.tools`), subtree
weight (:mod:`~pipwarden.slim.weight`), overlapping libraries (:mod:`~pipwarden.slim.overlap`)
and standard-library alternatives (:mod:`pipwarden.stdlib_alternatives`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.errors import InputError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import Dependency, Environment, Location
from pipwarden.pypi.client import PyPIClient
from pipwarden.settings import Settings
from pipwarden.slim.declared import lowest_python, read_declared, tree_python
from pipwarden.slim.imports import FileProblem, is_stdlib, scan_imports
from pipwarden.slim.mapping import ImportResolver, installed_modules
from pipwarden.slim.overlap import Overlap, find_overlaps
from pipwarden.slim.tools import providers, scan_tools
from pipwarden.slim.weight import SubtreeWeight, installed_graph, subtree_weights
from pipwarden.sources.environment import find_environment, read_environment
from pipwarden.stdlib_alternatives import StdlibAlternative, find

if TYPE_CHECKING:
    from pipwarden.context import ProjectContext
    from pipwarden.sources.graph import DependencyGraph

__all__ = [
    "NOTEBOOK_TOOLS",
    "PLUGIN_PREFIXES",
    "RUNTIME_PLUGINS",
    "SlimReport",
    "StdlibFinding",
    "ToolDependency",
    "UndeclaredImport",
    "UnusedDependency",
    "run_slim",
]

logger = get_logger(__name__)

# Declared only to run notebooks: used when the project has notebooks.
NOTEBOOK_TOOLS = frozenset(
    {"ipykernel", "jupyter", "jupyterlab", "notebook", "nbconvert", "nbclient", "ipywidgets",
     "jupyter-core", "nbformat", "voila"}
)
# Name prefix of a plugin -> the distribution that loads it.
PLUGIN_PREFIXES: dict[str, str] = {
    "pytest-": "pytest",
    "flake8-": "flake8",
    "mkdocs-": "mkdocs",
    "sphinxcontrib-": "sphinx",
    "sphinx-": "sphinx",
    "dbt-": "dbt-core",
    "mypy-": "mypy",
}
# Loaded by another library at run time, never imported by the project itself.
RUNTIME_PLUGINS: dict[str, tuple[str, str]] = {
    "pyarrow": ("pandas", "pandas loads it for read_parquet/to_parquet"),
    "fastparquet": ("pandas", "pandas loads it for read_parquet/to_parquet"),
    "openpyxl": ("pandas", "pandas loads it for read_excel/to_excel"),
    "xlrd": ("pandas", "pandas loads it for read_excel"),
    "xlsxwriter": ("pandas", "pandas loads it for to_excel"),
    "tabulate": ("pandas", "pandas loads it for to_markdown"),
    "db-dtypes": ("google-cloud-bigquery", "BigQuery loads it for to_dataframe"),
    "google-cloud-bigquery-storage": (
        "google-cloud-bigquery", "BigQuery loads it for fast downloads",
    ),
    "psycopg2": ("sqlalchemy", "SQLAlchemy loads the driver named in the URL"),
    "psycopg2-binary": ("sqlalchemy", "SQLAlchemy loads the driver named in the URL"),
    "pymysql": ("sqlalchemy", "SQLAlchemy loads the driver named in the URL"),
    "sqlalchemy-bigquery": ("sqlalchemy", "SQLAlchemy loads the dialect named in the URL"),
}


# Modules a new venv already holds (``python -m venv`` installs pip with ensurepip).
_VENV_BOOTSTRAP = frozenset({"pip", "ensurepip", "venv"})


@frozen
class StdlibFinding:
    """A dependency the standard library can replace."""

    dependency: Dependency
    alternative: StdlibAlternative


@frozen
class UnusedDependency:
    """Declared, never imported, never called; ``note`` when it may still be used."""

    dependency: Dependency
    note: str | None = None


@frozen
class ToolDependency:
    """Declared, never imported, but its commands are called (``commands`` at ``locations``)."""

    dependency: Dependency
    commands: tuple[str, ...]
    locations: tuple[Location, ...]
    reason: str = "command"


@frozen
class UndeclaredImport:
    """Imported but not declared. ``via``: the declared dependencies that pull it in."""

    distribution: str
    modules: tuple[str, ...]
    locations: tuple[Location, ...]
    via: tuple[str, ...] = ()
    installed: bool | None = None


@frozen
class SlimReport:
    """Everything ``slim`` found in one project."""

    project: str
    declared_files: tuple[str, ...]
    requires_python: str | None
    min_python: tuple[int, int] | None
    environment: str | None
    environment_packages: int
    files_scanned: tuple[str, ...]
    declared: tuple[Dependency, ...]
    stdlib: tuple[StdlibFinding, ...] = ()
    unused: tuple[UnusedDependency, ...] = ()
    tools: tuple[ToolDependency, ...] = ()
    undeclared: tuple[UndeclaredImport, ...] = ()
    weights: tuple[SubtreeWeight, ...] = ()
    weight_note: str | None = None
    overlaps: tuple[Overlap, ...] = ()
    problems: tuple[FileProblem, ...] = field(default=())
    partial: tuple[FileProblem, ...] = field(default=())

    bad_input: bool = False  # a dependency file (requirements, pyproject) did not parse

    @property
    def exit_code(self) -> int:
        """2 when a dependency file is malformed; 1 for unused/undeclared dependencies or a
        source file not checked (fail closed); else 0.

        A source file that cannot be read is "not checked": the rest of the project is still
        analysed, and the run fails so that nobody reads the result as complete.
        """
        if self.bad_input:
            return 2
        return 1 if self.problems or self.unused or self.undeclared else 0


def _first_by_name(deps: Iterable[Dependency]) -> dict[str, Dependency]:
    out: dict[str, Dependency] = {}
    for dep in deps:
        out.setdefault(dep.name, dep)
    return out


def _tool(dep: Dependency, hits: list[tuple[str, Location]], reason: str) -> ToolDependency:
    ordered = sorted(set(hits), key=lambda h: (_loc_key(h[1]), h[0]))
    return ToolDependency(
        dep, tuple(sorted({h[0] for h in ordered})), tuple(h[1] for h in ordered), reason
    )


def _loc_key(loc: Location) -> tuple[str, int, int]:
    """Sort key of a location (the order of the dataclass, much cheaper to compare)."""
    return loc.path, loc.line or 0, loc.column or 0


def _already_conditional(dep: Dependency, python: tuple[int, int]) -> bool:
    """``tomli; python_version < "3.11"``: already skipped where the stdlib has it."""
    if not dep.marker or "python" not in dep.marker:
        return False
    from packaging.markers import (
        InvalidMarker,
        Marker,
        UndefinedComparison,
        UndefinedEnvironmentName,
        default_environment,
    )

    try:
        marker = Marker(dep.marker)
        env = {k: str(v) for k, v in default_environment().items()}
        version = f"{python[0]}.{python[1]}"
        env.update(python_version=version, python_full_version=f"{version}.0", extra="")
        return not marker.evaluate(env)
    except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
        return False


def _graph_from_pypi(
    declared: Iterable[Dependency],
    settings: Settings,
    python: tuple[int, int] | None,
    client: PyPIClient | None,
    offline: bool,
) -> tuple[DependencyGraph | None, str]:
    """Graph from PyPI metadata, loaded as ``vet`` loads it (markers for the lowest
    supported Python, else this one's); offline, from the PyPI cache only."""
    import sys

    from pipwarden.slim.weight import graph_from_pypi
    from pipwarden.vet.inputs import direct_requests

    requests = direct_requests(declared)
    if not requests:
        return None, "unknown: no requirement that PyPI could answer for"
    # one retry: a name PyPI does not answer for is listed in the note, not fatal
    if client is None:
        client = PyPIClient(settings, progress=False, offline=offline, retries=1)
    target = python or (sys.version_info[0], sys.version_info[1])
    graph, missing = graph_from_pypi(requests, client, target)
    if {r.key for r in requests} <= set(missing):
        if client.offline:
            return None, "unknown: no environment (offline, and no PyPI data cached; " \
                "create .venv to measure it)"
        return None, f"unknown: no environment, and {settings.pypi_url} did not answer"
    note = "no environment: from PyPI metadata of the releases the requirements admit"
    if client.offline:
        note += " (cached)"
    if missing:
        note += f" ({len(missing)} not found: {', '.join(missing[:5])})"
    return graph, note


def run_slim(
    project: Path,
    *,
    settings: Settings | None = None,
    offline: bool = False,
    context: ProjectContext | None = None,
) -> SlimReport:
    """Analyse ``project`` (a folder) and return the report; never raises for bad files.

    Without an environment, subtree weight comes from PyPI metadata (``settings.pypi_url``),
    loaded as ``vet`` loads it; ``offline`` (or ``settings.offline``), from the PyPI cache
    only (unknown when nothing is cached). With ``context`` (``check``'s), its parsed files
    and its PyPI client are used.
    """
    root = project.resolve()
    declared = read_declared(root, context.requirements if context is not None else None)
    by_name = _first_by_name(declared.dependencies)
    venv = find_environment(root, environ={})  # the project's own venv, never the caller's
    installed: Environment | None = None
    env_problems: list[FileProblem] = []
    if venv is not None:
        try:
            installed = read_environment(venv)
        except InputError as exc:
            env_problems.append(FileProblem(str(venv.relative_to(root)), None, exc.reason))
    min_python = lowest_python(declared.requires_python)
    if min_python is None and installed is not None:
        min_python = tree_python(None, installed.python_version)
    roots: dict[str, tuple[str, ...]] = {}
    for dep in declared.dependencies:
        roots[dep.name] = tuple(sorted({*roots.get(dep.name, ()), *dep.extras}))
    graph = (
        installed_graph(installed, declared.dependencies)
        if installed
        else None
    )
    weight_note = None
    offline = offline or (settings is not None and settings.offline)
    if graph is None and roots:
        graph, weight_note = _graph_from_pypi(
            declared.dependencies, settings or Settings.from_env(),
            tree_python(declared.requires_python, None),
            context.client if context is not None else None, offline,
        )
    resolver = ImportResolver(installed_modules(installed) if installed else None)

    from pipwarden import __version__
    from pipwarden.scancache import FileCache

    folder = (settings or Settings.from_env()).cache_dir / "scan"
    scan = scan_imports(root, cache=FileCache(folder, root, "imports", f"{__version__}:3"))
    tools = scan_tools(
        root, scan.shell_lines, cache=FileCache(folder, root, "commands", f"{__version__}:3")
    )
    problems = [*declared.problems, *env_problems, *scan.problems, *tools.problems]
    for problem in problems:
        logger.debug("not analysed: %s", problem)  # the report lists them

    def closure(name: str) -> frozenset[str]:
        return frozenset(graph.closure(name)) if graph is not None else frozenset()

    # -- imports -> distributions ------------------------------------------------------
    # each module once, with every place it is imported (columns: None for commands)
    module_sources: list[tuple[str, Iterable[tuple[str, int, int | None]]]] = list(
        scan.by_module.items()
    )
    # ``python -m pip`` needs no declaration: every venv is created with pip in it.
    # (each place made only when the module turns out undeclared: most are local or stdlib)
    module_sources += [
        (name, ((path, line, None) for path, lines in where for line in lines))
        for (name, is_module), where in tools.by_command.items()
        if is_module and name.partition(".")[0] not in _VENV_BOOTSTRAP
    ]
    used_by_import: set[str] = set()
    undeclared: dict[str, list[tuple[str, Location]]] = {}
    for module, where in module_sources:
        top = module.partition(".")[0]
        if is_stdlib(module) or top in scan.local_modules or top == "__main__":
            continue
        dists = resolver.resolve(module)
        hit = dists & by_name.keys()
        if hit:
            used_by_import |= hit
            continue
        found_at = list(where)  # once: a module may map to several distributions
        for dist in sorted(dists):
            undeclared.setdefault(dist, []).extend(
                (module, Location(path, line, column)) for path, line, column in found_at
            )

    # -- commands -> distributions -------------------------------------------------------
    scripts = (
        {p.name: p.console_scripts for p in installed.packages} if installed else {}
    )
    used_dists = set(used_by_import) | set(undeclared)
    tool_hits: dict[str, list[tuple[str, Location]]] = {}
    command_hits: dict[str, list[tuple[str, Location]]] = {}
    for (name, is_module), places in tools.by_command.items():
        if is_module:
            continue
        provided_by = providers(name, scripts)
        if not provided_by:
            continue
        used_dists |= provided_by
        hits = [(name, Location(path, line)) for path, lines in places for line in lines]
        for dist in provided_by:
            command_hits.setdefault(dist, []).extend(hits)
        owners: set[str] = set(provided_by & by_name.keys())
        if not owners:
            owners = {d for d in by_name if closure(d) & provided_by}
        for owner in owners:
            tool_hits.setdefault(owner, []).extend(hits)

    tool_deps: list[ToolDependency] = []
    unused: list[UnusedDependency] = []
    has_notebooks = any(f.endswith(".ipynb") for f in scan.files)
    for name, dep in by_name.items():
        if name in used_by_import:
            continue
        if name in tool_hits:
            tool_deps.append(_tool(dep, tool_hits[name], "command"))
            continue
        if has_notebooks and name in NOTEBOOK_TOOLS:
            tool_deps.append(ToolDependency(dep, (), (), reason="runs the notebooks"))
            continue
        host = next(
            (h for prefix, h in PLUGIN_PREFIXES.items() if name.startswith(prefix)), None
        )
        if host is not None and host != name and host in used_dists:
            tool_deps.append(_tool(dep, command_hits.get(host, []), f"plugin of {host}"))
            continue
        note = None
        runtime = RUNTIME_PLUGINS.get(name)
        if runtime is not None and runtime[0] in used_dists:
            note = runtime[1]
        elif name.startswith("types-") or name.endswith("-stubs"):
            note = "type stubs: used by type checkers, not imported"
        unused.append(UnusedDependency(dep, note))

    undeclared_list = []
    for dist, uses in sorted(undeclared.items()):
        via = tuple(sorted(d for d in by_name if dist in closure(d)))
        is_installed = (
            (graph is not None and dist in graph.packages) if installed is not None else None
        )  # without an environment, nothing is known to be installed
        undeclared_list.append(
            UndeclaredImport(
                dist,
                tuple(sorted({m for m, _ in uses})),
                tuple(sorted({loc for _, loc in uses}, key=_loc_key)),
                via,
                is_installed,
            )
        )

    # -- stdlib, weight, overlaps ----------------------------------------------------------
    stdlib = [
        StdlibFinding(dep, alt)
        for dep in by_name.values()
        if (alt := find(dep.name, min_python)) is not None
        and not _already_conditional(dep, alt.min_python)
    ]
    weights: tuple[SubtreeWeight, ...] = ()
    if graph is not None:
        weights = subtree_weights(graph, roots)
    elif weight_note is None:
        weight_note = "unknown: no environment (create .venv to measure subtree weight)"
    overlaps = find_overlaps(
        by_name, (lambda a, b: b in closure(a)) if graph is not None else None
    )

    return SlimReport(
        project=str(project),
        declared_files=declared.files,
        requires_python=declared.requires_python,
        min_python=min_python,
        environment=str(venv.relative_to(root)) if venv else None,
        environment_packages=len({p.name for p in installed.packages}) if installed else 0,
        files_scanned=scan.files + tools.files,
        declared=tuple(by_name.values()),
        stdlib=tuple(stdlib),
        unused=tuple(unused),
        tools=tuple(tool_deps),
        undeclared=tuple(undeclared_list),
        weights=weights,
        weight_note=weight_note,
        overlaps=overlaps,
        problems=tuple(problems),
        partial=scan.partial,
        bad_input=bool(declared.problems or env_problems),
    )

