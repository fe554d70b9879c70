"""`Plan`: the state of every school under a layout-adjustment proposal, as an immutable value.

``Plan.status_quo(county)`` is today's layout; ``plan.apply(action)`` returns a new plan with one action
applied (the original is untouched). ``plan.schools`` holds one row per school, new ones included:

=================  ===========================================================================================
column             meaning
=================  ===========================================================================================
name, kind         school name, kind (teaching_point / primary / middle / nine_year; follows a downgrade)
township           township the school is in
status             ``open`` or ``closed`` (a merged school is closed with ``merged_into`` set)
merged_into        school that took its pupils and resources (None unless merged)
resources_to       where a closed school's teachers and equipment go (None: nearest open school)
grade_lo, grade_hi grades taught
seats              student places (a merge adds the pupils taken in; expand adds built seats)
beds, boarding     dormitory beds; whether it takes boarders (beds > 0, or designated)
canteen            has a canteen
classes_g1_3 …     classrooms for each grade band (class size = pupils / classrooms)
pupils_g1_3 …      pupils in school now (data) plus those taken in by merges, per band
is_new             opened by the plan
built_seats/beds   seats and beds the plan builds (for capital costs)
merged_seats       seats added by merges (pupils squeezed in, no classrooms built); per band in merged_g1_3 …
expanded_g1_3 …    seats an ``expand`` built for one band
teachers …         resource columns as in the county (NaN where unknown)
geometry           the site (county CRS)
=================  ===========================================================================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from layout.county import RESOURCE_COLUMNS
from layout.display import HtmlDisplay
from layout.errors import LayoutInputError, Problem
from layout.io.bounds import amount_max, count_max
from layout.plan.actions import (
    Action,
    AddBoarding,
    Close,
    DesignateBoarding,
    Downgrade,
    Expand,
    Merge,
    MovePupils,
    Open,
    format_grades,
)
from layout.schema import BANDS, KINDS
from layout.standards import Standards, load_standards

__all__ = ["Plan", "parse_grades", "kind_for_grades"]

BAND_CLASSES = tuple(f"classes_{b}" for b in BANDS)
BAND_PUPILS = tuple(f"pupils_{b}" for b in BANDS)


def parse_grades(text: object) -> tuple[int, int] | None:
    """``"1-3"`` / ``"1–3"`` / ``"1~3"`` / ``3`` → ``(1, 3)`` / ``(3, 3)``; None when not grades 1–9."""
    s = str(text).strip().replace("–", "-").replace("~", "-").replace("—", "-").replace("至", "-")
    parts = [p.strip() for p in s.split("-")]
    try:
        nums = [int(p) for p in parts]
    except ValueError:
        return None
    if len(nums) == 1:
        nums = nums * 2
    if len(nums) != 2 or not (1 <= nums[0] <= nums[1] <= 9):
        return None
    return nums[0], nums[1]


def kind_for_grades(lo: int, hi: int) -> str:
    """The school kind that teaches grades ``lo``–``hi`` (1–4 or fewer: teaching point)."""
    if lo >= 7:
        return "middle"
    if hi >= 7:
        return "nine_year"
    return "teaching_point" if hi <= 4 else "primary"


def _band_grades(standards: Standards) -> dict[str, tuple[int, int]]:
    return standards.bands


def _spread_classes(n_classes: int, lo: int, hi: int, standards: Standards) -> dict[str, int]:
    """Split classrooms over the bands a school fully teaches, in proportion to their grades."""
    bands = [b for b, (a, z) in _band_grades(standards).items() if lo <= a and hi >= z]
    out = dict.fromkeys(BANDS, 0)
    if not bands or n_classes <= 0:
        return out
    weights = np.array([_band_grades(standards)[b][1] - _band_grades(standards)[b][0] + 1 for b in bands], float)
    share = n_classes * weights / weights.sum()
    base = np.floor(share).astype(int)
    for i in np.argsort(-(share - base), kind="stable")[: n_classes - int(base.sum())]:
        base[i] += 1
    out.update({b: int(c) for b, c in zip(bands, base, strict=True)})
    return out


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Plan(HtmlDisplay):
    """Every school's state under a proposal (immutable).

    Parameters
    ----------
    schools : GeoDataFrame
        One row per school (see the module docstring), index ``school_id``.
    name, description : str
        Shown in reports and batch tables.
    actions : tuple of Action
        The actions applied, in order, each with its proposal-file line.
    crs : pyproj.CRS
        The county CRS (new sites are converted into it).
    standards : Standards
        Supplies standard class sizes and kind grades.
    source : str or None
        The proposal file, if read from one (named in error messages).

    Example
    -------
    >>> from layout.datasets import make_county
    >>> county = make_county(n_villages=30, n_townships=3, seed=1)
    >>> plan = Plan.status_quo(county)
    >>> school = plan.schools.index[0]
    >>> plan.apply(Close(school)).schools.loc[school, "status"]
    'closed'
    >>> plan.schools.loc[school, "status"]          # a plan is immutable: apply returns a new one
    'open'
    """

    display_kind = "plan"   # its HTML in Jupyter comes from the renderer registered in layout.display

    schools: gpd.GeoDataFrame
    name: str = "status quo"
    description: str = ""
    actions: tuple[Action, ...] = ()
    crs: CRS | None = None
    standards: Standards = field(default_factory=load_standards, repr=False, compare=False)
    source: str | None = None

    # ---- construction -------------------------------------------------------------------------------------
    @classmethod
    def status_quo(cls, county) -> Plan:
        """Today's layout: every school open with its current grades, seats, beds and canteen.

        Parameters
        ----------
        county : County

        Returns
        -------
        Plan
        """
        s = county.schools
        std = county.standards
        bands = std.bands
        out = pd.DataFrame(index=pd.Index(s.index.astype(str), name="school_id"))
        out["name"] = s["name"].astype(object).to_numpy()
        out["kind"] = s["kind"].astype(object).to_numpy()
        out["township"] = s["township"].astype(object).to_numpy()
        out["status"] = "open"
        out["merged_into"] = pd.Series([None] * len(s), index=out.index, dtype=object)
        out["resources_to"] = pd.Series([None] * len(s), index=out.index, dtype=object)
        out["grade_lo"] = s["grade_lo"].astype(int).to_numpy()
        out["grade_hi"] = s["grade_hi"].astype(int).to_numpy()
        out["seats"] = s["seats"].astype(int).to_numpy()
        out["beds"] = s["beds"].astype(int).to_numpy()
        out["canteen"] = s["canteen"].astype(bool).to_numpy()
        out["boarding"] = (s["beds"] > 0).to_numpy()
        out["remote"] = s["remote"].astype(bool).to_numpy() if "remote" in s else False
        for b in BANDS:
            lo, hi = bands[b]
            out[f"classes_{b}"] = sum(s.get(f"classes_{g}", 0) for g in range(lo, hi + 1)).astype(int).to_numpy()
            out[f"pupils_{b}"] = sum(s.get(f"enrol_{g}", 0) for g in range(lo, hi + 1)).astype(int).to_numpy()
        out["enrolment"] = s["enrolment"].astype(int).to_numpy()
        out["is_new"] = False
        out["built_seats"] = 0
        out["merged_seats"] = 0
        for b in BANDS:
            out[f"merged_{b}"] = 0
            out[f"expanded_{b}"] = 0
        out["built_beds"] = 0
        out["site_capital"] = np.nan
        out["built_canteen"] = False
        out["premises_of"] = pd.Series([None] * len(s), index=out.index, dtype=object)
        for c in RESOURCE_COLUMNS:
            out[c] = s[c].astype(float).to_numpy() if c in s else np.nan
        gdf = gpd.GeoDataFrame(out, geometry=s.geometry.to_numpy(), crs=county.crs)
        return cls(gdf, name="status quo", description="today's layout", crs=county.crs, standards=std)

    # ---- views --------------------------------------------------------------------------------------------
    @property
    def new_sites(self) -> gpd.GeoDataFrame:
        """Schools the plan opens (index ``school_id``, columns ``name``, ``kind``, point geometry in the county
        CRS), to pass as ``layout.network.travel(county, mode, sites=plan.new_sites)``."""
        new = self.schools[self.schools["is_new"].astype(bool)]
        return gpd.GeoDataFrame(new[["name", "kind"]].copy(), geometry=new.geometry.to_numpy(), crs=self.crs,
                                index=new.index)

    @property
    def open_schools(self) -> pd.Index:
        """Ids of the schools open under the plan."""
        return self.schools.index[self.schools["status"] == "open"]

    @property
    def closed_schools(self) -> pd.Index:
        """Ids of the schools the plan closes (merged ones included)."""
        return self.schools.index[self.schools["status"] == "closed"]

    def serves(self, school_id: str, band: str) -> bool:
        """Whether a school is open and teaches every grade of ``band`` under the plan."""
        return self._serves_in(self.schools, school_id, band)

    def serving(self, band: str) -> pd.Index:
        """Open schools teaching every grade of ``band``."""
        lo, hi = self.standards.bands[band]
        s = self.schools
        return s.index[(s["status"] == "open") & (s["grade_lo"] <= lo) & (s["grade_hi"] >= hi)]

    def renamed(self, name: str, description: str | None = None) -> Plan:
        """The same plan under another name."""
        return replace(self, name=name, description=self.description if description is None else description)

    def __repr__(self) -> str:
        s = self.schools
        return (f"Plan({self.name!r}: {int((s['status'] == 'open').sum())} open, "
                f"{int((s['status'] == 'closed').sum())} closed, {int(s['is_new'].sum())} new; "
                f"{len(self.actions)} actions)")

    # ---- actions ------------------------------------------------------------------------------------------
    def apply(self, action: Action) -> Plan:
        """A new plan with ``action`` applied.

        Parameters
        ----------
        action : Action
            One of Close, Merge, Downgrade, AddBoarding, Expand, Open, DesignateBoarding.

        Returns
        -------
        Plan

        Raises
        ------
        LayoutInputError
            When the action cannot apply (unknown school, merge into a closed school, negative seats, ...);
            the problem names the proposal file and line when known.
        """
        plan, problems = self._try_apply(action)
        if problems:
            raise LayoutInputError(problems, f"cannot apply {action.keyword} to plan {self.name!r}")
        return plan

    def _problem(self, action: Action, message: str, column: str | None = None, value: object = None,
                 fix: str = "") -> Problem:
        where = self.source or f"plan {self.name!r}"
        return Problem(where, f"{action.keyword}: {message}", row=action.line, column=column, value=value, fix=fix)

    def _line_of(self, school_id: str, keyword: str, done: tuple | list | None = None) -> str:
        for a in reversed(self.actions if done is None else done):
            if keyword == "close" and ((isinstance(a, Close) and a.school == school_id)
                                       or (isinstance(a, Merge) and a.from_ == school_id)):
                return f" (line {a.line})" if a.line else ""
        return ""

    def _check_school(self, s: pd.DataFrame, action: Action, sid: object, column: str, problems: list[Problem],
                      must_be_open: bool = True, done: tuple | list | None = None) -> bool:
        if not isinstance(sid, str) or sid not in s.index:
            near = [k for k in s.index if str(sid).lower() in k.lower()][:5]
            problems.append(self._problem(
                action, "unknown school id", column, sid,
                "use a school_id from schools.csv or one opened earlier in the proposal"
                + (f" (similar: {', '.join(near)})" if near else "")))
            return False
        if must_be_open and s.at[sid, "status"] != "open":
            by = s.at[sid, "merged_into"]
            how = f"merged into {by}" if isinstance(by, str) else "closed"
            problems.append(self._problem(action, f"school {sid} is already {how}{self._line_of(sid, 'close', done)}",
                                          column, sid, "remove one of the two actions"))
            return False
        return True

    def _try_apply(self, action: Action) -> tuple[Plan, list[Problem]]:
        s, problems = self._apply_into(self.schools.copy(), action, self.actions)
        if problems:
            return self, problems
        return self._with_table(s, (*self.actions, action)), []

    def apply_all(self, actions) -> Plan:
        """A new plan with ``actions`` applied in order — as ``apply`` one by one, but the school table is copied
        once for all of them (a recommendation's plan has hundreds of actions).

        Raises
        ------
        LayoutInputError
            At the first action that cannot apply, as :meth:`apply`.

        Example
        -------
        >>> from layout.datasets import make_county
        >>> from layout.plan import Close
        >>> county = make_county(n_villages=30, n_townships=3, seed=1)
        >>> small = county.schools["enrolment"].nsmallest(2).index
        >>> one_by_one = Plan.status_quo(county).apply(Close(small[0])).apply(Close(small[1]))
        >>> Plan.status_quo(county).apply_all([Close(small[0]), Close(small[1])]).schools.equals(one_by_one.schools)
        True
        """
        s, done = self.schools.copy(), list(self.actions)
        for action in actions:
            s, problems = self._apply_into(s, action, done)
            if problems:
                raise LayoutInputError(problems, f"cannot apply {action.keyword} to plan {self.name!r}")
            done.append(action)
        return self._with_table(s, tuple(done)) if len(done) > len(self.actions) else self

    def _with_table(self, s: pd.DataFrame, actions: tuple) -> Plan:
        renamed = {}
        if self.name == "status quo" and not self.actions:   # no longer today's layout: do not call it so
            renamed = {"name": "custom plan", "description": ""}
        return replace(self, schools=gpd.GeoDataFrame(s, geometry="geometry", crs=self.crs), actions=actions,
                       **renamed)

    def _serves_in(self, s: pd.DataFrame, school_id: str, band: str) -> bool:
        lo, hi = self.standards.bands[band]
        return (s.at[school_id, "status"] == "open" and int(s.at[school_id, "grade_lo"]) <= lo
                and int(s.at[school_id, "grade_hi"]) >= hi)

    def _apply_into(self, s: pd.DataFrame, action: Action, done) -> tuple[pd.DataFrame, list[Problem]]:
        """Apply ``action`` to the working table ``s`` (changed in place, or replaced when a school opens), after
        the actions ``done``; the problems found, when any, leave the result unusable."""
        problems: list[Problem] = []
        std = self.standards
        if isinstance(action, Close):
            if self._check_school(s, action, action.school, "school", problems, done=done):
                if action.resources_to == action.school:
                    problems.append(self._problem(action, "resources cannot go to the school being closed",
                                                  "resources_to", action.resources_to,
                                                  "name an open school, or leave resources_to out"))
                elif action.resources_to is not None:
                    self._check_school(s, action, action.resources_to, "resources_to", problems, done=done)
                if not problems:
                    s.at[action.school, "status"] = "closed"
                    s.at[action.school, "resources_to"] = action.resources_to
        elif isinstance(action, Merge):
            ok_from = self._check_school(s, action, action.from_, "from", problems, done=done)
            ok_into = self._check_school(s, action, action.into, "into", problems, must_be_open=False, done=done)
            if ok_into and s.at[action.into, "status"] != "open":
                by = s.at[action.into, "merged_into"]
                problems.append(self._problem(
                    action, f"merge into a closed school: {action.into} is "
                    + (f"merged into {by}" if isinstance(by, str) else "closed")
                    + self._line_of(action.into, "close", done), "into", action.into,
                    f"merge into an open school{f' (e.g. {by})' if isinstance(by, str) else ''}, "
                    "or keep the receiving school open"))
                ok_into = False
            if ok_from and ok_into:
                if action.from_ == action.into:
                    problems.append(self._problem(action, "a school cannot merge into itself", "into", action.into,
                                                  "name another school"))
                else:
                    f, t = s.loc[action.from_], s.loc[action.into]
                    if int(f["grade_hi"]) < int(t["grade_lo"]) or int(t["grade_hi"]) < int(f["grade_lo"]):
                        problems.append(self._problem(
                            action, f"{action.into} teaches grades {format_grades(t['grade_lo'], t['grade_hi'])}, "
                            f"none of the grades of {action.from_} ({format_grades(f['grade_lo'], f['grade_hi'])})",
                            "into", action.into, "merge into a school teaching the same grades"))
                    else:
                        taken = 0
                        for b in BANDS:
                            lo, hi = std.bands[b]
                            if int(t["grade_lo"]) <= lo and int(t["grade_hi"]) >= hi:
                                moved = int(f[f"pupils_{b}"])
                                s.at[action.into, f"pupils_{b}"] = int(t[f"pupils_{b}"]) + moved
                                s.at[action.into, f"merged_{b}"] = int(t[f"merged_{b}"]) + moved
                                taken += moved
                        s.at[action.into, "seats"] = int(t["seats"]) + taken
                        s.at[action.into, "merged_seats"] = int(t["merged_seats"]) + taken
                        s.at[action.from_, "status"] = "closed"
                        s.at[action.from_, "merged_into"] = action.into
                        s.at[action.from_, "resources_to"] = action.into
                        # Earlier merges into the closed school now end at the new receiver.
                        for col in ("merged_into", "resources_to"):
                            earlier = s[col].to_numpy() == action.from_
                            if earlier.any():
                                s.loc[earlier, col] = action.into
        elif isinstance(action, Downgrade):
            if self._check_school(s, action, action.school, "school", problems, done=done):
                g = parse_grades(action.grades)
                lo0, hi0 = int(s.at[action.school, "grade_lo"]), int(s.at[action.school, "grade_hi"])
                if g is None:
                    problems.append(self._problem(action, "grades must look like 1-3", "grades", action.grades,
                                                  "write the grades kept as lowest-highest, e.g. 1-3"))
                elif not (lo0 <= g[0] and g[1] <= hi0) or g == (lo0, hi0):
                    problems.append(self._problem(
                        action, f"grades {action.grades} are not fewer than those taught now "
                        f"({format_grades(lo0, hi0)})", "grades", action.grades,
                        f"give a range inside {format_grades(lo0, hi0)} that drops some grades"))
                else:
                    row = s.loc[action.school]
                    kept = [b for b, (a, z) in std.bands.items() if g[0] <= a and g[1] >= z]
                    total = sum(int(row[f"classes_{b}"]) for b in BANDS)
                    kept_classes = sum(int(row[f"classes_{b}"]) for b in kept)
                    share = kept_classes / total if total else (g[1] - g[0] + 1) / (hi0 - lo0 + 1)
                    s.at[action.school, "seats"] = int(round(int(row["seats"]) * share))
                    for b in BANDS:
                        if b not in kept:
                            s.at[action.school, f"classes_{b}"] = 0
                    s.at[action.school, "grade_lo"], s.at[action.school, "grade_hi"] = g
                    s.at[action.school, "kind"] = kind_for_grades(*g)
        elif isinstance(action, AddBoarding):
            if self._check_school(s, action, action.school, "school", problems, done=done):
                if not _is_count(action.beds) or (int(action.beds) <= 0 and not action.canteen):
                    problems.append(self._problem(action, "beds must be a whole number above 0", "beds", action.beds,
                                                  "give the number of beds to build, e.g. beds: 120 (beds: 0 with "
                                                  "canteen: yes builds only a canteen)"))
                else:
                    s.at[action.school, "beds"] = int(s.at[action.school, "beds"]) + int(action.beds)
                    s.at[action.school, "built_beds"] = int(s.at[action.school, "built_beds"]) + int(action.beds)
                    s.at[action.school, "boarding"] = True
                    if action.canteen and not bool(s.at[action.school, "canteen"]):
                        s.at[action.school, "built_canteen"] = True
                    s.at[action.school, "canteen"] = bool(s.at[action.school, "canteen"]) or bool(action.canteen)
        elif isinstance(action, Expand):
            if self._check_school(s, action, action.school, "school", problems, done=done):
                if not _is_count(action.seats) or int(action.seats) <= 0:
                    problems.append(self._problem(
                        action, "negative seats" if _is_number(action.seats) and action.seats < 0
                        else "seats must be a whole number above 0", "seats", action.seats,
                        "give the seats to build (to remove grades use downgrade, to shut the school use close)"))
                elif action.band is not None and (action.band not in BANDS or not self._serves_in(s, action.school, action.band)):
                    problems.append(self._problem(action, f"{action.school} does not teach {action.band}", "band",
                                                  action.band, "give a band the school teaches, or leave band out"))
                else:
                    row = s.loc[action.school]
                    if action.band is not None:
                        from layout.evaluate.schools import standard_size

                        size = standard_size(str(row["kind"]), action.band, std)
                        add = dict.fromkeys(BANDS, 0)
                        add[action.band] = math.ceil(int(action.seats) / size)
                    else:
                        size = std.standard_class_size("middle" if row["kind"] == "middle" else
                                                       "teaching_point" if row["kind"] == "teaching_point"
                                                       else "primary")
                        add = _spread_classes(math.ceil(int(action.seats) / size), int(row["grade_lo"]),
                                              int(row["grade_hi"]), std)
                    for b in BANDS:
                        s.at[action.school, f"classes_{b}"] = int(row[f"classes_{b}"]) + add[b]
                    if action.band is not None:   # seats for that band only
                        s.at[action.school, f"expanded_{action.band}"] = int(row[f"expanded_{action.band}"]) + int(
                            action.seats)
                    s.at[action.school, "seats"] = int(row["seats"]) + int(action.seats)
                    s.at[action.school, "built_seats"] = int(row["built_seats"]) + int(action.seats)
        elif isinstance(action, DesignateBoarding):
            if self._check_school(s, action, action.school, "school", problems, done=done):
                s.at[action.school, "boarding"] = True
        elif isinstance(action, Open):
            s = self._open(action, s, problems)
        elif isinstance(action, MovePupils):
            if self._check_school(s, action, action.to, "to", problems, done=done):
                bands = action.bands or tuple(b for b in BANDS if self._serves_in(s, action.to, b))
                for b in bands:
                    if b not in BANDS:
                        problems.append(self._problem(action, "unknown band", "bands", b, "use g1_3, g4_6 or g7_9"))
                    elif not self._serves_in(s, action.to, b):
                        problems.append(self._problem(action, f"{action.to} does not teach {b}", "bands", b,
                                                      "move only bands the receiving school teaches"))
                if not action.villages:
                    problems.append(self._problem(action, "no villages named", "villages", None,
                                                  "list the village_ids whose pupils move"))
        else:
            problems.append(self._problem(action, f"unknown action {type(action).__name__}",
                                          fix="use close, merge, downgrade, add_boarding, expand, open or "
                                              "designate_boarding"))
        return s, problems

    def _open(self, a: Open, s: gpd.GeoDataFrame, problems: list[Problem]) -> gpd.GeoDataFrame:
        std = self.standards
        if not isinstance(a.id, str) or not a.id.strip():
            problems.append(self._problem(a, "a new school needs an id", "id", a.id, "give a unique id, e.g. NEW1"))
        elif a.id in s.index:
            what = "opened earlier in the proposal" if bool(s.at[a.id, "is_new"]) else "an existing school's id"
            problems.append(self._problem(a, f"duplicate school id: {a.id} is {what}", "id", a.id,
                                          "give the new school an id not used in schools.csv or the proposal"))
        if a.kind not in KINDS:
            problems.append(self._problem(a, "unknown school kind", "kind", a.kind,
                                          f"use one of {', '.join(KINDS)}"))
        for name in ("seats", "beds"):
            v = getattr(a, name)
            if not _is_count(v):
                problems.append(self._problem(
                    a, f"negative {name}" if _is_number(v) and v < 0 else f"{name} must be a whole number",
                    name, v, f"give {name} as a whole number of 0 or more"))
        lon_ok = _is_number(a.lon) and -180 <= a.lon <= 180
        lat_ok = _is_number(a.lat) and -90 <= a.lat <= 90
        if not (lon_ok and lat_ok):
            problems.append(self._problem(a, "lon/lat must be decimal degrees (lon within ±180, lat within ±90)",
                                          "lon" if not lon_ok else "lat", f"{a.lon}, {a.lat}",
                                          "give the site as decimal degrees, e.g. lon: 105.123, lat: 30.456"))
        grades = None
        if a.kind in KINDS:
            grades = std.kind_grades(a.kind) if a.grades is None else parse_grades(a.grades)
            if grades is None:
                problems.append(self._problem(a, "grades must look like 1-6", "grades", a.grades,
                                              "write the grades taught as lowest-highest"))
            elif a.grades is not None and kind_for_grades(*grades) not in (a.kind, "teaching_point"):
                problems.append(self._problem(a, f"grades {a.grades} contradict the kind {a.kind!r}", "grades",
                                              a.grades, "correct the grades or the kind"))
        resources = dict(a.resources or {})
        for k, v in resources.items():
            if k not in RESOURCE_COLUMNS:
                problems.append(self._problem(a, "unknown resource", f"resources.{k}", k,
                                              f"use one of {', '.join(RESOURCE_COLUMNS)}"))
            elif not _is_number(v) or v < 0 or v > _resource_max(k):
                problems.append(self._problem(a, "a resource must be a credible number of 0 or more", f"resources.{k}", v,
                                              "give the amount, e.g. teachers: 40"))
        if problems:
            return s
        if a.premises_of is not None and (a.premises_of not in s.index or bool(s.at[a.premises_of, "is_new"])):
            problems.append(self._problem(a, "premises_of must name an existing school", "premises_of", a.premises_of,
                                          "give the school_id whose buildings the new school takes over"))
        if a.capital is not None and (not _is_number(a.capital) or a.capital < 0):
            problems.append(self._problem(a, "capital must be a number of yuan ≥ 0", "capital", a.capital,
                                          "give the cost of the site works, e.g. capital: 8000000"))
        if problems:
            return s
        lon, lat = float(a.lon), float(a.lat)
        if a.gcj02:
            from layout.geo import gcj02_to_wgs84

            gx, gy = gcj02_to_wgs84(lon, lat)
            lon, lat = float(gx), float(gy)
        point = gpd.GeoSeries.from_xy([lon], [lat], crs=4326).to_crs(self.crs).iloc[0]
        lo, hi = grades
        size = std.standard_class_size("middle" if a.kind == "middle" else
                                       "teaching_point" if a.kind == "teaching_point" else "primary")
        classes = _spread_classes(math.ceil(int(a.seats) / size), lo, hi, std)
        canteen = bool(a.beds > 0) if a.canteen is None else bool(a.canteen)
        row = {"name": a.name, "kind": a.kind, "township": a.township or "", "status": "open", "merged_into": None,
               "resources_to": None, "grade_lo": lo, "grade_hi": hi, "seats": int(a.seats), "beds": int(a.beds),
               "canteen": canteen, "boarding": bool(a.beds > 0), "remote": False,
               **{f"classes_{b}": classes[b] for b in BANDS}, **{f"pupils_{b}": 0 for b in BANDS},
               "enrolment": 0, "is_new": True, "built_seats": int(a.seats), "built_beds": int(a.beds), "merged_seats": 0,
               **{f"merged_{b}": 0 for b in BANDS}, **{f"expanded_{b}": 0 for b in BANDS},
               **{c: float(resources.get(c, np.nan)) for c in RESOURCE_COLUMNS}, "geometry": point,
               "site_capital": np.nan if a.capital is None else float(a.capital), "premises_of": a.premises_of,
               "built_canteen": False}
        if a.premises_of is not None:   # the buildings of an existing school: nothing built, its floor areas
            old = s.loc[a.premises_of]
            row.update(built_seats=0, built_beds=0,
                       site_capital=0.0 if a.capital is None else float(a.capital))
            for c in ("floor_teaching", "floor_sports", "floor_dorm", "multimedia_rooms"):
                if c not in resources:
                    row[c] = float(old[c])
        new = gpd.GeoDataFrame(pd.DataFrame([row], index=pd.Index([a.id], name="school_id")), geometry="geometry",
                               crs=self.crs)
        out = pd.concat([s, new])
        out.index.name = "school_id"
        return gpd.GeoDataFrame(out, geometry="geometry", crs=self.crs)


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def _resource_max(column: str) -> float:
    """Largest credible value of a school resource (layout.io.bounds), by the column's kind."""
    from layout.schema import SCHEMA

    return count_max(column) if SCHEMA["schools"][column].kind == "count" else amount_max(column)


def _is_count(v: object) -> bool:
    return _is_number(v) and 0 <= float(v) <= count_max("seats") and float(v) == int(v)   # bounded: no overflow
