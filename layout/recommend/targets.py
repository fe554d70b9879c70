"""Targets a county bureau sets for a recommendation: which schools to close, keep or protect, how many schools per
stage, how many boarding centres per township, and the capital budget.

They come from the ``targets:`` block of ``county.yaml`` and from ``layout plan`` options (the options win), e.g.::

    targets:
      close_under: 50              # close schools of fewer than 50 pupils where the rules allow
      max_schools: {primary: 40, middle: 6}
      boarding_per_township: [1, 2]
      budget: 60000000             # capital, yuan
      keep: [S012]
      must_close: [S077]
      protected: [S031]            # 应留必留: remote or ethnic schools that stay whatever the numbers say

Example
-------
>>> t = Targets.from_mapping({"close_under": 50, "boarding_per_township": 2})
>>> t.close_under, t.boarding_per_township
(50, (0, 2))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from layout.errors import LayoutInputError, Problem

__all__ = ["Targets"]

_KEYS = ("close_under", "max_schools", "boarding_per_township", "budget", "keep", "must_close", "protected")


def _ids(value: Any, key: str, source: str, problems: list[Problem]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for v in items:
        if v is None or isinstance(v, (list, dict, bool)) or str(v).strip() == "":
            problems.append(Problem(source, f"targets.{key}: not a school id", column=key, value=v,
                                    fix="list school_ids, e.g. [S012, S031]"))
        else:
            out.append(str(v).strip())
    return tuple(out)


def _whole(value: Any, key: str, source: str, problems: list[Problem], lo: int = 0) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or float(value) != int(value) or value < lo:
        problems.append(Problem(source, f"targets.{key} must be a whole number ≥ {lo}", column=key, value=value,
                                fix=f"e.g. {key}: {max(lo, 1) * 2}"))
        return None
    return int(value)


@dataclass(frozen=True)
class Targets:
    """What a bureau asks of a recommendation.

    Parameters
    ----------
    close_under : int, optional
        Close every school of fewer pupils than this (today's real enrolment) where the travel rules allow; those
        the rules keep open are listed with the rule.
    max_schools : dict, optional
        ``{"primary": n, "middle": n}``: at most this many schools teaching the stage.
    boarding_per_township : (int, int)
        Fewest and most boarding primaries (central schools with beds) per township; default from the standards.
    budget : float, optional
        Capital the plan may spend (yuan).
    keep, must_close, protected : tuple of str
        Schools to keep, to close, and to protect (应留必留: kept whatever the numbers say, and never downgraded).
    """

    close_under: int | None = None
    max_schools: dict[str, int] = field(default_factory=dict)
    boarding_per_township: tuple[int, int] | None = None
    budget: float | None = None
    keep: tuple[str, ...] = ()
    must_close: tuple[str, ...] = ()
    protected: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None, source: str = "targets") -> Targets:
        """Targets from a ``targets:`` mapping (county.yaml); every problem is reported at once.

        Raises
        ------
        LayoutInputError
            Unknown keys, wrong types or ranges.
        """
        data = dict(data or {})
        problems: list[Problem] = []
        for k in data:
            if k not in _KEYS:
                problems.append(Problem(source, f"unknown target {k!r}", column=str(k), fix=f"use {', '.join(_KEYS)}"))
        close_under = _whole(data.get("close_under"), "close_under", source, problems)
        max_schools: dict[str, int] = {}
        ms = data.get("max_schools")
        if ms is not None:
            if not isinstance(ms, Mapping):
                problems.append(Problem(source, "targets.max_schools must be a mapping", column="max_schools",
                                        value=ms, fix="e.g. max_schools: {primary: 40, middle: 6}"))
            else:
                for stage, n in ms.items():
                    if stage not in ("primary", "middle"):
                        problems.append(Problem(source, f"targets.max_schools: unknown stage {stage!r}",
                                                column="max_schools", fix="use primary or middle"))
                    else:
                        v = _whole(n, f"max_schools.{stage}", source, problems, lo=1)
                        if v is not None:
                            max_schools[stage] = v
        bpt = data.get("boarding_per_township")
        boarding = None
        if bpt is not None:
            if isinstance(bpt, (list, tuple)) and len(bpt) == 2:
                lo = _whole(bpt[0], "boarding_per_township", source, problems)
                hi = _whole(bpt[1], "boarding_per_township", source, problems)
                if lo is not None and hi is not None:
                    if lo > hi:
                        problems.append(Problem(source, "targets.boarding_per_township: the fewest exceeds the most",
                                                column="boarding_per_township", value=bpt, fix="e.g. [1, 2]"))
                    boarding = (lo, hi)
            else:
                hi = _whole(bpt, "boarding_per_township", source, problems)
                boarding = None if hi is None else (0, hi)
        budget = data.get("budget")
        if budget is not None and (isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0):
            problems.append(Problem(source, "targets.budget must be a number of yuan ≥ 0", column="budget",
                                    value=budget, fix="e.g. budget: 50000000"))
            budget = None
        t = cls(close_under, max_schools, boarding, None if budget is None else float(budget),
                _ids(data.get("keep"), "keep", source, problems),
                _ids(data.get("must_close"), "must_close", source, problems),
                _ids(data.get("protected"), "protected", source, problems))
        if problems:
            raise LayoutInputError(problems, f"{source}: invalid targets")
        return t

    def merged(self, **overrides: Any) -> Targets:
        """These targets with the given ones replaced (None leaves a target as it is)."""
        return replace(self, **{k: v for k, v in overrides.items() if v is not None})

    def check_ids(self, school_ids, source: str = "targets") -> None:
        """Unknown school ids and a protected school listed in ``must_close`` are errors naming them.

        Raises
        ------
        LayoutInputError
        """
        known = set(map(str, school_ids))
        problems = []
        for key in ("keep", "must_close", "protected"):
            for sid in getattr(self, key):
                if sid not in known:
                    near = sorted(k for k in known if sid.lower() in k.lower())[:3]
                    problems.append(Problem(source, f"targets.{key}: unknown school id", column=key, value=sid,
                                            fix="use a school_id of schools.csv"
                                                + (f" (similar: {', '.join(near)})" if near else "")))
        for sid in sorted(set(self.must_close) & (set(self.protected) | set(self.keep))):
            which = "protected" if sid in self.protected else "keep"
            problems.append(Problem(source, f"school {sid} is both in must_close and in {which}", column="must_close",
                                    value=sid, fix=f"remove it from one of must_close and {which}"))
        if problems:
            raise LayoutInputError(problems, f"{source}: targets name unknown or contradictory schools")

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for recommendation.json)."""
        return {"close_under": self.close_under, "max_schools": dict(self.max_schools),
                "boarding_per_township": list(self.boarding_per_township) if self.boarding_per_township else None,
                "budget": self.budget, "keep": list(self.keep), "must_close": list(self.must_close),
                "protected": list(self.protected)}
