"""Enrolment clusters: villages grouped into natural catchments by travel time, weighted by children.

:class:`EnrolmentClusters` is a scikit-learn estimator (``fit`` / ``predict`` / ``fit_predict``; it passes
:func:`sklearn.utils.estimator_checks.check_estimator`, see ``tests/test_cluster.py`` for the one check that
cannot apply to travel times). It is a children-weighted k-medoids: every cluster's centre is a village (a
candidate central site) that minimises the children-weighted travel of its members. The start is PAM's greedy
BUILD step (deterministic: the first centre is the county's weighted 1-median, each next one the village that
cuts the weighted travel most), then clusters and centres are updated in turn until they no longer change.
Clusters whose centre is far from every other centre are flagged as remote pockets.

Two inputs are accepted:

* ``metric="precomputed"`` (alias ``"travel"``): ``X`` is a square ``(n, n)`` matrix of travel minutes between
  villages (e.g. ``layout.network.travel(county, "walk", sites=villages).minutes``); ``inf`` marks no road;
* ``metric="euclidean"``: ``X`` holds projected coordinates in metres, ``(n, 2)`` (any number of columns works).

Example
-------
>>> import numpy as np
>>> X = np.array([[0, 0], [100, 0], [0, 100], [5000, 5000], [5100, 5000]], float)
>>> est = EnrolmentClusters(n_clusters=2, metric="euclidean").fit(X, sample_weight=[10, 10, 10, 5, 5])
>>> est.labels_.tolist(), est.cluster_weights_.tolist()       # the largest catchment first
([0, 0, 0, 1, 1], [30.0, 10.0])
>>> T = np.array([[0, 5, 60], [5, 0, 55], [60, 55, 0]], float)   # minutes between three villages
>>> EnrolmentClusters(n_clusters=2, metric="precomputed").fit_predict(T).tolist()
[0, 0, 1]
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.metrics import pairwise_distances
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["EnrolmentClusters"]

PRECOMPUTED = ("precomputed", "travel")
INITS = ("build", "k-medoids++")


def _weights(sample_weight, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float)
    if w.ndim != 1 or w.shape[0] != n:
        raise ValueError(f"sample_weight has shape {w.shape} for {n} villages: give one number per village")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight (children) must be finite and ≥ 0")
    if not (w > 0).any():
        raise ValueError("sample_weight (children) are all zero: at least one village needs a weight above zero")
    return w


def _finite(D: np.ndarray) -> np.ndarray:
    """``inf`` (no road) replaced by a distance longer than any real one, so it is never chosen over a road."""
    big = float(np.max(D, where=np.isfinite(D), initial=0.0))
    return np.where(np.isfinite(D), D, 10.0 * (big + 1.0))


class EnrolmentClusters(ClusterMixin, BaseEstimator):
    """Children-weighted k-medoids clustering of villages by travel time or straight-line distance.

    Parameters
    ----------
    n_clusters : int
        Number of catchments to find (fewer when fewer distinct villages have children).
    metric : {"precomputed", "travel", "euclidean"}
        ``precomputed`` (or its alias ``travel``): ``X`` is a square travel-time matrix (minutes, ``inf`` = no
        road; trips may differ by direction, the longer way counts); ``euclidean``: ``X`` holds projected
        coordinates (metres).
    remote_distance : float or None
        A cluster whose centre is farther than this (minutes, or metres for ``euclidean``) from every other
        centre is a remote pocket. None: the grade 1–3 walking limit of the national standards
        (``travel.walk_limit_minutes.g1_3``), or for ``euclidean`` the straight-line metres walked in it at
        ``modes.walk.speed_kmh``; give it for a provincial override.
    init : {"build", "k-medoids++"}
        ``build``: PAM's greedy start (deterministic, and weights act exactly as repeated villages);
        ``k-medoids++``: a random start by weighted squared distance, seeded by ``random_state``.
    max_iter : int
        Most rounds of updating clusters and centres.
    random_state : int
        Seed of the ``k-medoids++`` start (unused by ``build``).

    Attributes
    ----------
    labels_ : ndarray of int (n,)
        Cluster of each village; clusters are numbered by children, the largest first (ties: in the order the
        start found them), so the numbering does not depend on the order of the villages.
    medoid_indices_ : ndarray of int (k,)
        Row of each cluster's centre village (the candidate central site); always a village with children.
    cluster_centers_ : ndarray
        Coordinates of the centres (``euclidean``) or their rows of ``X`` (``precomputed``).
    cluster_weights_ : ndarray (k,)
        Children in each cluster.
    remote_ : ndarray of bool (k,)
        Remote pockets.
    inertia_ : float
        Children-weighted sum of distances to the centres.
    n_iter_ : int
    n_features_in_ : int
        Columns of ``X`` at fit (villages, for ``precomputed``).
    """

    def __init__(self, n_clusters: int = 8, metric: str = "precomputed", remote_distance: float | None = None,
                 init: str = "build", max_iter: int = 100, random_state: int = 0):
        self.n_clusters = n_clusters
        self.metric = metric
        self.remote_distance = remote_distance
        self.init = init
        self.max_iter = max_iter
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        travel = self.metric in PRECOMPUTED
        tags.input_tags.pairwise = travel          # X is village × village
        tags.input_tags.positive_only = travel     # minutes are never negative
        return tags

    # ---- helpers ------------------------------------------------------------------------------------------
    def _check_params(self) -> None:
        if self.metric not in (*PRECOMPUTED, "euclidean"):
            raise ValueError(f"metric must be 'precomputed', 'travel' or 'euclidean', got {self.metric!r}")
        if not (isinstance(self.n_clusters, int | np.integer) and not isinstance(self.n_clusters, bool)
                and self.n_clusters >= 1):
            raise ValueError(f"n_clusters must be a whole number ≥ 1, got {self.n_clusters!r}")
        if self.init not in INITS:
            raise ValueError(f"init must be one of {', '.join(INITS)}, got {self.init!r}")
        if not (isinstance(self.max_iter, int | np.integer) and self.max_iter >= 1):
            raise ValueError(f"max_iter must be a whole number ≥ 1, got {self.max_iter!r}")

    def _validate(self, X, reset: bool) -> np.ndarray:
        """``X`` as floats; for travel times ``inf`` is allowed (no road), NaN and negatives are not."""
        travel = self.metric in PRECOMPUTED
        X = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=not travel)
        if travel:
            if np.isnan(X).any():
                raise ValueError("the travel matrix holds NaN: give minutes ≥ 0, and inf where there is no road")
            if (X < 0).any():
                raise ValueError("Negative values in data: travel minutes are ≥ 0 (inf where there is no road)")
        return X

    def _remote_limit(self) -> float:
        if self.remote_distance is not None:
            return float(self.remote_distance)
        from layout.standards import load_standards

        std = load_standards()
        minutes = std.walk_limit("g1_3")
        if self.metric in PRECOMPUTED:
            return minutes
        return minutes * float(std.mode("walk")["speed_kmh"]) * 1000.0 / 60.0

    @staticmethod
    def _build(D: np.ndarray, w: np.ndarray, cand: np.ndarray, k: int) -> list[int]:
        """PAM's BUILD: the weighted 1-median, then each time the candidate that lowers the weighted cost most."""
        Dc = D[:, cand]
        chosen = [int(cand[np.argmin(w @ Dc)])]
        dmin = D[:, chosen[0]].copy()
        for _ in range(1, k):
            gain = w @ np.maximum(dmin[:, None] - Dc, 0.0)
            j = int(np.argmax(gain))
            if not gain[j] > 0:            # every candidate already sits on a centre: no further cluster
                break
            chosen.append(int(cand[j]))
            np.minimum(dmin, D[:, cand[j]], out=dmin)
        return chosen

    def _kmedoids_pp(self, D: np.ndarray, w: np.ndarray, cand: np.ndarray, k: int) -> list[int]:
        """The weighted 1-median, then candidates drawn with probability ∝ children × squared distance."""
        rng = np.random.default_rng(self.random_state)
        chosen = [int(cand[np.argmin(w @ D[:, cand])])]
        for _ in range(1, k):
            p = w[cand] * D[cand][:, chosen].min(axis=1) ** 2
            if not p.sum() > 0:
                break
            chosen.append(int(cand[rng.choice(len(cand), p=p / p.sum())]))
        return chosen

    # ---- estimator API ------------------------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None) -> EnrolmentClusters:
        """Find the clusters.

        Parameters
        ----------
        X : array
            A travel matrix ``(n, n)`` or coordinates ``(n, d)`` (see ``metric``).
        y : ignored
        sample_weight : array (n,), optional
            Children per village (default 1 each). A village with none never becomes a centre, exactly as if it
            were left out; weights 2 and 3 count as that village twice and three times.

        Returns
        -------
        self
        """
        self._check_params()
        X = self._validate(X, reset=True)
        if self.metric in PRECOMPUTED:
            if X.shape[0] != X.shape[1]:
                raise ValueError(f"metric={self.metric!r} needs a square village × village matrix, got shape "
                                 f"{X.shape}")
            D = np.maximum(X, X.T)   # trips may differ by direction: the longer way counts, both ways reachable
        else:
            D = pairwise_distances(X, metric="euclidean")
        D = _finite(D)
        n = len(D)
        w = _weights(sample_weight, n)
        cand = np.flatnonzero(w > 0)
        k = int(min(self.n_clusters, len(cand)))
        start = self._build if self.init == "build" else self._kmedoids_pp
        med = np.array(start(D, w, cand, k))
        it = 0
        for it in range(1, self.max_iter + 1):  # noqa: B007
            labels = np.argmin(D[:, med], axis=1)
            new = med.copy()
            for c in range(len(med)):
                members = np.flatnonzero(labels == c)
                sites = members[w[members] > 0]
                if len(sites):
                    new[c] = sites[int(np.argmin(w[members] @ D[np.ix_(members, sites)]))]
            if set(new.tolist()) == set(med.tolist()):
                med = new
                break
            med = new
        labels = np.argmin(D[:, med], axis=1)
        weight = np.bincount(labels, weights=w, minlength=len(med))
        size = np.bincount(labels, minlength=len(med))
        keep = np.flatnonzero(size > 0)
        order = keep[np.argsort(-weight[keep], kind="stable")]       # the largest catchment first
        med = med[order]
        labels = np.argmin(D[:, med], axis=1)
        self.medoid_indices_ = med
        self.labels_ = labels.astype(np.int64)
        self._D = D
        self.cluster_centers_ = X[med]
        self.cluster_weights_ = np.bincount(labels, weights=w, minlength=len(med)).astype(float)
        self.inertia_ = float(w @ D[np.arange(n), med[labels]])
        Dm = D[np.ix_(med, med)].copy()
        np.fill_diagonal(Dm, np.inf)
        self.remote_ = (Dm.min(axis=1) > self._remote_limit()) if len(med) > 1 else np.zeros(len(med), bool)
        self.n_iter_ = it
        return self

    def predict(self, X) -> np.ndarray:
        """Cluster of the nearest centre for each new point.

        Parameters
        ----------
        X : array
            ``precomputed``: travel minutes ``(m, n_fit)`` from each new point to the villages the estimator was
            fitted on; ``euclidean``: coordinates ``(m, d)``.

        Returns
        -------
        ndarray of int (m,)
        """
        check_is_fitted(self, "medoid_indices_")
        X = self._validate(X, reset=False)
        if self.metric in PRECOMPUTED:
            D = _finite(X[:, self.medoid_indices_])
        else:
            D = pairwise_distances(X, self.cluster_centers_, metric="euclidean")
        return np.argmin(D, axis=1).astype(np.int64)

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """``fit`` then return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_
