"""``secretscan.files.walk_project`` lists what ``os.walk`` did, with one ``scandir`` per
folder: the same files, flags and order on trees with symlinks, virtual environments,
tool caches, nested ``.gitignore`` files and ignored folders holding key files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipwarden.secretscan.files import (
    SKIP_DIRS,
    GitIgnore,
    ProjectFile,
    is_key_file,
    walk_project,
)
from pipwarden.slim.walk import SKIP_DIRS as SLIM_SKIP_DIRS
from pipwarden.slim.walk import iter_project_files, project_files


def _reference(root: Path) -> Iterator[ProjectFile]:
    """The os.walk version walk_project replaced (2026-12-07), kept as the reference."""
    ignore = GitIgnore()
    exclude = root / ".git" / "info" / "exclude"
    if exclude.is_file():
        ignore.add_file(exclude, "")
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        rel_dir = "" if here == root else here.relative_to(root).as_posix()
        if ".gitignore" in filenames:
            ignore.add_file(here / ".gitignore", rel_dir)
        kept = []
        for name in sorted(dirnames):
            child = here / name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if name in SKIP_DIRS or child.is_symlink() or (child / "pyvenv.cfg").exists():
                continue
            if ignore.ignored(rel, is_dir=True):
                for inner in sorted(e.name for e in os.scandir(child)
                                    if e.is_file(follow_symlinks=False)):
                    if is_key_file(inner):
                        yield ProjectFile(child / inner, f"{rel}/{inner}", True)
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or name == ".gitignore":
                continue
            rel = f"{rel_dir}/{name}" if rel_dir else name
            ignored = ignore.ignored(rel, is_dir=False)
            if ignored and not is_key_file(name):
                continue
            yield ProjectFile(path, rel, ignored)


def _tricky(root: Path) -> None:
    for folder in ("src/pkg", "data/raw", "build", ".venv/lib", "env2", "node_modules/x",
                   "docs", "secrets", "z/deep/er"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "env2" / "pyvenv.cfg").write_text("home = /usr\n")
    (root / ".venv" / "pyvenv.cfg").write_text("home = /usr\n")
    for rel in ("src/pkg/a.py", "src/pkg/b.txt", "data/raw/x.csv", "build/out.py", "docs/i.md",
                "secrets/id_rsa", "secrets/id_rsa.pub", "secrets/notes.txt", "z/deep/er/k.py",
                ".env", "README.md", "data/.env", ".venv/lib/site.py"):
        (root / rel).write_text("x\n")
    (root / ".gitignore").write_text("data/\nbuild\n*.txt\n!src/pkg/b.txt\nsecrets/\n")
    (root / "z" / ".gitignore").write_text("deep/er/\n")
    (root / ".git" / "info").mkdir(parents=True)
    (root / ".git" / "info" / "exclude").write_text("docs/i.md\n")
    (root / "link-dir").symlink_to(root / "src")
    (root / "link-file.py").symlink_to(root / "README.md")
    (root / "broken").symlink_to(root / "nowhere")
    os.mkfifo(root / "pipe")


def test_the_same_files_flags_and_order_as_os_walk_gave(tmp_path: Path) -> None:
    _tricky(tmp_path)
    got = list(walk_project(tmp_path))
    assert got == list(_reference(tmp_path))
    rels = [f.rel for f in got]
    assert "secrets/id_rsa" in rels and "secrets/id_rsa.pub" not in rels  # key file kept
    assert not any(r.startswith((".venv/", "env2/", "link-dir", "node_modules")) for r in rels)
    assert "link-file.py" not in rels and "broken" not in rels


_NAMES = st.sampled_from(["a", "b.py", ".env", "id_rsa", "x.txt", "sub", "build", ".git"])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.lists(_NAMES, min_size=1, max_size=4), st.booleans()),
                max_size=25),
       st.lists(st.sampled_from(["*.txt", "sub/", "!b.py", "build", "/a", "x*"]), max_size=4))
def test_random_trees_walk_as_os_walk_did(
    layout: list[tuple[list[str], bool]], rules: list[str]
) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / ".gitignore").write_text("\n".join(rules) + "\n")
        for parts, is_dir in layout:
            path = root.joinpath(*parts)
            try:
                if is_dir:
                    path.mkdir(parents=True, exist_ok=True)
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text("x")
            except (FileExistsError, NotADirectoryError, IsADirectoryError):
                continue  # a name already taken by the other kind
        assert list(walk_project(root)) == list(_reference(root))


def _reference_slim(root: Path, suffixes: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """The os.walk version of slim.walk.project_files (until 2026-12-07)."""
    top = os.fspath(root)
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SLIM_SKIP_DIRS and not d.endswith(".egg-info")
            and not os.path.exists(os.path.join(dirpath, d, "pyvenv.cfg"))
        )
        prefix = dirpath[len(top):].lstrip(os.sep).replace(os.sep, "/")
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if name.endswith(suffixes) and not os.path.islink(path):
                yield path, f"{prefix}/{name}" if prefix else name


def test_slims_walk_lists_what_os_walk_did(tmp_path: Path) -> None:
    _tricky(tmp_path)
    (tmp_path / "pkg.egg-info").mkdir()
    (tmp_path / "pkg.egg-info" / "x.py").write_text("")
    (tmp_path / "z" / "n.ipynb").write_text("{}")
    (tmp_path / "link.ipynb").symlink_to(tmp_path / "z" / "n.ipynb")
    for suffixes in ((".py", ".ipynb"), (".py",), (".sh", ".md")):
        got = list(project_files(tmp_path, suffixes))
        assert got == list(_reference_slim(tmp_path, suffixes))
        assert list(iter_project_files(tmp_path, suffixes)) == [Path(p) for p, _ in got]
    rels = [rel for _, rel in project_files(tmp_path, (".py", ".ipynb"))]
    assert "link.ipynb" not in rels and not any("egg-info" in r for r in rels)
