"""CVSS v4.0 scores from vector strings, with the standard library only.

Implements the scoring of the FIRST CVSS v4.0 specification (section 8, "CVSS v4.0
Scoring"): the metrics of a vector fall into six equivalence classes (EQ1..EQ6) whose
levels name a *macrovector*; the specification's lookup table gives the score of the most
severe vector of each macrovector, and the vector's score is that value less the mean,
over the classes, of its severity distance from the class's most severe vectors, scaled to
the score gap to the next lower macrovector. The result is rounded to one decimal place
half up, as FIRST's reference calculator does.

The vector is scored as given: a CVSS-B vector (base metrics only) gives the base score;
threat (``E``) and environmental metrics present are applied (CVSS-BT/BE/BTE), and
supplemental metrics are validated and do not change the score. The lookup table, the
most severe vectors of each class level and the class depths are data of the standard.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from pipwarden.vulndb.cvss import CvssScore, severity_for_score

__all__ = ["MAX_VECTOR_LENGTH", "macrovector", "parse_vector", "score"]

MAX_VECTOR_LENGTH = 512  # the longest valid vector has about 170 characters

# Every metric with its allowed values, in the order the specification requires them in a
# vector string (section 7): base (all mandatory), threat, environmental, supplemental.
_METRICS: dict[str, frozenset[str]] = {
    "AV": frozenset("NALP"), "AC": frozenset("LH"), "AT": frozenset("NP"),
    "PR": frozenset("NLH"), "UI": frozenset("NPA"),
    "VC": frozenset("HLN"), "VI": frozenset("HLN"), "VA": frozenset("HLN"),
    "SC": frozenset("HLN"), "SI": frozenset("HLN"), "SA": frozenset("HLN"),
    "E": frozenset("XAPU"),
    "CR": frozenset("XHML"), "IR": frozenset("XHML"), "AR": frozenset("XHML"),
    "MAV": frozenset("XNALP"), "MAC": frozenset("XLH"), "MAT": frozenset("XNP"),
    "MPR": frozenset("XNLH"), "MUI": frozenset("XNPA"),
    "MVC": frozenset("XHLN"), "MVI": frozenset("XHLN"), "MVA": frozenset("XHLN"),
    "MSC": frozenset("XHLN"), "MSI": frozenset("XSHLN"), "MSA": frozenset("XSHLN"),
    "S": frozenset("XNP"), "AU": frozenset("XNY"), "R": frozenset("XAUI"),
    "V": frozenset("XDC"), "RE": frozenset("XLMH"),
    "U": frozenset({"X", "Clear", "Green", "Amber", "Red"}),
}
_ORDER = {name: n for n, name in enumerate(_METRICS)}
_BASE = tuple(_METRICS)[:11]

# Score of each macrovector (EQ1..EQ6 levels as six digits): the specification's table.
_LOOKUP: dict[str, float] = {
    "000000": 10.0, "000001": 9.9, "000010": 9.8, "000011": 9.5, "000020": 9.5, "000021": 9.2,
    "000100": 10.0, "000101": 9.6, "000110": 9.3, "000111": 8.7, "000120": 9.1, "000121": 8.1,
    "000200": 9.3, "000201": 9.0, "000210": 8.9, "000211": 8.0, "000220": 8.1, "000221": 6.8,
    "001000": 9.8, "001001": 9.5, "001010": 9.5, "001011": 9.2, "001020": 9.0, "001021": 8.4,
    "001100": 9.3, "001101": 9.2, "001110": 8.9, "001111": 8.1, "001120": 8.1, "001121": 6.5,
    "001200": 8.8, "001201": 8.0, "001210": 7.8, "001211": 7.0, "001220": 6.9, "001221": 4.8,
    "002001": 9.2, "002011": 8.2, "002021": 7.2, "002101": 7.9, "002111": 6.9, "002121": 5.0,
    "002201": 6.9, "002211": 5.5, "002221": 2.7, "010000": 9.9, "010001": 9.7, "010010": 9.5,
    "010011": 9.2, "010020": 9.2, "010021": 8.5, "010100": 9.5, "010101": 9.1, "010110": 9.0,
    "010111": 8.3, "010120": 8.4, "010121": 7.1, "010200": 9.2, "010201": 8.1, "010210": 8.2,
    "010211": 7.1, "010220": 7.2, "010221": 5.3, "011000": 9.5, "011001": 9.3, "011010": 9.2,
    "011011": 8.5, "011020": 8.5, "011021": 7.3, "011100": 9.2, "011101": 8.2, "011110": 8.0,
    "011111": 7.2, "011120": 7.0, "011121": 5.9, "011200": 8.4, "011201": 7.0, "011210": 7.1,
    "011211": 5.2, "011220": 5.0, "011221": 3.0, "012001": 8.6, "012011": 7.5, "012021": 5.2,
    "012101": 7.1, "012111": 5.2, "012121": 2.9, "012201": 6.3, "012211": 2.9, "012221": 1.7,
    "100000": 9.8, "100001": 9.5, "100010": 9.4, "100011": 8.7, "100020": 9.1, "100021": 8.1,
    "100100": 9.4, "100101": 8.9, "100110": 8.6, "100111": 7.4, "100120": 7.7, "100121": 6.4,
    "100200": 8.7, "100201": 7.5, "100210": 7.4, "100211": 6.3, "100220": 6.3, "100221": 4.9,
    "101000": 9.4, "101001": 8.9, "101010": 8.8, "101011": 7.7, "101020": 7.6, "101021": 6.7,
    "101100": 8.6, "101101": 7.6, "101110": 7.4, "101111": 5.8, "101120": 5.9, "101121": 5.0,
    "101200": 7.2, "101201": 5.7, "101210": 5.7, "101211": 5.2, "101220": 5.2, "101221": 2.5,
    "102001": 8.3, "102011": 7.0, "102021": 5.4, "102101": 6.5, "102111": 5.8, "102121": 2.6,
    "102201": 5.3, "102211": 2.1, "102221": 1.3, "110000": 9.5, "110001": 9.0, "110010": 8.8,
    "110011": 7.6, "110020": 7.6, "110021": 7.0, "110100": 9.0, "110101": 7.7, "110110": 7.5,
    "110111": 6.2, "110120": 6.1, "110121": 5.3, "110200": 7.7, "110201": 6.6, "110210": 6.8,
    "110211": 5.9, "110220": 5.2, "110221": 3.0, "111000": 8.9, "111001": 7.8, "111010": 7.6,
    "111011": 6.7, "111020": 6.2, "111021": 5.8, "111100": 7.4, "111101": 5.9, "111110": 5.7,
    "111111": 5.7, "111120": 4.7, "111121": 2.3, "111200": 6.1, "111201": 5.2, "111210": 5.7,
    "111211": 2.9, "111220": 2.4, "111221": 1.6, "112001": 7.1, "112011": 5.9, "112021": 3.0,
    "112101": 5.8, "112111": 2.6, "112121": 1.5, "112201": 2.3, "112211": 1.3, "112221": 0.6,
    "200000": 9.3, "200001": 8.7, "200010": 8.6, "200011": 7.2, "200020": 7.5, "200021": 5.8,
    "200100": 8.6, "200101": 7.4, "200110": 7.4, "200111": 6.1, "200120": 5.6, "200121": 3.4,
    "200200": 7.0, "200201": 5.4, "200210": 5.2, "200211": 4.0, "200220": 4.0, "200221": 2.2,
    "201000": 8.5, "201001": 7.5, "201010": 7.4, "201011": 5.5, "201020": 6.2, "201021": 5.1,
    "201100": 7.2, "201101": 5.7, "201110": 5.5, "201111": 4.1, "201120": 4.6, "201121": 1.9,
    "201200": 5.3, "201201": 3.6, "201210": 3.4, "201211": 1.9, "201220": 1.9, "201221": 0.8,
    "202001": 6.4, "202011": 5.1, "202021": 2.0, "202101": 4.7, "202111": 2.1, "202121": 1.1,
    "202201": 2.4, "202211": 0.9, "202221": 0.4, "210000": 8.8, "210001": 7.5, "210010": 7.3,
    "210011": 5.3, "210020": 6.0, "210021": 5.0, "210100": 7.3, "210101": 5.5, "210110": 5.9,
    "210111": 4.0, "210120": 4.1, "210121": 2.0, "210200": 5.4, "210201": 4.3, "210210": 4.5,
    "210211": 2.2, "210220": 2.0, "210221": 1.1, "211000": 7.5, "211001": 5.5, "211010": 5.8,
    "211011": 4.5, "211020": 4.0, "211021": 2.1, "211100": 6.1, "211101": 5.1, "211110": 4.8,
    "211111": 1.8, "211120": 2.0, "211121": 0.9, "211200": 4.6, "211201": 1.8, "211210": 1.7,
    "211211": 0.7, "211220": 0.8, "211221": 0.2, "212001": 5.3, "212011": 2.4, "212021": 1.4,
    "212101": 2.4, "212111": 1.2, "212121": 0.5, "212201": 1.0, "212211": 0.3, "212221": 0.1,
}

# Severity distance of each value (in steps of 0.1; lower is more severe).
_LEVELS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.0, "A": 0.1, "L": 0.2, "P": 0.3},
    "PR": {"N": 0.0, "L": 0.1, "H": 0.2},
    "UI": {"N": 0.0, "P": 0.1, "A": 0.2},
    "AC": {"L": 0.0, "H": 0.1},
    "AT": {"N": 0.0, "P": 0.1},
    "VC": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VI": {"H": 0.0, "L": 0.1, "N": 0.2},
    "VA": {"H": 0.0, "L": 0.1, "N": 0.2},
    "SC": {"H": 0.1, "L": 0.2, "N": 0.3},
    "SI": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "SA": {"S": 0.0, "H": 0.1, "L": 0.2, "N": 0.3},
    "CR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "IR": {"H": 0.0, "M": 0.1, "L": 0.2},
    "AR": {"H": 0.0, "M": 0.1, "L": 0.2},
}


def _vectors(*texts: str) -> tuple[dict[str, str], ...]:
    """``"AV:N/PR:N"`` → ``{"AV": "N", "PR": "N"}``, for the tables below."""
    return tuple(dict(p.split(":") for p in text.split("/")) for text in texts)


# The most severe vectors of each level of each class, in the order the reference
# calculator tries them (the first one the scored vector does not exceed is used).
_EQ1_MAX = {
    0: _vectors("AV:N/PR:N/UI:N"),
    1: _vectors("AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"),
    2: _vectors("AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"),
}
_EQ2_MAX = {0: _vectors("AC:L/AT:N"), 1: _vectors("AC:H/AT:N", "AC:L/AT:P")}
_EQ3EQ6_MAX = {
    (0, 0): _vectors("VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"),
    (0, 1): _vectors("VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"),
    (1, 0): _vectors("VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"),
    (1, 1): _vectors(
        "VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
        "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
        "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M",
    ),
    (2, 1): _vectors("VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"),
}
_EQ4_MAX = {0: _vectors("SC:H/SI:S/SA:S"), 1: _vectors("SC:H/SI:H/SA:H"),
            2: _vectors("SC:L/SI:L/SA:L")}

# Depth of each class level: its largest severity distance plus one, in steps of 0.1.
_EQ1_DEPTH = {0: 1, 1: 4, 2: 5}
_EQ2_DEPTH = {0: 1, 1: 2}
_EQ3EQ6_DEPTH = {(0, 0): 7, (0, 1): 6, (1, 0): 8, (1, 1): 8, (2, 1): 10}
_EQ4_DEPTH = {0: 6, 1: 5, 2: 4}

_STEP = 0.1
_EPSILON = 1e-6  # the reference calculator's guard against 4.4999999… before rounding
_IMPACT = ("VC", "VI", "VA", "SC", "SI", "SA")


def parse_vector(vector: str) -> dict[str, str]:
    """The metrics of a ``CVSS:4.0/…`` vector; ValueError unless it is valid.

    Valid means: the ``CVSS:4.0`` prefix, every base metric, only known metrics with
    allowed values, each at most once and in the specification's order.
    """
    if not isinstance(vector, str):
        raise ValueError("a CVSS vector must be a string")
    if len(vector) > MAX_VECTOR_LENGTH:
        raise ValueError(f"CVSS v4 vector longer than {MAX_VECTOR_LENGTH} characters")
    parts = vector.strip().split("/")
    if parts[0] != "CVSS:4.0":
        raise ValueError(f"not a CVSS v4.0 vector: {vector!r}")
    metrics: dict[str, str] = {}
    last = -1
    for part in parts[1:]:
        key, sep, value = part.partition(":")
        if not sep or key not in _METRICS:
            raise ValueError(f"unknown CVSS v4 metric {part!r} in {vector!r}")
        if value not in _METRICS[key]:
            raise ValueError(f"invalid value {value!r} of CVSS v4 metric {key} in {vector!r}")
        if _ORDER[key] <= last:
            raise ValueError(f"CVSS v4 metric {key} repeated or out of order in {vector!r}")
        last = _ORDER[key]
        metrics[key] = value
    missing = [m for m in _BASE if m not in metrics]
    if missing:
        raise ValueError(f"CVSS v4 vector {vector!r} lacks {', '.join(missing)}")
    return metrics


def _effective(metrics: Mapping[str, str]) -> dict[str, str]:
    """The values scoring uses: a modified metric (``MAV``…) replaces its base metric, and
    a threat or requirement metric left out (or ``X``) counts as its worst case
    (``E:A``, ``CR:H``, ``IR:H``, ``AR:H``)."""
    eff = {}
    for name in _BASE:
        modified = metrics.get("M" + name, "X")
        eff[name] = metrics[name] if modified == "X" else modified
    eff["E"] = metrics.get("E", "X").replace("X", "A")
    for name in ("CR", "IR", "AR"):
        eff[name] = metrics.get(name, "X").replace("X", "H")
    return eff


def _levels(eff: Mapping[str, str]) -> tuple[int, int, int, int, int, int]:
    """The EQ1..EQ6 levels (0 is the most severe) of effective values."""
    av, pr, ui = eff["AV"], eff["PR"], eff["UI"]
    if av == "N" and pr == "N" and ui == "N":
        eq1 = 0
    elif (av == "N" or pr == "N" or ui == "N") and av != "P":
        eq1 = 1
    else:
        eq1 = 2
    eq2 = 0 if eff["AC"] == "L" and eff["AT"] == "N" else 1
    vc, vi, va = eff["VC"], eff["VI"], eff["VA"]
    if vc == "H" and vi == "H":
        eq3 = 0
    elif "H" in (vc, vi, va):
        eq3 = 1
    else:
        eq3 = 2
    if eff["SI"] == "S" or eff["SA"] == "S":  # MSI:S or MSA:S (Safety)
        eq4 = 0
    elif "H" in (eff["SC"], eff["SI"], eff["SA"]):
        eq4 = 1
    else:
        eq4 = 2
    eq5 = "APU".index(eff["E"])
    high = (eff["CR"] == "H" and vc == "H") or (eff["IR"] == "H" and vi == "H") or (
        eff["AR"] == "H" and va == "H"
    )
    eq6 = 0 if high else 1
    return eq1, eq2, eq3, eq4, eq5, eq6


def macrovector(vector: str) -> str:
    """The six-digit macrovector (EQ1..EQ6 levels) of a valid v4 vector; ValueError if not."""
    return "".join(map(str, _levels(_effective(parse_vector(vector)))))


def _key(levels: tuple[int, ...]) -> str:
    return "".join(map(str, levels))


def _lower(levels: tuple[int, int, int, int, int, int], eq: int) -> float | None:
    """Score of the next lower macrovector along one class; None where there is none."""
    bumped = list(levels)
    bumped[eq] += 1
    return _LOOKUP.get(_key(tuple(bumped)))


def _lower_eq3eq6(levels: tuple[int, int, int, int, int, int]) -> float | None:
    """EQ3 and EQ6 move together: 00 → the higher of 01 and 10; 01 → 11; 10 → 11; 11 → 21."""
    eq1, eq2, eq3, eq4, eq5, eq6 = levels
    if (eq3, eq6) == (0, 0):
        left = _LOOKUP.get(_key((eq1, eq2, 0, eq4, eq5, 1)))
        right = _LOOKUP.get(_key((eq1, eq2, 1, eq4, eq5, 0)))
        found = [s for s in (left, right) if s is not None]
        return max(found) if len(found) == 2 else None
    if (eq3, eq6) == (1, 0):
        return _LOOKUP.get(_key((eq1, eq2, 1, eq4, eq5, 1)))
    if eq3 < 2:  # 01 → 11, 11 → 21
        return _LOOKUP.get(_key((eq1, eq2, eq3 + 1, eq4, eq5, eq6)))
    return None  # 21: nothing lower


def _distances(
    eff: Mapping[str, str], choices: tuple[dict[str, str], ...]
) -> dict[str, float]:
    """Per-metric severity distances from the first most-severe vector not exceeded."""
    last: dict[str, float] = {}
    for candidate in choices:
        last = {m: _LEVELS[m][eff[m]] - _LEVELS[m][v] for m, v in candidate.items()}
        if all(d >= 0 for d in last.values()):
            return last
    return last


def _round(value: float) -> float:
    """One decimal place, half up, as the reference calculator (JavaScript Math.round)."""
    shifted = (value + _EPSILON) * 10
    whole = math.floor(shifted)
    return (whole + 1 if shifted - whole >= 0.5 else whole) / 10


def score(vector: str) -> CvssScore:
    """The CVSS v4.0 score of ``vector`` as given; ValueError for anything but a valid one."""
    eff = _effective(parse_vector(vector))
    clean = vector.strip()
    if all(eff[m] == "N" for m in _IMPACT):
        return CvssScore("4.0", 0.0, severity_for_score(0.0), clean)
    levels = _levels(eff)
    eq1, eq2, eq3, eq4, _eq5, eq6 = levels
    value = _LOOKUP[_key(levels)]
    d = {
        **_distances(eff, _EQ1_MAX[eq1]),
        **_distances(eff, _EQ2_MAX[eq2]),
        **_distances(eff, _EQ3EQ6_MAX[(eq3, eq6)]),
        **_distances(eff, _EQ4_MAX[eq4]),
    }
    # (distance within the class, depth of the class level, score of the next lower level)
    classes = (
        (d["AV"] + d["PR"] + d["UI"], _EQ1_DEPTH[eq1], _lower(levels, 0)),
        (d["AC"] + d["AT"], _EQ2_DEPTH[eq2], _lower(levels, 1)),
        (
            d["VC"] + d["VI"] + d["VA"] + d["CR"] + d["IR"] + d["AR"],
            _EQ3EQ6_DEPTH[(eq3, eq6)],
            _lower_eq3eq6(levels),
        ),
        (d["SC"] + d["SI"] + d["SA"], _EQ4_DEPTH[eq4], _lower(levels, 3)),
    )
    total = 0.0
    existing = 0
    for distance, depth, lower in classes:
        if lower is not None:
            existing += 1
            total += (value - lower) * (distance / (depth * _STEP))
    if _lower(levels, 4) is not None:  # EQ5 has a lower level but no distance inside one
        existing += 1
    mean = total / existing if existing else 0.0
    result = _round(max(0.0, min(10.0, value - mean)))
    return CvssScore("4.0", result, severity_for_score(result), clean)
