"""Render a :class:`~pipwarden.slim.SlimReport` as text, JSON or Markdown."""

from __future__ import annotations

from typing import Any

from pipwarden.models import Location
from pipwarden.report.output import Style, json_text, md_text, plural
from pipwarden.slim import SlimReport

__all__ = ["JSON_SCHEMA", "render", "render_json", "render_markdown", "render_text", "to_dict"]

JSON_SCHEMA = "pipwarden.slim/1"



def _where(locations: tuple[Location, ...], limit: int = 3) -> str:
    shown = ", ".join(str(loc) for loc in locations[:limit])
    more = len(locations) - limit
    return f"{shown} (+{more} more)" if more > 0 else shown


def _summary(report: SlimReport) -> tuple[bool, str]:
    parts: list[str] = []
    if report.unused:
        parts.append(f"{plural(len(report.unused), 'unused dependency', 'unused dependencies')}")
    if report.undeclared:
        parts.append(f"{plural(len(report.undeclared), 'undeclared import')}")
    if report.stdlib:
        parts.append(plural(len(report.stdlib), "stdlib alternative"))
    if report.overlaps:
        parts.append(plural(len(report.overlaps), "overlap"))
    if report.problems:
        parts.append(plural(len(report.problems), "file") + " not checked")
    ok = not (report.unused or report.undeclared or report.problems)
    if not parts and not report.declared:
        return True, "no declared dependencies found (requirements*.txt, pyproject.toml)"
    if not parts:
        return True, "every declared dependency is used; nothing to slim"
    return ok, " · ".join(parts)


def _heading(report: SlimReport) -> str:
    files = ", ".join(report.declared_files) or "no requirements found"
    env = (
        f"{report.environment}: {report.environment_packages} packages"
        if report.environment
        else "no environment"
    )
    python = ""
    if report.min_python:
        python = f"; Python ≥ {report.min_python[0]}.{report.min_python[1]}"
    return f"pipwarden slim — {report.project} ({files}; {env}{python})"


def render_text(report: SlimReport, style: Style | None = None) -> str:
    """The terminal report: is it OK, what is wrong, what to type next."""
    s = style or Style(False)
    ok, summary = _summary(report)
    lines = [s(_heading(report), "bold")]
    if ok and not report.declared:  # nothing declared was read: no ✓
        lines.append("· " + summary)
    else:
        lines.append(s("✓ ", "green") + summary if ok else s("✗ ", "red") + summary)

    if report.unused:
        lines += ["", s("Declared but never imported or called", "bold")]
        width = max(len(u.dependency.raw_name) for u in report.unused)
        for u in report.unused:
            note = f"   {s(u.note, 'dim')}" if u.note else ""
            lines.append(f"  {u.dependency.raw_name:<{width}}  {u.dependency.location}{note}")
        lines.append("  → remove these lines, then recreate the venv (or pip uninstall them)")
    if report.undeclared:
        lines += ["", s("Imported but not declared (works only by accident)", "bold")]
        width = max(len(i.distribution) for i in report.undeclared)
        for i in report.undeclared:
            via = f"   via {', '.join(i.via)}" if i.via else ""
            missing = "   not installed" if i.installed is False else ""
            lines.append(f"  {i.distribution:<{width}}  {_where(i.locations)}{via}{missing}")
        first = report.undeclared[0].distribution
        lines.append(f"  → declare each one, e.g. pipwarden add {first}")
    if report.tools:
        lines += ["", s("Used as tools, not imported (kept)", "bold")]
        width = max(len(t.dependency.raw_name) for t in report.tools)
        for t in report.tools:
            how = (
                f"{', '.join(t.commands)} — {_where(t.locations)}"
                if t.commands
                else t.reason
            )
            lines.append(f"  {s('✓', 'green')} {t.dependency.raw_name:<{width}}  {how}")
    if report.stdlib:
        lines += ["", s("Standard-library alternatives", "bold")]
        width = max(len(f.dependency.raw_name) for f in report.stdlib)
        for f in report.stdlib:
            alt = f.alternative
            note = f" — {alt.note}" if alt.note else ""
            lines.append(
                f"  {f.dependency.raw_name:<{width}}  → {alt.replacement} "
                f"({alt.min_python_text}+, {alt.kind}){note}"
            )
    if report.overlaps:
        lines += ["", s("Direct dependencies doing the same job", "bold")]
        for o in report.overlaps:
            lines.append(f"  {o.job}: {', '.join(o.names)} — keeping one drops the others")
    lines += ["", s("Subtree weight", "bold")]
    if report.weights and report.weight_note:
        lines.append(f"  {s(report.weight_note, 'dim')}")
    if report.weights:
        specs = {d.name: d.text.split("#")[0].strip() for d in report.declared}
        heavy = sorted(report.weights, key=lambda w: (-len(w.only_through), -len(w.brings)))
        width = max(len(specs.get(w.name, w.name)) for w in heavy)
        for w in heavy:
            label = specs.get(w.name, w.name)
            if not w.installed:
                where = (
                    f"not installed in {report.environment}"
                    if report.environment
                    else "no metadata found"
                )
                lines.append(f"  {label:<{width}}  {where}")
                continue
            lines.append(
                f"  {label:<{width}}  brings {plural(len(w.brings), 'package')}, "
                f"{len(w.only_through)} only through it"
            )
    else:
        lines.append(f"  {report.weight_note or 'unknown'}")
    if report.partial:
        lines += ["", s("Partly analysed (did not parse; imports found line by line)", "bold")]
        lines += [f"  · {p}" for p in report.partial]
    if report.problems:
        lines += ["", s("Not checked", "bold")]
        lines += [f"  {s('?', 'yellow')} {p}" for p in report.problems]
        lines.append(
            "  → the rest of the project was analysed; fix or remove these files and run "
            "pipwarden slim again"
        )
    return "\n".join(lines) + "\n"


def _loc(location: Location) -> dict[str, Any]:
    return {"path": location.path, "line": location.line, "column": location.column}


def to_dict(report: SlimReport) -> dict[str, Any]:
    """A JSON-ready dict (schema ``pipwarden.slim/1``)."""
    return {
        "schema": JSON_SCHEMA,
        "project": report.project,
        "declared_files": list(report.declared_files),
        "requires_python": report.requires_python,
        "min_python": (
            f"{report.min_python[0]}.{report.min_python[1]}" if report.min_python else None
        ),
        "environment": report.environment,
        "environment_packages": report.environment_packages,
        "files_scanned": list(report.files_scanned),
        "declared": [
            {"name": d.name, "requirement": d.text, "location": _loc(d.location)}
            for d in report.declared
        ],
        "unused": [
            {"name": u.dependency.name, "location": _loc(u.dependency.location), "note": u.note}
            for u in report.unused
        ],
        "undeclared": [
            {
                "name": u.distribution,
                "modules": list(u.modules),
                "locations": [_loc(loc) for loc in u.locations],
                "via": list(u.via),
                "installed": u.installed,
            }
            for u in report.undeclared
        ],
        "tools": [
            {
                "name": t.dependency.name,
                "commands": list(t.commands),
                "locations": [_loc(loc) for loc in t.locations],
                "reason": t.reason,
            }
            for t in report.tools
        ],
        "stdlib_alternatives": [
            {
                "name": f.dependency.name,
                "replacement": f.alternative.replacement,
                "min_python": f.alternative.min_python_text,
                "kind": f.alternative.kind,
                "note": f.alternative.note,
            }
            for f in report.stdlib
        ],
        "overlaps": [
            {"category": o.category, "job": o.job, "names": list(o.names)} for o in report.overlaps
        ],
        "subtree_weight": {
            "note": report.weight_note,
            "dependencies": [
                {
                    "name": w.name,
                    "installed": w.installed,
                    "brings": list(w.brings),
                    "only_through": list(w.only_through),
                }
                for w in report.weights
            ],
        },
        "problems": [
            {"path": p.path, "line": p.line, "message": p.message} for p in report.problems
        ],
        "partial": [
            {"path": p.path, "line": p.line, "message": p.message} for p in report.partial
        ],
        "exit_code": report.exit_code,
    }


def render_json(report: SlimReport) -> str:
    return json_text(to_dict(report))


def _md_escape(text: str) -> str:
    return md_text(text)


def render_markdown(report: SlimReport) -> str:
    ok, summary = _summary(report)
    out = [f"## {_md_escape(_heading(report))}", "", f"{'✅' if ok else '❌'} {summary}", ""]

    def table(title: str, header: list[str], rows: list[list[str]]) -> None:
        if not rows:
            return
        out.extend([f"### {title}", "", "| " + " | ".join(header) + " |",
                    "|" + "---|" * len(header)])
        out.extend("| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows)
        out.append("")

    table("Declared but never imported or called", ["dependency", "declared at", "note"],
          [[u.dependency.raw_name, str(u.dependency.location), u.note or ""]
           for u in report.unused])
    table("Imported but not declared", ["package", "imported at", "pulled in by"],
          [[u.distribution, _where(u.locations), ", ".join(u.via)] for u in report.undeclared])
    table("Used as tools", ["dependency", "commands", "where"],
          [[t.dependency.raw_name, ", ".join(t.commands) or t.reason, _where(t.locations)]
           for t in report.tools])
    table("Standard-library alternatives", ["dependency", "alternative", "from Python", "note"],
          [[f.dependency.raw_name, f.alternative.replacement, f.alternative.min_python_text,
            f.alternative.note] for f in report.stdlib])
    table("Overlapping dependencies", ["job", "dependencies"],
          [[o.job, ", ".join(o.names)] for o in report.overlaps])
    table("Subtree weight", ["dependency", "brings", "only through it"],
          [[w.name, str(len(w.brings)), str(len(w.only_through))] for w in report.weights])
    if not report.weights:
        out.extend([f"Subtree weight: {report.weight_note or 'unknown'}", ""])
    table("Partly analysed (imports found line by line)", ["file", "why"],
          [[f"{p.path}:{p.line}" if p.line else p.path, p.message] for p in report.partial])
    table("Not checked", ["file", "problem"],
          [[f"{p.path}:{p.line}" if p.line else p.path, p.message] for p in report.problems])
    return "\n".join(out).rstrip() + "\n"


def render(report: SlimReport, fmt: str, style: Style | None = None) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, style)
