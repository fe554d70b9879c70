"""Compiled (numba) location moves of the capacitated p-median at large p: "close an open site, open a nearby
closed one", evaluated on the few points it touches, every step within capacity.

A move closes the open site ``u`` and opens ``b``: ``u``'s points (largest demand first) each go to the cheapest
open site with room among their listed nearest sites (``near``; the move is not made when one finds none), then
the points that list ``b`` (``ptr``/``idx``, CSR by site, cheapest first) move to ``b`` when it is cheaper and
has room. Its cost change is exact for the assignment it produces, and it touches only those points, so one
pass over all p open sites with every listed candidate costs O(n·p + p·k·(cluster + list)), milliseconds at
3,038 points and p = 1,000 (the site moves of :mod:`layout.locate._capacitated_kernels` re-place every point,
n·p per trial, too slow there).

The kernels have explicit signatures and are imported on first use (:mod:`layout.locate._compiled`).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["relocate_pass", "force_move", "point_pass"]

_EPS = 1e-9


@numba.njit(cache=True)
def _members(assign, u, members):  # pragma: no cover - compiled
    """Points of site ``u`` into ``members``; returns how many."""
    nm = 0
    for i in range(assign.shape[0]):
        if assign[i] == u:
            members[nm] = i
            nm += 1
    return nm


@numba.njit(cache=True)
def _by_demand(q, members, nm):  # pragma: no cover - compiled
    """Sort ``members[:nm]`` by demand, largest first (insertion sort: clusters are small)."""
    for r in range(1, nm):
        x = members[r]
        s = r - 1
        while s >= 0 and q[members[s]] < q[x]:
            members[s + 1] = members[s]
            s -= 1
        members[s + 1] = x


@numba.njit(cache=True)
def _trial(cost, q, cap, opn, assign, load, is_open, near, ptr, idx, u, b, members, nm, moved_i,
           moved_from):  # pragma: no cover - compiled
    """Apply "close ``u``, open ``b``" in place; returns (cost change, moves recorded); inf when infeasible."""
    is_open[u] = False
    is_open[b] = True
    nmv = 0
    delta = 0.0
    k_near = near.shape[1]
    for r in range(nm):
        i = members[r]
        best_c, best_v = np.inf, -1
        for k in range(k_near):
            v = near[i, k]
            if v >= 0 and is_open[v] and load[v] + q[i] <= cap[v] + _EPS and cost[i, v] < best_c:
                best_c, best_v = cost[i, v], v
        if best_v < 0:  # none of its listed sites is open with room: the move is not tried (a scan of all
            return np.inf, nmv  # open sites here made a pass at p = 1,000 many times slower, for moves of no use)
        delta += best_c - cost[i, u]
        moved_i[nmv] = i
        moved_from[nmv] = u
        nmv += 1
        assign[i] = best_v
        load[u] -= q[i]
        load[best_v] += q[i]
    for s in range(ptr[b], ptr[b + 1]):
        i = idx[s]
        v = assign[i]
        if v == b:
            continue
        d = cost[i, b] - cost[i, v]
        if d < 0.0 and load[b] + q[i] <= cap[b] + _EPS:
            moved_i[nmv] = i
            moved_from[nmv] = v
            nmv += 1
            assign[i] = b
            load[v] -= q[i]
            load[b] += q[i]
            delta += d
    return delta, nmv


@numba.njit(cache=True)
def _undo(q, assign, load, is_open, u, b, moved_i, moved_from, nmv):  # pragma: no cover - compiled
    for r in range(nmv - 1, -1, -1):
        i = moved_i[r]
        load[assign[i]] -= q[i]
        assign[i] = moved_from[r]
        load[moved_from[r]] += q[i]
    is_open[u] = True
    is_open[b] = False


@numba.njit("Tuple((int64, float64))(float64[:, ::1], float64[::1], float64[::1], int64[::1], int64[::1], "
            "float64[::1], boolean[::1], boolean[::1], boolean[::1], int64[:, ::1], int64[::1], int64[::1], "
            "int64[::1], int64[::1])", cache=True)
def relocate_pass(cost, q, cap, opn, assign, load, is_open, movable, is_cand, near, ptr, idx,
                  order, far):  # pragma: no cover - compiled
    """One pass of location moves: for each open site (in ``order``, positions in ``opn``), the best move
    "close it, open a closed candidate listed by one of its points, or one of the sites ``far``", applied when
    it lowers the cost (``far``: sites anywhere, such as those that would attract the most savings, so that a
    site can move from where sites are in excess to where they are short).

    ``opn``, ``assign``, ``load`` (per site) and ``is_open`` (per site) are updated in place; capacities hold at
    every step. ``movable`` (per site) is False for sites that must stay open.

    Returns
    -------
    (moves, gain)
        Moves applied and the cost they saved.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 1.0], [5.0, 0.0, 1.0], [9.0, 9.0, 0.0]])
    >>> opn, assign = np.array([0, 2]), np.array([0, 0, 2])
    >>> load = np.array([2.0, 0.0, 1.0]); is_open = np.array([True, False, True])
    >>> near = np.array([[0, 2], [1, 2], [2, 1]])
    >>> ptr, idx = np.array([0, 1, 3, 6]), np.array([0, 1, 2, 0, 1, 2])
    >>> relocate_pass(cost, np.ones(3), np.full(3, 2.0), opn, assign, load, is_open, np.ones(3, bool),
    ...               np.ones(3, bool), near, ptr, idx, np.array([0, 1]), np.array([], np.int64))
    (1, 4.0)
    >>> sorted(opn.tolist()), assign.tolist()
    ([1, 2], [2, 1, 2])
    """
    n = assign.shape[0]
    m = cost.shape[1]
    members = np.empty(n, np.int64)
    moved_i = np.empty(2 * n + 1, np.int64)
    moved_from = np.empty(2 * n + 1, np.int64)
    stamp = np.full(m, -1, np.int64)
    cands = np.empty(m, np.int64)
    moves = 0
    gain = 0.0
    for t in range(order.shape[0]):
        a = order[t]
        u = opn[a]
        if not movable[u]:
            continue
        nm = _members(assign, u, members)
        _by_demand(q, members, nm)
        nc = 0
        for r in range(nm):
            i = members[r]
            for k in range(near.shape[1]):
                b = near[i, k]
                if b >= 0 and not is_open[b] and is_cand[b] and stamp[b] != t:
                    stamp[b] = t
                    cands[nc] = b
                    nc += 1
        for r in range(far.shape[0]):
            b = far[r]
            if not is_open[b] and is_cand[b] and stamp[b] != t:
                stamp[b] = t
                cands[nc] = b
                nc += 1
        best_delta, best_b = -_EPS, -1
        for c in range(nc):
            b = cands[c]
            delta, nmv = _trial(cost, q, cap, opn, assign, load, is_open, near, ptr, idx, u, b, members, nm,
                                moved_i, moved_from)
            _undo(q, assign, load, is_open, u, b, moved_i, moved_from, nmv)
            if delta < best_delta:
                best_delta, best_b = delta, b
        if best_b >= 0:
            delta, nmv = _trial(cost, q, cap, opn, assign, load, is_open, near, ptr, idx, u, best_b, members, nm,
                                moved_i, moved_from)
            if delta < 0.0:
                opn[a] = best_b
                load[u] = 0.0
                moves += 1
                gain -= delta
            else:  # cannot happen (the same trial again), kept safe
                _undo(q, assign, load, is_open, u, best_b, moved_i, moved_from, nmv)
    return moves, gain


@numba.njit("float64(float64[:, ::1], float64[::1], float64[::1], int64[::1], int64[::1], float64[::1], "
            "boolean[::1], int64[:, ::1], int64[::1], int64[::1], int64, int64)", cache=True)
def force_move(cost, q, cap, opn, assign, load, is_open, near, ptr, idx, a, b):  # pragma: no cover - compiled
    """Apply "close ``opn[a]``, open ``b``" whatever its cost (a shake); returns the cost change, or inf (and
    nothing changed) when a point of the closed site finds no open site with room.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0], [5.0, 0.0]])
    >>> opn, assign, load, is_open = np.array([1]), np.array([1, 1]), np.array([0.0, 2.0]), np.array([False, True])
    >>> float(force_move(cost, np.ones(2), np.full(2, 2.0), opn, assign, load, is_open, np.array([[0, 1], [1, 0]]),
    ...                  np.array([0, 2, 4]), np.array([0, 1, 1, 0]), 0, 0))
    0.0
    >>> opn.tolist(), assign.tolist()
    ([0], [0, 0])
    """
    n = assign.shape[0]
    u = opn[a]
    members = np.empty(n, np.int64)
    moved_i = np.empty(2 * n + 1, np.int64)
    moved_from = np.empty(2 * n + 1, np.int64)
    nm = _members(assign, u, members)
    _by_demand(q, members, nm)
    delta, nmv = _trial(cost, q, cap, opn, assign, load, is_open, near, ptr, idx, u, b, members, nm, moved_i,
                        moved_from)
    if not delta < np.inf:
        _undo(q, assign, load, is_open, u, b, moved_i, moved_from, nmv)
        return np.inf
    opn[a] = b
    load[u] = 0.0
    return delta


@numba.njit("Tuple((int64, float64))(float64[:, ::1], float64[::1], float64[::1], int64[::1], float64[::1], "
            "boolean[::1], int64[:, ::1])", cache=True)
def point_pass(cost, q, cap, assign, load, is_open, near):  # pragma: no cover - compiled
    """One pass of point moves among listed sites: each point's best *shift* to an open site it lists that has
    room, then its best *swap* with a point of such a site (both sites within capacity after it).

    ``assign`` and ``load`` are updated in place. The members of each site are listed once at the start of the
    pass; a point that has moved since is skipped as a swap partner.

    Returns
    -------
    (moves, gain)

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[5.0, 1.0], [1.0, 5.0]])
    >>> assign, load = np.array([0, 1]), np.array([1.0, 1.0])
    >>> point_pass(cost, np.ones(2), np.ones(2), assign, load, np.array([True, True]), np.array([[1, 0], [0, 1]]))
    (1, 8.0)
    >>> assign.tolist(), load.tolist()
    ([1, 0], [1.0, 1.0])
    """
    n = assign.shape[0]
    m = cost.shape[1]
    ptr = np.zeros(m + 1, np.int64)
    for i in range(n):
        ptr[assign[i] + 1] += 1
    for j in range(m):
        ptr[j + 1] += ptr[j]
    fill = ptr[:-1].copy()
    mem = np.empty(n, np.int64)
    for i in range(n):
        mem[fill[assign[i]]] = i
        fill[assign[i]] += 1
    moves = 0
    gain = 0.0
    for i in range(n):
        u = assign[i]
        best_d, best_v = -_EPS, -1
        for k in range(near.shape[1]):
            v = near[i, k]
            if v < 0 or v == u or not is_open[v] or load[v] + q[i] > cap[v] + _EPS:
                continue
            d = cost[i, v] - cost[i, u]
            if d < best_d:
                best_d, best_v = d, v
        if best_v >= 0:
            assign[i] = best_v
            load[u] -= q[i]
            load[best_v] += q[i]
            moves += 1
            gain -= best_d
            continue
        best_d, best_k = -_EPS, -1
        for k in range(near.shape[1]):
            v = near[i, k]
            if v < 0 or v == u or not is_open[v]:
                continue
            for s in range(ptr[v], ptr[v + 1]):
                j = mem[s]
                if assign[j] != v:
                    continue
                dq = q[j] - q[i]
                if load[u] + dq > cap[u] + _EPS or load[v] - dq > cap[v] + _EPS:
                    continue
                d = cost[i, v] + cost[j, u] - cost[i, u] - cost[j, v]
                if d < best_d:
                    best_d, best_k = d, j
        if best_k >= 0:
            v = assign[best_k]
            dq = q[best_k] - q[i]
            assign[i] = v
            assign[best_k] = u
            load[u] += dq
            load[v] -= dq
            moves += 1
            gain -= best_d
    return moves, gain
