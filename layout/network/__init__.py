"""Road-network travel times from villages to schools (walking, school bus).

Public entry point: :func:`travel`. With a road layer (``county.roads``) or a prebuilt :class:`RoadNetwork`
(e.g. from OpenStreetMap), trips follow the roads; without one, travel is a straight-line estimate
(:mod:`layout.network.fallback`), labelled as such everywhere it shows.

Example
-------
>>> walk = travel(county, "walk")
>>> walk.mode, walk.estimated, walk.minutes.shape        # villages x schools
('walk', False, (40, 27))
>>> round(float(walk.minutes.loc["V0003", "S001"]), 1)   # minutes on foot from village V0003 to school S001
0.6
"""

from __future__ import annotations

import logging
import time
import weakref
from pathlib import Path

import geopandas as gpd

from layout.errors import LayoutInputError, Problem
from layout.network.fallback import straight_line_matrix
from layout.network.graph import RoadNetwork
from layout.network.isochrones import isochrones
from layout.network.matrix import TravelMatrix
from layout.network.modes import ModeSpec, mode_spec

__all__ = ["travel", "TravelMatrix", "RoadNetwork", "ModeSpec", "mode_spec", "isochrones", "county_network"]

_NETWORKS: dict[int, tuple[weakref.ref, RoadNetwork]] = {}

log = logging.getLogger(__name__)


def county_network(county) -> RoadNetwork | None:
    """The county's road network (built once per roads layer and reused), or ``None`` without roads.

    Parameters
    ----------
    county : County

    Returns
    -------
    RoadNetwork or None
    """
    roads = county.roads
    if roads is None or len(roads) == 0:
        return None
    hit = _NETWORKS.get(id(roads))
    if hit is not None and hit[0]() is roads and hit[1].standards == county.standards:
        return hit[1]
    t0 = time.perf_counter()
    net = RoadNetwork.from_roads(roads, county.standards)
    log.info("county %s: road network built in %.2f s", county.name, time.perf_counter() - t0)
    for k in [k for k, (ref, _) in _NETWORKS.items() if ref() is None]:
        del _NETWORKS[k]
    _NETWORKS[id(roads)] = (weakref.ref(roads), net)
    return net


def travel(county, mode: str = "walk", *, sites: gpd.GeoDataFrame | None = None,
           network: RoadNetwork | None = None, cutoff: float | None = None,
           cache_dir: str | Path | None = None, workers: int = 1, progress: bool = True) -> TravelMatrix:
    """Village × school travel minutes and metres for one mode.

    Parameters
    ----------
    county : County
    mode : str
        ``"walk"`` or ``"bus"`` (modes are defined in the standards).
    sites : GeoDataFrame, optional
        Extra school sites (index ``school_id``, points in the county CRS), e.g. new schools of a proposal;
        appended as columns after the county's schools.
    network : RoadNetwork, optional
        A prebuilt network in the county CRS (e.g. ``RoadNetwork.from_osm(path, crs=county.crs)``); default
        the county's own roads.
    cutoff : float, optional
        Minutes; longer trips become ``inf`` with reason "beyond the cutoff" (and the search is faster).
    cache_dir : path, optional
        Cache matrices on disk, keyed by a hash of roads, points, mode definition and cutoff.
    workers : int
        Threads searching in parallel on large networks (1: one thread).
    progress : bool
        Show a progress bar (tqdm: text on stderr, a widget in Jupyter) over the searches once they take more than a second; ``False``
        never does. What was computed (network, searches, unreachable pairs, cache use) is logged on the
        ``layout.network`` loggers at INFO level.

    Returns
    -------
    TravelMatrix
        ``estimated=True`` when no road network exists (straight line × detour factor).

    Example
    -------
    >>> import geopandas as gpd, pandas as pd
    >>> from pyproj import CRS
    >>> from shapely.geometry import LineString, Point
    >>> from layout.county import County
    >>> pts = lambda xy, name: gpd.GeoDataFrame(geometry=[Point(xy)], crs=32648,
    ...                                         index=pd.Index([name[0].upper() + "1"], name=name))
    >>> roads = gpd.GeoDataFrame({"road_class": ["village"]}, geometry=[LineString([(0, 0), (3000, 0)])], crs=32648)
    >>> county = County(name="demo", villages=pts((0, 0), "village_id"), schools=pts((2000, 0), "school_id"),
    ...                 roads=roads, crs=CRS(32648))
    >>> float(travel(county, "walk").minutes.loc["V1", "S1"])     # 2 km at 4 km/h
    30.0
    >>> round(float(travel(county, "bus").minutes.loc["V1", "S1"]), 1)   # 20 km/h + 5 min wait
    11.0
    """
    try:
        spec = mode_spec(mode, county.standards)
    except KeyError as exc:
        raise LayoutInputError([Problem("mode", str(exc.args[0]), value=mode, fix="use walk or bus")]) from None
    schools = county.schools[["geometry"]]
    if sites is not None and len(sites):
        schools = gpd.GeoDataFrame(
            geometry=list(schools.geometry) + list(sites.geometry),
            index=schools.index.append(sites.index).rename("school_id"), crs=county.crs)
    net = network if network is not None else county_network(county)
    if net is None or len(net.edges) == 0:
        log.info("%s: no road network, straight-line estimates", mode)
        return straight_line_matrix(county.villages, schools, mode, county.standards)
    if net.crs is not None and county.crs is not None and not net.crs.equals(county.crs):
        raise LayoutInputError([Problem("network", "the road network is in another CRS than the county",
                                        value=net.crs.to_string(),
                                        fix=f"build it with crs=county.crs ({county.crs.to_string()})")])
    villages = county.villages[["geometry"]]
    return net.matrix(villages, schools, spec, cutoff=cutoff, cache_dir=cache_dir, workers=workers,
                      progress=progress)
