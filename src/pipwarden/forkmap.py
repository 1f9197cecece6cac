"""Per-file work of a large project scan spread over forked copies of this process.

The project scans (the secret scan, slim's import scan) read and parse thousands of files;
on a machine with several CPUs, the files that must be read (those the per-file cache does
not answer) are dealt out by size to workers forked from this process. A worker only
reads files and returns plain results; it never runs anything from the project. Forking
happens only from a single-threaded process (a fork copies one thread: a lock another
thread held would stay locked in the child) and only where ``fork`` exists; otherwise
:func:`forked_map` returns ``None`` and the caller does the work itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["MIN_BYTES", "forked_map", "map_files", "worker_count"]

#: Below this many bytes a scan stays in one process: a worker costs more than it saves.
MIN_BYTES = 16 * 1024 * 1024


def worker_count() -> int:
    """Processes for a large scan: ``PIPWARDEN_SCAN_WORKERS``, else the CPUs this process
    may use, at most 4 (1: one process)."""
    raw = os.environ.get("PIPWARDEN_SCAN_WORKERS", "").strip()
    if raw.isdigit():
        return max(1, min(int(raw), 16))
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = os.cpu_count() or 1
    return max(1, min(usable, 4))


def forked_map(
    task: Callable[[list[Any]], list[Any]],
    items: Sequence[Any],
    sizes: Sequence[int],
    workers: int,
) -> list[Any] | None:
    """``task`` over chunks of ``items`` in ``workers`` forked processes, the items dealt
    out by ``sizes`` (largest first, to the lightest chunk); one result per item, in the
    items' order. ``None`` when forking is not possible here (see the module docstring)."""
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    if threading.active_count() != 1 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    chunks: list[list[int]] = [[] for _ in range(workers * 4)]
    loads = [0] * len(chunks)
    for index in sorted(range(len(items)), key=lambda i: -sizes[i]):
        lightest = loads.index(min(loads))
        chunks[lightest].append(index)
        loads[lightest] += sizes[index]
    chunks = [sorted(chunk) for chunk in chunks if chunk]
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            parts = list(pool.map(task, [[items[i] for i in c] for c in chunks]))
    except (OSError, NotImplementedError, BrokenProcessPool):
        return None
    results: dict[int, Any] = {}
    for chunk, part in zip(chunks, parts, strict=True):
        results.update(zip(chunk, part, strict=True))
    return [results[i] for i in range(len(items))]


def map_files(
    task: Callable[[list[Any]], list[Any]], items: list[Any], sizes: Sequence[int]
) -> list[Any]:
    """``task`` over the files ``items`` (of ``sizes`` bytes): by forked workers when
    there are several CPUs and the files add up to more than :data:`MIN_BYTES`, else (or
    where forking is not possible) in this process. One result per item, in order."""
    workers = worker_count()
    done = None
    if workers > 1 and len(items) > 1 and sum(sizes) > MIN_BYTES:
        done = forked_map(task, items, sizes, workers)
    return done if done is not None else task(items)
