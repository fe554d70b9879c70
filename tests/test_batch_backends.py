"""Batch back ends: local process pool and a Dask LocalCluster give the same table as evaluating in-process."""

from __future__ import annotations

import pandas as pd
import pytest

from layout.batch import evaluate_many, write_random_proposals
from tests.test_batch import BROKEN
from tests.test_evaluate_fixtures import random_county

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county():
    return random_county(11, n_villages=16, n_schools=6)


@pytest.fixture(scope="module")
def proposals_dir(county, tmp_path_factory):
    folder = tmp_path_factory.mktemp("proposals")
    write_random_proposals(county, folder, 4, seed=2)
    (folder / "zz_broken.yaml").write_text(BROKEN, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def inline(county, proposals_dir):
    return evaluate_many(county, proposals_dir, n_jobs=1, progress=False)


def test_local_processes_give_the_same_table(county, proposals_dir, inline):
    pooled = evaluate_many(county, proposals_dir, n_jobs=2, progress=False)
    assert pooled.backend == "processes"
    pd.testing.assert_frame_equal(inline.table, pooled.table)


def test_dask_local_cluster_gives_the_same_table(county, proposals_dir, inline):
    distributed = pytest.importorskip("distributed")
    # threads keep the test fast; the process pool test above covers pickling across processes
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None,
                                  silence_logs=40) as cluster, distributed.Client(cluster) as client:
        on_dask = evaluate_many(county, proposals_dir, client=client, progress=False)
    assert on_dask.backend == "dask"
    pd.testing.assert_frame_equal(inline.table, on_dask.table)
