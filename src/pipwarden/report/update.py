"""Render an :class:`~pipwarden.update.UpdateReport` as text, JSON or markdown.

JSON schema (``"schema": 1``): ``project``, ``venv``, ``started_at``, ``sources``,
``dry_run``, ``created``, ``rebuilt``, ``pip_version``, ``upgraded``/``downgraded``/
``added``/``removed``/``no_longer_needed`` (lists of ``{name, old, new, major,
release_notes, via, vetted, verdict, concerns}``; for a package new in the tree,
``verdict`` is vet's level (``risk``, ``warn``, ``unknown``, ``info``, ``ok``, null when
it could not be vetted) and ``concerns`` the signals behind it, worst first, each
``{signal, level, message}``), ``held_back`` (``{name, installed, available, capper,
specifier, reason}``), ``yanked``, ``ownership``, ``cooldown``, ``audit``, ``hooks``,
``log``, ``previous_run``, ``pypi_reachable``, ``packages``, ``notes``,
``project_index_options`` (index options pip took from the project's requirement files,
``"file:line: --option value"`` with credentials masked), ``exit_code``. A hook is
``{command, ran, exit_code}``; ``ran`` is false (and ``exit_code`` null) for a hook from
the project's config that was not run because ``--run-hooks`` was not given. ``audit.ran``
false with a non-zero ``audit.exit_code`` means "not checked": the update fails with it.

Text and markdown name each new package's concerns on its line (the signal and vet's
sentence, shortened). More than :data:`LIST_NEW_UP_TO` new packages are summarised: counts
by verdict and the :data:`WORST_SHOWN` worst, unless ``list_all`` (``--all``); JSON always
holds every one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pipwarden.redact import redact_text
from pipwarden.report.output import json_text, md_text
from pipwarden.update import Change, HookResult, UpdateReport, display_text

__all__ = ["LIST_NEW_UP_TO", "WORST_SHOWN", "render", "to_json"]

#: up to this many packages new in the tree are listed one by one; more are summarised
LIST_NEW_UP_TO = 10
#: a summary lists this many of the worst new packages
WORST_SHOWN = 5
#: how each verdict is counted in the summary, worst first (``None``: not vetted)
_VERDICTS: tuple[tuple[str | None, str], ...] = (
    ("risk", "high risk"), ("warn", "some concerns"), (None, "not vetted"),
    ("unknown", "some facts unknown"), ("info", "low risk"), ("ok", "low risk"),
)
_RANK = {verdict: rank for rank, (verdict, _) in enumerate(_VERDICTS)}
#: a concern's sentence is cut to this many characters on the package's line, and at its
#: first colon when what comes before has at least _HEAD_CHARS
_EVIDENCE_CHARS = 70
_HEAD_CHARS = 15


def _change(c: Change) -> dict[str, Any]:
    return {
        "name": c.display_name,
        "old": c.old,
        "new": c.new,
        "major": c.major,
        "release_notes": c.notes_url,
        "via": list(c.via),
        "vetted": c.vetted,
        "verdict": c.verdict,
        "concerns": [{"signal": k.signal, "level": k.level, "message": k.message}
                     for k in c.concerns],
    }


def to_json(report: UpdateReport) -> dict[str, Any]:
    cooldown = None
    if report.cooldown is not None:
        cd = report.cooldown
        cooldown = {
            "days": cd.days,
            "cutoff": cd.cutoff.isoformat(),
            "method": cd.method,
            "excluded": [{"name": n, "version": v} for n, v in cd.excluded],
            "too_new": [{"name": n, "version": v, "uploaded": w.isoformat()}
                        for n, v, w in cd.too_new],
            "unknown": list(cd.unknown),
        }
    audit = None
    if report.audit is not None:
        audit = {
            "ran": report.audit.ran,
            "reason": report.audit.reason,
            "packages": report.audit.packages,
            "vulnerabilities": report.audit.vulnerabilities,
            "exit_code": report.audit.exit_code,
        }
    return {
        "schema": 1,
        "project": report.project,
        "venv": report.venv,
        "started_at": report.started_at.isoformat(),
        "sources": list(report.sources),
        "dry_run": report.dry_run,
        "created": report.created,
        "rebuilt": report.rebuilt,
        "pip_version": report.pip_version,
        "upgraded": [_change(c) for c in report.upgraded],
        "downgraded": [_change(c) for c in report.downgraded],
        "added": [_change(c) for c in report.added],
        "removed": [_change(c) for c in report.removed],
        "no_longer_needed": [_change(c) for c in report.orphaned],
        "held_back": [
            {"name": h.display_name, "installed": h.installed, "available": h.available,
             "capper": h.capper, "specifier": h.specifier, "reason": h.reason}
            for h in report.held_back
        ],
        "yanked": [{"name": y.name, "version": y.version, "reason": y.reason}
                   for y in report.yanked],
        "ownership": [{"name": o.name, "added": list(o.added), "removed": list(o.removed)}
                      for o in report.ownership],
        "cooldown": cooldown,
        "audit": audit,
        "hooks": [{"command": redact_text(h.command), "ran": h.ran, "exit_code": h.returncode}
                  for h in report.hooks],
        "log": report.log_path,
        "previous_run": report.previous_run.isoformat() if report.previous_run else None,
        "pypi_reachable": report.pypi_reachable,
        "packages": report.package_count,
        "notes": list(report.notes),
        "project_index_options": list(report.project_index_options),
        "exit_code": report.exit_code,
    }


def _hook_line(hook: HookResult, command: str) -> str:
    if not hook.ran:
        return f"· after: not run (pass --run-hooks to run: {command})"
    mark = "✓" if hook.returncode == 0 else f"✗ (exit {hook.returncode})"
    return f"{mark} after: {command}"


def _held_line(h: Any) -> str:
    if h.reason == "cap":
        return (f"{h.display_name} {h.installed} held back: {h.available} exists, "
                f"{h.capper} caps it at {h.specifier}")
    if h.reason == "cooldown":
        return (f"{h.display_name} {h.installed} held back: {h.available} is newer than the "
                "cooldown")
    return f"{h.display_name} {h.installed}: {h.available} exists but was not taken (see log)"


def _evidence(message: str) -> str:
    """vet's sentence in short: its first clause (up to ``;``, or up to ``:`` when what
    comes before says enough: "Only 1 maintainer (eve)", not "New package"), bounded."""
    short = message.split("; ", 1)[0].strip().rstrip(".")
    head, colon, _ = short.partition(": ")
    if colon and len(head) >= _HEAD_CHARS:
        short = head
    return short if len(short) <= _EVIDENCE_CHARS else short[: _EVIDENCE_CHARS - 1] + "…"


def _concerns_text(change: Change) -> str:
    """``signal: evidence; …`` for the risk and warn signals, then the unknown ones and
    the ones not checked by name."""
    named = [f"{k.signal}: {_evidence(k.message)}" for k in change.concerns
             if k.level in ("risk", "warn")]
    unknown = [k.signal for k in change.concerns if k.level == "unknown"]
    skipped = [k.signal for k in change.concerns if k.level == "not checked"]
    if unknown:
        named.append("unknown: " + ", ".join(unknown))
    if skipped:
        named.append("not checked: " + ", ".join(skipped))
    return "; ".join(named)


def _worst_first(change: Change) -> tuple[int, int, str]:
    serious = sum(1 for k in change.concerns if k.level in ("risk", "warn"))
    return _RANK.get(change.verdict, _RANK[None]), -serious, change.name


def _added_lines(report: UpdateReport, bullet: str, code: Callable[[str], str],
                 list_all: bool, *, md: bool = False) -> list[str]:
    """One line per new package with its concerns; a summary when there are many. The
    concerns quote PyPI data (names of maintainers): HTML is escaped in markdown."""
    added = list(report.added)
    shown = added
    out: list[str] = []
    if len(added) > LIST_NEW_UP_TO and not list_all:
        counts: dict[str, int] = {}
        for change in added:
            label = dict(_VERDICTS).get(change.verdict, "not vetted")
            counts[label] = counts.get(label, 0) + 1
        order = list(dict.fromkeys(label for _, label in _VERDICTS))
        parts = [f"{counts[label]} {label}" for label in order if counts.get(label)]
        shown = sorted(added, key=_worst_first)[:WORST_SHOWN]
        out.append(f"{bullet}+ {len(added)} packages new in your tree: " + ", ".join(parts)
                   + f"; the {len(shown)} worst:")
    for c in shown:
        where = f" (via {' → '.join(c.via)})" if c.via else ""
        extra = f" · {c.vetted}" if c.vetted else ""
        concerns = _concerns_text(c)
        if concerns:
            extra += f" — {md_text(concerns) if md else concerns}"
        out.append(f"{bullet}+ {code(c.display_name)} {c.new}    new in your tree{where}{extra}")
    if len(shown) < len(added):
        out.append(f"{bullet}· {len(added) - len(shown)} more new packages not listed: "
                   "--all lists every one (the JSON report always has them all)")
    return out


def _lines(report: UpdateReport, md: bool, list_all: bool = False) -> list[str]:
    verb = "Would upgrade" if report.dry_run else ("Rebuilt" if report.rebuilt else
                                                    ("Created" if report.created else "Upgraded"))
    venv_name = report.venv.rsplit("/", 1)[-1]
    when = report.started_at.astimezone().strftime("%Y-%m-%d %H:%M")
    head = f"{verb} {venv_name} from {' + '.join(report.sources)} (eager) — {when}"
    if report.cooldown is not None:
        days = report.cooldown.days
        head += f", cooldown {days:g} day{'s' if days != 1 else ''}"
    out = [f"## {head}" if md else head, ""] if md else [head]
    bullet = "- " if md else "  "

    def code(text: str) -> str:
        return f"`{text}`" if md else text

    for c in report.upgraded:
        line = f"{bullet}↑ {code(c.display_name)} {c.old} → {c.new}"
        if c.major:
            line += "    MAJOR: may break"
            if c.notes_url:
                line += f" · release notes: {c.notes_url}"
        out.append(line)
    for c in report.downgraded:
        out.append(f"{bullet}↓ {code(c.display_name)} {c.old} → {c.new}")
    out.extend(_added_lines(report, bullet, code, list_all, md=md))
    for c in report.removed:
        out.append(f"{bullet}− {code(c.display_name)} {c.old}    removed")
    for c in report.orphaned:
        out.append(f"{bullet}− {code(c.display_name)} {c.old}    no longer needed "
                   "(still installed)")
    if not (report.upgraded or report.downgraded or report.added or report.removed):
        out.append(f"{bullet}nothing changed" + (" (would change nothing)"
                                                 if report.dry_run else ""))
    for h in report.held_back:
        out.append(f"{bullet}⏸ {_held_line(h)}")
    for y in report.yanked:
        why = f": {y.reason}" if y.reason else ""
        out.append(f"{bullet}⚠ {code(y.name)} {y.version} is YANKED on PyPI{why}")
    for o in report.ownership:
        parts = []
        if o.added:
            parts.append("new maintainer(s) " + ", ".join(o.added))
        if o.removed:
            parts.append("gone: " + ", ".join(o.removed))
        out.append(f"{bullet}⚠ {code(o.name)} ownership changed since the last run: "
                   + "; ".join(parts))
    cd = report.cooldown
    if cd is not None:
        cutoff = cd.cutoff.astimezone().strftime("%Y-%m-%d %H:%M")
        if cd.method == "unavailable":
            out.append(f"{bullet}⚠ cooldown NOT enforced: no upload times (PyPI unreachable)")
        elif cd.too_new:
            names = ", ".join(f"{n} {v}" for n, v, _ in cd.too_new)
            out.append(f"{bullet}⚠ newer than the cooldown cutoff {cutoff}: {names}")
        elif not report.dry_run and cd.unknown and len(cd.unknown) == report.package_count:
            out.append(f"{bullet}· cooldown: upload times unknown, not verified")
        elif not report.dry_run:
            checked = report.package_count - len(cd.unknown)
            out.append(f"{bullet}✓ cooldown: {checked} installed version(s) released before "
                       f"{cutoff} ({cd.method})")
    for hook in report.hooks:
        out.append(f"{bullet}{_hook_line(hook, code(display_text(hook.command)))}")
    for option in report.project_index_options:  # already redacted and cleaned
        out.append(f"{bullet}⚠ pip used an index option from the project: {code(option)}")
    for note in report.notes:
        out.append(f"{bullet}· {note}")
    if report.audit is not None and not report.dry_run:
        if report.audit.ran and report.audit.text:
            out.append("Then:" if not md else "\n### Then: audit\n")
            out.extend(report.audit.text.rstrip("\n").splitlines())
        elif report.audit.ran:
            out.append(f"Then: {report.audit.vulnerabilities} known vulnerabilities in "
                       f"{report.audit.packages} packages.")
        elif report.audit.exit_code:
            out.append(f"Then: ? audit not run ({report.audit.reason}): the upgraded venv is "
                       f"not checked (exit {report.audit.exit_code}).")
        else:
            out.append(f"Then: audit not run ({report.audit.reason}).")
    if report.log_path:
        out.append(f"{bullet}· pip output: {report.log_path}")
    return out


def render(report: UpdateReport, fmt: str = "text", *, list_all: bool = False) -> str:
    """The report in ``text``, ``json`` or ``markdown``; ``list_all`` lists every package
    new in the tree instead of a summary when there are many."""
    if fmt == "json":
        return json_text(to_json(report))
    return "\n".join(_lines(report, fmt == "markdown", list_all)) + "\n"
