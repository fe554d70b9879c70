"""The namespace every docstring example in ``layout/`` shares (``pytest --doctest-modules``).

Names an example may use without defining them:

``layout``
    The package.
``county``
    A small generated county, ``make_county(n_villages=40, n_townships=4, seed=3)`` (27 schools).
``plan``
    A proposal for it: close teaching point S011, merge teaching point S017 into S012.
``today``, ``plan_evaluation``
    ``evaluate(county)`` and ``evaluate(county, plan)``.
``allocation``
    ``plan_evaluation.allocation`` (where every child goes under the plan).
``out``
    A fresh empty folder for the example's outputs; each example also runs with it as the working folder, so a
    relative path such as ``"out/report"`` is written there, never into the repository.

The county and evaluations are built once per test process, the first time a doctest runs; the tests in
``tests/`` do not pay for them.
"""

from __future__ import annotations

import functools

import pytest
from _pytest.doctest import DoctestItem


@functools.cache
def _shared() -> dict:
    import layout
    from layout.datasets import make_county
    from layout.evaluate import evaluate
    from layout.plan import Close, Merge, Plan

    county = make_county(n_villages=40, n_townships=4, seed=3)
    plan = (Plan.status_quo(county).apply(Close("S011")).apply(Merge("S017", "S012"))
            .renamed("close two teaching points"))
    today = evaluate(county)
    plan_evaluation = evaluate(county, plan)
    return {"layout": layout, "county": county, "plan": plan, "today": today, "plan_evaluation": plan_evaluation,
            "allocation": plan_evaluation.allocation}


@pytest.fixture(autouse=True)
def _doctest_county(request):
    """Fill the doctest namespace and run each doctest in its own empty folder (no-op for other tests)."""
    if not isinstance(request.node, DoctestItem):
        yield
        return
    namespace = request.getfixturevalue("doctest_namespace")
    tmp = request.getfixturevalue("tmp_path")
    monkeypatch = request.getfixturevalue("monkeypatch")
    namespace.update(_shared())
    namespace["out"] = tmp
    monkeypatch.chdir(tmp)
    yield
