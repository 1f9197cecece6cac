"""PEP 751 markers: the set variables, three-valued evaluation, and PEP 508 comparisons
checked against packaging (the oracle) on ordinary markers."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from pipwarden.sources.lockmarkers import MarkerError, parse_marker, this_environment

ENV = {
    "python_version": "3.11", "python_full_version": "3.11.9", "sys_platform": "linux",
    "platform_machine": "x86_64", "os_name": "posix", "platform_system": "Linux",
    "implementation_name": "cpython", "platform_python_implementation": "CPython",
    "implementation_version": "3.11.9", "platform_release": "6.1", "platform_version": "#1",
}


@pytest.mark.parametrize(
    ("marker", "extras", "groups", "expected"),
    [
        ("'dev' in dependency_groups", set(), {"dev"}, True),
        ("'dev' in dependency_groups", set(), set(), False),
        ("'Dev_Tools' in dependency_groups", set(), {"dev-tools"}, True),  # normalised
        ("'dev' not in dependency_groups", set(), {"dev"}, False),
        ("'gpu' in extras and sys_platform == 'linux'", {"gpu"}, set(), True),
        ("('dev' in dependency_groups) and (python_version >= '3.12')", set(), {"dev"},
         False),
        ("'a' in extras or 'b' in extras", {"b"}, set(), True),
    ],
)
def test_set_variables(marker: str, extras: set[str], groups: set[str],
                       expected: bool) -> None:
    env = {**ENV, "extras": frozenset(extras), "dependency_groups": frozenset(groups)}
    assert parse_marker(marker).evaluate(env) is expected


def test_unknown_variables_give_unknown_unless_decided() -> None:
    marker = parse_marker("'dev' in dependency_groups and sys_platform == 'win32'")
    assert marker.evaluate({}) is None
    assert marker.evaluate({"sys_platform": "linux"}) is False  # False and unknown
    assert parse_marker("'dev' in dependency_groups or os_name == 'posix'").evaluate(
        {"os_name": "posix"}) is True  # True or unknown
    assert marker.names_in("dependency_groups") == {"dev"}


@pytest.mark.parametrize(
    "marker",
    [
        "'dev' == dependency_groups", "dependency_groups in 'dev'", "extras >= '1'",
        "python_version", "python_version >= ", "(python_version >= '3'", "'a' == 'b'",
        "nonsense == '1'", "python_version >= '3' and", "python_version >= '3')",
        "python_version ~ '3'", "", "   ",
    ],
)
def test_bad_markers_raise_marker_error(marker: str) -> None:
    with pytest.raises(MarkerError):
        parse_marker(marker)


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(MarkerError, match="nested"):
        parse_marker("(" * 200 + "os_name == 'a'" + ")" * 200)


ORACLE_MARKERS = [
    "python_version >= '3.9'",
    "python_full_version < '3.11.4'",
    "python_version not in '3.0, 3.1, 3.2, 3.3'",
    "python_version in '2.7, 3.11'",
    "sys_platform == 'linux' and platform_machine != 'aarch64'",
    "platform_system == \"Windows\" or sys_platform == \"win32\"",
    "'linux' in sys_platform",
    "implementation_name == 'cpython' and python_version > '3'",
    "platform_release >= '5'",
    "os_name == 'nt' or (python_version < '3.12' and os_name == 'posix')",
    "python_version ~= '3.10'",
    "python_version === '3.11'",
    "python_version != '3.11.*'",
    "python_version == '3.*'",
]


@pytest.mark.parametrize("marker", ORACLE_MARKERS)
@pytest.mark.parametrize("python", ["3.9", "3.11", "3.12"])
def test_ordinary_markers_agree_with_packaging(marker: str, python: str) -> None:
    env = {**ENV, "python_version": python, "python_full_version": f"{python}.3"}
    assert parse_marker(marker).evaluate(env) is Marker(marker).evaluate(env)


def test_this_environment_agrees_with_packaging() -> None:
    from packaging.markers import default_environment

    ours = this_environment()
    theirs = default_environment()
    for key, value in theirs.items():
        assert ours[key] == value, key


def test_selected_here_reads_lock_markers(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipwarden.models import Dependency, Location
    from pipwarden.sources import lockcommon
    from pipwarden.sources.interface import selected_here

    monkeypatch.setattr(lockcommon, "_HERE", dict(ENV))

    def dep(marker: str | None) -> Dependency:
        return Dependency("a", "a", "==1", Location("pylock.toml", 1), "a==1", marker=marker)

    assert selected_here(dep(None))
    assert selected_here(dep("'dev' in dependency_groups"))  # groups never exclude
    assert not selected_here(dep("'dev' in dependency_groups and sys_platform == 'win32'"))
    assert selected_here(dep("not a marker ("))  # kept, so that it is audited
