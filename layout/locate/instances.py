"""Readers for public location benchmarks (OR-Library pmed, Osman–Christofides / Lorena–Senne CPMP).

The data stays in ``../shared/benchdata``; benchmarks and tests share these readers. Conventions follow the
benchdata README: for pmed a later duplicate edge overwrites an earlier one before all-pairs shortest paths;
Osman–Christofides (group1) distances are ``floor(d_ij)``; SJC (group2) distances are real-valued Euclidean.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import shortest_path

__all__ = ["PMedianInstance", "CapacitatedInstance", "read_pmed", "read_cpmp", "read_pmedcap",
           "pmed_optima", "cpmp_best_known", "generate_cpmp"]


@dataclass(frozen=True)
class PMedianInstance:
    """An uncapacitated p-median instance: every vertex is a customer (weight 1) and a candidate site."""

    name: str
    cost: np.ndarray
    p: int


@dataclass(frozen=True)
class CapacitatedInstance:
    """A capacitated p-median instance (each point is a customer and a candidate site)."""

    name: str
    cost: np.ndarray
    p: int
    demand: np.ndarray
    capacity: np.ndarray
    xy: np.ndarray


def read_pmed(path: str | Path) -> PMedianInstance:
    """Read an OR-Library ``pmedN.txt`` file into its shortest-path distance matrix.

    Parameters
    ----------
    path : str or Path
        The file: header ``n n_edges p`` then ``i j cost`` lines (1-based, undirected).

    Returns
    -------
    PMedianInstance

    Example
    -------
    >>> inst = read_pmed("../shared/benchdata/pmed/pmed1.txt")  # doctest: +SKIP
    >>> inst.cost.shape, inst.p  # doctest: +SKIP
    ((100, 100), 5)
    """
    path = Path(path)
    numbers = np.array(path.read_text().split(), dtype=np.int64)
    n, n_edges, p = (int(v) for v in numbers[:3])
    edges = numbers[3:3 + 3 * n_edges].reshape(n_edges, 3)
    i, j, c = edges[:, 0] - 1, edges[:, 1] - 1, edges[:, 2].astype(float)
    # A later duplicate overwrites an earlier one: keep the last occurrence of each unordered pair.
    a, b = np.minimum(i, j), np.maximum(i, j)
    key = a * n + b
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep = len(key) - 1 - last_rev
    a, b, c = a[keep], b[keep], c[keep]
    graph = csr_array((np.concatenate([c, c]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    dist = shortest_path(graph, method="D", directed=False)
    return PMedianInstance(path.stem, dist, p)


def _euclid(xy: np.ndarray, floor: bool) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    d = np.sqrt((diff ** 2).sum(axis=2))
    return np.floor(d) if floor else d


def read_cpmp(path: str | Path, floor: bool | None = None) -> CapacitatedInstance:
    """Read a Stefanello-format CPMP file (``n p`` then ``x y capacity demand`` lines).

    Parameters
    ----------
    path : str or Path
        The instance file.
    floor : bool, optional
        Truncate each distance (Osman–Christofides convention). Default: True for ``cpmpNN`` files, False
        otherwise (SJC).

    Returns
    -------
    CapacitatedInstance
    """
    path = Path(path)
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    n, p = int(float(rows[0][0])), int(float(rows[0][1]))
    data = np.array([[float(v) for v in r[:4]] for r in rows[1:1 + n]])
    if floor is None:
        floor = path.stem.lower().startswith("cpmp")
    xy = data[:, :2]
    return CapacitatedInstance(path.stem, _euclid(xy, floor), p, data[:, 3], data[:, 2], xy)


def read_pmedcap(path: str | Path) -> tuple[CapacitatedInstance, float]:
    """Read an OR-Library ``pmedcapNN.txt`` problem; returns the instance and the header's best value."""
    path = Path(path)
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    best = float(rows[0][1])
    n, p, q = int(rows[1][0]), int(rows[1][1]), float(rows[1][2])
    data = np.array([[float(v) for v in r[:4]] for r in rows[2:2 + n]])
    xy = data[:, 1:3]
    inst = CapacitatedInstance(path.stem, _euclid(xy, True), p, data[:, 3], np.full(n, q), xy)
    return inst, best


def pmed_optima(benchdata: str | Path) -> dict[str, float]:
    """``{"pmed1": 5819.0, ...}`` from ``pmed/pmed_optimal.csv``."""
    with open(Path(benchdata) / "pmed" / "pmed_optimal.csv", newline="") as fh:
        return {r["instance"]: float(r["optimal"]) for r in csv.DictReader(fh)}


def cpmp_best_known(benchdata: str | Path) -> dict[str, dict]:
    """Rows of ``cpmp/cpmp_bestknown.csv`` keyed by instance name (values as strings, ``best_known`` float)."""
    with open(Path(benchdata) / "cpmp" / "cpmp_bestknown.csv", newline="") as fh:
        out = {}
        for r in csv.DictReader(fh):
            r = dict(r)
            r["best_known"] = float(r["best_known"])
            out[r["instance"]] = r
        return out


def generate_cpmp(n: int, p: int, tightness: float, clustered: bool = False, seed: int = 0,
                  name: str | None = None) -> CapacitatedInstance:
    """Draw a capacitated p-median instance in the families of the literature (Lorena–Senne, Stefanello et al.).

    Every point is a demand point and a candidate site; distances are real-valued Euclidean; demands are whole
    numbers uniform in 1–100; every site has the capacity ``ceil(Σ q / (tightness · p))``, so the p open sites
    are ``tightness`` full on average (0.8–0.95 in the literature's harder sets).

    Parameters
    ----------
    n, p : int
        Points and sites to open.
    tightness : float
        Total demand over total open capacity, in (0, 1].
    clustered : bool
        Points in Gaussian towns of varying size and spread with a sprinkle of uniform points (a county's
        villages), instead of uniform in the square.
    seed : int
        Seed of the draw (the same arguments always give the same instance).
    name : str, optional
        Defaults to e.g. ``"u724-p30-t90"`` / ``"c737-p74-t95"``.

    Returns
    -------
    CapacitatedInstance

    Example
    -------
    >>> inst = generate_cpmp(60, 6, 0.9, clustered=True, seed=1)
    >>> inst.name, inst.cost.shape, bool(inst.demand.sum() <= 0.9 * 6 * inst.capacity[0] + 1e-9)
    ('c60-p6-t90', (60, 60), True)
    """
    if not 0 < tightness <= 1:
        raise ValueError("tightness must be in (0, 1]")
    rng = np.random.default_rng([seed, n, p, int(round(1000 * tightness)), int(clustered)])
    side = 1000.0
    if clustered:
        towns = max(2, n // 40)
        centre = rng.uniform(0.05 * side, 0.95 * side, size=(towns, 2))
        size = rng.pareto(1.5, size=towns) + 1.0
        spread = rng.uniform(0.01, 0.06, size=towns) * side
        noise = n // 10
        town = rng.choice(towns, size=n - noise, p=size / size.sum())
        xy = np.vstack([centre[town] + rng.normal(size=(n - noise, 2)) * spread[town, None],
                        rng.uniform(0, side, size=(noise, 2))])
        xy = np.clip(xy, 0.0, side)
    else:
        xy = rng.uniform(0, side, size=(n, 2))
    demand = rng.integers(1, 101, size=n).astype(float)
    capacity = np.full(n, float(np.ceil(demand.sum() / (tightness * p))))
    label = name or f"{'c' if clustered else 'u'}{n}-p{p}-t{int(round(100 * tightness))}"
    return CapacitatedInstance(label, _euclid(xy, False), p, demand, capacity, xy)
