"""After the upgrade: what changed (upgraded, added, removed, no longer needed), what PyPI
says about it (held back, yanked, maintainers, the cooldown check), the vetting of new
packages and the audit of the upgraded venv, gathered into the
:class:`~pipwarden.update.models.UpdateReport`."""

from __future__ import annotations

import importlib
import os
import shlex
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from packaging.version import Version

from pipwarden import subproc as subprocess  # the one door to child processes
from pipwarden.errors import PipwardenError
from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import canonical_name
from pipwarden.policy import Policy
from pipwarden.settings import Settings
from pipwarden.snapshots import (
    Snapshot,
    save_snapshot,
)
from pipwarden.sources.environment import read_environment
from pipwarden.sources.graph import DependencyGraph
from pipwarden.update.models import (
    AuditSummary,
    Change,
    Concern,
    CooldownResult,
    HookResult,
    OwnershipChange,
    UpdateOptions,
    UpdateReport,
    YankedInstall,
)
from pipwarden.update.piprunner import venv_python
from pipwarden.update.plan import (
    _Sources,
    find_held_back,
    is_major_bump,
    release_notes_url,
    reportable_held_back,
    verify_cooldown,
)
from pipwarden.update.pypidata import (
    ProjectData,
    _local_versions,
    _roles,
    _sort_key,
    _yanked,
    available_versions,
)

__all__: list[str] = []

log = get_logger(__name__)


def _finish(
    options: UpdateOptions, project: Path, venv: Path, now: datetime, sources: _Sources,
    before: Snapshot, after: Snapshot, last: Snapshot | None, source: ProjectData,
    settings: Settings, policy: Policy, hooks: tuple[str, ...],
    cooldown: CooldownResult | None, log_path: Path, created: bool, pip_version: str,
    notes: list[str],
) -> UpdateReport:
    old, new = before.by_name(), after.by_name()
    env_after = read_environment(venv)
    # the project's tree as every command draws it: its roots, the extras they ask for
    graph_after = DependencyGraph.from_environment(
        env_after, roots=sorted(sources.names), extras_of=sources.extras
    )
    reach_after = graph_after._reach(graph_after.roots)

    upgraded: list[Change] = []
    downgraded: list[Change] = []
    added: list[Change] = []
    removed: list[Change] = []
    for name, package in new.items():
        prior = old.get(name)
        if prior is None:
            paths = graph_after.paths_to(name, limit=1)
            via = paths[0][:-1] if paths and len(paths[0]) > 1 else ()
            added.append(Change(name, package.display_name, None, package.version, via=via))
        elif prior.version != package.version:
            major = is_major_bump(prior.version, package.version)
            change = Change(name, package.display_name, prior.version, package.version,
                            major=major,
                            notes_url=release_notes_url(package.project_urls) if major else None)
            (upgraded if _sort_key(package.version) > _sort_key(prior.version)
             else downgraded).append(change)
    for name, prior in old.items():
        if name not in new:
            removed.append(Change(name, prior.display_name, prior.version, None))

    # packages the declared requirements needed before and no longer need
    orphaned: list[Change] = []
    if before.packages:
        from pipwarden.models import InstalledPackage

        graph_before = DependencyGraph.from_packages(
            [InstalledPackage(p.name, p.display_name, p.version, "", p.requires)
             for p in before.packages],
            python_version=env_after.python_version, roots=sorted(sources.names),
            extras_of=sources.extras,
        )
        reach_before = graph_before._reach(graph_before.roots)
        for name in sorted((reach_before - reach_after) & set(new)):
            orphaned.append(Change(name, new[name].display_name, new[name].version,
                                   new[name].version))

    # PyPI data: held back, yanked, maintainers, cooldown check
    pypi = source.fetch_many(sorted(new)) if new else {}
    reachable = any(v for v in pypi.values())
    if not reachable:
        notes.append("PyPI not reachable (or offline): yanked releases and maintainer "
                     "changes not checked")
    local = _local_versions([*options.find_links, *_env_find_links()])
    latest: dict[str, Version] = {}
    for name in new:
        versions = available_versions(name, pypi.get(name), local)
        if versions:
            latest[name] = versions[-1]
    held = find_held_back(after, latest, sources.names,
                          cooldown_excluded=cooldown.excluded if cooldown else ())
    held = reportable_held_back(held, orphaned)
    yanked: list[YankedInstall] = []
    roles: dict[str, tuple[str, ...]] = {}
    for name, package in new.items():
        data = pypi.get(name)
        if not data:
            continue
        is_yanked, reason = _yanked(data, package.version)
        if is_yanked:
            yanked.append(YankedInstall(name, package.version, reason))
        found = _roles(data)
        if found is not None:
            roles[name] = found
    after = after.with_roles(roles)
    ownership: list[OwnershipChange] = []
    if last is not None:
        previous_roles = {p.name: p.roles for p in last.packages if p.roles is not None}
        for name, now_roles in sorted(roles.items()):
            was = previous_roles.get(name)
            if was is None:
                continue
            gained = tuple(sorted(set(now_roles) - set(was)))
            lost = tuple(sorted(set(was) - set(now_roles)))
            if gained or lost:
                ownership.append(OwnershipChange(name, gained, lost))

    if cooldown is not None:
        too_new, unknown = verify_cooldown(after, pypi, cooldown.cutoff)
        cooldown = CooldownResult(cooldown.days, cooldown.cutoff, cooldown.method,
                                  cooldown.excluded, too_new, unknown)
        for name, version, when in too_new:
            log.warning("%s %s was uploaded %s, after the cooldown cutoff", name, version,
                        when.isoformat())

    if options.vet and added:
        verdicts = _vet_new([c.name for c in added], settings.with_overrides(
            offline=options.offline or settings.offline), policy, graph_after,
            env_after.python_version)
        added = [_with_verdict(c, verdicts.get(c.name)) for c in added]

    save_snapshot(project, after)
    hook_results = _run_hooks(hooks, venv, project, log_path) if hooks else ()
    audit_settings = settings.with_overrides(offline=options.offline or settings.offline)
    audit = (_audit(venv, project, audit_settings, policy) if options.audit
             else AuditSummary(ran=False, reason="skipped with --no-audit"))
    return UpdateReport(
        project=str(project), venv=str(venv), started_at=now, sources=tuple(sources.labels),
        created=created, rebuilt=options.rebuild, pip_version=pip_version,
        upgraded=tuple(upgraded), downgraded=tuple(downgraded), added=tuple(added),
        removed=tuple(removed), orphaned=tuple(orphaned), held_back=held,
        yanked=tuple(yanked), ownership=tuple(ownership), cooldown=cooldown, audit=audit,
        hooks=hook_results, log_path=str(log_path),
        previous_run=last.taken_at if last else None, pypi_reachable=reachable,
        package_count=len(new), notes=tuple(notes),
    )


def _env_find_links() -> list[str]:
    """``PIP_FIND_LINKS`` (space separated), which pip reads from the environment too."""
    return os.environ.get("PIP_FIND_LINKS", "").split()


def _run_hooks(hooks: Sequence[str], venv: Path, project: Path, log_path: Path
               ) -> tuple[HookResult, ...]:
    results: list[HookResult] = []
    env = dict(os.environ)
    bindir = venv_python(venv).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv.resolve())
    env["PIP_REQUIRE_VIRTUALENV"] = "true"
    for hook in hooks:
        argv = shlex.split(hook)
        if not argv:
            continue
        with log_path.open("a", encoding="utf-8") as fh:
            fh.write(f"$ {hook}\n")
            fh.flush()
            try:
                done = subprocess.run(
                    argv, cwd=project, env=env, stdout=fh, stderr=subprocess.STDOUT,
                    check=False,
                )
                code = done.returncode
            except OSError as exc:
                fh.write(f"{exc}\n")
                code = 127
            fh.write(f"[exit {code}]\n\n")
        if code:
            log.warning("hook %r failed (exit %d); see %s", hook, code, log_path)
        results.append(HookResult(hook, code))
    return tuple(results)


def _with_verdict(change: Change, vetted: _Vetted | None) -> Change:
    if vetted is None:
        return change
    return replace(change, vetted=vetted.label, verdict=vetted.verdict,
                   concerns=vetted.concerns)


#: the levels of vet signals that are concerns, worst first
_CONCERN_LEVELS = ("risk", "warn", "unknown")


@frozen
class _Vetted:
    label: str  # "vetted: some concerns", "not vetted (…)"
    verdict: str | None = None
    concerns: tuple[Concern, ...] = ()


def _vet_new(
    names: Sequence[str],
    settings: Settings,
    policy: Policy | None = None,
    installed: DependencyGraph | None = None,
    python: str | None = None,
) -> dict[str, _Vetted]:
    """Verdict and concerns per new package from ``pipwarden.vet`` when this build has it:
    with the project's vet policy, the venv's Python, and what each brings in read from the
    venv's tree (``installed``), as check's vet part and slim count it."""
    if not names:
        return {}
    try:
        vet = importlib.import_module("pipwarden.vet")
    except ImportError:
        return dict.fromkeys(names, _Vetted("not vetted (vet is not part of this build)"))
    try:
        from pipwarden.checks import VetThresholds
        from pipwarden.slim.declared import tree_python

        policy = policy or Policy()
        vetter = vet.Vetter(
            settings, progress=False, installed=installed, python=tree_python(None, python),
            thresholds=VetThresholds.from_policy(policy.vet, policy.source),
            ignores=policy.ignores,
        )
        report = vetter.vet([vet.VetRequest(name=n) for n in names])
    except PipwardenError as exc:
        return dict.fromkeys(names, _Vetted(f"not vetted ({exc})"))
    out: dict[str, _Vetted] = {}
    for package in report.packages:
        label = package.verdict_label
        if package.error:
            label = f"{label} ({package.error})"
        out[canonical_name(package.name)] = _Vetted(
            f"vetted: {label}", package.verdict.label, _concerns(package))
    return out


def _concerns(package: Any) -> tuple[Concern, ...]:
    """The signals of a vetted package that are not clean, worst first (vet's order within
    a level), then the signals vet could not run."""
    found = [Concern(s.id, s.level.label, s.message) for s in package.signals
             if s.level.label in _CONCERN_LEVELS and s.id != "not_checked"]
    found.sort(key=lambda c: _CONCERN_LEVELS.index(c.level))
    skipped = next((s for s in package.signals if s.id == "not_checked"), None)
    reason = str(skipped.evidence.get("reason", "no data")) if skipped else "no data"
    found += [Concern(str(signal), "not checked", f"Not checked: {reason}.")
              for signal in package.not_checked]
    return tuple(found)


def _audit(venv: Path, project: Path, settings: Settings, policy: Policy) -> AuditSummary:
    """The upgraded venv through :func:`pipwarden.audit.audit`; a summary with the reason
    and a non-zero exit code when it cannot run (no database and offline, data too old, an
    unreadable venv …)."""
    from pipwarden.audit import AuditRequest, audit, pypi_release_provider
    from pipwarden.report.audit import render

    try:
        result = audit(
            AuditRequest(project=project, environments=(venv,)), settings=settings, policy=policy,
            releases=pypi_release_provider(settings),  # the floors every command proposes
        )
    except PipwardenError as exc:
        # "not checked" is not clean: the update fails with the audit's own exit code
        # (3 when the vulnerability data is unavailable) unless --no-audit skipped it
        log.warning("audit not run: %s", exc.message)
        return AuditSummary(ran=False, reason=exc.message, exit_code=int(exc.exit_code))
    return AuditSummary(
        ran=True,
        text=render(result, "text"),
        packages=result.packages_audited,
        vulnerabilities=len(result.findings),
        exit_code=result.exit_code,
        data=result,
    )
