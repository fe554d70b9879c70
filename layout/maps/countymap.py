"""`county_map`: one county under a plan as an interactive, offline folium map."""

from __future__ import annotations

import math

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from layout.i18n import DEFAULT_LANG, LANGS, plan_title
from layout.maps.actions import ACTIONS, school_actions
from layout.maps.basemaps import TILES, add_basemap, uses_gcj02
from layout.maps.batch import BatchLayer
from layout.maps.labels import t
from layout.maps.layers import (
    BAND_COLOURS,
    MODE_DASH,
    NO_TRIP_COLOUR,
    TRIP_COLOURS,
    UNSERVED_COLOUR,
    add_catchments,
    add_roads,
    add_townships,
    school_svg,
    swatch_svg,
    to_map_coords,
    trip_colour,
)
from layout.maps.legend import Legend, swatch_area, swatch_circle, swatch_line
from layout.maps.safe import esc, html_table
from layout.schema import BANDS

__all__ = ["county_map", "village_trips"]

MAX_OPEN_LAYERS = 10   # layer lists longer than this start folded (hover or tap the button to open)
LEGEND_WIDTH_PX = 270  # the legend box (bottom right) is about this wide


def village_trips(county, allocation) -> pd.DataFrame:
    """Per village: children placed, children-weighted mean and longest one-way trip, children unserved, and
    children whose trip is over the limit for their band and mode (walk or school bus, limits from the standards).

    Parameters
    ----------
    county : County
    allocation : Allocation or None

    Returns
    -------
    DataFrame indexed by ``village_id``: ``placed, mean_minutes, max_minutes, unserved, over_limit``.
    """
    idx = county.villages.index.astype(str)
    out = pd.DataFrame(
        {"placed": 0, "mean_minutes": np.nan, "max_minutes": np.nan, "unserved": 0, "over_limit": 0},
        index=idx,
    )
    if allocation is None:
        return out
    a = allocation.assignments
    std = county.standards
    if len(a):
        trips = a[a["mode"] != "board"]
        w = trips["children"].astype(float)
        grp = trips.assign(wm=trips["minutes"].astype(float) * w, w=w).groupby("village_id")
        mean = grp["wm"].sum() / grp["w"].sum().replace(0, np.nan)
        out.loc[mean.index.astype(str), "mean_minutes"] = mean.to_numpy()
        mx = grp["minutes"].max()
        out.loc[mx.index.astype(str), "max_minutes"] = mx.to_numpy()
        placed = a.groupby("village_id")["children"].sum()
        out.loc[placed.index.astype(str), "placed"] = placed.to_numpy().astype(int)
        limit = np.array(
            [
                std.walk_limit(b) if m == "walk" else std.bus_limit(b) if m == "bus" else np.inf
                for b, m in zip(a["band"], a["mode"], strict=True)
            ],
            float,
        )
        over = a[a["minutes"].to_numpy(float) > limit].groupby("village_id")["children"].sum()
        out.loc[over.index.astype(str), "over_limit"] = over.to_numpy().astype(int)
    u = allocation.unserved
    if len(u):
        un = u.groupby("village_id")["children"].sum()
        out.loc[un.index.astype(str), "unserved"] = un.to_numpy().astype(int)
    return out


def _school_rows(sid, plan_row, ev_row, base_row, action, reasons, lang) -> list[tuple[str, object]]:
    rows: list[tuple[str, object]] = [
        (t("action", lang), t(action, lang)),
        (t("kind", lang), t(str(plan_row.get("kind", "")), lang)),
        (t("township", lang), plan_row.get("township", "")),
        (
            t("grades", lang),
            f"{int(plan_row['grade_lo'])}-{int(plan_row['grade_hi'])}" if "grade_lo" in plan_row else "",
        ),
    ]
    if isinstance(plan_row.get("merged_into"), str):
        rows.append((t("merged_into", lang), plan_row["merged_into"]))
    if ev_row is not None:
        rows += [
            (t("enrolment_now", lang), ev_row.get("enrolment_now")),
            (t("enrolment", lang), ev_row.get("enrolment")),
            (t("seats", lang), ev_row.get("seats")),
            (
                t("utilisation", lang),
                f"{100 * ev_row['utilisation']:.0f}%" if pd.notna(ev_row.get("utilisation")) else None,
            ),
            (t("classes", lang), ev_row.get("classes")),
            (t("max_class_size", lang), ev_row.get("max_class_size")),
            (t("boarders", lang), ev_row.get("boarders")),
            (t("beds", lang), ev_row.get("beds")),
        ]
    else:
        src = base_row if base_row is not None else plan_row
        rows += [
            (t("enrolment_now", lang), src.get("enrolment")),
            (t("seats", lang), plan_row.get("seats")),
            (t("classes", lang), src.get("classes")),
            (t("beds", lang), plan_row.get("beds")),
        ]
    src = base_row if base_row is not None else plan_row
    if "teachers" in src and pd.notna(src.get("teachers")):
        rows.append((t("teachers", lang), src.get("teachers")))
    if reasons:
        rows.append((t("reasons", lang), reasons))
    return rows


def _plan_schools(county, plan) -> gpd.GeoDataFrame:
    if plan is not None:
        return plan.schools
    s = county.schools.copy()
    s["status"] = "open"
    s["is_new"] = False
    return s


def county_map(
    county,
    *,
    plan=None,
    evaluation=None,
    allocation=None,
    recommendation=None,
    isochrones=None,
    tiles: str = "none",
    tianditu_key: str | None = None,
    lang: str = DEFAULT_LANG,
    title: str | None = None,
) -> folium.Map:
    """An interactive map of ``county`` under ``plan`` (status quo when None), drawn from the data alone.

    Layers (each switchable): township boundaries, roads by class, catchments (``isochrones``), assignment lines
    village → school per grade band (solid walk, dashed school bus, dotted boarding), villages (size = children,
    colour = children-weighted mean one-way trip of their pupils, dark red = children without a place), long-trip
    hotspots (villages with children over the walk/bus limit or unserved), and schools (shape and colour by
    action) with a popup table (enrolment before/after, seats, utilisation, classes, class size, boarders,
    teachers, reasons and the issues found). Scale bar, layer control and a legend.

    Parameters
    ----------
    county : County
    plan : Plan, optional
        Default: the status quo (every school kept).
    evaluation : Evaluation, optional
        Supplies per-school results, the allocation (if ``allocation`` is None) and issues per school.
    allocation : Allocation, optional
        Where every child goes; without it no lines are drawn and villages are grey.
    recommendation : optional
        Per-school reasons (``.reasons`` mapping, or a frame with a ``reason`` column).
    isochrones : GeoDataFrame, optional
        Catchment polygons indexed by ``school_id`` (e.g. from :func:`layout.network.isochrones`), county CRS.
    tiles : {"none", "osm", "tianditu", "amap"}
        Basemap; ``none`` makes no external request. ``amap`` shifts all data to GCJ-02.
    tianditu_key : str, optional
    lang : {"zh", "en"}
    title : str, optional
        Shown top left (default: county and plan name).

    Returns
    -------
    folium.Map
        Save it with :func:`layout.maps.save_map` (self-contained, offline).

    Example
    -------
    >>> from layout.maps import save_map
    >>> m = county_map(county, plan=plan, lang="en")
    >>> path = save_map(m, out / "map.html")
    >>> html = path.read_text(encoding="utf-8")
    >>> "S017" in html, "unpkg.com" in html or "cdn.jsdelivr" in html       # Leaflet inlined: works offline
    (True, False)
    """
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    if tiles not in TILES:
        add_basemap(folium.Map(tiles=None), tiles)  # raises a LayoutInputError naming the choices
    if evaluation is not None and allocation is None:
        allocation = getattr(evaluation, "allocation", None)
    if plan is None and evaluation is not None:
        plan = getattr(getattr(evaluation, "allocation", None), "plan", None)
    gcj = uses_gcj02(tiles)
    std = county.standards
    bins = list(std.get("travel.report_bins_minutes", [15, 30, 45]))

    villages = to_map_coords(county.villages, gcj)
    schools_plan = _plan_schools(county, plan)
    schools = to_map_coords(schools_plan, gcj)
    roads = to_map_coords(county.roads, gcj)
    townships = to_map_coords(county.townships, gcj)

    pts = pd.concat([villages.geometry, schools.geometry])
    minx, miny, maxx, maxy = gpd.GeoSeries(pts).total_bounds
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        attributionControl=tiles != "none",
    )
    # room on the right for the legend, so that no school at the county's east edge hides under it
    m.fit_bounds([[miny, minx], [maxy, maxx]], padding_top_left=(12, 12), padding_bottom_right=(LEGEND_WIDTH_PX, 12))
    add_basemap(m, tiles, tianditu_key=tianditu_key, lang=lang)

    # --- base layers drawn from data -------------------------------------------------------------------------
    g_town = folium.FeatureGroup(name=t("townships", lang), show=True)
    add_townships(g_town, townships, lang)
    g_roads = folium.FeatureGroup(name=t("roads", lang), show=True)
    add_roads(g_roads, roads, lang)
    m.add_child(g_town)
    m.add_child(g_roads)

    names = schools["name"].astype(str) if "name" in schools else pd.Series(dtype=str)
    if isochrones is not None and len(isochrones):
        g_iso = folium.FeatureGroup(name=t("catchments", lang), show=False)
        add_catchments(g_iso, to_map_coords(isochrones, gcj), names, lang)
        m.add_child(g_iso)

    # --- assignment lines per band ----------------------------------------------------------------------------
    vx = dict(
        zip(
            villages.index.astype(str),
            zip(villages.geometry.y, villages.geometry.x, strict=True),
            strict=True,
        )
    )
    sx = dict(
        zip(schools.index.astype(str), zip(schools.geometry.y, schools.geometry.x, strict=True), strict=True)
    )
    vnames = villages["name"].astype(str).to_dict() if "name" in villages else {}
    if allocation is not None and len(allocation.assignments):
        a = allocation.assignments
        max_children = max(1.0, float(a["children"].max()))
        for band in BANDS:
            part = a[a["band"] == band]
            if not len(part):
                continue
            g = folium.FeatureGroup(name=f"{t('assign', lang)} · {t(band, lang)}", show=band == "g1_3")
            rows_b = []
            for r in part.itertuples(index=False):
                v, s_ = vx.get(str(r.village_id)), sx.get(str(r.school_id))
                if v is None or s_ is None:
                    continue
                tip = esc(
                    f"{vnames.get(str(r.village_id), r.village_id)} → "
                    f"{names.get(str(r.school_id), r.school_id)} · {t(band, lang)} · "
                    f"{int(r.children)} {t('children', lang)} · {t(r.mode, lang)} "
                    f"{float(r.minutes):.0f} {t('minutes', lang)}"
                )
                weight = round(1 + 4 * math.sqrt(r.children / max_children), 2)
                rows_b.append(
                    [list(v), list(s_), BAND_COLOURS[band], weight, 0.75, MODE_DASH.get(r.mode) or "", tip]
                )
            g.add_child(BatchLayer("line", rows_b))
            m.add_child(g)

    # --- villages ---------------------------------------------------------------------------------------------
    trips = village_trips(county, allocation)
    children = county.children().sum(axis=1)
    children.index = children.index.astype(str)
    cmax = max(1.0, float(children.max())) if len(children) else 1.0
    g_vil = folium.FeatureGroup(name=t("villages", lang), show=True)
    g_hot = folium.FeatureGroup(name=t("hotspots", lang), show=True)
    village_rows: list[list] = []
    hot_rows: list[list] = []
    for vid, row in villages.iterrows():
        vid = str(vid)
        tr = trips.loc[vid]
        n = float(children.get(vid, 0))
        colour = (
            NO_TRIP_COLOUR
            if allocation is None
            else trip_colour(tr["mean_minutes"], bins, unserved=tr["unserved"] > 0)
        )
        rows = [(t("township", lang), row.get("township", "")), (t("children", lang), int(n))]
        rows += [(t(b, lang), row.get(b)) for b in BANDS]
        if allocation is not None:
            rows += [
                (t("mean_minutes", lang), tr["mean_minutes"]),
                (t("max_minutes", lang), tr["max_minutes"]),
                (t("unserved", lang), int(tr["unserved"])),
            ]
        lat, lon = float(row.geometry.y), float(row.geometry.x)
        name = row.get("name", vid)
        village_rows.append(
            [
                lat,
                lon,
                round(3 + 11 * math.sqrt(n / cmax), 2),
                colour,
                "#333333",
                0.8,
                0.85,
                "",
                esc(name),
                html_table(rows, name),
            ]
        )
        if allocation is not None and (tr["over_limit"] > 0 or tr["unserved"] > 0):
            tip = esc(
                f"{name}: {int(tr['over_limit'])} {t('over_limit', lang)} · "
                f"{int(tr['unserved'])} {t('unserved', lang)}"
            )
            hot_rows.append(
                [
                    lat,
                    lon,
                    round(8 + 11 * math.sqrt(n / cmax), 2),
                    "#d7301f",
                    "#d7301f",
                    2.5,
                    0,
                    "4 3",
                    tip,
                    "",
                ]
            )
    g_vil.add_child(BatchLayer("circle", village_rows))
    g_hot.add_child(BatchLayer("circle", hot_rows))
    m.add_child(g_vil)
    if allocation is not None:
        m.add_child(g_hot)

    # --- schools ----------------------------------------------------------------------------------------------
    acts = school_actions(county, plan, recommendation, lang)
    ev_schools = getattr(evaluation, "schools", None)
    issues: dict[str, list[str]] = {}
    for v in getattr(evaluation, "violations", []) or []:
        if getattr(v, "school_id", None):
            issues.setdefault(str(v.school_id), []).append(v.message_zh if lang == "zh" else v.message_en)
    g_sch = folium.FeatureGroup(name=t("schools", lang), show=True)
    school_rows: list[list] = []
    for sid, row in schools.iterrows():
        sid = str(sid)
        action = acts.at[sid, "action"] if sid in acts.index else "keep"
        ev_row = ev_schools.loc[sid] if ev_schools is not None and sid in ev_schools.index else None
        base_row = county.schools.loc[sid] if sid in county.schools.index else None
        rows = _school_rows(
            sid, row, ev_row, base_row, action, acts.at[sid, "reasons"] if sid in acts.index else "", lang
        )
        extra = ""
        if issues.get(sid):
            extra = (
                f"<div style='margin-top:4px'><b>{esc(t('violations', lang))}</b><ul style='margin:2px 0;"
                f"padding-left:16px'>"
                + "".join(f"<li>{esc(x)}</li>" for x in issues[sid][:8])
                + "</ul></div>"
            )
        school_rows.append(
            [
                float(row.geometry.y),
                float(row.geometry.x),
                school_svg(action, 22),
                22,
                esc(f"{row.get('name', sid)} · {t(action, lang)}"),
                html_table(rows, f"{row.get('name', sid)} ({sid})") + extra,
            ]
        )
    g_sch.add_child(BatchLayer("marker", school_rows))
    m.add_child(g_sch)

    # --- legend and controls --------------------------------------------------------------------------------
    present = [a for a in ACTIONS if (acts["action"] == a).any()] or ["keep"]
    trip_rows = []
    if allocation is not None:
        edges = [0, *bins]
        for i, c in enumerate(TRIP_COLOURS[: len(bins) + 1]):
            label = f"{edges[i]:g}–{edges[i + 1]:g}" if i < len(bins) else f"> {bins[-1]:g}"
            trip_rows.append((swatch_circle(c), f"{label} {t('minutes', lang)}"))
        trip_rows.append((swatch_circle(UNSERVED_COLOUR), t("unserved", lang)))
    else:
        trip_rows.append((swatch_circle(NO_TRIP_COLOUR), t("trip_unknown", lang)))
    sections = [
        (t("schools", lang), [(swatch_svg(a), t(a, lang)) for a in present]),
        (f"{t('villages', lang)} · {t('village_colour', lang)}", trip_rows),
    ]
    if allocation is not None:
        sections.append(
            (
                t("assign", lang),
                [(swatch_line(BAND_COLOURS[b]), t(b, lang)) for b in BANDS]
                + [
                    (swatch_line("#555", None), t("walk", lang)),
                    (swatch_line("#555", "dash"), t("bus", lang)),
                    (swatch_line("#555", "dot"), t("board", lang)),
                    (swatch_line("#d7301f", "dash"), t("hotspots", lang)),
                ],
            )
        )
    if isochrones is not None and len(isochrones):
        sections.append(
            (
                t("catchments", lang),
                [
                    (
                        swatch_area("#6baed6", "#3182bd"),
                        f"≤ {std.walk_limit('g1_3'):g} {t('minutes', lang)} ({t('walk', lang)})",
                    )
                ],
            )
        )
    road_classes = (
        sorted(set(county.roads["road_class"].astype(str)))
        if county.roads is not None and len(county.roads) and "road_class" in county.roads
        else []
    )
    from layout.maps.layers import ROAD_STYLE

    if road_classes:
        sections.append(
            (
                t("roads", lang),
                [
                    (swatch_line(ROAD_STYLE[c][0]), t(f"road_{c}", lang))
                    for c in road_classes
                    if c in ROAD_STYLE
                ],
            )
        )
    plan_name = plan_title(getattr(plan, "name", None) or "status quo", lang)
    if evaluation is not None and plan is not None:
        from layout.maps.routes import add_bus_routes

        add_bus_routes(m, county, plan, evaluation, lang, gcj)
    m.add_child(Legend(t("legend", lang), sections, title=title or f"{county.name} · {plan_name}"))
    # a list of a few layers stays open; with a bus-route layer per school it folds into its button, so that it
    # does not run down over the legend
    layers = sum(isinstance(child, folium.FeatureGroup) for child in m._children.values())
    folium.LayerControl(collapsed=layers > MAX_OPEN_LAYERS).add_to(m)
    return m
