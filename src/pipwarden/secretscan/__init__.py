"""Secrets committed into a project: every file git would track, plus notebooks' cells and
outputs, plus key files lying in the folder even when git ignores them.

Nothing is executed and no value leaves this package: a finding is a path, a line, a kind
and a severity. ``scan_project`` is what ``check`` and ``doctor`` call; it reads files the
same way for both, so the two commands agree on what they find.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.forkmap import MIN_BYTES, forked_map, worker_count
from pipwarden.frozen import frozen
from pipwarden.secretscan.detectors import (
    PROBLEM,
    WARNING,
    Hit,
    is_placeholder,
    scan_text,
    secret_assignments,
)
from pipwarden.secretscan.files import ProjectFile, is_key_file, walk_project

if TYPE_CHECKING:
    from pipwarden.scancache import FileCache

__all__ = ["SecretFinding", "SecretScan", "scan_files", "scan_project"]

#: Files up to this size are read whole; larger ones are read and scanned in pieces of
#: about this size, cut at line ends (every detector reads within a line or a small file).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Larger files are not scanned (not checked: shown as ``?``). GitHub refuses files over
#: 100 MB, so a file this large is rarely one git tracks.
MAX_SCAN_BYTES = 256 * 1024 * 1024
_BINARY_SUFFIXES = frozenset({
    ".png", ".jpg", ".jpeg", ".gif", ".webp", ".ico", ".pdf", ".zip", ".gz", ".bz2", ".xz",
    ".tar", ".whl", ".parquet", ".feather", ".arrow", ".pkl", ".pickle", ".npy", ".npz",
    ".h5", ".hdf5", ".onnx", ".pt", ".pth", ".ckpt", ".safetensors", ".bin", ".so", ".dll",
    ".exe", ".pyc", ".db", ".sqlite", ".sqlite3", ".duckdb", ".xlsx", ".xls", ".docx",
    ".pptx", ".mp3", ".mp4", ".wav", ".avro", ".orc",
})
_KEY_STORES = frozenset({".p12", ".pfx", ".jks", ".keystore"})
_NETRC_PASSWORD = re.compile(r"(?:^|\s)password\s+(\S+)")
# where a generic "secret-named key = literal value" is worth reporting
_CONFIG_LIKE = frozenset({
    ".env", ".py", ".ipynb", ".sh", ".bash", ".zsh", ".yml", ".yaml", ".toml", ".ini",
    ".cfg", ".conf", ".json", ".tfvars", ".tf", ".properties", ".r", ".sql", ".js", ".ts",
})


# source code: only a quoted string is a literal value
_SOURCE_CODE = frozenset({".py", ".ipynb", ".js", ".ts", ".r", ".sql"})


@frozen(order=True)
class SecretFinding:
    """One secret: where (path relative to the project, line), what kind, how bad.

    ``ignored`` is True for a key file git ignores (present in the folder, not committed).
    """

    path: str
    line: int | None
    kind: str
    severity: str
    ignored: bool = False

    @property
    def where(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"


# (findings, bytes read, why it was not scanned: "" when it was)
_Result = tuple[list["SecretFinding"], int, str]


@frozen
class SecretScan:
    """What a scan found and how much it read."""

    findings: tuple[SecretFinding, ...]
    files: int
    bytes_read: int
    # files not scanned: (path relative to the project, why: too large, cannot be read)
    unread: tuple[tuple[str, str], ...] = ()


def _service_account(text: str) -> int | None:
    """The line of a Google service-account key's ``private_key`` (``None`` if not one)."""
    if '"service_account"' not in text or '"private_key"' not in text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("type") != "service_account":
        return None
    key = data.get("private_key")
    if not isinstance(key, str) or "PRIVATE KEY" not in key:
        return None
    return next((n for n, line in enumerate(text.splitlines(), 1) if '"private_key"' in line), 1)


def _kaggle(text: str) -> int | None:
    try:
        data = json.loads(text)
    except ValueError:
        return None
    key = data.get("key") if isinstance(data, dict) else None
    if isinstance(key, str) and not is_placeholder(key) and len(key) >= 20:
        return next((n for n, line in enumerate(text.splitlines(), 1) if '"key"' in line), 1)
    return None


def _structured(name: str, text: str) -> Iterator[Hit]:
    lower = name.lower()
    if lower.endswith(".json"):
        line = _service_account(text)
        if line is not None:
            yield Hit(line, "gcp-service-account-key", PROBLEM)
        if lower == "kaggle.json":
            line = _kaggle(text)
            if line is not None:
                yield Hit(line, "kaggle-api-key", PROBLEM)
    if lower in {".netrc", "_netrc"}:
        for number, raw in enumerate(text.splitlines(), start=1):
            match = _NETRC_PASSWORD.search(raw)
            if match and not is_placeholder(match.group(1)):
                yield Hit(number, "netrc-password", PROBLEM)


def _suffix(name: str) -> str:
    lower = name.lower()
    if lower == ".env" or lower.startswith(".env.") or lower.endswith(".env"):
        return ".env"
    if lower in {".pypirc", ".netrc", "_netrc"}:
        return ".ini"
    dot = lower.rfind(".")
    return lower[dot:] if dot > 0 else ""


def _template(name: str) -> bool:
    lower = name.lower()
    return any(w in lower for w in ("example", "template", "sample", ".dist"))


def _precheck(file: ProjectFile) -> tuple[_Result | None, os.stat_result | None]:
    """What a file's name or size decides without reading it (``(result, None)``), else
    ``(None, its stat)``: a key store is a finding, a binary file holds no text to scan,
    a file over ``MAX_SCAN_BYTES`` is reported as too large, one that is gone reads as
    nothing (as the walk raced it)."""
    suffix = _suffix(file.path.name)
    if suffix in _KEY_STORES:
        return ([SecretFinding(file.rel, None, "key-store-file", PROBLEM, file.ignored)], 0,
                ""), None
    if suffix in _BINARY_SUFFIXES:
        return ([], 0, ""), None
    try:
        info = os.stat(file.path)  # noqa: PTH116 (the stat is kept for the cache)
    except FileNotFoundError:
        return ([], 0, ""), None
    except OSError as exc:
        return ([], 0, f"cannot read it: {exc.strerror or exc}"), None
    if info.st_size > MAX_SCAN_BYTES:
        return ([], 0, _too_large()), None
    return None, info


def _decoded(file: ProjectFile, value: Any) -> _Result | None:
    """A cached result as findings; ``None`` when it is not what we wrote."""
    try:
        return [
            SecretFinding(file.rel, None if ln is None else int(ln), str(kind), str(sev),
                          file.ignored)
            for ln, kind, sev in value[0]
        ], int(value[1]), ""
    except (TypeError, ValueError, IndexError):
        return None


def _encoded(result: _Result) -> list[Any]:
    return [[[f.line, f.kind, f.severity] for f in result[0]], result[1]]


# A file to read and scan, with the digest and result of a stale cache entry (or None).
_Todo = tuple[ProjectFile, tuple[str, Any] | None]


def _read_and_scan(file: ProjectFile, old: tuple[str, Any] | None) -> tuple[_Result, str | None]:
    """Read, hash and scan one file (in a worker for large scans): its result and its
    content's SHA-256 (``None`` when it could not be read). When the content is what the
    stale cache entry ``old`` was computed from, that result is taken instead of a scan."""
    data = _read(file.path)
    if data is None:  # gone since the walk listed it
        return ([], 0, ""), None
    if isinstance(data, OSError):  # never cached: the next run tries again
        return ([], 0, f"cannot read it: {data.strerror or data}"), None
    if len(data) > MAX_FILE_BYTES:
        return _scan_in_pieces(file, data)
    digest = hashlib.sha256(data).hexdigest()
    if old is not None and old[0] == digest:
        reused = _decoded(file, old[1])
        if reused is not None:
            return reused, digest
    name = file.path.name
    findings, read = _scan_data(file, name, _suffix(name), data)
    return (findings, read, ""), digest


def _too_large() -> str:
    return f"larger than {MAX_SCAN_BYTES // (1024 * 1024)} MB: not scanned"


def _scan_in_pieces(file: ProjectFile, first: bytes) -> tuple[_Result, str | None]:
    """A large file read and scanned in pieces cut at line ends (at most
    ``MAX_FILE_BYTES`` and one line in memory at a time), hashed as it is read; ``first``
    is its beginning, read already."""
    name = file.path.name
    suffix = _suffix(name)
    digest = hashlib.sha256()
    findings: list[SecretFinding] = []
    read = 0
    lines_before = 0
    carry = b""
    try:
        with file.path.open("rb") as handle:
            handle.seek(len(first))
            block = first
            while True:
                digest.update(block)
                if read == 0 and b"\0" in block[:8192]:
                    return ([], len(block), ""), None  # binary: no text to scan
                read += len(block)
                if read > MAX_SCAN_BYTES:
                    return ([], read, _too_large()), None
                data = carry + block
                cut = data.rfind(b"\n") + 1 if block else len(data)
                if cut == 0 and len(data) > MAX_FILE_BYTES:
                    cut = len(data)  # a line longer than a piece: cut inside it
                piece, carry = data[:cut], data[cut:]
                if piece:
                    found, _ = _scan_data(file, name, suffix, piece)
                    findings += [
                        SecretFinding(f.path, None if f.line is None else f.line + lines_before,
                                      f.kind, f.severity, f.ignored)
                        for f in found
                    ]
                    lines_before += piece.count(b"\n")
                if not block:
                    break
                block = handle.read(MAX_FILE_BYTES)
    except FileNotFoundError:
        return ([], 0, ""), None
    except OSError as exc:
        return ([], 0, f"cannot read it: {exc.strerror or exc}"), None
    return (findings, read, ""), digest.hexdigest()


def _scan_todo(items: list[_Todo]) -> list[tuple[_Result, str | None]]:
    return [_read_and_scan(file, old) for file, old in items]


def scan_file(file: ProjectFile, cache: FileCache | None = None) -> _Result:
    """Findings of one file, the bytes read, and whether it was too large to read.

    With ``cache``, an unchanged file's findings are taken from it."""
    return _scan_all([file], cache, 1)[0]


def _read(path: Path) -> bytes | OSError | None:
    """The file's bytes; ``None`` when it is gone, the error when it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc
    return data


def _scan_data(
    file: ProjectFile, name: str, suffix: str, data: bytes
) -> tuple[list[SecretFinding], int]:
    if b"\0" in data[:8192]:
        return [], len(data)
    # a notebook is read as its JSON text: tokens appear verbatim, and the assignment
    # detector accepts the JSON-escaped quotes of code cells (\"…\")
    text = data.decode("utf-8", errors="replace")
    hits: list[Hit] = list(_structured(name, text))
    structured_lines = {h.line for h in hits}
    hits += [h for h in scan_text(text) if h.line not in structured_lines]
    if suffix in _CONFIG_LIKE or name.lower() in {"dockerfile", "makefile", "procfile"}:
        token_lines = {h.line for h in hits}
        kind = "env-file-secret" if suffix == ".env" else "secret-assignment"
        severity = PROBLEM if suffix == ".env" else WARNING
        if name.lower() in {"profiles.yml", "profiles.yaml"}:
            kind, severity = "dbt-profile-secret", PROBLEM
        quoted = suffix in _SOURCE_CODE
        hits += [
            Hit(line, kind, severity)
            for line, _key in secret_assignments(text, quoted_only=quoted)
            if line not in token_lines
        ]
    if _template(name):
        hits = [h for h in hits if h.severity == PROBLEM and h.kind != "secret-assignment"]
    findings = [SecretFinding(file.rel, h.line, h.kind, h.severity, file.ignored) for h in hits]
    if not findings and file.ignored and is_key_file(name) and suffix in {".pem", ".key"}:
        pass  # an ignored .pem that holds no private key (a certificate) is fine
    return findings, len(data)


#: Below this many bytes a scan stays in one process: a worker costs more than it saves.
PARALLEL_MIN_BYTES = MIN_BYTES


def _scan_chunk(files: list[ProjectFile]) -> list[_Result]:
    return [result for result, _digest in _scan_todo([(file, None) for file in files])]


def _workers() -> int:
    """Processes for a large scan (:func:`pipwarden.forkmap.worker_count`)."""
    return worker_count()


def _scan_forked(
    items: Sequence[Any],
    sizes: list[int],
    workers: int,
    task: Callable[[list[Any]], list[Any]] = _scan_chunk,
) -> list[Any] | None:
    """``task`` over ``items`` in ``workers`` forked processes (:mod:`pipwarden.forkmap`);
    ``None`` where that is not possible (the caller then scans in this process)."""
    return forked_map(task, items, sizes, workers)


def scan_files(
    files: Iterable[ProjectFile], cache: FileCache | None = None, *, workers: int | None = None
) -> SecretScan:
    """Scan these files (see :func:`scan_project`). With ``cache``, a file whose size,
    ``mtime_ns`` and inode match its entry is not read: its findings come from the cache.
    The files left to read are scanned by ``workers`` processes (default:
    :func:`_workers`) when they hold more than ``PARALLEL_MIN_BYTES``, hashed there, and
    their results stored in the cache here; the findings are the same either way."""
    listed = list(files)
    return _summary(listed, _scan_all(listed, cache, _workers() if workers is None else workers))


def _scan_all(listed: list[ProjectFile], cache: FileCache | None, count: int) -> list[_Result]:
    results: list[_Result | None] = [None] * len(listed)
    todo: list[int] = []
    olds: list[tuple[str, Any] | None] = []
    infos: list[os.stat_result] = []
    for index, file in enumerate(listed):
        decided, info = _precheck(file)
        if info is None:
            results[index] = decided
            continue
        old: tuple[str, Any] | None = None
        if cache is not None:
            hit, value, digest = cache.check(file.rel, info)
            if hit:
                results[index] = _decoded(file, value)
                if results[index] is not None:
                    continue
            elif digest is not None:
                old = (digest, value)
        todo.append(index)
        olds.append(old)
        infos.append(info)
    items: list[_Todo] = [(listed[i], old) for i, old in zip(todo, olds, strict=True)]
    done: list[tuple[_Result, str | None]] | None = None
    sizes = [info.st_size for info in infos]
    if count > 1 and len(items) > 1 and sum(sizes) > PARALLEL_MIN_BYTES:
        done = _scan_forked(items, sizes, count, _scan_todo)
    if done is None:
        done = _scan_todo(items)
    for index, info, (result, digest) in zip(todo, infos, done, strict=True):
        results[index] = result
        if cache is not None and digest is not None:
            cache.remember(listed[index].rel, info, digest, _encoded(result))
    if cache is not None:
        cache.save()
    return [r for r in results if r is not None]


def _summary(listed: list[ProjectFile], results: list[_Result]) -> SecretScan:
    findings: list[SecretFinding] = []
    total = 0
    unread: list[tuple[str, str]] = []
    for file, (found, size, why) in zip(listed, results, strict=True):
        total += size
        findings.extend(found)
        if why:
            unread.append((file.rel, why))
    findings.sort(key=lambda f: (f.severity != PROBLEM, f.path, f.line or 0, f.kind))
    return SecretScan(tuple(findings), len(listed), total, tuple(unread))


def scan_project(root: Path, *, cache_dir: Path | None = None) -> SecretScan:
    """Every committed-looking secret under ``root`` (see the module docstring).

    ``cache_dir`` (the user's cache folder) keeps per-file results between runs: an
    unchanged file is not read again (:mod:`pipwarden.scancache`)."""
    cache = None
    if cache_dir is not None:
        from pipwarden import __version__
        from pipwarden.scancache import FileCache

        cache = FileCache(cache_dir / "scan", root, "secrets", f"{__version__}:1")
    return scan_files(walk_project(root), cache)
