"""pipwarden init: both templates, offline and against a loopback PyPI; files parse; no
overwrite without --force; --dry-run writes nothing; running twice changes nothing.

(The test that the generated script builds a working venv against a local wheel index
comes with `pipwarden update`, which the script calls.)
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from loopback import LoopbackServer
from pipwarden.cli import main
from pipwarden.doctor import run_doctor
from pipwarden.doctor.models import Status
from pipwarden.errors import NetworkError, UsageError
from pipwarden.scaffold import init_project, latest_versions, plan_project
from pipwarden.scaffold.pins import parse_source
from pipwarden.settings import Settings

DATA = Path(__file__).parent / "data" / "init"
COMMIT = "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39"
SPEC = f"git+https://example.org/pipwarden/pipwarden@{COMMIT}"
PIN = ["--pipwarden-source", SPEC]
SOURCE = parse_source(SPEC)


@pytest.fixture
def pypi(http_server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    for name in ("dbt-bigquery", "pandas", "scikit-learn"):
        http_server.add_file(f"/pypi/{name}/json", DATA / f"{name}.json")
    monkeypatch.setenv("PIPWARDEN_PYPI_URL", http_server.url)
    return http_server


def check_yaml_structure(text: str, where: str) -> None:
    """A structural YAML check: spaces only, 2-space steps, ``key: value`` or ``- item``
    lines, children only under an opening ``key:``, block scalars skipped, brackets and
    quotes balanced."""
    assert "\t" not in text, f"{where}: tab"
    stack = [0]  # indentation levels that are open
    opener = False  # the previous line opened a block (ends with ':' or is '- key:')
    block: int | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        if block is not None:
            if indent > block:
                continue
            block = None
        body = raw.strip()
        at = f"{where}:{lineno}: {raw!r}"
        assert indent % 2 == 0, f"odd indentation at {at}"
        if opener and indent > stack[-1]:
            assert indent == stack[-1] + 2, f"indent step is not 2 at {at}"
            stack.append(indent)
        else:
            while stack and indent < stack[-1]:
                stack.pop()
            assert stack and indent == stack[-1], f"dedent to an unknown level at {at}"
        item = body.startswith("- ")
        content = body[2:] if item else body
        m = re.match(r"""^("[^"]*"|'[^']*'|[^\s:#][^:#]*?):(\s+(.*))?$""", content)
        if item and m is None:
            value = content  # a scalar list item
        else:
            assert m is not None, f"not a 'key: value' line at {at}"
            value = (m.group(3) or "").split(" #", 1)[0].strip()
        for a, b in ("[]", "{}"):
            assert value.count(a) == value.count(b), f"unbalanced {a}{b} at {at}"
        for q in "\"'":
            if value.startswith(q):
                assert value.endswith(q) and len(value) > 1, f"unclosed quote at {at}"
        if value in {"|", ">", "|-", ">-"}:
            block = indent
            opener = False
            continue
        opener = m is not None and value == ""
        if item and opener:
            stack.append(indent + 2)  # '- key:' opens a mapping whose keys sit at indent+2
            opener = True
        elif item and m is not None:
            stack.append(indent + 2)  # '- key: value' – following keys of the item
            opener = False


def check_project(root: Path, template: str) -> None:
    files = sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)
    names = {p.relative_to(root).as_posix() for p in files}
    common = {
        "requirements.txt", "scripts/init_and_update.sh", ".vscode/tasks.json",
        ".github/workflows/supply-chain.yml", ".devcontainer/devcontainer.json", ".gitignore",
        ".pipwarden.toml", "scripts/install_pipwarden.sh",
    }
    dbt = {"dbt_project.yml", "profiles.yml", "packages.yml", ".env_template"}
    assert names == (common | dbt if template == "dbt-bigquery" else common)
    for path in files:
        text = path.read_text()
        assert "@@" not in text, f"unsubstituted variable in {path}"
        if path.suffix == ".json":
            json.loads(text)
        elif path.suffix == ".toml":
            tomllib.loads(text)
        elif path.suffix in {".yml", ".yaml"}:
            check_yaml_structure(text, path.name)
    for script in root.glob("scripts/*.sh"):
        assert script.stat().st_mode & 0o111
        if shutil.which("bash"):
            proc = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
            assert proc.returncode == 0, proc.stderr
    script = root / "scripts" / "init_and_update.sh"
    text = script.read_text()
    assert "set -euo pipefail" in text and "export PIP_REQUIRE_VIRTUALENV=true" in text
    assert "python3 -m venv .venv" in text
    assert ".venv/bin/python -m pip install --upgrade pip" in text
    assert "pipwarden update" in text and "--upgrade-strategy eager -r requirements.txt" in text
    assert ("dbt deps" in text) is (template == "dbt-bigquery")
    tasks = json.loads((root / ".vscode/tasks.json").read_text())
    assert tasks["tasks"][0]["runOptions"]["runOn"] == "folderOpen"
    assert "init_and_update.sh" in tasks["tasks"][0]["command"]
    assert "allowAutomaticTasks" not in "".join(p.read_text() for p in files)
    workflow = (root / ".github/workflows/supply-chain.yml").read_text()
    assert "permissions:\n  contents: read\n" in workflow
    assert "  push:\n" in workflow and "schedule:\n    - cron:" in workflow
    assert "pipwarden check --format markdown >> \"$GITHUB_STEP_SUMMARY\"" in workflow
    devcontainer = json.loads((root / ".devcontainer/devcontainer.json").read_text())
    assert devcontainer["containerEnv"]["PIP_REQUIRE_VIRTUALENV"] == "true"
    gitignore = (root / ".gitignore").read_text().splitlines()
    for entry in (".venv/", ".env", ".pipwarden/", "poetry.lock", "uv.lock"):
        assert entry in gitignore
    policy = tomllib.loads((root / ".pipwarden.toml").read_text())
    assert policy["fail-on"] == "low"


def _snapshot(root: Path) -> dict[str, tuple[str, int]]:
    return {
        p.relative_to(root).as_posix(): (p.read_text(), p.stat().st_mtime_ns)
        for p in root.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("template", ["python", "dbt-bigquery"])
def test_offline_templates_parse_and_are_idempotent(
    tmp_path: Path, template: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "my-project"
    assert main(["init", str(root), "--template", template, "--offline", *PIN]) == 0
    out = capsys.readouterr().out
    assert "+ requirements.txt" in out and "Next: bash scripts/init_and_update.sh" in out
    check_project(root, template)
    reqs = (root / "requirements.txt").read_text()
    if template == "dbt-bigquery":
        assert "\ndbt-bigquery\n" in reqs and "offline" in reqs
        assert "name: \"my_project\"" in (root / "dbt_project.yml").read_text()
    else:
        assert [line for line in reqs.splitlines() if not line.startswith("#")] == []
    before = _snapshot(root)
    assert main(["init", str(root), "--template", template, "--offline", *PIN]) == 0
    out = capsys.readouterr().out
    assert "nothing to do" in out and "+ " not in out
    assert _snapshot(root) == before


def test_loopback_pypi_gives_canonical_names_and_floors(
    tmp_path: Path, pypi: LoopbackServer
) -> None:
    root = tmp_path / "proj"
    code = main(["init", str(root), "--template", "dbt-bigquery", "--package", "Scikit_Learn",
                 "--package", "pandas", "--package", "PANDAS", *PIN])
    assert code == 0
    reqs = [x for x in (root / "requirements.txt").read_text().splitlines() if x[:1] != "#"]
    assert reqs == ["dbt-bigquery>=1.12.1", "scikit-learn>=1.9.1", "pandas>=3.1.1"]
    assert pypi.count("/pypi/scikit-learn/json") == 1
    check_project(root, "dbt-bigquery")
    # Second run: the existing requirements.txt is kept, PyPI is not asked again.
    before = _snapshot(root)
    assert main(["init", str(root), "--template", "dbt-bigquery", *PIN]) == 0
    assert pypi.count("/pypi/dbt-bigquery/json") == 1
    assert _snapshot(root) == before


def test_generated_dbt_project_passes_doctor(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    init_project(root, template="dbt-bigquery", offline=True, source=SOURCE)
    report = run_doctor(root, environ={}, home=tmp_path / "home", include_machine=False)
    assert report.credentials == ()
    cost = [c for c in report.checks if c.id == "dbt-bytes-limit"]
    assert [c.status for c in cost] == [Status.PASS]


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "new"
    assert main(["init", str(root), "--template", "dbt-bigquery", "--dry-run", "--offline",
                 *PIN]) == 0
    out = capsys.readouterr().out
    assert not root.exists()
    assert "dry run: 12 file(s) would be written" in out
    assert "+ profiles.yml   (would write)" in out


def test_no_overwrite_without_force_then_force(tmp_path: Path) -> None:
    root = tmp_path / "p"
    init_project(root, template="python", offline=True, source=SOURCE)
    gitignore = root / ".gitignore"
    gitignore.write_text("my own\n")
    result = init_project(root, template="python", offline=True, source=SOURCE)
    assert result.skipped == (".gitignore",) and not result.written
    assert gitignore.read_text() == "my own\n"
    dry = init_project(root, template="python", offline=True, force=True, source=SOURCE,
                       dry_run=True)
    assert dry.overwritten == (".gitignore",) and gitignore.read_text() == "my own\n"
    forced = init_project(root, template="python", offline=True, force=True, source=SOURCE)
    assert forced.overwritten == (".gitignore",)
    assert ".venv/" in gitignore.read_text()


def test_package_names_are_validated(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        init_project(tmp_path, packages=["pandas>=2"], offline=True, source=SOURCE)
    assert main(["init", str(tmp_path / "x"), "--package", "bad name", "--offline",
                 *PIN]) == 2
    assert not (tmp_path / "x").exists()


def test_unknown_package_and_unreachable_index(tmp_path: Path, pypi: LoopbackServer) -> None:
    assert main(["init", str(tmp_path / "a"), "--package", "no-such-pkg-xyz",
                 *PIN]) == 2
    assert not (tmp_path / "a").exists()
    down = Settings(
        cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url="http://127.0.0.1:9", timeout=1
    )
    with pytest.raises(NetworkError):
        latest_versions(["pandas"], down)


def test_latest_skips_prereleases_and_yanked(http_server: LoopbackServer, tmp_path: Path) -> None:
    http_server.add("/pypi/demo-pkg/json", json.dumps({
        "info": {"name": "Demo.Pkg", "version": "2.0.0rc1"},
        "releases": {
            "1.5.0": [{"yanked": False}], "1.6.0": [{"yanked": True}],
            "2.0.0rc1": [{"yanked": False}], "1.7.0": [],
        },
    }))
    settings = Settings(cache_dir=tmp_path, db_path=tmp_path / "db", pypi_url=http_server.url)
    assert latest_versions(["demo_pkg"], settings) == {"demo-pkg": ("Demo.Pkg", "1.5.0")}


def test_plan_is_deterministic_and_uses_package_data(tmp_path: Path) -> None:
    a = plan_project(tmp_path / "x", "dbt-bigquery", source=SOURCE)
    b = plan_project(tmp_path / "x", "dbt-bigquery", source=SOURCE)
    assert a == b
    assert [f.path for f in a] == sorted(f.path for f in a)
    assert any(f.path == "scripts/init_and_update.sh" and f.executable for f in a)


def test_yaml_checker_rejects_broken_yaml() -> None:
    check_yaml_structure("a:\n  b: 1\n  c:\n    - d: 2\n      e: 3\n", "ok")
    for bad in ("a:\n\tb: 1\n", "a:\n   b: 1\n", "a: 1\n  b: 2\n", "a:\n  b: [1\n",
                "just text\n"):
        with pytest.raises(AssertionError):
            check_yaml_structure(bad, "bad")
