"""Enrolment clusters: villages grouped into natural catchments by travel time, weighted by children.

:class:`EnrolmentClusters` is a scikit-learn estimator (``fit`` / ``predict`` / ``fit_predict``). It runs a
weighted k-medoids (PAM-style alternation from a deterministic k-means++ start): every cluster's centre is the
village that minimises the children-weighted travel of its members (a candidate central site), and clusters
whose centre is far from every other centre are flagged as remote pockets.

Two inputs are accepted:

* ``metric="euclidean"``: ``X`` is an ``(n, 2)`` array of projected coordinates in metres;
* ``metric="travel"``: ``X`` is a precomputed square ``(n, n)`` matrix of travel minutes between villages
  (e.g. ``layout.network.travel(county, "walk", sites=villages).minutes``); ``inf`` marks no road.

Example
-------
>>> import numpy as np
>>> X = np.array([[0, 0], [100, 0], [0, 100], [5000, 5000], [5100, 5000]], float)
>>> est = EnrolmentClusters(n_clusters=2, metric="euclidean").fit(X, sample_weight=[10, 10, 10, 5, 5])
>>> est.labels_.tolist()
[0, 0, 0, 1, 1]
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, ClusterMixin
from sklearn.utils.validation import check_is_fitted

__all__ = ["EnrolmentClusters"]


def _weights(sample_weight, n: int) -> np.ndarray:
    if sample_weight is None:
        return np.ones(n)
    w = np.asarray(sample_weight, dtype=float).reshape(-1)
    if w.shape[0] != n:
        raise ValueError(f"sample_weight has {w.shape[0]} values for {n} villages: give one per village")
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError("sample_weight (children) must be finite and ≥ 0")
    return w


class EnrolmentClusters(ClusterMixin, BaseEstimator):
    """Weighted k-medoids clustering of villages by travel time or straight-line distance.

    Parameters
    ----------
    n_clusters : int
        Number of catchments to find.
    metric : {"travel", "euclidean"}
        ``travel``: ``X`` is a precomputed square travel-time matrix; ``euclidean``: ``X`` holds projected
        coordinates (metres).
    remote_distance : float or None
        A cluster whose medoid is farther than this (minutes or metres, as ``X``) from every other medoid is
        a remote pocket. None: 30 for ``travel`` (the grade 1–3 walking limit) and 2000 m for ``euclidean``.
    max_iter : int
        Most medoid-update rounds.
    random_state : int
        Seed of the k-means++ start (results are identical for equal inputs and seed).

    Attributes
    ----------
    labels_ : ndarray (n,)
        Cluster of each village (clusters are numbered by their medoid's position, so the order is stable).
    medoid_indices_ : ndarray (k,)
        Row of each cluster's medoid (the candidate central site).
    cluster_centers_ : ndarray
        Coordinates of the medoids (``euclidean``) or their rows of ``X`` (``travel``).
    cluster_weights_ : ndarray (k,)
        Children in each cluster.
    remote_ : ndarray of bool (k,)
        Remote pockets.
    inertia_ : float
        Children-weighted sum of distances to the medoid.
    n_iter_ : int
    """

    def __init__(self, n_clusters: int = 8, metric: str = "travel", remote_distance: float | None = None,
                 max_iter: int = 100, random_state: int = 0):
        self.n_clusters = n_clusters
        self.metric = metric
        self.remote_distance = remote_distance
        self.max_iter = max_iter
        self.random_state = random_state

    # ---- helpers ------------------------------------------------------------------------------------------
    def _distances(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if self.metric == "travel":
            if X.ndim != 2 or X.shape[0] != X.shape[1]:
                raise ValueError(f"metric='travel' needs a square village × village matrix, got shape {X.shape}")
            if np.isnan(X).any() or (X < 0).any():
                raise ValueError("travel matrix must hold minutes ≥ 0 (inf where there is no road), not NaN")
            # trips may differ by direction: use the longer of the two so a cluster is reachable both ways
            return np.maximum(X, X.T)
        if self.metric == "euclidean":
            if X.ndim != 2 or X.shape[1] != 2 or not np.isfinite(X).all():
                raise ValueError("metric='euclidean' needs finite projected coordinates of shape (n, 2)")
            diff = X[:, None, :] - X[None, :, :]
            return np.sqrt((diff ** 2).sum(axis=2))
        raise ValueError(f"metric must be 'travel' or 'euclidean', got {self.metric!r}")

    @staticmethod
    def _finite(D: np.ndarray) -> np.ndarray:
        big = np.nanmax(np.where(np.isfinite(D), D, np.nan)) if np.isfinite(D).any() else 1.0
        return np.where(np.isfinite(D), D, 10.0 * (big + 1.0))

    def _init(self, D: np.ndarray, w: np.ndarray, k: int) -> np.ndarray:
        rng = np.random.default_rng(self.random_state)
        n = len(D)
        # first medoid: the weighted 1-median (deterministic); then k-means++ by weighted squared distance
        first = int(np.argmin((D * w[None, :]).sum(axis=1)))
        chosen = [first]
        for _ in range(1, k):
            dmin = D[:, chosen].min(axis=1)
            p = (w + 1e-9) * dmin ** 2
            p[chosen] = 0.0
            if p.sum() <= 0:
                rest = [i for i in range(n) if i not in chosen]
                chosen.append(rest[0])
                continue
            chosen.append(int(rng.choice(n, p=p / p.sum())))
        return np.array(chosen)

    # ---- estimator API ------------------------------------------------------------------------------------
    def fit(self, X, y=None, sample_weight=None) -> EnrolmentClusters:
        """Find the clusters.

        Parameters
        ----------
        X : array
            Coordinates ``(n, 2)`` or a travel matrix ``(n, n)`` (see ``metric``).
        y : ignored
        sample_weight : array (n,), optional
            Children per village (default 1 each).

        Returns
        -------
        self
        """
        D = self._finite(self._distances(X))
        n = len(D)
        if not (isinstance(self.n_clusters, int | np.integer) and self.n_clusters >= 1):
            raise ValueError(f"n_clusters must be a whole number ≥ 1, got {self.n_clusters!r}")
        k = int(min(self.n_clusters, n))
        w = _weights(sample_weight, n)
        med = self._init(D, w, k)
        it = 0
        for it in range(1, self.max_iter + 1):  # noqa: B007
            labels = np.argmin(D[:, med], axis=1)
            new = med.copy()
            for c in range(k):
                members = np.flatnonzero(labels == c)
                if len(members) == 0:
                    continue
                sub = D[np.ix_(members, members)] * w[members][:, None]
                new[c] = members[int(np.argmin(sub.sum(axis=0)))]
            if np.array_equal(np.sort(new), np.sort(med)):
                med = new
                break
            med = new
        med = np.sort(np.unique(med))
        labels = np.argmin(D[:, med], axis=1)
        self.medoid_indices_ = med
        self.labels_ = labels
        self._D = D
        Xa = np.asarray(X, dtype=float)
        self.cluster_centers_ = Xa[med]
        self._X_fit = Xa
        self.cluster_weights_ = np.array([w[labels == c].sum() for c in range(len(med))])
        self.inertia_ = float((D[np.arange(n), med[labels]] * w).sum())
        limit = self.remote_distance if self.remote_distance is not None else (
            30.0 if self.metric == "travel" else 2000.0)
        Dm = D[np.ix_(med, med)].copy()
        np.fill_diagonal(Dm, np.inf)
        self.remote_ = (Dm.min(axis=1) > limit) if len(med) > 1 else np.zeros(len(med), bool)
        self.n_iter_ = it
        return self

    def predict(self, X) -> np.ndarray:
        """Nearest medoid of each new point.

        Parameters
        ----------
        X : array
            ``euclidean``: coordinates ``(m, 2)``; ``travel``: travel minutes ``(m, n_fit)`` from each new point
            to the villages the estimator was fitted on.

        Returns
        -------
        ndarray of int (m,)
        """
        check_is_fitted(self, "medoid_indices_")
        X = np.asarray(X, dtype=float)
        if self.metric == "travel":
            if X.ndim != 2 or X.shape[1] != self._D.shape[0]:
                raise ValueError(f"predict needs travel minutes to the {self._D.shape[0]} fitted villages")
            D = self._finite(X[:, self.medoid_indices_])
        else:
            centres = self._X_fit[self.medoid_indices_]
            D = np.sqrt(((X[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
        return np.argmin(D, axis=1)

    def fit_predict(self, X, y=None, sample_weight=None) -> np.ndarray:
        """``fit`` then return ``labels_``."""
        return self.fit(X, sample_weight=sample_weight).labels_
