"""The range rules of the standards: one table, one line per key (or key pattern).

Keys, nesting and basic types are *not* listed here: they come from ``national.yaml`` itself
(:mod:`layout.standards.validation`), so a key added there is known at once. This table adds what the example
value cannot say: that a speed must be above 0, a share within [0, 1], a count a whole number, a list
increasing. A pattern's ``*`` stands for one key or one list position.

Every number of ``national.yaml`` must match a rule here (``tests/test_standards_schema.py`` checks it); a
number without one gets :data:`DEFAULT` (finite and 0 or more). To add a key: add it to ``national.yaml`` with
its source mark, then one line below.

Example
-------
>>> rule_for("modes.walk.speed_kmh")
Rule(gt=0, le=300, why='a speed of 0 or less makes every trip endless')
>>> rule_for("costs.poor_boarder_share").describe()
'a number from 0 to 1'
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Rule", "RULES", "DEFAULT", "rule_for", "CROSS_CHECKS", "REQUIRED_REPORT_BINS", "MINUTES_MAX"]

MINUTES_MAX = 24 * 60        # a one-way trip limit beyond a day is a typo (seconds? hours × 60 twice?)
SPEED_MAX = 300              # km/h; no school trip is faster
YUAN_MAX = 1e12              # a trillion yuan: beyond any county budget
COUNT_MAX = 100_000          # pupils, seats, posts ... in one standard value
# The batch table's column g1_3_within_30min and the summary's "≤30 min" share are read from the 30-minute
# report bin: travel.report_bins_minutes must keep it (the grades 1-3 day-trip rule of 国办发〔2018〕27号).
REQUIRED_REPORT_BINS = (30,)


@dataclass(frozen=True)
class Rule:
    """What a value (or every value matched by a pattern) must be, beyond its type.

    Parameters
    ----------
    gt, ge, lt, le : float, optional
        Bounds: greater than, at least, less than, at most.
    integer : bool
        A whole number.
    increasing : bool
        A list whose items strictly increase.
    length : int, optional
        A list of exactly this many items.
    nonempty : bool
        A list or mapping with at least one item.
    choices : tuple, optional
        The allowed values.
    why : str
        Shown in the fix: why the rule exists.
    """

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None
    integer: bool = False
    increasing: bool = False
    length: int | None = None
    nonempty: bool = False
    choices: tuple | None = None
    why: str = ""

    def __repr__(self) -> str:
        fields = {k: getattr(self, k) for k in self.__dataclass_fields__}
        shown = [f"{k}={v!r}" for k, v in fields.items() if v is not None and v is not False and v != ""]
        return f"Rule({', '.join(shown)})"

    def describe(self) -> str:
        """The rule in words (used in fixes)."""
        what = "a whole number" if self.integer else "a number"
        if self.ge is not None and self.le is not None:
            return f"{what} from {self.ge:g} to {self.le:g}"
        parts = []
        if self.gt is not None:
            parts.append(f"above {self.gt:g}")
        if self.ge is not None:
            parts.append(f"at least {self.ge:g}")
        if self.lt is not None:
            parts.append(f"below {self.lt:g}")
        if self.le is not None:
            parts.append(f"at most {self.le:g}")
        return what + (" " + " and ".join(parts) if parts else "")


def _r(**kw: Any) -> Rule:
    return Rule(**kw)


POSITIVE = Rule(gt=0)
SHARE = Rule(ge=0, le=1, why="a share of 1 means 100 %")
YUAN = Rule(ge=0, le=YUAN_MAX, why="money in yuan is 0 or more")
DEFAULT = Rule(ge=0)
_SPEED = Rule(gt=0, le=SPEED_MAX, why="a speed of 0 or less makes every trip endless")
_MINUTES_LIMIT = Rule(gt=0, le=MINUTES_MAX, why="a limit of 0 or less leaves every child without a trip")
_DETOUR = Rule(ge=1, le=10, why="a route is never shorter than the straight line")
_CV = Rule(gt=0, le=10, why="a coefficient of variation limit is a ratio above 0")
_GRADE = Rule(integer=True, ge=1, le=9, why="compulsory education has grades 1-9")
_COUNT_POSITIVE = Rule(integer=True, gt=0, le=COUNT_MAX)
_COUNT = Rule(integer=True, ge=0, le=COUNT_MAX)

# pattern -> rule. Patterns are dotted paths; "*" is one key or list position.
RULES: dict[str, Rule] = {
    "grade_bands.*": _r(length=2, why="a band is [first grade, last grade]"),
    "grade_bands.*.*": _GRADE,
    "school_kinds.*.grades": _r(length=2, why="grades are [lowest, highest]"),
    "school_kinds.*.grades.*": _GRADE,
    "school_kinds.*.stage": _r(choices=("primary", "middle", "both")),
    # travel
    "travel.walk_limit_minutes.*": _MINUTES_LIMIT,
    "travel.bus_limit_minutes.*": _r(ge=0, le=MINUTES_MAX, why="0 means never bused"),
    "travel.report_bins_minutes": _r(increasing=True, nonempty=True, why="bins are upper limits of trip bands"),
    "travel.report_bins_minutes.*": _r(integer=True, gt=0, le=MINUTES_MAX, why="bins are whole minutes"),
    "travel.urban_service_radius_metres.*": _r(gt=0, le=100_000),
    # modes
    "modes.*.speed_kmh": _SPEED,
    "modes.*.default_speed_kmh": _SPEED,
    "modes.*.road_class_speed_kmh.*": _SPEED,
    "modes.*.wait_minutes": _r(ge=0, le=MINUTES_MAX),
    "modes.snapping.off_road_speed_kmh": _SPEED,
    "modes.snapping.off_road_detour_factor": _DETOUR,
    "modes.snapping.flag_snap_metres": _r(gt=0, le=1_000_000),
    "modes.snapping.max_snap_metres": _r(gt=0, le=1_000_000),
    "modes.snapping.node_tolerance_metres": _r(gt=0, le=1000, why="junction tolerance in metres"),
    "modes.snapping.isochrone_buffer_metres": _r(gt=0, le=100_000),
    "modes.straight_line_fallback.detour_factor": _DETOUR,
    "modes.straight_line_fallback.walk_speed_kmh": _SPEED,
    "modes.straight_line_fallback.bus_speed_kmh": _SPEED,
    "road_classes.canonical": _r(nonempty=True),
    # class and school size
    "class_size.limit.*": _r(integer=True, gt=0, le=200, why="pupils per class"),
    "class_size.standard.*": _r(integer=True, gt=0, le=200, why="pupils per class"),
    "class_size.bands": _r(nonempty=True),
    "class_size.bands.*.min": _r(integer=True, ge=0, le=1000),
    "class_size.bands.*.max": _r(integer=True, ge=0, le=1000),
    "class_size.construction_classes.*": _r(increasing=True, nonempty=True),
    "class_size.construction_classes.*.*": _r(integer=True, gt=0, le=1000),
    "school_size.max_students.*": _COUNT_POSITIVE,
    "school_size.small_school": _COUNT_POSITIVE,
    "school_size.closure_pool_under": _COUNT,
    "school_size.min_students_new_school": _COUNT,
    # boarding
    "boarding.dorm_m2_per_boarder.*": _r(gt=0, le=1000),
    "boarding.trips_per_week": _r(integer=True, ge=0, le=14),
    # balance
    "quality_balance.indicators.*.primary": POSITIVE,
    "quality_balance.indicators.*.middle": POSITIVE,
    "quality_balance.school_pass_min_met": _r(integer=True, ge=0, le=100),
    "quality_balance.school_pass_floor_share": SHARE,
    "quality_balance.cv_limit.*": _CV,
    "quality_balance.nine_year_weights.*": _r(gt=0, le=100, why="weights are ratios above 0"),
    "quality_balance.exclude_teaching_points_under": _COUNT,
    "basic_balance.composite_cv_limit.*": _CV,
    # demand
    "demand.entry_age": _r(integer=True, ge=0, le=10, why="age in years at which children enter grade 1"),
    "demand.cohort_survival": _r(gt=0, le=2, why="the share of a cohort still there a year later"),
    "demand.trend.default_annual_change": _r(ge=-1, le=1, why="−0.03 is −3 % a year"),
    "demand.trend.by_township.*": _r(ge=-1, le=1, why="−0.03 is −3 % a year"),
    "admission.nearby_share.*": SHARE,
    # staffing
    "staffing.pupils_per_post.*": _r(gt=0, le=1000, why="a staffing ratio is above 0"),
    "staffing.posts_per_class_small_school.*": _r(gt=0, le=100, why="a staffing ratio is above 0"),
    "staffing.min_posts.*": _r(integer=True, ge=0, le=1000),
    "staffing.boarders_per_life_post": _r(gt=0, le=100_000, why="a staffing ratio is above 0"),
    "staffing.salary_per_post_yuan": YUAN,
    "staffing.attrition_share_per_year": SHARE,
    # costs (yuan unless named otherwise)
    "costs.per_student_funds.*": YUAN,
    "costs.small_school_funding_floor": _COUNT,
    "costs.boarding_allowance": YUAN,
    "costs.poor_boarder_living_allowance.*": YUAN,
    "costs.poor_boarder_share": SHARE,
    "costs.bus_cost_per_vehicle_km": YUAN,
    "costs.bus_vehicle_annual_cost": YUAN,
    "costs.bus_vehicle_capital": YUAN,
    "costs.bus_ride_minute_value_yuan": YUAN,
    "costs.bus_seats": _r(integer=True, gt=0, le=200, why="seats per school bus"),
    "costs.bus_runs_per_day": _r(integer=True, gt=0, le=24),
    "costs.bus_stop_minutes": _r(ge=0, le=60),
    "costs.school_days_per_year": _r(integer=True, gt=0, le=366),
    "costs.fixed_cost_per_school": YUAN,
    "costs.new_seat_capital": YUAN,
    "costs.new_bed_capital": YUAN,
    "costs.new_school_capital": YUAN,
    "costs.new_teaching_point_capital": YUAN,
    "costs.new_canteen_capital": YUAN,
    "costs.bus_trips_per_day": _r(gt=0, le=48),
    # recommend (sizes bounded: they set how long a recommendation runs)
    "recommend.child_minute_value_yuan": YUAN,
    "recommend.max_boarding_sites_per_township": _r(integer=True, ge=1, le=20),
    "recommend.frontier_points": _r(integer=True, ge=1, le=50, why="each point is a full evaluation"),
    "recommend.frontier_seconds": _r(ge=0, le=86_400),
    "recommend.repair_rounds": _r(integer=True, ge=0, le=100, why="each round is a full evaluation"),
    "recommend.capital_years": _r(gt=0, le=200),
    "recommend.min_pupils_new_teaching_point": _COUNT,
    "recommend.goal_weights.*.cost": _r(ge=0, le=1000, why="a weight on annualised cost"),
    "recommend.goal_weights.*.travel": _r(ge=0, le=1000, why="a weight on the value of children's travel time"),
    "recommend.goal_weights.*.per_school": YUAN,
    "recommend.boarding_day_preference_yuan": YUAN,
    "recommend.breach_value_yuan": YUAN,
    "recommend.crowding_relief_yuan": YUAN,
    "recommend.bus_load_factor": _r(gt=0, le=1, why="the share of a bus's seats a route fills"),
    "recommend.max_new_classrooms_per_band": _r(integer=True, ge=0, le=200),
    "recommend.never_close_over": _COUNT,
    "recommend.boarding_candidates_per_group": _r(integer=True, ge=1, le=100, why="each adds variables to the model"),
    "recommend.time_limit_seconds": _r(gt=0, le=86_400),
    "recommend.time_limit_seconds_per_10000_arcs": _r(ge=0, le=86_400),
    "recommend.split_model_above_arcs": _r(integer=True, ge=0, why="arcs above which the model is solved by township"),
    "recommend.time_limit_extensions": _r(integer=True, ge=0, le=10, why="each doubles the time of a solve"),
    "recommend.extend_above_gap": SHARE,
    "attendance.match_within_minutes": _r(gt=0, le=MINUTES_MAX),
    "teacher_rotation.*": SHARE,
}

# Mappings whose keys are free (names a province chooses), with the type of their values.
OPEN_MAPPINGS: dict[str, str] = {
    "road_classes.aliases": "string",
    "road_classes.osm_highway": "string",
    "demand.trend.by_township": "number",
    "modes.*.road_class_speed_kmh": "number",
}


def rule_for(path: str) -> Rule | None:
    """The rule of a dotted path (the most specific pattern wins: fewest ``*``), or ``None``."""
    hits = [p for p in RULES if _match(p, path)]
    if not hits:
        return None
    return RULES[min(hits, key=lambda p: (p.count("*"), -len(p)))]


def _match(pattern: str, path: str) -> bool:
    a, b = pattern.split("."), path.split(".")
    return len(a) == len(b) and all(x == "*" or fnmatch.fnmatchcase(y, x) for x, y in zip(a, b, strict=True))


# ---- rules across keys --------------------------------------------------------------------------------------
# Each check takes the merged standards and returns (dotted path, value, message, fix) for every problem.
Finding = tuple[str, object, str, str]


def _report_bins(d: Mapping) -> list[Finding]:
    bins = d.get("travel", {}).get("report_bins_minutes")
    if not isinstance(bins, list):
        return []
    missing = [b for b in REQUIRED_REPORT_BINS if b not in bins]
    if missing:
        return [("travel.report_bins_minutes", bins, f"the bins must include {', '.join(map(str, missing))} minutes: "
                 "the 'within 30 min' columns of the tables and summaries are derived from that bin",
                 f"add {missing[0]} to the list, e.g. [15, 30, 45]")]
    return []


def _class_bands(d: Mapping) -> list[Finding]:
    bands = d.get("class_size", {}).get("bands")
    if not isinstance(bands, list) or not all(isinstance(b, Mapping) for b in bands):
        return []
    out: list[Finding] = []
    for i, b in enumerate(bands):
        lo, hi = b.get("min"), b.get("max")
        if hi is None and i != len(bands) - 1:
            out.append((f"class_size.bands.{i}.max", hi, "only the last band may be open-ended (max: null)",
                        "give this band its largest class size"))
        if isinstance(lo, int) and isinstance(hi, int) and hi < lo:
            out.append((f"class_size.bands.{i}", f"{lo}-{hi}", "band runs backwards (max below min)",
                        "swap min and max"))
        if i and isinstance(lo, int) and isinstance(bands[i - 1].get("max"), int) and lo != bands[i - 1]["max"] + 1:
            out.append((f"class_size.bands.{i}.min", lo, f"bands must follow on: this one should start at "
                        f"{bands[i - 1]['max'] + 1}", "make each band start one above the previous band's max"))
    names = [b.get("name") for b in bands]
    for i, n in enumerate(names):
        if n in names[:i]:
            out.append((f"class_size.bands.{i}.name", n, "two bands have the same name", "give each band its own name"))
    return out


def _grade_bands(d: Mapping) -> list[Finding]:
    bands = d.get("grade_bands")
    if not isinstance(bands, Mapping):
        return []
    out: list[Finding] = []
    spans = []
    for name, span in bands.items():
        if isinstance(span, list) and len(span) == 2 and all(isinstance(g, int) for g in span):
            if span[0] > span[1]:
                out.append((f"grade_bands.{name}", span, "band runs backwards", f"write it as [{span[1]}, {span[0]}]"))
            spans.append((span[0], span[1], name))
    spans.sort()
    for (_, a1, an), (b0, _, bn) in zip(spans, spans[1:], strict=False):
        if b0 <= a1:
            out.append((f"grade_bands.{bn}", b0, f"bands {an} and {bn} overlap", "give every grade to one band"))
    for name, kind in (d.get("school_kinds") or {}).items():
        g = kind.get("grades") if isinstance(kind, Mapping) else None
        if isinstance(g, list) and len(g) == 2 and all(isinstance(x, int) for x in g) and g[0] > g[1]:
            out.append((f"school_kinds.{name}.grades", g, "grades run backwards", f"write them as [{g[1]}, {g[0]}]"))
    return out


def _road_classes(d: Mapping) -> list[Finding]:
    rc = d.get("road_classes") or {}
    canonical = rc.get("canonical")
    if not isinstance(canonical, list):
        return []
    known = set(map(str, canonical))
    fix = f"use one of {', '.join(canonical)}"
    out: list[Finding] = []
    for section in ("aliases", "osm_highway"):
        for k, v in (rc.get(section) or {}).items():
            if isinstance(v, str) and v not in known:
                out.append((f"road_classes.{section}.{k}", v, "not a canonical road class", fix))
    for mode, m in (d.get("modes") or {}).items():
        if not isinstance(m, Mapping):
            continue
        for i, c in enumerate(m.get("excluded_road_classes") or []):
            if isinstance(c, str) and c not in known and c not in (rc.get("osm_highway") or {}):
                out.append((f"modes.{mode}.excluded_road_classes.{i}", c, "unknown road class", fix))
        for c in m.get("road_class_speed_kmh") or {}:
            if str(c) not in known:
                out.append((f"modes.{mode}.road_class_speed_kmh.{c}", c, "unknown road class", fix))
    return out


def _pass_rule(d: Mapping) -> list[Finding]:
    q = d.get("quality_balance") or {}
    n, ind = q.get("school_pass_min_met"), q.get("indicators")
    if isinstance(n, int) and isinstance(ind, Mapping) and n > len(ind):
        return [("quality_balance.school_pass_min_met", n, f"more than the {len(ind)} indicators",
                 f"give at most {len(ind)}")]
    return []


CROSS_CHECKS: tuple[Callable[[Mapping], list[Finding]], ...] = (
    _report_bins, _class_bands, _grade_bands, _road_classes, _pass_rule)
