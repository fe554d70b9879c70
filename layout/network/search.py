"""One-to-many shortest-path search: a compiled heap Dijkstra over CSR arrays (numba, no GIL).

Each search starts from a point *on* an edge: both ends of that edge are seeded with the minutes (and metres)
of the partial edge, which is the same as joining a virtual node to them but needs no change to the graph. The
search tracks minutes and the metres of the route it keeps (the shortest-path tree) together, so metres cost
one addition per improved node instead of a second pass, and it stops as soon as every node a target point
hangs on is settled, or the limit is passed. A dead end (a node with one neighbour) is final as soon as its
neighbour is settled, so it never enters the queue. Sources are split into blocks searched by parallel threads.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed

import numpy as np
from numba import njit

__all__ = ["Csr", "csr_arrays", "search_targets", "PROGRESS_BLOCKS"]

log = logging.getLogger(__name__)

_BUCKET_SPREAD = 64.0    # slowest / quickest arc up to which Dial's buckets beat the heap (see _buckets)

#: With progress reporting, sources are searched in about this many blocks (each reports when done); without it a
#: single thread searches them all in one block. Each block allocates its node-sized arrays once.
PROGRESS_BLOCKS = 100

Csr = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]   # indptr, head, minutes, metres, leaf


def csr_arrays(tail: np.ndarray, head: np.ndarray, minutes: np.ndarray, metres: np.ndarray, n: int) -> Csr:
    """Arcs grouped by tail node, for :func:`search_targets`.

    Parameters
    ----------
    tail, head : ndarray of int
        Arc ends (node numbers below ``n``).
    minutes, metres : ndarray
        Arc costs (zero is allowed).
    n : int
        Number of nodes.

    Returns
    -------
    indptr, head, minutes, metres : ndarray
        Arcs out of node ``u`` are ``indptr[u]:indptr[u + 1]``.
    leaf : ndarray of bool
        Nodes joined to exactly one other node (a dead end): every route to one passes that neighbour, so the
        search fixes its time as soon as the neighbour is settled, without queueing it.

    Example
    -------
    >>> ip, hd, mi, me, leaf = csr_arrays(np.array([1, 0]), np.array([0, 1]), np.array([2.0, 1.0]), np.ones(2), 2)
    >>> ip.tolist(), hd.tolist(), mi.tolist(), leaf.tolist()
    ([0, 1, 2], [1, 0], [1.0, 2.0], [True, True])
    """
    order = np.argsort(tail, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(tail, minlength=n), out=indptr[1:])
    tail, head = np.asarray(tail, np.int64), np.asarray(head, np.int64)
    lo, hi = np.minimum(tail, head), np.maximum(tail, head)
    pairs = np.sort((lo * n + hi)[lo != hi])
    pairs = pairs[np.concatenate([[True], pairs[1:] != pairs[:-1]])] if len(pairs) else pairs  # each pair once
    neighbours = np.bincount(pairs // n, minlength=n) + np.bincount(pairs % n, minlength=n)
    return (indptr, head[order].astype(np.int32), np.ascontiguousarray(minutes[order], dtype=np.float64),
            np.ascontiguousarray(metres[order], dtype=np.float64), neighbours == 1)


def search_targets(csr: Csr, seed_node: np.ndarray, seed_min: np.ndarray, seed_m: np.ndarray,
                   tu: np.ndarray, tv: np.ndarray, lu: np.ndarray, lv: np.ndarray, du: np.ndarray, dv: np.ndarray,
                   limit: float = math.inf, metres: bool = True, workers: int = 1,
                   on_progress: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Minutes (and metres of those routes) from every source to every target point.

    Parameters
    ----------
    csr : (indptr, head, minutes, metres)
        From :func:`csr_arrays`.
    seed_node : ndarray of int, shape (k, 2)
        The nodes each source starts from (``-1``: none).
    seed_min, seed_m : ndarray, shape (k, 2)
        Minutes and metres from the source to those nodes (``inf`` minutes: not allowed).
    tu, tv : ndarray of int, shape (t,)
        The two nodes each target hangs on.
    lu, lv : ndarray
        Minutes from those nodes to the target (``inf``: not allowed or not snapped).
    du, dv : ndarray
        Metres from those nodes to the target.
    limit : float
        Nodes farther than this (minutes) are not reached.
    metres : bool
        Whether to return metres (otherwise the second array is empty).
    workers : int
        Threads searching blocks of sources at once.
    on_progress : callable, optional
        Called with the number of sources just finished, after each block (in the calling thread); the sources
        are then split into about :data:`PROGRESS_BLOCKS` blocks.

    Returns
    -------
    minutes, metres : ndarray, shape (k, t)
        ``inf`` where unreachable. When the two ways to a target take equal minutes, the ``tu`` side counts.

    Example
    -------
    >>> csr = csr_arrays(np.array([0, 1]), np.array([1, 2]), np.array([1.0, 2.0]), np.array([10.0, 20.0]), 3)
    >>> mi, me = search_targets(csr, np.array([[0, -1]]), np.array([[0.5, np.inf]]), np.array([[5.0, 0.0]]),
    ...                         np.array([2]), np.array([2]), np.array([0.0]), np.array([np.inf]),
    ...                         np.array([0.0]), np.array([0.0]))
    >>> float(mi[0, 0]), float(me[0, 0])
    (3.5, 35.0)
    """
    indptr, head, w_min, w_m, leaf = csr
    n = len(indptr) - 1
    k, t = len(seed_node), len(tu)
    out_min = np.full((k, t), np.inf)
    out_m = np.full((k, t) if metres else (0, 0), np.inf)
    if k == 0 or t == 0 or n == 0:
        return out_min, out_m
    tu, tv = np.asarray(tu, np.int64), np.asarray(tv, np.int64)
    lu, lv = np.asarray(lu, np.float64), np.asarray(lv, np.float64)
    is_target = np.zeros(n, np.bool_)
    is_target[tu[np.isfinite(lu)]] = True
    is_target[tv[np.isfinite(lv)]] = True
    args = (indptr, head, w_min, w_m, leaf, np.asarray(seed_node, np.int64), np.asarray(seed_min, np.float64),
            np.asarray(seed_m, np.float64), tu, tv, lu, lv, np.asarray(du, np.float64), np.asarray(dv, np.float64),
            is_target, int(is_target.sum()), float(limit), bool(metres), *_buckets(w_min))
    workers = max(1, min(int(workers), k))
    # a few blocks per thread, so threads that finish early take more; more blocks when reporting progress
    n_blocks = 1 if workers == 1 else min(k, 4 * workers)
    if on_progress is not None:
        n_blocks = max(n_blocks, min(k, PROGRESS_BLOCKS))
    log.debug("searching from %d sources to %d targets on %d nodes: %s queue, %d blocks, %d threads", k, t, n,
              "bucket" if args[-1] else "heap", n_blocks, workers)
    bounds = np.linspace(0, k, n_blocks + 1).astype(int)
    blocks = [(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]
    if workers == 1:
        for a, b in blocks:
            _search_block(*args, a, b, out_min, out_m)
            if on_progress is not None:
                on_progress(b - a)
        return out_min, out_m
    with ThreadPoolExecutor(workers) as pool:
        jobs = {pool.submit(_search_block, *args, a, b, out_min, out_m): b - a for a, b in blocks}
        for job in as_completed(jobs):
            job.result()
            if on_progress is not None:
                on_progress(jobs[job])
    return out_min, out_m


def _buckets(w_min: np.ndarray) -> tuple[float, int]:
    """Bucket width and count for Dial's queue, or ``(0.0, 0)`` for the heap.

    Buckets need every arc to take some time, and pay off when the slowest arc is at most ``_BUCKET_SPREAD``
    times the quickest (the search then steps through at most that many empty buckets per arc of a route);
    real road data with very short edges gets the heap.
    """
    if not len(w_min):
        return 0.0, 0
    lo, hi = float(w_min.min()), float(w_min.max())
    if not lo > 0 or hi > _BUCKET_SPREAD * lo or not np.isfinite(hi):
        return 0.0, 0
    delta = lo * (1.0 - 1e-9)                # strictly below the quickest arc, whatever the rounding
    return delta, int(hi / delta) + 2


@njit(nogil=True, cache=True)
def _search_block(indptr, head, w_min, w_m, leaf, seed_node, seed_min, seed_m, tu, tv, lu, lv, du, dv, is_target,
                  n_target_nodes, limit, want_m, delta, nb, s_lo, s_hi, out_min, out_m):  # pragma: no cover
    """Dijkstra from sources ``s_lo:s_hi``; writes rows of ``out_min`` / ``out_m``.

    With ``nb == 0`` the queue is an indexed 4-ary heap with decrease-key (``pos``: a node's place in it, ``-1``
    outside). With ``nb > 0`` it is a ring of ``nb`` buckets ``delta`` minutes wide, ``delta`` below the shortest
    arc: no node in the lowest bucket can improve another, so all of them are settled in any order (Dial's
    algorithm); entries left behind by an improvement are skipped when met.
    """
    n = len(indptr) - 1
    dist = np.full(n, np.inf)
    met = np.zeros(n)
    touched = np.empty(n, np.int64)
    use_b = nb > 0
    pos = np.full(0 if use_b else n, -1, np.int64)
    hk = np.empty(0 if use_b else n)
    hv = np.empty(0 if use_b else n, np.int64)
    cap = len(head) + 3 if use_b else 0    # a node enters a bucket only when it improves: once per arc + seeds
    ekey = np.empty(cap)
    enode = np.empty(cap, np.int64)
    enext = np.empty(cap, np.int64)
    bhead = np.full(max(nb, 0), -1, np.int64)
    for s in range(s_lo, s_hi):
        n_touched = 0
        size = 0                             # heap entries, or bucket entries (live and left behind)
        nent = 0
        cur = 0
        first = True
        for q in range(2):
            x = seed_node[s, q]
            d0 = seed_min[s, q]
            if x < 0 or not d0 <= limit or not d0 < dist[x]:
                continue
            if dist[x] == np.inf:
                touched[n_touched] = x
                n_touched += 1
            dist[x] = d0
            met[x] = seed_m[s, q]
            if use_b:
                slot = int(d0 / delta)
                cur = slot if first else min(cur, slot)
                first = False
                ekey[nent] = d0
                enode[nent] = x
                enext[nent] = bhead[slot % nb]
                bhead[slot % nb] = nent
                nent += 1
                size += 1
            else:
                size = _decrease(hk, hv, pos, size, d0, x)
        remaining = n_target_nodes
        while size > 0 and remaining > 0:
            if use_b:
                slot = cur % nb
                e = bhead[slot]
                if e < 0:
                    cur += 1
                    continue
                bhead[slot] = enext[e]
                size -= 1
                u = enode[e]
                d = ekey[e]
                if d > dist[u]:              # left behind: u was reached quicker since
                    continue
            else:
                d = hk[0]
                u = hv[0]
                size = _pop(hk, hv, pos, size)
            if is_target[u]:
                remaining -= 1
            for a in range(indptr[u], indptr[u + 1]):
                v = head[a]
                nd = d + w_min[a]
                if nd < dist[v] and nd <= limit:
                    if dist[v] == np.inf:
                        touched[n_touched] = v
                        n_touched += 1
                    dist[v] = nd
                    if want_m:
                        met[v] = met[u] + w_m[a]
                    if leaf[v] and (use_b or pos[v] < 0):
                        # a dead end reached from its only neighbour is settled now (in the heap it may still
                        # sit as a seed; in a bucket a seed entry is left behind and skipped)
                        if is_target[v]:
                            remaining -= 1
                        continue
                    if use_b:
                        slot = int(nd / delta) % nb
                        ekey[nent] = nd
                        enode[nent] = v
                        enext[nent] = bhead[slot]
                        bhead[slot] = nent
                        nent += 1
                        size += 1
                    else:
                        size = _decrease(hk, hv, pos, size, nd, v)
        for j in range(len(tu)):
            a_min = dist[tu[j]] + lu[j]
            b_min = dist[tv[j]] + lv[j]
            if a_min <= b_min:
                out_min[s, j] = a_min
                if want_m and a_min < np.inf:
                    out_m[s, j] = met[tu[j]] + du[j]
            else:
                out_min[s, j] = b_min
                if want_m:
                    out_m[s, j] = met[tv[j]] + dv[j]
        if use_b:                            # stopped early: empty the buckets
            bhead[:] = -1
        else:
            for i in range(size):
                pos[hv[i]] = -1
        for i in range(n_touched):
            dist[touched[i]] = np.inf


@njit(nogil=True, cache=True, inline="always")
def _decrease(hk, hv, pos, size, key, node):  # pragma: no cover - compiled
    """Insert ``node`` with ``key``, or lower its key if it is queued; returns the new size."""
    i = pos[node]
    if i < 0:
        i = size
        size += 1
    while i > 0:
        p = (i - 1) >> 2
        if hk[p] <= key:
            break
        hk[i] = hk[p]
        hv[i] = hv[p]
        pos[hv[i]] = i
        i = p
    hk[i] = key
    hv[i] = node
    pos[node] = i
    return size


@njit(nogil=True, cache=True, inline="always")
def _pop(hk, hv, pos, size):  # pragma: no cover - compiled
    """Remove the smallest entry (the caller read it from ``hk[0]``, ``hv[0]``); returns the new size."""
    pos[hv[0]] = -1
    size -= 1
    if size == 0:
        return 0
    key = hk[size]
    node = hv[size]
    i = 0
    while True:
        c = 4 * i + 1
        if c >= size:
            break
        best = c
        bk = hk[c]
        for cc in range(c + 1, min(c + 4, size)):
            if hk[cc] < bk:
                bk = hk[cc]
                best = cc
        if bk >= key:
            break
        hk[i] = bk
        hv[i] = hv[best]
        pos[hv[i]] = i
        i = best
    hk[i] = key
    hv[i] = node
    pos[node] = i
    return size
