"""``run_update``: the steps of ``pipwarden update`` in order (see the package docstring):
the venv, pip's self-upgrade and the eager install (or ``--dry-run``), the restore on
failure, the hooks."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipwarden.errors import UsageError
from pipwarden.log import get_logger
from pipwarden.models import canonical_name
from pipwarden.policy import Policy
from pipwarden.settings import Settings
from pipwarden.snapshots import (
    Snapshot,
    atomic_write_text,
    ensure_state_dir,
    list_history,
    load_snapshot,
    take_snapshot,
)
from pipwarden.update.models import (
    Change,
    CooldownResult,
    HookResult,
    PipFailedError,
    UpdateOptions,
    UpdateReport,
)
from pipwarden.update.piprunner import (
    DRY_RUN_REPORT_PIP,
    UPLOADED_PRIOR_TO_PIP,
    _index_args,
    _Pip,
)
from pipwarden.update.plan import (
    _collect_sources,
    _hooks,
    _venv_path,
    is_major_bump,
)
from pipwarden.update.pypidata import (
    ProjectData,
    _closure_names,
    _cooldown_constraints,
    _sort_key,
    default_project_data,
)
from pipwarden.update.restore import (
    _failure,
    _prepare_venv,
    _restore_file,
    _restore_previous,
    _restore_venv,
)
from pipwarden.update.review import _finish

__all__ = [
    "run_update",
]

log = get_logger(__name__)


def run_update(
    options: UpdateOptions,
    *,
    settings: Settings,
    policy: Policy,
    project_data: ProjectData | None = None,
) -> UpdateReport:
    """Update the project's venv; see the module docstring for the steps."""
    project = options.project.resolve()
    if not project.is_dir():
        raise UsageError(f"{options.project}: not a folder")
    now = options.now or datetime.now(UTC)
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    venv = _venv_path(options, policy, project)
    state = ensure_state_dir(project)
    log_path = state / "logs" / f"update-{stamp}.log"
    sources = _collect_sources(project, policy, state)
    for shown in sources.shown_index_options():
        log.warning("pip will use an index option from the project: %s", shown)
    hooks, held_hooks = _hooks(options, policy)
    source = project_data or default_project_data(settings.with_overrides(
        offline=options.offline or settings.offline))
    notes: list[str] = []

    history = list_history(project)
    last = load_snapshot(history[-1]) if history else None

    created, previous = _prepare_venv(options, project, venv, log_path)
    if options.dry_run and options.rebuild:
        notes.append("--rebuild ignored with --dry-run")

    def new_pip() -> _Pip:
        timeout = options.pip_timeout if options.pip_timeout is not None else settings.timeout
        return _Pip(venv, log_path, project, deadline=options.deadline, timeout=timeout)

    try:
        before = (take_snapshot(venv, now=now, label="before") if not created
                  else Snapshot(now, str(venv), None, (), "before"))
        if previous is not None:
            before = take_snapshot(previous, now=now, label="before")
        pip = new_pip()
        pip_version = pip.version()
        restore = _restore_file(state, before, stamp, sources) if before.packages else None
        index_args = _index_args(options)

        cooldown_args: list[str] = []
        cooldown: CooldownResult | None = None
        cooldown_days = options.cooldown_days if options.cooldown_days is not None \
            else policy.cooldown_days
        cutoff: datetime | None = None
        if cooldown_days:
            cutoff = now - timedelta(days=cooldown_days)
            if pip_version >= UPLOADED_PRIOR_TO_PIP and not options.no_index:
                cooldown_args = ["--uploaded-prior-to",
                                 cutoff.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
                cooldown = CooldownResult(cooldown_days, cutoff, "uploaded-prior-to")
            else:
                start = set(sources.names) | {p.name for p in before.packages}
                from pipwarden.sources.environment import venv_python

                data = _closure_names(start, source, extras_of=sources.extras,
                                      python_version=venv_python(venv))
                lines, excluded = _cooldown_constraints(data, cutoff)
                if any(data.values()):
                    constraints = state / "cooldown-constraints.txt"
                    atomic_write_text(constraints, "# releases newer than the cooldown cutoff "
                                      f"{cutoff.isoformat()}\n" + "".join(f"{x}\n" for x in lines))
                    cooldown_args = ["-c", str(constraints)]
                    cooldown = CooldownResult(cooldown_days, cutoff, "constraints",
                                              excluded=tuple(excluded))
                else:
                    log.warning("cooldown not enforced: no PyPI upload times available")
                    cooldown = CooldownResult(cooldown_days, cutoff, "unavailable")

        install = ["install", "--upgrade", "--upgrade-strategy", "eager", *index_args,
                   *cooldown_args, *sources.req_args]
        if options.dry_run:
            if pip_version < DRY_RUN_REPORT_PIP:
                raise UsageError(f"--dry-run needs pip {DRY_RUN_REPORT_PIP} or later in the "
                                 f"venv (it has {pip_version})")
            report_file = state / "logs" / f"dry-run-{stamp}.json"
            pip.run([*install[:1], "--dry-run", "--quiet", "--report", str(report_file),
                     *install[1:]])
            changes = _dry_run_changes(report_file, before)
            upgraded: list[Change] = []
            downgraded: list[Change] = []
            added: list[Change] = []
            for name, display, old, new in changes:
                if old is None:
                    added.append(Change(name, display, None, new))
                else:
                    change = Change(name, display, old, new, major=is_major_bump(old, new))
                    (upgraded if _sort_key(new) > _sort_key(old) else downgraded).append(change)
            return UpdateReport(
                project=str(project), venv=str(venv), started_at=now,
                sources=tuple(sources.labels), dry_run=True, pip_version=str(pip_version),
                upgraded=tuple(upgraded), downgraded=tuple(downgraded), added=tuple(added),
                cooldown=cooldown, log_path=str(log_path),
                previous_run=last.taken_at if last else None,
                package_count=len(before.packages), notes=tuple(notes),
                project_index_options=sources.shown_index_options(),
            )

        try:
            pip.run(["install", "--upgrade", *index_args, *cooldown_args, "pip"])
            pip_version = pip.version()
            pip.run(install)
        except PipFailedError as exc:
            if previous is not None:
                _restore_previous(venv, previous)
                previous = None
                raise PipFailedError(
                    f"{exc.message}; the previous venv is back in place", hint=exc.hint,
                    exit_code=exc.exit_code,
                ) from None
            outcome = _restore_venv(new_pip(), venv, before, restore, index_args)
            raise _failure(exc, outcome, venv, restore, index_args) from None
        except BaseException:  # interrupted while pip was changing the venv
            if previous is None:
                back, what = _restore_venv(new_pip(), venv, before, restore, index_args)
                (log.warning if back else log.error)("update interrupted: %s", what)
            raise
    except BaseException:
        _restore_previous(venv, previous)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)

    after = take_snapshot(venv, now=now, label="after")
    report = _finish(options, project, venv, now, sources, before, after, last, source,
                     settings, policy, hooks, cooldown, log_path, created,
                     str(pip_version), notes)
    return replace(report, hooks=report.hooks + tuple(HookResult(h, None) for h in held_hooks),
                   project_index_options=sources.shown_index_options())


def _dry_run_changes(report_file: Path, before: Snapshot) -> list[tuple[str, str, str | None,
                                                                       str]]:
    """(name, display name, old version or None, new version) from pip's --report."""
    try:
        data = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipFailedError(f"pip wrote no readable --report ({exc})") from None
    current = before.by_name()
    out: list[tuple[str, str, str | None, str]] = []
    for item in data.get("install", []):
        meta = item.get("metadata", {}) if isinstance(item, dict) else {}
        raw = str(meta.get("name", ""))
        version = str(meta.get("version", ""))
        name = canonical_name(raw)
        old = current.get(name)
        if old is None or old.version != version:
            out.append((name, raw, old.version if old else None, version))
    return out
