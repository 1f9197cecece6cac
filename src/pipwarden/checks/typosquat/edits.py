"""Edits between names: keyboard neighbours, edit distance, which one-edit typos count
and how to name them."""

from __future__ import annotations

from collections.abc import Mapping

_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


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

