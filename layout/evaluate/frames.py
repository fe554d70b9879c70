"""An evaluation as GIS layers: GeoDataFrames a planner can ``.explore()``, join on ids and write to a GeoPackage.

Layers (:data:`LAYERS`), all in the county's metric CRS:

* ``schools`` — points, one per school of the plan (closed and new ones too): the plan's ``action`` for the school,
  the actions that name it, and its figures after the plan (the evaluation's school table: pupils by band and mode,
  seats, beds, class sizes, ``*_now`` today's), teachers and posts, and its annual and capital cost;
* ``villages`` — points, one per village: children by band and, per band, how they go to school after the plan
  (day pupils' mean and longest one-way trip, children walking, riding, boarding, without a place, moved);
* ``assignments`` — lines from each village to each school its children attend, one per band and mode (the
  straight line: what goes where, not the route);
* ``bus_routes`` — lines, one per school-bus route of the plan (``Evaluation.costs["bus_routes"]``), drawn along
  the roads (:func:`layout.transport.geometry.route_lines`) or, without a road network, through the stops;
* ``bus_stops`` — points, the routes' stops at their villages, numbered in pickup order.

Values are codes (``keep``, ``walk``, ``g1_3`` …, explained in ``docs/guide/gis.md``); every field has a Chinese alias
(:data:`FIELDS`) that :func:`layout.io.gis.write_layers` stores in the GeoPackage.

Example
-------
>>> from layout.datasets import make_county
>>> from layout.evaluate import evaluate
>>> from layout.plan import Close, Plan
>>> county = make_county(n_villages=30, n_townships=3, seed=2)
>>> closed_school = evaluate(county).schools["enrolment"].idxmin()
>>> ev = evaluate(county, Plan.status_quo(county).apply(Close(closed_school)))
>>> layers = evaluation_layers(ev)
>>> sorted(layers)
['assignments', 'bus_routes', 'bus_stops', 'schools', 'villages']
>>> layers["schools"].loc[closed_school, "action"], layers["schools"].crs == county.crs
('close', True)
>>> outside = int(ev.allocation.outside["children"].sum())     # children at schools beyond the county
>>> int(layers["assignments"]["children"].sum()) + outside == ev.students_assigned
True
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layout.schema import BANDS

log = logging.getLogger(__name__)

__all__ = ["Places", "places_of", "LAYERS", "FIELDS", "LAYER_TITLES", "school_layer", "village_layer",
           "assignment_layer", "bus_route_layer", "bus_stop_layer", "evaluation_layers", "school_action",
           "ACTIONS", "GEOMETRY_TYPES", "INDEX", "write_evaluation",
           "field_table_markdown"]

LAYERS = ("schools", "villages", "assignments", "bus_routes", "bus_stops")
#: layer -> (Chinese title, English description), stored as the GeoPackage layer's identifier and description
LAYER_TITLES = {
    "schools": ("学校(方案实施后)", "schools after the plan, with the plan's action for each"),
    "villages": ("村庄就学出行", "villages: children by band and their trips to school after the plan"),
    "assignments": ("就读去向线", "village to school, per band and mode (straight lines)"),
    "bus_routes": ("校车线路", "school-bus routes of the plan"),
    "bus_stops": ("校车站点", "school-bus stops, numbered in pickup order"),
    "changes": ("方案调整学校", "schools the plan changes, with the reasons"),
}
#: layer -> the field that is its index (written as the layer's first field; :func:`layout.io.gis.read_layers`)
INDEX = {"schools": "school_id", "villages": "village_id", "bus_routes": "route_id"}
#: what a plan does to a school (the ``action`` field), most telling first
ACTIONS = ("new", "merge", "close", "downgrade", "boarding", "expand", "receives", "keep")


@dataclass(frozen=True, eq=False)
class Places:
    """What an evaluation needs to draw itself: today's villages and schools (ids, names, points) and the roads.

    Kept instead of the County so a cached evaluation does not keep the whole county alive.

    Attributes
    ----------
    villages : GeoDataFrame
        Index ``village_id``: ``name``, ``township``, points in the county CRS.
    schools_today : DataFrame
        Index ``school_id``: today's ``grade_lo``, ``grade_hi``, ``seats``, ``beds``.
    roads : GeoDataFrame or None
        The county's road lines.
    standards : Standards
    """

    villages: gpd.GeoDataFrame
    schools_today: pd.DataFrame
    roads: gpd.GeoDataFrame | None
    standards: Any

    @cached_property
    def network(self):
        """The roads as a :class:`~layout.network.RoadNetwork` (the county's cached one), or None without roads."""
        from types import SimpleNamespace

        from layout.network import county_network

        return county_network(SimpleNamespace(roads=self.roads, standards=self.standards, name="(GIS layers)"))


def places_of(county) -> Places:
    """The :class:`Places` of a county.

    Parameters
    ----------
    county : County

    Returns
    -------
    Places
    """
    v = county.villages
    cols = [c for c in ("name", "township") if c in v]
    villages = gpd.GeoDataFrame(v[cols].copy(), geometry=v.geometry.to_numpy(), crs=county.crs)
    villages.index = v.index.astype(str).rename("village_id")
    today = county.schools[["grade_lo", "grade_hi", "seats", "beds"]].copy()
    today.index = today.index.astype(str)
    return Places(villages=villages, schools_today=today, roads=county.roads, standards=county.standards)


def _places(ev, places: Places | None) -> Places:
    found = places if places is not None else getattr(ev, "places", None)
    if found is None:
        raise ValueError("this evaluation does not know where the villages are: pass places=places_of(county) "
                         "(evaluations made by layout.evaluate.evaluate carry them)")
    return found


def school_action(plan, schools_today: pd.DataFrame, moved_in: pd.Series | None = None) -> pd.Series:
    """What the plan does to each school, one code of :data:`ACTIONS` (the most telling when several apply).

    ``new`` opened; ``merge`` closed into another school; ``close`` closed; ``downgrade`` teaches fewer grades;
    ``boarding`` gains beds or is named a boarding school; ``expand`` gains seats; ``receives`` takes pupils the
    plan moves; ``keep`` unchanged.

    Parameters
    ----------
    plan : Plan
    schools_today : DataFrame
        Today's ``grade_lo``, ``grade_hi``, ``seats``, ``beds`` by school id.
    moved_in : Series, optional
        Pupils the plan moves into each school.

    Returns
    -------
    Series
        Index ``school_id``.
    """
    s = plan.schools
    today = schools_today.reindex(s.index)
    named = {getattr(a, "school", None) for a in plan.actions if a.keyword == "designate_boarding"}
    moved_in = (moved_in if moved_in is not None else pd.Series(0, index=s.index)).reindex(s.index, fill_value=0)
    out = []
    for sid, row in s.iterrows():
        t = today.loc[sid]
        known = pd.notna(t["grade_lo"])
        if bool(row.get("is_new", False)) or not known:
            out.append("new")
        elif row["status"] == "closed":
            out.append("merge" if isinstance(row.get("merged_into"), str) and row["merged_into"] else "close")
        elif int(row["grade_hi"]) < int(t["grade_hi"]) or int(row["grade_lo"]) > int(t["grade_lo"]):
            out.append("downgrade")
        elif int(row["beds"]) > int(t["beds"]) or sid in named:
            out.append("boarding")
        elif int(row["seats"]) > int(t["seats"]) + int(row.get("merged_seats", 0) or 0):
            out.append("expand")
        elif int(moved_in.get(sid, 0)) > 0:
            out.append("receives")
        else:
            out.append("keep")
    return pd.Series(out, index=s.index, dtype=object, name="action")


def _action_text(plan) -> pd.Series:
    """The plan's actions naming each school, as a proposal writes them (``merge S021 → S003; add_boarding …``)."""
    found: dict[str, list[str]] = {}
    for act in plan.actions:
        for f in ("school", "from_", "into", "id", "to"):
            sid = getattr(act, f, None)
            if isinstance(sid, str):
                found.setdefault(sid, []).append(act.describe("en"))
    return pd.Series({k: "; ".join(dict.fromkeys(v)) for k, v in found.items()}, dtype=object)


def school_layer(ev, places: Places | None = None) -> gpd.GeoDataFrame:
    """Schools after the plan as points: action, the plan's actions, figures after (and ``*_now`` today), posts
    and costs.

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional
        Default the evaluation's own.

    Returns
    -------
    GeoDataFrame
        Index ``school_id``; ``action`` (:data:`ACTIONS`), ``plan_actions``, the columns of ``ev.schools``, the
        staffing columns and ``annual_cost``, ``capital_cost`` (yuan).
    """
    pl = _places(ev, places)
    plan = ev.allocation.plan
    t = ev.schools.copy()
    t.insert(0, "action", school_action(plan, pl.schools_today, t["moved_in"]).reindex(t.index).to_numpy())
    t.insert(1, "plan_actions", _action_text(plan).reindex(t.index).fillna("").to_numpy())
    if ev.staffing is not None and len(ev.staffing):
        t = t.join(ev.staffing.drop(columns=[c for c in ev.staffing.columns if c in t.columns]))
    by = ev.costs.get("by_school") if isinstance(ev.costs, dict) else None
    if by is not None:
        for src, dst in (("annual_total", "annual_cost"), ("capital_total", "capital_cost")):
            if src in by:
                t[dst] = by[src].reindex(t.index).to_numpy(float)
    t["merged_into"] = t["merged_into"].where(t["merged_into"].notna(), "").astype(object)
    geom = plan.schools.geometry.reindex(t.index)
    t.index = t.index.astype(str).rename("school_id")
    return gpd.GeoDataFrame(t, geometry=geom.to_numpy(), crs=plan.crs)


def _by_village(frame: pd.DataFrame, index: pd.Index, value: str = "children") -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(0, index=index, columns=list(BANDS))
    t = frame.groupby(["village_id", "band"])[value].sum().unstack(fill_value=0)
    return t.reindex(index=index, columns=list(BANDS), fill_value=0)


def village_layer(ev, places: Places | None = None) -> gpd.GeoDataFrame:
    """Villages as points with their children's trips after the plan, band by band.

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional

    Returns
    -------
    GeoDataFrame
        Index ``village_id``; ``name``, ``township``, ``children`` and per band ``b``: ``{b}_children`` (living in
        the village), ``{b}_minutes`` (day pupils' children-weighted mean one-way trip), ``{b}_max_minutes``,
        ``{b}_walk``, ``{b}_bus``, ``{b}_board``, ``{b}_unserved`` (children without a place), ``{b}_school``
        (the school most of them attend); ``moved`` (children the plan moves), ``unserved``, ``not_on_roll``
        (children no school's roll holds today), ``max_minutes``.
    """
    pl = _places(ev, places)
    al = ev.allocation
    idx = pl.villages.index
    out = pd.DataFrame(index=idx)
    for c in ("name", "township"):
        out[c] = pl.villages[c].astype(object) if c in pl.villages else ""
    census = al.census if al.census is not None else al.demand
    census = census.reindex(idx).fillna(0)
    out["children"] = census[list(BANDS)].sum(axis=1).astype(int).to_numpy()
    a = al.assignments.copy()
    a["village_id"] = a["village_id"].astype(str)
    day = a[a["mode"] != "board"]
    unserved = _by_village(al.unserved.assign(village_id=al.unserved["village_id"].astype(str)), idx)
    for b in BANDS:
        out[f"{b}_children"] = census[b].astype(int).to_numpy()
        d = day[day["band"] == b]
        w = d["children"].astype(float)
        g = d.assign(wm=d["minutes"].astype(float) * w, w=w).groupby("village_id")
        out[f"{b}_minutes"] = (g["wm"].sum() / g["w"].sum().replace(0, np.nan)).reindex(idx).to_numpy(float)
        out[f"{b}_max_minutes"] = g["minutes"].max().reindex(idx).to_numpy(float)
        ab = a[a["band"] == b]
        for m in ("walk", "bus", "board"):
            out[f"{b}_{m}"] = ab[ab["mode"] == m].groupby("village_id")["children"].sum().reindex(
                idx, fill_value=0).astype(int).to_numpy()
        out[f"{b}_unserved"] = unserved[b].astype(int).to_numpy()
        main = ab.groupby(["village_id", "school_id"])["children"].sum().reset_index()
        main = main.sort_values(["village_id", "children", "school_id"], ascending=[True, False, True])
        out[f"{b}_school"] = main.drop_duplicates("village_id").set_index("village_id")["school_id"].reindex(
            idx).fillna("").astype(object).to_numpy()
    out["moved"] = al.moves.assign(village_id=al.moves["village_id"].astype(str)).groupby("village_id")[
        "children"].sum().reindex(idx, fill_value=0).astype(int).to_numpy() if len(al.moves) else 0
    out["unserved"] = unserved.sum(axis=1).astype(int).to_numpy()
    nor = al.not_on_roll
    out["not_on_roll"] = (nor.assign(village_id=nor["village_id"].astype(str)).groupby("village_id")["children"]
                          .sum().reindex(idx, fill_value=0).astype(int).to_numpy() if len(nor) else 0)
    out["max_minutes"] = out[[f"{b}_max_minutes" for b in BANDS]].max(axis=1).to_numpy(float)
    return gpd.GeoDataFrame(out, geometry=pl.villages.geometry.to_numpy(), crs=pl.villages.crs)


def assignment_layer(ev, places: Places | None = None) -> gpd.GeoDataFrame:
    """Village → school lines, one per village, band, school and mode.

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional

    Returns
    -------
    GeoDataFrame
        ``village_id, band, school_id, mode, children, minutes, metres, from_school, moved`` and the straight
        line from the village to the school (a desire line, not the route).
    """
    pl = _places(ev, places)
    a = ev.allocation.assignments.reset_index(drop=True).copy()
    for c in ("village_id", "school_id", "from_school"):
        if c in a:
            a[c] = a[c].astype(str).astype(object)
    vpts = pl.villages.geometry.reindex(a["village_id"]).to_numpy()
    spts = ev.allocation.plan.schools.geometry.reindex(a["school_id"]).to_numpy()
    ok = ~(shapely.is_missing(vpts) | shapely.is_missing(spts))
    lines = np.full(len(a), None, dtype=object)
    if ok.any():
        xy = np.stack([shapely.get_coordinates(vpts[ok]), shapely.get_coordinates(spts[ok])], axis=1)
        lines[ok] = shapely.linestrings(xy)
    a["moved"] = a["moved"].astype(bool) if "moved" in a else False
    return gpd.GeoDataFrame(a, geometry=list(lines), crs=pl.villages.crs)


def bus_route_layer(ev, places: Places | None = None) -> gpd.GeoDataFrame:
    """The plan's school-bus routes as lines (``Evaluation.costs["bus_routes"]``).

    Drawn along the roads from the first stop to the school when the county has a road network (the same paths
    :func:`layout.transport.bus_routes` draws with ``geometry=True``); otherwise, and for the per-link estimate,
    as a line through the stops in pickup order to the school (``drawn`` says which).

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional

    Returns
    -------
    GeoDataFrame
        Index ``route_id``; the route table's columns (``school_id, kind, bands, stops, n_stops, children,
        minutes, limit_minutes, km`` …) and ``drawn`` (``roads`` or ``stops``).
    """
    pl = _places(ev, places)
    bus = ev.costs.get("bus_routes") if isinstance(ev.costs, dict) else None
    routes = bus.routes.copy() if bus is not None and len(bus.routes) else pd.DataFrame()
    crs = pl.villages.crs
    if routes.empty:
        empty = gpd.GeoDataFrame({"school_id": pd.Series(dtype=object), "children": pd.Series(dtype=int),
                                  "drawn": pd.Series(dtype=object)}, geometry=[], crs=crs)
        empty.index.name = "route_id"
        return empty
    schools = ev.allocation.plan.schools
    geoms = pd.Series([None] * len(routes), index=routes.index, dtype=object)
    drawn = pd.Series("stops", index=routes.index, dtype=object)
    stops = bus.stops
    if pl.network is not None and not str(bus.method).startswith("per-link") and len(stops):
        from layout.transport.geometry import route_lines

        try:
            lines = route_lines(pl.network, bus, pl.villages, schools, pl.standards)
            hit = lines.geometry.reindex(routes.index)
            geoms[hit.notna().to_numpy()] = hit[hit.notna()].to_numpy()
            drawn[hit.notna().to_numpy()] = "roads"
        except Exception as exc:  # noqa: BLE001 (a route the roads cannot draw is drawn through its stops below)
            log.warning("bus routes drawn through their stops: the roads could not draw them (%s)", exc)
    for rid in routes.index[geoms.isna().to_numpy()]:
        st = stops[stops["route_id"] == rid].sort_values("order") if len(stops) else stops
        pts = [pl.villages.geometry.get(v) for v in st["village_id"]] if len(st) else []
        if not pts and "village_id" in routes:
            pts = [pl.villages.geometry.get(routes.at[rid, "village_id"])]
        pts = [p for p in pts if p is not None] + [schools.geometry.get(routes.at[rid, "school_id"])]
        pts = [p for p in pts if p is not None]
        if len(pts) >= 2:
            geoms[rid] = shapely.LineString([(p.x, p.y) for p in pts])
    routes["drawn"] = drawn.to_numpy()
    routes.index = routes.index.astype(str).rename("route_id")
    for c in routes.columns:
        if routes[c].dtype == object or pd.api.types.is_string_dtype(routes[c]):
            routes[c] = routes[c].astype(str).astype(object)
    return gpd.GeoDataFrame(routes, geometry=list(geoms), crs=crs)


def bus_stop_layer(ev, places: Places | None = None) -> gpd.GeoDataFrame:
    """The routes' stops as points at their villages, ``order`` 1 = first pickup.

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional

    Returns
    -------
    GeoDataFrame
        ``route_id, order, village_id, school_id, children, bands, ride_minutes, limit_minutes``.
    """
    pl = _places(ev, places)
    bus = ev.costs.get("bus_routes") if isinstance(ev.costs, dict) else None
    stops = (bus.stops.reset_index(drop=True).copy() if bus is not None and len(bus.stops)
             else pd.DataFrame({"route_id": pd.Series(dtype=object), "order": pd.Series(dtype=int),
                                "village_id": pd.Series(dtype=object)}))
    for c in ("route_id", "village_id", "school_id", "bands"):
        if c in stops:
            stops[c] = stops[c].astype(str).astype(object)
    pts = pl.villages.geometry.reindex(stops["village_id"]).to_numpy() if len(stops) else []
    return gpd.GeoDataFrame(stops, geometry=list(pts), crs=pl.villages.crs)


_BUILDERS = {"schools": school_layer, "villages": village_layer, "assignments": assignment_layer,
             "bus_routes": bus_route_layer, "bus_stops": bus_stop_layer}


def evaluation_layers(ev, places: Places | None = None, layers: tuple[str, ...] = LAYERS) -> dict:
    """Every layer of :data:`LAYERS` (or those named) as GeoDataFrames.

    Parameters
    ----------
    ev : Evaluation
    places : Places, optional
    layers : tuple of str

    Returns
    -------
    dict
        name -> GeoDataFrame.
    """
    from layout.io.gis import plain_text

    unknown = [n for n in layers if n not in _BUILDERS]
    if unknown:
        raise KeyError(f"unknown layer {unknown[0]!r}; use one of {', '.join(LAYERS)}")
    return {n: plain_text(_BUILDERS[n](ev, places)) for n in layers}


_BAND_NAMES = {"g1_3": ("1-3年级", "grades 1-3"), "g4_6": ("4-6年级", "grades 4-6"), "g7_9": ("7-9年级", "grades 7-9")}


def _bands(zh: str, en: str) -> dict[str, tuple[str, str]]:
    return {b: (f"{z}{zh}", f"{e} {en}") for b, (z, e) in _BAND_NAMES.items()}


def _per_band(name: str, zh: str, en: str) -> dict[str, tuple[str, str]]:
    return {f"{b}_{name}": (f"{z}{zh}", f"{e}: {en}") for b, (z, e) in _BAND_NAMES.items()}


#: field -> (Chinese alias, English description), for every field of every layer
FIELDS: dict[str, tuple[str, str]] = {
    "school_id": ("学校代码", "school id"),
    "village_id": ("村庄代码", "village id"),
    "route_id": ("线路编号", "route id"),
    "name": ("名称", "name"),
    "township": ("乡镇", "township"),
    "action": ("调整方式", "what the plan does to the school (keep, close, merge, downgrade, boarding, expand, "
                           "receives, new)"),
    "plan_actions": ("方案动作", "the plan's actions naming the school"),
    "kind": ("学校类型", "school kind (teaching_point, primary, middle, nine_year)"),
    "status": ("办学状态", "open or closed under the plan"),
    "merged_into": ("并入学校", "the school a closed school merges into"),
    "is_new": ("新建学校", "opened by the plan"),
    "grades": ("开设年级", "grades taught under the plan"),
    **_bands("学生数", "pupils"),
    "enrolment": ("在校生数(方案)", "pupils under the plan"),
    "enrolment_now": ("在校生数(现状)", "pupils today"),
    "moved_in": ("调入学生", "pupils the plan moves in"),
    "moved_out": ("调出学生", "pupils the plan moves out"),
    "seats": ("学位数", "seats"),
    "utilisation": ("学位使用率", "pupils per seat"),
    "walk": ("步行学生", "day pupils walking"),
    "bus": ("乘校车学生", "pupils riding the school bus"),
    "board": ("寄宿学生", "boarders"),
    "beds": ("床位数", "boarding beds"),
    "boarders": ("寄宿生(方案)", "boarders under the plan"),
    "boarders_now": ("寄宿生(现状)", "boarders today"),
    "bus_now": ("乘校车学生(现状)", "bus riders today"),
    "bed_use": ("床位使用率", "boarders per bed"),
    "boarding_demand": ("寄宿需求", "boarders plus children of boarding age without a place, counted here"),
    "beds_short": ("床位缺口", "beds short of the boarding demand"),
    "canteen": ("食堂", "has a canteen"),
    "boarding": ("寄宿制学校", "a boarding school"),
    "classes": ("班级数(方案)", "classes under the plan"),
    "classes_now": ("班级数(现状)", "classes today"),
    "classes_needed": ("所需班级数", "classes the pupils need at the standard class size"),
    "class_size": ("平均班额(方案)", "mean class size under the plan"),
    "class_size_now": ("平均班额(现状)", "mean class size today"),
    "max_class_size": ("最大班额(方案)", "largest band class size under the plan"),
    "max_class_size_now": ("最大班额(现状)", "largest band class size today"),
    "class_band": ("班额等级(方案)", "class-size band under the plan (normal, large, oversized = 大班额, "
                                     "super_oversized = 超大班额)"),
    "class_band_now": ("班额等级(现状)", "class-size band today"),
    "class_limit": ("班额上限", "class-size limit of the standards"),
    "size_cap": ("规模上限", "largest school size allowed"),
    "over_size_cap": ("超规模", "more pupils than the size cap"),
    "small_school": ("小规模学校", "a rural school under 100 pupils"),
    "closure_pool": ("撤并备选", "in the closure pool (under the standards' threshold)"),
    "teachers_now": ("教师数(现状)", "teachers today"),
    "posts_needed_now": ("编制需求(现状)", "posts the norms give today"),
    "surplus_now": ("超编(现状)", "teachers beyond the norm today (negative: short)"),
    "teachers_after_moves": ("教师数(调整后)", "teachers after closed schools' teachers moved"),
    "posts_needed": ("编制需求(方案)", "posts the norms give under the plan"),
    "teachers_employed": ("在岗教师(方案)", "teachers employed under the plan"),
    "posts_freed": ("可核减编制", "posts freed by attrition"),
    "posts_to_fill": ("需补充编制", "posts to fill"),
    "staffing_cost": ("教师工资(元/年)", "teachers' salaries, yuan a year"),
    "annual_cost": ("年度运行成本(元)", "annual running cost, yuan"),
    "capital_cost": ("基建投入(元)", "capital cost, yuan"),
    "children": ("学生数", "children"),
    **_per_band("children", "适龄儿童", "children living in the village"),
    **_per_band("minutes", "平均单程(分钟)", "day pupils' mean one-way trip, minutes"),
    **_per_band("max_minutes", "最长单程(分钟)", "longest one-way trip of day pupils, minutes"),
    **_per_band("walk", "步行", "children walking"),
    **_per_band("bus", "乘校车", "children riding the school bus"),
    **_per_band("board", "寄宿", "children boarding"),
    **_per_band("unserved", "未安置", "children without a place"),
    **_per_band("school", "主要就读学校", "the school most of them attend"),
    "moved": ("调整就读", "children the plan moves (assignments: this line is a move)"),
    "unserved": ("未安置学生", "children without a place"),
    "not_on_roll": ("未在学籍", "children on no school's roll today"),
    "max_minutes": ("最长单程(分钟)", "longest one-way trip of the village's day pupils, minutes"),
    "band": ("学段", "grade band (g1_3, g4_6, g7_9)"),
    "mode": ("就学方式", "walk, bus or board"),
    "minutes": ("单程时间(分钟)", "one-way minutes (boarders: the weekly trip home); route: first pickup to school"),
    "metres": ("单程距离(米)", "one-way metres"),
    "from_school": ("现就读学校", "today's school"),
    "bands": ("学段", "grade bands on the route or at the stop"),
    "stops": ("停靠村庄", "villages in pickup order"),
    "n_stops": ("停靠点数", "stops on the route"),
    "limit_minutes": ("乘车时限(分钟)", "the strictest ride limit of the children on board"),
    "km": ("日行驶里程(公里)", "daily tour, km (empty drive to the first stop and the run to school)"),
    "loaded_km": ("载客里程(公里)", "km with children on board"),
    "empty_km": ("空驶里程(公里)", "km without children"),
    "vehicles": ("车辆数", "vehicles (one a route)"),
    "vehicle_km_per_year": ("年行驶里程(公里)", "vehicle-km a year"),
    "drawn": ("绘制方式", "roads: along the roads; stops: straight through the stops"),
    "order": ("停靠顺序", "pickup order (1 = first)"),
    "ride_minutes": ("乘车时间(分钟)", "minutes on the bus from this stop to school"),
    "recommended": ("建议调整", "the recommender's actions for the school"),
    "target": ("目标学校", "the school receiving the pupils (changes: the action's other school)"),
    "saving_yuan": ("年节约(元)", "the action's saving a year, yuan"),
    "holds_all": ("可容纳全部学生", "the receiving school holds all the pupils"),
    "reasons_zh": ("调整理由", "reasons (Chinese)"),
    "reasons_en": ("调整理由(英文)", "reasons (English)"),
}
FIELDS.update({f"class_size_{b}": (f"{z}平均班额(方案)", f"{e}: mean class size under the plan")
               for b, (z, e) in _BAND_NAMES.items()})

#: geometry type of each layer, for layers written without features
GEOMETRY_TYPES = {"schools": "Point", "villages": "Point", "assignments": "LineString", "bus_routes": "LineString",
                  "bus_stops": "Point", "changes": "Point"}


def write_evaluation(ev, path, places: Places | None = None, *, extra: dict | None = None):
    """Every layer of an evaluation (and ``extra`` layers) into one GeoPackage with Chinese field aliases.

    Parameters
    ----------
    ev : Evaluation
    path : str or Path
        A ``.gpkg`` file.
    places : Places, optional
    extra : dict, optional
        More layers, name -> GeoDataFrame (e.g. a recommendation's ``changes``).

    Returns
    -------
    Path
    """
    from layout.io.gis import write_layers

    layers = evaluation_layers(ev, places) | dict(extra or {})
    return write_layers(path, layers, fields=FIELDS, titles=LAYER_TITLES, empty_types=GEOMETRY_TYPES)


def field_table_markdown() -> str:
    """The layers and the field aliases as Markdown tables, the source of ``docs/guide/gis.md``.

    Returns
    -------
    str

    Example
    -------
    >>> print(field_table_markdown().splitlines()[2])
    | `schools` | 学校(方案实施后) | Point | schools after the plan, with the plan's action for each |
    """
    rows = ["| layer | title (QGIS) | geometry | content |", "|---|---|---|---|"]
    rows += [f"| `{n}` | {zh} | {GEOMETRY_TYPES[n]} | {en} |" for n, (zh, en) in LAYER_TITLES.items()]
    rows += ["", "| field | 别名 (alias) | meaning |", "|---|---|---|"]
    rows += [f"| `{f}` | {zh} | {en} |" for f, (zh, en) in FIELDS.items()]
    return "\n".join(rows) + "\n"

