"""Settings every command derives from its arguments and the environment."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from pipwarden.commands import settings_from_args


def test_db_and_offline_flags_apply(tmp_path: Path) -> None:
    settings = settings_from_args(argparse.Namespace(db=str(tmp_path / "x.db"), offline=True))
    assert settings.db_path == tmp_path / "x.db" and settings.offline


def test_environment_offline_is_not_undone_by_a_missing_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIPWARDEN_OFFLINE", "1")
    assert settings_from_args(argparse.Namespace(offline=False)).offline
    assert settings_from_args(argparse.Namespace()).offline  # commands without the flag


def test_pipwarden_db_environment_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIPWARDEN_DB", str(tmp_path / "env.db"))
    assert settings_from_args(argparse.Namespace(db=None)).db_path == tmp_path / "env.db"
    overridden = settings_from_args(argparse.Namespace(db=str(tmp_path / "flag.db")))
    assert overridden.db_path == tmp_path / "flag.db"
