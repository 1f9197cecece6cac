"""``pipwarden fleet DIR…``: wire the arguments to :func:`pipwarden.fleet.run_fleet`."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import ExitCode
from pipwarden.fleet import AuditCounter, run_fleet
from pipwarden.log import get_logger
from pipwarden.report.fleet import render
from pipwarden.report.output import Progress, Style, write_report
from pipwarden.settings import Settings

__all__ = ["audit_counter", "run"]


log = get_logger(__name__)


def audit_counter(settings: Settings, *, offline: bool) -> AuditCounter | None:
    """How fleet counts each project's known vulnerabilities: ``(project) -> findings``.

    Audits the declared requirements (pins at their version, ranges by floor) against the
    local database, with each project's own policy. ``None`` (reported as "audit: n/a")
    when there is no usable vulnerability data.
    """
    from dataclasses import replace

    from pipwarden.audit import AuditRequest, audit, open_database, pypi_release_provider
    from pipwarden.errors import DataUnavailableError, PipwardenError
    from pipwarden.policy import Policy, load_policy
    from pipwarden.sources.project import discover

    local = replace(settings, offline=offline or settings.offline)
    try:
        store = open_database(local, Policy())
    except DataUnavailableError as exc:
        log.info("fleet: no audit counts (%s)", exc.message)
        return None
    releases = None if local.offline else pypi_release_provider(local)

    def count(root: Path) -> int | None:
        try:
            found = discover(root)
            request = AuditRequest(
                project=root,
                requirements=found.requirements,
                pyprojects=(found.pyproject,) if found.pyproject is not None else (),
                # readable lock files; unreadable ones are the project's not_checked entries
                pylocks=tuple(
                    f.path for f in found.files if f.kind.readable and f.path in found.lockfiles
                ),
            )
            if not (request.requirements or request.pyprojects or request.pylocks):
                return None  # nothing readable: reported as not checked, never "0"
            report = audit(
                request, settings=local, policy=load_policy(root), store=store,
                releases=releases,
            )
        except PipwardenError as exc:
            log.warning("fleet: cannot audit %s: %s", root, exc.message)
            return None
        return len(report.findings)

    return count


def run(args: argparse.Namespace) -> int:
    """Compare the projects under the folders; 0 consistent and clean, 1 divergence,
    overlaps, findings or a dependency file not checked, 2 a file could not be parsed (the
    report is still written)."""
    settings = settings_from_args(args)
    offline = settings.offline
    with Progress("fleet") as progress:

        def on_total(total: int) -> None:
            progress.total = total

        report = run_fleet(
            list(args.dirs),
            settings=settings,
            offline=offline,
            audit=audit_counter(settings, offline=offline),
            progress=progress.advance,
            on_total=on_total,
        )
    for fmt, output in outputs(args):
        style = Style(fmt == "text" and use_color(args, output))
        write_report(render(report, fmt, style), output)
    if report.errors:
        return int(ExitCode.USAGE)
    if report.divergences or report.overlaps or report.lint_total or report.audit_total:
        return int(ExitCode.FINDINGS)
    if report.unread:  # a project's dependency file was not read: never a clean fleet
        return int(ExitCode.FINDINGS)
    return int(ExitCode.OK)
