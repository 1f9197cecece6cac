from __future__ import annotations

from importlib import resources

import pytest

from pipwarden.stdlib_alternatives import (
    KINDS,
    all_alternatives,
    find,
    load_table,
    parse_python_version,
)

TABLE = resources.files("pipwarden").joinpath("data", "stdlib_alternatives.tsv")


def test_every_row_parses_with_valid_fields() -> None:
    rows = load_table(TABLE.read_text(encoding="utf-8"))
    assert len(rows) >= 60
    assert rows == all_alternatives()
    for row in rows:
        major, minor = row.min_python
        assert (2, 5) <= (major, minor) <= (3, 14), row
        assert row.kind in KINDS
        assert row.source and row.replacement
        assert row.package == row.package.lower()
        assert "_" not in row.package and "." not in row.package


def test_raw_table_min_python_column_is_major_dot_minor() -> None:
    lines = [ln for ln in TABLE.read_text(encoding="utf-8").splitlines() if ln[:1] != "#"]
    header = lines[0].split("\t")
    col = header.index("min_python")
    for line in lines[1:]:
        cells = line.split("\t")
        assert len(cells) == len(header), line
        assert parse_python_version(cells[col]) >= (2, 5)


@pytest.mark.parametrize(
    ("name", "replacement", "min_python"),
    [
        ("tomli", "tomllib", (3, 11)),
        ("backports.zoneinfo", "zoneinfo", (3, 9)),
        ("Backports_Zoneinfo", "zoneinfo", (3, 9)),
        ("exceptiongroup", "builtin ExceptionGroup and except*", (3, 11)),
        ("importlib_metadata", "importlib.metadata", (3, 10)),
        ("pytz", "zoneinfo", (3, 9)),
    ],
)
def test_find_normalises_names(name: str, replacement: str, min_python: tuple[int, int]) -> None:
    row = find(name)
    assert row is not None
    assert row.replacement == replacement
    assert row.min_python == min_python


def test_find_honours_python() -> None:
    assert find("tomli", (3, 10)) is None
    row = find("tomli", (3, 11))
    assert row is not None and row.min_python_text == "3.11"
    assert find("tomli", (3, 13)) is not None
    assert find("taskgroup", (3, 9)) is None
    assert find("zstandard", (3, 13)) is None
    assert find("zstandard", (3, 14)) is not None
    # a (major, minor, micro) tuple only compares on (major, minor)
    assert find("async-timeout", (3, 11, 0)) is not None  # type: ignore[arg-type]


def test_unknown_and_dropped_rows() -> None:
    assert find("pandas") is None
    for dropped in ("colorama", "nose", "mmh3", "typing-extensions", "pycrypto"):
        assert find(dropped) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("package\treplacement\tmin_python\tkind\tnote\tsource\nx\ty\t3\tbackport\t\ts\n", ":2:"),
        ("package\treplacement\tmin_python\tkind\tnote\tsource\nx\ty\t3.9\tmaybe\t\ts\n", "kind"),
        ("package\treplacement\tmin_python\tkind\tnote\tsource\nx\ty\t3.9\n", "columns"),
        ("pkg\tnope\n", "header"),
        (
            "package\treplacement\tmin_python\tkind\tnote\tsource\n"
            "a.b\ty\t3.9\tbackport\t\ts\nA_B\ty\t3.9\tbackport\t\ts\n",
            "duplicate",
        ),
    ],
)
def test_malformed_tables_are_rejected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_table(text)


@pytest.mark.parametrize("bad", ["3", "3.x", "py3.9", "3.9.1", ""])
def test_parse_python_version_rejects(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_python_version(bad)
