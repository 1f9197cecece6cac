"""`pipwarden check` on the shipped example and on small projects: sections and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "analytics-pipeline"
SAMPLE = ROOT / "examples" / "osv-sample.zip"


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(SAMPLE, db)
    return as_current(db)  # the sample's records are from 2024: dated today on purpose


@pytest.fixture
def example(tmp_path: Path) -> Path:
    target = tmp_path / "analytics-pipeline"
    shutil.copytree(EXAMPLE, target)
    return target


def _check(
    project: Path, db: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, str]:
    code = main(["check", str(project), "--offline", "--db", str(db), *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_example_prints_every_section_and_fails(
    example: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(example, sample_db, capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith("pipwarden check — analytics-pipeline (requirements.txt")
    assert "problems need action" in lines[1] and "vulnerability data from" in lines[1]
    for heading in ("Vulnerabilities", "Requirements hygiene", "Dependency risk",
                    "Dependencies you may not need", "Environment"):
        assert any(line.startswith(heading) for line in lines), heading
    assert "requests 2.19.1" in out and "PYSEC-2018-28" in out
    assert "jinja2>=2.10 admits" in out and "jinja2>=2.11.3" in out
    assert "PW101" in out and "pipwarden lint --fix" in out
    assert "PYSEC-2021-142" in out and "Ignored by policy" in out  # the example's ignore


def test_example_json_is_the_union_of_the_commands(
    example: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(example, sample_db, capsys, "--format", "json")
    doc = json.loads(out)
    assert doc["schema"] == "pipwarden.check/1"
    assert doc["summary"]["exit_code"] == code == 1
    assert doc["audit"]["schema"] == "pipwarden.audit/1"
    assert {f["package"] for f in doc["audit"]["findings"]} >= {"requests", "pyyaml", "jinja2"}
    for part in ("lint", "vet", "slim", "doctor"):
        assert doc[part] is not None, part


def test_policy_threshold_decides_the_exit_code(
    example: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Keep only the audit's verdict: floors everywhere, nothing pinned, so lint is quiet.
    # jinja2's two records carry no severity: unknown fails whatever fail-on is ...
    (example / "requirements.txt").write_text("jinja2>=2.10\n")
    (example / ".pipwarden.toml").write_text('fail-on = "critical"\n')
    code, out, _ = _check(example, sample_db, capsys)
    assert "jinja2>=2.10 admits" in out and "unknown severity" in out
    assert code == 1, out
    # ... unless the policy accepts it: then fail-on decides.
    accept = 'unknown-severity = "warn"\n'
    (example / ".pipwarden.toml").write_text(accept + 'fail-on = "critical"\n')
    code, out, _ = _check(example, sample_db, capsys)
    assert "jinja2>=2.10 admits" in out
    assert code == 0, out  # reported, not failing
    (example / ".pipwarden.toml").write_text(accept + 'fail-on = "any"\n')
    code, _, _ = _check(example, sample_db, capsys)
    assert code == 0  # "any" is every known severity; unknown is accepted
    (example / ".pipwarden.toml").write_text('fail-on = "any"\n')
    code, _, _ = _check(example, sample_db, capsys, "--fail-on", "critical")
    assert code == 1


def test_clean_project_exits_0(
    tmp_path: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("requests>=2.32.0\n")
    (tmp_path / "job.py").write_text("import requests\n")
    code, out, _ = _check(tmp_path, sample_db, capsys)
    assert "✓ no problems" in out.splitlines()[1]
    assert "no known vulnerabilities" in out
    assert code == 0, out


def test_data_unavailable_exits_3_but_reports_the_rest(
    example: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _check(example, tmp_path / "no-such.db", capsys)
    assert code == 3
    assert "Could not check" in out and "pipwarden db update" in out
    assert "Requirements hygiene" in out  # the other parts still ran


def test_markdown_fits_a_job_summary(
    example: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _check(example, sample_db, capsys, "--format", "markdown")
    assert out.startswith("# ❌ pipwarden check — analytics-pipeline")
    assert "### ❌ Vulnerabilities" in out and "### Requirements hygiene" in out
    assert "](https://osv.dev/vulnerability/PYSEC-2018-28)" in out


def test_sarif_has_audit_and_lint_runs(
    example: Path, sample_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = _check(example, sample_db, capsys, "--format", "sarif")
    sarif = json.loads(out)
    rule_ids = {r["ruleId"] for run in sarif["runs"] for r in run["results"]}
    assert "PYSEC-2018-28" in rule_ids and "PW101" in rule_ids


def test_html_report_is_written_and_self_contained(
    example: Path, sample_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "report.html"
    code, out, _ = _check(example, sample_db, capsys, "--format", "html", "-o", str(out_file))
    assert code == 1 and out == ""
    page = out_file.read_text()
    assert page.lstrip().lower().startswith("<!doctype html")
    assert 'href="https://osv.dev/vulnerability/PYSEC-2018-28"' in page
    assert 'class="tree"' in page
    assert "<script" not in page and "<link rel=\"stylesheet" not in page
    assert "src=\"http" not in page


def test_not_a_folder_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", str(tmp_path / "missing")])
    assert code == 2 and "not a folder" in capsys.readouterr().err
