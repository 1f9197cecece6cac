"""What a generated project runs, pinned: pipwarden's own source and the GitHub Actions.

The name ``pipwarden`` is not registered on PyPI, so installing it by the bare name would
install whatever someone registers under that name one day; a Git branch or tag, and an
action tag, can be moved to other code. ``init`` therefore writes only sources that name
exactly one content:

- a Git commit: ``git+https://HOST/PATH@<40-hex commit id>`` (installed with pipx, or
  pip in a venv of its own when pipx is missing);
- a release with its file hashes: ``pipwarden==VERSION --hash=sha256:…`` (installed with
  ``pip install --require-hashes`` in a venv: pipx cannot check hashes).

Everything else (a bare name, ``>=``, a branch, a tag, ``==`` without a hash, a URL with
credentials in it) is refused with exit 2 rather than written into every generated file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from importlib import metadata
from typing import Literal
from urllib.parse import urlsplit

from packaging.version import InvalidVersion, Version

import pipwarden
from pipwarden.errors import UsageError
from pipwarden.frozen import frozen
from pipwarden.models import canonical_name

__all__ = [
    "ACTION_PINS",
    "PipwardenSource",
    "action_ref",
    "installed_source",
    "parse_source",
    "resolve_source",
]

# GitHub Actions by full commit SHA, the release tag kept as a comment for readers and for
# Dependabot/Renovate. No network here: each SHA was looked up in public repositories
# (code search over GitHub files, December 2026) and taken only when at least two
# independent projects pin that SHA with the same tag comment:
# - actions/checkout 11bd7190… # v4.2.2: e.g. clechasseur/rs-clippy-check's README, the
#   workflow examples of several unrelated projects (10 of 10 hits agree).
# - actions/setup-python a26af69b… # v5.6.0: e.g. Cranot/roam-code's CI docs, test suites
#   that assert this exact pin, Dependabot-managed workflows (10 of 10 hits agree).
# To move to a newer release: take the commit the tag points at from the action's own
# repository (`git ls-remote https://github.com/actions/checkout refs/tags/v4.2.2`),
# change it here, and regenerate with `pipwarden init --force`.
ACTION_PINS: Mapping[str, tuple[str, str]] = {
    "actions/checkout": ("11bd71901bbe5b1630ceea73d27597364c9af683", "v4.2.2"),
    "actions/setup-python": ("a26af69be951a213d495a4c3e4e4022e16d87065", "v5.6.0"),
}

_SHA = re.compile(r"^[0-9a-fA-F]{40}$")
# host[:port]/path, nothing that could leave single quotes, JSON or YAML strings, no
# credentials (no '@' before the revision), no query or fragment.
_GIT = re.compile(
    r"^git\+https://(?P<host>[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)"
    r"(?::(?P<port>[0-9]{1,5}))?(?P<path>(?:/[A-Za-z0-9._~-]+)+)/?@(?P<rev>[^@/]+)$"
)
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9._-]+)\s*==\s*(?P<version>[0-9A-Za-z.!+_-]+)$")
_HASH = re.compile(r"^(?:--hash=)?(?P<algo>sha256|sha384|sha512):(?P<hex>[0-9a-fA-F]+)$")
_DIRECT = re.compile(r"^pipwarden\s*@\s*(?P<url>\S+)$", re.IGNORECASE)
_HASH_LEN = {"sha256": 64, "sha384": 96, "sha512": 128}
_EXAMPLE = "git+https://HOST/OWNER/pipwarden@<40-hex commit>"


@frozen
class PipwardenSource:
    """Where a generated project installs pipwarden from.

    ``kind`` is ``"git"`` (``spec`` is ``git+https://…@<commit>``) or ``"hash"``
    (``spec`` is ``pipwarden==VERSION`` and ``hashes`` holds ``algo:hex`` entries).
    ``origin`` says where the choice came from, for the generated comments.
    """

    kind: Literal["git", "hash"]
    spec: str
    hashes: tuple[str, ...] = ()
    origin: str = "--pipwarden-source"

    def requirement_lines(self) -> list[str]:
        """The lines of ``tools/pipwarden.txt`` for a hash pin (one hash per line)."""
        if not self.hashes:
            return [self.spec]
        hashes = [f"    --hash={h}" for h in self.hashes]
        return [f"{line} \\" for line in [self.spec, *hashes[:-1]]] + [hashes[-1]]


def action_ref(name: str) -> str:
    """``owner/repo@<sha> # vX.Y.Z`` for a pinned action (KeyError for one not pinned)."""
    sha, tag = ACTION_PINS[name]
    return f"{name}@{sha} # {tag}"


def _refuse(message: str) -> UsageError:
    return UsageError(
        f"--pipwarden-source: {message}",
        hint=f"give a Git commit ({_EXAMPLE}) or pipwarden==VERSION with "
        "--hash=sha256:HEX",
    )


def _parse_hash(text: str, option: str = "--pipwarden-hash") -> str:
    match = _HASH.match(text.strip())
    if match is None or len(match.group("hex")) != _HASH_LEN[match.group("algo")]:
        raise UsageError(
            f"{option}: not a file hash (expected sha256:<64 hex>)",
            hint="pip hash FILE prints it for a downloaded wheel or sdist",
        )
    return f"{match.group('algo')}:{match.group('hex').lower()}"


def _parse_git(text: str) -> PipwardenSource:
    if text.startswith(("git+http://", "git+ssh://", "git+git://", "git+file://", "git://")):
        raise _refuse("only git+https:// URLs (a CI runner can fetch them without a key)")
    netloc = urlsplit(text[len("git+"):]).netloc if text.startswith("git+") else ""
    if "@" in netloc:
        raise _refuse("a URL with credentials in it would copy them into every generated file")
    match = _GIT.match(text)
    if match is None:
        raise _refuse(f"not a Git URL of the form {_EXAMPLE}")
    rev = match.group("rev")
    if not _SHA.match(rev):
        raise _refuse(
            f"'@{rev[:40]}' is not a 40-hex commit id: a branch or a tag can be moved to "
            "other code"
        )
    if any(part in {".", ".."} for part in match.group("path").split("/")):
        raise _refuse("'.' or '..' in the URL path")
    spec = text[: -len(rev)] + rev.lower()
    return PipwardenSource("git", spec)


def _parse_pin(text: str, hashes: Sequence[str]) -> PipwardenSource:
    words = text.split()
    match = _PIN.match(words[0]) if words else None
    if match is None and len(words) >= 3 and words[1] == "==":
        match = _PIN.match("".join(words[:3]))
        words = ["".join(words[:3]), *words[3:]]
    if match is None:
        raise _refuse(
            "not pinned: only an exact pipwarden==VERSION with a hash, or a Git commit, "
            "names one content (a bare name, >=, ~= or * do not)"
        )
    if canonical_name(match.group("name")) != "pipwarden":
        raise _refuse(f"names {match.group('name')!r}, not pipwarden")
    try:
        version = Version(match.group("version"))
    except InvalidVersion:
        raise _refuse(f"{match.group('version')!r} is not a version") from None
    if version.local is not None:
        raise _refuse("a local version (+…) is never on an index")
    found = [_parse_hash(word, "--pipwarden-source") for word in words[1:]]
    found += [_parse_hash(h) for h in hashes]
    if not found:
        raise _refuse(
            f"pipwarden=={version} without a hash: the files behind a version can be "
            "replaced on an index you do not control; add --pipwarden-hash sha256:HEX"
        )
    return PipwardenSource("hash", f"pipwarden=={version}", tuple(dict.fromkeys(found)))


def parse_source(text: str, hashes: Sequence[str] = ()) -> PipwardenSource:
    """Validate ``--pipwarden-source`` (plus any ``--pipwarden-hash``) into a source.

    Accepts ``[pipwarden @ ]git+https://HOST/PATH@<40-hex>`` and
    ``pipwarden==VERSION [--hash=ALGO:HEX…]`` (with at least one hash from either place);
    refuses everything else with :class:`UsageError` (exit 2).
    """
    text = text.strip()
    if "\n" in text or "\r" in text or "'" in text or '"' in text:
        raise _refuse("one line without quotes")
    direct = _DIRECT.match(text)
    if direct is not None:  # PEP 508 direct reference: pipwarden @ git+https://…
        text = direct.group("url")
    if "://" in text:
        if hashes:
            raise UsageError(
                "--pipwarden-hash goes with a pipwarden==VERSION pin, not with a URL",
                hint="a Git commit id already names one content",
            )
        return _parse_git(text)
    return _parse_pin(text, hashes)


def _direct_url_text() -> str | None:
    """The installed pipwarden's PEP 610 ``direct_url.json`` (None when absent)."""
    try:
        return metadata.distribution("pipwarden").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return None


def installed_source(read: Callable[[], str | None] | None = None) -> PipwardenSource | None:
    """The Git commit this pipwarden was installed from, when its distribution metadata
    says so (``pip install git+https://…@…`` records it in ``direct_url.json``); never
    runs git. None for an editable or index install, a non-https URL, a bad record."""
    try:
        record = json.loads((read or _direct_url_text)() or "null")
    except ValueError:
        return None
    if not isinstance(record, dict):
        return None
    vcs = record.get("vcs_info")
    url = record.get("url")
    if not isinstance(vcs, dict) or vcs.get("vcs") != "git" or not isinstance(url, str):
        return None
    commit = vcs.get("commit_id")
    if not isinstance(commit, str) or not _SHA.match(commit):
        return None
    parts = urlsplit(url.removeprefix("git+"))
    if parts.scheme != "https" or parts.query or parts.fragment:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]  # credentials in the record are never copied
    try:
        source = _parse_git(f"git+https://{host}{parts.path.rstrip('/')}@{commit}")
    except UsageError:
        return None
    return PipwardenSource("git", source.spec, origin="the installed pipwarden (direct_url.json)")


def resolve_source(
    text: str | None,
    hashes: Sequence[str] = (),
    *,
    installed: Callable[[], PipwardenSource | None] | None = None,
) -> PipwardenSource:
    """The source ``init`` writes: ``--pipwarden-source`` if given; else
    ``pipwarden==<this version>`` with ``--pipwarden-hash``; else the Git commit this
    pipwarden was installed from; else :class:`UsageError` (never an unpinned name)."""
    if text is not None:
        return parse_source(text, hashes)
    if hashes:
        source = parse_source(f"pipwarden=={pipwarden.__version__}", hashes)
        return PipwardenSource(source.kind, source.spec, source.hashes, "--pipwarden-hash")
    found = (installed or installed_source)()
    if found is not None:
        return found
    raise UsageError(
        "cannot pin pipwarden for the generated project (this pipwarden was not installed "
        f"from a Git commit): pass --pipwarden-source '{_EXAMPLE}'",
        hint=f"or --pipwarden-hash sha256:HEX for pipwarden=={pipwarden.__version__}; an "
        "unpinned `pipwarden` would install whatever someone registers under that name",
    )
