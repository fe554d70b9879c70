"""Read road lines from an OpenStreetMap file offline with pyosmium (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``).

``highway=*`` values map to the canonical road classes through ``road_classes.osm_highway`` in the standards;
values not listed there (``construction``, ``proposed``, ``platform`` …) are not roads and are skipped. The OSM
value itself is kept in the ``highway`` column, and ``oneway`` follows the OSM rules (``oneway=yes/-1``,
implied on motorways and roundabouts).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from layout.errors import LayoutInputError, Problem
from layout.geo import utm_crs_for
from layout.io.safe_text import clean_text
from layout.standards import Standards, load_standards

__all__ = ["read_osm_roads", "OsmDataWarning"]


class OsmDataWarning(UserWarning):
    """Something in an OpenStreetMap file was left out (e.g. nodes with impossible coordinates); the count is
    in the message and in the roads' ``attrs["dropped_nodes"]``."""

_NODE_OUTLIER_MIN_KM = 300.0   # a node this far beyond the spread of all others is a broken coordinate
_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml", ".osm.xml")


def read_osm_roads(path: str | Path, crs=None, standards: Standards | None = None, *,
                   bbox: tuple[float, float, float, float] | None = None) -> gpd.GeoDataFrame:
    """Road lines of an OSM file as a GeoDataFrame ready for :meth:`RoadNetwork.from_roads`.

    Parameters
    ----------
    path : str or Path
        ``.osm.pbf``, ``.osm``, ``.osm.gz`` or ``.osm.bz2``.
    crs : CRS-like, optional
        Metric CRS to project to; default the UTM zone of the roads' centre.
    standards : Standards, optional
    bbox : (min_lon, min_lat, max_lon, max_lat), optional
        Keep only ways with at least one node inside the box.

    Returns
    -------
    GeoDataFrame
        Columns ``osm_id``, ``highway``, ``road_class``, ``oneway`` (1, -1 or 0), ``name``, ``speed_kmh`` (``nan``:
        OSM ``maxspeed`` is a legal limit, not a school-bus speed, so class speeds apply). Nodes with impossible
        coordinates are dropped: their count is ``attrs["dropped_nodes"]`` and an :class:`OsmDataWarning`.
    """
    import osmium

    path = Path(path)
    std = standards or load_standards()
    mapping = {str(k): str(v) for k, v in dict(std.get("road_classes.osm_highway")).items()}
    if not path.is_file():
        raise LayoutInputError([Problem(str(path), "OpenStreetMap file not found", fix="check the --osm path")])
    if not any(path.name.lower().endswith(s) for s in _SUFFIXES):
        raise LayoutInputError([Problem(str(path), "not an OpenStreetMap file name",
                                        fix="use a .osm.pbf, .osm, .osm.gz or .osm.bz2 file")])
    coords: list[np.ndarray] = []
    refs: list[np.ndarray] = []
    rows: dict[str, list] = {"osm_id": [], "highway": [], "road_class": [], "oneway": [], "name": []}

    class _Ways(osmium.SimpleHandler):
        def way(self, w):  # noqa: N802 (pyosmium callback name)
            hw = w.tags.get("highway")
            if hw is None or hw not in mapping or w.tags.get("area") == "yes":
                return
            nodes = [n for n in w.nodes if n.location.valid()]   # nodes cut off at the extract's edge: skipped
            if len(nodes) < 2:
                return
            coords.append(np.array([(n.lon, n.lat) for n in nodes], dtype=float))
            refs.append(np.array([n.ref for n in nodes], dtype=np.int64))
            rows["osm_id"].append(int(w.id))
            rows["highway"].append(hw)
            rows["road_class"].append(mapping[hw])
            rows["oneway"].append(_oneway(hw, w.tags.get("oneway"), w.tags.get("junction")))
            rows["name"].append(clean_text(w.tags.get("name", "")))

    try:
        _Ways().apply_file(str(path), locations=True)
    except RuntimeError as exc:
        raise LayoutInputError([Problem(str(path), f"cannot read the OpenStreetMap file ({exc})",
                                        fix="download the extract again (.osm.pbf from Geofabrik)")]) from None
    coords, rows, n_dropped = _drop_impossible_nodes(coords, refs, rows, bbox)
    if not coords:
        raise LayoutInputError([Problem(str(path), "no roads (highway=*) in the OpenStreetMap file",
                                        fix="use an extract that covers the county")])
    if n_dropped:
        warnings.warn(f"{path.name}: {n_dropped} OpenStreetMap node(s) with impossible coordinates dropped (outside "
                      "±180°/±90°, or thousands of km from all other nodes: a broken lat/lon)", OsmDataWarning,
                      stacklevel=2)
    lengths = np.array([len(c) for c in coords])
    lines = shapely.linestrings(np.concatenate(coords), indices=np.repeat(np.arange(len(coords)), lengths))
    gdf = gpd.GeoDataFrame({**rows, "speed_kmh": np.full(len(coords), np.nan)}, geometry=lines, crs=4326)
    if crs is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        crs = utm_crs_for((minx + maxx) / 2, (miny + maxy) / 2)
    gdf = gdf.to_crs(CRS.from_user_input(crs))
    gdf.attrs["dropped_nodes"] = n_dropped
    return gdf


def _drop_impossible_nodes(coords: list[np.ndarray], refs: list[np.ndarray], rows: dict[str, list],
                           bbox) -> tuple[list[np.ndarray], dict[str, list], int]:
    """Ways without their impossible nodes (out of range, or robust outliers far from every other node: pyosmium
    reads ``lat="1e308"`` as 0), ways left with fewer than 2 nodes removed; ways outside ``bbox`` removed.

    Returns (coordinates per way, rows, number of distinct nodes dropped).
    """
    from layout.io.coordinates import robust_outliers

    if not coords:
        return coords, rows, 0
    allxy = np.concatenate(coords)
    bad = ~(np.isfinite(allxy).all(axis=1) & (np.abs(allxy[:, 0]) <= 180) & (np.abs(allxy[:, 1]) <= 90))
    ok = ~bad
    bad[ok] = robust_outliers(allxy[ok, 0], allxy[ok, 1], min_km=_NODE_OUTLIER_MIN_KM)
    dropped = np.unique(np.concatenate(refs)[bad])
    keep_rows: list[int] = []
    out: list[np.ndarray] = []
    start = 0
    for i, xy in enumerate(coords):
        mask = ~bad[start:start + len(xy)]
        start += len(xy)
        xy = xy[mask]
        if len(xy) < 2:
            continue
        if bbox is not None and not ((xy[:, 0] >= bbox[0]) & (xy[:, 0] <= bbox[2])
                                     & (xy[:, 1] >= bbox[1]) & (xy[:, 1] <= bbox[3])).any():
            continue
        out.append(xy)
        keep_rows.append(i)
    rows = {k: [v[i] for i in keep_rows] for k, v in rows.items()}
    return out, rows, len(dropped)


def _oneway(highway: str, oneway: str | None, junction: str | None) -> int:
    """OSM one-way rules: 1 = along the way, -1 = against it, 0 = both ways."""
    if oneway in ("yes", "true", "1"):
        return 1
    if oneway in ("-1", "reverse"):
        return -1
    if oneway in ("no", "false", "0", "reversible", "alternating"):
        return 0
    if highway in ("motorway", "motorway_link") or junction in ("roundabout", "circular"):
        return 1
    return 0
