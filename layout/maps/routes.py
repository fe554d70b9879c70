"""School-bus routes on the map: a layer per school (hidden until ticked), each route drawn along the roads with its
stops numbered in pickup order, and popups with the children and minutes."""

from __future__ import annotations

import warnings

import folium
import pandas as pd

from layout.maps.labels import t
from layout.maps.layers import to_map_coords
from layout.maps.safe import Popup, Tooltip, esc, html_table

__all__ = ["add_bus_routes", "ROUTE_COLOURS"]

ROUTE_COLOURS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")


def add_bus_routes(m: folium.Map, county, plan, evaluation, lang: str, gcj: bool = False) -> int:
    """Draw the plan's school-bus routes (:func:`layout.transport.bus_routes`, with their lines along the roads).

    Returns
    -------
    int
        Routes drawn (0 when the plan has no bus riders or the routes are the per-link estimate, which has no line).
    """
    from layout.transport import bus_routes

    a = evaluation.allocation.assignments
    riders = a[a["mode"] == "bus"]
    if not len(riders) or county.roads is None:
        return 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = bus_routes(riders, county, county.standards, sites=plan.new_sites, geometry=True)
    if res.estimated or not len(res.lines):
        return 0
    lines = to_map_coords(res.lines, gcj)
    stops = to_map_coords(res.stop_points, gcj)
    names = evaluation.schools["name"].astype(str)
    vnames = county.villages["name"].astype(str) if "name" in county.villages else pd.Series(dtype=str)
    routes = res.routes
    for k, (sid, part) in enumerate(lines.groupby("school_id", sort=True)):
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        g = folium.FeatureGroup(name=f"{t('bus_routes', lang)} · {names.get(sid, sid)}", show=False)
        for rid, row in part.iterrows():
            r = routes.loc[rid]
            rows = [(t("route", lang), rid), (t("stops", lang), r["stops"]), (t("children", lang), int(r["children"])),
                    (t("route_minutes", lang), round(float(r["minutes"]), 1)), (t("km", lang), round(float(r["km"]), 1))]
            coords = [[lat, lon] for lon, lat in _coords(row.geometry)]
            # the package's Popup/Tooltip: folium's own popup needs jQuery, which the offline map does not carry
            line = folium.PolyLine(coords, color=colour, weight=4, opacity=0.85).add_to(g)
            line.add_child(Tooltip(f"{rid} · {int(r['children'])}"))
            line.add_child(Popup(html_table(rows, str(rid)), max_width=360))
            for st in stops[stops["route_id"] == rid].itertuples():
                label = esc(str(int(st.order)))
                marker = folium.Marker([st.geometry.y, st.geometry.x], icon=folium.DivIcon(
                    html=f"<div style='background:{colour};color:#fff;border-radius:9px;width:18px;height:18px;"
                         f"font:11px/18px sans-serif;text-align:center'>{label}</div>",
                    icon_size=(18, 18), icon_anchor=(9, 9))).add_to(g)
                marker.add_child(Tooltip(f"{vnames.get(st.village_id, st.village_id)} · {int(st.children)} "
                                         f"{t('children', lang)} · {float(st.ride_minutes):.0f} {t('minutes', lang)}"))
        m.add_child(g)
    return len(lines)


def _coords(geom):
    if geom.geom_type == "MultiLineString":
        return [xy for part in geom.geoms for xy in part.coords]
    return list(geom.coords)
