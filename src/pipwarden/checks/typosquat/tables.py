"""The look-up tables of the typosquat index, built lazily in rank order, and a saved copy
of them in the cache folder."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from pipwarden.checks.typosquat.shapes import (
    _STATE_FORMAT,
    COMBO_RANK,
    FAR_MIN_LENGTH,
    FAR_RANK,
    LONG_LENGTH,
    _forms,
    _raw_forms,
)
from pipwarden.frozen import frozen
from pipwarden.toplist import canonical_names


@frozen
class TyposquatMatch:
    """``name`` looks like ``target``; ``kind`` says how, in a few plain words.

    ``level`` is ``"risk"`` for a near-copy of the name and ``"warn"`` for the exact name
    of the target plus a generic word (it may be a legitimate add-on of the target).
    """

    name: str
    target: str
    target_rank: int
    name_rank: int | None
    kind: str
    level: str = "risk"



class RankTables:
    """Look-up structures over a ranking (names in download order, most popular first).

    ``trusted_rank``: names ranked at or above it are popular themselves and never flagged.
    ``rank_ratio``: the target must rank at least this many times higher than the name.
    ``min_edit_length``: shorter names only match through exact core forms (no edits),
    since one edit on a 3-letter name reaches too many unrelated names.
    ``far_rank``, ``far_min_length``, ``long_length``: two-edit typos are matched against
    the ``far_rank`` most popular names of at least ``far_min_length`` characters and
    against one-word names of at least ``long_length`` characters.
    ``combo_rank``: combosquats are matched against this many most popular names.
    """

    def __init__(
        self,
        ranking: Iterable[str],
        *,
        trusted_rank: int = 1000,
        rank_ratio: float = 10.0,
        min_edit_length: int = 5,
        far_rank: int = FAR_RANK,
        far_min_length: int = FAR_MIN_LENGTH,
        long_length: int = LONG_LENGTH,
        combo_rank: int = COMBO_RANK,
    ) -> None:
        self.trusted_rank = trusted_rank
        self.rank_ratio = rank_ratio
        self.min_edit_length = min_edit_length
        self.far_rank = far_rank
        self.far_min_length = far_min_length
        self.long_length = long_length
        self.combo_rank = combo_rank
        # each name once, at its best rank (the first time it is listed)
        self.names: list[str] = list(dict.fromkeys(canonical_names(list(ranking))))
        ranks = range(1, len(self.names) + 1)
        self.rank: dict[str, int] = dict(zip(self.names, ranks, strict=True))
        self.state_loaded = False  # the tables came from :meth:`save_state`'s file
        self._built = 0
        self._deletes_built = 0
        self._bulk = False
        self._cores: dict[str, frozenset[str]] = {}
        self._by_core: dict[str, list[int]] = {}
        self._by_order: dict[str, list[int]] = {}
        self._by_delete: dict[str, list[int]] = {}
        self._by_raw: dict[str, list[int]] = {}
        self._by_vowelless: dict[str, list[int]] = {}
        self._by_singular: dict[str, list[int]] = {}
        # names indexed by their vowel-less and their singular spellings, so far
        self._shapes_built = {"vowelless": 0, "singular": 0}
        # two-edit targets by (first letter, length), known once the first query needs them;
        # their deletions are indexed one shape at a time, only for shapes a query can reach
        self._far_groups: dict[tuple[str, int], list[int]] | None = None
        self._far_max = 1 << 30  # longest two-edit target, known once the groups are
        self._by_delete2: dict[str, list[int]] = {}
        self._far_indexed: set[tuple[str, int]] = set()

    def prepare_bulk(self) -> None:
        """Build the symmetric-delete dictionary over the whole ranking (for many queries)."""
        self._bulk = True
        self._extend(len(self.names), deletes=True)

    def _extend(self, upto: int, *, deletes: bool = False) -> None:
        """Index the names ranked up to ``upto`` (the index grows lazily, in rank order)."""
        upto = min(upto, len(self.names))
        by_core, by_order, by_raw = self._by_core, self._by_order, self._by_raw
        names, all_cores = self.names, self._cores
        for idx in range(self._built, upto):
            norm = names[idx]
            _main, cores, order = _forms(norm)
            all_cores[norm] = cores
            for raw in _raw_forms(norm):
                by_raw.setdefault(raw, []).append(idx)
            for core in cores:
                by_core.setdefault(core, []).append(idx)
            if order is not None:
                by_order.setdefault(order, []).append(idx)
        self._built = max(self._built, upto)
        if not deletes:
            return
        by_delete = self._by_delete
        min_len = self.min_edit_length
        for idx in range(self._deletes_built, upto):
            keys: set[str] = set()
            for raw in _raw_forms(names[idx]):
                if len(raw) >= min_len:
                    keys.add(raw)
                    keys.update([raw[:i] + raw[i + 1 :] for i in range(len(raw))])
            for key in keys:
                bucket = by_delete.get(key)
                if bucket is None:
                    by_delete[key] = [idx]
                else:
                    bucket.append(idx)
        self._deletes_built = max(self._deletes_built, upto)

    def _needed(self, name_rank: int | None) -> int:
        """How many top names can be targets for a name of this rank."""
        if name_rank is None:
            return len(self.names)
        if name_rank <= self.trusted_rank:
            return 0
        return int(name_rank / self.rank_ratio)

    def __len__(self) -> int:
        return len(self.names)

    def _eligible(self, name_rank: int | None, target_rank: int) -> bool:
        if name_rank is None:
            return True
        if name_rank <= self.trusted_rank:
            return False
        return target_rank * self.rank_ratio <= name_rank

    # -- a saved copy of the look-up tables, so that each run need not rebuild them -------

    def _state_path(self, folder: Path) -> Path:
        digest = hashlib.sha256(f"{_STATE_FORMAT}\n".encode())
        digest.update("\n".join(self.names).encode())
        return folder / f"typosquat-{digest.hexdigest()[:24]}.json"

    def load_state(self, folder: Path) -> bool:
        """Take the look-up tables saved by :meth:`save_state` for this very ranking.

        A missing, stale or damaged file is ignored (``False``): the tables are then built
        as usual.
        """
        path = self._state_path(folder)
        try:
            loaded = json.loads(path.read_bytes())
        except (OSError, ValueError):
            return False
        if (
            not isinstance(loaded, list)
            or len(loaded) != 5
            or loaded[0] != _STATE_FORMAT
            or loaded[1] != path.name
            or not all(isinstance(table, dict) for table in loaded[2:])
        ):
            return False
        self._by_core, self._by_order, self._by_raw = loaded[2], loaded[3], loaded[4]
        self._built = len(self.names)
        self.state_loaded = True
        return True

    def save_state(self, folder: Path) -> None:
        """Save the complete look-up tables next to the cache (atomically), replacing the
        tables of older rankings. Raises ``OSError`` when the folder is not writable."""
        self._extend(len(self.names))
        path = self._state_path(folder)
        data = json.dumps(
            [_STATE_FORMAT, path.name, self._by_core, self._by_order, self._by_raw],
            separators=(",", ":"),
        ).encode()
        folder.mkdir(parents=True, exist_ok=True)
        import tempfile  # (only when writing: it imports shutil and random)

        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".typosquat-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in folder.glob("typosquat-*.json"):
            if old != path:
                old.unlink(missing_ok=True)

    @property
    def complete(self) -> bool:
        """Are the look-up tables built over the whole ranking?"""
        return self._built >= len(self.names)

