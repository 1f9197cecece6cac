"""Render a :class:`~pipwarden.vet.VetReport` as text, JSON or Markdown.

JSON (``schema_version`` 1) is the stable interface: one object with ``packages``; each
package has ``name`` and ``signals``; each signal has ``id``, ``level``, ``message`` (and
``target`` for ``typosquat``).
"""

from __future__ import annotations

from typing import Any

from pipwarden.models import Level, Signal
from pipwarden.report.audit import not_checked_dict
from pipwarden.report.output import Style, json_text, md_text
from pipwarden.vet import VERDICT_LABELS, PackageReport, VetReport

__all__ = [
    "SCHEMA_VERSION",
    "WORST_FEW",
    "render",
    "render_json",
    "render_markdown",
    "render_text",
    "to_dict",
]

SCHEMA_VERSION = 1

_MARKS = {
    Level.OK: ("✓", "green"),
    Level.INFO: ("·", "dim"),
    Level.UNKNOWN: ("?", "dim"),
    Level.WARN: ("⚠", "yellow"),
    Level.RISK: ("✗", "red"),
}
# problems first, then what is fine, then neutral facts, then what could not be checked
_ORDER = {Level.RISK: 0, Level.WARN: 1, Level.OK: 2, Level.INFO: 3, Level.UNKNOWN: 4}

_VERDICT_STYLE = {
    Level.RISK: "red",
    Level.WARN: "yellow",
    Level.UNKNOWN: "dim",
    Level.INFO: "green",
    Level.OK: "green",
}


def _signal_dict(signal: Signal) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": signal.id,
        "level": signal.level.label,
        "message": signal.message,
    }
    if signal.target is not None or signal.id == "typosquat":
        out["target"] = signal.target
    out["evidence"] = signal.evidence
    return out


def to_dict(report: VetReport) -> dict[str, Any]:
    """The JSON document (plain dicts and lists)."""
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": "pipwarden vet",
        "offline": report.offline,
        "python": report.python,
        "ranking": report.ranking,
        "vulnerability_data": report.vulnerability_data,
        "worst": report.worst.label,
        "status": report.status,
        "not_checked": [not_checked_dict(n) for n in report.not_checked_items()],
        "packages": [
            {
                "name": p.name,
                "display_name": p.display_name,
                "version": p.version,
                "requirement": p.requirement,
                "latest": p.latest,
                "direct": p.direct,
                "via": list(p.via),
                "location": p.location,
                "verdict": p.verdict.label,
                "verdict_label": p.verdict_label,
                "reasons": list(p.reasons),
                "error": p.error,
                "not_checked": list(p.not_checked),
                "signals": [_signal_dict(s) for s in p.signals],
            }
            for p in report.packages
        ],
    }


def render_json(report: VetReport) -> str:
    return json_text(to_dict(report), default=str)


def _next_step(p: PackageReport) -> str | None:
    typo = p.signal("typosquat")
    if typo is not None and typo.level >= Level.WARN and typo.target:
        return f"did you mean {typo.target}?  pipwarden vet {typo.target}"
    if p.verdict >= Level.RISK:
        return "do not add it; look for an alternative"
    return None


def _package_text(p: PackageReport, style: Style) -> list[str]:
    version = f" {p.version}" if p.version else ""
    if p.requirement and p.version and p.latest and p.version != p.latest:
        version += f" (newest for {p.requirement}; latest {p.latest})"  # what a range chose
    via = f"  (via {', '.join(p.via[:3])})" if p.via else ""
    head = (
        f"{style(p.display_name, 'bold')}{version} — "
        f"{style(p.verdict_label, _VERDICT_STYLE[p.verdict])}{via}"
    )
    lines = [head]
    for s in sorted(p.signals, key=lambda s: _ORDER[s.level]):
        mark, colour = _MARKS[s.level]
        lines.append(f"  {style(mark, colour)} {s.message}")
    step = _next_step(p)
    if step:
        lines.append(f"  → {step}")
    return lines


WORST_FEW = 5  # packages shown in full by ``vet --tree`` (every high-risk one, at least)


def _tree_selection(
    report: VetReport, show_all: bool
) -> tuple[list[PackageReport], list[PackageReport]]:
    """(shown in full, summarised): with ``--tree`` and without ``--all``, every
    high-risk package and then the worst others, up to :data:`WORST_FEW`."""
    packages = list(report.packages)
    if not report.tree or show_all or len(packages) <= WORST_FEW:
        return packages, []
    ranked = sorted(packages, key=lambda p: (-p.verdict, not p.not_checked, not p.direct, p.name))
    shown = [p for p in ranked if p.verdict >= Level.RISK]
    for p in ranked:
        if len(shown) >= WORST_FEW:
            break
        if p.verdict < Level.RISK and (p.verdict >= Level.UNKNOWN or p.not_checked):
            shown.append(p)
    chosen = {id(p) for p in shown}
    return shown, [p for p in ranked if id(p) not in chosen]


def _counts_line(packages: list[PackageReport]) -> str:
    """``3 high risk, 12 some concerns, 90 low risk`` (every verdict that occurs)."""
    counts: dict[str, int] = {}
    for level in (Level.RISK, Level.WARN, Level.UNKNOWN, Level.OK):
        label = VERDICT_LABELS[level]
        counts[label] = sum(
            1 for p in packages
            if VERDICT_LABELS[p.verdict] == label
        )
    return ", ".join(f"{n} {label}" for label, n in counts.items() if n)


def render_text(report: VetReport, *, color: bool = False, show_all: bool = False) -> str:
    style = Style(color)
    lines: list[str] = []
    shown, rest = _tree_selection(report, show_all)
    for p in shown:
        lines.extend(_package_text(p, style))
        lines.append("")
    if rest:
        total = len(report.packages)
        lines.append(f"Tree of {total} packages: {_counts_line(list(report.packages))}.")
        note = f"Shown above: the {len(shown)} worst. Not shown: {len(rest)} more"
        note += f" ({_counts_line(rest)})"
        unchecked_names = [p.display_name for p in rest if p.not_checked]
        if unchecked_names:  # never folded away silently (TRUST §1)
            more = " …" if len(unchecked_names) > 10 else ""
            note += f"; not checked among them: {', '.join(unchecked_names[:10])}{more}"
        lines.append(note + ". Add --all to see each package (--format json has them all).")
        lines.append("")
    risky = sum(1 for p in report.packages if p.verdict >= Level.RISK)
    concerns = sum(1 for p in report.packages if p.verdict == Level.WARN)
    total = len(report.packages)
    summary = f"{total} package{'s' if total != 1 else ''} vetted: "
    summary += f"{risky} high risk, {concerns} with concerns"
    unchecked = sum(1 for p in report.packages if p.not_checked)
    if unchecked:
        summary += f", {unchecked} not checked"
    if report.offline:
        summary += " (offline: cached data only)"
    lines.append(summary)
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return md_text(text)


def render_markdown(report: VetReport) -> str:
    lines = ["## pipwarden vet", ""]
    lines.append("| package | version | verdict | why |")
    lines.append("|---|---|---|---|")
    for p in report.packages:
        why = "; ".join(p.reasons) if p.reasons else "—"
        lines.append(
            f"| {_md_escape(p.display_name)} | {_md_escape(p.version or '?')} | "
            f"{_MARKS[p.verdict][0]} {p.verdict_label} | {_md_escape(why)} |"
        )
    lines.append("")
    for p in report.packages:
        lines.append(f"<details><summary>{_md_escape(p.display_name)}: {p.verdict_label}</summary>")
        lines.append("")
        for s in sorted(p.signals, key=lambda s: _ORDER[s.level]):
            mark = _MARKS[s.level][0]
            lines.append(f"- {mark} **{s.id}** ({s.level.label}): {_md_escape(s.message)}")
        lines.append("")
        lines.append("</details>")
    return "\n".join(lines)


def render(report: VetReport, fmt: str, *, color: bool = False, show_all: bool = False) -> str:
    """Dispatch on ``fmt`` (``text``, ``json``, ``markdown``); ``show_all`` lifts the
    text summary of ``--tree`` (JSON and Markdown always hold every package)."""
    if fmt == "json":
        return render_json(report)
    if fmt == "markdown":
        return render_markdown(report)
    return render_text(report, color=color, show_all=show_all)
