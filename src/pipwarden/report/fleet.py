"""Render a :class:`~pipwarden.fleet.FleetReport` as text, JSON, Markdown or HTML.

JSON schema ``pipwarden.fleet/1``::

    {"schema": "pipwarden.fleet/1", "roots": [...], "verdict": "...", "level": "warn",
     "projects": [{"name", "root", "files", "dependencies": {name: spec},
                   "lint_findings": int|null, "audit_findings": int|null, "errors": [...],
                   "not_checked": [{"what", "where", "line", "reason", "next", "accepted",
                                    "blocking"}]}],
     "status": "clean"|"findings"|"not_checked",
     "packages": [...],                      # most used first
     "matrix": {package: {project: spec}},   # "*" = declared without a version
     "divergences": [{"package", "uses": [{"project", "spec"}], "suggested_floor",
                      "suggestion", "no_safe_version"}],   # never a vulnerable floor
     "single_uses": [{"package", "project", "spec"}],
     "overlaps": [{"category", "job", "uses": [{"package", "projects"}], "preferred"}],
     "skipped": [...]}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pipwarden.advice import NO_SAFE_VERSION
from pipwarden.fleet import Divergence, FleetProject, FleetReport, package_level
from pipwarden.models import Level
from pipwarden.report import html as h
from pipwarden.report.audit import not_checked_dict
from pipwarden.report.output import Style, json_text, md_code, md_text, plural

__all__ = [
    "JSON_SCHEMA",
    "render",
    "render_html",
    "render_json",
    "render_markdown",
    "render_text",
    "to_dict",
    "verdict",
]

JSON_SCHEMA = "pipwarden.fleet/1"
TEXT_MATRIX_MAX_PROJECTS = 8



def _count(value: int | None) -> str:
    return "n/a" if value is None else str(value)


def _audit_cell(project: FleetProject) -> str:
    """The audit count, or ``?`` when a dependency file of the project was not read."""
    return "?" if project.unread else _count(project.audit_findings)


def status(report: FleetReport) -> str:
    """``findings`` (anything that makes the exit code 1 or 2), ``not_checked``, ``clean``."""
    if report.level > Level.UNKNOWN:
        return "findings"
    return "not_checked" if report.unread else "clean"


def verdict(report: FleetReport) -> str:
    """The one line at the top: is the fleet consistent, and what is wrong."""
    parts: list[str] = []
    if report.divergences:
        parts.append(plural(len(report.divergences), "divergent package"))
    if report.overlaps:
        parts.append(plural(len(report.overlaps), "job done by different libraries",
                             "jobs done by different libraries"))
    if report.single_uses:
        parts.append(plural(len(report.single_uses), "single-use package"))
    parts.append(f"lint: {_count(report.lint_total)}")
    parts.append(f"audit: {_count(report.audit_total)}")
    if report.errors:
        parts.append(plural(len(report.errors), "unreadable file"))
    if report.unread:
        parts.append(f"{len(report.unread)} not checked")
    accepted = sum(1 for p in report.projects for n in p.not_checked if n.by_policy)
    if accepted:
        parts.append(f"{accepted} not read (accepted by the policy)")
    if not (report.divergences or report.overlaps):
        parts.insert(0, "same dependencies everywhere")
    return " · ".join(parts)


def _heading(report: FleetReport) -> str:
    roots = ", ".join(report.roots)
    return (
        f"pipwarden fleet — {plural(len(report.projects), 'project')} under {roots} "
        f"({plural(len(report.packages), 'package')})"
    )


def to_dict(report: FleetReport) -> dict[str, Any]:
    return {
        "schema": JSON_SCHEMA,
        "roots": list(report.roots),
        "verdict": verdict(report),
        "level": report.level.label,
        "status": status(report),
        "projects": [
            {
                "name": p.name,
                "root": p.root,
                "files": list(p.files),
                "dependencies": {d.name: d.spec or "*" for d in p.declarations},
                "lint_findings": p.lint_findings,
                "audit_findings": p.audit_findings,
                "errors": list(p.errors),
                "not_checked": [not_checked_dict(n) for n in p.not_checked],
            }
            for p in report.projects
        ],
        "packages": list(report.packages),
        "matrix": {
            package: {
                p.name: cell
                for p in report.projects
                if (cell := report.cell(p, package)) is not None
            }
            for package in report.packages
        },
        "divergences": [
            {
                "package": d.package,
                "uses": [{"project": p, "spec": s} for p, s in d.uses],
                "suggested_floor": d.suggested_floor,
                "suggestion": d.suggestion,
                "no_safe_version": d.no_safe_version,
            }
            for d in report.divergences
        ],
        "single_uses": [
            {"package": s.package, "project": s.project, "spec": s.spec or "*"}
            for s in report.single_uses
        ],
        "overlaps": [
            {
                "category": o.category,
                "job": o.job,
                "uses": [{"package": n, "projects": list(ps)} for n, ps in o.uses],
                "preferred": o.preferred,
            }
            for o in report.overlaps
        ],
        "skipped": list(report.skipped),
    }


def render_json(report: FleetReport) -> str:
    return json_text(to_dict(report))


def _group_uses(uses: tuple[tuple[str, str], ...]) -> list[tuple[str, list[str]]]:
    grouped: dict[str, list[str]] = {}
    for project, spec in uses:
        grouped.setdefault(spec, []).append(project)
    return sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0]))


def _names(projects: list[str] | tuple[str, ...], limit: int = 4) -> str:
    shown = ", ".join(projects[:limit])
    more = len(projects) - limit
    return f"{shown} +{more} more" if more > 0 else shown


def render_text(report: FleetReport, style: Style | None = None) -> str:
    """The terminal report: is it OK, what is wrong, what to type next."""
    s = style or Style(False)
    level = report.level
    if level is Level.OK and any(n.by_policy for p in report.projects for n in p.not_checked):
        mark = "· "  # clean by the policy, but not everything was read: no ✓
    elif level is Level.OK:
        mark = s("✓ ", "green")
    elif level is Level.UNKNOWN:
        mark = s("? ", "yellow")
    else:
        mark = s("✗ ", "red" if level is Level.RISK else "yellow")
    lines = [s(_heading(report), "bold"), mark + verdict(report)]

    if report.divergences:
        lines += ["", s("Divergence (one package, different floors or pins)", "bold")]
        width = max(len(d.package) for d in report.divergences)
        for d in report.divergences:
            groups = " · ".join(f"{spec} ({_names(ps)})" for spec, ps in _group_uses(d.uses))
            lines.append(f"  {d.package:<{width}}  {groups}")
            if d.suggestion:
                lines.append(f"  {'':<{width}}  → consolidate on {s(d.suggestion, 'bold')}")
            elif d.no_safe_version:
                lines.append(f"  {'':<{width}}  → {NO_SAFE_VERSION}: look for an alternative")
    if report.overlaps:
        lines += ["", s("Same job, different libraries", "bold")]
        for o in report.overlaps:
            used = " · ".join(f"{n} ({_names(ps)})" for n, ps in o.uses)
            lines.append(f"  {o.job}: {used}")
            lines.append(f"    → pick one; {o.preferred} is used by the most projects")
    if report.single_uses:
        lines += ["", s("Used by one project only", "bold")]
        width = max(len(u.package) for u in report.single_uses)
        for u in report.single_uses:
            lines.append(f"  {u.package:<{width}}  {u.project}  {s(u.spec or '*', 'dim')}")

    lines += ["", s("Projects", "bold")]
    width = max([len("project"), *(len(p.name) for p in report.projects)])
    lines.append(s(f"  {'project':<{width}}  {'deps':>4}  {'lint':>4}  {'audit':>5}", "dim"))
    for p in report.projects:
        lines.append(
            f"  {p.name:<{width}}  {len(p.declarations):>4}  {_count(p.lint_findings):>4}  "
            f"{_audit_cell(p):>5}"
        )
        for error in p.errors:
            lines.append(f"    {s('✗', 'red')} {error}")
        for item in p.not_checked:
            if item.blocking:
                lines.append(f"    {s('?', 'yellow')} {item.what}: {item.reason}")
                lines.append(f"        → {item.next}")
            else:
                lines.append(f"    · {item.what}: not read (accepted: {item.accepted})")

    if len(report.projects) <= TEXT_MATRIX_MAX_PROJECTS and report.packages:
        lines += ["", s("Matrix (package × project)", "bold")]
        names = [p.name for p in report.projects]
        cells = {
            pkg: [report.cell(p, pkg) or "" for p in report.projects] for pkg in report.packages
        }
        pw = max(len("package"), *(len(pkg) for pkg in report.packages))
        widths = [
            max(len(n), *(len(cells[pkg][i]) for pkg in report.packages))
            for i, n in enumerate(names)
        ]
        header = "  ".join(f"{n:<{w}}" for n, w in zip(names, widths, strict=True))
        lines.append(s(f"  {'package':<{pw}}  {header}".rstrip(), "dim"))
        for pkg in report.packages:
            row = "  ".join(f"{c or '-':<{w}}" for c, w in zip(cells[pkg], widths, strict=True))
            lines.append(f"  {pkg:<{pw}}  {row}".rstrip())
    elif report.packages:
        lines += ["", s("Matrix: too wide for a terminal; use --format html, markdown or json",
                        "dim")]

    for note in report.skipped:
        lines.append(s(f"  · {note}", "dim"))
    if report.divergences or report.overlaps:
        lines += ["", "→ raise each floor to the suggested one in every project, then "
                  "`pipwarden update` there"]
    return "\n".join(lines)


def _no_target(d: Divergence) -> str:
    return NO_SAFE_VERSION if d.no_safe_version else ""


def _md(text: str) -> str:
    return md_text(text)


def _code(text: str) -> str:
    """A Markdown code span (entities are not decoded there: only ``|`` is escaped)."""
    return md_code(text)


def render_markdown(report: FleetReport) -> str:
    """GitHub-flavoured Markdown (fits ``$GITHUB_STEP_SUMMARY``)."""
    icon = {Level.OK: "✅", Level.RISK: "❌", Level.UNKNOWN: "❔"}.get(report.level, "⚠️")
    out = [f"## {_md(_heading(report))}", "", f"{icon} {_md(verdict(report))}", ""]
    if report.divergences:
        out += ["### Divergence", "", "| package | floors and pins | consolidate on |",
                "|---|---|---|"]
        for d in report.divergences:
            groups = "<br>".join(
                f"{_code(spec)} ({_md(', '.join(ps))})" for spec, ps in _group_uses(d.uses)
            )
            target = _code(d.suggestion) if d.suggestion else _md(_no_target(d))
            out.append(f"| {_md(d.package)} | {groups} | {target} |")
        out.append("")
    if report.overlaps:
        out += ["### Same job, different libraries", "", "| job | libraries | preferred |",
                "|---|---|---|"]
        for o in report.overlaps:
            used = "<br>".join(f"{_md(n)} ({_md(', '.join(ps))})" for n, ps in o.uses)
            out.append(f"| {_md(o.job)} | {used} | {_md(o.preferred)} |")
        out.append("")
    if report.single_uses:
        out += ["### Used by one project only", "", "| package | project | spec |", "|---|---|---|"]
        out += [
            f"| {_md(u.package)} | {_md(u.project)} | {_code(u.spec or '*')} |"
            for u in report.single_uses
        ]
        out.append("")
    out += ["### Projects", "", "| project | dependencies | lint | audit |", "|---|---:|---:|---:|"]
    out += [
        f"| {_md(p.name)} | {len(p.declarations)} | {_count(p.lint_findings)} | "
        f"{_audit_cell(p)} |"
        for p in report.projects
    ]
    out.append("")
    unread = [(p, n) for p in report.projects for n in p.not_checked]
    if unread:
        out += ["### Not checked", ""]
        for p, n in unread:
            state = f"accepted: {_md(n.accepted)}" if n.accepted else f"next: {_code(n.next)}"
            out.append(f"- ❔ {_md(p.name)}: {_code(n.what)}: {_md(n.reason)} ({state})")
        out.append("")
    if report.packages:
        out += ["<details><summary>Matrix (package × project)</summary>", ""]
        out.append("| package | " + " | ".join(_md(p.name) for p in report.projects) + " |")
        out.append("|---|" + "---|" * len(report.projects))
        for pkg in report.packages:
            cells = [_code(report.cell(p, pkg) or "") for p in report.projects]
            out.append(f"| {_md(pkg)} | " + " | ".join(cells) + " |")
        out += ["", "</details>", ""]
    return "\n".join(out)


def _relative(path: str, root: str) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def render_html(report: FleetReport) -> str:
    """One self-contained page: verdict, divergence, overlaps, single uses, projects, the
    fleet as a tree (project → packages, coloured by how consistent each one is), matrix."""
    sections: list[h.Html] = []
    sections.append(
        h.section(
            "Divergence",
            h.paragraph("One package, different floors or pins across projects.", note=True),
            h.table(
                ["package", "floors and pins", "consolidate on"],
                [
                    [
                        d.package,
                        h.join(
                            (h.join([h.code(spec), " ", ", ".join(ps)])
                             for spec, ps in _group_uses(d.uses)),
                            sep="; ",
                        ),
                        d.suggestion or _no_target(d),
                    ]
                    for d in report.divergences
                ],
            ) if report.divergences else None,
            count=len(report.divergences),
            empty="Every shared package has the same floor everywhere.",
        )
    )
    sections.append(
        h.section(
            "Same job, different libraries",
            h.table(
                ["job", "libraries (projects)", "preferred"],
                [
                    [o.job, "; ".join(f"{n} ({', '.join(ps)})" for n, ps in o.uses), o.preferred]
                    for o in report.overlaps
                ],
            ) if report.overlaps else None,
            count=len(report.overlaps),
            anchor="overlaps",
            empty="No job is done by two different libraries.",
        )
    )
    sections.append(
        h.section(
            "Used by one project only",
            h.table(
                ["package", "project", "spec"],
                [[u.package, u.project, u.spec or "*"] for u in report.single_uses],
            ) if report.single_uses else None,
            count=len(report.single_uses),
            anchor="single-uses",
            empty="Every package is shared by two projects or more.",
        )
    )
    sections.append(
        h.section(
            "Projects",
            h.table(
                ["project", "files", "dependencies", "lint findings", "audit findings", "errors"],
                [
                    [
                        p.name,
                        ", ".join(_relative(f, p.root) for f in p.files),
                        len(p.declarations),
                        p.lint_findings if p.lint_findings is not None else "n/a",
                        _audit_cell(p),
                        "; ".join(
                            [*p.errors, *(f"not checked: {n.what}: {n.next}" for n in p.unread)]
                        )
                        or None,
                    ]
                    for p in report.projects
                ],
                row_header=True,
            ),
            count=len(report.projects),
        )
    )
    levels = {pkg: package_level(report, pkg) for pkg in report.packages}
    nodes: list[h.TreeNode] = []
    for p in report.projects:
        children: list[h.TreeNode] = [
            (f"{d.raw_name} {d.spec}".rstrip(), levels.get(d.name, Level.OK), [])
            for d in p.declarations
        ]
        worst = max((lvl for _, lvl, _ in children), default=Level.OK)
        if p.audit_findings:
            worst = Level.RISK
        nodes.append((f"{p.name} ({len(children)})", worst, children))
    sections.append(
        h.section(
            "Fleet tree",
            h.paragraph(
                "Each project and its declared packages: warning = divergent or overlapping, "
                "info = used by this project only.",
                note=True,
            ),
            h.tree(nodes, open_levels=1 if len(nodes) <= 10 else 0),
            anchor="tree",
        )
    )
    if report.packages:
        sections.append(
            h.section(
                "Matrix (package × project)",
                h.table(
                    ["package", *(p.name for p in report.projects)],
                    [
                        [
                            h.join([pkg, " ", h.badge(levels[pkg])])
                            if levels[pkg] is not Level.OK
                            else pkg,
                            *(report.cell(p, pkg) for p in report.projects),
                        ]
                        for pkg in report.packages
                    ],
                    row_header=True,
                ),
                anchor="matrix",
            )
        )
    if report.skipped:
        sections.append(h.section("Skipped", h.bullets(report.skipped)))
    return h.page(
        "pipwarden fleet",
        verdict(report),
        sections,
        level=report.level,
        subtitle=_heading(report).removeprefix("pipwarden fleet — "),
    )


def render(report: FleetReport, fmt: str, style: Style | None = None) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    return render_text(report, style)
