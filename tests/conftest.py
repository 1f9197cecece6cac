from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loopback import LoopbackServer, serve

DATA = Path(__file__).parent / "data"


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A fresh loopback HTTP server; add routes with ``http_server.add(path, body)``."""
    yield from serve()


@pytest.fixture(autouse=True)
def _isolated_env(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test reads the developer's cache, database or real network settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for var in (
        "PIPWARDEN_DB",
        "PIPWARDEN_CACHE_DIR",
        "PIPWARDEN_OSV_URL",
        "PIPWARDEN_PYPI_URL",
        "PIPWARDEN_TOP_PACKAGES_URL",
        "PIPWARDEN_GITHUB_API_URL",
        "GITHUB_TOKEN",
        "GH_TOKEN",
        "VIRTUAL_ENV",
        "PIP_CONFIG_FILE",
        "PIP_REQUIRE_VIRTUALENV",
        "NO_COLOR",
        "FORCE_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)
    # Any accidental real request fails fast instead of hanging on a closed network.
    monkeypatch.setenv("PIPWARDEN_OSV_URL", "http://127.0.0.1:9/osv/all.zip")
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PIPWARDEN_TOP_PACKAGES_URL", "http://127.0.0.1:9/top.json")
    monkeypatch.setenv("PIPWARDEN_GITHUB_API_URL", "http://127.0.0.1:9")


@pytest.fixture(autouse=True)
def _reset_pipwarden_logger() -> Iterator[None]:
    """``cli.main`` installs a stderr handler; each test starts from a clean logger."""
    import logging

    yield
    logger = logging.getLogger("pipwarden")
    logger.handlers.clear()
    logger.setLevel(logging.NOTSET)
    logger.propagate = True
