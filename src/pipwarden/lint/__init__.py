"""Requirements hygiene: rules with stable codes, linter-style findings, safe fixes.

Library entry for ``check``: :func:`run_lint` ``(paths, config, *, settings, offline)``
returns a :class:`LintReport` of findings, bad-input errors and the number fixed.
"""

from __future__ import annotations

from pipwarden.lint.engine import RULES, Edit, Finding, LintConfig, LintReport, Rule
from pipwarden.lint.runner import discover, run_lint
from pipwarden.lint.supplychain import Lookups, ProjectInfo

__all__ = [
    "RULES",
    "Edit",
    "Finding",
    "LintConfig",
    "LintReport",
    "Lookups",
    "ProjectInfo",
    "Rule",
    "discover",
    "run_lint",
]
