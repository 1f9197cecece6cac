"""Self-contained HTML pages for `check`, `audit` and `vet` (building blocks: report.html).

Each page shows the verdict first, then its sections, with the dependency tree drawn and
coloured by risk, and every advisory linked to its OSV page.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pipwarden.models import Level, Severity
from pipwarden.report import html as h

if TYPE_CHECKING:
    from pipwarden.audit import AuditReport, Finding
    from pipwarden.check import CheckReport
    from pipwarden.vet import VetReport

__all__ = ["render_audit_html", "render_check_html", "render_vet_html"]


def _severity_level(f: Finding) -> Level:
    """The colour of a severity badge: high and above red, low and medium amber."""
    if f.severity is Severity.UNKNOWN:
        return Level.UNKNOWN
    return Level.RISK if f.severity >= Severity.HIGH else Level.WARN


def _finding_level(f: Finding, report: AuditReport) -> Level:
    """A finding at the policy's fail-on threshold needs action (risk, as in the verdict);
    one below it is a warning."""
    return Level.RISK if f.malicious or report.policy.fails(f.severity) else Level.WARN


def _short_sources(findings: Sequence[Finding]) -> dict[str, str]:
    """Each finding's source as shown in the table: relative to the folder all the files
    share (``requirements.txt:8``), or an empty mapping when there is one source only (the
    line above the table names it)."""
    sources = {f.source: f.location for f in findings}
    if len(sources) <= 1:
        return {}
    paths = [loc.path if loc is not None else src for src, loc in sources.items()]
    try:
        base = os.path.commonpath([str(Path(p).parent) for p in paths])
    except ValueError:  # relative and absolute mixed, or different drives
        return {src: src for src in sources}
    out: dict[str, str] = {}
    for src, loc in sources.items():
        if loc is None or not base:
            out[src] = src
        else:
            out[src] = str(replace(loc, path=os.path.relpath(loc.path, base)))
    return out


def _audit_table(report: AuditReport) -> h.Html | None:
    if not report.findings:
        return None
    rows = []
    with_via = any(f.paths and len(f.paths[0]) > 1 for f in report.findings)
    where = _short_sources(report.findings)
    for f in report.findings:
        ids = h.join((h.advisory_link(i) for i in f.ids[:5]), sep=" ")
        version = f.version or f.specifier or ""
        fixed = ", ".join(f.fixed_in) or "no fix yet"
        if f.safe_floor:
            fixed += f" (raise the floor to >={f.safe_floor})"
        elif f.no_safe_version:
            fixed += " (no safe version known)"
        sev = h.join(
            [
                h.badge(_severity_level(f), f.severity.label),
                f" {f.score:.1f}" if f.score is not None else "",
            ]
        )
        row: list[h.Cell] = [f.package, version, ids, sev, f.summary, fixed]
        if where:
            row.append(where[f.source])
        if with_via:  # only environments have dependency paths
            row.append(" → ".join(f.paths[0]) if f.paths and len(f.paths[0]) > 1 else "")
        rows.append(row)
    headers = ["package", "version / range", "advisories", "severity", "summary", "fix"]
    headers += ["where"] if where else []
    headers += ["via"] if with_via else []
    return h.table(headers, rows)


def _audit_sections(report: AuditReport) -> list[h.Html]:
    from pipwarden.report.audit import data_line

    sections = [
        h.section(
            "Vulnerabilities",
            h.paragraph(f"{', '.join(report.targets)} · {data_line(report)}", note=True),
            _audit_table(report),
            count=len(report.findings),
            empty="No known vulnerabilities.",
        )
    ]
    notes: list[object] = []
    for f, e in report.expired:
        notes.append(
            f"ignore of {e.id} expired on {e.until.isoformat()} ({e.location}): "
            f"{f.package} is reported again"
        )
    for e in report.stale_ignores:
        notes.append(f"stale ignore {e.id} matched nothing ({e.location})")
    for f, e in report.ignored:
        notes.append(
            h.join(
                [
                    h.advisory_link(f.id),
                    f" on {f.package} ignored until {e.until.isoformat()}: {e.reason}",
                ]
            )
        )
    for item in report.not_checked:
        if item.blocking:
            step = f" — next: {item.next}" if item.next else ""
            notes.append(f"? not checked: {item.what} ({item.where}): {item.reason}{step}")
        else:
            notes.append(
                f"not checked (accepted: {item.accepted}): {item.what} ({item.where}): "
                f"{item.reason}"
            )
    if notes:
        sections.append(h.section("Ignores and skipped", h.bullets(notes), count=len(notes)))
    return sections


def _levels(audit: AuditReport | None, vet: VetReport | None) -> dict[str, Level]:
    """One level per package, the one every part of a page shows (table and tree): the
    vet verdict (unknown stays unknown), raised by the package's audit findings."""
    levels: dict[str, Level] = {}
    if vet is not None:
        for pkg in vet.packages:
            levels[pkg.name] = pkg.verdict
    if audit is not None:
        for f in audit.findings:
            levels[f.package] = max(levels.get(f.package, Level.OK), _finding_level(f, audit))
    return levels


def _tree(
    roots: Sequence[str],
    children: Mapping[str, Sequence[str]],
    levels: Mapping[str, Level],
    labels: Mapping[str, str],
    depth_limit: int = 6,
) -> list[h.TreeNode]:
    """Nodes for ``roots``; a package already drawn higher up is shown once, then folded."""

    def build(name: str, seen: frozenset[str], depth: int) -> tuple[h.TreeNode, Level]:
        kids: list[h.TreeNode] = []
        worst = levels.get(name, Level.OK)
        if depth < depth_limit and name not in seen:
            for child in sorted(children.get(name, ())):
                node, level = build(child, seen | {name}, depth + 1)
                kids.append(node)
                worst = max(worst, level)
        own = levels.get(name, Level.OK)
        return (labels.get(name, name), own, kids), worst

    nodes = [build(r, frozenset(), 0) for r in roots]
    nodes.sort(key=lambda item: (-item[1], str(item[0][0])))
    return [node for node, _ in nodes]


def _tree_from_audit(report: AuditReport, levels: Mapping[str, Level]) -> h.Html | None:
    """Paths from the audit (environment findings) as a tree of what is vulnerable."""
    edges: dict[str, set[str]] = {}
    roots: set[str] = set()
    for f in report.findings:
        for path in f.paths or ((f.package,),):
            roots.add(path[0])
            for parent, child in itertools.pairwise(path):
                edges.setdefault(parent, set()).add(child)
    if not roots:
        return None
    return h.tree(_tree(sorted(roots), {k: sorted(v) for k, v in edges.items()}, levels, {}))


def render_audit_html(report: AuditReport) -> str:
    from pipwarden.report.audit import headline as audit_headline

    mark, headline = audit_headline(report)
    ok = mark != "✗"
    levels = _levels(report, None)
    tree = _tree_from_audit(report, levels)
    sections = _audit_sections(report)
    if tree is not None:
        sections.append(h.section("Where the vulnerable packages come from", tree))
    worst = max(levels.values(), default=Level.OK)
    level = worst if not ok else (Level.UNKNOWN if mark in ("?", "·") else Level.OK)
    return h.page("pipwarden audit", headline, sections, level=level)


def _vet_table(
    report: VetReport,
    levels: Mapping[str, Level] | None = None,
    audit: AuditReport | None = None,
) -> h.Html:
    """The risk table; with ``levels`` (and the ``audit`` that raised them) each package
    shows the level the page's tree shows, and its known vulnerabilities as a reason."""
    vulnerable: dict[str, list[str]] = {}
    for f in audit.findings if audit is not None else ():
        vulnerable.setdefault(f.package, []).append(f.id)
    rows = []
    for pkg in report.packages:
        why = list(pkg.reasons)
        if pkg.name in vulnerable:
            ids = sorted(set(vulnerable[pkg.name]))
            why.append(f"known vulnerabilities: {', '.join(ids)} (see Vulnerabilities)")
        reasons = h.bullets(why) if why else ""
        level = levels.get(pkg.name, pkg.verdict) if levels is not None else pkg.verdict
        rows.append(
            [
                pkg.display_name,
                pkg.version or "",
                h.badge(level),
                reasons,
                " → ".join(pkg.via) if pkg.via else "direct",
            ]
        )
    return h.table(["package", "version", "verdict", "why", "brought by"], rows)


def _vet_signals(report: VetReport) -> list[h.Html]:
    out = []
    for pkg in report.packages:
        if pkg.verdict < Level.WARN:
            continue
        rows = [[s.id, h.badge(s.level), s.message] for s in pkg.signals]
        out.append(
            h.section(
                f"{pkg.display_name}: every signal",
                h.table(["signal", "level", "what it means"], rows),
            )
        )
    return out


def render_vet_html(report: VetReport) -> str:
    worst = report.worst
    flagged = sum(1 for p in report.packages if p.verdict >= Level.WARN)
    verdict = (
        f"{flagged} of {len(report.packages)} packages need a closer look"
        if flagged
        else f"{len(report.packages)} packages, none raises a warning"
    )
    children: dict[str, list[str]] = {}
    roots = []
    for pkg in report.packages:
        if pkg.via:
            children.setdefault(pkg.via[-1], []).append(pkg.name)
        else:
            roots.append(pkg.name)
    levels = _levels(None, report)
    labels = {p.name: p.display_name for p in report.packages}
    sections = [
        h.section("Packages", _vet_table(report), count=len(report.packages)),
        h.section("Dependency tree", h.tree(_tree(roots, children, levels, labels))),
        *_vet_signals(report),
    ]
    return h.page("pipwarden vet", verdict, sections, level=worst)


def _lines(items: Iterable[object]) -> h.Html | None:
    listed = list(items)
    return h.bullets(listed) if listed else None


def render_check_html(report: CheckReport) -> str:
    problems, warnings = report.counts()
    verdict = (
        f"{problems} problem{'s' if problems != 1 else ''} need action · "
        f"{warnings} warning{'s' if warnings != 1 else ''}"
    )
    sections: list[h.Html] = []
    if report.errors:
        sections.append(
            h.section(
                "Could not check",
                h.bullets(
                    f"{e.part}: {e.message}" + (f" — {e.hint}" if e.hint else "")
                    for e in report.errors
                ),
            )
        )
    levels = _levels(report.audit, report.vet)
    if report.audit is not None:
        sections.extend(_audit_sections(report.audit))
    if report.lint is not None:
        rows = [
            [f.where, f.code, f.message, "yes" if f.fixable else ""] for f in report.lint.findings
        ]
        sections.append(
            h.section(
                "Requirements hygiene",
                h.table(["where", "rule", "message", "--fix"], rows) if rows else None,
                h.paragraph("Fix the safe ones with: pipwarden lint --fix", note=True)
                if rows
                else None,
                count=len(rows),
                empty="Every rule passes.",
            )
        )
    if report.vet is not None:
        sections.append(
            h.section(
                "Dependency risk",
                _vet_table(report.vet, levels, report.audit),
                count=len(report.vet.packages),
            )
        )
    tree = _check_tree(report, levels)
    if tree is not None:
        sections.append(h.section("Dependency tree", tree))
    if report.slim is not None:
        slim = report.slim
        sections.append(
            h.section(
                "Dependencies you may not need",
                _lines(
                    [f"{u.dependency.raw_name}: declared but never used" for u in slim.unused]
                    + [f"{u.distribution}: imported but not declared" for u in slim.undeclared]
                    + [
                        f"{s.dependency.raw_name}: the standard library has "
                        f"{s.alternative.replacement}"
                        for s in slim.stdlib
                    ]
                ),
                empty="Every declared dependency is used.",
            )
        )
    if report.doctor is not None:
        rows = [[c.title, c.status.label, c.detail, c.fix] for c in report.doctor.checks]
        sections.append(
            h.section("Environment", h.table(["check", "status", "detail", "fix"], rows))
        )
    worst = Level.RISK if problems else (Level.WARN if warnings else Level.OK)
    unread = report.unread
    from pipwarden.report.check import verdict as check_verdict

    mark, headline = check_verdict(report)
    if worst is Level.OK and mark == "·":
        verdict += f" · {headline.removeprefix('no problems; ')}"
        worst = Level.UNKNOWN  # never ✓ over something not read
    if unread:
        verdict += f" · {len(unread)} not checked"
        if not problems:
            worst = Level.UNKNOWN
        if report.audit is None:
            sections.insert(
                0,
                h.section(
                    "Not checked",
                    h.bullets(f"? {n.what}: {n.reason} — next: {n.next}" for n in unread),
                ),
            )
    return h.page(
        f"pipwarden check — {report.name}",
        verdict,
        sections,
        level=worst,
        subtitle=", ".join(report.inputs),
    )


def _check_tree(report: CheckReport, levels: Mapping[str, Level]) -> h.Html | None:
    """The installed tree when there is a venv, else the direct requirements."""
    if report.venv is not None:
        from pipwarden.sources.environment import read_environment
        from pipwarden.sources.graph import DependencyGraph

        env = read_environment(Path(report.venv))
        # the extras the project asks for, as slim's graph follows them
        extras: dict[str, set[str]] = {}
        for dep in report.slim.declared if report.slim is not None else ():
            extras.setdefault(dep.name, set()).update(dep.extras)
        graph = DependencyGraph.from_environment(env, extras_of=extras)
        children = {name: sorted(kids) for name, kids in graph.edges.items()}
        labels = {p.name: f"{p.display_name} {p.version}" for p in env.packages}
        return h.tree(_tree(sorted(graph.roots), children, levels, labels))
    if report.vet is not None:
        roots = [p.name for p in report.vet.packages]
        labels = {p.name: p.display_name for p in report.vet.packages}
        return h.tree(_tree(roots, {}, levels, labels))
    return None
