"""Location-allocation solvers on a cost matrix: p-median, capacitated p-median, coverage, the school model.

Every function takes ``cost`` (demand points × candidate sites; dense with ``inf`` for pairs not allowed, or
scipy.sparse with absent pairs not allowed), validates its parameters up front (raising
:class:`~layout.errors.LayoutInputError` with plain messages) and returns a :class:`Solution` with the open
sites, the assignment, the objective, a proven lower bound and the gap. The module knows nothing about schools,
so public benchmark instances run through the very same code (see ``benchmarks/locate.py``).
"""

from __future__ import annotations

from layout.locate.capacitated import capacitated_p_median
from layout.locate.coverage import max_coverage, set_cover
from layout.locate.pmedian import p_median
from layout.locate.school_model import school_model
from layout.locate.solution import STATUSES, Solution

__all__ = ["Solution", "STATUSES", "p_median", "capacitated_p_median", "max_coverage", "set_cover", "school_model"]
