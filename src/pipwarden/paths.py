"""Where pipwarden keeps its cache, without platformdirs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["cache_dir"]


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    """The user's cache folder for pipwarden.

    ``PIPWARDEN_CACHE_DIR`` wins; then ``XDG_CACHE_HOME``; then the platform's usual place
    (``~/.cache`` on Linux, ``~/Library/Caches`` on macOS, ``%LOCALAPPDATA%`` on Windows).
    """
    env = os.environ if environ is None else environ
    explicit = env.get("PIPWARDEN_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = env.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg).expanduser() / "pipwarden"
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "pipwarden"
    if sys.platform == "win32":
        local = env.get("LOCALAPPDATA")
        base = Path(local) if local else home / "AppData" / "Local"
        return base / "pipwarden" / "Cache"
    return home / ".cache" / "pipwarden"
