"""CVSS v4.0 scores: published vectors with their published scores, an oracle, bad vectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipwarden.models import Severity
from pipwarden.vulndb.cvss import score_vector
from pipwarden.vulndb.cvss4 import macrovector, parse_vector, score

# FIRST, "CVSS v4.0 Examples" (first.org/cvss/v4-0/examples): each vector with the score
# the page prints for it (or its calculator link shows), named by the CVE it scores.
FIRST_EXAMPLES = [
    # CVE-2022-41741, new metric Attack Requirements (CVSS-B)
    ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.3),
    # CVE-2020-3549, Attack Requirements: CVSS-B, then CVSS-BT with E:U
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 7.7),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U", 5.2),
    # CVE-2023-3089: CVSS-B, then CVSS-BE with requirements and modified metrics
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N", 8.3),
    ("CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/CR:H/IR:L/AR:L/MAV:N"
     "/MAC:H/MVC:H/MVI:L/MVA:L", 8.1),
    # CVE-2021-44714, revised metric User Interaction (UI:A)
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 4.6),
    # CVE-2022-21830, User Interaction with subsequent-system impact
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 5.1),
    # CVE-2022-22186, subsequent system only
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N", 6.9),
    # CVE-2023-21989
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:N/VI:N/VA:N/SC:H/SI:N/SA:N", 5.9),
    # CVE-2020-3947
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 9.4),
    # CVE-2023-48228
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:H/VA:N/SC:H/SI:H/SA:H", 9.3),
    # CVE-2023-30560, Safety (supplemental S:P, V:D do not change the score)
    ("CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:H/SA:N/S:P/V:D", 8.3),
    # safety through the environmental MSI:S (EQ4 level 0)
    ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/S:P", 8.6),
    ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/MSI:S/S:P", 9.7),
    # CVE-2014-0160 (Heartbleed), E:A is the default and changes nothing
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N/E:A", 8.7),
    # CVE-2021-44228 (log4shell): every impact high
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:A/CR:H/IR:H/AR:H"
     "/MAV:L/MAT:P", 8.9),
    # CVE-2021-44228 in an environment: threat and modified metrics together (CVSS-BTE)
    ("CVSS:4.0/AV:N/AC:H/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MAC:L/MAT:N/MVC:N"
     "/MVI:N/MVA:L", 5.5),
    # CVE-2013-6014 (Juniper proxy ARP)
    ("CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:H/SI:N/SA:H", 6.4),
    # CVE-2016-5729 (Lenovo ThinkPwn), supplemental R:I
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/R:I", 8.4),
    # availability only, then exploit maturity unreported
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L", 8.7),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:L/E:U", 6.6),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N", 8.3),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N/E:U", 5.6),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H", 6.4),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H/E:U/MAV:A/R:U/V:C", 2.4),
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
    # modified impacts all None: no impact, 0.0
    ("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MVC:N/MVI:N/MVA:N",
     0.0),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 7.1),
]

# The FIRST CVSS v4.0 specification's and reference calculator's own examples.
REFERENCE_EXAMPLES = [
    # the reference calculator's documented example (cvss40.js, class CVSS40): 8.7, High
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A", 8.7),
    # the calculator's default vector (network, no privileges, high vulnerable impact)
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3),
    # every impact None: the specification scores 0.0 (rating None)
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0),
]

ORACLE = Path(__file__).parent / "data" / "cvss4" / "vectors-scored-by-cvss-3.6.txt"


def _oracle() -> list[tuple[str, float]]:
    rows = []
    for line in ORACLE.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            vector, value = line.split()
            rows.append((vector, float(value)))
    return rows


@pytest.mark.parametrize(("vector", "expected"), FIRST_EXAMPLES + REFERENCE_EXAMPLES)
def test_published_vectors(vector: str, expected: float) -> None:
    assert score(vector).score == expected
    assert score_vector(vector).score == expected  # the one entry point for v3 and v4


def test_oracle_vectors_cover_every_macrovector_and_agree() -> None:
    """300 vectors scored by Red Hat's `cvss` 3.6 (an independent port of the reference):
    one per macrovector, and 30 whose exact score is a tie at the second decimal."""
    rows = _oracle()
    assert len(rows) == 300
    assert len({macrovector(v) for v, _ in rows[:270]}) == 270
    wrong = [(v, s, score(v).score) for v, s in rows if score(v).score != s]
    assert not wrong, wrong[:5]


@pytest.mark.parametrize(
    ("value", "severity"),
    [
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Severity.CRITICAL),
        ("CVSS:4.0/AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", Severity.HIGH),
        ("CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", Severity.MEDIUM),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:N/VI:N/VA:N/SC:H/SI:L/SA:H/E:U/MAV:A/R:U/V:C",
         Severity.LOW),
        ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", Severity.UNKNOWN),
    ],
    ids=["critical", "high", "medium", "low", "none"],
)
def test_rating(value: str, severity: Severity) -> None:
    result = score(value)
    assert result.severity is severity
    assert result.version == "4.0"


def test_macrovector_levels() -> None:
    # the highest macrovector and the lowest (every EQ at its least severe level)
    assert macrovector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H"
                       "/MSI:S") == "000000"
    assert macrovector("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L"
                       "/E:U") == "212221"


def test_surrounding_white_space_is_accepted_and_dropped() -> None:
    vector = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    assert score(f"  {vector}\n").vector == vector


BASE = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

MALFORMED = [
    ("empty", ""),
    ("no-prefix", BASE.removeprefix("CVSS:4.0/")),
    ("v3-prefix", BASE.replace("CVSS:4.0", "CVSS:3.1")),
    ("v40-typo", BASE.replace("CVSS:4.0", "CVSS:4.1")),
    ("missing-base", BASE.replace("/AT:N", "")),
    ("only-prefix", "CVSS:4.0/"),
    ("bad-value", BASE.replace("AV:N", "AV:X")),
    ("lowercase-value", BASE.replace("AV:N", "AV:n")),
    ("unknown-metric", BASE + "/ZZ:A"),
    ("v3-metric", BASE + "/S:U/C:H"),
    ("repeated", BASE + "/E:A/E:P"),
    ("base-twice", BASE + "/AV:N"),
    ("out-of-order", BASE.replace("AV:N/AC:L", "AC:L/AV:N")),
    ("threat-after-env", BASE + "/CR:H/E:A"),
    ("trailing-slash", BASE + "/"),
    ("no-colon", BASE + "/E"),
    ("empty-value", BASE + "/E:"),
    ("safety-on-base", BASE.replace("SI:N", "SI:S")),
    ("safety-on-msc", BASE + "/MSC:S"),
    ("x-on-base", BASE.replace("VC:H", "VC:X")),
    ("huge", BASE + "/S:N" * 2_000),
    ("inner-space", BASE.replace("/AC:L", "/ AC:L")),
]


@pytest.mark.parametrize("vector", [v for _, v in MALFORMED], ids=[n for n, _ in MALFORMED])
def test_malformed_vectors_raise_value_error(vector: str) -> None:
    with pytest.raises(ValueError):
        score(vector)
    with pytest.raises(ValueError):
        parse_vector(vector)


def test_not_a_string_raises_value_error() -> None:
    with pytest.raises(ValueError):
        score_vector(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        score(42)  # type: ignore[arg-type]


def test_score_vector_dispatches_on_the_prefix() -> None:
    assert score_vector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").version == "3.1"
    assert score_vector(BASE).version == "4.0"
    with pytest.raises(ValueError):
        score_vector("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P")
