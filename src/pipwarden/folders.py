"""Listing a project's folders: one ``scandir`` per folder.

The project walks (the secret scan's, slim's) look at every file of a large tree on every
run. ``os.walk`` hands over names only, so telling a symlink from a file took one more
``lstat`` per file; a ``scandir`` entry knows it already (from the folder listing itself
on the usual file systems).
"""

from __future__ import annotations

import os

__all__ = ["list_folder"]

Entries = dict[str, os.DirEntry[str]]


def list_folder(folder: str | os.PathLike[str]) -> tuple[Entries, Entries]:
    """The entries of ``folder`` by name: folders (a symlink to a folder included, as
    ``os.walk`` counts it) and everything else; both empty when it cannot be listed
    (``os.walk`` skips such a folder too)."""
    folders: Entries = {}
    others: Entries = {}
    try:
        with os.scandir(folder) as found:
            for entry in found:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                (folders if is_dir else others)[entry.name] = entry
    except OSError:
        pass
    return folders, others
