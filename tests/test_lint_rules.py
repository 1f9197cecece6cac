"""Each lint rule fires, stays quiet on the clean form, and its fix round-trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipwarden.advice import Advisor
from pipwarden.lint import LintConfig, Lookups, ProjectInfo, run_lint
from pipwarden.lint.engine import Selection
from pipwarden.settings import Settings


def _advisor(records: dict[str, list[dict[str, object]]]) -> Advisor:
    """An advisor over in-memory OSV records (``{package: [{"id", "events"}]}``)."""
    from pipwarden.vulndb.osv import parse_record

    parsed = {
        name: [
            parse_record(
                {
                    "id": rec["id"],
                    "modified": "2024-01-01T00:00:00Z",
                    "affected": [
                        {
                            "package": {"ecosystem": "PyPI", "name": name},
                            "ranges": [{"type": "ECOSYSTEM", "events": rec["events"]}],
                        }
                    ],
                },
                source="test",
            )
            for rec in recs
        ]
        for name, recs in records.items()
    }
    return Advisor(lambda names: {n: parsed[n] for n in names if n in parsed})


def _settings_for(tmp_path: Path) -> Settings:
    # a closed loopback port: an accidental request fails at once, never reaches PyPI
    return Settings(
        cache_dir=tmp_path / "cache", db_path=tmp_path / "db.sqlite3", pypi_url="http://127.0.0.1:9"
    )


def lint(
    tmp_path: Path, *, fix: bool = False, lookups: Lookups | None = None, **config: object
) -> list[tuple[str, str, int | None]]:
    report = run_lint(
        [tmp_path / "p"],
        LintConfig(fix=fix, **config),  # type: ignore[arg-type]
        settings=_settings_for(tmp_path),
        offline=True,
        lookups=lookups or Lookups(),
    )
    assert not report.errors, report.errors
    return [(f.code, Path(f.path).name, f.line) for f in report.findings]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "p" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    return path


# (file name, text that fires, code, text after --fix or None, a clean form)
CASES = [
    (
        "requirements.txt",
        "# data stack\npandas==2.1.0  # keep this comment\n\nnumpy>=1.26\n",
        "PW101",
        "# data stack\npandas>=2.1.0  # keep this comment\n\nnumpy>=1.26\n",
        None,
    ),
    (
        "requirements.txt",
        'requests[socks]===2.31.0 ; python_version >= "3.8"\n',
        "PW101",
        'requests[socks]>=2.31.0 ; python_version >= "3.8"\n',
        None,
    ),
    ("requirements.txt", "numpy\n", "PW102", None, "numpy>=1.26\n"),
    ("requirements.txt", "numpy>=1.26,<2\n", "PW103", None, "numpy>=1.26\n"),
    ("requirements.txt", "numpy~=1.26\n", "PW103", None, "numpy>=1.26\n"),
    ("requirements.txt", "numpy>=1.26,!=1.26.1\n", "PW103", None, "numpy>=1.26\n"),
    ("requirements.txt", "--pre\nnumpy>=1.26\n", "PW104", None, "numpy>=1.26\n"),
    ("requirements.txt", "numpy>=2.0.0rc1\n", "PW104", None, "numpy>=2.0.0\n"),
    (
        "requirements.txt",
        "--extra-index-url https://pkgs.example.com/simple\nnumpy>=1\n",
        "PW201",
        None,
        "--index-url https://pkgs.example.com/simple\nnumpy>=1\n",
    ),
    (
        "requirements.txt",
        "-i http://pkgs.example.com/simple\nnumpy>=1\n",
        "PW202",
        None,
        "-i https://pkgs.example.com/simple\nnumpy>=1\n",
    ),
    (
        "requirements.txt",
        "--trusted-host pkgs.example.com\nnumpy>=1\n",
        "PW203",
        None,
        "numpy>=1\n",
    ),
    (
        "requirements.txt",
        "-i https://bob:s3cr3t@pkgs.example.com/simple\nnumpy>=1\n",
        "PW204",
        None,
        "-i https://pkgs.example.com/simple\nnumpy>=1\n",
    ),
    (
        "requirements.txt",
        "mylib @ https://example.com/mylib-1.0-py3-none-any.whl\n",
        "PW301",
        None,
        "mylib>=1.0\n",
    ),
    (
        "requirements.txt",
        "git+https://github.com/org/tool.git@main#egg=tool\n",
        "PW302",
        None,
        "git+https://github.com/org/tool.git@" + "a" * 40 + "#egg=tool\n",
    ),
    (
        "requirements.txt",
        "git+https://github.com/org/tool.git#egg=tool\n",
        "PW302",
        None,
        "tool>=1\n",
    ),
    (
        "requirements.txt",
        "numpy>=1\npandas>=2\nnumpy>=1.2\n",
        "PW303",
        None,
        "numpy>=1.2\npandas>=2\n",
    ),
    (
        "requirements.txt",
        "Scikit_Learn>=1.3  # models\n",
        "PW304",
        "scikit-learn>=1.3  # models\n",
        None,
    ),
    (
        "pyproject.toml",
        '[project]\nname = "x"\ndependencies = [\n  "pandas==2.1.0",  # df\n  "numpy>=1",\n]\n',
        "PW101",
        '[project]\nname = "x"\ndependencies = [\n  "pandas>=2.1.0",  # df\n  "numpy>=1",\n]\n',
        None,
    ),
    (
        "pyproject.toml",
        "[project]\nname = 'x'\n[project.optional-dependencies]\nml = ['Scikit_Learn>=1']\n",
        "PW304",
        "[project]\nname = 'x'\n[project.optional-dependencies]\nml = ['scikit-learn>=1']\n",
        None,
    ),
    (
        "packages.yml",
        "packages:\n  - package: dbt-labs/dbt_utils\n",
        "PW601",
        None,
        'packages:\n  - package: dbt-labs/dbt_utils\n    version: [">=1.1.0", "<2.0.0"]\n',
    ),
    (
        "packages.yml",
        "packages:\n  - git: https://github.com/org/pkg.git\n",
        "PW602",
        None,
        "packages:\n  - git: https://github.com/org/pkg.git\n    revision: " + "0" * 40 + "\n",
    ),
    (
        "packages.yml",
        "packages:\n  - git: 'https://github.com/org/pkg.git'\n    revision: v1.2\n",
        "PW602",
        None,
        None,
    ),
    (
        "packages.yml",
        "packages:\n  - local: ../elsewhere\n",
        "PW603",
        None,
        "packages:\n  - local: sub/pkg\n",
    ),
    (
        "scripts/setup.sh",
        "#!/bin/bash\n# guard\nPIP_REQUIRE_VIRTUALENV=true\n\n.venv/bin/pip install -r req.txt\n",
        "PW701",
        "#!/bin/bash\n# guard\nexport PIP_REQUIRE_VIRTUALENV=true\n\n"
        ".venv/bin/pip install -r req.txt\n",
        "#!/bin/bash\nPIP_REQUIRE_VIRTUALENV=true .venv/bin/pip install -r req.txt\n",
    ),
    (
        "Makefile",
        "PIP_REQUIRE_VIRTUALENV=true\ninstall:\n\tpip install -r requirements.txt\n",
        "PW702",
        None,
        "install:\n\tpython -m venv .venv\n\t. .venv/bin/activate && pip install -r r.txt\n",
    ),
    ("ci.sh", "pip install --user pandas\n", "PW702", None, ".venv/bin/pip install pandas\n"),
    (
        ".github/workflows/ci.yml",
        "jobs:\n  t:\n    steps:\n      - run: |\n          PIP_REQUIRE_VIRTUALENV=1\n"
        "          python -m venv .venv\n",
        "PW701",
        "jobs:\n  t:\n    steps:\n      - run: |\n          export PIP_REQUIRE_VIRTUALENV=1\n"
        "          python -m venv .venv\n",
        "jobs:\n  t:\n    env:\n      PIP_REQUIRE_VIRTUALENV: '1'\n",
    ),
    (
        ".vscode/tasks.json",
        '{"tasks": [{"command": "PIP_REQUIRE_VIRTUALENV=true; .venv/bin/pip install -U x"}]}\n',
        "PW701",
        '{"tasks": [{"command": "export PIP_REQUIRE_VIRTUALENV=true; '
        '.venv/bin/pip install -U x"}]}\n',
        None,
    ),
]


@pytest.mark.parametrize(("name", "text", "code", "fixed", "clean"), CASES)
def test_rule_fires_and_clean_form_is_quiet(
    tmp_path: Path, name: str, text: str, code: str, fixed: str | None, clean: str | None
) -> None:
    path = write(tmp_path, name, text)
    assert code in [c for c, _, _ in lint(tmp_path)]
    for quiet in (fixed, clean):
        if quiet is not None:
            path.write_text(quiet)
            assert code not in [c for c, _, _ in lint(tmp_path)], quiet


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(
    ("name", "text", "code", "fixed"), [(n, t, c, f) for n, t, c, f, _ in CASES if f is not None]
)
def test_fix_round_trips(
    tmp_path: Path, name: str, text: str, code: str, fixed: str, newline: str
) -> None:
    path = write(tmp_path, name, text.replace("\n", newline))
    lint(tmp_path, fix=True, select=(code,))
    after = path.read_bytes()
    assert after == fixed.replace("\n", newline).encode()
    assert code not in [c for c, _, _ in lint(tmp_path)]
    lint(tmp_path, fix=True)
    lint(tmp_path, fix=True)
    second = path.read_bytes()
    lint(tmp_path, fix=True)
    assert path.read_bytes() == second  # idempotent


def test_fix_without_fixable_rule_leaves_file_alone(tmp_path: Path) -> None:
    path = write(tmp_path, "requirements.txt", "numpy>=1,<2\r\n# c\r\n")
    lint(tmp_path, fix=True)
    assert path.read_bytes() == b"numpy>=1,<2\r\n# c\r\n"


def test_pin_with_hashes_is_reported_but_not_rewritten(tmp_path: Path) -> None:
    text = "pandas==2.1.0 --hash=sha256:" + "a" * 64 + "\n"
    path = write(tmp_path, "requirements.txt", text)
    assert ("PW101", "requirements.txt", 1) in lint(tmp_path, fix=True)
    assert path.read_text() == text


def test_no_lower_bound_fix_uses_installed_version(tmp_path: Path) -> None:
    write(tmp_path, ".venv/pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path, ".venv/lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA", "x")
    path = write(tmp_path, "requirements.txt", "numpy  # arrays\nNumPy[dev] ; python_version>'3'\n")
    lint(tmp_path, fix=True, select=("PW102",))
    assert path.read_text() == "numpy>=1.26.4  # arrays\nNumPy[dev]>=1.26.4 ; python_version>'3'\n"


def test_no_lower_bound_fix_uses_pypi_latest(tmp_path: Path) -> None:
    lookups = Lookups(project=lambda name: ProjectInfo(name, "3.0.1"))
    path = write(tmp_path, "requirements.txt", "polars\n")
    lint(tmp_path, fix=True, select=("PW102",), lookups=lookups)
    assert path.read_text() == "polars>=3.0.1\n"


def test_duplicates_across_includes(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r requirements-base.txt\npandas>=2\n")
    write(tmp_path, "requirements-base.txt", "Pandas>=1.5\n")
    found = lint(tmp_path, select=("PW303",))
    assert ("PW303", "requirements.txt", 2) in found


def test_same_name_with_other_marker_is_not_duplicate(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "numpy>=1 ; python_version<'3.9'\nnumpy>=2 ; python_version>='3.9'\n",
    )
    assert lint(tmp_path, select=("PW303",)) == []


def test_full_commit_hash_is_weaker_finding(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "tool @ git+https://github.com/o/t.git@" + "b" * 40 + "\n")
    codes = [c for c, _, _ in lint(tmp_path)]
    assert "PW301" in codes
    assert "PW302" not in codes


def test_project_itself_editable_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-e .\n")
    assert lint(tmp_path) == []


def test_supply_chain_rules_with_lookups(tmp_path: Path) -> None:
    def project(name: str) -> ProjectInfo | None:
        return None if name == "internal-lib" else ProjectInfo(name, "9.9")

    lookups = Lookups(
        project=project,
        typosquat=lambda name: "requests" if name == "reqeusts" else None,
        advisor=_advisor(
            {"jinja2": [{"id": "PYSEC-2021-66",
                         "events": [{"introduced": "0"}, {"fixed": "2.11.3"}]}]}
        ),
    )
    path = write(tmp_path, "requirements.txt", "reqeusts>=1\ninternal-lib>=1\njinja2>=2.10\n")
    found = lint(tmp_path, lookups=lookups)
    assert ("PW401", "requirements.txt", 1) in found
    assert ("PW402", "requirements.txt", 2) in found
    assert ("PW403", "requirements.txt", 3) in found
    assert [c for c, _, _ in found].count("PW402") == 1
    lint(tmp_path, fix=True, lookups=Lookups(advisor=lookups.advisor))
    assert path.read_text().splitlines()[2] == "jinja2>=2.11.3"


def test_pypi_spelling_is_accepted_and_used(tmp_path: Path) -> None:
    lookups = Lookups(project=lambda name: ProjectInfo("PyYAML", "6.0"))
    path = write(tmp_path, "requirements.txt", "PyYAML>=6\npyyaml>=6 ; python_version<'3'\n")
    assert lint(tmp_path, lookups=lookups, select=("PW304",)) == []
    path.write_text("Py_Yaml>=6\n")
    lint(tmp_path, fix=True, lookups=lookups, select=("PW304",))
    assert path.read_text() == "PyYAML>=6\n"


def test_dbt_local_inside_project_and_block_list_version(tmp_path: Path) -> None:
    write(
        tmp_path,
        "packages.yml",
        "# deps\npackages:\n  - package: dbt-labs/dbt_utils  # utils\n    version:\n"
        '      - ">=1.1.0"\n      - "<2.0.0"\n  - local: ./sub\n',
    )
    assert lint(tmp_path) == []


def test_dbt_findings_point_at_each_entry(tmp_path: Path) -> None:
    write(
        tmp_path,
        "dbt_project.yml",
        "name: x\n",
    )
    write(
        tmp_path,
        "dependencies.yml",
        "projects:\n  - name: other\npackages:\n  - package: a/b\n    version: 1.0.0\n"
        "  - package: c/d\n  - git: https://x/y.git\n    revision: " + "f" * 40 + "\n",
    )
    assert lint(tmp_path) == [("PW601", "dependencies.yml", 6)]


def test_lockfile_tracked_by_git(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git not installed")
    root = tmp_path / "p"
    write(tmp_path, "poetry.lock", "# lock\n")
    write(tmp_path, "sub/requirements-dev.lock", "x==1\n")
    write(tmp_path, "uv.lock", "")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(
        ["git", "-C", str(root), "add", "poetry.lock", "sub/requirements-dev.lock"], check=True
    )
    found = lint(tmp_path)
    assert ("PW501", "poetry.lock", None) in found
    assert ("PW501", "requirements-dev.lock", None) in found
    assert all(name != "uv.lock" for _, name, _ in found)  # untracked
    assert lint(tmp_path, lockfiles=False) == []


def test_selection_prefix_matching() -> None:
    sel = Selection(select=["PW1", "PW304"], ignore=["PW10"])
    assert not sel.enabled("PW101")
    assert sel.enabled("PW304")
    assert not sel.enabled("PW201")
    sel = Selection(select=["PW101"], ignore=["PW1"])
    assert sel.enabled("PW101")  # the longer prefix wins
    assert not sel.enabled("PW102")
    assert Selection().enabled("PW701")


def test_unknown_rule_code_is_a_usage_error() -> None:
    from pipwarden.errors import UsageError

    with pytest.raises(UsageError):
        Selection(select=["PW9"])


_LINE_SHAPES = [
    "{n}=={v}",
    "{n}>={v}",
    "{N}>={v}  # comment",
    "{n}>={v},<9",
    "",
    "# only a comment",
    '{n}[x]==={v} ; python_version >= "3.8"',
    "{N}_lib=={v}",
]


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    shapes=st.lists(st.sampled_from(_LINE_SHAPES), min_size=1, max_size=12),
    crlf=st.booleans(),
)
def test_fix_converges_and_keeps_comments(tmp_path: Path, shapes: list[str], crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    lines = [shape.format(n=f"pkg{i}", N=f"Pkg{i}", v=f"1.{i}") for i, shape in enumerate(shapes)]
    path = write(tmp_path, "requirements.txt", newline.join(lines) + newline)
    lint(tmp_path, fix=True)
    once = path.read_bytes()
    lint(tmp_path, fix=True)
    assert path.read_bytes() == once
    text = once.decode()
    assert text.count(newline) == len(lines)
    assert ("\n" in text.replace("\r\n", "")) is not crlf or not lines
    kept = text.split(newline)
    for before, after in zip(lines, kept, strict=False):
        if not before or before.startswith("#"):
            assert after == before
        if "#" in before:
            assert after.endswith("# " + before.split("# ", 1)[1])
    assert not {"PW101", "PW304"} & {c for c, _, _ in lint(tmp_path)}


def test_vulnerable_floor_without_fixed_release_has_no_fix(tmp_path: Path) -> None:
    lookups = Lookups(
        advisor=_advisor(
            {"oldlib": [{"id": "GHSA-xxxx-yyyy-zzzz", "events": [{"introduced": "0"}]}]}
        )
    )
    path = write(tmp_path, "requirements.txt", "oldlib>=1.0\n")
    found = lint(tmp_path, fix=True, lookups=lookups)
    assert found == [("PW403", "requirements.txt", 1)]
    assert path.read_text() == "oldlib>=1.0\n"


def test_typosquat_adapter_uses_the_vet_index(tmp_path: Path) -> None:
    from pipwarden.checks import typosquat
    from pipwarden.lint.supplychain import typosquat_lookup

    assert hasattr(typosquat, "TyposquatIndex")
    lookup = typosquat_lookup(_settings_for(tmp_path))
    assert lookup("requests") is None
    assert lookup("reqeusts") == "requests"
    assert lookup("idna-ssl") is None  # an add-on-like name: vet warns, lint stays quiet


def test_missing_data_sources_are_skipped_not_fatal(tmp_path: Path) -> None:
    from pipwarden.lint.supplychain import default_lookups

    lookups = default_lookups(_settings_for(tmp_path), offline=True)
    assert lookups.project is None
    assert lookups.advisor is None  # no database file in tmp_path
    assert any(s.startswith("PW403: skipped") for s in lookups.skipped)
    write(tmp_path, "requirements.txt", "pandas>=2\n")
    report = run_lint(
        [tmp_path / "p"], LintConfig(), settings=_settings_for(tmp_path), offline=True
    )
    assert report.findings == ()


def test_vulnerable_pin_gets_a_safe_floor_from_the_real_database(tmp_path: Path) -> None:
    """A pin cannot be narrowed: PW403 judges ``>=pin`` and the fix floats it to a safe floor."""
    from pipwarden.advice import admitted
    from pipwarden.lint.supplychain import advisor_lookup
    from pipwarden.vulndb.update import import_source

    settings = _settings_for(tmp_path)
    archive = Path(__file__).parent / "data" / "osv" / "pypa-advisory-database-20241010.zip"
    import_source(archive, settings.db_path)
    advisor, close = advisor_lookup(settings, offline=True)
    try:
        assert advisor.advise("requests").floor == "2.31.0"
        found = admitted("requests", "==2.19.1", advisor.advisories("requests"))
        assert found.ids == ("PYSEC-2018-28", "PYSEC-2023-74")
        assert found.versions == ("2.19.1",)
        assert not admitted("requests", "==2.32.0", advisor.advisories("requests")).ids
        lookups = Lookups(advisor=advisor)
        path = write(tmp_path, "requirements.txt", "requests==2.19.1  # old\n")
        assert lint(tmp_path, lookups=lookups, select=("PW403",)) == [
            ("PW403", "requirements.txt", 1)
        ]
        assert lint(tmp_path, fix=True, lookups=lookups, select=("PW403",)) == []  # fixed
        assert path.read_text() == "requests>=2.31.0  # old\n"
    finally:
        close()
