"""PW3xx (part): URL, VCS and local-path requirements; duplicate and conflicting lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from pipwarden.lint.engine import Finding, LintContext, rule
from pipwarden.lint.indexes import has_credentials
from pipwarden.lint.inputs import ReqEntry
from pipwarden.redact import redact_url

__all__ = ["check_duplicates", "check_urls"]

rule(
    "PW301",
    "url-requirement",
    "a URL or local-path requirement: no version, not audited, not updated by pip -U",
)
rule(
    "PW302",
    "vcs-unpinned",
    "a VCS requirement without a full commit hash: the code can change",
    level="error",
)
rule("PW303", "duplicate", "the same package required twice (duplicate or conflicting lines)")

_VCS = re.compile(r"^(git|hg|svn|bzr)\+", re.IGNORECASE)
_GIT_REV = re.compile(r"@([^@#/]+)(?:#|$)")
_FULL_SHA = re.compile(r"^[0-9a-f]{40}$")


def check_urls(path: str, entries: Iterable[ReqEntry], ctx: LintContext) -> Iterator[Finding]:
    """PW301/PW302 (and PW204 for credentials in a requirement URL)."""
    for entry in entries:
        url = entry.url
        if url is None:
            continue
        at = (path, entry.line, entry.column)
        shown = redact_url(url, keep_user=False)
        label = entry.raw_name or shown
        if has_credentials(url) and ctx.on("PW204"):
            yield Finding(
                "PW204",
                f"{shown} has credentials in the URL: remove them and use keyring or a netrc file",
                *at,
            )
        vcs = _VCS.match(url)
        if vcs is not None:
            tail = url.split("://", 1)[-1]
            rev_match = _GIT_REV.search(tail.split("?", 1)[0])
            rev = rev_match.group(1) if rev_match else None
            is_git = vcs.group(1).lower() == "git"
            if is_git and rev is not None and _FULL_SHA.match(rev):
                if ctx.on("PW301"):
                    yield Finding(
                        "PW301",
                        f"{label} comes from {shown}: pinned to a commit, but never updated or "
                        f"audited by version; prefer a release from the index",
                        *at,
                    )
            elif ctx.on("PW302"):
                what = f"@{rev}, a branch or tag that can move" if rev else "no revision"
                yield Finding(
                    "PW302",
                    f"{label} installs from {shown} with {what}: pin a full 40-character "
                    f"commit hash or use a release from the index",
                    *at,
                )
            continue
        if url.strip() in {".", "./", ".\\"}:
            continue  # the project itself (``-e .``)
        if ctx.on("PW301"):
            kind = "a local path" if "://" not in url and not url.startswith("file:") else "a URL"
            yield Finding(
                "PW301",
                f"{label} comes from {kind} ({shown}): no version to audit or update; "
                f"prefer a release from the index",
                *at,
            )


def check_duplicates(
    groups: Iterable[tuple[str, Iterable[tuple[str, ReqEntry]]]], ctx: LintContext
) -> Iterator[Finding]:
    """PW303: within each group (a file with its ``-r`` includes), one line per package."""
    if not ctx.on("PW303"):
        return
    reported: set[tuple[str, int]] = set()
    for _root, items in groups:
        first: dict[tuple[str, str | None, tuple[str, ...]], tuple[str, ReqEntry]] = {}
        for path, entry in items:
            if entry.name is None or entry.constraint:
                continue
            # One list per extra / dependency group: the same package in two groups is normal.
            key = (entry.name, entry.marker, (entry.dependency.group or "",))
            seen = first.get(key)
            if seen is None:
                first[key] = (path, entry)
                continue
            if (path, entry.line) in reported:
                continue
            reported.add((path, entry.line))
            seen_path, seen_entry = seen
            same = seen_entry.specifier == entry.specifier and seen_entry.url == entry.url
            kind = "repeats" if same else "conflicts with"
            yield Finding(
                "PW303",
                f"{entry.raw_name}{entry.specifier} {kind} "
                f"{seen_entry.raw_name}{seen_entry.specifier or ''} at "
                f"{seen_path}:{seen_entry.line}: keep one line",
                path,
                entry.line,
                entry.column,
            )
