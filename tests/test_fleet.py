"""fleet: finding projects, reading declarations, comparing them, lint/audit counts."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from pipwarden.fleet import (
    analyse,
    bounds,
    find_projects,
    package_level,
    read_project,
    run_fleet,
)
from pipwarden.models import Level
from pipwarden.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def offline_settings(tmp_path: Path) -> Settings:
    return Settings.from_env({"PIPWARDEN_CACHE_DIR": str(tmp_path / ".cache")}).with_overrides(
        db_path=tmp_path / ".cache" / "absent.sqlite3", offline=True
    )


# -- finding projects ----------------------------------------------------------------------


def test_find_projects_skips_environments_and_vendored_folders(tmp_path: Path) -> None:
    write(tmp_path / "etl" / "requirements.txt", "pandas>=2\n")
    write(tmp_path / "etl" / "requirements" / "requirements-dev.txt", "pytest>=8\n")
    write(tmp_path / "api" / "pyproject.toml", '[project]\nname="api"\nversion="0"\n')
    write(tmp_path / "api" / "docs" / "requirements-docs.txt", "sphinx>=7\n")  # nested project
    write(tmp_path / "notes" / "README.md", "no project here\n")
    write(tmp_path / "etl" / ".venv" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "etl" / ".venv" / "requirements.txt", "bad==1\n")
    write(tmp_path / "etl" / "myenv" / "pyvenv.cfg", "home = /usr\n")
    write(tmp_path / "etl" / "myenv" / "lib" / "requirements.txt", "bad==1\n")
    write(tmp_path / "web" / "node_modules" / "x" / "requirements.txt", "bad==1\n")
    write(tmp_path / "lib" / "site-packages" / "y" / "pyproject.toml", "")
    write(tmp_path / ".git" / "requirements.txt", "bad==1\n")

    found = [p.relative_to(tmp_path).as_posix() for p in find_projects([tmp_path])]

    assert found == ["api", "api/docs", "etl"]


def test_find_projects_accepts_a_project_folder_itself_and_rejects_missing(
    tmp_path: Path,
) -> None:
    write(tmp_path / "requirements.txt", "pandas>=2\n")
    assert find_projects([tmp_path, tmp_path]) == [tmp_path]
    from pipwarden.errors import InputError

    with pytest.raises(InputError, match="not a folder"):
        find_projects([tmp_path / "missing"])


# -- reading declarations ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">=2.1", ("2.1", None)),
        (">=1.0,<3", ("1.0", None)),
        (">1.4", ("1.4", None)),
        ("~=1.4.2", ("1.4.2", None)),
        ("==2.1.0", ("2.1.0", "2.1.0")),
        ("==2.1.*", ("2.1", None)),
        ("===1.0-custom", ("1.0-custom", "1.0-custom")),
        (">=1.0,>=1.10", ("1.10", None)),  # versions compare as versions, not strings
        ("<3", (None, None)),
        ("", (None, None)),
        ("=>2", (None, None)),
    ],
)
def test_bounds(spec: str, expected: tuple[str | None, str | None]) -> None:
    assert bounds(spec) == expected


def test_read_project_merges_files_includes_and_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "pandas>=2.0\nrequests\n-c constraints.txt\n")
    write(tmp_path / "constraints.txt", "urllib3==2.2.0\n")
    write(tmp_path / "requirements-dev.txt", "-r requirements.txt\nPyTest>=8\npandas>=2.1\n")
    write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["numpy==1.26.4"]\n'
        '[project.optional-dependencies]\nviz = ["matplotlib>=3.8"]\n'
        '[dependency-groups]\nlint = ["ruff>=0.5"]\n'
        '[build-system]\nrequires = ["flit_core>=3.4"]\n',
    )
    project = read_project(tmp_path, name="x")
    specs = {d.name: d.spec for d in project.declarations}
    assert specs == {
        "matplotlib": ">=3.8",
        "numpy": "==1.26.4",
        "pandas": ">=2.0 | >=2.1",
        "pytest": ">=8",
        "requests": "",
        "ruff": ">=0.5",
    }
    pandas = project.get("pandas")
    assert pandas is not None and pandas.floor == "2.1" and pandas.pin is None
    assert len(pandas.locations) == 2  # requirements.txt:1 once, although included twice
    numpy = project.get("numpy")
    assert numpy is not None and numpy.pin == "1.26.4"
    assert project.get("pytest") is not None and project.get("pytest").raw_name == "PyTest"  # type: ignore[union-attr]
    assert project.errors == ()


def test_read_project_keeps_going_on_bad_lines_and_hides_url_credentials(tmp_path: Path) -> None:
    write(
        tmp_path / "requirements.txt",
        "pandas=>2.0\nrequests>=2\n"
        "private @ https://user:s3cret@git.example.com/private.tar.gz\n",
    )
    project = read_project(tmp_path)
    assert [d.name for d in project.declarations] == ["private", "requests"]
    assert project.get("private").spec == "@ url"  # type: ignore[union-attr]
    assert len(project.errors) == 1 and "requirements.txt:1" in project.errors[0]
    assert "s3cret" not in json.dumps([project.errors, [d.spec for d in project.declarations]])


# -- comparing -----------------------------------------------------------------------------


def _fleet(tmp_path: Path, files: dict[str, str]) -> list[Path]:
    for rel, text in files.items():
        write(tmp_path / rel, text)
    return find_projects([tmp_path])


def test_analyse_divergence_single_use_and_overlap(tmp_path: Path) -> None:
    roots = _fleet(
        tmp_path,
        {
            "a/requirements.txt": "pandas>=2.0\nrequests>=2.31\nnumpy>=1.26\nclick>=8\n",
            "b/requirements.txt": "pandas>=2.2.0\nhttpx>=0.27\nnumpy>=1.26.0\nclick>=8\n",
            "c/requirements.txt": "pandas==2.1.4\nrequests\nnumpy>=1.26\nclick\n",
        },
    )
    report = analyse([read_project(r) for r in roots])
    by_package = {d.package: d for d in report.divergences}

    # numpy >=1.26 and >=1.26.0 are the same floor: not divergent
    assert sorted(by_package) == ["click", "pandas", "requests"]
    assert by_package["pandas"].suggested_floor == "2.2.0"
    assert by_package["pandas"].suggestion == "pandas>=2.2.0"
    assert dict(by_package["pandas"].uses) == {"a": ">=2.0", "b": ">=2.2.0", "c": "==2.1.4"}
    assert by_package["requests"].uses == (("a", ">=2.31"), ("c", "*"))
    assert by_package["requests"].suggested_floor == "2.31"

    assert [(s.package, s.project) for s in report.single_uses] == [("httpx", "b")]
    [overlap] = report.overlaps
    assert overlap.category == "http-client"
    assert overlap.uses == (("requests", ("a", "c")), ("httpx", ("b",)))
    assert overlap.preferred == "requests"

    assert report.packages[0] in {"click", "numpy", "pandas"}  # used by all three
    assert report.cell(report.projects[2], "requests") == "*"
    assert report.cell(report.projects[1], "requests") is None
    assert package_level(report, "pandas") is Level.WARN
    assert package_level(report, "httpx") is Level.WARN  # overlapping beats single use
    assert package_level(report, "numpy") is Level.OK
    assert report.level is Level.WARN


def test_one_project_has_no_single_uses(tmp_path: Path) -> None:
    roots = _fleet(tmp_path, {"only/requirements.txt": "pandas>=2\n"})
    report = analyse([read_project(r) for r in roots])
    assert report.single_uses == () and report.divergences == ()
    assert report.level is Level.OK


# -- the whole run: lint, audit hook, PyPI lookups -----------------------------------------


def test_run_fleet_counts_lint_per_project_without_double_counting(tmp_path: Path) -> None:
    write(tmp_path / "outer" / "requirements.txt", "pandas==2.1.0\n")  # PW101 pin
    write(tmp_path / "outer" / "inner" / "requirements.txt", "numpy==1.26.0\nscipy==1.11.0\n")
    write(tmp_path / "clean" / "requirements.txt", "pandas>=2.1.0\n")
    report = run_fleet([tmp_path], settings=offline_settings(tmp_path), offline=True)
    counts = {p.name: p.lint_findings for p in report.projects}
    assert counts == {"clean": 0, "outer": 1, "outer/inner": 2}
    assert report.lint_total == 3
    assert report.audit_total is None  # no audit hook: n/a, not zero


def test_run_fleet_audit_hook(tmp_path: Path) -> None:
    write(tmp_path / "a" / "requirements.txt", "jinja2>=2.10\n")
    write(tmp_path / "b" / "requirements.txt", "jinja2>=2.10\n")
    seen: list[Path] = []

    def audit(root: Path) -> int:
        seen.append(root)
        return 2 if root.name == "a" else 0

    report = run_fleet(
        [tmp_path], settings=offline_settings(tmp_path), offline=True, lint=False, audit=audit
    )
    assert sorted(p.name for p in seen) == ["a", "b"]
    assert {p.name: p.audit_findings for p in report.projects} == {"a": 2, "b": 0}
    assert report.audit_total == 2 and report.level is Level.RISK
    assert all(p.lint_findings is None for p in report.projects)


def test_run_fleet_asks_pypi_once_per_name(tmp_path: Path, http_server) -> None:  # type: ignore[no-untyped-def]
    for name, version in (("pandas", "2.2.3"), ("numpy", "2.1.0")):
        http_server.add(
            f"/pypi/{name}/json", json.dumps({"info": {"name": name, "version": version}})
        )
    for project in ("a", "b", "c"):
        write(tmp_path / project / "requirements.txt", "pandas>=2\nnumpy>=1.26\n")
    settings = Settings.from_env(
        {"PIPWARDEN_CACHE_DIR": str(tmp_path / ".cache"), "PIPWARDEN_PYPI_URL": http_server.url}
    )
    report = run_fleet([tmp_path], settings=settings)
    assert [p.lint_findings for p in report.projects] == [0, 0, 0]
    assert http_server.count("/pypi/pandas/json") == 1
    assert http_server.count("/pypi/numpy/json") == 1


def test_run_fleet_without_projects_is_an_input_error(tmp_path: Path) -> None:
    from pipwarden.errors import InputError

    write(tmp_path / "README.md", "hello\n")
    with pytest.raises(InputError, match="no projects found"):
        run_fleet([tmp_path], settings=offline_settings(tmp_path), offline=True)


# -- benchmark generator: planted divergences, single uses and overlaps are found --------


def _load_benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pipwarden_bench_fleet", ROOT / "benchmarks" / "fleet.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_fifty_generated_projects_report_what_was_planted(tmp_path: Path) -> None:
    bench = _load_benchmark()
    base = tmp_path / "fleet"
    planted = bench.generate(base, 50)
    report = run_fleet([base], settings=offline_settings(tmp_path), offline=True)
    assert len(report.projects) == 50
    assert bench.check(planted, report) == []
    assert len(planted.divergent) == 5 and len(planted.single) == 10


def test_project_labels_are_relative_and_unique(tmp_path: Path) -> None:
    write(tmp_path / "one" / "api" / "requirements.txt", "pandas>=2\n")
    write(tmp_path / "two" / "api" / "requirements.txt", "pandas>=2\n")
    write(tmp_path / "two" / "requirements.txt", "pandas>=2\n")
    report = run_fleet(
        [tmp_path / "one", tmp_path / "two"], settings=offline_settings(tmp_path), lint=False
    )
    names = sorted(p.name for p in report.projects)
    # "api" is found under both folders: the full paths tell them apart
    assert names == sorted([str(tmp_path / "one" / "api"), str(tmp_path / "two" / "api"), "two"])
