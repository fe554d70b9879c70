"""EnrolmentClusters: known catchments, weights, travel matrices, remote pockets, estimator conventions."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from layout.cluster import EnrolmentClusters

TWO_GROUPS = np.array([[0, 0], [100, 0], [0, 100], [5000, 5000], [5100, 5000]], float)


def test_two_obvious_groups_euclidean():
    est = EnrolmentClusters(n_clusters=2, metric="euclidean").fit(TWO_GROUPS, sample_weight=[10, 10, 10, 5, 5])
    assert est.labels_.tolist() == [0, 0, 0, 1, 1]
    assert sorted(est.cluster_weights_.tolist()) == [10.0, 30.0]
    assert est.remote_.tolist() == [True, True]     # 7 km apart, beyond the 2 km default


def test_weights_move_the_medoid_to_the_big_village():
    X = np.array([[0, 0], [1000, 0], [2000, 0]], float)
    light = EnrolmentClusters(n_clusters=1, metric="euclidean").fit(X, sample_weight=[1, 1, 1])
    heavy = EnrolmentClusters(n_clusters=1, metric="euclidean").fit(X, sample_weight=[1, 1, 100])
    assert light.medoid_indices_.tolist() == [1]
    assert heavy.medoid_indices_.tolist() == [2]
    assert heavy.inertia_ == pytest.approx(1 * 2000 + 1 * 1000)


def test_travel_matrix_groups_by_minutes_not_straight_lines():
    # villages 0-1 are close in minutes, 2-3 too; a river makes 1-2 far although their points are near
    T = np.array([[0, 5, 60, 65], [5, 0, 55, 60], [60, 55, 0, 5], [65, 60, 5, 0]], float)
    est = EnrolmentClusters(n_clusters=2, metric="travel").fit(T, sample_weight=[10, 20, 30, 5])
    assert est.labels_[0] == est.labels_[1] != est.labels_[2] == est.labels_[3]
    assert set(est.medoid_indices_.tolist()) == {1, 2}    # the heavier village of each pair
    assert est.remote_.tolist() == [True, True]           # 55 minutes apart > 30
    # predict: a new point 4 minutes from village 3 belongs to its cluster
    assert est.predict([[70, 64, 9, 4]]).tolist() == [est.labels_[3]]


def test_unreachable_villages_form_their_own_pocket():
    inf = np.inf
    T = np.array([[0, 10, inf], [10, 0, inf], [inf, inf, 0]])
    est = EnrolmentClusters(n_clusters=2, metric="travel").fit(T)
    assert est.labels_[0] == est.labels_[1] != est.labels_[2]


def test_estimator_conventions():
    est = EnrolmentClusters(n_clusters=3, metric="euclidean", random_state=4)
    assert clone(est).get_params() == est.get_params()
    labels = est.fit_predict(TWO_GROUPS)
    assert labels.tolist() == est.labels_.tolist()
    with pytest.raises(ValueError, match="square"):
        EnrolmentClusters(metric="travel").fit(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="metric"):
        EnrolmentClusters(metric="manhattan").fit(TWO_GROUPS)
    with pytest.raises(ValueError, match="sample_weight"):
        EnrolmentClusters(n_clusters=2, metric="euclidean").fit(TWO_GROUPS, sample_weight=[1, 2])


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 6))
def test_every_village_goes_to_its_nearest_medoid_and_runs_repeat(seed, k):
    rng = np.random.default_rng(seed)
    X = rng.uniform(0, 10_000, size=(30, 2))
    w = rng.integers(0, 50, size=30)
    a = EnrolmentClusters(n_clusters=k, metric="euclidean", random_state=seed).fit(X, sample_weight=w)
    b = EnrolmentClusters(n_clusters=k, metric="euclidean", random_state=seed).fit(X, sample_weight=w)
    assert a.labels_.tolist() == b.labels_.tolist()
    D = np.sqrt(((X[:, None] - X[a.medoid_indices_][None]) ** 2).sum(axis=2))
    assert np.allclose(D[np.arange(30), a.labels_], D.min(axis=1))
    assert len(a.medoid_indices_) <= k
    assert a.cluster_weights_.sum() == pytest.approx(w.sum())
