"""Run every enabled rule over the files of a project, then apply safe fixes.

``--fix --diff`` runs the very same fix passes over an in-memory overlay of the files
instead of writing them: each pass reads the texts the previous pass would have written,
and each file is checked against the refusals of :func:`safe_write` without writing, so
the preview shows exactly what ``--fix`` would write and refuses what it would refuse."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from pipwarden.advice import active_ignores
from pipwarden.errors import InputError
from pipwarden.fsutil import (
    OutsideRootError,
    UnsafeWriteError,
    check_writable,
    is_below,
    safe_write,
)
from pipwarden.lint import (
    dbt,
    indexes,
    lockfiles,
    names,
    pins,
    scripts,
    supplychain,
    urls,
)
from pipwarden.lint.discovery import _shown, _Target, discover, installed_versions
from pipwarden.lint.engine import (
    WRITABLE_ENCODINGS,
    Edit,
    FileChange,
    Finding,
    LintConfig,
    LintContext,
    LintReport,
    Selection,
    apply_edits,
    read_requirements_text,
    read_text,
)
from pipwarden.lint.inputs import ReqEntry, Scanned, scan_pyproject, scan_requirements
from pipwarden.log import get_logger
from pipwarden.policy import IgnoreEntry, load_policy
from pipwarden.settings import Settings
from pipwarden.sources.environment import find_environment

__all__ = ["discover", "installed_versions", "run_lint"]

log = get_logger(__name__)

_MAX_FIX_PASSES = 4


@dataclass
class _Pass:
    """What one lint pass over the files found."""

    findings: list[Finding]
    errors: list[InputError]
    broken: set[str]  # files with input errors: never rewritten
    files: list[str]
    hashed: set[str] = field(default_factory=set)  # hash-checked files: never loosened
    encodings: dict[str, str] = field(default_factory=dict)  # requirements files' encodings


def _lint_once(
    targets: list[_Target],
    folders: list[Path],
    base_ctx: LintContext,
    lookups: supplychain.Lookups,
    skipped: list[str],
    overlay: Mapping[str, str] | None = None,
) -> _Pass:
    """One lint pass; files in ``overlay`` (a dry run's fixed texts) are read from it."""
    overlay = overlay or {}
    selection = base_ctx.selection
    findings: list[Finding] = []
    errors: list[InputError] = []
    broken: set[str] = set()
    hashed: set[str] = set()
    req_files: dict[str, Scanned] = {}
    constraint_files: set[str] = set()
    queue = list(targets)
    files: list[str] = []
    scanned_paths: set[str] = set()
    encodings: dict[str, str] = {}
    while queue:
        target = queue.pop(0)
        if target.path in scanned_paths:
            continue
        scanned_paths.add(target.path)
        files.append(target.path)
        if target.kind == "missing":
            errors.append(InputError("no such file or folder", path=target.path))
            broken.add(target.path)
            continue
        try:
            if target.path in overlay:  # as --fix would have written it (UTF-8)
                text = overlay[target.path]
                if target.kind == "requirements":
                    encodings[target.path] = "utf-8-sig" if text[:1] == "\ufeff" else "utf-8"
            elif target.kind == "requirements":
                text, encodings[target.path] = read_requirements_text(target.path)
            else:
                text = read_text(target.path)
            if target.kind == "requirements":
                scanned = scan_requirements(target.path, text, root=base_ctx.root)
            elif target.kind == "pyproject":
                scanned = scan_pyproject(target.path, text)
            else:
                scanned = None
        except InputError as exc:
            errors.append(exc)
            broken.add(target.path)
            continue
        if scanned is not None:
            req_files[target.path] = scanned
            if _hash_checked(scanned):
                hashed.add(target.path)
            if scanned.errors:
                errors.extend(scanned.errors)
                broken.add(target.path)
            for include in scanned.includes:
                inc = Path(target.path).parent / include.target
                if not inc.exists():
                    errors.append(
                        InputError(
                            f"-r/-c {include.target}: no such file",
                            path=target.path,
                            line=include.line,
                        )
                    )
                    broken.add(target.path)
                    continue
                shown = _shown(inc)
                if include.constraint:
                    constraint_files.add(shown)
                queue.append(_Target(shown, "requirements"))
            continue
        try:
            if target.kind == "dbt":
                findings.extend(
                    dbt.check_dbt(target.path, text, Path(target.path).parent, base_ctx)
                )
            elif target.kind == "script":
                findings.extend(scripts.check_script(target.path, text, base_ctx))
        except InputError as exc:
            errors.append(exc)
            broken.add(target.path)
    # data lookups, once for all names
    all_entries = [e for f in req_files.values() for e in f.entries if e.name and e.url is None]
    if lookups.advisor is not None and all_entries:
        lookups.advisor.prefetch(e.name or "" for e in all_entries)
    projects: dict[str, supplychain.ProjectInfo | None] = {}
    if (
        lookups.project is not None
        and all_entries
        and (
            selection.any_enabled("PW402")
            or selection.any_enabled("PW304")
            or selection.any_enabled("PW102")
        )
    ):
        projects, problem = supplychain.fetch_projects(
            lookups.project, (e.name or "" for e in all_entries)
        )
        if problem is not None:
            skipped.append(f"PW402: skipped for some names: {problem}")
    ctx = replace(
        base_ctx,
        latest={n: p.latest for n, p in projects.items() if p is not None and p.latest},
        display_names={n: p.name for n, p in projects.items() if p is not None},
    )
    for path, scanned in req_files.items():
        entries = scanned.entries
        if path in constraint_files:
            entries = tuple(replace(e, constraint=True) for e in entries)
        findings.extend(pins.check_pins(path, entries, ctx))
        findings.extend(pins.check_pre_option(path, scanned.options, ctx))
        findings.extend(indexes.check_indexes(path, scanned.options, ctx))
        findings.extend(urls.check_urls(path, entries, ctx))
        findings.extend(names.check_names(path, entries, ctx))
        findings.extend(supplychain.check_supply_chain(path, entries, ctx, lookups, projects))
    findings.extend(urls.check_duplicates(_groups(req_files, constraint_files), ctx))
    for folder in folders:
        findings.extend(lockfiles.check_lockfiles(folder, _shown(folder), ctx))
    findings.sort(key=lambda f: (f.path, f.line or 0, f.column or 0, f.code))
    return _Pass(findings, errors, broken, files, hashed, encodings)


def _hash_checked(scanned: Scanned) -> bool:
    """pip's hash-checking mode: any ``--hash`` or ``--require-hashes`` turns it on."""
    return any(e.hashes for e in scanned.entries) or any(
        o.name == "--require-hashes" for o in scanned.options
    )


def _groups(
    req_files: dict[str, Scanned], constraint_files: set[str]
) -> Iterator[tuple[str, list[tuple[str, ReqEntry]]]]:
    """Each requirements file with its ``-r`` includes expanded in place, as pip reads them."""

    def expand(path: str, visited: set[str]) -> list[tuple[str, ReqEntry]]:
        if path in visited or path not in req_files or path in constraint_files:
            return []
        visited.add(path)
        scanned = req_files[path]
        keyed: list[tuple[int, int, list[tuple[str, ReqEntry]]]] = [
            (e.line, 1, [(path, e)]) for e in scanned.entries
        ]
        for include in scanned.includes:
            if not include.constraint:
                inner = expand(_shown(Path(path).parent / include.target), visited)
                keyed.append((include.line, 0, inner))
        keyed.sort(key=lambda item: (item[0], item[1]))
        return [pair for _line, _order, pairs in keyed for pair in pairs]

    for root_path in req_files:
        yield root_path, expand(root_path, set())


def run_lint(
    paths: Sequence[str | os.PathLike[str]],
    config: LintConfig | None = None,
    *,
    settings: Settings | None = None,
    offline: bool = False,
    lookups: supplychain.Lookups | None = None,
    ignores: Sequence[IgnoreEntry] | None = None,
) -> LintReport:
    """Lint files and project folders; with ``config.fix`` apply the safe fixes first.

    Returns the findings left after fixing, the bad-input errors (each file that has one
    is reported and left untouched; the other files are still checked), and how many
    findings were fixed. ``ignores``: the policy's vulnerability ignores (default: those of
    the project's policy file), which PW403 and the floors of fixes respect as audit does.
    """
    config = config or LintConfig()
    settings = settings or Settings.from_env()
    offline = offline or settings.offline
    selection = Selection(config.select, config.ignore)
    targets, folders = discover(paths)
    root = folders[0] if folders else Path(targets[0].path).parent if targets else Path()
    venv = config.venv or find_environment(root, environ={})
    installed = installed_versions(venv)
    if ignores is None:
        try:
            ignores = load_policy(root).ignores
        except InputError:  # a broken policy ignores nothing (lint reports a broken file)
            ignores = ()
    own_lookups = lookups is None
    if lookups is None:
        lookups = supplychain.default_lookups(settings, offline=offline)
    # fixes write only under what the user named: the folders given, the folders of the
    # files given; an include that leaves them (``-r ../common.txt``) is read, never written
    roots = [*folders, *(Path(t.path).parent for t in targets if t.kind != "missing")]
    try:
        return _run(targets, folders, config, selection, root, installed, lookups, offline,
                    roots, active_ignores(ignores, dt.date.today()))
    finally:
        if own_lookups and lookups.close is not None:
            lookups.close()


def _run(
    targets: list[_Target],
    folders: list[Path],
    config: LintConfig,
    selection: Selection,
    root: Path,
    installed: dict[str, str],
    lookups: supplychain.Lookups,
    offline: bool,
    roots: Sequence[Path] = (),
    ignores: tuple[IgnoreEntry, ...] = (),
) -> LintReport:
    skipped = [s for s in lookups.skipped if selection.enabled(s.split(":", 1)[0])]
    ctx = LintContext(config, selection, root, installed, offline=offline,
                      advisor=lookups.advisor, ignores=ignores)
    extra: list[str] = []
    refused: dict[str, InputError | None] = {}  # path -> why not written (None: a note)
    first = _lint_once(targets, folders, ctx, lookups, extra)
    # One count for "--fix fixes N" and "Fixed N": the findings of the first pass gone
    # once the fixes are applied — for real with --fix; in memory (``dry``: the texts
    # --fix would write, by path) with --fix --diff, and without --fix to say what it
    # would fix.
    preview = config.fix and config.diff
    dry: dict[str, str] | None = {} if preview or not config.fix else None
    result = first
    resolved = 0
    if config.fix or any(f.edits for f in first.findings):
        fixes_refused: dict[str, InputError | None] = refused if config.fix else {}
        notes: list[str] = extra if config.fix else []
        for _ in range(_MAX_FIX_PASSES):
            if _apply(result, roots, fixes_refused, notes, dry) == 0:
                break
            result = _lint_once(targets, folders, ctx, lookups, [], dry)
        resolved = len(_keys(first.findings) - _keys(result.findings))
    if not config.fix:
        result = first  # nothing written: the report is what is in the files
    # a fix --fix will not write is not offered: outside the roots, hash-checked, refused
    findings = [
        replace(f, edits=())
        if f.edits and (f.path in refused or f.path in result.hashed
                        or not any(is_below(f.path, r) for r in roots))
        else f
        for f in result.findings
    ]
    return LintReport(
        tuple(findings),
        (*result.errors, *(e for e in refused.values() if e is not None)),
        resolved if config.fix else 0,
        tuple(result.files),
        tuple(dict.fromkeys([*skipped, *extra])),
        preview=preview,
        changes=_changes(dry, roots) if preview and dry else (),
        would_fix=0 if config.fix else resolved,
    )


def _keys(findings: Sequence[Finding]) -> set[tuple[str, int | None, str, str]]:
    return {(f.path, f.line, f.code, f.message) for f in findings}


def _changes(overlay: Mapping[str, str], roots: Sequence[Path]) -> tuple[FileChange, ...]:
    """Each previewed file, named relative to the project folder it belongs to."""
    out: list[FileChange] = []
    for shown, after in overlay.items():
        before = read_text(shown)
        if before == after:
            continue
        root = next((r for r in roots if is_below(shown, r)), None)
        rel = os.path.relpath(shown, root) if root is not None else shown  # lexical
        out.append(FileChange(Path(rel).as_posix(), shown, before, after))
    return tuple(sorted(out, key=lambda c: c.path))


def _apply(
    result: _Pass,
    roots: Sequence[Path],
    refused: dict[str, InputError | None],
    notes: list[str],
    overlay: dict[str, str] | None = None,
) -> int:
    """Write the fixes of one pass through :func:`safe_write`; count the fixes written.

    Not written, the findings staying in the report: files outside the roots (a note),
    hash-checked files (a note: a new floor would not match the hashes), and files
    :func:`safe_write` refuses (links, hard links, read-only: an error, exit 2).
    With ``overlay`` (a preview) the same checks run but the text goes into ``overlay``.
    """
    by_path: dict[str, list[tuple[Edit, ...]]] = {}
    for finding in result.findings:
        if finding.edits and finding.path not in result.broken and finding.path not in refused:
            by_path.setdefault(finding.path, []).append(finding.edits)
    applied = 0
    for path, fixes in by_path.items():
        if path in result.hashed:
            notes.append(f"fixes not applied to {path}: hash-checked (--hash) requirements "
                         "are regenerated by your lock tool, never loosened")
            continue
        encoding = result.encodings.get(path, "utf-8")
        if encoding not in WRITABLE_ENCODINGS:  # e.g. UTF-16 from PowerShell's pip freeze
            notes.append(f"fixes not applied to {path}: the file is {encoding} and fixes "
                         "are written as UTF-8; convert it to UTF-8 to have it fixed")
            refused[path] = None
            continue
        text = overlay[path] if overlay is not None and path in overlay else read_text(path)
        new_text, count = apply_edits(text, fixes)
        if not count or new_text == text:
            continue
        root = next((r for r in roots if is_below(path, r)), None)
        try:
            if root is None:
                raise OutsideRootError("outside the project folder", path=path)
            if overlay is not None:  # a dry run: what --fix would write
                check_writable(path, root=root)
                overlay[path] = new_text
            else:
                safe_write(path, new_text, root=root)
        except OutsideRootError:
            notes.append(f"fixes not applied to {path}: outside the project folder")
            refused[path] = None
            continue
        except UnsafeWriteError as exc:
            refused[path] = exc
            continue
        applied += count
    return applied
