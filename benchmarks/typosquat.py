"""Typosquat benchmark: speed on 100,000 names, recall on real typosquats, false positives.

    python benchmarks/typosquat.py [--names 100000] [--show 40]

* speed: 100,000 generated names (real top names, one-edit mutations of them, random
  names) checked against the shipped top-15,000 ranking, index build included. Target ≤ 10 s.
* recall: benchmarks/data/typosquats.tsv, real PyPI typosquats with the target their source
  names. A pair counts as found when the name is flagged *with that target*. Reported for
  all pairs and for the pairs whose target is in the ranking (the only ones a ranking-based
  check can name).
* false positives: every top-15,000 name checked against the others with the same rules
  (a name is flagged only when a much more popular name looks like it). Same-owner pairs
  are excluded where PyPI data is known (../shared/data/pypi, when present); documented
  legitimate families are listed separately. Target ≤ 1 %.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import random
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from packaging.utils import canonicalize_name  # noqa: E402

from pipwarden.checks.typosquat import TyposquatIndex, owners_of  # noqa: E402
from pipwarden.toplist import load_toplist  # noqa: E402

PAIRS = Path(__file__).parent / "data" / "typosquats.tsv"
SHARED_PYPI = ROOT.parent / "shared" / "data" / "pypi"

# Flagged pairs that are one project family under one owner (renamed or versioned
# packages), checked by hand against PyPI: not typosquats. Kept short and explicit.
LEGIT_FAMILIES = {
    ("msgpack-python", "msgpack"): "old name of msgpack, same maintainers",
    ("docker-py", "docker"): "old name of the Docker SDK, same organisation",
    ("gitdb2", "gitdb"): "renamed back to gitdb by the same author",
    ("smmap2", "smmap"): "renamed back to smmap by the same author",
    ("elasticsearch6", "elasticsearch"): "Elastic's versioned client",
    ("elasticsearch7", "elasticsearch"): "Elastic's versioned client",
    ("elasticsearch8", "elasticsearch"): "Elastic's versioned client",
    ("nvidia-nccl-cu11", "nvidia-nccl-cu12"): "NVIDIA's CUDA-11 build of the same library",
    ("beautifulsoup", "beautifulsoup4"): "Beautiful Soup 3, same author",
}


def generate_names(top: list[str], count: int, seed: int = 42) -> list[str]:
    rng = random.Random(seed)
    letters = string.ascii_lowercase
    out: list[str] = []
    while len(out) < count:
        kind = rng.random()
        base = rng.choice(top)
        if kind < 0.2:
            out.append(base)
        elif kind < 0.6:
            i = rng.randrange(len(base))
            op = rng.randrange(4)
            if op == 0:
                out.append(base[:i] + base[i + 1 :])
            elif op == 1:
                out.append(base[:i] + rng.choice(letters) + base[i + 1 :])
            elif op == 2:
                out.append(base[:i] + rng.choice(letters) + base[i:])
            else:
                out.append(base[:i] + base[i + 1 : i + 2] + base[i : i + 1] + base[i + 2 :])
        else:
            size = rng.randint(3, 20)
            out.append("".join(rng.choice(letters + "-_.") for _ in range(size)).strip("-_."))
    return [n or "x" for n in out]


def load_owned() -> dict[str, dict[str, object]]:
    if not SHARED_PYPI.is_dir():
        return {}
    data: dict[str, dict[str, object]] = {}
    for f in SHARED_PYPI.glob("*.json.gz"):
        data[canonicalize_name(f.name[: -len(".json.gz")])] = json.loads(
            gzip.decompress(f.read_bytes())
        )
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--show", type=int, default=40, help="flagged popular names to list")
    args = parser.parse_args()
    top = load_toplist()
    names = generate_names(list(top.names), args.names)

    # -- speed ------------------------------------------------------------------------------
    start = time.perf_counter()
    index = TyposquatIndex(top.names)
    flagged = index.check_many(names)
    elapsed = time.perf_counter() - start
    print(f"speed: {len(names):,} names vs top {len(top):,} in {elapsed:.2f} s "
          f"(index build included; {len(flagged):,} distinct names flagged; target ≤ 10 s)")

    # -- recall -----------------------------------------------------------------------------
    with PAIRS.open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        rows = list(csv.DictReader(lines, delimiter="\t"))
    found = found_any = in_scope = found_in_scope = 0
    missed: list[str] = []
    for row in rows:
        name, target = row["typosquat"], canonicalize_name(row["target"])
        match = index.check(name)
        ranked = target in top
        in_scope += ranked
        if match is not None:
            found_any += 1
        if match is not None and match.target == target:
            found += 1
            found_in_scope += ranked
        elif ranked:
            missed.append(f"{name}→{target}" + (f" (said {match.target})" if match else ""))
    total = len(rows)
    print(f"recall: {found}/{total} = {found / total:.1%} of all pairs flagged with the "
          f"published target ({found_any} flagged at all)")
    print(f"recall, target in the top {len(top):,}: {found_in_scope}/{in_scope} = "
          f"{found_in_scope / max(in_scope, 1):.1%}   (target ≥ 90 %)")
    if missed:
        print("  missed (target ranked): " + ", ".join(missed))

    # -- false positives --------------------------------------------------------------------
    owned = load_owned()
    hits = []
    same_owner = families = 0
    for name in top.names:
        match = index.check(name)
        if match is None:
            continue
        a, b = owners_of(owned.get(name)), owners_of(owned.get(match.target))
        if a is not None and b is not None and ((a[0] & b[0]) or (a[1] and a[1] == b[1])):
            same_owner += 1
            continue
        if (name, match.target) in LEGIT_FAMILIES:
            families += 1
            continue
        hits.append(match)
    raw = len(hits) + same_owner + families
    print(f"false positives: {raw} of {len(top):,} popular names flagged = {raw / len(top):.2%}"
          f"; excluding {same_owner} same-owner pairs (PyPI data for {len(owned)} projects"
          f"{'' if owned else ': ../shared/data/pypi absent'}) and {families} documented "
          f"families: {len(hits)} = {len(hits) / len(top):.2%}   (target ≤ 1 %)")
    for m in hits[: args.show]:
        print(f"  {m.name} (rank {m.name_rank}) ~ {m.target} (rank {m.target_rank}): {m.kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
