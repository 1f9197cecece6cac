"""Issue [9] "Answers that disagree": one source of truth per count, through the CLI."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from loopback import LoopbackServer
from osvdb import as_current
from pipwarden.cli import main
from pipwarden.vulndb.update import import_source
from pypi_server import install_pypi

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "osv-sample.zip"


@pytest.fixture
def default_db() -> Path:
    """The sample records in the default database location (the test's own cache dir)."""
    db = Path(os.environ["XDG_CACHE_HOME"]) / "pipwarden" / "osv.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    import_source(SAMPLE, db)
    return as_current(db)


def test_lint_fixes_as_many_problems_as_it_said_it_would(
    tmp_path: Path, default_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two rules fix the same requirement (a pin and a vulnerable floor): "fixes N" was
    the count of findings with an edit (10), "Fixed N" the edits written (9)."""
    (tmp_path / "requirements.txt").write_text(
        "Requests==2.19.1\nPyYAML==5.3\nurllib3 >= 1.26.0\nnumpy\nJinja2>=2.10\n"
    )
    main(["lint", "--offline", str(tmp_path)])
    preview = capsys.readouterr().out
    promised = re.search(r"fixes (\d+) of them", preview)
    assert promised is not None, preview
    main(["lint", "--offline", "--fix", str(tmp_path)])
    done = re.search(r"Fixed (\d+) problems?", capsys.readouterr().out)
    assert done is not None
    assert int(promised.group(1)) == int(done.group(1))
    main(["lint", "--offline", str(tmp_path)])
    assert "fixes" not in capsys.readouterr().out


def test_check_and_lint_promise_the_same_fix_count(
    tmp_path: Path, default_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "analytics-pipeline"
    shutil.copytree(ROOT / "examples" / "analytics-pipeline", project)
    (project / "requirements.txt").write_text("Requests==2.19.1\nPyYAML==5.3\n")
    main(["check", "--offline", str(project)])
    out = capsys.readouterr().out
    promised = re.search(r"lint --fix   \(fixes (\d+) problems?\)", out)
    assert promised is not None, out
    main(["lint", "--offline", "--fix", str(project)])
    done = re.search(r"Fixed (\d+) problems?", capsys.readouterr().out)
    assert done is not None and int(done.group(1)) == int(promised.group(1))


def test_html_tree_and_risk_table_show_the_same_level_per_package(
    tmp_path: Path, default_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tree said "risk" (a vulnerability) where the table beside it said "unknown"
    (no PyPI data offline) for Jinja2 and urllib3; the tree showed "info" for unknown."""
    project = tmp_path / "analytics-pipeline"
    shutil.copytree(ROOT / "examples" / "analytics-pipeline", project)
    page_file = tmp_path / "report.html"
    main(["check", "--offline", "--format", "html", "-o", str(page_file), str(project)])
    capsys.readouterr()
    page = page_file.read_text()
    risk = page[page.index(">Dependency risk"):]
    table = dict(re.findall(
        r"<tr><td>([^<]+)</td><td[^>]*>[^<]*</td><td><span class=\"badge [^\"]+\">(\w+)</span>",
        risk[: risk.index("</table>")],
    ))
    tree = dict(re.findall(
        r"<span class=\"node [^\"]+\">([^<]+?) <span class=\"badge [^\"]+\">(\w+)</span>", page
    ))
    assert {"jinja2", "urllib3", "pandas"} <= table.keys()
    assert table == {name: tree[name] for name in table}
    assert table["jinja2"] == table["urllib3"] == "risk"
    assert "known vulnerabilities: PYSEC-2019-217" in risk


def test_slim_and_vet_count_the_same_packages_brought_in(
    tmp_path: Path, http_server: LoopbackServer, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """slim left out the packages PyPI did not answer for (typing-extensions here), vet
    counted them: "brings 5" against "brings 6" for the same dependency."""
    index = tmp_path / "index"
    index.mkdir()
    for recorded in (ROOT / "tests" / "data" / "slim" / "pypi").glob("*.json"):
        data = json.loads(recorded.read_text())
        version = data["info"]["version"]  # the trimmed answers list no releases
        data["releases"] = {version: [{"filename": f"x-{version}.tar.gz", "yanked": False,
                                       "upload_time_iso_8601": "2025-01-01T00:00:00Z"}]}
        (index / recorded.name).write_text(json.dumps(data))
    install_pypi(http_server, index)
    project = tmp_path / "project"
    project.mkdir()
    tmp_path = project
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    (tmp_path / "requirements.txt").write_text("httpx>=0.27\n")
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.11"\n')
    (tmp_path / "main.py").write_text("import httpx\n")
    main(["slim", str(tmp_path)])
    slim_out = capsys.readouterr().out
    slim_count = re.search(r"httpx>=0\.27\s+brings (\d+) packages?", slim_out)
    assert slim_count is not None, slim_out
    main(["vet", "httpx", "--python", "3.11"])
    vet_out = capsys.readouterr().out
    vet_count = re.search(r"[Bb]rings (\d+) packages?", vet_out)
    assert vet_count is not None, vet_out
    assert slim_count.group(1) == vet_count.group(1), (slim_out, vet_out)
