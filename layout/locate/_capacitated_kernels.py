"""Compiled (numba) moves of the capacitated p-median local search (:mod:`layout.locate.capacitated_vns`).

A solution is the list of open sites ``opn``, each point's site ``assign`` and each site's ``load``. Moves are
judged by the *penalised* cost ``Σ_i c[i, assign_i] + α Σ_j max(0, load_j − Q_j)``, so the search may pass
through overloaded solutions on its way between feasible ones (strategic oscillation); the caller raises ``α``
until the local optimum it keeps is feasible. ``c`` is ``inf`` where a pair is not allowed and such a pair is
never used.

The kernels have explicit signatures so they compile (or load from numba's on-disk cache) when the module is
imported (on first use, before the solve's clock starts: :mod:`layout.locate._compiled`); callers pass exactly these types (float64 and int64 arrays, C-contiguous costs).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["penalised_cost", "improve_assignment", "site_swap_trial", "best_site_swap"]


@numba.njit("float64(float64, float64)", cache=True, inline="always")
def _over(load, cap):  # pragma: no cover - compiled
    return load - cap if load > cap else 0.0


@numba.njit("float64(float64[:, ::1], float64[::1], int64[::1], int64[::1], float64[::1], float64)", cache=True)
def penalised_cost(cost, cap, opn, assign, load, alpha):  # pragma: no cover - compiled
    """``Σ_i c[i, assign_i] + α Σ_{j open} max(0, load_j − Q_j)``.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[1.0, 4.0], [2.0, 3.0]])
    >>> float(penalised_cost(cost, np.array([1.0, 1.0]), np.array([0, 1]), np.array([0, 0]),
    ...                      np.array([2.0, 0.0]), 10.0))
    13.0
    """
    s = 0.0
    for i in range(assign.shape[0]):
        s += cost[i, assign[i]]
    for a in range(opn.shape[0]):
        s += alpha * _over(load[opn[a]], cap[opn[a]])
    return s


@numba.njit("void(float64[:, ::1], float64[::1], float64[::1], int64[::1], int64[::1], float64[::1], float64, "
            "boolean, int64)", cache=True)
def improve_assignment(cost, q, cap, opn, assign, load, alpha, swaps, max_pass):  # pragma: no cover - compiled
    """Move points between the open sites ``opn`` while the penalised cost falls (in place).

    Each pass tries, for every point, its best *shift* to another open site and then (when ``swaps``) every
    *swap* of two points at different sites; it stops after a pass without a move or after ``max_pass`` passes.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[5.0, 1.0], [1.0, 5.0]])
    >>> assign, load = np.array([0, 1]), np.array([1.0, 1.0])
    >>> improve_assignment(cost, np.ones(2), np.ones(2), np.array([0, 1]), assign, load, 10.0, True, 10)
    >>> assign.tolist(), load.tolist()
    ([1, 0], [1.0, 1.0])
    """
    n = assign.shape[0]
    p = opn.shape[0]
    for _ in range(max_pass):
        moved = False
        for i in range(n):
            u = assign[i]
            leave = alpha * (_over(load[u] - q[i], cap[u]) - _over(load[u], cap[u]))
            best, bv = -1e-9, -1
            for a in range(p):
                v = opn[a]
                if v == u:
                    continue
                d = cost[i, v] - cost[i, u] + leave + alpha * (_over(load[v] + q[i], cap[v]) - _over(load[v], cap[v]))
                if d < best:
                    best, bv = d, v
            if bv >= 0:
                assign[i] = bv
                load[u] -= q[i]
                load[bv] += q[i]
                moved = True
        if swaps:
            for i in range(n):
                for k in range(i + 1, n):
                    u = assign[i]
                    v = assign[k]
                    if u == v:
                        continue
                    dq = q[k] - q[i]
                    d = (cost[i, v] + cost[k, u] - cost[i, u] - cost[k, v]
                         + alpha * (_over(load[u] + dq, cap[u]) - _over(load[u], cap[u])
                                    + _over(load[v] - dq, cap[v]) - _over(load[v], cap[v])))
                    if d < -1e-9:
                        assign[i], assign[k] = v, u
                        load[u] += dq
                        load[v] -= dq
                        moved = True
        if not moved:
            return


@numba.njit("float64(float64[:, ::1], float64[::1], float64[::1], int64[::1], int64[::1], float64[::1], float64, "
            "int64, int64, int64[::1], int64[::1], float64[::1], int64[::1])", cache=True)
def site_swap_trial(cost, q, cap, opn, assign, load, alpha, a, b, trial_opn, trial_assign, trial_load,
                    order):  # pragma: no cover - compiled
    """Close ``opn[a]``, open site ``b`` and re-place points, into the ``trial_*`` arrays; returns their
    penalised cost (``inf`` when a point of the closed site has no allowed open site).

    The closed site's points are re-placed in ``order`` (largest demand first), each to its cheapest open site
    by penalised cost; then every point the new site would serve more cheaply is offered it, and one pass of
    shifts follows. ``trial_*`` are work arrays shaped like ``opn``, ``assign`` and ``load``.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 1.0], [5.0, 0.0, 1.0]])
    >>> opn, assign, load = np.array([0]), np.array([0, 0]), np.array([2.0, 0.0, 0.0])
    >>> t_opn, t_assign, t_load = opn.copy(), assign.copy(), load.copy()
    >>> float(site_swap_trial(cost, np.ones(2), np.full(3, 2.0), opn, assign, load, 10.0, 0, 2, t_opn,
    ...                       t_assign, t_load, np.array([0, 1])))
    2.0
    >>> t_opn.tolist(), t_assign.tolist()
    ([2], [2, 2])
    """
    n = assign.shape[0]
    p = opn.shape[0]
    closing = opn[a]
    trial_opn[:] = opn
    trial_opn[a] = b
    trial_assign[:] = assign
    trial_load[:] = load
    trial_load[closing] = 0.0
    trial_load[b] = 0.0
    for r in range(n):
        i = order[r]
        if assign[i] != closing:
            continue
        bc, bv = np.inf, -1
        for c in range(p):
            v = trial_opn[c]
            d = cost[i, v] + alpha * (_over(trial_load[v] + q[i], cap[v]) - _over(trial_load[v], cap[v]))
            if d < bc:
                bc, bv = d, v
        if bv < 0:
            return np.inf
        trial_assign[i] = bv
        trial_load[bv] += q[i]
    for i in range(n):
        u = trial_assign[i]
        if u == b or not cost[i, b] < cost[i, u]:
            continue
        d = (cost[i, b] - cost[i, u]
             + alpha * (_over(trial_load[b] + q[i], cap[b]) - _over(trial_load[b], cap[b])
                        + _over(trial_load[u] - q[i], cap[u]) - _over(trial_load[u], cap[u])))
        if d < 0:
            trial_assign[i] = b
            trial_load[u] -= q[i]
            trial_load[b] += q[i]
    improve_assignment(cost, q, cap, trial_opn, trial_assign, trial_load, alpha, False, 1)
    return penalised_cost(cost, cap, trial_opn, trial_assign, trial_load, alpha)


@numba.njit("UniTuple(int64, 2)(float64[:, ::1], float64[::1], float64[::1], int64[::1], int64[::1], float64[::1], "
            "float64, boolean[::1], int64[:, ::1], int64[::1], int64[::1], float64[::1], int64[::1])", cache=True)
def best_site_swap(cost, q, cap, opn, assign, load, alpha, movable, near, trial_opn, trial_assign, trial_load,
                   order):  # pragma: no cover - compiled
    """The best move "close open site ``opn[a]``, open ``near[a, t]``" by penalised cost after
    :func:`site_swap_trial`, or ``(-1, -1)`` when none lowers it.

    ``movable[a]`` is False for sites that must stay open; entries of ``near`` that are open or ``-1`` are
    skipped.

    Returns
    -------
    (a, b)
        Position in ``opn`` of the site to close and the site to open.

    Example
    -------
    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 1.0], [5.0, 0.0, 1.0]])
    >>> opn, assign, load = np.array([0]), np.array([0, 0]), np.array([2.0, 0.0, 0.0])
    >>> best_site_swap(cost, np.ones(2), np.full(3, 2.0), opn, assign, load, 10.0, np.array([True]),
    ...                np.array([[1, 2]]), opn.copy(), assign.copy(), load.copy(), np.array([0, 1]))
    (0, 2)
    """
    p = opn.shape[0]
    current = penalised_cost(cost, cap, opn, assign, load, alpha)
    best, best_a, best_b = current - 1e-9 * max(1.0, abs(current)), -1, -1
    for a in range(p):
        if not movable[a]:
            continue
        for t in range(near.shape[1]):
            b = near[a, t]
            if b < 0:
                continue
            is_open = False
            for c in range(p):
                if opn[c] == b:
                    is_open = True
            if is_open:
                continue
            value = site_swap_trial(cost, q, cap, opn, assign, load, alpha, a, b, trial_opn, trial_assign,
                                    trial_load, order)
            if value < best:
                best, best_a, best_b = value, a, b
    return best_a, best_b
