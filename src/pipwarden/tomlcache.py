"""TOML texts parsed once per process: ``check``'s parts read one ``pyproject.toml`` several
ways (the policy's ``[tool.pipwarden]``, the audit's dependencies, lint with positions,
slim, the Python the tree is counted for) and each gets the same parse.

Callers get a deep copy (a caller that changes its table cannot change another's).
"""

from __future__ import annotations

import copy
import tomllib
from typing import Any

__all__ = ["loads"]

_PARSED: dict[str, dict[str, Any]] = {}
_LIMIT = 64  # texts kept (pyproject and policy files: small, and few per run)


def loads(text: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, parsed once per distinct text; raises as it does."""
    known = _PARSED.get(text)
    if known is None:
        known = tomllib.loads(text)
        if len(_PARSED) >= _LIMIT:
            _PARSED.clear()
        _PARSED[text] = known
    return copy.deepcopy(known)
