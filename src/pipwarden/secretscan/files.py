"""Which files of a project a secret scan reads: what git would track, found without git.

The project's ``.gitignore`` files (and ``.git/info/exclude``) are read and applied the
way git applies them (``*``, ``**``, ``?``, ``[…]``, a leading or inner ``/`` anchors, a
trailing ``/`` matches folders, ``!`` re-includes). git itself is never run: a hostile
repository's config could make it run commands. Ignored files are skipped, except key files
(private keys, service-account JSON, ``kaggle.json``, ``.pypirc``/``.netrc``): those are
reported even when ignored, since they sit in the folder that gets zipped, copied and shared.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

from pipwarden.folders import list_folder
from pipwarden.frozen import frozen

__all__ = ["GitIgnore", "ProjectFile", "is_key_file", "walk_project"]

SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "__pycache__", ".mypy_cache", ".pytest_cache",
    ".ruff_cache", ".tox", ".nox", ".ipynb_checkpoints", "site-packages", ".eggs",
})
_KEY_NAMES = re.compile(
    r"^(id_(rsa|dsa|ecdsa|ed25519)|.*\.(pem|key|p12|pfx|jks|keystore|ppk)|kaggle\.json|"
    r"\.pypirc|\.netrc|_netrc|credentials\.json|service[-_]?account.*\.json|"
    r".*-[0-9a-f]{12}\.json)$",
    re.IGNORECASE,
)


def is_key_file(name: str) -> bool:
    """A file whose very presence may be a credential (reported even when git-ignored)."""
    return bool(_KEY_NAMES.match(name)) and not name.lower().endswith(".pub")


@frozen
class _Rule:
    """One line of a ``.gitignore``, compiled."""

    base: str  # folder of the .gitignore, relative to the root ("" at the top), "/"-joined
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool


def _translate(pattern: str) -> str:
    """A gitignore glob as a regex over a "/"-separated path relative to its base."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("/**", i) and i + 3 == len(pattern):
            out.append("/.*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape("["))
                i += 1
            else:
                body = pattern[i + 1 : end].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = end + 1
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


class GitIgnore:
    """The ignore rules of one project, applied to paths relative to its root."""

    def __init__(self) -> None:
        self.rules: list[_Rule] = []

    def add_file(self, path: Path, base: str) -> None:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
        except OSError:
            return
        for raw in text.splitlines():
            line = raw.rstrip()
            if not line or line.startswith("#"):
                continue
            negate = line.startswith("!")
            if negate:
                line = line[1:]
            dir_only = line.endswith("/")
            line = line.rstrip("/")
            if not line:
                continue
            anchored = "/" in line
            line = line.lstrip("/")
            body = _translate(line)
            regex = f"^{body}$" if anchored else f"^(?:.*/)?{body}$"
            try:
                compiled = re.compile(regex)
            except re.error:
                continue
            self.rules.append(_Rule(base, compiled, negate, dir_only))

    def ignored(self, rel: str, *, is_dir: bool) -> bool:
        """Whether git would ignore ``rel`` (last matching rule wins)."""
        result = False
        for rule in self.rules:
            if rule.dir_only and not is_dir:
                continue
            if rule.base:
                if not rel.startswith(rule.base + "/"):
                    continue
                sub = rel[len(rule.base) + 1 :]
            else:
                sub = rel
            if rule.regex.match(sub):
                result = not rule.negate
        return result


@frozen
class ProjectFile:
    """A file to scan: its path, its path relative to the root, whether git ignores it."""

    path: Path
    rel: str
    ignored: bool


def walk_project(root: Path) -> Iterator[ProjectFile]:
    """Files under ``root`` that git would track, plus ignored key files; never a symlink,
    never inside a virtual environment or a tool cache. Folders top-down, each one's
    entries by name (the order ``os.walk`` gives), one ``scandir`` per folder: whether an
    entry is a symlink comes with it, not from a ``stat`` of each file."""
    ignore = GitIgnore()
    exclude = root / ".git" / "info" / "exclude"
    if exclude.is_file():
        ignore.add_file(exclude, "")
    todo: list[tuple[Path, str]] = [(root, "")]
    while todo:
        here, rel_dir = todo.pop()
        folders, files = list_folder(here)
        if ".gitignore" in files:
            ignore.add_file(here / ".gitignore", rel_dir)
        kept: list[tuple[Path, str]] = []
        for name in sorted(folders):
            entry = folders[name]
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if (name in SKIP_DIRS or entry.is_symlink()
                    or os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))):  # noqa: PTH110,PTH118
                continue
            child = here / name
            if ignore.ignored(rel, is_dir=True):
                # an ignored folder is not walked, but key files straight inside it count
                for inner in sorted(_files_in(child)):
                    if is_key_file(inner):
                        yield ProjectFile(child / inner, f"{rel}/{inner}", True)
                continue
            kept.append((child, rel))
        for name in sorted(files):
            if name == ".gitignore" or files[name].is_symlink():
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            ignored = ignore.ignored(rel, is_dir=False)
            if ignored and not is_key_file(name):
                continue
            yield ProjectFile(here / name, rel, ignored)
        todo.extend(reversed(kept))  # the first folder next: depth first, as os.walk goes


def _files_in(folder: Path) -> list[str]:
    try:
        return [e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False)]
    except OSError:
        return []
