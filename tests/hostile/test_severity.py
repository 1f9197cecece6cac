"""Hostile severity data in OSV records: nothing in a record makes a vulnerability pass by
breaking the severity, crashes the import, or reaches the terminal unescaped.

Every case is a record that affects ``demo==1.0`` and carries a damaged or misleading
severity; ``pipwarden audit`` must still report it, of unknown severity, and exit 1 under
the policy ``pipwarden init`` writes (``fail-on = "low"``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.cvss import score_vector
from pipwarden.vulndb.cvss4 import _METRICS, score

FUZZ = settings(
    max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
BASE = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"

CASES: list[tuple[str, dict[str, Any]]] = [
    # a vector that scores 0.0 ("None") must not turn a vulnerability into a pass
    ("zero-v4-vector", {"severity": [{"type": "CVSS_V4", "score": BASE.replace(
        "VC:H/VI:H/VA:H", "VC:N/VI:N/VA:N")}]}),
    ("zero-v3-vector", {"severity": [{"type": "CVSS_V3", "score":
                                      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"}]}),
    ("huge-vector", {"severity": [{"type": "CVSS_V4", "score": BASE + "/E:A" * 50_000}]}),
    ("huge-v3-vector", {"severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/" + "A" * 200_000}]}),
    ("escape-in-vector", {"severity": [{"type": "CVSS_V4",
                                        "score": BASE + "/\x1b[2J\x1b]0;pwned\x07"}]}),
    ("surrogate-in-vector", {"severity": [{"type": "CVSS_V4", "score": BASE + "/E:\ud800"}]}),
    ("bidi-in-label", {"database_specific": {"severity": "LOW\u202e"}}),
    ("label-none", {"database_specific": {"severity": "NONE"}}),
    ("label-claims-malicious", {"database_specific": {"severity": "known malicious"}}),
    ("unknown-type", {"severity": [{"type": "CVSS_V9", "score": BASE}]}),
    ("v2-vector", {"severity": [{"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:C/I:C/A:C"}]}),
    ("empty-score", {"severity": [{"type": "CVSS_V4", "score": ""}]}),
    ("many-bad-vectors", {"severity": [{"type": "CVSS_V4", "score": f"CVSS:4.0/AV:N/{n}"}
                                       for n in range(3_000)]}),
    ("v3-vector-under-v4-type", {"severity": [{"type": "CVSS_V4", "score":
                                               "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"}]}),
]


def _record(rid: str, extra: dict[str, Any]) -> dict[str, Any]:
    return {"id": rid, "summary": "remote code execution",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}],
            **extra}


@pytest.mark.parametrize("extra", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_damaged_severity_fails_closed(
    extra: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    osv = tmp_path / "osv"
    osv.mkdir()
    (osv / "r.json").write_text(json.dumps(_record("PYSEC-2099-9", extra)), encoding="ascii")
    db = tmp_path / "db.sqlite3"
    assert main(["db", "import", str(osv), "--db", str(db)]) == 0
    as_current(db)  # the record has no date: severity, not data age, is under test
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\u202e" not in out + err
    assert len(err) < 2_000, "the import quoted the damaged data at length"
    (tmp_path / "requirements.txt").write_text("demo==1.0\n", encoding="utf-8")
    (tmp_path / ".pipwarden.toml").write_text('fail-on = "low"\n', encoding="utf-8")
    for fmt in ("text", "json"):
        code = main(["audit", "-r", str(tmp_path / "requirements.txt"), "--db", str(db),
                     "--offline", "--project", str(tmp_path), "--format", fmt])
        out, err = capsys.readouterr()
        assert code == 1, "a damaged severity let the vulnerability pass"
        assert "\x1b" not in out + err and "\u202e" not in out + err
        assert len(err) < 2_000, "an error quoted the damaged data at length"
        if fmt == "json":
            (finding,) = json.loads(out)["findings"]
            assert finding["id"] == "PYSEC-2099-9"
            assert (finding["severity"], finding["severity_source"]) == ("unknown", "unknown")
        else:
            assert "unknown severity" in out and "treated as critical" in out


_VALUE = {name: sorted(values) for name, values in _METRICS.items()}


@st.composite
def _vectors(draw: st.DrawFn) -> str:
    """Valid vectors (every base metric, optional others in order) with damage sometimes."""
    parts = []
    for n, (name, values) in enumerate(_VALUE.items()):
        if n < 11 or draw(st.booleans()):
            parts.append(f"{name}:{draw(st.sampled_from(values))}")
    if draw(st.integers(0, 3)) == 0:  # damage: drop, swap, duplicate or garble a part
        i = draw(st.integers(0, len(parts) - 1))
        how = draw(st.sampled_from(["drop", "swap", "dup", "garble"]))
        if how == "drop":
            parts.pop(i)
        elif how == "swap" and len(parts) > 1:
            j = (i + 1) % len(parts)
            parts[i], parts[j] = parts[j], parts[i]
        elif how == "dup":
            parts.insert(i, parts[i])
        else:
            parts[i] = draw(st.text(max_size=6))
    return "CVSS:4.0/" + "/".join(parts)


@FUZZ
@given(vector=st.one_of(_vectors(), st.text(max_size=80),
                        st.text(max_size=40).map(lambda t: "CVSS:4.0/" + t)))
def test_fuzz_v4_vectors_score_in_range_or_raise_value_error(vector: str) -> None:
    """Any string: a score in 0.0..10.0 with one decimal, or ValueError, never another error."""
    try:
        result = score_vector(vector)
    except ValueError:
        return
    assert 0.0 <= result.score <= 10.0
    assert round(result.score, 1) == result.score
    if vector.lstrip().startswith("CVSS:4.0/"):
        assert result.score == score(vector).score
