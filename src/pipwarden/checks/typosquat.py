"""Typosquatting: is this name a near-copy of a much more popular one?

The index is built once over the download ranking and answers each query with a few dict
look-ups, never a loop over the ranking:

* *core forms* of a name: the normalised name without separators, mapped through
  look-alike characters (``1``/``i``/``l``, ``0``/``o``, ``rn``/``m``, ``vv``/``w``), with and
  without ``py``/``python`` prefixes and suffixes. Equal core forms catch case and
  separator games, look-alikes and affixes at once.
* a *word-order* key: the sorted words of the name (``dateutil-python``).
* a *symmetric-delete* dictionary: every core form and each of its one-character
  deletions point at the names they came from, so any single insertion, deletion,
  substitution or transposition meets its target in one look-up per deletion; candidates
  are then confirmed in linear time (:func:`one_edit_apart`). One-edit shapes that, on the
  top-15,000 list, flag far more legitimate names than they catch are not reported (see
  :func:`_plausible_typo`).

When those find nothing, a second stage looks for

* *combosquats*: one of the ``COMBO_RANK`` most popular names plus generic words
  (``requests-darwin-lite``; level warn, it may be a genuine add-on) or a misspelling of
  it plus generic words or digits (``requestss2``; level risk);
* a ranked name plus a version number (``requests1``, ``2022-requests``; level warn: a
  versioned copy may be the owner's own, and same-owner pairs are cleared);
* a ranked name with its vowels left out (``rqsts``) or with words made plural or
  singular (``torchs-visions``);
* *two-edit typos* of the ``FAR_RANK`` most popular names and of long one-word names
  (``matpllotib``, ``beautifilsoop``), through a symmetric-delete dictionary of depth two
  over those names only, with the same first letter and no short word rewritten.

A match only counts when the target is much more popular (by rank) than the name and the
name is not itself popular; :func:`check_typosquat` also clears names whose PyPI owners or
organisation match the target's.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from pipwarden.models import Level, Signal

__all__ = [
    "KEYBOARD_NEIGHBOURS",
    "TyposquatIndex",
    "TyposquatMatch",
    "check_addon",
    "check_typosquat",
    "core_forms",
    "one_edit_apart",
    "osa_distance",
    "owners_of",
    "shared_owner",
]

_AFFIX_WORDS = frozenset({"py", "python", "python3", "py3", "pypi", "lib"})
_PREFIXES = ("python3", "python", "py3", "py", "lib")
_SUFFIXES = ("python3", "python", "py3", "py", "lib")
_LOOKALIKE_CHARS = str.maketrans({"1": "l", "i": "l", "0": "o"})
_NO_VOWELS = str.maketrans("", "", "aeiou")

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")

# Two-edit matching: against the FAR_RANK most popular names of at least FAR_MIN_LENGTH
# characters, and against any ranked name of at least LONG_LENGTH characters.
FAR_RANK = 150
FAR_MIN_LENGTH = 7
LONG_LENGTH = 12
COMBO_TYPO_MIN_LENGTH = 6
TWO_EDIT_MIN_WORD = 6  # a word changed by two edits must be at least this long
COMBO_RANK = 50  # combosquats are matched against this many most popular names only
VERSION_BASE_MIN_LENGTH = 4  # a name plus a version number: the name has this many letters
VOWELLESS_MIN_LENGTH = 6  # names this long are matched with their vowels left out
_STATE_FORMAT = 1  # bump when _forms, _raw_forms or the saved tables change
ADDON_BASE_MIN_LENGTH = 4  # a name built on a ranked name: that name has this many letters

# Generic words attackers add to a popular name (``requests-dev``, ``numpy-utils``); chosen
# as a vocabulary, not from any list of attacks.
GENERIC_WORDS = frozenset({
    "dev", "lib", "libs", "sdk", "api", "utils", "util", "tools", "tool", "plus", "pro",
    "core", "client", "python", "py", "python3", "py3", "cli", "async", "aio", "lite",
    "helper", "helpers", "help", "ext", "extra", "extras", "official", "latest", "fix",
    "fixed", "update", "updated", "full", "x64", "x86", "amd64", "win", "win32", "windows",
    "linux", "darwin", "mac", "macos", "test", "ssl", "secure",
})


def _neighbours() -> dict[str, frozenset[str]]:
    """QWERTY neighbours: same row left/right; rows are staggered half a key to the right."""
    where = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    at = {pos: ch for ch, pos in where.items()}
    out: dict[str, frozenset[str]] = {}
    for ch, (r, c) in where.items():
        spots = [(r, c - 1), (r, c + 1), (r - 1, c), (r - 1, c + 1), (r + 1, c - 1), (r + 1, c)]
        out[ch] = frozenset(at[s] for s in spots if s in at)
    return out


KEYBOARD_NEIGHBOURS: Mapping[str, frozenset[str]] = _neighbours()


def _skeleton(text: str) -> str:
    if "rn" in text:
        text = text.replace("rn", "m")
    if "vv" in text:
        text = text.replace("vv", "w")
    return text.translate(_LOOKALIKE_CHARS)


def _words(name: str) -> list[str]:
    return [w for w in canonicalize_name(name).split("-") if w]


def _strip_affixes(collapsed: str) -> set[str]:
    out = set()
    for prefix in _PREFIXES:
        if collapsed.startswith(prefix) and len(collapsed) - len(prefix) >= 3:
            out.add(collapsed[len(prefix) :])
    for suffix in _SUFFIXES:
        if collapsed.endswith(suffix) and len(collapsed) - len(suffix) >= 3:
            out.add(collapsed[: -len(suffix)])
    return out


def _forms(norm: str) -> tuple[str, frozenset[str], str | None]:
    """(main skeleton, core forms, word-order key) of an already normalised name."""
    if "-" in norm:
        words = [w for w in norm.split("-") if w]
        collapsed = "".join(words)
    else:  # most names are one word: no splitting, no joining
        words = [norm] if norm else []
        collapsed = norm
    kept = [w for w in words if w not in _AFFIX_WORDS]
    main = _skeleton(collapsed)
    order = "|".join(sorted(_skeleton(w) for w in kept)) if len(kept) >= 2 else None
    affixed = collapsed.startswith(("py", "lib")) or collapsed.endswith(_SUFFIXES)
    if not affixed and not (kept and len(kept) < len(words)):
        return main, frozenset((main,)), order  # the collapsed name is the only form
    forms = {collapsed}
    if kept and len(kept) < len(words):
        forms.add("".join(kept))
    if affixed:
        forms |= _strip_affixes(collapsed)
    one = len(forms) == 1
    cores = frozenset((main,)) if one else frozenset(_skeleton(f) for f in forms if f)
    return main, cores, order


def _raw_forms(norm: str) -> tuple[str, ...]:
    """Forms used for one-edit matching: the collapsed name only.

    An affix *and* a typo together (``pyreqeusts``) are not matched: measured on the
    top-15,000 list, that combination flags many more legitimate names than it catches.
    """
    return (norm.replace("-", ""),)


def core_forms(name: str) -> tuple[str, frozenset[str]]:
    """The main skeleton of ``name`` and all its core forms."""
    main, cores, _order = _forms(canonicalize_name(name))
    return main, cores


def _order_key(name: str) -> str | None:
    return _forms(canonicalize_name(name))[2]


def _bindings_name(name: str, target: str) -> bool:
    """Is ``name`` the target with a ``py``/``python``/``lib`` prefix put in front, the
    target having no affix of its own (``pygraphviz``, ``python-fire``)?

    That is how Python bindings and wrappers are named: measured on the top-15,000 list,
    such names of targets outside the ``COMBO_RANK`` most popular are legitimate packages,
    and no real typosquat in the benchmark has that shape; of the most popular names
    (``pyrequests``) they are still reported, like the other affixes, as is an affix moved
    or swapped (``pythonkafka`` for ``kafka-python``) or added at the end (``stripepy``).
    """
    if target.startswith(("py", "lib")) or target.endswith(_SUFFIXES):
        return False
    return any(name == prefix + target for prefix in _PREFIXES)


def _deletions(text: str) -> set[str]:
    return {text[:i] + text[i + 1 :] for i in range(len(text))}


_COMBO_TYPO = "a misspelling of its name plus a generic word or digits"
_GLUED_WORDS = tuple(sorted(w for w in GENERIC_WORDS if len(w) >= 3))


def _deletions_upto2(text: str) -> set[str]:
    """``text`` and every string one or two deletions away that keeps the first letter.

    Two-edit matches require the same first letter, and an optimal alignment of two
    strings that start alike never edits that letter, so deleting it is never needed.
    """
    n = len(text)
    out = {text}
    out.update([text[:i] + text[i + 1 :] for i in range(1, n)])
    out.update([
        text[:i] + text[i + 1 : j] + text[j + 1 :] for i in range(1, n) for j in range(i + 1, n)
    ])
    return out


def _combo_bases(norm: str) -> list[tuple[str, bool]]:
    """Candidate base names inside a combosquat, with whether an exact match may count.

    Generic words are peeled off either end (as separate words), trailing digits are
    dropped; the rest must stay at least four characters long.
    """
    words = [w for w in norm.split("-") if w]
    out: list[tuple[str, bool]] = []
    lo, hi = 0, len(words)
    while lo < hi - 1 and words[lo] in GENERIC_WORDS:
        lo += 1
    while hi - 1 > lo and words[hi - 1] in GENERIC_WORDS:
        hi -= 1
    core = words[lo:hi]
    if len(core) < len(words):
        out.append(("".join(core), True))
    collapsed = "".join(core)
    if len(core) == 1:  # a generic word glued on (httpxhelp, devrequests)
        for word in _GLUED_WORDS:
            if collapsed.endswith(word):
                out.append((collapsed[: -len(word)], True))
            if collapsed.startswith(word):
                out.append((collapsed[len(word) :], True))
    stripped = collapsed.strip("0123456789")
    if stripped != collapsed and len(stripped) >= 4:
        out.append((stripped, False))
    return [(b, ok) for b, ok in out if len(b) >= 4]


def _version_base(norm: str) -> str | None:
    """The name without a version number on either end (``requests1``, ``2022-requests``)."""
    collapsed = norm.replace("-", "")
    stripped = collapsed.strip("0123456789")
    if stripped == collapsed or len(stripped) < VERSION_BASE_MIN_LENGTH:
        return None
    return stripped


def _singular(norm: str) -> str:
    """The collapsed name with a plural ``s`` dropped from each word longer than four
    letters (``importlibs-resource`` and ``importlib-resources`` both give
    ``importlibresource``)."""
    return "".join(
        w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w
        for w in norm.split("-")
    )


def _vowelless(text: str) -> str:
    """``text`` without its vowels after the first letter (``requests`` → ``rqsts``)."""
    return text[0] + text[1:].translate(_NO_VOWELS) if text else text


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def _edits(text: str) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away."""
    splits = [(text[:i], text[i:]) for i in range(len(text) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out.update(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1)
    out.update(a + c + b[1:] for a, b in splits if b for c in _ALPHABET)
    out.update(a + c + b for a, b in splits for c in _ALPHABET)
    out.discard(text)
    return out


def osa_distance(a: str, b: str, limit: int = 2) -> int:
    """Optimal-string-alignment distance (edits incl. adjacent transposition), capped at limit."""
    if a == b:
        return 0
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if (
                i > 1
                and j > 1
                and a[i - 1] == b[j - 2]
                and a[i - 2] == b[j - 1]
                and prev2
            ):
                best = min(best, prev2[j - 2] + 1)
            cur[j] = best
        if min(cur) >= limit:
            return limit
        prev2, prev = prev, cur
    return min(prev[-1], limit)


def _plausible_typo(a: str, b: str) -> bool:
    """Is the single edit turning ``b`` (target) into ``a`` one a typosquatter would use?

    Measured on the top-15,000 list, these one-edit shapes flag far more legitimate names
    than they catch and are left out: another first letter (``willow``/``pillow``), a
    second letter that is not a keyboard neighbour (``ipython``/``bpython`` style), a letter
    other than the first one put in front (``grequests``, ``x-transformers``; ``fflask`` is
    reported) and a version digit appended (``fabric2``, ``pypdf3``: the second stage
    reports those as a warning).
    """
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            i = diffs[0]
            if i == 0:
                return False
            if i == 1 and a[i] not in KEYBOARD_NEIGHBOURS.get(b[i], frozenset()):
                return False
        return True
    if len(a) == len(b) + 1:
        if a[1:] == b and not a[0].isdigit() and a[0] != a[1]:
            return False  # a letter put in front; a doubled first letter (fflask) counts
        if a[:-1] == b and a[-1].isdigit():
            return False
    return True


def one_edit_apart(a: str, b: str) -> bool:
    """Is ``a`` exactly one insertion, deletion, substitution or adjacent swap from ``b``?

    Equivalent to ``osa_distance(a, b) == 1``, in linear time with C-level comparisons.
    """
    la, lb = len(a), len(b)
    if la == lb:
        i = 0
        while i < la and a[i] == b[i]:
            i += 1
        if i == la:
            return False
        if a[i + 1 :] == b[i + 1 :]:
            return True
        return (
            i + 1 < la
            and a[i] == b[i + 1]
            and a[i + 1] == b[i]
            and a[i + 2 :] == b[i + 2 :]
        )
    if la == lb + 1:
        a, b, la, lb = b, a, lb, la
    if lb != la + 1:
        return False
    i = 0  # a is the shorter one
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _describe_edit(a: str, b: str) -> str:
    """Name the single edit that turns ``b`` (target) into ``a`` (candidate)."""
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 2 and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]]:
            return "two letters swapped"
        if len(diffs) == 1:
            i = diffs[0]
            if a[i] in KEYBOARD_NEIGHBOURS.get(b[i], frozenset()):
                return "one letter replaced by a keyboard neighbour"
            return "one letter changed"
    if len(a) > len(b):
        for i in range(len(a)):
            if a[:i] + a[i + 1 :] == b:
                if (i > 0 and a[i] == a[i - 1]) or (i + 1 < len(a) and a[i] == a[i + 1]):
                    return "one letter doubled"
                return "one letter added"
        return "one letter added"
    for i in range(len(b)):
        if b[:i] + b[i + 1 :] == a and ((i > 0 and b[i] == b[i - 1]) or (
            i + 1 < len(b) and b[i] == b[i + 1]
        )):
            return "a doubled letter dropped"
    return "one letter missing"


@dataclass(frozen=True)
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


class TyposquatIndex:
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
        self.names: list[str] = []
        self.rank: dict[str, int] = {}
        for name in ranking:
            norm = canonicalize_name(name)
            if norm not in self.rank:
                self.rank[norm] = len(self.names) + 1
                self.names.append(norm)
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

    def candidates(self, name: str, *, limit: int | None = None) -> list[TyposquatMatch]:
        """Ranked names (within the first ``limit``) that ``name`` imitates, most popular first.

        No popularity rule is applied here; :meth:`check` applies it.
        """
        norm = canonicalize_name(name)
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
        needed = self._needed(self.rank.get(canonicalize_name(name)))
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

    # -- second stage: rules that only run when the classic checks found nothing ----------

    def _second_stage(
        self, name: str, *, limit: int, far: bool = True
    ) -> list[TyposquatMatch]:
        """Combosquats (a popular name plus a generic word) and two-edit typos.

        :meth:`check` runs it when the one-edit, look-alike, affix and word-order checks
        found nothing, and (``far=False``: combosquats only) to let a combosquat of a more
        popular name win over a one-edit neighbour.
        """
        norm = canonicalize_name(name)
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
            for idx, target in enumerate(self.names):
                raw = _raw_forms(target)[0]
                if self._far_target(idx, raw):
                    self._far_max = max(self._far_max, len(raw))
                    groups.setdefault((raw[0], len(raw)), []).append(idx)
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
        norm = canonicalize_name(name)
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

    def check_many(self, names: Iterable[str]) -> dict[str, TyposquatMatch]:
        """:meth:`check` for many names; only the flagged ones are returned."""
        self.prepare_bulk()
        out: dict[str, TyposquatMatch] = {}
        for name in names:
            match = self.check(name)
            if match is not None:
                out[match.name] = match
        return out


def owners_of(project: Mapping[str, Any] | None) -> tuple[frozenset[str], str | None] | None:
    """(maintainer user names, organisation) from PyPI ``ownership``; ``None`` when unknown."""
    if not project:
        return None
    ownership = project.get("ownership")
    if not isinstance(ownership, Mapping):
        return None
    roles = ownership.get("roles")
    users = frozenset(
        str(r["user"]).lower()
        for r in (roles if isinstance(roles, list) else [])
        if isinstance(r, Mapping) and r.get("user")
    )
    org = ownership.get("organization")
    return users, (str(org).lower() if org else None)


def _evidence(match: TyposquatMatch) -> dict[str, object]:
    return {
        "target": match.target,
        "target_rank": match.target_rank,
        "name_rank": match.name_rank,
        "how": match.kind,
    }


def shared_owner(
    project: Mapping[str, Any] | None, target_project: Mapping[str, Any] | None
) -> str | None:
    """Who publishes both projects (an organisation or user names), if anyone."""
    mine, theirs = owners_of(project), owners_of(target_project)
    if mine is None or theirs is None:
        return None
    if mine[1] is not None and mine[1] == theirs[1]:
        return f"organisation {mine[1]}"
    shared = sorted(mine[0] & theirs[0])
    return ", ".join(shared) if shared else None


def check_addon(
    match: TyposquatMatch,
    *,
    age_days: int | None,
    new_days: int,
    project: Mapping[str, Any] | None = None,
    target_project: Mapping[str, Any] | None = None,
) -> Signal | None:
    """The ``typosquat`` signal for a name built on a popular one (:meth:`TyposquatIndex.
    builds_on`): a warning when the package is new and not published by the target's
    owners, the way most combosquats are caught (``telebot-info``, ``requests-os``);
    ``None`` (nothing to say) for an established add-on or when its age is unknown.
    """
    if age_days is None or age_days >= new_days:
        return None
    evidence = _evidence(match)
    evidence["first_release_days"] = age_days
    who = shared_owner(project, target_project)
    if who is not None:
        evidence["shared_owner"] = who
        return Signal(
            "typosquat",
            Level.OK,
            f"The name builds on {match.target}, and both are published by {who}.",
            evidence,
            match.target,
        )
    days = "today" if age_days == 0 else f"{age_days} day{'s' if age_days != 1 else ''} ago"
    return Signal(
        "typosquat",
        Level.WARN,
        f"The name builds on {match.target} (rank {match.target_rank}) and the package "
        f"first appeared {days}: check that it comes from {match.target}'s maintainers "
        "before you depend on it.",
        evidence,
        match.target,
    )


def check_typosquat(
    index: TyposquatIndex,
    name: str,
    *,
    project: Mapping[str, Any] | None = None,
    target_project: Mapping[str, Any] | None = None,
    match: TyposquatMatch | bool | None = True,
) -> Signal:
    """The ``typosquat`` signal for ``name``: risk (or warn for a likely add-on) with a
    ``target``, or ok.

    ``match`` may pass an already computed :meth:`TyposquatIndex.check` result.
    """
    if match is True or match is False:
        match = index.check(name)
    if match is None:
        return Signal(
            "typosquat", Level.OK, "The name is not a near-copy of a more popular package."
        )
    evidence = _evidence(match)
    who = shared_owner(project, target_project)
    if who is not None:
        evidence["shared_owner"] = who
        return Signal(
            "typosquat",
            Level.OK,
            f"The name is close to {match.target}, but both are published by {who}.",
            evidence,
            match.target,
        )
    if match.level == "warn":
        looks = "a versioned copy of" if "version" in match.kind else "an add-on to"
        return Signal(
            "typosquat",
            Level.WARN,
            f"The name looks like {looks} {match.target} (rank {match.target_rank}): "
            f"{match.kind}. Check that it comes from {match.target}'s maintainers.",
            evidence,
            match.target,
        )
    return Signal(
        "typosquat",
        Level.RISK,
        f"The name looks like a typosquat of {match.target} (rank {match.target_rank}): "
        f"{match.kind}. Did you mean {match.target}?",
        evidence,
        match.target,
    )
