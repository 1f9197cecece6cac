"""CVSS v3 base scores: published vectors with their published base scores."""

from __future__ import annotations

import pytest

from pipwarden.models import Severity
from pipwarden.vulndb.cvss import base_score, roundup, severity_for_score

# Vectors and base scores as NVD / the FIRST calculator publish them.
KNOWN = [
    # CVE-2021-44228 (log4shell)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, Severity.CRITICAL),
    # the classic unauthenticated RCE
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, Severity.CRITICAL),
    # a stored XSS (scope changed, user interaction)
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, Severity.MEDIUM),
    # a network DoS
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, Severity.HIGH),
    # a local privilege escalation
    ("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, Severity.HIGH),
    # an information leak
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3, Severity.MEDIUM),
    # the OSV schema's own example (GHSA-r9p9-mrjm-926w, elliptic)
    ("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N", 6.8, Severity.MEDIUM),
    # PR:L with scope changed uses 0.68, not 0.62
    ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, Severity.CRITICAL),
    # a v3.0 vector (drive-by RCE needing a click)
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8, Severity.HIGH),
    # no impact at all: 0.0, rating "None"
    ("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N", 0.0, Severity.UNKNOWN),
    # temporal metrics are ignored for the base score
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C", 9.8, Severity.CRITICAL),
]


@pytest.mark.parametrize(("vector", "score", "severity"), KNOWN)
def test_known_vectors(vector: str, score: float, severity: Severity) -> None:
    result = base_score(vector)
    assert result.score == score
    assert result.severity is severity


def test_metric_order_does_not_matter() -> None:
    assert base_score("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H").score == 9.8


@pytest.mark.parametrize(
    ("value", "expected"),
    [(4.0, 4.0), (4.02, 4.1), (4.000000000000001, 4.0), (6.10001, 6.2), (6.1000000001, 6.1),
     (0.0, 0.0)],
)
def test_roundup(value: float, expected: float) -> None:
    assert roundup(value) == expected


@pytest.mark.parametrize(
    ("score", "severity"),
    [(0.0, Severity.UNKNOWN), (0.1, Severity.LOW), (3.9, Severity.LOW), (4.0, Severity.MEDIUM),
     (6.9, Severity.MEDIUM), (7.0, Severity.HIGH), (8.9, Severity.HIGH), (9.0, Severity.CRITICAL)],
)
def test_rating_bands(score: float, severity: Severity) -> None:
    assert severity_for_score(score) is severity


@pytest.mark.parametrize(
    "vector",
    [
        "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # no prefix
        "CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",  # A missing
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # unknown value
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Q/C:H/I:H/A:H",  # unknown scope
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",  # duplicate
    ],
)
def test_invalid_vectors_raise(vector: str) -> None:
    with pytest.raises(ValueError, match="CVSS"):
        base_score(vector)
