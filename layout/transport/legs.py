"""In-vehicle minutes and metres between the stops of one school's bus riders, on the county's road network.

What a bus minute is here, against the allocation's travel matrix (:func:`layout.network.travel` with ``"bus"``):

* the matrix minute of a village–school trip is *door to door*: the walk from the village to the road it snaps to
  (``modes.snapping``: straight line × ``off_road_detour_factor`` at ``off_road_speed_kmh``), the bus's
  ``modes.bus.wait_minutes`` (boarding and waiting), the drive along the roads at the bus speeds of each road
  class, and the walk from the road to the school;
* a route's *ride* is in the vehicle: from the bus reaching a stop (the village's point on the road) to the
  children reaching the school. It counts the drive along the roads (the same search, the same speeds, with the
  wait and the walk to the stop left out), the dwell ``costs.bus_stop_minutes`` at this and every later stop,
  and the school's off-road leg (from the road to the school gate, as the matrix walks it).

So a village's **direct ride** (the bus goes straight to school) is ``matrix minutes − wait − the village's walk
to the road + one dwell``; a shared route adds the detours and dwells of the stops after it. The bus drives only
on roads, so route kilometres have no off-road legs.

Legs come from the network's own one-to-many search (:meth:`layout.network.RoadNetwork.matrix`), over each
school and its riders' villages only; nearby schools are batched into one search (:func:`county_legs`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.network.graph import RoadNetwork
from layout.network.modes import ModeSpec, mode_spec
from layout.network.spatial_order import hilbert_rank

__all__ = ["SchoolLegs", "school_legs", "county_legs", "in_vehicle_spec", "BATCH_POINTS"]

BATCH_POINTS = 400     # points (schools + villages) per matrix call in county_legs


@dataclass(frozen=True, eq=False)
class SchoolLegs:
    """Road legs between one school and its riders' villages.

    Attributes
    ----------
    school_id : str
    village_ids : Index
        Villages in matrix order: row/column ``i + 1`` is ``village_ids[i]``; row/column 0 is the school.
    minutes, metres : ndarray (k + 1, k + 1)
        In-vehicle drive from row to column between the points where each place joins the road (no wait, no
        off-road walk); ``inf`` where the bus cannot get there.
    school_walk_minutes, school_walk_metres : float
        The school's off-road leg (road → gate), counted in every ride's arrival.
    village_walk_minutes, village_walk_metres : ndarray (k,)
        Each village's off-road leg (village → its stop on the road); walked before boarding, not in the ride.
    reasons : dict
        ``village_id -> reason`` for villages the bus cannot reach from the school or cannot bring to it.
    """

    school_id: str
    village_ids: pd.Index
    minutes: np.ndarray
    metres: np.ndarray
    school_walk_minutes: float
    school_walk_metres: float
    village_walk_minutes: np.ndarray
    village_walk_metres: np.ndarray
    reasons: dict


def in_vehicle_spec(standards) -> tuple[ModeSpec, ModeSpec]:
    """The bus mode as the matrix uses it, and the same mode with the wait and the off-road walks left out.

    Parameters
    ----------
    standards : Standards

    Returns
    -------
    (ModeSpec, ModeSpec)
        ``(bus, in_vehicle)``: identical road speeds, exclusions, one-way rules and snapping reach.

    Example
    -------
    >>> from layout.standards import load_standards
    >>> bus, ride = in_vehicle_spec(load_standards())
    >>> bus.wait_minutes, ride.wait_minutes, ride.off_road_detour_factor, ride.max_snap_metres == bus.max_snap_metres
    (5.0, 0.0, 0.0, True)
    """
    bus = mode_spec("bus", standards)
    return bus, replace(bus, wait_minutes=0.0, off_road_detour_factor=0.0)


def school_legs(net: RoadNetwork, school_id: str, school_point, villages: gpd.GeoDataFrame,
                standards) -> SchoolLegs:
    """Road legs between a school and some villages, both ways, by school bus.

    Parameters
    ----------
    net : RoadNetwork
        In the county CRS (``layout.network.county_network(county)`` or an OSM network).
    school_id : str
    school_point : shapely Point
        The school's location in the network CRS.
    villages : GeoDataFrame
        The riders' villages (index ``village_id``, points in the network CRS).
    standards : Standards

    Returns
    -------
    SchoolLegs

    Example
    -------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import LineString, Point
    >>> from layout.standards import load_standards
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (4000, 0)])], crs=32648)
    >>> net = RoadNetwork.from_roads(roads)
    >>> v = gpd.GeoDataFrame(geometry=[Point(1000, 0), Point(2000, 40)], crs=32648,
    ...                      index=pd.Index(["V1", "V2"], name="village_id"))
    >>> legs = school_legs(net, "S1", Point(4000, 0), v, load_standards())
    >>> round(float(legs.minutes[1, 0]), 1), round(float(legs.metres[1, 2]))   # 3 km at 20 km/h; V1 -> V2
    (9.0, 1000)
    >>> round(float(legs.village_walk_minutes[1]), 2)   # 40 m × 1.3 at 4 km/h, walked to the stop
    0.78
    """
    schools = gpd.GeoSeries([school_point], index=pd.Index([str(school_id)]), crs=villages.crs)
    ids = [str(v) for v in villages.index]
    return county_legs(net, {str(school_id): ids}, schools, villages.set_axis(ids), standards)[str(school_id)]


def county_legs(net: RoadNetwork, groups: Mapping[str, Sequence[str]], schools: gpd.GeoSeries,
                villages: gpd.GeoDataFrame, standards, *, batch_points: int = BATCH_POINTS) -> dict[str, SchoolLegs]:
    """Road legs of many schools, each between the school and its own villages, in few network searches.

    Schools are taken in Hilbert-curve order of their location and packed into batches of about
    ``batch_points`` points (schools and the union of their villages); each batch is one matrix call, sliced per
    school. Nearby schools share villages and searches, and a search stops once its batch's points are settled.

    Parameters
    ----------
    net : RoadNetwork
    groups : mapping
        ``school_id -> village ids``.
    schools : GeoSeries
        School points indexed by str id (at least those of ``groups``).
    villages : GeoDataFrame
        Village points indexed by str id.
    standards : Standards
    batch_points : int
        Points per matrix call.

    Returns
    -------
    dict
        ``school_id -> SchoolLegs``.
    """
    bus, ride = in_vehicle_spec(standards)
    sids = [str(s) for s in groups]
    if not sids:
        return {}
    xy = np.array([[p.x, p.y] for p in schools.loc[sids]])
    order = [sids[i] for i in np.argsort(hilbert_rank(xy), kind="stable")]
    out: dict[str, SchoolLegs] = {}
    batch: list[str] = []
    members: set[str] = set()
    for sid in order:
        batch.append(sid)
        members.update(groups[sid])
        if len(batch) + len(members) >= batch_points:
            out.update(_batch_legs(net, bus, ride, batch, groups, schools, villages))
            batch, members = [], set()
    if batch:
        out.update(_batch_legs(net, bus, ride, batch, groups, schools, villages))
    return out


def _batch_legs(net: RoadNetwork, bus: ModeSpec, ride: ModeSpec, batch: list[str], groups, schools: gpd.GeoSeries,
                villages: gpd.GeoDataFrame) -> dict[str, SchoolLegs]:
    """One matrix over a batch of schools and the union of their villages, sliced per school."""
    vids = sorted({v for s in batch for v in groups[s]})
    geoms = [*schools.loc[batch].to_numpy(), *villages.geometry.loc[vids].to_numpy()]
    names = [f"s{i}" for i in range(len(batch))] + [f"v{i}" for i in range(len(vids))]
    pts = gpd.GeoDataFrame(geometry=geoms, crs=villages.crs, index=pd.Index(names, name="stop_id"))
    tm = net.matrix(pts, pts, ride, layers=("stop", "stop"))
    minutes_all = tm.minutes.to_numpy(float)
    metres_all = tm.metres.to_numpy(float)
    snap = tm.snap[~tm.snap.index.duplicated()].reindex(pts.index)
    straight = snap["snap_metres"].to_numpy(float)
    snapped_all = snap["snapped"].to_numpy(bool)
    walk_m, walk_min = bus.off_road(np.where(np.isfinite(straight), straight, 0.0))
    walk_m = np.where(np.isfinite(straight), walk_m, np.inf)
    walk_min = np.where(np.isfinite(straight), walk_min, np.inf)
    vpos = {v: len(batch) + i for i, v in enumerate(vids)}
    reach = bus.max_snap_metres
    out = {}
    for k, sid in enumerate(batch):
        ids = pd.Index([str(v) for v in groups[sid]], name="village_id")
        rows = np.array([k, *[vpos[v] for v in ids]], dtype=np.int64)
        minutes = minutes_all[np.ix_(rows, rows)].copy()
        metres = metres_all[np.ix_(rows, rows)].copy()
        np.fill_diagonal(minutes, 0.0)
        np.fill_diagonal(metres, 0.0)
        snapped = snapped_all[rows]
        reasons: dict[str, str] = {}
        for i, vid in enumerate(ids, start=1):
            if not snapped[0]:
                reasons[vid] = f"no road a school bus can use within {reach:g} m of the school"
            elif not snapped[i]:
                reasons[vid] = f"no road a school bus can use within {reach:g} m of the village"
            elif not np.isfinite(minutes[i, 0]):
                reasons[vid] = ("the bus cannot bring the children to school by road: "
                                + _why(tm.unreachable, names[rows[i]], names[rows[0]]))
            elif not np.isfinite(minutes[0, i]):
                reasons[vid] = ("the bus cannot drive from the school to the village by road: "
                                + _why(tm.unreachable, names[rows[0]], names[rows[i]]))
        out[sid] = SchoolLegs(school_id=sid, village_ids=ids, minutes=minutes, metres=metres,
                              school_walk_minutes=float(walk_min[k]), school_walk_metres=float(walk_m[k]),
                              village_walk_minutes=walk_min[rows[1:]], village_walk_metres=walk_m[rows[1:]],
                              reasons=reasons)
    return out


def _why(unreachable: pd.DataFrame, origin: str, destination: str) -> str:
    """The network's reason for one unreachable pair of stops."""
    o, d = unreachable.columns[0], unreachable.columns[1]
    hit = unreachable.loc[(unreachable[o] == origin) & (unreachable[d] == destination), "reason"]
    return str(hit.iloc[0]) if len(hit) else "no route"
