"""Property tests: PyPI JSON answers, as the client parses them and vet's signals read them.

A ``/pypi/<name>/json`` body, whatever its bytes, either becomes a trimmed project or a
one-line reason (:func:`parse_answer` never raises); a parsed project, whatever its
fields hold, goes through version selection, dependency markers and every signal without
an exception other than none. 5,000 examples each by default ([7]); set
``PIPWARDEN_FUZZ_EXAMPLES`` to change it.
"""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipwarden.boundedjson import JsonLimits
from pipwarden.checks import PackageContext, files_for_version, project_urls
from pipwarden.checks.registry import run_checks
from pipwarden.checks.releases import first_release_age
from pipwarden.models import Signal
from pipwarden.pypi.client import parse_answer, trim_project, trim_simple
from pipwarden.vet import latest_compatible, newest_admitted, requirements_of

FUZZ = settings(
    max_examples=int(os.environ.get("PIPWARDEN_FUZZ_EXAMPLES", "5000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
NOW = datetime(2026, 11, 26, tzinfo=UTC)
LIMITS = JsonLimits(max_depth=16, max_number_length=40, max_values=5000)

# Projects are built from a drawn seed with ``random.Random`` out of pools of realistic,
# odd and hostile values: one draw per example instead of hundreds keeps 5,000 examples
# within a few seconds, and the seed in a failure report rebuilds the project exactly.
_ODD: list[Any] = [None, 0, -1, 1.5, True, "", "x", [], {}, ["a"], {"k": "v"}, [[["deep"]]],
                   {"a": {"b": [1]}}, 10**30, "\x1b[31m", "\u202e", "\ud800"]
_VERSIONS = ["1.0", "2.0", "1.0rc1", "0.1.dev3", "1!2", "1.0+local", "v1", "", "x", "1" * 30,
             "2.0.post1", " 1.0 ", "\u0661.0"]
_SPEC = st.sampled_from(["", "<2", ">=1.0", "==1.0", "===x", "~=1.0", "!=1.*", ">=1.0rc1",
                         "bad spec", ">", "==1.*"])
_STAMPS = ["2024-01-01T00:00:00Z", "2026-11-20T10:00:00.123456Z", "2024-13-01", "",
           "yesterday", "2024-01-01T00:00:00+05:00", "9999-12-31T23:59:59Z", "0001-01-01"]
_URLS = ["https://github.com/acme/demo", "https://github.com/sponsors/acme",
         "https://opencollective.com/x", "javascript:alert(1)", "http://[::1",
         "https://gitlab.com/a", "https://github.com/a/b/SECURITY.md", "", "https://:99999/",
         "https://github.com/acme", "https://github.com//", "\x1b]8;;https://evil\x07"]
_LABELS = ["Source", "Funding", "Security", "Homepage", "Donate", "", "Repository", "x"]
_REQS = ['idna>=2.5', 'PySocks!=1.5.7; extra == "socks"', 'tomli; python_version < "3.11"',
         'x; python_version > "abc"', 'y; extra == "a" or os_name == "nt"', 'z[extra]>=1; ',
         "bad requirement!", 'q; platform_release >= "5.0"', "w @ https://x/y.whl", ""]
_PYTHONS = [">=3.8", "<3", "bad", None, "", ">=3.13", "~=2.7"]
_KINDS = ["sdist", "bdist_wheel", "bdist_egg"]
_FILES = ["demo-1.0.tar.gz", "demo-1.0-py3-none-any.whl", "demo.whl", "x"]


def _pick(rng: random.Random, pool: list[Any], odd: float = 0.15) -> Any:
    """A value from ``pool``, now and then an odd one (wrong type, escapes, surrogates)."""
    if rng.random() < odd:
        return rng.choice(_ODD)
    if rng.random() < 0.1:
        return "".join(chr(rng.randrange(0x20, 0x2FF)) for _ in range(rng.randrange(6)))
    return rng.choice(pool)


def _some(rng: random.Random, keys: dict[str, Any]) -> dict[str, Any]:
    """Each key of ``keys`` (name → pool) present or not, with a pool value."""
    return {k: _pick(rng, pool) for k, pool in keys.items() if rng.random() < 0.7}


def _file(rng: random.Random) -> Any:
    if rng.random() < 0.05:
        return rng.choice(_ODD)
    return _some(rng, {"filename": _FILES, "packagetype": _KINDS,
                       "upload_time_iso_8601": _STAMPS, "yanked": [True, False],
                       "requires_python": _PYTHONS})


def build_project(rng: random.Random) -> dict[str, Any]:
    """A PyPI project answer: mostly well formed, with odd values where a broken or
    hostile index would put them."""
    info: dict[str, Any] = {"name": _pick(rng, ["demo", "Demo"], 0.05),
                            "version": _pick(rng, _VERSIONS, 0.05)}
    info.update(_some(rng, {"home_page": _URLS, "requires_python": _PYTHONS,
                            "summary": ["s"], "yanked": [False], "author": ["a"]}))
    if rng.random() < 0.8:
        urls = {str(_pick(rng, _LABELS)): _pick(rng, _URLS) for _ in range(rng.randrange(4))}
        info["project_urls"] = urls if rng.random() < 0.95 else rng.choice(_ODD)
    if rng.random() < 0.8:
        info["requires_dist"] = (
            [_pick(rng, _REQS) for _ in range(rng.randrange(4))]
            if rng.random() < 0.9 else rng.choice(_ODD)
        )
    project: dict[str, Any] = {"info": info}
    if rng.random() < 0.9:
        project["releases"] = {
            str(_pick(rng, _VERSIONS, 0.02)): (
                [_file(rng) for _ in range(rng.randrange(3))]
                if rng.random() < 0.95 else rng.choice(_ODD)
            )
            for _ in range(rng.randrange(5))
        }
    if rng.random() < 0.7:
        project["urls"] = [_file(rng) for _ in range(rng.randrange(3))]
    if rng.random() < 0.8:
        roles = [_some(rng, {"role": ["Owner", "Maintainer"], "user": ["a", "b", "c"]})
                 for _ in range(rng.randrange(4))]
        project["ownership"] = _some(rng, {"organization": [None, "org"], "roles": [roles]})
    if rng.random() < 0.3:
        project["vulnerabilities"] = rng.choice(_ODD)
    return project


def _damage(body: bytes, how: int, where: int) -> bytes:
    """Break a body the ways servers and attackers do: cut, nest, inflate, re-encode."""
    cut = where % (len(body) + 1)
    if how == 0:
        return body[:cut]
    if how == 1:
        return body[:cut] + b"[" * 40 + body[cut:]
    if how == 2:
        return body[:cut] + b"9" * 60 + body[cut:]
    if how == 3:
        return body.decode("utf-8").encode("utf-16")
    if how == 4:
        return b"\xef\xbb\xbf" + body
    if how == 5:
        return body.replace(b'"', b"'", 1)
    return body  # most examples stay whole, so the signals see many projects


def _signals(project: dict[str, Any], spec: str) -> list[Signal]:
    """Everything vet derives from one parsed project answer."""
    python = (3, 12)
    version = newest_admitted(project, spec, python)
    latest_compatible(project, python)
    first_release_age(project, NOW)
    info = project["info"]
    raw = info.get("requires_dist")
    requires = [str(r) for r in raw] if isinstance(raw, list) else []
    requirements_of(requires, ("socks", "a"), python)
    ctx = PackageContext(name="demo", now=NOW, version=version, project=project,
                         dependencies=list(requirements_of(requires, (), python)))
    project_urls(ctx)
    files_for_version(ctx)
    return run_checks(ctx)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), spec=_SPEC, how=st.integers(0, 13),
       where=st.integers(0, 10_000))
def test_any_pypi_answer_parses_or_gives_a_reason(
    seed: int, spec: str, how: int, where: int
) -> None:
    project = build_project(random.Random(seed))
    body = _damage(json.dumps(project).encode("utf-8", "surrogatepass"), how, where)
    data, error = parse_answer(body, trim_project, LIMITS, what="PyPI")
    if data is None:
        assert isinstance(error, str) and error and "\n" not in error
        return
    assert error is None
    json.dumps(data)  # what the cache stores
    for signal in _signals(data, spec):
        assert isinstance(signal, Signal) and isinstance(signal.message, str)


@FUZZ
@given(body=st.binary(max_size=200))
def test_arbitrary_bytes_never_raise(body: bytes) -> None:
    for trim in (trim_project, trim_simple, None):
        data, error = parse_answer(body, trim, LIMITS)
        assert (data is None) != (error is None)
