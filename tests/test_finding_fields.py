"""``Finding.with_fields``: what ``dataclasses.replace`` gives, without ``__init__``."""

from __future__ import annotations

import dataclasses

import pytest

from pipwarden.audit import Finding
from pipwarden.models import Location, Severity


def _finding() -> Finding:
    return Finding(package="jinja2", version="2.4.1", id="PYSEC-1", aliases=("CVE-1",),
                   summary="s", severity=Severity.HIGH, score=7.5, fixed_in=("2.10.1",),
                   source="requirements.txt", kind="pinned")


def test_every_field_changed_gives_what_replace_gives() -> None:
    base = _finding()
    changes: dict[str, object] = {
        "package": "django", "version": "1.0", "id": "GHSA-x", "aliases": (), "summary": "t",
        "severity": Severity.LOW, "score": None, "fixed_in": ("1.1", "1.2"), "source": "b",
        "kind": "floor", "location": Location("r.txt", 3), "specifier": ">=1",
        "safe_floor": "1.2", "admitted": ("1.0",), "paths": (("a", "b"),), "url": "u",
        "severity_source": "alias", "no_safe_version": True,
    }
    assert set(changes) == {f.name for f in dataclasses.fields(Finding)}
    for name, value in changes.items():
        made = base.with_fields(**{name: value})
        assert made == dataclasses.replace(base, **{name: value})
        assert vars(made) == vars(dataclasses.replace(base, **{name: value}))
    assert base.with_fields(**changes) == dataclasses.replace(base, **changes)
    assert base == _finding()  # the original is unchanged
    with pytest.raises(dataclasses.FrozenInstanceError):
        base.with_fields(version="3").version = "4"  # type: ignore[misc]


def test_a_name_that_is_not_a_field_is_refused() -> None:
    with pytest.raises(TypeError, match="no field packge"):
        _finding().with_fields(packge="x")


def test_with_advice_sets_the_floor() -> None:
    made = _finding().with_advice("2.10.1", False)
    assert made == dataclasses.replace(_finding(), safe_floor="2.10.1", no_safe_version=False)
