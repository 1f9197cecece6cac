"""Severity through the CLI: where it comes from, and that unknown severity fails closed.

Real PyPA records (PyYAML 5.3: two arbitrary-code-execution advisories without any
severity) with the policy `pipwarden init` writes, and small made-up records for the CVSS
v4, label and alias sources.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.models import Severity
from pipwarden.policy import Policy
from pipwarden.vulndb.update import import_source

ARCHIVE = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
V4_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
V3_MEDIUM = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"  # 5.3
PYYAML_IDS = ["PYSEC-2020-96", "PYSEC-2021-142"]


@pytest.fixture(scope="module")
def pypa_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("pypa") / "osv.sqlite3"
    import_source(ARCHIVE, db)
    return as_current(db)  # the 2024 records, dated today: severity is under test


def _record(rid: str, package: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": rid,
        "summary": f"{rid} summary",
        "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "PyPI", "name": package}, "versions": ["1.0"]}],
        **extra,
    }


RECORDS = [
    # only a CVSS v4 vector
    _record("GHSA-v4v4-v4v4-v4v4", "only-v4", severity=[{"type": "CVSS_V4", "score": V4_CRITICAL}]),
    # only a GHSA label
    _record("GHSA-labl-labl-labl", "only-label", database_specific={"severity": "HIGH"}),
    # a record without severity and its alias with one (one flaw, two databases)
    _record("PYSEC-2099-1", "via-alias", aliases=["GHSA-alia-alia-alia"]),
    _record("GHSA-alia-alia-alia", "via-alias", aliases=["PYSEC-2099-1"],
            database_specific={"severity": "MODERATE"}),
    # several vectors: the highest wins, whatever the label says
    _record("GHSA-many-many-many", "many-vectors",
            severity=[{"type": "CVSS_V3", "score": V3_MEDIUM},
                      {"type": "CVSS_V4", "score": V4_CRITICAL}],
            database_specific={"severity": "LOW"}),
    # an invalid v4 vector: the label decides
    _record("GHSA-badv-badv-badv", "bad-vector",
            severity=[{"type": "CVSS_V4", "score": "CVSS:4.0/AV:N/AC:L"}],
            database_specific={"severity": "LOW"}),
    # nothing at all, a known malicious package, and a critical one: for the order
    _record("PYSEC-2099-2", "no-severity"),
    _record("MAL-2099-3", "evil-package"),
    _record("GHSA-crit-crit-crit", "critical-one",
            severity=[{"type": "CVSS_V4", "score": V4_CRITICAL}]),
]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("osv-demo")
    for record in RECORDS:
        (folder / f"{record['id']}.json").write_text(json.dumps(record), encoding="utf-8")
    db = folder / "osv.sqlite3"
    import_source(folder, db)
    return as_current(db)  # records dated 2026-01-01: severity is under test


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _audit(
    project: Path, db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    return _run(["audit", "-r", str(project / "requirements.txt"), "--db", str(db),
                 "--offline", "--project", str(project), *extra], capsys)


def _check(
    project: Path, db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    return _run(["check", str(project), "--offline", "--db", str(db), *extra], capsys)


def _init_project(root: Path, capsys: pytest.CaptureFixture[str], pins: str) -> Path:
    """A project exactly as `pipwarden init` writes it, plus ``pins`` in requirements.txt."""
    assert main(["init", str(root), "--template", "python", "--offline", "--pipwarden-source",
                 "git+https://example.org/pipwarden/pipwarden@" + "0f" * 20]) == 0
    capsys.readouterr()
    with (root / "requirements.txt").open("a", encoding="utf-8") as fh:
        fh.write(pins)
    return root


def _accept_unknown(root: Path) -> None:
    policy = root / ".pipwarden.toml"
    text = policy.read_text(encoding="utf-8")
    assert '# unknown-severity = "fail"' in text  # the template documents the key
    policy.write_text(text.replace('# unknown-severity = "fail"', 'unknown-severity = "warn"'),
                      encoding="utf-8")


# -- unknown severity fails closed -----------------------------------------------------------


def test_init_then_unknown_severity_pin_fails_audit_and_check(
    tmp_path: Path, pypa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's case: PyYAML==5.3 (two code-execution advisories, no severity in the
    PyPA records) under the policy `pipwarden init` writes (fail-on = "low") exited 0."""
    root = _init_project(tmp_path / "proj", capsys, "PyYAML==5.3\n")
    assert 'fail-on = "low"' in (root / ".pipwarden.toml").read_text(encoding="utf-8")

    code, out, _ = _audit(root, pypa_db, capsys)
    assert code == 1, out
    assert out.count("unknown severity") >= 2
    assert "no severity in the advisory: treated as critical" in out
    assert 'set unknown-severity = "warn" in the policy to accept' in out

    code, out, _ = _audit(root, pypa_db, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert sorted(f["id"] for f in doc["findings"]) == PYYAML_IDS
    assert {(f["severity"], f["severity_source"]) for f in doc["findings"]} == {
        ("unknown", "unknown")}
    assert doc["summary"]["failing"] == 2
    assert (doc["summary"]["fail_on"], doc["summary"]["unknown_severity"]) == ("low", "fail")

    code, out, _ = _check(root, pypa_db, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 1
    assert doc["audit"]["summary"]["failing"] == 2  # the audit fails it, not another part


def test_unknown_severity_fails_whatever_fail_on_is(
    tmp_path: Path, pypa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _init_project(tmp_path / "proj", capsys, "PyYAML==5.3\n")
    for threshold in ("critical", "malicious", "any"):
        code, out, _ = _audit(root, pypa_db, capsys, "--fail-on", threshold)
        assert code == 1, (threshold, out)
        code, _, _ = _check(root, pypa_db, capsys, "--fail-on", threshold)
        assert code == 1, threshold


def test_unknown_severity_warn_reports_without_failing(
    tmp_path: Path, pypa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _init_project(tmp_path / "proj", capsys, "PyYAML==5.3\n")
    _accept_unknown(root)

    code, out, _ = _audit(root, pypa_db, capsys)
    assert code == 0, out
    assert "PYSEC-2021-142" in out and "PYSEC-2020-96" in out  # still shown
    assert 'accepted by the policy (unknown-severity = "warn")' in out
    assert "treated as critical" not in out

    code, out, _ = _audit(root, pypa_db, capsys, "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert sorted(f["id"] for f in doc["findings"]) == PYYAML_IDS
    assert doc["summary"]["failing"] == 0
    assert doc["summary"]["unknown_severity"] == "warn"

    code, out, _ = _check(root, pypa_db, capsys)
    assert code == 0, out
    assert "PYSEC-2021-142" in out and "unknown severity" in out


@pytest.mark.parametrize(
    ("value", "shown"),
    [('"maybe"', "'maybe'"), ("true", "True"), ('""', "''"), ("1", "1")],
    ids=["word", "bool", "empty", "number"],
)
def test_bad_unknown_severity_value_is_exit_2_naming_the_file(
    tmp_path: Path, pypa_db: Path, capsys: pytest.CaptureFixture[str], value: str, shown: str
) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==5.3\n", encoding="utf-8")
    (tmp_path / ".pipwarden.toml").write_text(
        f'fail-on = "low"\nunknown-severity = {value}\n', encoding="utf-8")
    for run in (_audit, _check):
        code, out, err = run(tmp_path, pypa_db, capsys)
        assert code == 2, (out, err)
        assert ".pipwarden.toml:2" in err
        assert f'unknown-severity must be "fail" or "warn" (got {shown})' in err
        assert "Traceback" not in err and len(err.strip().splitlines()) <= 2


def test_unknown_severity_in_pyproject_table(
    tmp_path: Path, pypa_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("PyYAML==5.3\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n[tool.pipwarden]\nunknown-severity = "WARN"\n',
        encoding="utf-8")
    code, out, _ = _audit(tmp_path, pypa_db, capsys)
    assert code == 0, out


# -- where severity comes from ---------------------------------------------------------------


def _demo(tmp_path: Path, package: str, *policy: str) -> Path:
    (tmp_path / "requirements.txt").write_text(f"{package}==1.0\n", encoding="utf-8")
    (tmp_path / ".pipwarden.toml").write_text("\n".join(policy) + "\n", encoding="utf-8")
    return tmp_path


def _only_finding(out: str) -> dict[str, Any]:
    (finding,) = json.loads(out)["findings"]
    assert isinstance(finding, dict)
    return finding


def test_record_with_only_a_cvss_v4_vector_is_scored(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _demo(tmp_path, "only-v4")
    code, out, _ = _audit(project, demo_db, capsys)
    assert code == 1
    assert "critical 9.3" in out
    code, out, _ = _audit(project, demo_db, capsys, "--format", "json")
    finding = _only_finding(out)
    assert (finding["severity"], finding["score"], finding["severity_source"]) == (
        "critical", 9.3, "cvss_v4")
    code, out, _ = _audit(project, demo_db, capsys, "--format", "markdown")
    assert "critical 9.3" in out
    code, out, _ = _audit(project, demo_db, capsys, "--format", "sarif")
    (rule,) = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert rule["properties"]["security-severity"] == "9.3"


def test_record_with_only_a_label_is_that_severity(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _demo(tmp_path, "only-label", 'fail-on = "high"')
    code, out, _ = _audit(project, demo_db, capsys, "--format", "json")
    finding = _only_finding(out)
    assert (finding["severity"], finding["score"], finding["severity_source"]) == (
        "high", None, "label")
    assert code == 1
    code, out, _ = _audit(project, demo_db, capsys, "--fail-on", "critical")
    assert code == 0, out  # a known high: below critical (an unknown one would fail)
    assert "only-label 1.0" in out and " high" in out


def test_record_without_severity_takes_its_alias_severity(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _demo(tmp_path, "via-alias", 'fail-on = "high"')
    code, out, _ = _audit(project, demo_db, capsys, "--format", "json")
    finding = _only_finding(out)
    assert finding["id"] == "PYSEC-2099-1" and finding["aliases"] == ["GHSA-alia-alia-alia"]
    assert (finding["severity"], finding["severity_source"]) == ("medium", "alias")
    assert code == 0  # medium is below high; unknown would have failed
    code, _, _ = _audit(project, demo_db, capsys, "--fail-on", "medium")
    assert code == 1


def test_highest_vector_wins_over_other_vectors_and_the_label(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _audit(_demo(tmp_path, "many-vectors"), demo_db, capsys, "--format", "json")
    finding = _only_finding(out)
    assert (finding["severity"], finding["score"], finding["severity_source"]) == (
        "critical", 9.3, "cvss_v4")
    assert code == 1


def test_invalid_vector_falls_back_to_the_label(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _audit(_demo(tmp_path, "bad-vector"), demo_db, capsys, "--format", "json")
    finding = _only_finding(out)
    assert (finding["severity"], finding["score"], finding["severity_source"]) == (
        "low", None, "label")
    assert code == 1  # low is at the default fail-on


def test_unknown_sorts_after_known_malicious_and_before_critical(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text(
        "critical-one==1.0\nno-severity==1.0\nonly-label==1.0\nevil-package==1.0\n",
        encoding="utf-8")
    code, out, _ = _audit(tmp_path, demo_db, capsys, "--format", "json")
    order = [(f["package"], f["severity"]) for f in json.loads(out)["findings"]]
    assert order == [("evil-package", "known malicious"), ("no-severity", "unknown"),
                     ("critical-one", "critical"), ("only-label", "high")]
    code, out, _ = _audit(tmp_path, demo_db, capsys)
    assert code == 1
    headline = out.splitlines()[1]
    assert "1 known malicious, 1 unknown severity, 1 critical, 1 high" in headline
    code, out, _ = _audit(tmp_path, demo_db, capsys, "--format", "sarif")
    levels = {r["ruleId"]: r["level"] for r in json.loads(out)["runs"][0]["results"]}
    assert levels["PYSEC-2099-2"] == "error"  # unknown is treated as critical


# -- the one default -------------------------------------------------------------------------


def test_one_fail_on_default_everywhere(capsys: pytest.CaptureFixture[str]) -> None:
    assert Policy().fail_on is Severity.LOW and Policy().unknown_severity == "fail"
    for command in ("audit", "check"):
        assert main([command, "--help"]) == 0
        out = " ".join(capsys.readouterr().out.split())
        assert "(default: the policy's fail-on, else low)" in out, command
        assert 'unknown-severity = "warn"' in out
    root = Path(__file__).resolve().parent.parent
    template = root / "src/pipwarden/scaffold/templates/python/dot-pipwarden.toml"
    assert 'fail-on = "low"' in template.read_text(encoding="utf-8")
    readme = root.joinpath("README.md").read_text(encoding="utf-8")
    assert 'fail-on = "low"           # low (default' in readme
    assert "known malicious > unknown > critical > high > medium > low" in readme


def test_policy_fails_rule() -> None:
    policy = Policy()
    assert [s.label for s in Severity if policy.fails(s)] == [
        "unknown", "low", "medium", "high", "critical", "known malicious"]
    high = Policy(fail_on=Severity.HIGH)
    assert [s.label for s in Severity if high.fails(s)] == [
        "unknown", "high", "critical", "known malicious"]
    warn = Policy(fail_on=Severity.HIGH, unknown_severity="warn")
    assert not warn.fails(Severity.UNKNOWN) and warn.fails(Severity.MALICIOUS)
    ranks = sorted(Severity, key=lambda s: s.rank, reverse=True)
    assert [s.label for s in ranks] == [
        "known malicious", "unknown", "critical", "high", "medium", "low"]


def test_vet_rates_unknown_severity_as_risk(pypa_db: Path) -> None:
    """vet's vulnerability signal ranks the same way: PyYAML 5.3's two advisories of
    unknown severity are a risk, not a warning."""
    from datetime import UTC, datetime

    from pipwarden.checks import PackageContext, vulnerabilities
    from pipwarden.models import Level
    from pipwarden.vulndb.store import VulnStore

    with VulnStore.open(pypa_db) as store:
        advisories = store.advisories_for({"pyyaml"})["pyyaml"]
    signal = vulnerabilities.check(PackageContext(
        name="pyyaml", version="5.3", now=datetime.now(UTC), advisories=advisories))
    assert signal.level is Level.RISK
    assert "worst: unknown severity" in signal.message and "PYSEC-2021-142" in signal.message


def test_cyclonedx_rating_names_the_cvss_v4_method(
    tmp_path: Path, demo_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _audit(_demo(tmp_path, "only-v4"), demo_db, capsys, "--format", "cyclonedx")
    (vuln,) = json.loads(out)["vulnerabilities"]
    assert vuln["ratings"][0] == {**vuln["ratings"][0], "score": 9.3, "severity": "critical",
                                  "method": "CVSSv4"}
    assert code == 1
