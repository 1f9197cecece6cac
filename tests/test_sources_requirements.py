"""pip's requirements format: table-driven cases, includes, errors, and fuzzing."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet

from pipwarden.errors import InputError
from pipwarden.models import Dependency
from pipwarden.sources.requirements import (
    RequirementParts,
    name_is_written,
    parse_requirements,
    parse_requirements_text,
    requirement_parts,
)


def one(text: str) -> Dependency:
    parsed = parse_requirements_text(text, "r.txt", environ={})
    assert len(parsed.dependencies) == 1, parsed.dependencies
    return parsed.dependencies[0]


# (line, name, raw_name, specifier, extras, marker, url)
REQUIREMENT_CASES = [
    ("requests", "requests", "requests", "", (), None, None),
    ("Requests>=2.31", "requests", "Requests", ">=2.31", (), None, None),
    ("dbt_BigQuery >= 1.7.0", "dbt-bigquery", "dbt_BigQuery", ">=1.7.0", (), None, None),
    ("pandas[excel,  parquet]>=2", "pandas", "pandas", ">=2", ("excel", "parquet"), None, None),
    ("numpy>=1.26,<3", "numpy", "numpy", "<3,>=1.26", (), None, None),
    ("tomli; python_version < '3.11'", "tomli", "tomli", "", (), 'python_version < "3.11"', None),
    (
        'pywin32 >=306 ; sys_platform == "win32" and python_version >= "3.8"',
        "pywin32", "pywin32", ">=306", (),
        'sys_platform == "win32" and python_version >= "3.8"', None,
    ),
    ("foo===1.0-legacy", "foo", "foo", "===1.0-legacy", (), None, None),
    (
        "pkg @ https://example.com/pkg-1.0.tar.gz", "pkg", "pkg", "", (), None,
        "https://example.com/pkg-1.0.tar.gz",
    ),
    (
        "git+https://github.com/org/repo.git@v1.2#egg=my_pkg", "my-pkg", "my_pkg", "", (), None,
        "git+https://github.com/org/repo.git@v1.2#egg=my_pkg",
    ),
    (
        "git+https://github.com/org/some-repo.git@main", "", "some-repo", "", (), None,
        "git+https://github.com/org/some-repo.git@main",
    ),
    ("./local/pkg[dev]", "", "pkg", "", ("dev",), None, "./local/pkg"),
    (
        "../dist/pandas-2.2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "pandas",
        "pandas-2.2.0-cp311-cp311-manylinux_2_17_x86_64.whl", "", (), None,
        "../dist/pandas-2.2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
    ),
    ("file:///opt/wheels/x", "", "x", "", (), None, "file:///opt/wheels/x"),
    (
        'https://files.example/six-1.16.0.tar.gz ; python_version > "3"', "six",
        "six-1.16.0.tar.gz", "", (), 'python_version > "3"',
        "https://files.example/six-1.16.0.tar.gz",
    ),
    ("dist/thing.zip", "", "thing.zip", "", (), None, "dist/thing.zip"),
]


@pytest.mark.parametrize(
    ("line", "name", "raw_name", "specifier", "extras", "marker", "url"), REQUIREMENT_CASES
)
def test_requirement_forms(
    line: str,
    name: str,
    raw_name: str,
    specifier: str,
    extras: tuple[str, ...],
    marker: str | None,
    url: str | None,
) -> None:
    dep = one(line)
    assert dep.name == name
    assert dep.raw_name == raw_name
    assert SpecifierSet(dep.specifier) == SpecifierSet(specifier)
    assert dep.extras == extras
    assert dep.marker == marker
    assert dep.url == url
    assert dep.text == line.strip()
    assert dep.location.line == 1


def test_comments_blank_lines_and_url_fragments() -> None:
    text = (
        "# a comment\n"
        "\n"
        "requests>=2  # why we need it\n"
        "   # indented comment\n"
        "git+https://github.com/o/r.git#egg=thing  # vcs\n"
        "pkg#not-a-comment\n"
    )
    with pytest.raises(InputError) as err:
        parse_requirements_text(text, "r.txt", environ={})
    assert err.value.line == 6  # '#' glued to a name is not a comment: pip rejects it too
    parsed = parse_requirements_text(text.rsplit("pkg", 1)[0], "r.txt", environ={})
    names = [d.name for d in parsed.dependencies]
    assert names == ["requests", "thing"]
    assert parsed.dependencies[1].url == "git+https://github.com/o/r.git#egg=thing"
    kinds = [(line.lineno, line.kind) for line in parsed.lines]
    assert kinds == [(1, "comment"), (2, "blank"), (3, "requirement"), (4, "comment"),
                     (5, "requirement")]
    assert parsed.lines[2].comment == "why we need it"
    assert parsed.lines[2].content.rstrip() == "requests>=2"
    assert parsed.lines[2].raw == "requests>=2  # why we need it"


def test_windows_line_endings_and_bom() -> None:
    parsed = parse_requirements_text("\ufeffa==1\r\nb>=2 \\\r\n  ; os_name == 'nt'\r\n", "r.txt",
                                     environ={})
    assert parsed.newline == "\r\n"
    assert [(d.name, d.location.line) for d in parsed.dependencies] == [("a", 1), ("b", 2)]
    assert parsed.dependencies[1].marker == 'os_name == "nt"'
    assert parsed.lines[1].raw == "b>=2 \\\n  ; os_name == 'nt'"
    assert (parsed.lines[1].lineno, parsed.lines[1].end_lineno) == (2, 3)
    assert parse_requirements_text("a\nb\n", "r.txt").newline == "\n"


def test_continuations_keep_first_line_and_hashes_on_continuation_lines() -> None:
    text = (
        "x==1\n"
        "cryptography==42.0.5 \\\n"
        "    --hash=sha256:AAAA \\\n"
        "    --hash=sha384:bbbb\n"
        "y==2\n"
    )
    parsed = parse_requirements_text(text, "r.txt", environ={})
    crypto = parsed.dependencies[1]
    assert crypto.location == parsed.dependencies[1].location
    assert crypto.location.line == 2
    assert crypto.hashes == ("sha256:aaaa", "sha384:bbbb")
    assert parsed.dependencies[2].location.line == 5
    assert parsed.lines[1].end_lineno == 4


def test_comment_line_ends_a_continuation_like_pip() -> None:
    text = "requests \\\n# comment\n>=2\n"
    with pytest.raises(InputError) as err:
        parse_requirements_text(text, "r.txt", environ={})
    assert err.value.line == 3
    text = "requests>=2 \\\n  # trailing comment\nnumpy\n"
    parsed = parse_requirements_text(text, "r.txt", environ={})
    assert [d.name for d in parsed.dependencies] == ["requests", "numpy"]
    assert parsed.dependencies[1].location.line == 3
    assert parsed.lines[0].comment == "trailing comment"


def test_env_var_expansion_only_for_braced_upper_case_names() -> None:
    env = {"PKG_VERSION": "2.0", "TOKEN": "s3cr3t", "lower": "no"}
    text = (
        "foo==${PKG_VERSION}\n"
        "--extra-index-url https://user:${TOKEN}@pkgs.example/simple\n"
        "bar==${MISSING_VAR} ; python_version > '3'\n"
    )
    with pytest.raises(InputError) as err:
        parse_requirements_text(text, "r.txt", environ=env)
    assert err.value.line == 3
    assert "s3cr3t" not in str(err.value)
    parsed = parse_requirements_text(text.splitlines(True)[0] + text.splitlines(True)[1],
                                     "r.txt", environ=env)
    assert parsed.dependencies[0].specifier == "==2.0"
    assert parsed.dependencies[0].text == "foo==${PKG_VERSION}"
    option = parsed.options[0]
    assert option.name == "--extra-index-url"
    assert option.value == "https://user:s3cr3t@pkgs.example/simple"
    assert option.raw_value == "https://user:${TOKEN}@pkgs.example/simple"
    assert "s3cr3t" not in repr(option)
    assert option.safe_value == "https://user:****@pkgs.example/simple"


@pytest.mark.parametrize(
    ("line", "name", "value"),
    [
        ("-i https://pypi.org/simple", "--index-url", "https://pypi.org/simple"),
        ("--index-url=https://pypi.org/simple", "--index-url", "https://pypi.org/simple"),
        ("-ihttps://pypi.org/simple", "--index-url", "https://pypi.org/simple"),
        ("--extra-index-url https://x.example/simple", "--extra-index-url",
         "https://x.example/simple"),
        ("--trusted-host x.example", "--trusted-host", "x.example"),
        ("-f ./wheels", "--find-links", "./wheels"),
        ("--find-links=https://x.example/wheels", "--find-links", "https://x.example/wheels"),
        ("--no-index", "--no-index", None),
        ("--pre", "--pre", None),
        ("--prefer-binary", "--prefer-binary", None),
        ("--only-binary :all:", "--only-binary", ":all:"),
        ("--no-binary=pandas,numpy", "--no-binary", "pandas,numpy"),
        ("--require-hashes", "--require-hashes", None),
        ("--use-feature truststore", "--use-feature", "truststore"),
        ("--extra-index https://abbrev.example", "--extra-index-url", "https://abbrev.example"),
    ],
)
def test_option_lines(line: str, name: str, value: str | None) -> None:
    parsed = parse_requirements_text(line + "\n", "r.txt", environ={})
    assert parsed.dependencies == ()
    assert [(o.name, o.value, o.location.line) for o in parsed.options] == [(name, value, 1)]
    assert parsed.lines[0].kind == "option"


def test_per_requirement_options() -> None:
    text = (
        "pkg==1.0 --config-settings=editable_mode=compat --global-option='--no-user-cfg' "
        "--hash=sha256:abc123\n"
    )
    parsed = parse_requirements_text(text, "r.txt", environ={})
    dep = parsed.dependencies[0]
    assert (dep.name, dep.specifier, dep.hashes) == ("pkg", "==1.0", ("sha256:abc123",))
    assert dep.text == "pkg==1.0"
    assert [(o.name, o.value) for o in parsed.options] == [
        ("--config-settings", "editable_mode=compat"),
        ("--global-option", "--no-user-cfg"),
    ]


def test_editable_lines() -> None:
    text = (
        "-e git+https://github.com/org/repo.git@abc123#egg=Repo_Pkg[extra]\n"
        "--editable ./src/mylib\n"
        "-e .\n"
    )
    parsed = parse_requirements_text(text, "r.txt", environ={})
    first, second, third = parsed.dependencies
    assert first.editable and second.editable and third.editable
    assert (first.name, first.raw_name, first.extras) == ("repo-pkg", "Repo_Pkg", ("extra",))
    assert first.url == "git+https://github.com/org/repo.git@abc123#egg=Repo_Pkg[extra]"  # as pip
    assert first.location.column == 4
    assert (second.name, second.raw_name, second.url) == ("", "mylib", "./src/mylib")
    assert second.location.column == 12
    assert third.url == "."
    assert [line.kind for line in parsed.lines] == ["editable"] * 3


def test_requirement_column_counts_leading_spaces() -> None:
    parsed = parse_requirements_text("    numpy>=1\n", "r.txt", environ={})
    assert parsed.dependencies[0].location.column == 5
    assert parsed.lines[0].column == 5


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_includes_are_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "-r reqs/base.txt\n-c constraints.txt\nflask\n")
    write(tmp_path / "reqs" / "base.txt", "numpy>=1\n--requirement ../common/extra.txt\n")
    write(tmp_path / "common" / "extra.txt", "# shared\nrequests\n")
    write(tmp_path / "constraints.txt", "urllib3<3\n-r constraints2.txt\n")
    write(tmp_path / "constraints2.txt", "idna<4\n")
    parsed = parse_requirements(tmp_path / "requirements.txt", environ={})
    got = [
        (d.name, Path(d.location.path).relative_to(tmp_path).as_posix(), d.location.line,
         d.constraint)
        for d in parsed.dependencies
    ]
    assert got == [
        ("numpy", "reqs/base.txt", 1, False),
        ("requests", "common/extra.txt", 2, False),
        ("urllib3", "constraints.txt", 1, True),
        ("idna", "constraints2.txt", 1, False),  # as pip: -r inside -c requires
        ("flask", "requirements.txt", 3, False),
    ]
    assert [Path(p).relative_to(tmp_path).as_posix() for p in parsed.includes] == [
        "reqs/base.txt", "constraints.txt",
    ]
    files = [Path(f.path).relative_to(tmp_path).as_posix() for f in parsed.all_files()]
    assert files == ["requirements.txt", "reqs/base.txt", "common/extra.txt",
                     "constraints.txt", "constraints2.txt"]


def test_include_from_a_subfolder_with_relative_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "sub" / "req.txt", "-r ../base.txt\n")
    write(tmp_path / "base.txt", "six\n")
    monkeypatch.chdir(tmp_path)
    parsed = parse_requirements(Path("sub/req.txt"), environ={})
    assert parsed.dependencies[0].location.path == "base.txt"


def test_diamond_include_is_read_once(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "-r b.txt\n-r c.txt\n")
    write(tmp_path / "b.txt", "-r d.txt\n")
    write(tmp_path / "c.txt", "-r d.txt\n")
    write(tmp_path / "d.txt", "attrs\n")
    parsed = parse_requirements(tmp_path / "a.txt", environ={})
    assert [d.name for d in parsed.dependencies] == ["attrs"]


def test_include_cycle_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "x\n-r b.txt\n")
    write(tmp_path / "b.txt", "y\n\n-r a.txt\n")
    with pytest.raises(InputError) as err:
        parse_requirements(tmp_path / "a.txt", environ={})
    assert err.value.line == 3
    assert err.value.path is not None and err.value.path.endswith("b.txt")
    assert "include cycle" in str(err.value)
    write(tmp_path / "self.txt", "-r self.txt\n")
    with pytest.raises(InputError, match="include cycle"):
        parse_requirements(tmp_path / "self.txt", environ={})


def test_bad_line_in_included_file_names_both_files(tmp_path: Path) -> None:
    write(tmp_path / "requirements.txt", "ok\n\n-r dev.txt\n")
    write(tmp_path / "dev.txt", "pytest\npandas=>2.0\n")
    with pytest.raises(InputError) as err:
        parse_requirements(tmp_path / "requirements.txt", environ={})
    assert err.value.path == str(tmp_path / "dev.txt")
    assert err.value.line == 2
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'dev.txt'}:2: ")
    assert 'cannot parse "pandas=>2.0" (did you mean "pandas>=2.0"?)' in message
    assert f"included from {tmp_path / 'requirements.txt'}:3" in message


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        parse_requirements(tmp_path / "nope.txt")
    assert err.value.path == str(tmp_path / "nope.txt")
    write(tmp_path / "r.txt", "a\n-r missing.txt\n")
    with pytest.raises(InputError) as err:
        parse_requirements(tmp_path / "r.txt", environ={})
    assert (err.value.path, err.value.line) == (str(tmp_path / "r.txt"), 2)
    assert "missing.txt" in str(err.value)


def test_remote_include_is_recorded_not_fetched(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        parsed = parse_requirements_text(
            "-r https://u:tok@example.com/r.txt\n", "r.txt", environ={}, resolver=lambda p: None
        )
    assert parsed.options[0].name == "--requirement"
    assert parsed.includes == ()
    assert "not followed" in caplog.text
    assert "tok" not in caplog.text


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("pandas=>2.0", 1, 'cannot parse "pandas=>2.0" (did you mean "pandas>=2.0"?)'),
        ("ok\nfoo==", 2, 'no version after "=="'),
        ("ok\nfoo>>1", 2, "cannot parse"),
        ("flask=2.0", 1, 'did you mean "flask==2.0"?'),
        ("numpy=<2", 1, 'did you mean "numpy<=2"?'),
        ("--frobnicate", 1, "unknown option '--frobnicate'"),
        ("a\nb\n-r", 3, "needs a value"),
        ("-c", 1, "needs a value"),
        ("pkg --hash=md5:abcd", 1, "not allowed"),
        ("pkg --hash=sha256", 1, "ALGORITHM:HEXDIGEST"),
        ("pkg --hash=sha256:xyz", 1, "not hexadecimal"),
        ("--pre=yes", 1, "takes no value"),
        ("pkg --global-option 'unterminated", 1, "cannot split options"),
        ("name with spaces", 1, "cannot parse"),
        ("x \\\n  \\\n  ==", 1, "cannot parse"),
    ],
)
def test_bad_lines(text: str, line: int, fragment: str) -> None:
    with pytest.raises(InputError) as err:
        parse_requirements_text(text, "req.txt", environ={})
    assert err.value.path == "req.txt"
    assert err.value.line == line
    assert fragment in str(err.value)
    assert str(err.value).startswith(f"req.txt:{line}: ")


def test_collect_errors_keeps_going(tmp_path: Path) -> None:
    write(tmp_path / "r.txt", "a\npandas=>2\nb\n-r dev.txt\n--bogus\nc\n")
    write(tmp_path / "dev.txt", "d\nfoo==\n")
    parsed = parse_requirements(tmp_path / "r.txt", environ={}, collect_errors=True)
    assert [d.name for d in parsed.dependencies] == ["a", "b", "d", "c"]
    where = [(Path(e.path or "").name, e.line) for e in parsed.errors]
    assert where == [("r.txt", 2), ("dev.txt", 2), ("r.txt", 5)]
    assert [line.kind for line in parsed.lines] == [
        "requirement", "error", "requirement", "include", "error", "requirement",
    ]


def test_credentials_never_in_errors_or_reprs() -> None:
    text = "-i https://alice:hunter2@pypi.example/simple\ngit+https://ghp_tok@github.com/o/r\n"
    parsed = parse_requirements_text(text, "r.txt", environ={})
    assert "hunter2" not in repr(parsed.options) + repr(parsed.lines)
    assert "ghp_tok" not in repr(parsed.lines)
    with pytest.raises(InputError) as err:
        parse_requirements_text("https://alice:hunter2@x.example/a.whl ; bad marker",
                                "r.txt", environ={})
    assert "hunter2" not in str(err.value)


def test_resolver_is_used_for_text_includes() -> None:
    files = {"base.txt": "six\n", "sub/extra.txt": "-r ../base.txt\nattrs\n"}
    parsed = parse_requirements_text(
        "-r sub/extra.txt\n", "requirements.txt", environ={}, resolver=files.get
    )
    assert [(d.name, d.location.path) for d in parsed.dependencies] == [
        ("six", "base.txt"), ("attrs", "sub/extra.txt"),
    ]
    unresolved = parse_requirements_text("-r sub/extra.txt\n", "requirements.txt", environ={})
    assert unresolved.dependencies == () and unresolved.includes == ()
    assert unresolved.options[0].value == "sub/extra.txt"


# --- fuzzing -----------------------------------------------------------------------------

_LINE_CHARS = st.sampled_from([*"abcXYZ019 _-.=<>!~;,[]@#\\/:'\"$ {}()*+\t\r\n", "\u2028"])


@settings(max_examples=300, deadline=None)
@given(st.text(_LINE_CHARS, max_size=80) | st.text(max_size=60))
@example("-r")
@example("x \\")
@example("\\")
@example("-e")
@example("a @ ")
@example("[x]")
@example("#egg=")
@example("--hash")
@example(".[")
@example("git+")
@example("-i'")
@example("http://[::1")
def test_fuzz_parse_never_crashes_with_another_exception(text: str) -> None:
    try:
        parsed = parse_requirements_text(text, "fuzz.txt", environ={})
    except InputError as exc:
        assert exc.path == "fuzz.txt"
        assert exc.line is not None and exc.line >= 1
    else:
        for dep in parsed.dependencies:
            assert dep.location.line is not None and dep.location.line >= 1


_NAMES = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,6}([._-][A-Za-z0-9]{1,4}){0,2}", fullmatch=True)
_VERSIONS = st.from_regex(r"[0-9]{1,3}(\.[0-9]{1,3}){0,3}", fullmatch=True)
_OPS = st.sampled_from(["==", ">=", "<=", "~=", "!=", "<", ">", "==="])


@settings(max_examples=200, deadline=None)
@given(
    name=_NAMES,
    clauses=st.lists(st.tuples(_OPS, _VERSIONS), max_size=3),
    extras=st.lists(_NAMES, max_size=2, unique=True),
    space=st.sampled_from(["", " ", "  "]),
    comment=st.booleans(),
)
@example(name="a", clauses=[("~=", "1")], extras=[], space="", comment=False)
@example(name="A", clauses=[], extras=[], space=" ", comment=False)  # found: text is stripped
def test_fuzz_valid_requirements_round_trip(
    name: str, clauses: list[tuple[str, str]], extras: list[str], space: str, comment: bool
) -> None:
    if any(op == "~=" and "." not in version for op, version in clauses):
        clauses = [(op, f"{version}.0" if op == "~=" and "." not in version else version)
                   for op, version in clauses]
    spec = ",".join(f"{op}{version}" for op, version in clauses)
    extra_part = f"[{','.join(extras)}]" if extras else ""
    line = f"{name}{extra_part}{space}{spec}" + ("  # note" if comment else "")
    parsed = parse_requirements_text(line + "\n", "r.txt", environ={})
    (dep,) = parsed.dependencies
    assert dep.raw_name == name
    assert dep.name == name.lower().replace("_", "-").replace(".", "-")
    assert SpecifierSet(dep.specifier) == SpecifierSet(spec)
    assert set(dep.extras) == {e.lower().replace("_", "-").replace(".", "-") for e in extras} or (
        set(dep.extras) == set(extras)
    )
    assert dep.text == f"{name}{extra_part}{space}{spec}".strip()


def test_line_of_and_rewriting_a_requirement_in_place(tmp_path: Path) -> None:
    write(tmp_path / "r.txt", "-r inc.txt\n  pandas==2.0  # pinned\n")
    write(tmp_path / "inc.txt", "--hash=sha256:ab\n--config-settings x=y\nsix\n")
    parsed = parse_requirements(tmp_path / "r.txt", environ={})
    pandas = next(d for d in parsed.dependencies if d.name == "pandas")
    line = parsed.line_of(pandas)
    assert line is not None and line.lineno == 2
    start = (pandas.location.column or 1) - 1
    assert line.raw[start : start + len(pandas.text)] == "pandas==2.0"
    fixed = line.raw[:start] + pandas.text.replace("==", ">=") + line.raw[start + len(pandas.text):]
    assert fixed == "  pandas>=2.0  # pinned"
    six = next(d for d in parsed.dependencies if d.name == "six")
    assert parsed.line_of(six) == parsed.included[0].lines[2]
    assert [ln.kind for ln in parsed.included[0].lines] == ["option", "option", "requirement"]


@pytest.mark.parametrize(
    ("text", "name", "specifier"),
    [
        ("pandas==2.1.0", "pandas", "==2.1.0"),
        ('requests[socks] === 2.31.0 ; python_version >= "3.8"', "requests", "=== 2.31.0"),
        ("pkg >= 1 , <2", "pkg", ">= 1 , <2"),
        ("numpy", "numpy", ""),
        ("NumPy[dev] ; python_version>'3'", "NumPy", ""),
    ],
)
def test_requirement_parts_point_at_name_and_specifier(
    text: str, name: str, specifier: str
) -> None:
    parts = requirement_parts(text)
    assert parts is not None and parts.specifier is not None
    assert text[parts.name[0] : parts.name[1]] == name
    assert text[parts.specifier[0] : parts.specifier[1]] == specifier
    if not specifier:  # where a specifier goes: after the name or the extras
        assert parts.specifier[0] == len(text.split(";")[0].rstrip())


def test_requirement_parts_without_an_editable_specifier() -> None:
    assert requirement_parts("x @ https://e.com/x-1-py3-none-any.whl") == RequirementParts(
        (0, 1), None
    )
    assert requirement_parts("x (>=1)") == RequirementParts((0, 1), None)
    assert requirement_parts("./local/path") is None
    assert requirement_parts("git+https://g.com/o/r.git#egg=r") is None


def test_line_offsets_and_option_columns_locate_text_in_the_file() -> None:
    text = (
        "\ufeffa==1\r\n"
        "-i https://x/simple --extra-index-url https://y/simple\r\n"
        "b>=2 \\\r\n"
        "  --hash=sha256:ab\r\n"
        "  c>=3\r\n"
    )
    parsed = parse_requirements_text(text, "r.txt", environ={})
    for dep in parsed.dependencies:
        line = parsed.line_of(dep)
        assert line is not None and dep.location.column is not None
        start = line.offset + dep.location.column - 1
        assert text[start : start + len(dep.text)] == dep.text
    options = {o.name: o.location for o in parsed.options}
    assert (options["--index-url"].line, options["--index-url"].column) == (2, 1)
    extra = options["--extra-index-url"]
    assert (extra.line, extra.column) == (2, 21)
    offset = next(line.offset for line in parsed.lines if line.lineno == 2)
    assert text[offset + 20 :].startswith("--extra-index-url")


def test_name_is_written_or_guessed() -> None:
    parsed = parse_requirements_text(
        "Pandas>=2\nmylib @ https://e.com/mylib-1.0-py3-none-any.whl\n"
        "-e git+https://g.com/o/r.git#egg=My_Lib\nhttps://e.com/pkg-1.0.tar.gz\n./local\n",
        "r.txt",
        environ={},
    )
    assert [(d.name, name_is_written(d)) for d in parsed.dependencies] == [
        ("pandas", True), ("mylib", True), ("my-lib", True), ("pkg", False), ("", False),
    ]
