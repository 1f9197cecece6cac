"""The weakest name evidence: a ranked name inside affixes, generic words or digits, or a
spelling merely similar to a more popular name.

Too loose to flag a name by itself (on the top-15,000 list it finds a look-alike for most
names), it only counts in the typosquat verdict together with everything else a fresh
typosquat shows: a new package, owners who do not publish the target, no repository of
its own (:mod:`.verdict`).
"""

from __future__ import annotations

import difflib

from pipwarden.checks.typosquat.index import TyposquatIndex
from pipwarden.checks.typosquat.shapes import GENERIC_WORDS
from pipwarden.checks.typosquat.tables import TyposquatMatch
from pipwarden.models import canonical_name

__all__ = ["FIRST_TIER", "SIMILAR_RATIO", "similar_name"]

SIMILAR_RATIO = 0.75  # difflib's ratio between the names without separators
SIMILAR_KIND = "a similar spelling"
BARE_KIND = "its name with affixes, generic words or digits around it"
BARE_MIN_LENGTH = 4
_AFFIXES = ("python3", "python", "py3", "py", "lib")
FIRST_TIER = 1000


def similar_name(index: TyposquatIndex, name: str) -> TyposquatMatch | None:
    """The eligible ranked name most similar to ``name``, or ``None`` when none reaches
    :data:`SIMILAR_RATIO`. The :data:`FIRST_TIER` most popular names are tried first
    (they are what typosquats imitate); the rest of the ranking only when none of them is
    similar enough. Ties go to the most popular."""
    norm = canonical_name(name)
    mine = norm.replace("-", "")
    if len(mine) < 3:
        return None
    name_rank = index.rank.get(norm)
    bare = _bare(norm)
    if bare != mine and len(bare) >= BARE_MIN_LENGTH:
        index._extend(len(index.names))
        for idx in index._by_raw.get(bare, ()):
            if index._eligible(name_rank, idx + 1):
                return TyposquatMatch(norm, index.names[idx], idx + 1, name_rank, BARE_KIND, "warn")
    matcher = difflib.SequenceMatcher(None, "", mine, autojunk=False)
    best: tuple[float, int] | None = None
    for idx, target in enumerate(index.names):
        if idx == FIRST_TIER and best is not None:
            break
        if not index._eligible(name_rank, idx + 1):
            break  # ranked names are in order: no later one is eligible either
        theirs = target.replace("-", "")
        if theirs == mine:
            continue
        matcher.set_seq1(theirs)
        if matcher.real_quick_ratio() < SIMILAR_RATIO or matcher.quick_ratio() < SIMILAR_RATIO:
            continue
        ratio = matcher.ratio()
        if ratio >= SIMILAR_RATIO and (best is None or ratio > best[0]):
            best = (ratio, idx)
    if best is None:
        return None
    return TyposquatMatch(
        norm, index.names[best[1]], best[1] + 1, name_rank, SIMILAR_KIND, "warn"
    )


def _bare(norm: str) -> str:
    """The name without generic words, digits at either end and one ``py``/``python``/
    ``lib`` affix (``pytz3-dev`` → ``pytz``, ``liblxml3`` → ``lxml``)."""
    text = "".join(w for w in norm.split("-") if w and w not in GENERIC_WORDS)
    text = text.strip("0123456789")
    for affix in _AFFIXES:
        if text.startswith(affix) and len(text) - len(affix) >= BARE_MIN_LENGTH:
            text = text[len(affix):]
            break
    for affix in _AFFIXES:
        if text.endswith(affix) and len(text) - len(affix) >= BARE_MIN_LENGTH:
            text = text[: -len(affix)]
            break
    return text.strip("0123456789")
