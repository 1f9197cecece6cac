"""GitHub facts about the repository a package names, validated before they count."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pipwarden.checks import PackageContext, project_urls, split_url
from pipwarden.checks.source_repo import find_repository
from pipwarden.frozen import frozen
from pipwarden.pypi.client import FetchResult, PyPIClient
from pipwarden.settings import Settings


@frozen
class _GitHub:
    """What the GitHub API said: validated facts, or why they are unknown or missing."""

    data: dict[str, Any] | None = None
    unknown: str | None = None  # answered, but not evidence about the named repository
    failure: str | None = None  # unreachable or malformed: vet cannot give a verdict


def _github_failed(repo: str, result: FetchResult) -> _GitHub:
    """A GitHub fetch that brought no data: a refused redirect or a missing repository
    leaves the facts unknown; anything else (unreachable, malformed) is a failure."""
    reason = result.error or "no answer"
    if result.not_found:
        return _GitHub(unknown=f"GitHub has no repository {repo}")
    if "answer refused" in reason:
        return _GitHub(unknown=reason)
    if "GitHub" not in reason:
        reason = f"GitHub: {reason}"
    return _GitHub(failure=f"{reason} ({repo})")


def _owner_repo(url: object) -> str | None:
    """``owner/repo`` (lower-cased) of an http(s) URL's first two path segments."""
    if not isinstance(url, str):
        return None
    parts = split_url(url)
    if parts is None:
        return None
    segments = [p for p in parts.path.split("/") if p]
    if parts.scheme.lower() not in ("http", "https") or len(segments) < 2:
        return None
    return f"{segments[0]}/{segments[1]}".casefold()


def _repository_mismatch(data: Mapping[str, Any], repo: str) -> str | None:
    """Why ``/repos/<repo>`` data is not evidence about ``repo`` (``None``: it is)."""
    full_name = data.get("full_name")
    if not isinstance(full_name, str) or full_name.count("/") != 1:
        return f"GitHub: malformed answer for {repo} (no full_name)"
    archived = data.get("archived")
    if archived is not None and not isinstance(archived, bool):
        return f"GitHub: malformed answer for {repo} (archived is not true or false)"
    wanted = repo.casefold()
    if full_name.casefold() != wanted:
        return f"GitHub answered for {full_name}, not for {repo}, the repository PyPI names"
    html = data.get("html_url")
    if html is not None and _owner_repo(html) != wanted:
        return f"GitHub answered for {html}, not for {repo}, the repository PyPI names"
    return None


def _file_link(data: Mapping[str, Any], repo: str) -> str | None:
    """The ``html_url`` of a contents answer when it is a file inside ``repo``."""
    if data.get("type", "file") != "file":
        return None
    link = data.get("html_url")
    if not isinstance(link, str) or _owner_repo(link) != repo.casefold():
        return None
    return link



def github_facts(
    settings: Settings,
    client: PyPIClient,
    project: Mapping[str, Any] | None,
    now: datetime,
) -> _GitHub:
    """Facts from the GitHub API about the repository the package's metadata names.

    Nothing is asked when the metadata names no github.com repository (no link is
    made up from the package name). An answer counts only when it validates: the
    repository that answers is the one named (``full_name`` and ``html_url``, case
    aside), file answers link into that repository, and the answer came from the
    configured API host (the token goes nowhere else). A well-formed answer about
    another repository makes the facts *unknown*; an unreachable API or a malformed
    answer is a failure (exit 3).
    """
    token = settings.github_token
    if not token or settings.offline or project is None:
        return _GitHub()
    ctx = PackageContext(name="", now=now, project=project)
    found = find_repository(project_urls(ctx) or [])
    if found is None or found[0] != "github.com":
        return _GitHub()
    repo = found[1]
    api = settings.github_api_url.rstrip("/")
    headers = {"Authorization": f"Bearer {token}", "X-GitHub-Api-Version": "2022-11-28"}

    def ask(path: str) -> FetchResult:
        return client.get_json(
            repo,
            f"{api}/repos/{repo}{path}",
            accept="application/vnd.github+json",
            headers=headers,
            what="GitHub",
            same_origin=True,
            secrets=(token,),
        )

    meta = ask("")
    if meta.data is None:
        return _github_failed(repo, meta)
    problem = _repository_mismatch(meta.data, repo)
    if problem is not None:
        return _GitHub(unknown=problem) if "answered for" in problem else _GitHub(
            failure=problem
        )
    archived = meta.data.get("archived")
    out: dict[str, Any] = {
        "repository": repo,
        "archived": archived if isinstance(archived, bool) else None,
        "stars": meta.data.get("stargazers_count"),
    }
    for key, paths in (
        ("security_file", ("SECURITY.md", ".github/SECURITY.md", "docs/SECURITY.md")),
        ("funding_file", (".github/FUNDING.yml",)),
    ):
        out[key] = None
        for path in paths:
            got = ask(f"/contents/{path}")
            if got.data is None:
                if got.not_found:
                    continue
                return _github_failed(repo, got)
            link = _file_link(got.data, repo)
            if link is None:
                return _GitHub(
                    unknown=f"GitHub's answer for {path} does not link into {repo}"
                )
            out[key] = link
            break
    return _GitHub(data=out)

