"""`--format cyclonedx`: a CycloneDX 1.6 SBOM that validates against the official schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from osvdb import as_current
from pipwarden.cli import main
from pipwarden.report.cyclonedx import purl
from pipwarden.vulndb.update import import_source

DATA = Path(__file__).parent / "data"
SCHEMAS = DATA / "cyclonedx"
ARCHIVE = DATA / "osv" / "pypa-advisory-database-20241010.zip"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "osv.sqlite3"
    import_source(ARCHIVE, path)
    return as_current(path)  # the 2024 records, dated today: matching is under test


def _validate(doc: dict[str, Any]) -> None:
    """Validate against bom-1.6.schema.json, resolving its spdx and jsf references locally."""
    import jsonschema  # a test dependency: never skipped
    from referencing import Registry, Resource

    schemas = {p.name: json.loads(p.read_text()) for p in SCHEMAS.glob("*.schema.json")}
    registry: Registry[Any] = Registry().with_resources(
        (f"http://cyclonedx.org/schema/{name}", Resource.from_contents(schema))
        for name, schema in schemas.items()
    )
    validator = jsonschema.Draft7Validator(schemas["bom-1.6.schema.json"], registry=registry)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def _run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def test_audit_requirements_sbom_validates_and_lists_vulnerabilities(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\nrequests>=2.0\ntorch==2.8.0+cpu\nclick==8.1.7\n")
    code, doc = _run(
        ["audit", "-r", str(req), "--db", str(db), "--offline", "--project", str(tmp_path),
         "--format", "cyclonedx"],
        capsys,
    )
    assert code == 1
    _validate(doc)
    assert doc["bomFormat"] == "CycloneDX" and doc["specVersion"] == "1.6"
    purls = {c["purl"] for c in doc["components"]}
    assert {"pkg:pypi/jinja2@2.10.1", "pkg:pypi/requests", "pkg:pypi/torch@2.8.0%2Bcpu",
            "pkg:pypi/click@8.1.7"} <= purls
    vulns = {v["id"]: v for v in doc["vulnerabilities"]}
    assert "PYSEC-2021-66" in vulns
    affected = [a["ref"] for a in vulns["PYSEC-2021-66"]["affects"]]
    assert affected == ["pkg:pypi/jinja2@2.10.1"]
    assert vulns["PYSEC-2021-66"]["ratings"][0]["severity"] in {
        "critical", "high", "medium", "low", "unknown"}
    # a range is audited as a floor: its vulnerabilities point at the range's component
    assert any(a["ref"] == "pkg:pypi/requests" for v in doc["vulnerabilities"]
               for a in v["affects"])


def test_audit_venv_sbom_has_the_dependency_graph(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    venv = tmp_path / ".venv"
    site = venv / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.7\n")
    for name, version, requires in (
        ("dbt-core", "1.7.0", ["Jinja2>=2.10"]),
        ("Jinja2", "2.10.1", ["MarkupSafe>=0.23"]),
        ("MarkupSafe", "2.1.5", []),
    ):
        info = site / f"{name}-{version}.dist-info"
        info.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
        (info / "METADATA").write_text("\n".join(lines + [f"Requires-Dist: {r}" for r in requires]))
    code, doc = _run(
        ["audit", "--path", str(venv), "--db", str(db), "--offline", "-f", "cyclonedx"], capsys
    )
    assert code == 1
    _validate(doc)
    graph = {d["ref"]: d["dependsOn"] for d in doc["dependencies"]}
    assert graph["pkg:pypi/dbt-core@1.7.0"] == ["pkg:pypi/jinja2@2.10.1"]
    assert graph["pkg:pypi/jinja2@2.10.1"] == ["pkg:pypi/markupsafe@2.1.5"]


def test_check_sbom_validates(tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "requirements.txt").write_text("jinja2>=2.10\n")
    code, doc = _run(
        ["check", str(tmp_path), "--offline", "--db", str(db), "--format", "cyclonedx"], capsys
    )
    assert code == 1
    _validate(doc)
    assert doc["metadata"]["component"]["name"] == tmp_path.name
    assert doc["vulnerabilities"]


def test_purl_encoding() -> None:
    assert purl("Foo_Bar", "1.0+cu118") == "pkg:pypi/foo-bar@1.0%2Bcu118"
    assert purl("requests", None) == "pkg:pypi/requests"


def test_several_formats_in_one_run(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\n")
    a_json, a_sarif = tmp_path / "a.json", tmp_path / "a.sarif"
    code = main(["audit", "-r", str(req), "--db", str(db), "--offline", "--project",
                 str(tmp_path), "-f", "json", "-o", str(a_json), "-f", "sarif", "-o",
                 str(a_sarif), "-f", "cyclonedx"])
    assert code == 1
    assert json.loads(a_json.read_text())["schema"].startswith("pipwarden.audit/")
    assert json.loads(a_sarif.read_text())["version"] == "2.1.0"
    _validate(json.loads(capsys.readouterr().out))  # the last format went to stdout


def test_formats_and_files_must_pair(
    tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("jinja2==2.10.1\n")
    code = main(["audit", "-r", str(req), "--db", str(db), "--offline", "-f", "json",
                 "-f", "sarif", "-f", "markdown", "-o", str(tmp_path / "x")])
    assert code == 2
    assert "one -o FILE per --format" in capsys.readouterr().err
