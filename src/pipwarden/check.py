"""`pipwarden check`: the main job, one report and one exit code for a project.

It runs the project-level doctor checks, lint, the audit (the venv when there is one, and
the requirement floors), a vet summary of the direct requirements and a slim summary.
Each part runs on its own: a part that cannot run (no vulnerability data, a malformed
file) is reported as such and the other parts still run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from dataclasses import field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.errors import ExitCode, PipwardenError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import NotChecked
from pipwarden.policy import Policy
from pipwarden.settings import Settings

if TYPE_CHECKING:
    from pipwarden.audit import AuditReport
    from pipwarden.context import ProjectContext
    from pipwarden.doctor.models import DoctorReport
    from pipwarden.lint.engine import LintConfig, LintReport
    from pipwarden.slim import SlimReport
    from pipwarden.vet import VetReport

__all__ = ["CheckReport", "PartError", "check_environment", "run_check"]

log = get_logger(__name__)


@frozen
class PartError:
    """A part of the check that could not run: its message and the exit code it implies."""

    part: str
    message: str
    hint: str | None
    exit_code: int


@frozen
class CheckReport:
    """The whole check of one project: each part's report (``None`` when it did not run),
    the parts that could not run, and what was not checked."""

    project: Path
    name: str
    inputs: tuple[str, ...]
    venv: str | None
    policy: Policy
    audit: AuditReport | None = None
    lint: LintReport | None = None
    doctor: DoctorReport | None = None
    slim: SlimReport | None = None
    vet: VetReport | None = None
    errors: tuple[PartError, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    not_checked: tuple[NotChecked, ...] = ()

    @property
    def all_not_checked(self) -> tuple[NotChecked, ...]:
        """What the check could not read or judge: its own entries and the audit's."""
        own = self.not_checked
        return own + (self.audit.not_checked if self.audit is not None else ())

    @property
    def unread(self) -> tuple[NotChecked, ...]:
        """Not-checked entries that fail the run (the policy does not accept them)."""
        return tuple(n for n in self.all_not_checked if n.blocking)

    @property
    def status(self) -> str:
        """``findings`` (problems need action, or a part could not run), else
        ``not_checked``, else ``clean``."""
        problems, _ = self.counts()
        if problems:
            return "findings"
        if self.unread:
            return "not_checked"
        return "clean"

    def counts(self) -> tuple[int, int]:
        """(problems that need action, warnings)."""
        from pipwarden.models import Level

        problems = warnings = 0
        if self.audit is not None:
            problems += len(self.audit.failing)
            warnings += len(self.audit.findings) - len(self.audit.failing)
            warnings += len(self.audit.expired) + len(self.audit.stale_ignores)
        if self.lint is not None:
            for f in self.lint.findings:
                if f.level == "error":
                    problems += 1
                else:
                    warnings += 1
        if self.doctor is not None:
            from pipwarden.doctor.models import Status

            problems += self.doctor.count(Status.FAIL)
            warnings += self.doctor.count(Status.WARN)
        if self.vet is not None:
            for pkg in self.vet.packages:
                if pkg.verdict is Level.RISK:
                    problems += 1
                elif pkg.verdict is Level.WARN:
                    warnings += 1
        if self.slim is not None:
            warnings += len(self.slim.unused) + len(self.slim.undeclared)
        problems += len(self.errors)
        return problems, warnings

    @property
    def exit_code(self) -> int:
        codes = {e.exit_code for e in self.errors}
        if ExitCode.USAGE in codes:
            return int(ExitCode.USAGE)
        if ExitCode.DATA_UNAVAILABLE in codes:
            return int(ExitCode.DATA_UNAVAILABLE)
        problems, _ = self.counts()
        return int(ExitCode.FINDINGS) if problems or self.unread else int(ExitCode.OK)


def lint_config(policy: Policy) -> LintConfig:
    """The ``[lint]`` table of the policy as lint settings."""
    from pipwarden.errors import InputError
    from pipwarden.lint.engine import LintConfig

    table = dict(policy.lint)
    where = policy.source or "policy"

    def codes(key: str) -> tuple[str, ...]:
        value = table.get(key, [])
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"[lint] {key} must be a list of rule codes", path=where)
        return tuple(value)

    lockfiles = table.get("lockfiles", True)
    if not isinstance(lockfiles, bool):
        raise InputError("[lint] lockfiles must be true or false", path=where)
    return LintConfig(
        select=codes("select"),
        ignore=codes("ignore"),
        lockfiles=lockfiles,
        allow_caps=codes("allow-caps"),
    )


def _part_error(part: str, exc: PipwardenError) -> PartError:
    return PartError(part, exc.message, exc.hint, int(exc.exit_code))


def _tree_python(ctx: ProjectContext, venv: Path | None) -> tuple[int, int] | None:
    """The Python slim counts the project's tree for (see ``slim.declared.tree_python``)."""
    from pipwarden.errors import InputError
    from pipwarden.slim.declared import tree_python
    from pipwarden.sources.environment import venv_python
    from pipwarden.sources.pyproject import read_pyproject

    requires_python = None
    if ctx.found.pyproject is not None:
        with contextlib.suppress(InputError):  # reported by the parts that read it
            requires_python = read_pyproject(
                ctx.found.pyproject, collect_errors=True, expand_includes=False
            ).requires_python
    return tree_python(requires_python, venv_python(venv) if venv is not None else None)


def _vet_direct(ctx: ProjectContext, venv: Path | None) -> VetReport | None:
    """Vet the direct requirements (cached PyPI answers only when offline), for the Python
    slim counts the tree for, and with a venv from its installed tree: both say the same
    number of packages a requirement brings in."""
    from pipwarden.audit import AuditRequest, collect_inputs
    from pipwarden.checks import VetThresholds
    from pipwarden.vet import Vetter, direct_requests

    found = ctx.found
    deps, _, _ = collect_inputs(
        AuditRequest(
            project=found.root,
            requirements=found.requirements,
            pyprojects=(found.pyproject,) if found.pyproject is not None else (),
        ),
        ctx.read,
    )
    requests = direct_requests(deps)
    if not requests:
        return None
    installed = None
    if venv is not None:  # what each brings in: the venv's tree, as slim counts it
        from pipwarden.errors import InputError
        from pipwarden.slim.weight import installed_graph
        from pipwarden.sources.environment import read_environment

        with contextlib.suppress(InputError):  # an unreadable venv: the audit says so
            installed = installed_graph(read_environment(venv),
                                        [d for d in deps if not d.constraint])
    policy = ctx.policy
    thresholds = VetThresholds.from_policy(policy.vet, policy.source)
    vetter = Vetter(
        ctx.settings, thresholds=thresholds, progress=False, ignores=policy.ignores,
        client=ctx.client, python=_tree_python(ctx, venv), installed=installed,
        toplist=ctx.toplist,
        index=ctx.typosquat_index(
            trusted_rank=thresholds.typosquat_trusted_rank,
            rank_ratio=thresholds.typosquat_rank_ratio,
        ),
    )
    return vetter.vet(requests)


def run_check(
    project: Path,
    *,
    settings: Settings,
    policy: Policy,
    environ: Mapping[str, str] | None = None,
    today: dt.date | None = None,
) -> CheckReport:
    """Run every part of the check on ``project``; never raises for a part's failure.

    The project context (:class:`~pipwarden.context.ProjectContext`: the files found, each
    parsed once, one PyPI client) is built here once and handed to every part."""
    from pipwarden.context import ProjectContext
    from pipwarden.sources.project import project_environment

    ctx = ProjectContext.build(project, settings=settings, policy=policy)
    found = ctx.found
    # The project's own venv only: an active venv outside it (a hook's) is not the project's.
    venv = project_environment(project, environ)
    inputs = [p.name if p.parent == project else str(p) for p in found.requirements]
    if found.pyproject is not None:
        inputs.append(found.pyproject.name)
    inputs.extend(p.name for p in found.lockfiles)
    not_checked: list[NotChecked] = []
    if venv is None and not found.has_dependency_files:
        not_checked.append(
            NotChecked(
                what="dependencies",
                where=str(project),
                reason="no dependency file (requirements*.txt, pyproject.toml, lock file) "
                "and no .venv: nothing was audited",
                next="pipwarden audit -r FILE   or   pipwarden check path/to/.venv",
            )
        )
    errors: list[PartError] = []
    parts: dict[str, Any] = {}

    # Environment (project-level doctor checks)
    try:
        from pipwarden.doctor import run_doctor

        parts["doctor"] = run_doctor(
            project, environ=environ, include_machine=False, cache_dir=settings.cache_dir,
            policy=policy,
        )
        not_checked.extend(parts["doctor"].not_checked)  # files the secret scan could not read
    except PipwardenError as exc:
        errors.append(_part_error("environment", exc))

    # Vulnerabilities: the venv when present, and the declared requirements' floors.
    # Before lint: the audit fetches the database when there is none yet, and lint's
    # PW403 and the floors of its fixes read it (run first, lint found no database on a
    # fresh machine: "fixes 2" and `requests>=2.19.1`, then "fixes 6" and
    # `requests>=2.31.0` on the next run).
    if venv is not None or inputs:
        try:
            from pipwarden.audit import AuditRequest, audit, pypi_release_provider

            request = AuditRequest(
                project=project,
                environments=(venv,) if venv is not None else (),
                requirements=found.requirements,
                pyprojects=(found.pyproject,) if found.pyproject is not None else (),
                pylocks=found.lockfiles,
            )
            parts["audit"] = audit(
                request,
                settings=settings,
                policy=policy,
                releases=pypi_release_provider(settings, ctx.client),
                today=today,
                environ=environ,
                read=ctx.read,
            )
        except PipwardenError as exc:
            errors.append(_part_error("vulnerabilities", exc))

    # Requirements hygiene
    try:
        from pipwarden.lint import run_lint
        from pipwarden.lint.supplychain import default_lookups

        # The same lint as `pipwarden lint` (its "fixes N" is what `lint --fix` fixes);
        # the audit section reports vulnerable floors with more detail than PW403, so
        # those findings are shown there only. Its typosquat index is vet's (the context's).
        lookups = default_lookups(
            settings, offline=settings.offline, typosquat_index=ctx.typosquat_index,
            client=ctx.client,
        )
        try:
            linted = run_lint(
                [project],
                lint_config(policy),
                settings=settings,
                offline=settings.offline,
                ignores=policy.ignores,
                lookups=lookups,
            )
        finally:
            if lookups.close is not None:
                lookups.close()
        parts["lint"] = replace(
            linted, findings=tuple(f for f in linted.findings if f.code != "PW403")
        )
    except PipwardenError as exc:
        errors.append(_part_error("lint", exc))

    # Dependency risk of the direct requirements (cached/offline data is fine).
    try:
        parts["vet"] = _vet_direct(ctx, venv)
    except PipwardenError as exc:
        errors.append(_part_error("dependency risk", exc))

    # Slimming
    try:
        from pipwarden.slim import run_slim

        parts["slim"] = run_slim(
            project, settings=settings, offline=settings.offline, context=ctx
        )
    except PipwardenError as exc:
        errors.append(_part_error("slim", exc))

    return CheckReport(
        project=project,
        name=project.resolve().name,
        inputs=tuple(inputs),
        venv=str(venv) if venv is not None else None,
        policy=policy,
        errors=tuple(errors),
        not_checked=tuple(not_checked),
        **parts,
    )


def check_environment(
    venv: Path,
    *,
    settings: Settings,
    policy: Policy,
    today: dt.date | None = None,
) -> CheckReport:
    """``pipwarden check path/to/.venv``: the venv audited as an installed environment
    (the project-level parts — lint, slim, doctor — need the project folder, not its venv)."""
    from pipwarden.audit import AuditRequest, audit, pypi_release_provider

    errors: list[PartError] = []
    parts: dict[str, Any] = {}
    try:
        parts["audit"] = audit(
            AuditRequest(project=venv.parent, environments=(venv,)),
            settings=settings,
            policy=policy,
            releases=pypi_release_provider(settings),
            today=today,
        )
    except PipwardenError as exc:
        errors.append(_part_error("vulnerabilities", exc))
    return CheckReport(
        project=venv,
        name=venv.resolve().name,
        inputs=(),
        venv=str(venv),
        policy=policy,
        errors=tuple(errors),
        **parts,
    )
