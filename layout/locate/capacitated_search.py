"""Improve a capacitated p-median solution by re-optimising a few neighbouring clusters at a time (POPMUSIC).

A solution is p clusters (an open site and the points assigned to it). A *part* is a seed cluster and its
``r − 1`` nearest clusters; its points, the sites that lie in its area (closer, on average, to one of its clusters
than to any other cluster) and the part's own open sites form a small capacitated p-median with ``r`` sites,
solved exactly or nearly by HiGHS from the current assignment (Taillard & Voss 2002, applied to this problem by
Stefanello, de Araújo & Müller 2015). The other clusters stay as they are, so every accepted change keeps the
whole solution feasible and lowers its cost. Every part is tried once per pass; a pass without improvement
grows ``r`` by half (at least one cluster; each point is offered twice as many sites per cluster added), so the
large parts that still find improvements are reached well within a time limit; the search stops at the
deadline or when the largest part has nothing left to improve.

On large instances (the matheuristic of :mod:`layout.locate.capacitated_matheuristic`) the caller passes each
point's nearest sites: a part is then built from the seed's own points and one column of costs instead of the
p × m table of cluster-to-site costs (n·m·p per part: over a second per part at 3038 points and p = 600), parts
start at about ``LIGHT_PART_POINTS`` points, each point is offered its nearest ``NEAREST_SITES`` sites of the
part, and each part's MILP gets ``LIGHT_PART_SECONDS``. HiGHS still needs up to a second on many 36-point parts
when the sites are nearly full, which is what limits this phase at large p.
"""

from __future__ import annotations

import math
import time

import numpy as np

from layout.locate._assignment import AssignmentModel

__all__ = ["improve_clusters", "first_part_size", "cluster_costs"]

#: Points per part the search aims at first (the part grows by whole clusters after a pass without change).
PART_POINTS = 60
#: Largest part (points) the search grows to.
MAX_PART_POINTS = 200
#: Each point of a part may go to its nearest this-many sites of the part (plus its current site); twice as
#: many for every cluster the part has grown by.
NEAREST_SITES = 12
#: Share of the p largest capacities that the total demand must exceed for a point to be offered every site
#: of its part (not only its nearest ``NEAREST_SITES``).
TIGHT_LOAD = 0.8
#: Seconds for one part's MILP.
PART_SECONDS = 3.0
#: With ``near_sites`` (large instances): seconds per part, points per first part, and each point is offered
#: only its nearest ``NEAREST_SITES`` sites of the part even when capacities are tight (smaller MILPs, many more
#: of them within the time limit).
LIGHT_PART_SECONDS = 1.0
LIGHT_PART_POINTS = 36
#: HiGHS options for those parts (with ``objective_bound`` set to "better than the current part"); None: warm
#: start from the current part instead. On a uniform 3038-point instance with p = 600, 20 s of parts from the
#: same start reached 45,700 with the warm start, 46,467 with the bound and "stop at the first better solution".
LIGHT_OPTIONS = None


def cluster_costs(finite: np.ndarray, blocked: np.ndarray, label: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    """Cost of moving each cluster's points, all together, to each site.

    Parameters
    ----------
    finite : ndarray (n, m)
        Cost with 0 where a pair is not allowed.
    blocked : ndarray (n, m) of float
        1 where a pair is not allowed.
    label : ndarray (n,) of int
        Cluster (0 … p − 1) of each point.
    p : int
        Number of clusters.

    Returns
    -------
    (total, size)
        ``total[k, j]`` the summed cost (``inf`` when one of the cluster's points may not go to j); ``size[k]``
        the cluster's number of points.

    Example
    -------
    >>> total, size = cluster_costs(np.array([[1.0, 2.0], [3.0, 0.0]]), np.array([[0.0, 0.0], [0.0, 1.0]]),
    ...                             np.array([0, 0]), 1)
    >>> total.tolist(), size.tolist()
    ([[4.0, inf]], [2.0])
    """
    onehot = np.zeros((p, len(label)))
    onehot[label, np.arange(len(label))] = 1.0
    total = onehot @ finite
    total[(onehot @ blocked) > 0] = np.inf
    return total, onehot.sum(axis=1)


def first_part_size(n: int, p: int) -> int:
    """Clusters in the first parts tried: about ``PART_POINTS`` points, at least 2, at most ``p − 1`` (a part of
    all p clusters is the whole problem, left to the caller's MILP).

    Example
    -------
    >>> first_part_size(400, 40), first_part_size(50, 5), first_part_size(50, 2)
    (6, 4, 2)
    """
    return int(min(max(p - 1, 2), max(2, round(PART_POINTS / max(n / max(p, 1), 1.0)))))


def improve_clusters(wcost: np.ndarray, demand: np.ndarray, capacity: np.ndarray, allowed: np.ndarray,
                     open_sites: np.ndarray, assign: np.ndarray, required: np.ndarray, candidates: np.ndarray,
                     min_load: np.ndarray | None = None, deadline: float | None = None,
                     abs_gap: float = 1e-9, size: int | None = None,
                     seed: int = 0, near_sites: np.ndarray | None = None,
                     max_part_points: int | None = None) -> tuple[float, np.ndarray, np.ndarray, int]:
    """Re-optimise parts of the solution until no part improves or the deadline passes.

    Parameters
    ----------
    wcost : ndarray (n, m)
        Weighted cost, ``inf`` where not allowed.
    demand, capacity : ndarray
        Load per point; capacity per site.
    allowed : ndarray (n, m) of bool
        Pairs that may be used.
    open_sites, assign : ndarray
        A feasible solution (site indices; site per point).
    required, candidates : ndarray of int
        Sites that must stay open; sites that may open.
    min_load : ndarray (m,), optional
        Least load of an open site.
    deadline : float, optional
        ``time.perf_counter()`` value to stop at.
    abs_gap : float
        HiGHS absolute gap for each part (0.999 for whole-number costs).
    size : int, optional
        Clusters per part to start with (default :func:`first_part_size`; pass the size returned by an earlier
        call to go on from there).
    seed : int
        Seed of the order in which parts are tried.
    near_sites : ndarray (n, k) of int, optional
        Each point's nearest allowed candidate sites. When given, a part is built without the p × m table of
        cluster-to-site costs (which costs n·m·p per part, prohibitive at large p): its clusters are those
        nearest the seed (mean cost from the seed's points to their sites plus from their points to the
        seed's site) and its sites are the listed sites of its points.
    max_part_points : int, optional
        Largest part (points) to grow to (default ``MAX_PART_POINTS``).

    Returns
    -------
    (objective, open sites, assignment, part size reached)

    Example
    -------
    >>> cost = np.array([[0.0, 1.0, 9.0], [0.5, 0.0, 9.0], [9.0, 9.0, 0.0]])
    >>> obj, o, a, size = improve_clusters(cost, np.ones(3), np.full(3, 2.0), np.ones((3, 3), bool), np.array([1, 2]),
    ...                              np.array([1, 1, 2]), np.array([], int), np.arange(3))
    >>> obj, a.tolist()
    (0.5, [0, 0, 2])
    """
    n, m = wcost.shape
    open_ = np.sort(np.asarray(open_sites)).copy()
    assign = np.asarray(assign).copy()
    p = len(open_)
    is_cand = np.zeros(m, dtype=bool)
    is_cand[candidates] = True
    is_req = np.zeros(m, dtype=bool)
    is_req[required] = True
    rng = np.random.default_rng(seed)
    rows = np.arange(n)
    min_gain = 0.5 if abs_gap >= 0.5 else 1e-9 * max(1.0, float(np.abs(wcost[rows, assign]).sum()))

    def total() -> float:
        return float(np.sort(wcost[rows, assign]).sum())

    best = total()
    per_cluster = n / max(p, 1)
    r_first = first_part_size(n, p)
    if near_sites is not None:
        r_first = int(min(max(p - 1, 2), max(2, round(LIGHT_PART_POINTS / max(per_cluster, 1.0)))))
    r = r_first if size is None else int(min(p, max(2, size)))
    most = MAX_PART_POINTS if max_part_points is None else max_part_points
    r_max = int(min(max(p - 1, r), max(r, round(most / max(per_cluster, 1.0)))))
    # with capacities nearly full, points travel far: give each point every site of its part
    tight = float(demand.sum()) > TIGHT_LOAD * float(np.sort(capacity[candidates])[::-1][:p].sum())
    if near_sites is None:
        finite0 = np.where(allowed, wcost, 0.0)
        blocked = (~allowed).astype(float)
    else:
        big = float(np.max(wcost, where=allowed, initial=0.0)) * 10.0 + 1.0
    while True:
        improved_pass = False
        untested = list(rng.permutation(open_))
        while untested:
            if deadline is not None and time.perf_counter() > deadline - 0.2:
                return best, open_, assign, r
            seed = untested.pop()
            if seed not in open_:
                continue
            label = np.searchsorted(open_, assign)
            k = int(np.searchsorted(open_, seed))
            if near_sites is None:
                # cluster-to-site affinity: mean cost from each cluster's points to each site
                total, size = cluster_costs(finite0, blocked, label, p)
                affinity = total / np.maximum(size, 1.0)[:, None]
                near = np.argsort(affinity[k, open_] + affinity[:, seed], kind="stable")
                part = np.union1d(near[:r], [k])
                pts = np.flatnonzero(np.isin(label, part))
                home = np.argmin(affinity, axis=0)
                sites = np.flatnonzero((np.isin(home, part) & is_cand) | np.isin(np.arange(m), open_[part]))
            else:
                own = np.flatnonzero(label == k)
                to_open = (np.where(allowed[np.ix_(own, open_)], wcost[np.ix_(own, open_)], big).mean(axis=0)
                           if len(own) else np.zeros(p))  # a site with no points: distance from its side only
                col = np.where(allowed[:, seed], wcost[:, seed], big)
                size = np.maximum(np.bincount(label, minlength=p), 1)
                near = np.argsort(to_open + np.bincount(label, weights=col, minlength=p) / size, kind="stable")
                part = np.union1d(near[:r], [k])
                pts = np.flatnonzero(np.isin(label, part))
                sites = np.union1d(near_sites[pts].ravel(), open_[part])
                sites = sites[is_cand[sites] | np.isin(sites, open_[part])]
            sites = sites[~np.isin(sites, np.setdiff1d(open_, open_[part]))]
            sub = np.where(allowed[np.ix_(pts, sites)], wcost[np.ix_(pts, sites)], np.inf)
            kk = len(sites) if tight and near_sites is None else min(len(sites), NEAREST_SITES * 2 ** (r - r_first))
            rank = np.argsort(np.argsort(sub, axis=1, kind="stable"), axis=1, kind="stable")
            keep = np.isfinite(sub) & (rank < kk)
            keep |= sites[None, :] == assign[pts][:, None]
            ii, jj = np.nonzero(keep)
            req_part = open_[part][is_req[open_[part]]]
            model = AssignmentModel(n=len(pts), sites=sites, pair_i=ii, pair_j=sites[jj], pair_cost=sub[ii, jj],
                                    demand=demand[pts], capacity=capacity[sites],
                                    min_load=None if min_load is None else min_load[sites],
                                    open_lo=np.isin(sites, req_part).astype(float), p_lo=len(part),
                                    p_hi=len(part))
            before = float(wcost[pts, assign[pts]].sum())
            per_part = PART_SECONDS if near_sites is None else LIGHT_PART_SECONDS
            limit = per_part if deadline is None else min(per_part, deadline - time.perf_counter())
            if limit < 0.2:
                return best, open_, assign, r
            options = None
            if near_sites is not None and LIGHT_OPTIONS is not None:
                options = dict(LIGHT_OPTIONS, objective_bound=before - min_gain)
            res, o, a = model.solve(time_limit=limit, start_open=None if options else open_[part],
                                    start_assign=None if options else assign[pts], rel_gap=1e-6, abs_gap=abs_gap,
                                    options=options)
            if o is None or res.objective >= before - min_gain:
                continue
            new_open = np.sort(np.concatenate([np.setdiff1d(open_, open_[part]), o]))
            new_assign = assign.copy()
            new_assign[pts] = a
            trial = float(np.sort(wcost[rows, new_assign]).sum())
            if not math.isfinite(trial) or trial >= best - 1e-9 * max(1.0, abs(best)):
                continue
            best, open_, assign = trial, new_open, new_assign
            improved_pass = True
            untested.extend(o.tolist())
        if not improved_pass:
            if r >= r_max:
                return best, open_, assign, r
            r = min(r_max, r + max(1, r // 2))
