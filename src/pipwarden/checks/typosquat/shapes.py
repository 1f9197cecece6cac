"""Name shapes for the typosquat index: core forms (look-alikes, affixes), word order,
combosquat bases, version numbers, plurals, vowels; and the tuning constants."""

from __future__ import annotations

from pipwarden.models import canonical_name

_AFFIX_WORDS = frozenset({"py", "python", "python3", "py3", "pypi", "lib"})
_PREFIXES = ("python3", "python", "py3", "py", "lib")
_SUFFIXES = ("python3", "python", "py3", "py", "lib")
_LOOKALIKE_CHARS = str.maketrans({"1": "l", "i": "l", "0": "o"})
_NO_VOWELS = str.maketrans("", "", "aeiou")

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



def _skeleton(text: str) -> str:
    if "rn" in text:
        text = text.replace("rn", "m")
    if "vv" in text:
        text = text.replace("vv", "w")
    return text.translate(_LOOKALIKE_CHARS)


def _words(name: str) -> list[str]:
    return [w for w in canonical_name(name).split("-") if w]


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
    main, cores, _order = _forms(canonical_name(name))
    return main, cores


def _order_key(name: str) -> str | None:
    return _forms(canonical_name(name))[2]


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

