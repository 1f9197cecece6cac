"""The top-15,000 PyPI download ranking: a snapshot shipped in the package, refreshable.

``pipwarden data update`` writes a newer copy into the cache folder; :func:`load_toplist`
prefers that copy and falls back to the shipped snapshot when it is missing or unreadable.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import field
from importlib import resources
from pathlib import Path
from typing import Any

from pipwarden.frozen import frozen
from pipwarden.log import get_logger
from pipwarden.models import canonical_name

__all__ = [
    "CACHE_FILE",
    "TopList",
    "canonical_names",
    "load_toplist",
    "parse_toplist",
    "save_toplist",
]

log = get_logger(__name__)

CACHE_FILE = "top-pypi-packages.json"
_PACKAGED = "top-pypi-packages.json"


@frozen
class TopList:
    """Names in download order; ``rank`` is 1-based (1 = most downloaded)."""

    names: tuple[str, ...]
    downloads: tuple[int | None, ...] = ()
    last_update: str | None = None
    source: str = "shipped snapshot"
    _ranks: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self._ranks:
            # a name listed twice keeps its first (best) rank: the reversed pairs are
            # written last-first, so the first listing is written last
            count = len(self.names)
            self._ranks.update(zip(reversed(self.names), range(count, 0, -1), strict=True))

    @classmethod
    def from_names(cls, names: Iterable[str], **kwargs: Any) -> TopList:
        return cls(tuple(canonical_name(n) for n in names), **kwargs)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and canonical_name(name) in self._ranks

    def rank(self, name: str) -> int | None:
        """1-based rank of ``name`` (any spelling), ``None`` when outside the list."""
        return self._ranks.get(canonical_name(name))

    def downloads_of(self, name: str) -> int | None:
        rank = self.rank(name)
        if rank is None or rank > len(self.downloads):
            return None
        return self.downloads[rank - 1]


def canonical_names(names: list[str]) -> list[str]:
    """``names`` canonicalised (PEP 503). A ranking is almost always canonical already,
    which one pass over the joined text tells: no per-name work then."""
    joined = "\n".join(names)
    if canonical_name(joined) == joined:  # no capital, "_", "." or "--" in any name
        return names
    return [canonical_name(name) for name in names]


def parse_toplist(data: object, *, source: str) -> TopList:
    """Read the hugovk JSON (``rows`` of ``{project, download_count}``) or our compact form.

    Raises ``ValueError`` when the shape is not one of those.
    """
    if not isinstance(data, Mapping):
        raise ValueError("not a JSON object")
    last = data.get("last_update")
    last_update = str(last) if last is not None else None
    if isinstance(data.get("projects"), list):  # compact: {"projects": [...], "downloads": [...]}
        names = canonical_names([str(n) for n in data["projects"]])
        counts_raw = data.get("downloads")
        counts: list[int | None] = (
            [int(c) if isinstance(c, int) else None for c in counts_raw]
            if isinstance(counts_raw, list)
            else []
        )
        return TopList(tuple(names), tuple(counts), last_update, source)
    rows = data.get("rows")
    if not isinstance(rows, list):
        raise ValueError("no 'rows' list")
    pairs: list[tuple[int, str]] = []
    for row in rows:
        if not isinstance(row, Mapping) or not isinstance(row.get("project"), str):
            raise ValueError("a row without a 'project' name")
        count = row.get("download_count")
        pairs.append((int(count) if isinstance(count, int) else -1, row["project"]))
    pairs.sort(key=lambda p: -p[0])  # stable: ties keep the file's order
    if not pairs:
        raise ValueError("empty ranking")
    return TopList(
        tuple(canonical_name(p) for _, p in pairs),
        tuple(c if c >= 0 else None for c, _ in pairs),
        last_update,
        source,
    )


def _shipped() -> TopList:
    text = resources.files("pipwarden.data").joinpath(_PACKAGED).read_text(encoding="utf-8")
    return parse_toplist(json.loads(text), source="shipped snapshot")


def load_toplist(cache_dir: Path | None = None) -> TopList:
    """The refreshed ranking from ``cache_dir`` when valid, else the shipped snapshot."""
    if cache_dir is not None:
        path = cache_dir / CACHE_FILE
        if path.is_file():
            try:
                return parse_toplist(json.loads(path.read_text("utf-8")), source=str(path))
            except (OSError, ValueError) as exc:
                log.warning("ignoring %s (%s); using the shipped ranking", path, exc)
    return _shipped()


def save_toplist(toplist: TopList, cache_dir: Path) -> Path:
    """Write ``toplist`` in the compact form into ``cache_dir`` atomically."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    path = cache_dir / CACHE_FILE
    payload = {
        "last_update": toplist.last_update,
        "projects": list(toplist.names),
        "downloads": list(toplist.downloads),
    }
    fd, tmp = tempfile.mkstemp(dir=cache_dir, prefix=f".{CACHE_FILE}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh, separators=(",", ":"))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
