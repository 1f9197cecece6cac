"""Shared helpers for the update tests: one real venv per session, copied per project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pipwarden.settings import Settings

__all__ = ["copy_venv", "isolate_pip", "offline_settings", "pip_install", "use_isolated_pip"]


def _base_venv(factory: pytest.TempPathFactory) -> Path:
    base = factory.getbasetemp() / "update-base-venv"
    if not (base / "pyvenv.cfg").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(base)], check=True)
    return base


def copy_venv(factory: pytest.TempPathFactory, dest: Path) -> Path:
    """A fresh venv at ``dest`` (a copy of one created with ensurepip, no network)."""
    shutil.copytree(_base_venv(factory), dest, symlinks=True)
    return dest


def isolate_pip(env: dict[str, str] | None = None) -> dict[str, str]:
    """Environment changes that keep pip away from this machine's config and wheel folders."""
    return {"PIP_CONFIG_FILE": os.devnull, "PIP_FIND_LINKS": "", "PIP_NO_INDEX": "",
            **(env or {})}


def offline_settings(root: Path) -> Settings:
    return Settings(cache_dir=root / "cache", db_path=root / "cache" / "osv.sqlite3",
                    pypi_url="http://127.0.0.1:9", offline=True)


def use_isolated_pip(monkeypatch: pytest.MonkeyPatch) -> None:
    """Apply :func:`isolate_pip` to the environment for the rest of the test."""
    for key, value in isolate_pip().items():
        monkeypatch.setenv(key, value) if value else monkeypatch.delenv(key, raising=False)


def pip_install(venv: Path, *args: str) -> None:
    """``pip install --no-index <args>`` into ``venv`` (a test's setup, not under test)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update({"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-index",
                    *args], check=True, env=env)
