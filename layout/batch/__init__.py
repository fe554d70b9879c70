"""Batch evaluation: many proposals, many counties, locally or on a Dask cluster.

* :func:`evaluate_many` — one county, a folder (or list) of proposals → :class:`BatchResult` (one row per
  proposal: schools, travel per band, children within 30 min, unserved, boarders, costs, balance, violations,
  Pareto front, rank by a goal). Results are cached by input hash; re-runs skip finished proposals.
* :func:`evaluate_counties` — every county folder under a directory.
* :func:`random_proposals` / :func:`write_random_proposals` — random valid proposals for trials and benchmarks.
* :func:`write_table` — Excel/CSV with English or Chinese headers.

Example
-------
>>> from layout.batch import evaluate_many, random_proposals
>>> proposals = {"two points": plan, **{p.name: p for p in random_proposals(county, 2, seed=1)}}
>>> result = evaluate_many(county, proposals, goal="travel", progress=False)
>>> result.table.set_index("proposal")["status"].to_dict()
{'two points': 'ok', 'random 01': 'ok', 'random 02': 'ok'}
>>> result.to_file("out/results.xlsx", lang="zh").name
'results.xlsx'

For the sample county and its three proposals (about ten seconds):
``evaluate_many(layout.datasets.sample_county(), layout.datasets.SAMPLE_PROPOSALS, goal="travel")``.
"""

from __future__ import annotations

from layout.batch.counties import evaluate_counties, find_counties
from layout.batch.pareto import DEFAULT_OBJECTIVES, pareto_mask
from layout.batch.proposals import random_proposals, write_random_proposals
from layout.batch.ranking import GOALS, rank
from layout.batch.runner import BatchResult, collect_proposals, evaluate_many
from layout.batch.tables import COLUMN_LABELS, write_table

__all__ = ["evaluate_many", "evaluate_counties", "find_counties", "BatchResult", "collect_proposals",
           "random_proposals", "write_random_proposals", "pareto_mask", "DEFAULT_OBJECTIVES", "rank", "GOALS",
           "write_table", "COLUMN_LABELS"]
