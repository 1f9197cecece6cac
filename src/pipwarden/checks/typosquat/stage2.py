"""The second stage of the typosquat index: combosquats, version numbers, plurals, vowels
left out, two-edit typos, and names built on a ranked name."""

from __future__ import annotations

from pipwarden.checks.typosquat.edits import (
    _edits,
    _plausible_typo,
    one_edit_apart,
    osa_distance,
)
from pipwarden.checks.typosquat.shapes import (
    _COMBO_TYPO,
    ADDON_BASE_MIN_LENGTH,
    COMBO_TYPO_MIN_LENGTH,
    GENERIC_WORDS,
    TWO_EDIT_MIN_WORD,
    VOWELLESS_MIN_LENGTH,
    _combo_bases,
    _deletions,
    _deletions_upto2,
    _raw_forms,
    _singular,
    _version_base,
    _vowelless,
    _words,
)
from pipwarden.checks.typosquat.tables import RankTables, TyposquatMatch
from pipwarden.models import canonical_name


class SecondStage(RankTables):
    """Rules that only run when the classic checks found nothing."""

    def _second_stage(
        self, name: str, *, limit: int, far: bool = True
    ) -> list[TyposquatMatch]:
        """Combosquats (a popular name plus a generic word) and two-edit typos.

        :meth:`check` runs it when the one-edit, look-alike, affix and word-order checks
        found nothing, and (``far=False``: combosquats only) to let a combosquat of a more
        popular name win over a one-edit neighbour.
        """
        norm = canonical_name(name)
        name_rank = self.rank.get(norm)
        upto = min(limit, len(self.names))
        self._extend(upto, deletes=self._bulk)
        found: dict[int, tuple[str, str]] = {}
        raw = _raw_forms(norm)[0]

        # a ranked name plus a version number (requests1, 2022-requests): a renamed or
        # versioned copy, sometimes the owner's own, so a warning (same owners are cleared)
        version = _version_base(norm)
        if version is not None:
            for idx in self._by_raw.get(version, ()):
                if idx < upto:
                    found.setdefault(idx, ("its name plus a version number", "warn"))

        # one of the most popular names (exact, or one edit away) plus generic words or digits
        combo_upto = min(upto, self.combo_rank)
        for base, exact_ok in _combo_bases(norm):
            for idx in self._by_raw.get(base, ()):
                if exact_ok and idx < combo_upto:
                    found.setdefault(idx, ("its name plus a generic word", "warn"))
            if len(base) >= COMBO_TYPO_MIN_LENGTH:
                for idx in self._one_edit(base, combo_upto):
                    found.setdefault(idx, (_COMBO_TYPO, "risk"))
        singular = _singular(norm)
        if far and not found and singular != raw and len(singular) >= 6:
            # a word made plural or singular (torchs-visions, importlibs-resource)
            for idx in self._shape_index("singular", upto).get(singular, ()):
                if idx < upto and _raw_forms(self.names[idx])[0] != raw:
                    found.setdefault(idx, ("a word made plural or singular", "risk"))
        if far and not found and len(raw) >= 4 and raw == _vowelless(raw):
            # a ranked name with its vowels left out (rqsts)
            for idx in self._shape_index("vowelless", upto).get(raw, ()):
                if idx < upto:
                    found.setdefault(idx, ("its vowels left out", "risk"))
        if far and not found and self.far_min_length - 2 <= len(raw) <= self._far_max + 2:
            # two edits from a very popular or a long name
            for idx in self._two_edits(raw, upto, _words(norm)):
                found.setdefault(idx, ("two letters changed", "risk"))

        out = []
        for idx in sorted(found):
            target = self.names[idx]
            if target == norm:
                continue
            kind, level = found[idx]
            out.append(TyposquatMatch(norm, target, idx + 1, name_rank, kind, level))
        return out

    def _shape_index(self, shape: str, upto: int) -> dict[str, list[int]]:
        """The names ranked up to ``upto`` by their vowel-less or singular spelling, indexed
        only once a query of that shape needs them."""
        names, start = self.names, self._shapes_built[shape]
        upto = min(upto, len(names))
        if shape == "vowelless":
            index = self._by_vowelless
            for idx in range(start, upto):
                raw = _raw_forms(names[idx])[0]
                if len(raw) >= VOWELLESS_MIN_LENGTH:
                    index.setdefault(_vowelless(raw), []).append(idx)
        else:
            index = self._by_singular
            for idx in range(start, upto):
                index.setdefault(_singular(names[idx]), []).append(idx)
        self._shapes_built[shape] = max(start, upto)
        return index

    def _one_edit(self, text: str, upto: int) -> list[int]:
        """Ranked names (below ``upto``) exactly one edit from ``text``."""
        out: set[int] = set()
        if self._bulk:
            for key in (text, *_deletions(text)):
                out.update(self._by_delete.get(key, ()))
        else:
            for key in _edits(text):
                out.update(self._by_raw.get(key, ()))
        hits = []
        for i in out:
            if i >= upto:
                continue
            raw = _raw_forms(self.names[i])[0]
            if (
                len(raw) >= self.min_edit_length
                and one_edit_apart(text, raw)
                and _plausible_typo(text, raw)
            ):
                hits.append(i)
        return hits

    def _far_target(self, idx: int, raw: str) -> bool:
        """May this ranked name be matched at distance two?

        The most popular names, and long one-word names (long names of several words cost
        much more to index and caught nothing in the development half of the benchmark).
        """
        if idx < self.far_rank:
            return len(raw) >= self.far_min_length
        return len(raw) >= self.long_length and "-" not in self.names[idx]

    def _two_edits(self, text: str, upto: int, words: list[str] | None = None) -> list[int]:
        """Ranked names two edits from ``text`` (symmetric deletes of depth two).

        With ``words`` (the name's words), a target must have as many words, and the
        words that differ must be long ones: two edits turn any short word into another
        (``google-cloud-dns``/``google-cloud-kms``).
        """
        groups = self._far_groups
        if groups is None:
            groups = self._far_groups = {}
            self._far_max = 0
            # :meth:`_far_target` inlined: this loop visits the whole ranking once per run
            far_rank, far_min, long_min = self.far_rank, self.far_min_length, self.long_length
            longest = 0
            for idx, target in enumerate(self.names):
                raw = target.replace("-", "")  # _raw_forms(target)[0]
                size = len(raw)
                if (size >= far_min) if idx < far_rank else (
                    size >= long_min and size == len(target)  # one word: no "-"
                ):
                    longest = max(longest, size)
                    shape_key = (raw[0], size)
                    members = groups.get(shape_key)
                    if members is None:
                        groups[shape_key] = [idx]
                    else:
                        members.append(idx)
            self._far_max = longest
        # a match keeps the first letter and is at most two letters longer or shorter
        shapes = [(text[0], n) for n in range(len(text) - 2, len(text) + 3)]
        shapes = [shape for shape in shapes if shape in groups]
        if not shapes:
            return []
        index = self._by_delete2
        for shape in shapes:
            if shape in self._far_indexed:
                continue
            self._far_indexed.add(shape)
            for idx in groups[shape]:
                for key in _deletions_upto2(_raw_forms(self.names[idx])[0]):
                    bucket = index.get(key)
                    if bucket is None:
                        index[key] = [idx]
                    else:
                        bucket.append(idx)
        out: set[int] = set()
        for key in _deletions_upto2(text) & index.keys():  # intersect in C, then look up
            out.update(index[key])
        names = self.names
        hits = []
        for i in out:
            if i >= upto:
                continue
            raw = _raw_forms(names[i])[0]
            if raw[0] != text[0] or osa_distance(text, raw, limit=3) != 2:
                continue
            if words is not None:
                theirs = _words(names[i])
                if len(theirs) != len(words):
                    continue
                if any(
                    a != b and min(len(a), len(b)) < TWO_EDIT_MIN_WORD
                    for a, b in zip(words, theirs, strict=True)
                ):
                    continue
            hits.append(i)
        return hits

    def builds_on(self, name: str) -> TyposquatMatch | None:
        """The longest (then most popular) eligible ranked name that ``name`` starts or
        ends with, other letters or words added (``telebot-info``, ``pydantickits``,
        ``nflx-metaflow``; with both ranked, ``telebot-api-extra`` builds on ``telebot-api``).

        Legitimate add-ons have this shape as often as attacks (``requests-toolbelt``), so
        the name alone is no evidence; ``vet`` reports it only with the package's age and
        owners (:func:`check_addon`).
        """
        norm = canonical_name(name)
        needed = self._needed(self.rank.get(norm))
        if needed <= 0:
            return None
        self._extend(needed, deletes=self._bulk)
        words = [w for w in norm.split("-") if w]
        if len(words) > 1:  # whole words: telebot-info, nflx-metaflow
            parts = ["".join(words[:k]) for k in range(1, len(words))]
            parts += ["".join(words[k:]) for k in range(1, len(words))]
        else:  # glued on: pydantickits, richx
            raw = norm
            parts = [raw[:k] for k in range(ADDON_BASE_MIN_LENGTH, len(raw))]
            parts += [raw[-k:] for k in range(ADDON_BASE_MIN_LENGTH, len(raw))]
        best: int | None = None  # the longest ranked name inside, then the most popular
        for part in parts:
            if len(part) < ADDON_BASE_MIN_LENGTH or part in GENERIC_WORDS:
                continue  # a generic word (utils, tools) is nobody's name to imitate
            for idx in self._by_raw.get(part, ()):
                if idx < needed and (
                    best is None
                    or (len(part), -idx) > (len(_raw_forms(self.names[best])[0]), -best)
                ):
                    best = idx
        if best is None:
            return None
        match = TyposquatMatch(
            norm, self.names[best], best + 1, self.rank.get(norm),
            "its name with other letters or words added", "warn",
        )
        return match if self._eligible(match.name_rank, match.target_rank) else None

