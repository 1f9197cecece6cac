"""``pipwarden lint`` end to end: exit codes, formats, bad input, secrets, PyPI lookups."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.lint import LintConfig, run_lint
from pipwarden.settings import Settings

SECRET = "s3cr3t-T0KEN"


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "requirements.txt").write_text(
        f"# top\n--extra-index-url https://bob:{SECRET}@pkgs.example.com/simple\n"
        "pandas==2.1.0  # keep\n"
    )
    return root


def test_text_output_and_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    assert main(["lint", "--offline", str(root)]) == 1
    out = capsys.readouterr().out
    assert "requirements.txt:3:1: PW101 pandas==2.1.0 is pinned: use pandas>=2.1.0" in out
    assert "`pipwarden lint --fix` fixes 1 of them" in out
    assert SECRET not in out and "bob" not in out
    assert main(["lint", "--offline", "--fix", "--ignore", "PW2", str(root)]) == 0
    out = capsys.readouterr().out
    assert "Fixed 1 problem" in out and "No problems in 1 file" in out
    assert "pandas>=2.1.0  # keep" in (root / "requirements.txt").read_text()


def test_select_limits_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    assert main(["lint", "--offline", "--select", "PW201", str(root)]) == 1
    out = capsys.readouterr().out
    assert "PW201" in out and "PW101" not in out and "PW204" not in out
    assert main(["lint", "--offline", "--select", "PW9", str(root)]) == 2


def test_json_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path)
    assert main(["lint", "--offline", "-f", "json", str(root)]) == 1
    raw = capsys.readouterr().out
    assert SECRET not in raw
    data = json.loads(raw)
    assert data["version"] == 1
    codes = {(f["code"], f["line"], f["fixable"]) for f in data["findings"]}
    assert {("PW101", 3, True), ("PW201", 2, False), ("PW204", 2, False)} <= codes
    assert data["summary"]["fixable"] == 1


def test_sarif_report(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = tmp_path / "lint.sarif"
    assert main(["lint", "--offline", "-f", "sarif", "-o", str(out), str(root)]) == 1
    raw = out.read_text()
    assert SECRET not in raw
    sarif = json.loads(raw)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    result = next(r for r in run["results"] if r["ruleId"] == "PW101")
    assert rule_ids[result["ruleIndex"]] == "PW101"
    region = result["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 1}
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith(
        "requirements.txt"
    )


def test_bad_input_reports_file_line_and_checks_other_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "proj"
    (root / "svc").mkdir(parents=True)
    (root / "requirements.txt").write_text("numpy>=1\npandas=>2.0\nscipy==1.11\n")
    (root / "svc" / "pyproject.toml").write_text('[project]\nname = "x"\ndependencies = [\n')
    (root / "requirements-dev.txt").write_text("pytest==8.0\n")
    assert main(["lint", "--offline", "--fix", str(root)]) == 2
    out = capsys.readouterr().out
    assert 'requirements.txt:2: error: cannot parse "pandas=>2.0"' in out
    assert 'did you mean "pandas>=2.0"' in out
    assert "pyproject.toml:3: error: not valid TOML" in out
    # the other files are still checked (and the good one fixed); the bad file is untouched
    assert "requirements.txt:3:1: PW101 scipy==1.11" in out
    assert (root / "requirements-dev.txt").read_text() == "pytest>=8.0\n"
    assert (root / "requirements.txt").read_text() == "numpy>=1\npandas=>2.0\nscipy==1.11\n"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("--no-such-option", "unknown option '--no-such-option'"),
        ("numpy>=1 --hash=md5:" + "a" * 32, "--hash algorithm 'md5' is not allowed"),
        ('[project]\ndependencies = ["ok>=1", "bad name"]', 'cannot parse "bad name"'),
    ],
)
def test_lines_pip_rejects_are_errors_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, words: str
) -> None:
    name = "pyproject.toml" if line.startswith("[project]") else "requirements.txt"
    path = tmp_path / name
    path.write_text("pandas==2.1.0\n" * (name == "requirements.txt") + line + "\n")
    before = path.read_text()
    assert main(["lint", "--offline", "--fix", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    assert f"{name}:{before.count(chr(10))}: error: " in out and words in out
    assert path.read_text() == before  # a file with an error is never rewritten


def test_missing_path_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--offline", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt: error: no such file" in capsys.readouterr().out


def test_clean_project_exits_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("pandas>=2.1\n")
    assert main(["lint", "--offline", str(tmp_path / "requirements.txt")]) == 0
    assert "No problems in 1 file" in capsys.readouterr().out


def test_skips_virtualenvs_and_build_folders(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("pandas>=2.1\n")
    for folder in (".venv", "node_modules", "dbt_packages"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "requirements.txt").write_text("x==1\n")
    report = run_lint([tmp_path], LintConfig(), offline=True)
    assert report.findings == ()
    assert len(report.files) == 1


def test_pypi_lookups_over_loopback(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.add(
        "/pypi/pyyaml/json", json.dumps({"info": {"name": "PyYAML", "version": "6.0.2"}})
    )
    http_server.add("/pypi/internal-thing/json", "not found", status=404)
    http_server.add("/pypi/broken/json", "oops", status=503)
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml\ninternal-thing>=1\nbroken>=1\n")
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url)
    report = run_lint([req], LintConfig(), settings=settings)
    found = {(f.code, f.line) for f in report.findings}
    assert ("PW402", 2) in found
    assert ("PW402", 3) not in found  # a 5xx is "unknown", never "not on PyPI"
    assert any("PW402: skipped for some names" in s for s in report.skipped)
    assert ("PW304", 1) not in found  # PyPI's own spelling would be fine; pyyaml is too
    fixed = run_lint([req], LintConfig(fix=True, select=("PW102",)), settings=settings)
    assert fixed.fixed == 1
    assert req.read_text().splitlines()[0] == "pyyaml>=6.0.2"


def test_fix_asks_pypi_once_per_name(tmp_path: Path, http_server: LoopbackServer) -> None:
    http_server.add("/pypi/polars/json", json.dumps({"info": {"name": "polars", "version": "1"}}))
    http_server.add("/pypi/broken/json", "oops", status=503)
    req = tmp_path / "requirements.txt"
    req.write_text("polars\nnumpy==1.0\nbroken>=1\n")
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url)
    report = run_lint([req], LintConfig(fix=True), settings=settings)
    assert report.fixed == 2 and req.read_text() == "polars>=1\nnumpy>=1.0\nbroken>=1\n"
    assert http_server.count("/pypi/polars/json") == 1  # several fix passes, one request
    assert http_server.count("/pypi/broken/json") == 2  # a 5xx: one retry, then skipped


def test_offline_never_asks_pypi(tmp_path: Path, http_server: LoopbackServer) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml\n")
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url)
    report = run_lint([req], LintConfig(fix=True), settings=settings, offline=True)
    assert http_server.requests == []
    assert req.read_text() == "pyyaml\n"  # no version known offline without a venv: no fix
    assert "PW402: skipped: offline" in report.skipped


def test_offline_reads_the_answers_an_online_run_cached(
    tmp_path: Path, http_server: LoopbackServer
) -> None:
    """PyPI's answers of an earlier run count offline too (as vet and check read them): a
    name PyPI said it does not know is flagged online and offline alike, without a
    request; a name the cache lacks is named as skipped, never passed as known."""
    http_server.add(
        "/pypi/pyyaml/json", json.dumps({"info": {"name": "PyYAML", "version": "6.0.2"}})
    )
    http_server.add("/pypi/internal-thing/json", "not found", status=404)
    req = tmp_path / "requirements.txt"
    req.write_text("pyyaml>=6\ninternal-thing>=1\n")
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url)
    online = run_lint([req], LintConfig(select=("PW402",)), settings=settings)
    asked = len(http_server.requests)
    offline = run_lint([req], LintConfig(select=("PW402",)), settings=settings, offline=True)
    assert len(http_server.requests) == asked  # nothing asked offline
    assert [(f.code, f.line) for f in offline.findings] == [("PW402", 2)]
    assert [(f.code, f.line) for f in offline.findings] == [
        (f.code, f.line) for f in online.findings
    ]
    assert not any(s.startswith("PW402") for s in offline.skipped)
    req.write_text("pyyaml>=6\nnever-asked>=1\n")
    partial = run_lint([req], LintConfig(select=("PW402",)), settings=settings, offline=True)
    assert partial.findings == ()
    assert any("PW402: skipped for some names" in s for s in partial.skipped)


@pytest.mark.parametrize(
    ("url", "flagged"),
    [
        ("https://${PIP_USER}:${PIP_TOKEN}@pypi.example.com/simple", False),
        ("https://${PIP_TOKEN}@pypi.example.com/simple", False),
        ("https://${PIP_USER}:hunter2secret@pypi.example.com/simple", True),
        ("https://bob:s3cr3t@pypi.example.com/simple", True),
    ],
)
def test_pw204_leaves_environment_variable_credentials_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str, flagged: bool
) -> None:
    # ${VAR} in an index URL is pip's documented way to keep the secret out of the file
    req = tmp_path / "requirements.txt"
    req.write_text(f"--index-url {url}\nrequests>=2.32.0\n")
    main(["lint", str(req), "--offline", "--select", "PW204"])
    out = capsys.readouterr().out
    assert ("PW204" in out) is flagged, out
    assert "hunter2secret" not in out and "s3cr3t" not in out
