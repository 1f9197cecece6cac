"""The one YAML scanner shared by doctor (profiles, kube, gh) and lint (dbt packages.yml)."""

from __future__ import annotations

import pytest

from pipwarden.errors import InputError
from pipwarden.yamlscan import flow_sequence, scan_yaml

PACKAGES = (
    "\ufeff# deps\n"
    "packages:\n"
    "  - package: dbt-labs/dbt_utils  # utils\n"
    "    version:\n"
    '      - ">=1.1.0"\n'
    "      - '<2.0.0'\n"
    '  - git: "https://x/y.git"\n'
    "    revision: [a, 'b, c']\n"
)


def test_scalar_items_only_on_request() -> None:
    plain = [(e.line, e.path, e.key, e.value) for e in scan_yaml(PACKAGES)]
    assert all(key for _, _, key, _ in plain)
    with_items = [(e.line, e.path, e.value) for e in scan_yaml(PACKAGES, items=True) if e.item]
    assert with_items == [
        (5, ("packages", "-3", "version"), ">=1.1.0"),
        (6, ("packages", "-3", "version"), "<2.0.0"),
    ]
    git = next(e for e in scan_yaml(PACKAGES) if e.key == "git")
    assert (git.line, git.path, git.value) == (7, ("packages", "-7"), "https://x/y.git")


def test_flow_sequence() -> None:
    assert flow_sequence("[a, 'b, c']") == ["a", "b, c"]
    assert flow_sequence('[">=1", "<2",]') == [">=1", "<2"]
    assert flow_sequence("[]") == []
    assert flow_sequence("1.0.0") is None


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("packages:\n\t- package: a/b\n", 2, "tabs"),
        ("packages:\n  - package: a/b\njust words\n", 3, "key: value"),
    ],
)
def test_strict_mode_names_the_bad_line(text: str, line: int, words: str) -> None:
    assert scan_yaml(text)  # lenient by default: the bad line is skipped
    with pytest.raises(InputError) as info:
        scan_yaml(text, source="packages.yml")
    assert info.value.path == "packages.yml" and info.value.line == line
    assert words in info.value.reason


def test_block_scalars_and_comments_are_not_entries() -> None:
    text = "a: |\n  b: not a key\n    c: deeper\nd: 'x # y'  # z\n"
    entries = [(e.key, e.value) for e in scan_yaml(text, source="f.yml")]
    assert entries == [("a", "|"), ("d", "x # y")]
