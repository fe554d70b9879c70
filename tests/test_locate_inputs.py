"""Parameter validation shared by every locate function: plain messages, all problems at once."""

from __future__ import annotations

import numpy as np
import pytest

from layout.errors import LayoutInputError
from layout.locate import capacitated_p_median, max_coverage, p_median, set_cover

COST = np.arange(12, dtype=float).reshape(4, 3)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: p_median(COST, 4), "p = 4 is larger than the 3 candidate sites"),
    (lambda: p_median(COST, 2, forbidden=[0, 1]), "p = 2 is larger than the 1 candidate sites"),
    (lambda: p_median(COST, 1, required=[0, 1]), "p = 1 is smaller than the 2 required sites"),
    (lambda: p_median(COST, 2, required=[1], forbidden=[1]), "sites 1 are both required and forbidden"),
    (lambda: p_median(-COST, 1), "cost has 11 negative values"),
    (lambda: p_median(COST, 1, weights=[1, 2]), "weights has 2 values but 4 are needed"),
    (lambda: p_median(COST, 1, required=[7]), "required lists sites outside 0…2: 7"),
    (lambda: p_median(COST, 0), "p must be at least 1"),
    (lambda: p_median(COST, 1.5), "p must be a whole number"),
    (lambda: p_median(np.array([1.0, 2.0]), 1), "cost must be a non-empty 2-D matrix"),
    (lambda: p_median(np.array([[np.nan, 1.0]]), 1), "missing (NaN) values"),
    (lambda: p_median(COST, 1, max_cost=-3), "max_cost must be a non-negative number"),
    (lambda: p_median(COST, 1, time_limit=0), "time_limit must be a positive number"),
    (lambda: p_median(COST, 1, method="fast"), "method must be"),
    (lambda: capacitated_p_median(COST, 1, demand=[1, 1, 1, -1], capacity=5), "demand must be finite"),
    (lambda: capacitated_p_median(COST, 1, demand=[1] * 4, capacity=[5, 5]), "capacity has 2 values"),
    (lambda: max_coverage(COST, 1, radius=-1), "radius must be a non-negative number"),
    (lambda: set_cover(COST, radius=5, site_cost=[1, -1, 1]), "site_cost must be finite and non-negative"),
])
def test_bad_input_raises_plain_message(call, message):
    with pytest.raises(LayoutInputError) as err:
        call()
    assert message in str(err.value)


def test_all_problems_reported_at_once():
    with pytest.raises(LayoutInputError) as err:
        p_median(-COST, 9, weights=[1], required=[5])
    assert len(err.value.problems) >= 3


def test_boolean_masks_accepted_for_sites():
    sol = p_median(COST, 1, forbidden=np.array([True, False, True]))
    assert sol.open.tolist() == [1]
