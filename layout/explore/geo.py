"""The county's layers as plain lon/lat data for the what-if map (drawn as vector layers: no tiles), and the
colours of schools (by action) and villages (by trip) under a plan — the same styles as the HTML maps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from layout.maps.actions import school_actions
from layout.maps.countymap import village_trips
from layout.maps.layers import ACTION_STYLE, ROAD_STYLE, trip_colour

__all__ = ["map_data", "map_styles", "school_point"]

_DIGITS = 5          # about 1 m


def _lonlat(gdf):
    return gdf.to_crs(4326) if gdf is not None and len(gdf) else gdf


def _ring(coords) -> list[list[float]]:
    return [[round(float(y), _DIGITS), round(float(x), _DIGITS)] for x, y in coords]


def school_point(sid: str, row, geometry_lonlat) -> dict:
    """One school as the map draws it."""
    enrol = float(row.get("enrolment", 0) or 0)
    return {"id": str(sid), "name": str(row.get("name", sid)), "kind": str(row.get("kind", "")),
            "lat": round(float(geometry_lonlat.y), _DIGITS), "lon": round(float(geometry_lonlat.x), _DIGITS),
            "r": float(min(13.0, 5.0 + np.sqrt(max(enrol, 0.0)) / 5.0))}


def map_data(county, plan, simplify_m: float = 15.0) -> dict:
    """Townships, roads, villages, schools and candidate sites in WGS84 (lat, lon lists), and the bounds.

    Parameters
    ----------
    county : County
    plan : Plan
        Supplies the schools (new ones included).
    simplify_m : float
        Tolerance in metres for road and boundary lines (keeps the widget small on a large county).

    Returns
    -------
    dict
        ``bounds``, ``townships`` (``name``, ``rings``), ``roads`` (``colour``, ``weight``, ``lines``), ``villages``
        (``id``, ``name``, ``lat``, ``lon``, ``children``, ``r``), ``schools`` and ``candidates``.
    """
    out: dict = {"townships": [], "roads": [], "villages": [], "schools": [], "candidates": []}
    if county.townships is not None and len(county.townships):
        tw = county.townships.copy()
        tw["geometry"] = tw.geometry.simplify(simplify_m)
        for _, r in _lonlat(tw).iterrows():
            g = r.geometry
            polys = list(g.geoms) if hasattr(g, "geoms") else [g]
            rings = [_ring(p.exterior.coords) for p in polys if p is not None and not p.is_empty]
            out["townships"].append({"name": str(r.get("township", "")), "rings": rings})
    if county.roads is not None and len(county.roads):
        roads = county.roads.copy()
        roads["geometry"] = roads.geometry.simplify(simplify_m)
        roads = _lonlat(roads)
        cls = roads["road_class"].astype(str) if "road_class" in roads else pd.Series("village", index=roads.index)
        for rc in sorted(cls.unique()):
            colour, weight = ROAD_STYLE.get(rc, ("#aaaaaa", 1.5))
            lines = []
            for g in roads.geometry[(cls == rc).to_numpy()]:
                if g is None or g.is_empty:
                    continue
                for part in (g.geoms if hasattr(g, "geoms") else [g]):
                    lines.append(_ring(part.coords))
            out["roads"].append({"class": rc, "colour": colour, "weight": float(weight) * 0.7, "lines": lines})
    v = _lonlat(county.villages)
    kids = county.villages[[c for c in ("g1_3", "g4_6", "g7_9") if c in county.villages]].sum(axis=1)
    for vid, g, name, n in zip(v.index, v.geometry, v.get("name", pd.Series(v.index, index=v.index)), kids,
                               strict=True):
        out["villages"].append({"id": str(vid), "name": str(name), "lat": round(float(g.y), _DIGITS),
                                "lon": round(float(g.x), _DIGITS), "children": int(n),
                                "r": float(min(9.0, 2.0 + np.sqrt(max(float(n), 0.0)) / 3.0))})
    s = plan.schools
    sl = _lonlat(s)
    for sid, g in zip(s.index, sl.geometry, strict=True):
        out["schools"].append(school_point(sid, s.loc[sid], g))
    if county.candidates is not None and len(county.candidates):
        c = _lonlat(county.candidates)
        for cid, g in zip(c.index, c.geometry, strict=True):
            out["candidates"].append({"id": str(cid), "name": str(c.at[cid, "name"]),
                                      "lat": round(float(g.y), _DIGITS), "lon": round(float(g.x), _DIGITS)})
    b = shapely.total_bounds(np.array([*v.geometry.to_numpy(), *sl.geometry.to_numpy()]))
    out["bounds"] = [[float(b[1]), float(b[0])], [float(b[3]), float(b[2])]]
    return out


def map_styles(county, plan, evaluation, recommendation=None, lang: str = "zh") -> dict:
    """Colours under a plan: ``schools`` (``id -> {colour, action, closed}``) and ``villages`` (``id -> colour``,
    by the longest one-way trip of their children; dark red where children have no place)."""
    acts = school_actions(county, plan, recommendation, lang)
    s = plan.schools
    schools = {}
    for sid, a in acts["action"].items():
        colour = ACTION_STYLE.get(a, ACTION_STYLE["keep"])[0]
        schools[str(sid)] = {"colour": colour, "action": a, "closed": bool(s.at[sid, "status"] != "open")}
    trips = village_trips(county, evaluation.allocation)
    bins = [float(x) for x in county.standards.get("travel.report_bins_minutes", (15, 30, 45))]
    villages = {str(vid): trip_colour(r.max_minutes, bins, unserved=bool(r.unserved > 0))
                for vid, r in trips.iterrows()}
    return {"schools": schools, "villages": villages}
