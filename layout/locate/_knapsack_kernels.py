"""Compiled (numba) subgradient steps of the capacitated p-median's Lagrangian relaxation on sparse site lists.

Relaxing "every point is assigned once" with multipliers λ leaves, for every site j, the knapsack
``ρ_j = min Σ_i (c_ij − λ_i) x_i  s.t.  Σ_i q_i x_i ≤ Q_j`` and the bound ``Σ_i λ_i + Σ_{j ∈ P} ρ_j`` with P the
required sites plus the most negative other ρ, p in all. Each site keeps only the points that may have a negative
reduced cost: point i is listed at its ``K`` cheapest sites, and its multiplier is held at or below the cost of
the first site *not* listed (``lam_cap``), so every unlisted pair has ``c_ij − λ_i ≥ 0`` and the site values are
exact for the multipliers used. The lists are CSR arrays by site (``ptr``, ``idx``, ``cst``).

Each knapsack is solved either as a 0-1 knapsack by dynamic programming over whole-number capacity (``exact``;
stronger: the bound then exceeds the linear-programming bound) or as a continuous knapsack (greedy by ratio,
equal to the linear-programming bound at the best multipliers).

The kernels have explicit signatures, as in :mod:`layout.locate._pmedian_kernels`, so they are compiled (or
loaded from numba's on-disk cache) when this module is imported, not inside the first solve: compiled lazily,
the first call of :func:`knapsack_steps` in a fresh checkout (a cold cache, as in CI) took 50 s on a loaded
2-core machine, all of it inside a solve given 10 s, which returned after 54-85 s with ten subgradient steps
done. The module itself is imported on first use, outside the solve's clock (:mod:`layout.locate._compiled`),
so ``import layout.locate`` does not pay for it. Callers pass exactly these types (float64 and int64 C-contiguous arrays, a boolean ``is_req``).
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["site_knapsacks", "knapsack_steps"]


@numba.njit("float64(int64, int64, int64[::1], float64[::1], float64[::1], float64, float64[::1], boolean, "
            "float64[::1], int64[::1], float64[::1], float64[::1], boolean[:, ::1])", cache=True)
def _site(lo, hi, idx, cst, q, cap, lam, exact, xe, ent, red, table, take):  # pragma: no cover - compiled
    """Knapsack of the site whose CSR entries are ``lo:hi``; writes each entry's share into ``xe``."""
    k = 0
    total_q = 0.0
    total_r = 0.0
    for e in range(lo, hi):
        xe[e] = 0.0
        r = cst[e] - lam[idx[e]]
        if r < 0.0:
            ent[k] = e
            red[k] = r
            total_q += q[idx[e]]
            total_r += r
            k += 1
    if k == 0:
        return 0.0
    if total_q <= cap + 1e-9:  # everything fits
        for t in range(k):
            xe[ent[t]] = 1.0
        return total_r
    if exact:
        c = int(cap + 1e-9)
        for s in range(c + 1):
            table[s] = 0.0
        for t in range(k):
            w = int(q[idx[ent[t]]] + 0.5)
            r = red[t]
            for s in range(c + 1):
                take[t, s] = False
            for s in range(c, w - 1, -1):
                v = table[s - w] + r
                if v < table[s]:
                    table[s] = v
                    take[t, s] = True
        s = c
        for t in range(k - 1, -1, -1):
            if take[t, s]:
                xe[ent[t]] = 1.0
                s -= int(q[idx[ent[t]]] + 0.5)
        return table[c]
    ratio = np.empty(k)
    for t in range(k):
        ratio[t] = red[t] / max(q[idx[ent[t]]], 1e-12)
    order = np.argsort(ratio)
    left = cap
    value = 0.0
    for u in range(k):
        t = order[u]
        w = q[idx[ent[t]]]
        if w <= left:
            xe[ent[t]] = 1.0
            left -= w
            value += red[t]
        else:
            f = left / w
            xe[ent[t]] = f
            value += f * red[t]
            break
    return value


@numba.njit("Tuple((int64[::1], float64[::1], float64[::1], boolean[:, ::1]))(int64[::1], float64[::1], boolean)",
            cache=True)
def _buffers(ptr, cap, exact):  # pragma: no cover - compiled
    longest = 1
    for j in range(ptr.shape[0] - 1):
        longest = max(longest, ptr[j + 1] - ptr[j])
    cmax = int(cap.max() + 1.5) if exact else 1
    return (np.empty(longest, dtype=np.int64), np.empty(longest), np.zeros(cmax),
            np.zeros((longest if exact else 1, cmax), dtype=np.bool_))


@numba.njit("void(int64[::1], int64[::1], float64[::1], float64[::1], float64[::1], float64[::1], boolean, "
            "float64[::1], float64[::1])", cache=True)
def site_knapsacks(ptr, idx, cst, q, cap, lam, exact, rho, xe):  # pragma: no cover - compiled
    """Fill ``rho[j]`` (site j's knapsack value at multipliers ``lam``) and each entry's share ``xe``.

    Example
    -------
    >>> import numpy as np
    >>> ptr, idx, cst = np.array([0, 3]), np.array([0, 1, 2]), np.array([1.0, 2.0, 4.0])
    >>> rho, xe = np.empty(1), np.empty(3)
    >>> site_knapsacks(ptr, idx, cst, np.array([2.0, 2.0, 1.0]), np.array([3.0]), np.array([6.0, 5.0, 5.0]),
    ...                True, rho, xe)
    >>> float(rho[0]), xe.tolist()  # points 0 and 2 fit (weight 3): (1 - 6) + (4 - 5)
    (-6.0, [1.0, 0.0, 1.0])
    """
    ent, red, table, take = _buffers(ptr, cap, exact)
    for j in range(ptr.shape[0] - 1):
        rho[j] = _site(ptr[j], ptr[j + 1], idx, cst, q, cap[j], lam, exact, xe, ent, red, table, take)


@numba.njit("Tuple((float64, float64, int64, boolean))(int64[::1], int64[::1], float64[::1], float64[::1], "
            "float64[::1], boolean[::1], int64, float64[::1], float64[::1], float64[::1], float64, float64, int64, "
            "float64, int64, int64, boolean)", cache=True)
def knapsack_steps(ptr, idx, cst, q, cap, is_req, p, lam, lam_cap, best_lam, best, upper, steps, theta, stall,
                   patience, exact):  # pragma: no cover - compiled
    """Run up to ``steps`` subgradient steps from ``lam`` (updated in place, kept ≤ ``lam_cap``).

    Returns ``(best bound, theta, stall, done)``; ``best_lam`` holds the multipliers of the best bound. The step
    is Polyak's towards ``upper`` (a known objective), ``theta`` halves after ``patience`` steps without a better
    bound, and ``done`` is set when the step has become negligible or the bound reached ``upper``.
    """
    n = lam.shape[0]
    m = ptr.shape[0] - 1
    rho = np.empty(m)
    xe = np.zeros(idx.shape[0])
    g = np.empty(n)
    ent, red, table, take = _buffers(ptr, cap, exact)
    n_req = 0
    for j in range(m):
        if is_req[j]:
            n_req += 1
    free = np.empty(m - n_req, dtype=np.int64)
    f = 0
    for j in range(m):
        if not is_req[j]:
            free[f] = j
            f += 1
    chosen = np.zeros(m, dtype=np.bool_)
    k = min(p - n_req, f)
    for _ in range(steps):
        value = 0.0
        for i in range(n):
            value += lam[i]
            g[i] = 1.0
        for j in range(m):  # continuous values: exact when ``exact`` is off, else lower bounds of the 0-1 ones
            rho[j] = _site(ptr[j], ptr[j + 1], idx, cst, q, cap[j], lam, False, xe, ent, red, table, take)
        for j in range(m):
            chosen[j] = is_req[j]
        if exact:
            # 0-1 knapsacks only where they can matter: in order of the continuous value, until the k-th best
            # 0-1 value found is no worse than the next continuous one (no site further on can beat it)
            for j in range(m):
                if is_req[j]:
                    rho[j] = _site(ptr[j], ptr[j + 1], idx, cst, q, cap[j], lam, True, xe, ent, red, table, take)
            if k > 0:
                order = np.argsort(rho[free])
                # the k smallest 0-1 values so far, sorted (top[k - 1] is the k-th best; kept by insertion, which
                # compiles in a fraction of the time np.partition takes)
                top = np.empty(k)
                cnt = 0
                for u in range(f):
                    j = free[order[u]]
                    if cnt >= k and rho[j] >= top[k - 1]:
                        break
                    rho[j] = _site(ptr[j], ptr[j + 1], idx, cst, q, cap[j], lam, True, xe, ent, red, table, take)
                    v = rho[j]
                    t = min(cnt, k - 1)
                    if cnt < k or v < top[k - 1]:
                        while t > 0 and top[t - 1] > v:
                            top[t] = top[t - 1]
                            t -= 1
                        top[t] = v
                    cnt += 1
                evaluated = order[:cnt]
                sub = np.argsort(rho[free[evaluated]])
                for u in range(min(k, cnt)):
                    chosen[free[evaluated[sub[u]]]] = True
        elif k > 0:
            # the required sites and the p − |required| most negative others
            order = np.argsort(rho[free])
            for u in range(k):
                chosen[free[order[u]]] = True
        for j in range(m):
            if chosen[j]:
                value += rho[j]
                for e in range(ptr[j], ptr[j + 1]):
                    g[idx[e]] -= xe[e]
        if value > best + 1e-12 * max(1.0, abs(value)):
            best = value
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                theta /= 2.0
                stall = 0
        norm = 0.0
        for i in range(n):
            norm += g[i] * g[i]
        if norm < 1e-12 or theta < 1e-4 or upper - best <= 1e-9 * max(1.0, abs(best)):
            return best, theta, stall, True
        step = theta * max(upper - value, 1e-9 * max(1.0, abs(upper))) / norm
        for i in range(n):
            lam[i] = min(lam[i] + step * g[i], lam_cap[i])
    return best, theta, stall, False
