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

from pipwarden.checks.typosquat.edits import (
    KEYBOARD_NEIGHBOURS,
    _describe_edit,
    _edits,
    _plausible_typo,
    one_edit_apart,
    osa_distance,
)
from pipwarden.checks.typosquat.index import TyposquatIndex
from pipwarden.checks.typosquat.shapes import (
    GENERIC_WORDS,
    _combo_bases,
    _forms,
    _raw_forms,
    _singular,
    _skeleton,
    _version_base,
    _vowelless,
    core_forms,
)
from pipwarden.checks.typosquat.signal import (
    check_addon,
    check_typosquat,
    owners_of,
    shared_owner,
)
from pipwarden.checks.typosquat.tables import TyposquatMatch
from pipwarden.checks.typosquat.verdict import weigh_typosquat

__all__ = [
    "GENERIC_WORDS",
    "KEYBOARD_NEIGHBOURS",
    "TyposquatIndex",
    "TyposquatMatch",
    "_combo_bases",
    "_describe_edit",
    "_edits",
    "_forms",
    "_plausible_typo",
    "_raw_forms",
    "_singular",
    "_skeleton",
    "_version_base",
    "_vowelless",
    "check_addon",
    "check_typosquat",
    "core_forms",
    "one_edit_apart",
    "osa_distance",
    "owners_of",
    "shared_owner",
    "weigh_typosquat",
]
