"""The cheap paths of the provenance and release-history checks agree with full parsing."""

from __future__ import annotations

import pytest
from packaging.version import InvalidVersion, Version

from pipwarden.checks.provenance import _SameVersion
from pipwarden.checks.releases import release_times

TEXTS = [
    "1.0", "1", "1.0.0", "v1.0", " 1.0", "1.0.post0", "1.0rc1", "1!1.0", "0!1.0",
    "1.0+local", "1.0+LOCAL.01", "1.01", "01.0", "2.0", "1.0.1", "1.0.dev0", "1.0a", "bogus",
    "1.0foo", "1..0", "10", "0.1", "V1.0.0",
]


@pytest.mark.parametrize("wanted", ["1.0", "1", "1!1.0", "1.0+local.1", "1.0.post0", "0.1"])
def test_same_version_matches_full_parse(wanted: str) -> None:
    same = _SameVersion(Version(wanted))
    for text in TEXTS:
        try:
            expected = Version(text) == Version(wanted)
        except InvalidVersion:
            expected = False
        assert same(f"pkg-{text}.tar.gz") is expected, (wanted, text)
        assert same(f"pkg-{text}.tar.gz") is expected, (wanted, text)  # remembered answer


def test_release_times_first_upload_and_yanked() -> None:
    releases: dict[str, object] = {
        "2.0": [
            {"upload_time_iso_8601": "2024-03-02T00:00:00Z", "yanked": True},
            {"upload_time": "2024-03-01T00:00:00", "yanked": True},
        ],
        "1.0": [
            {"upload_time_iso_8601": "2023-01-01T00:00:00Z", "yanked": False},
            "not a file",
            {"upload_time_iso_8601": "", "yanked": True},
        ],
        "0.1": [],
        "0.2": "junk",
        "0.3": [{"upload_time_iso_8601": "not a time"}],
    }
    got = release_times(releases)
    assert [(t.isoformat(), v, y) for t, v, y in got] == [
        ("2023-01-01T00:00:00+00:00", "1.0", False),
        ("2024-03-01T00:00:00+00:00", "2.0", True),
    ]
