"""Paths of the slim fixtures, shared by the slim tests."""

from __future__ import annotations

from pathlib import Path

PROJECT = Path(__file__).parent / "data" / "slim" / "project"
VENV = PROJECT / ".venv"
