"""``pipwarden vet``: assess packages before (or after) depending on them."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipwarden.checks import VetThresholds
from pipwarden.commands import outputs, settings_from_args, use_color
from pipwarden.errors import UsageError
from pipwarden.policy import IgnoreEntry
from pipwarden.report.output import write_report

__all__ = ["parse_python", "run", "vet_policy"]


def vet_policy(project: Path | None = None) -> tuple[VetThresholds, tuple[IgnoreEntry, ...]]:
    """The project's ``[vet]`` thresholds and its (expiring) advisory ignores."""
    from pipwarden.policy import load_policy

    policy = load_policy(project if project is not None else Path.cwd())
    return VetThresholds.from_policy(policy.vet, policy.source), policy.ignores


def parse_python(text: str | None) -> tuple[int, int] | None:
    """``"3.12"`` → ``(3, 12)``; ``None`` stays ``None``."""
    if text is None:
        return None
    parts = text.strip().split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise UsageError(f"--python {text!r}: write X.Y, e.g. 3.12")
    return int(parts[0]), int(parts[1])


def run(args: argparse.Namespace) -> int:
    from pipwarden.report.vet import render
    from pipwarden.vet import Vetter, parse_request, requests_from_file

    requests = [parse_request(n, ranges=True) for n in args.names]
    for path in args.requirements:
        requests.extend(requests_from_file(Path(path)))
    if not requests:
        raise UsageError("nothing to vet: give package names or -r requirements.txt")
    settings = settings_from_args(args)
    thresholds, ignores = vet_policy()
    vetter = Vetter(
        settings, python=parse_python(args.python), thresholds=thresholds, ignores=ignores
    )
    report = vetter.vet(requests, tree=args.tree)
    for fmt, output in outputs(args):
        if fmt == "html":
            from pipwarden.report.html_pages import render_vet_html

            write_report(render_vet_html(report), output)
        else:
            text = render(
                report, fmt, color=use_color(args, output),
                show_all=bool(getattr(args, "show_all", False)),
            )
            write_report(text, output)
    return report.exit_code()
