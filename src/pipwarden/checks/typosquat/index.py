"""The typosquat index: one-edit, look-alike, affix and word-order matching, then the
second stage."""

from __future__ import annotations

from collections.abc import Iterable

from pipwarden.checks.typosquat.edits import (
    _describe_edit,
    _edits,
    _plausible_typo,
    one_edit_apart,
)
from pipwarden.checks.typosquat.shapes import (
    _bindings_name,
    _deletions,
    _forms,
    _raw_forms,
    _skeleton,
    _words,
    core_forms,
)
from pipwarden.checks.typosquat.stage2 import SecondStage
from pipwarden.checks.typosquat.tables import TyposquatMatch
from pipwarden.models import canonical_name


class TyposquatIndex(SecondStage):
    """Which much more popular ranked name does a name imitate? See :class:`RankTables`
    for the parameters."""

    def candidates(self, name: str, *, limit: int | None = None) -> list[TyposquatMatch]:
        """Ranked names (within the first ``limit``) that ``name`` imitates, most popular first.

        No popularity rule is applied here; :meth:`check` applies it.
        """
        norm = canonical_name(name)
        name_rank = self.rank.get(norm)
        upto = len(self.names) if limit is None else min(limit, len(self.names))
        self._extend(upto, deletes=self._bulk)
        main, cores, order = _forms(norm)
        words = _words(norm)
        found: dict[int, str] = {}

        for core in cores:
            for idx in self._by_core.get(core, ()):
                found.setdefault(idx, "")
        if order is not None:
            for idx in self._by_order.get(order, ()):
                found.setdefault(idx, "the same words in another order")
        for raw in _raw_forms(norm):
            if len(raw) < self.min_edit_length - 1:
                continue
            if self._bulk:
                for key in (raw, *_deletions(raw)):
                    for idx in self._by_delete.get(key, ()):
                        found.setdefault(idx, "?")
            else:  # few queries: expand the query instead of indexing every deletion
                for key in _edits(raw):
                    for idx in self._by_raw.get(key, ()):
                        found.setdefault(idx, "?")
        out: list[TyposquatMatch] = []
        for idx in sorted(found):
            if limit is not None and idx >= limit:
                continue
            target = self.names[idx]
            if target == norm:
                continue
            kind = self._classify(norm, words, main, cores, target, found[idx])
            if kind is not None:
                out.append(TyposquatMatch(norm, target, idx + 1, name_rank, kind))
        return out

    def _classify(
        self,
        norm: str,
        words: list[str],
        main: str,
        cores: frozenset[str],
        target: str,
        hint: str,
    ) -> str | None:
        t_words = _words(target)
        if "".join(words) == "".join(t_words):
            return "the same name with other separators"
        t_main = _skeleton("".join(t_words))
        if main == t_main:
            return "look-alike characters"
        t_cores = self._cores.get(target) or core_forms(target)[1]
        if cores & t_cores:
            mine, theirs = "".join(words), "".join(t_words)
            if len(mine) < len(theirs):
                # the name lacks an affix the target has (dotenv, python-dotenv): measured
                # on the top-15,000 list these are legitimate short names, not attacks
                return None
            if self.rank[target] > self.combo_rank and _bindings_name(mine, theirs):
                return None
            return "an added or moved py/python/lib prefix or suffix"
        if hint:
            if hint != "?":
                return hint
            mine, theirs = _raw_forms(norm)[0], _raw_forms(target)[0]
            if (
                len(theirs) >= self.min_edit_length
                and one_edit_apart(mine, theirs)
                and _plausible_typo(mine, theirs)
            ):
                return _describe_edit(mine, theirs)
        return None

    def check(self, name: str) -> TyposquatMatch | None:
        """The most popular eligible target ``name`` imitates, or ``None``."""
        needed = self._needed(self.rank.get(canonical_name(name)))
        if needed <= 0:
            return None
        first = None
        for match in self.candidates(name, limit=needed):
            if self._eligible(match.name_rank, match.target_rank):
                first = match
                break
        if first is not None:
            if first.target_rank <= self.combo_rank:
                return first
            # a more popular name plus a generic word beats a one-edit neighbour of it
            # (aiohttp-ssl: aiohttp plus "ssl", not a misspelling of aiohttp-sse)
            for match in self._second_stage(
                name, limit=min(needed, self.combo_rank), far=False
            ):
                if match.level == "warn" and self._eligible(match.name_rank, match.target_rank):
                    return match
            return first
        for match in self._second_stage(name, limit=needed):
            if self._eligible(match.name_rank, match.target_rank):
                return match
        return None

    def check_many(self, names: Iterable[str]) -> dict[str, TyposquatMatch]:
        """:meth:`check` for many names; only the flagged ones are returned."""
        self.prepare_bulk()
        out: dict[str, TyposquatMatch] = {}
        for name in names:
            match = self.check(name)
            if match is not None:
                out[match.name] = match
        return out

