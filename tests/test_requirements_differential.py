"""Differential test: pipwarden reads requirements files exactly as pip does.

Hypothesis writes requirements files (every line separator ``str.splitlines`` knows, UTF-8
with and without BOM, UTF-16 LE/BE with BOM, ``\\`` continuations including one on the
last line, comments, ``#`` inside URLs and markers, options, ``${VAR}``, markers, extras,
local versions, ``-r``/``-c`` includes of sibling files) and feeds each one to pip's own
parser (pip is in the test venv: it is the oracle here, never a runtime dependency) and to
:func:`pipwarden.sources.requirements.parse_requirements`. Both must accept the file with
the same requirements on the same lines, or both must reject it.

Each example writes several files (``FILES_PER_EXAMPLE``) so that the default run covers
at least 2,000 generated files in a few seconds; ``PIPWARDEN_DIFF_EXAMPLES`` sets the
number of examples (default 2000 // FILES_PER_EXAMPLE + 1 → ≥ 2,000 files).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote

# pip is the oracle; a venv always has it, and a missing pip must fail, not skip, the run.
import pip._internal.network.session as pip_session
import pip._internal.req.constructors as pip_constructors
import pip._internal.req.req_file as pip_req_file
import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from packaging.markers import Marker
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from byte_choices import Choices
from pipwarden.errors import InputError
from pipwarden.sources.requirements import parse_requirements

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pip internals

FILES_PER_EXAMPLE = 4
EXAMPLES = int(os.environ.get("PIPWARDEN_DIFF_EXAMPLES", str(2000 // FILES_PER_EXAMPLE + 1)))
DIFF = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SEPARATORS = ["\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028",
              "\u2029"]
ENCODINGS = ["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom"]
#: Variables set while both parsers run (pip reads os.environ).
ENVIRON = {"PW_DIFF_VERSION": "2.0", "PW_DIFF_INDEX": "https://idx.example/simple",
           "PW_DIFF_EMPTY": ""}

_NAMES = ["requests", "PyYAML", "torch", "Foo_Bar", "a.b-c", "x"]
_EXTRAS = ["", "", "[socks]", "[Security, socks]", "[]"]
_SPECS = [
    "", "==1.0", ">=2,<3", "==2.8.0+cpu", "~=1.4", "!=1.*", " >= 1.0 ", "==${PW_DIFF_VERSION}",
    "==${PW_DIFF_UNSET}", "==${PW_DIFF_EMPTY}1", "==1.0.0${lower}", ">=1.0b2,!=1.1", "<5",
    "===1.0", "== 3.1",
]
_MARKERS = [
    "", "", "; python_version >= '3.8'", ';sys_platform == "win32"', " ; os_name == 'nt'",
    "; platform_version == '#1'", "; platform_version == 'a #1'",
    "; python_version < '3' or extra == 'x'",
]
_URLS = [
    "https://files.example/pkg/requests-2.31.0-py3-none-any.whl",
    "https://files.example/src/foo-1.0.tar.gz#sha256=abcd",
    "git+https://git.example/org/repo.git@v1.0#egg=foo",
    "https://user:pw@files.example/bar-1.0.zip#egg=bar",
]
_COMMENT_PIECES = [*"abc #\\ -=", *SEPARATORS, "torch==1.0", "PyYAML==5.3", "-r other.txt",
                   "${PW_DIFF_VERSION}"]
_OPTION_LINES = [
    "-i https://idx.example/simple", "--index-url=https://idx.example/simple",
    "--extra-index-url ${PW_DIFF_INDEX}", "--pre", "--no-index", "-f https://links.example/",
    "--trusted-host idx.example", "--prefer-binary", "--only-binary :all:",
    "--require-hashes", "--extra-index-url=https://u:p@idx.example/simple#frag",
]
_INCLUDE_FLAGS = ["-r ", "-c ", "--requirement=", "--constraint ", "-r"]


def _comment(c: Choices) -> str:
    return "".join(c.pick(_COMMENT_PIECES) for _ in range(c.below(7)))


def _requirement(c: Choices) -> str:
    kind = c.pick(["named", "named", "named", "at-url", "url", "editable"])
    if kind == "named":
        text = c.pick(_NAMES) + c.pick(_EXTRAS) + c.pick(_SPECS) + c.pick(_MARKERS)
    elif kind == "at-url":
        text = f"{c.pick(_NAMES)}{c.pick(_EXTRAS)} @ {c.pick(_URLS)}" + c.pick(
            ["", " ; python_version >= '3.8'"])
    elif kind == "url":
        text = c.pick(_URLS)
    else:
        return "-e git+https://git.example/org/repo.git#egg=" + c.pick(_NAMES)
    for _ in range(c.below(3)):
        digest = "".join(c.pick("0123456789abcdef") for _ in range(4 + c.below(5)))
        text += c.pick([" --hash=sha256:", " --hash sha256:"]) + digest
    return text


def _item(c: Choices, includes: tuple[str, ...]) -> str:
    choices = ["req", "req", "req", "option", "comment", "blank", "trailing-comment"]
    if includes:
        choices.append("include")
    kind = c.pick(choices)
    if kind == "req":
        return _requirement(c)
    if kind == "option":
        return c.pick(_OPTION_LINES)
    if kind == "comment":
        return c.pick(["#", "  #", "# "]) + _comment(c)
    if kind == "blank":
        return c.pick(["", " ", "\t"])
    if kind == "trailing-comment":
        return _requirement(c) + c.pick([" #", "\t# ", "#"]) + _comment(c)
    return c.pick(_INCLUDE_FLAGS) + c.pick(includes)


def _continued(c: Choices, text: str) -> str:
    """Break a line with ``\\`` + separator at a few places (pip joins them back)."""
    cuts = sorted({c.below(len(text) + 1) for _ in range(1 + c.below(2))})
    out, last = [], 0
    for cut in cuts:
        out.append(text[last:cut] + "\\" + c.pick(SEPARATORS))
        last = cut
    out.append(text[last:])
    return "".join(out)


def requirements_text(c: Choices, includes: tuple[str, ...] = ()) -> str:
    pieces = []
    for _ in range(1 + c.below(7)):
        item = _item(c, includes)
        if c.below(5) == 0:
            item = _continued(c, item)
        pieces.append(item + c.pick(SEPARATORS))
    text = "".join(pieces)
    ending = c.pick(["", "", "\\", "\\\n", " \\"])
    if ending and pieces:
        last = pieces[-1]
        text = text[: len(text) - len(last)] + last.rstrip("".join(SEPARATORS)) + ending
    return text


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8":
        return text.encode("utf-8")
    if encoding == "utf-8-bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16-le-bom":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return b"\xfe\xff" + text.encode("utf-16-be")


def project(c: Choices) -> dict[str, bytes]:
    """A top file ``requirements.txt`` and up to two siblings it may include."""
    files: dict[str, bytes] = {}
    siblings = [name for name in ("base.txt", "constraints.txt") if c.below(3) == 0]
    for name in siblings:
        nested = tuple(s for s in siblings if s != name and name == "base.txt")
        files[name] = encode(requirements_text(c, nested), c.pick(ENCODINGS))
    top = requirements_text(c, tuple(siblings) + ("missing.txt",) * (not siblings))
    files["requirements.txt"] = encode(top, c.pick(ENCODINGS))
    return files


def projects(data: list[bytes]) -> list[dict[str, bytes]]:
    return [project(Choices(one)) for one in data]


PROJECTS = st.lists(st.binary(min_size=24, max_size=160), min_size=FILES_PER_EXAMPLE,
                    max_size=FILES_PER_EXAMPLE).map(projects)


# ---------------------------------------------------------------------------------------
# the two readers, reduced to comparable summaries

Summary = tuple[Any, ...]
_COMES_FROM_RE = re.compile(r"^-[rc] (?P<path>.*) \(line (?P<line>\d+)\)$")


def _marker(text: str | None) -> str | None:
    return None if text is None else str(Marker(str(text)))


def _specifier(text: str) -> frozenset[str]:
    return frozenset(str(s) for s in SpecifierSet(text))


def _extras(extras: Any) -> tuple[str, ...]:
    return tuple(sorted(canonicalize_name(e) for e in extras))


@contextmanager
def _environment() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ENVIRON}
    os.environ.update(ENVIRON)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_SESSION: list[Any] = []


def pip_summary(path: Path) -> set[Summary] | str:
    """pip's reading of the file: its requirements, or ``"error"`` when pip rejects it."""
    if not _SESSION:
        _SESSION.append(pip_session.PipSession())
    out: set[Summary] = set()
    try:
        for parsed in pip_req_file.parse_requirements(str(path), session=_SESSION[0]):
            ireq = pip_constructors.install_req_from_parsed_requirement(parsed)
            where = _COMES_FROM_RE.match(parsed.comes_from)
            assert where is not None
            url = ireq.link.url if ireq.link is not None else None
            req = ireq.req
            out.add((
                Path(where.group("path")).name,
                int(where.group("line")),
                canonicalize_name(req.name) if req is not None else None,
                None if url or req is None else _specifier(str(req.specifier)),
                _marker(ireq.markers),
                _extras(ireq.extras if url else (req.extras if req is not None else ())),
                url,
                bool(parsed.is_editable),
                bool(parsed.constraint),
            ))
    except Exception:  # any rejection by pip counts as "rejected"
        return "error"
    return out


def pipwarden_summary(path: Path) -> set[Summary] | str:
    """pipwarden's reading of the same file, in the same shape."""
    try:
        parsed = parse_requirements(path, environ=os.environ)
    except InputError as exc:
        # Documented divergence: pipwarden also requires a hexadecimal --hash digest (pip
        # accepts any and fails at install time).
        return "stricter" if "not hexadecimal" in exc.reason else "error"
    out: set[Summary] = set()
    for dep in parsed.dependencies:
        url = dep.url
        if url is not None and not url.startswith(("file:", "git+", "hg+", "svn+", "bzr+",
                                                   "http://", "https://")):
            url = "file://" + url  # a local path (pip reads "ahttps://…" as one too)
        out.add((
            Path(dep.location.path).name,
            dep.location.line,
            dep.name or None,
            None if url else _specifier(dep.specifier),
            _marker(dep.marker),
            _extras(dep.extras),
            url,
            dep.editable,
            dep.constraint,
        ))
    return out


def _url_key(url: str | None) -> str | None:
    """pip turns a local path into a ``file://`` URL of its absolute path; pipwarden keeps
    the path as written: compare local paths by their last segment, URLs as they are."""
    if url is None or not url.startswith("file://"):
        return url
    return "path:" + unquote(url.rstrip("/").rsplit("/", 1)[-1])


def _comparable(summary: set[Summary] | str) -> set[Summary] | str:
    """URL requirements: pip names only what an egg fragment, a wheel or ``name @``
    names (pipwarden also guesses from sdist file names); compare names where pip has one."""
    if isinstance(summary, str):
        return summary
    out = set()
    for s in summary:
        if s[6]:
            s = (*s[:2], *s[3:6], _url_key(s[6]), *s[7:])
        out.add(s)
    return out


def safe(value: object) -> str:
    """A printable summary for assertion messages (no separators or surrogates)."""
    return ascii(value)[:2000]


def check_files(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp, _environment():
        root = Path(tmp)
        for name, data in files.items():
            (root / name).write_bytes(data)
        top = root / "requirements.txt"
        expected = pip_summary(top)
        got = pipwarden_summary(top)
        event("pip rejects" if isinstance(expected, str) else
              f"pip accepts {min(len(expected), 3)}+ requirements")
        if got == "stricter":
            return
        if not isinstance(expected, str) and not isinstance(got, str):
            named = {s[:2]: s[2] for s in expected if s[6]}
            for s in got:
                if s[6] and named.get(s[:2]) is not None:
                    assert s[2] == named[s[:2]], safe((s, named))
        assert _comparable(got) == _comparable(expected), safe(
            {"files": files, "pip": expected, "pipwarden": got})


@pytest.fixture(autouse=True)
def _quiet_pip() -> Iterator[None]:
    logger = logging.getLogger("pip")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


@DIFF
@given(PROJECTS)
# A comment, then a separator that only str.splitlines() breaks at, then a pin.
@example([{"requirements.txt": f"# comment{sep}PyYAML==5.3\n".encode()}
          for sep in SEPARATORS[:4]])
@example([{"requirements.txt": f"# comment{sep}PyYAML==5.3\n".encode()}
          for sep in SEPARATORS[4:8]])
@example([{"requirements.txt": f"# comment{sep}PyYAML==5.3\n".encode()}
          for sep in [*SEPARATORS[8:], "\n"]])
@example([
    # UTF-16 LE as PowerShell writes `pip freeze > requirements.txt`
    {"requirements.txt": b"\xff\xfe" + "torch==2.8.0+cpu\r\nPyYAML==5.3\r\n".encode("utf-16-le")},
    # a continuation on the last line, and backslashes at both ends of a continued line
    {"requirements.txt": b"requests==2.0 \\\n\\\\--hash=sha256:abcd\\\\\n\\"},
    # -r inside a constraints file requires (pip), an include named by an env variable
    {"requirements.txt": b"-c constraints.txt\n", "constraints.txt": b"x<2\n-r base.txt\n",
     "base.txt": b"torch==${PW_DIFF_VERSION}\n"},
    # a requirement line ignores -r and -e; an option line follows only the first -r
    {"requirements.txt": b"x==1 -r base.txt\n-r base.txt -r constraints.txt\n",
     "base.txt": b"torch\n", "constraints.txt": b"PyYAML\n"},
])
@example([
    # '#' after whitespace inside a quoted marker is a comment (pip cuts the marker there)
    {"requirements.txt": b"x; platform_version == 'a #1'\n"},
    # '#' in a URL fragment is not a comment
    {"requirements.txt": b"foo @ https://files.example/foo-1.0.tar.gz#sha256=abcd\n"},
    # a comment line ends a continuation; a continued comment is not continued
    {"requirements.txt": b"x==1 \\\n# y==2\nPyYAML \\\n==5.3\n# z \\\nrequests\n"},
    # unset and empty variables stay as written
    {"requirements.txt": b"x==${PW_DIFF_EMPTY}1\n"},
])
# Found by hypothesis (regressions):
@example([
    # '#' glued to an #egg= name is part of it: not a project name, pip rejects the line
    {"requirements.txt": b"-e git+https://git.example/org/repo.git#egg=requests#\n"},
    # the #egg= line became a comment after a continuation: an editable URL with no name
    {"requirements.txt": b"-e git+https://git.example/org/repo.git\\\n#egg=x\n"},
    # a backslash is not a path separator on POSIX: "\a" is no local path for pip
    {"requirements.txt": b"-i https://idx.example/simple\n\\\n#\n\\a\n"},
    # "key = a/b/c" is no local path either (a credentials file read as requirements)
    {"requirements.txt": b"aws_secret_access_key = abc/def/ghi\n"},
    # a continuation glues "a" to a URL: pip reads a local wheel path "ahttps:/..."
    {"requirements.txt":
     b"#aaa\na\\\n\\\nhttps://files.example/pkg/requests-2.31.0-py3-none-any.whl\n"},
])
def test_pipwarden_reads_requirements_files_as_pip_does(files: list[dict[str, bytes]]) -> None:
    for one in files:
        check_files(one)


def test_generated_files_cover_the_separators_and_encodings() -> None:
    """The generator reaches every separator and encoding (a guard against a generator
    that silently stops producing them)."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(PROJECTS)
    def collect(files: list[dict[str, bytes]]) -> None:
        for data in (d for one in files for d in one.values()):
            for enc in ENCODINGS[1:]:
                if data.startswith(encode("", enc)):
                    seen.add(enc)
            if data.startswith(b"\xff\xfe"):
                text = data[2:].decode("utf-16-le")
            elif data.startswith(b"\xfe\xff"):
                text = data[2:].decode("utf-16-be")
            else:
                text = data.decode("utf-8")
            seen.update(sep for sep in SEPARATORS if sep in text)
            seen.update("continuation" for sep in SEPARATORS if "\\" + sep in text)

    collect()
    assert {"utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "continuation"} <= seen
    assert {s for s in SEPARATORS if s in seen} == set(SEPARATORS)
