"""Local back end: a pool of worker processes on this machine.

The county, its travel matrices and the standards are pickled once in the parent and sent with each chunk of
proposals as bytes; a worker unpickles them once and keeps the last few in memory, so the matrices computed in
the parent (the expensive part) are never recomputed in a worker.
"""

from __future__ import annotations

import hashlib
import os
import pickle
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from layout.batch.rows import BatchContext, ProposalItem, evaluate_item

__all__ = ["default_processes", "resolve_jobs", "make_pool", "run_local"]

_CONTEXTS: OrderedDict[str, BatchContext] = OrderedDict()   # in each worker: digest -> unpickled context
_KEEP = 4


def default_processes() -> int:
    """Cores this process may use (``os.sched_getaffinity`` where available)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:   # pragma: no cover - macOS / Windows
        return max(1, os.cpu_count() or 1)


def resolve_jobs(n_jobs: int | None) -> int:
    """Worker processes for ``n_jobs``, as in scikit-learn: ``None`` or 1 is this process, -1 every core, -2 all
    but one, …

    Example
    -------
    >>> resolve_jobs(None), resolve_jobs(3), resolve_jobs(-1) == default_processes()
    (1, 3, True)
    """
    if n_jobs is None:
        return 1
    n = int(n_jobs)
    if n == 0:
        raise ValueError("n_jobs=0 means no worker at all: give 1 (this process), N processes, or -1 (every core)")
    return n if n > 0 else max(1, default_processes() + 1 + n)


def make_pool(processes: int) -> ProcessPoolExecutor:
    """A process pool for :func:`run_local` (reuse one across the counties of a province run)."""
    import multiprocessing as mp

    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=processes, mp_context=mp.get_context(method))


def _context(digest: str, payload: bytes) -> BatchContext:
    ctx = _CONTEXTS.get(digest)
    if ctx is None:
        ctx = pickle.loads(payload)
        _CONTEXTS[digest] = ctx
        while len(_CONTEXTS) > _KEEP:
            _CONTEXTS.popitem(last=False)
    else:
        _CONTEXTS.move_to_end(digest)
    return ctx


def _run_chunk(digest: str, payload: bytes, items: list[tuple[int, ProposalItem]]) -> list[tuple[int, dict, float]]:
    from layout.progress import progress_disabled

    ctx = _context(digest, payload)
    with progress_disabled():   # a worker's bars would interleave on the batch's stderr (in Jupyter: in the cell)
        return [(i, *evaluate_item(ctx, item)) for i, item in items]


def _chunks(items: Sequence[tuple[int, ProposalItem]], n_chunks: int) -> list[list[tuple[int, ProposalItem]]]:
    n_chunks = max(1, min(n_chunks, len(items)))
    return [list(items[k::n_chunks]) for k in range(n_chunks)]


def run_local(ctx: BatchContext, items: Sequence[tuple[int, ProposalItem]], processes: int,
              executor: Executor | None = None, on_done: Callable[[int], None] | None = None
              ) -> Iterator[tuple[int, dict, float]]:
    """Evaluate ``items`` (position, proposal) and yield ``(position, row, seconds)`` as they finish.

    ``processes=1`` without an executor evaluates in this process (no pickling at all).
    """
    if not items:
        return
    if processes <= 1 and executor is None:
        for i, item in items:
            row, sec = evaluate_item(ctx, item)
            yield i, row, sec
        return
    payload = pickle.dumps(ctx, protocol=pickle.HIGHEST_PROTOCOL)
    digest = hashlib.sha1(payload).hexdigest()
    own = executor is None
    pool = make_pool(processes) if own else executor
    workers = getattr(pool, "_max_workers", processes)
    # a few chunks per worker: balances uneven proposals while sending the county only a few times
    chunks = _chunks(list(items), 4 * workers)
    try:
        futures = [pool.submit(_run_chunk, digest, payload, chunk) for chunk in chunks]
        for fut in as_completed(futures):
            yield from fut.result()
    finally:
        if own:
            pool.shutdown(wait=True, cancel_futures=True)
