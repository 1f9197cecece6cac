"""Risk signals for ``pipwarden vet``: one small module per signal, one registry."""

from __future__ import annotations

__all__: list[str] = []
