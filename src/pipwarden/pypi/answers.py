"""PyPI answers: fetch results, the fields kept (trimmed before caching), decoding within
the caps, parsing into the API's shape."""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pipwarden.boundedjson import JsonLimitError, JsonLimits, ensure_depth, loads_bounded
from pipwarden.frozen import frozen
from pipwarden.pypi.wire import LimitExceeded

_INFO_KEYS = (
    "name",
    "version",
    "summary",
    "project_urls",
    "home_page",
    "download_url",
    "requires_dist",
    "requires_python",
    "yanked",
    "author",
    "author_email",
    "maintainer",
    "maintainer_email",
    "license",
    "license_expression",
)
_FILE_KEYS = ("filename", "packagetype", "upload_time_iso_8601", "yanked", "requires_python")
_SIMPLE_FILE_KEYS = ("filename", "upload-time", "yanked", "provenance")
_SDIST_EXTS = (".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar")
# Part of every cache key; bumped whenever what is cached changes (trimmed differently),
# so entries written by another version of pipwarden are never read, only fetched again.
CACHE_FORMAT = 2


@frozen
class FetchResult:
    """The outcome of one fetch: data or a one-line error, and whether it came from the cache."""

    name: str
    data: dict[str, Any] | None
    error: str | None = None
    from_cache: bool = False
    not_found: bool = False

    @property
    def ok(self) -> bool:
        return self.data is not None


def _trim_files(files: object) -> list[dict[str, Any]]:
    """Keep the earliest file of each (packagetype, yanked) pair, with a few keys."""
    if not isinstance(files, list):
        return []
    best: dict[tuple[object, object], tuple[str, dict[str, Any]]] = {}
    for item in files:
        if not isinstance(item, dict):
            continue
        key = (item.get("packagetype"), item.get("yanked"))
        when = item.get("upload_time_iso_8601") or ""
        old = best.get(key)
        if old is None or when < old[0]:
            best[key] = (when, item)
    return [_scalars(item, _FILE_KEYS) for _when, item in best.values()]


_SCALAR = (str, int, float, bool, type(None))


def _scalars(item: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """``keys`` of ``item`` whose values are scalars; any other value is left out (unknown).

    A file's fields are all scalars in the API, so the files kept are at most three levels
    deep and :func:`parse_answer` need not walk them (most of a large answer).
    """
    return {k: item[k] for k in keys if k in item and isinstance(item[k], _SCALAR)}


# top-level keys whose values a trim builds from scalars only (see :func:`_scalars`)
_SHALLOW_KEYS = ("releases", "urls", "files")


class MalformedAnswer(ValueError):
    """A JSON answer whose shape is not the API's: refused as a whole, never half-read."""


def trim_project(data: Mapping[str, Any]) -> dict[str, Any]:
    """A PyPI JSON API answer cut down to what the checks read (same shape, fewer keys).

    Raises :class:`MalformedAnswer` unless ``info`` is an object with a string ``name``
    and ``version`` and ``releases``/``urls`` (when present) are an object/a list: a
    200 answer of another shape is garbage, not a project with every fact unknown.
    """
    out: dict[str, Any] = {}
    info = data.get("info")
    if not (
        isinstance(info, dict)
        and isinstance(info.get("name"), str)
        and isinstance(info.get("version"), str)
        and isinstance(data.get("releases", {}), dict)
        and isinstance(data.get("urls", []), list)
    ):
        raise MalformedAnswer("not a PyPI project answer")
    out["info"] = {k: info[k] for k in _INFO_KEYS if k in info}
    if "ownership" in data:
        out["ownership"] = data["ownership"]
    releases = data.get("releases")
    if isinstance(releases, dict):
        out["releases"] = {str(v): _trim_files(files) for v, files in releases.items()}
    if "urls" in data:
        out["urls"] = _trim_files(data["urls"])
    if "vulnerabilities" in data:
        out["vulnerabilities"] = data["vulnerabilities"]
    return out


def trim_simple(data: Mapping[str, Any]) -> dict[str, Any]:
    """A PEP 691 simple-API answer cut down to status, versions and per-file provenance.

    Files are collapsed to one per (version, attested or not, yanked or not): what the
    provenance check asks is whether a release's files carry attestations, not how many.
    """
    files = data.get("files")
    if not isinstance(files, list):
        raise MalformedAnswer("not a simple-API answer (no files list)")
    out = {k: data[k] for k in ("meta", "name", "versions", "project-status") if k in data}
    if isinstance(files, list):
        kept: dict[tuple[str, str, int, bool], dict[str, Any]] = {}
        for f in files:
            if not isinstance(f, dict):
                continue
            name = f.get("filename")
            if not isinstance(name, str):
                continue
            # files are grouped by the version text their name carries (wheels and sdists
            # alike); names that carry none the usual way keep a group of their own
            if name.endswith(".whl"):
                parts = name.split("-", 2)
                if len(parts) < 3:
                    kind, group = "file", name
                elif name.count("-") >= 4:
                    kind, group = "v", parts[1]
                else:
                    kind, group = "whl", parts[1]
            else:
                kind, group = "file", name
                for ext in _SDIST_EXTS:
                    if name.endswith(ext):
                        text = name[: -len(ext)].rpartition("-")[2]
                        if text:
                            kind, group = "v", text
                        break
            # 0: the index says nothing about provenance; 1: no attestation; 2: attested
            prov = 0 if "provenance" not in f else (2 if f["provenance"] else 1)
            key = (kind, group, prov, bool(f.get("yanked")))
            if key not in kept:
                kept[key] = _scalars(f, _SIMPLE_FILE_KEYS)
        out["files"] = list(kept.values())
    return out


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime  # only for a Retry-After date

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def decompress_bounded(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """``body`` decoded per its Content-Encoding, refused past ``max_bytes`` *decoded* bytes.

    Decompression is incremental (``max_length`` per step), so a gzip bomb (1 MB that
    inflates to gigabytes) costs at most ``max_bytes`` of memory before it is refused.
    Concatenated gzip members are decoded one after the other, as gzip does.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        if len(body) > max_bytes:
            raise LimitExceeded(f"answer larger than {max_bytes:,} bytes")
        return body
    if encoding in ("gzip", "x-gzip"):
        wbits = 16 + zlib.MAX_WBITS
    elif encoding == "deflate":
        wbits = zlib.MAX_WBITS
    else:
        raise zlib.error(f"unknown content encoding {encoding[:20]!r}")
    out: list[bytes] = []
    size = 0
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        pending = data
        while True:
            chunk = inflater.decompress(pending, max_bytes - size + 1)
            size += len(chunk)
            if size > max_bytes:
                raise LimitExceeded(
                    f"answer larger than {max_bytes:,} bytes once decompressed"
                )
            out.append(chunk)
            pending = inflater.unconsumed_tail
            if inflater.eof or (not chunk and not pending):
                break
        if not inflater.eof:
            raise zlib.error("truncated compressed answer")
        data = inflater.unused_data if wbits != zlib.MAX_WBITS else b""
    return b"".join(out)


def parse_answer(
    body: bytes,
    trim: Callable[[Mapping[str, Any]], dict[str, Any]] | None,
    limits: JsonLimits,
    *,
    what: str = "server",
) -> tuple[dict[str, Any] | None, str | None]:
    """A JSON object answer, bounded and trimmed; or ``None`` and a one-line reason.

    Never raises for what the body holds: the fuzz test feeds it arbitrary bytes.
    """
    try:
        # the depth is checked on what is kept: trimming drops most of a project answer
        data = loads_bounded(body, limits, check_depth=trim is None)
        if not isinstance(data, dict):
            return None, "malformed answer"
        if trim is not None:
            data = trim(data)
            ours = trim in (trim_project, trim_simple)  # their file lists hold scalars only
            deep = {k: v for k, v in data.items() if not (ours and k in _SHALLOW_KEYS)}
            ensure_depth(deep, limits.max_depth)
    except JsonLimitError as exc:
        return None, f"{what}: {exc}"
    except (ValueError, TypeError, AttributeError):  # not JSON, or not the API's shape
        return None, "malformed answer"
    return data, None


