"""CVSS v3.0/v3.1 base scores from vector strings, with the standard library only.

Implements the base-metric equations of the FIRST CVSS v3.1 specification (section 7.1 and
Appendix A's ``Roundup``). v3.0 vectors are scored with the same equations and the v3.1
``Roundup``, which only differs from v3.0's plain ceiling on floating-point noise.
Temporal and environmental metrics present in a vector are accepted and ignored.

:func:`score_vector` scores either version: v4.0 vectors go to :mod:`.cvss4`.
"""

from __future__ import annotations

import math

from pipwarden.frozen import frozen
from pipwarden.models import Severity

__all__ = [
    "CvssScore", "base_score", "parse_vector", "roundup", "score_vector", "severity_for_score",
]

_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR_UNCHANGED = {"N": 0.85, "L": 0.62, "H": 0.27}
_PR_CHANGED = {"N": 0.85, "L": 0.68, "H": 0.5}
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}
_SCOPE = {"U", "C"}
_BASE = ("AV", "AC", "PR", "UI", "S", "C", "I", "A")


@frozen
class CvssScore:
    """A scored vector: the version (``"3.0"``/``"3.1"``/``"4.0"``), the score, its rating."""

    version: str
    score: float
    severity: Severity
    vector: str


def roundup(value: float) -> float:
    """The smallest number with one decimal that is >= ``value`` (CVSS v3.1 Appendix A)."""
    as_int = round(value * 100_000)
    if as_int % 10_000 == 0:
        return as_int / 100_000.0
    return (math.floor(as_int / 10_000) + 1) / 10.0


def severity_for_score(score: float) -> Severity:
    """The qualitative rating: 0.1-3.9 low, 4.0-6.9 medium, 7.0-8.9 high, 9.0+ critical.

    A score of 0.0 (rating "None") maps to :attr:`Severity.UNKNOWN`.
    """
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.UNKNOWN


def parse_vector(vector: str) -> tuple[str, dict[str, str]]:
    """Split ``CVSS:3.1/AV:N/...`` into its version and metric values; ValueError if invalid."""
    parts = vector.strip().split("/")
    head = parts[0]
    if not head.startswith("CVSS:") or head[5:] not in {"3.0", "3.1"}:
        raise ValueError(f"not a CVSS v3 vector: {vector!r}")
    metrics: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if not sep or not key or not value or key in metrics:
            raise ValueError(f"malformed CVSS metric {part!r} in {vector!r}")
        metrics[key] = value
    missing = [m for m in _BASE if m not in metrics]
    if missing:
        raise ValueError(f"CVSS vector {vector!r} lacks {', '.join(missing)}")
    return head[5:], metrics


def base_score(vector: str) -> CvssScore:
    """The CVSS v3 base score of ``vector``; ValueError for anything but a valid v3 vector."""
    version, m = parse_vector(vector)
    try:
        scope = m["S"]
        if scope not in _SCOPE:
            raise KeyError(scope)
        changed = scope == "C"
        av, ac, ui = _AV[m["AV"]], _AC[m["AC"]], _UI[m["UI"]]
        pr = (_PR_CHANGED if changed else _PR_UNCHANGED)[m["PR"]]
        c, i, a = _CIA[m["C"]], _CIA[m["I"]], _CIA[m["A"]]
    except KeyError as exc:
        raise ValueError(f"unknown CVSS metric value {exc.args[0]!r} in {vector!r}") from None
    iss = 1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a)
    impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
    exploitability = 8.22 * av * ac * pr * ui
    if impact <= 0:
        score = 0.0
    elif changed:
        score = roundup(min(1.08 * (impact + exploitability), 10.0))
    else:
        score = roundup(min(impact + exploitability, 10.0))
    return CvssScore(version, score, severity_for_score(score), vector.strip())


def score_vector(vector: str) -> CvssScore:
    """The score of a CVSS v3.x or v4.0 vector, by its prefix; ValueError for anything else.

    v3 vectors give their base score; v4.0 vectors are scored as given (base, threat and
    environmental metrics present).
    """
    from pipwarden.vulndb.cvss4 import MAX_VECTOR_LENGTH, score

    if not isinstance(vector, str):
        raise ValueError("a CVSS vector must be a string")
    if len(vector) > MAX_VECTOR_LENGTH:  # never quote a huge string in an error
        raise ValueError(f"CVSS vector longer than {MAX_VECTOR_LENGTH} characters")
    if vector.lstrip().startswith("CVSS:4.0/"):
        return score(vector)
    return base_score(vector)
