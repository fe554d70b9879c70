"""Plans and proposals: which schools stay, close, merge, board, open or grow.

* :class:`Plan` — every school's state under a proposal (immutable); ``Plan.status_quo(county)``,
  ``plan.apply(action)``, ``plan.schools``, ``plan.new_sites``, ``plan.actions``.
* Actions — :class:`Close`, :class:`Merge`, :class:`Downgrade`, :class:`AddBoarding`, :class:`Expand`,
  :class:`Open`, :class:`DesignateBoarding`, :class:`MovePupils`.
* Proposal files — :func:`read_proposal`, :func:`write_proposal`, :func:`proposal_from_dict`
  (format in ``docs/proposals.md``).

Example
-------
>>> from layout.plan import Plan, Close, Merge
>>> plan = Plan.status_quo(county).apply(Merge("S017", "S012")).apply(Close("S011"))
>>> plan.schools.loc[["S011", "S017", "S012"], "status"].to_dict()
{'S011': 'closed', 'S017': 'closed', 'S012': 'open'}
>>> plan.schools.loc["S017", "merged_into"]
'S012'
"""

from __future__ import annotations

from layout.plan.actions import (
    ACTION_TYPES,
    Action,
    AddBoarding,
    Close,
    DesignateBoarding,
    Downgrade,
    Expand,
    Merge,
    MovePupils,
    Open,
)
from layout.plan.proposal import proposal_from_dict, proposal_to_dict, read_proposal, write_proposal
from layout.plan.state import Plan, kind_for_grades, parse_grades

__all__ = ["Plan", "Action", "Close", "Merge", "Downgrade", "AddBoarding", "Expand", "Open", "DesignateBoarding",
           "MovePupils",
           "ACTION_TYPES", "read_proposal", "write_proposal", "proposal_from_dict", "proposal_to_dict",
           "parse_grades", "kind_for_grades"]
