"""The compiled one-to-many search against scipy's Dijkstra, and the Hilbert node numbering."""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from layout.network.search import _buckets, csr_arrays, search_targets
from layout.network.spatial_order import hilbert_rank


def random_case(seed: int, n: int = 60, m: int = 200, zero_share: float = 0.05):
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, n - 10, m), rng.integers(0, n - 10, m)   # the last 10 nodes have no arcs
    keep = u != v
    u, v = u[keep], v[keep]
    pair = u * n + v                                    # one arc per ordered pair, as in a ModeGraph
    _, first = np.unique(pair, return_index=True)
    u, v = u[first], v[first]
    minutes = rng.uniform(0.5, 5.0, len(u))
    minutes[rng.random(len(u)) < zero_share] = 0.0     # a few zero-length arcs (the search then uses its heap)
    metres = rng.uniform(10, 500, len(u))
    k, t = 7, 11
    seed_node = rng.integers(-1, n, (k, 2))
    seed_min = rng.uniform(0, 3, (k, 2))
    seed_min[rng.random((k, 2)) < 0.2] = np.inf         # a way not allowed
    seed_m = rng.uniform(0, 100, (k, 2))
    tu, tv = rng.integers(0, n, t), rng.integers(0, n, t)
    lu, lv = rng.uniform(0, 3, t), rng.uniform(0, 3, t)
    lv[rng.random(t) < 0.3] = np.inf
    du, dv = rng.uniform(0, 100, t), rng.uniform(0, 100, t)
    return n, (u, v, minutes, metres), (seed_node, seed_min, seed_m), (tu, tv, lu, lv, du, dv)


def scipy_answer(n, arcs, seeds, targets, limit=np.inf):
    """Join each source's seeds to a virtual node and run scipy; metres summed along its predecessor tree."""
    u, v, minutes, metres = arcs
    seed_node, seed_min, seed_m = seeds
    tu, tv, lu, lv, du, dv = targets
    k = len(seed_node)
    out_min = np.full((k, len(tu)), np.inf)
    out_m = np.full_like(out_min, np.inf)
    length = {(int(a), int(b)): float(m) for a, b, m in zip(u, v, metres, strict=True)}
    for s in range(k):
        ok = (seed_node[s] >= 0) & np.isfinite(seed_min[s])
        if not ok.any():
            continue
        # the virtual node n reaches each seed node by its own arc (the quicker one if both seeds coincide)
        best = {}
        for x, d0, m0 in zip(seed_node[s][ok], seed_min[s][ok], seed_m[s][ok], strict=True):
            if int(x) not in best or d0 < best[int(x)][0]:
                best[int(x)] = (d0, m0)
        rows = np.concatenate([u, np.full(len(best), n)])
        cols = np.concatenate([v, list(best)])
        w = np.concatenate([minutes, [b[0] for b in best.values()]])
        g = sp.csr_array((np.maximum(w, 1e-300), (rows, cols)), shape=(n + 1, n + 1))
        d, pred = dijkstra(g, indices=n, limit=limit, return_predecessors=True)
        d = np.where(d <= 1e-200, 0.0, d)               # the stand-in for zero-length arcs

        def tree_metres(x, pred=pred, best=best):
            total = 0.0
            while pred[x] != n:
                total += length[(int(pred[x]), int(x))]
                x = pred[x]
            return total + best[int(x)][1]

        for j in range(len(tu)):
            a, b = d[tu[j]] + lu[j], d[tv[j]] + lv[j]
            out_min[s, j] = min(a, b)
            if np.isfinite(out_min[s, j]):
                out_m[s, j] = tree_metres(tu[j]) + du[j] if a <= b else tree_metres(tv[j]) + dv[j]
    return out_min, out_m


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("m", [200, 70])          # 70 arcs on 50 nodes: many dead ends
@pytest.mark.parametrize("queue", ["heap", "buckets"])
def test_search_equals_scipy_dijkstra_with_tree_metres(seed, m, queue):
    n, arcs, seeds, targets = random_case(seed, m=m, zero_share=0.05 if queue == "heap" else 0.0)
    csr = csr_arrays(*arcs, n)
    assert (_buckets(csr[2])[1] > 0) == (queue == "buckets")
    if m == 70:
        assert csr[4].sum() >= 3                   # dead ends that the search settles without queueing
    got_min, got_m = search_targets(csr, *seeds, *targets)
    want_min, want_m = scipy_answer(n, arcs, seeds, targets)
    np.testing.assert_allclose(got_min, want_min, rtol=1e-12)
    np.testing.assert_allclose(got_m, want_m, rtol=1e-12)
    assert np.isinf(got_min).any() and np.isfinite(got_min).any()   # the cases cover both


@pytest.mark.parametrize("zero_share", [0.05, 0.0])
def test_limit_leaves_farther_nodes_unreached(zero_share):
    n, arcs, seeds, targets = random_case(11, n=80, m=300, zero_share=zero_share)
    csr = csr_arrays(*arcs, n)
    got_min, _ = search_targets(csr, *seeds, *targets, limit=4.0)
    want_min, _ = scipy_answer(n, arcs, seeds, targets, limit=4.0)
    np.testing.assert_allclose(got_min, want_min, rtol=1e-12)


@pytest.mark.parametrize("zero_share", [0.05, 0.0])
def test_threads_and_metres_switch_do_not_change_minutes(zero_share):
    n, arcs, seeds, targets = random_case(5, n=200, m=800, zero_share=zero_share)
    csr = csr_arrays(*arcs, n)
    one_min, one_m = search_targets(csr, *seeds, *targets)
    par_min, par_m = search_targets(csr, *seeds, *targets, workers=3)
    bare_min, bare_m = search_targets(csr, *seeds, *targets, metres=False)
    np.testing.assert_array_equal(par_min, one_min)
    np.testing.assert_array_equal(par_m, one_m)
    np.testing.assert_array_equal(bare_min, one_min)
    assert bare_m.size == 0


@pytest.mark.parametrize("workers", [1, 3])
def test_progress_reports_every_source_once_and_changes_nothing(workers):
    n, arcs, seeds, targets = random_case(6, n=200, m=800)
    csr = csr_arrays(*arcs, n)
    plain_min, plain_m = search_targets(csr, *seeds, *targets, workers=workers)
    done = []
    got_min, got_m = search_targets(csr, *seeds, *targets, workers=workers, on_progress=done.append)
    np.testing.assert_array_equal(got_min, plain_min)
    np.testing.assert_array_equal(got_m, plain_m)
    assert sum(done) == len(seeds[0]) and len(done) == len(seeds[0])    # 7 sources: a block each


def test_no_sources_or_no_targets():
    n, arcs, seeds, targets = random_case(2)
    csr = csr_arrays(*arcs, n)
    mi, me = search_targets(csr, *(a[:0] for a in seeds), *targets)
    assert mi.shape == me.shape == (0, len(targets[0]))
    mi, _ = search_targets(csr, *seeds, *(a[:0] for a in targets))
    assert mi.shape == (len(seeds[0]), 0)


def test_hilbert_rank_walks_a_grid_one_step_at_a_time():
    g = np.array([[x, y] for x in range(16) for y in range(16)], float) * 7.0 + 100.0
    rank = hilbert_rank(g)
    assert sorted(rank.tolist()) == list(range(len(g)))
    path = g[np.argsort(rank)]
    assert np.abs(np.diff(path, axis=0)).sum(axis=1).max() == pytest.approx(7.0)


def test_hilbert_rank_of_no_points_and_of_one():
    assert hilbert_rank(np.zeros((0, 2))).tolist() == []
    assert hilbert_rank(np.array([[5.0, 5.0]])).tolist() == [0]


def test_buckets_only_when_arcs_take_comparable_time():
    assert _buckets(np.array([1.0, 3.0]))[1] > 0
    assert _buckets(np.array([0.0, 3.0])) == (0.0, 0)            # a zero-time arc: heap
    assert _buckets(np.array([0.001, 3.0])) == (0.0, 0)          # very short edges: heap
    delta, nb = _buckets(np.array([2.0, 5.0]))
    assert delta < 2.0 and nb * delta > 5.0
