"""Typosquat benchmark: speed on 100,000 names, recall on real typosquats, false positives.

    python benchmarks/typosquat.py [--names 100000] [--show 40] [--misses dev|held-out|all]

* speed: 100,000 generated names (real top names, one-edit mutations of them, random
  names) checked against the shipped top-15,000 ranking, index build included. Target ≤ 10 s.
* recall: benchmarks/data/typosquats.tsv, real PyPI typosquats with the target their source
  names (or, marked ``target_inferred=yes``, the one popular name they spell): a curated
  collection, and every package of kam193's typosquatting campaigns, collected by a fixed
  rule without seeing the detector (benchmarks/data/typosquats-kam193.md). A pair counts
  as found when the name is flagged *with that target* (at any level; "risk only" too).
  The pairs are split by a hash of the name into a development half, the only one used to
  tune the rules, and a held-out half; recall is reported for both, for all pairs, and for
  named and inferred targets, over the pairs whose target is ranked and over all pairs.
* false positives: every top-15,000 name checked against the others with the same rules
  (a name is flagged only when a much more popular name looks like it). Same-owner pairs
  are excluded, as ``vet`` does online: PyPI ``ownership`` (maintainers, organisation) of
  every name in a flagged pair is recorded in benchmarks/data/pypi-owners.tsv
  (``--fetch-owners`` refreshes it from PyPI's JSON API, for the pairs the current rules
  flag); ../shared/data/pypi adds more when present. Documented legitimate families are
  listed separately. Target ≤ 1 %. The last block shows, for each rule, the pairs it
  catches per half and the popular names it flags.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import gzip
import hashlib
import json
import random
import string
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from packaging.utils import canonicalize_name  # noqa: E402

from pipwarden.checks.typosquat import TyposquatIndex, shared_owner  # noqa: E402
from pipwarden.toplist import load_toplist  # noqa: E402

PAIRS = Path(__file__).parent / "data" / "typosquats.tsv"
OWNERS = Path(__file__).parent / "data" / "pypi-owners.tsv"
NEW_PACKAGE_DAYS = 90  # vet's default new-package threshold
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


def owner_rows() -> dict[str, tuple[str, str, str, str]]:
    """The recorded rows (name, user names, organisation, first upload) by name."""
    rows: dict[str, tuple[str, str, str, str]] = {}
    if OWNERS.is_file():
        for line in OWNERS.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                name, users, org, first = [*line.split("\t"), "", "", ""][:4]
                rows[name] = (name, users, org, first)
    return rows


def load_owned() -> dict[str, dict[str, object]]:
    """PyPI ``ownership`` by name: the recorded snapshot, then ../shared/data/pypi."""
    data: dict[str, dict[str, object]] = {}
    for name, users, org, first in owner_rows().values():
        roles = [{"role": "Owner", "user": u} for u in users.split(",") if u]
        data[canonicalize_name(name)] = {
            "ownership": {"roles": roles, "organization": org or None},
            "first_upload": first or None,
        }
    if SHARED_PYPI.is_dir():
        for f in SHARED_PYPI.glob("*.json.gz"):
            data[canonicalize_name(f.name[: -len(".json.gz")])] = json.loads(
                gzip.decompress(f.read_bytes())
            )
    return data


def fetch_owners(names: set[str]) -> None:
    """Record PyPI ``ownership`` and first upload date of ``names`` (keeping what is
    recorded for others)."""
    import os
    import urllib.error
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    base = os.environ.get("PIPWARDEN_PYPI_URL", "https://pypi.org").rstrip("/")

    def one(name: str) -> tuple[str, str, str, str] | None:
        url = f"{base}/pypi/{name}/json"
        for attempt in range(4):
            try:
                with urllib.request.urlopen(url, timeout=60) as resp:
                    data = json.load(resp)
                own = data.get("ownership") or {}
                users = sorted({str(r["user"]).lower() for r in own.get("roles") or []
                                if isinstance(r, dict) and r.get("user")})
                org = str(own.get("organization") or "").lower()
                uploads = [f.get("upload_time_iso_8601") or f.get("upload_time") or ""
                           for files in (data.get("releases") or {}).values()
                           for f in files or [] if isinstance(f, dict)]
                first = min((u for u in uploads if u), default="")[:10]
                return name, ",".join(users), org, first
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
            except OSError:
                pass
            time.sleep(1 + 2 * attempt)
        return None

    rows = owner_rows()
    names = {n for n in names if n not in rows or not rows[n][3]}
    with ThreadPoolExecutor(16) as pool:
        for row in pool.map(one, sorted(names)):
            if row is not None:
                rows[row[0]] = row
    header = (f"# PyPI ownership (maintainer user names, organisation) and first upload date "
              f"of the names in pairs the typosquat rules flag among the top 15,000, and of "
              f"the popular names built on another ranked name; from "
              f"{base}/pypi/<name>/json, {time.strftime('%Y-%m-%d')}.\n")
    tmp = OWNERS.with_suffix(".tmp")
    tmp.write_text(header + "".join("\t".join(r) + "\n" for _, r in sorted(rows.items())),
                   encoding="utf-8")
    tmp.replace(OWNERS)
    print(f"recorded ownership of {len(names)} names in {OWNERS}")


def half_of(name: str) -> str:
    """Deterministic split: the first byte of the SHA-256 of the normalised name."""
    digest = hashlib.sha256(canonicalize_name(name).encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "held-out"


def load_pairs() -> list[dict[str, Any]]:
    with PAIRS.open(encoding="utf-8") as fh:
        lines = (line for line in fh if not line.startswith("#"))
        rows: list[dict[str, Any]] = list(csv.DictReader(lines, delimiter="\t"))
    for row in rows:
        row["targets"] = {canonicalize_name(t) for t in row["target"].split("|")}
        row["half"] = half_of(row["typosquat"])
        row["collection"] = row.get("collection") or "curated"
    return rows


def recall_line(results: list[tuple[dict[str, Any], Any]], top: Any) -> str:
    """Recall over pairs whose target is ranked (any flag / risk only), and over all pairs."""
    ranked = [(r, m) for r, m in results if any(t in top for t in r["targets"])]

    def hit(r: dict[str, Any], m: Any, risk_only: bool = False) -> bool:
        return m is not None and m.target in r["targets"] and (not risk_only or m.level == "risk")

    n, k = len(ranked), sum(hit(r, m) for r, m in ranked)
    k_risk = sum(hit(r, m, True) for r, m in ranked)
    a = sum(hit(r, m) for r, m in results)
    return (f"{k}/{n} = {k / max(n, 1):.1%} of pairs with a ranked target "
            f"(risk only {k_risk}/{n} = {k_risk / max(n, 1):.1%}); "
            f"{a}/{len(results)} = {a / max(len(results), 1):.1%} of all pairs")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--show", type=int, default=40, help="flagged popular names to list")
    parser.add_argument("--misses", choices=("dev", "held-out", "all"), default=None,
                        help="list the missed pairs of one half (tune on dev only)")
    parser.add_argument("--fetch-owners", action="store_true",
                        help="record PyPI ownership of the flagged popular pairs (network)")
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
    rows = load_pairs()
    results = [(row, index.check(row["typosquat"])) for row in rows]
    for label, pick in (
        ("development half", lambda r: r["half"] == "dev"),
        ("held-out half", lambda r: r["half"] == "held-out"),
        ("all pairs", lambda r: True),
        ("all, target named by the source", lambda r: r["target_inferred"] == "no"),
        ("all, target inferred", lambda r: r["target_inferred"] == "yes"),
        ("curated collection", lambda r: r["collection"] == "curated"),
        ("kam193 campaigns (collected blind to the detector)",
         lambda r: r["collection"] == "kam193"),
    ):
        print("recall, " + label + ": " + recall_line([(r, m) for r, m in results if pick(r)], top))
    if args.misses:
        for row, match in results:
            if args.misses != "all" and row["half"] != args.misses:
                continue
            if match is None or match.target not in row["targets"]:
                said = f" (said {match.target}: {match.kind})" if match else ""
                ranked = any(t in top for t in row["targets"])
                print(f"  missed [{row['half']}]{'' if ranked else ' [unranked]'}: "
                      f"{row['typosquat']} → {'|'.join(row['targets'])}{said}")

    # -- false positives --------------------------------------------------------------------
    if args.fetch_owners:
        involved: set[str] = set()
        for name in top.names:
            match = index.check(name) or index.builds_on(name)
            if match is not None:
                involved |= {canonicalize_name(name), match.target}
        fetch_owners(involved)
    owned = load_owned()
    hits = []
    same_owner = families = 0
    for name in top.names:
        match = index.check(name)
        if match is None:
            continue
        if shared_owner(owned.get(name), owned.get(match.target)):
            same_owner += 1
            continue
        if (name, match.target) in LEGIT_FAMILIES:
            families += 1
            continue
        hits.append(match)
    raw = len(hits) + same_owner + families
    print(f"false positives: {raw} of {len(top):,} popular names flagged = {raw / len(top):.2%}"
          f"; excluding {same_owner} same-owner pairs (PyPI ownership of {len(owned)} "
          f"projects) and {families} documented "
          f"families: {len(hits)} = {len(hits) / len(top):.2%}   (target ≤ 1 %)")
    risk = [m for m in hits if m.level == "risk"]
    print(f"  of which at level risk: {len(risk)} = {len(risk) / len(top):.2%}; "
          f"at level warn (looks like an add-on): {len(hits) - len(risk)}")
    for m in hits[: args.show]:
        print(f"  {m.name} (rank {m.name_rank}) ~ {m.target} (rank {m.target_rank}): "
              f"{m.kind} [{m.level}]")

    # -- what each rule catches and costs ---------------------------------------------------
    caught: Counter[tuple[str, str]] = Counter()
    for row, match in results:
        if match is not None and match.target in row["targets"]:
            caught[(row["half"], match.kind)] += 1
    cost = Counter(m.kind for m in hits)
    # -- names built on a popular one: vet reports them only when the package is new ------
    when = (top.last_update or "")[:10]
    if when:
        snapshot = datetime.date.fromisoformat(when)
        shaped = flagged_new = undated = 0
        examples = []
        for name in top.names:
            if index.check(name) is not None:
                continue
            addon = index.builds_on(name)
            if addon is None:
                continue
            shaped += 1
            first = (owned.get(canonicalize_name(name)) or {}).get("first_upload")
            if not first:
                undated += 1
                continue
            age = (snapshot - datetime.date.fromisoformat(str(first))).days
            if shared_owner(owned.get(name), owned.get(addon.target)):
                continue
            if age < NEW_PACKAGE_DAYS:
                flagged_new += 1
                examples.append(f"{name} ~ {addon.target} ({age} days)")
        print(f"vet's new-package rule: {shaped:,} popular names are built on a more popular "
              f"one; {flagged_new} of them were under {NEW_PACKAGE_DAYS} days old at the "
              f"ranking date ({when}) and not published by the target's owners "
              f"({undated} without a recorded first upload): {flagged_new / len(top):.2%}")
        if examples:
            print("  " + ", ".join(examples[: args.show]))
        ranked_rows = [(r, m) for r, m in results if any(t in top for t in r["targets"])]
        both = sum(
            1 for r, m in ranked_rows
            if (m is not None and m.target in r["targets"])
            or ((b := index.builds_on(r["typosquat"])) is not None and b.target in r["targets"])
        )
        print(f"recall with that rule, if every real typosquat is vetted within "
              f"{NEW_PACKAGE_DAYS} days of its first upload (an assumption, not a "
              f"measurement): {both}/{len(ranked_rows)} = {both / len(ranked_rows):.1%}")

    print("by rule: pairs caught (development / held-out) and popular names flagged")
    for kind in sorted({k for _, k in caught} | set(cost)):
        print(f"  {kind:58s} {caught[('dev', kind)]:3d} / {caught[('held-out', kind)]:3d}"
              f"   flagged {cost[kind]:3d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
