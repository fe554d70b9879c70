"""Coordinates that make sense: every point of every layer checked, whether it came from lon/lat columns or
from a vector file (GeoPackage, GeoJSON, Shapefile).

* vector points in lon/lat get the checks table points get (out of range, 0/0, lon and lat swapped);
* in a Chinese CRS (EPSG:4490 CGCS2000, GCJ-02) a point outside China's extent is an error;
* a point far outside the county's other points — farther from their median centre than
  ``median + OUTLIER_MADS × MAD`` of the distances, and at least :data:`OUTLIER_MIN_KM` — is an error
  (a robust test: one stray point cannot move the centre or the spread);
* line and polygon layers (roads, townships) must have finite coordinates within lon/lat range, and lie within
  :data:`OUTLIER_MIN_KM` of the county's points (a layer in its own CRS is reprojected: a wrong CRS label
  shows as a layer far away).

Each problem names the file, the row a planner sees, the column and the value: a bad location never reaches the
network search, where it would become a "violation" or thousands of kilometres of road.

Example
-------
>>> import numpy as np
>>> lon = np.array([105.10, 105.12, 105.20, 105.11, 105.15, 112.90])
>>> lat = np.array([30.10, 30.11, 30.05, 30.10, 30.08, 30.10])
>>> robust_outliers(lon, lat).tolist()
[False, False, False, False, False, True]
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from layout.errors import Problem

__all__ = ["check_locations", "robust_outliers", "CHINA_BOUNDS", "OUTLIER_MADS", "OUTLIER_MIN_KM"]

CHINA_BOUNDS = (73.0, 3.5, 135.5, 54.0)   # lon/lat extent of China, islands of the South China Sea included
OUTLIER_MADS = 10.0                         # distances beyond median + 10 MAD from the centre are not the county's
OUTLIER_MIN_KM = 50.0                       # ... and never closer than this (a small county's points are tight)
_POINT_LAYERS = ("villages", "schools", "candidates")
_KM_PER_DEG = 111.32


def robust_outliers(lon: np.ndarray, lat: np.ndarray, *, mads: float = OUTLIER_MADS,
                    min_km: float = OUTLIER_MIN_KM) -> np.ndarray:
    """Which points lie far outside the others (distance to the median centre beyond median + ``mads`` MAD).

    Parameters
    ----------
    lon, lat : arrays of degrees
    mads : float
    min_km : float
        A point closer than this to the centre is never an outlier.

    Returns
    -------
    ndarray of bool
    """
    lon, lat = np.asarray(lon, float), np.asarray(lat, float)
    out = np.zeros(len(lon), bool)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if ok.sum() < 3:
        return out
    cx, cy = np.median(lon[ok]), np.median(lat[ok])
    dx = (lon - cx) * _KM_PER_DEG * np.cos(np.radians(cy))
    dy = (lat - cy) * _KM_PER_DEG
    d = np.hypot(dx, dy)
    med = np.median(d[ok])
    mad = np.median(np.abs(d[ok] - med))
    out[ok] = d[ok] > max(min_km, med + mads * mad)
    return out


def _is_chinese(crs_label: str, crs: CRS | None) -> bool:
    if crs_label == "GCJ-02":
        return True
    return crs is not None and crs.to_epsg() in (4490, 4610, 4214)


def _lonlat_of(geom: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat of each point (polygons: an inner point) in degrees; NaN where missing or not convertible."""
    pts = geom.copy()
    mask = ~pts.isna() & ~pts.is_empty
    poly = mask & pts.geom_type.isin(["Polygon", "MultiPolygon"])
    if poly.any():
        pts[poly] = pts[poly].representative_point()
    is_point = mask & (pts.geom_type == "Point")
    lon = np.full(len(pts), np.nan)
    lat = np.full(len(pts), np.nan)
    if is_point.any():
        sub = pts[is_point]
        if sub.crs is not None and not sub.crs.is_geographic:
            with np.errstate(all="ignore"):
                sub = sub.to_crs(4326)
        lon[is_point.to_numpy()] = sub.x.to_numpy()
        lat[is_point.to_numpy()] = sub.y.to_numpy()
    return lon, lat


def _point_checks(file: str, rows: list[int], lon: np.ndarray, lat: np.ndarray, column: str) -> list[Problem]:
    """The checks lon/lat table columns get, for points of a vector layer in degrees."""
    out = []
    for row, a, b in zip(rows, lon, lat, strict=True):
        if not (np.isfinite(a) and np.isfinite(b)):
            if not (np.isnan(a) and np.isnan(b)):
                out.append(Problem(file, "coordinate is not a finite number", row=row, column=column,
                                   value=f"{a}, {b}", fix="enter the real location in decimal degrees"))
            continue
        if abs(b) > 90 and abs(a) <= 90:
            out.append(Problem(file, "longitude and latitude look swapped", row=row, column=column,
                               value=f"{a}, {b}", fix=f"swap x and y (lon={b}, lat={a})"))
        elif abs(a) > 180 or abs(b) > 90:
            out.append(Problem(file, "coordinate out of range", row=row, column=column, value=f"{a}, {b}",
                               fix="longitude must be within ±180 and latitude within ±90"))
        elif a == 0 and b == 0:
            out.append(Problem(file, "coordinates are 0, 0 (missing?)", row=row, column=column,
                               fix="enter the real location"))
    return out


def check_locations(raws: dict, geoms: dict, crs_label: str, declared: CRS | None) -> list[Problem]:
    """Every location problem of a county's layers (see the module docstring).

    Parameters
    ----------
    raws : dict
        layer -> :class:`~layout.io.tables.RawTable` (file name, rows, whether vector).
    geoms : dict
        layer -> GeoSeries as read (the file's CRS; GCJ-02 already converted to WGS84).
    crs_label : str
        The declared CRS label (``"GCJ-02"``, ``"EPSG:4490"``, ...).
    declared : CRS or None

    Returns
    -------
    list of Problem
    """
    problems: list[Problem] = []
    pooled: list[tuple[str, int, float, float, str]] = []
    for layer, geom in geoms.items():
        raw = raws.get(layer)
        if raw is None or geom is None or len(geom) != len(raw.rows):
            continue
        file = raw.path.name
        chinese = _is_chinese(crs_label, declared) or (raw.is_vector and _is_chinese("", geom.crs))
        if layer in _POINT_LAYERS:
            lon, lat = _lonlat_of(geom)
            column = "geometry" if raw.is_vector else "lon/lat"
            if raw.is_vector and (geom.crs is None or geom.crs.is_geographic):
                found = _point_checks(file, raw.rows, lon, lat, column)
                problems += found
                bad_rows = {p.row for p in found}
            else:
                bad_rows = set()
            for row, a, b in zip(raw.rows, lon, lat, strict=True):
                if row in bad_rows or not (np.isfinite(a) and np.isfinite(b)):
                    continue
                if abs(a) > 180 or abs(b) > 90 or (a == 0 and b == 0):
                    continue   # reported by the table checks
                if chinese and not (CHINA_BOUNDS[0] <= a <= CHINA_BOUNDS[2] and CHINA_BOUNDS[1] <= b <= CHINA_BOUNDS[3]):
                    label = crs_label if _is_chinese(crs_label, declared) else geom.crs.to_string()
                    problems.append(Problem(file, f"outside China, but the coordinates are declared {label}",
                                            row=row, column=column, value=f"{a:.6f}, {b:.6f}",
                                            fix="correct the location (lon and lat swapped? a digit missing?), "
                                                "or the crs in county.yaml"))
                    continue
                pooled.append((file, row, a, b, column))
        elif geom.crs is not None and geom.crs.is_geographic:
            problems += _line_checks(file, raw.rows, geom)
    if pooled:
        far = robust_outliers(np.array([p[2] for p in pooled]), np.array([p[3] for p in pooled]))
        lon_c = float(np.median([p[2] for p in pooled]))
        lat_c = float(np.median([p[3] for p in pooled]))
        for (file, row, a, b, column), flag in zip(pooled, far, strict=True):
            if flag:
                km = float(np.hypot((a - lon_c) * _KM_PER_DEG * np.cos(np.radians(lat_c)), (b - lat_c) * _KM_PER_DEG))
                problems.append(Problem(file, f"{km:,.0f} km from the county's other points (centre "
                                        f"{lon_c:.4f}, {lat_c:.4f})", row=row, column=column,
                                        value=f"{a:.6f}, {b:.6f}",
                                        fix="check the location: a typo in a digit, or a place outside the county"))
    problems += _far_layers(raws, geoms, pooled)
    return problems


def _far_layers(raws: dict, geoms: dict, pooled: list) -> list[Problem]:
    """Line and polygon layers (roads, townships) lying nowhere near the county's points: a layer in its own
    CRS is reprojected, so a wrong CRS label (metres labelled as another zone, degrees as metres) would otherwise
    put it thousands of kilometres away without a word."""
    if not pooled:
        return []
    lon = np.array([p[2] for p in pooled])
    lat = np.array([p[3] for p in pooled])
    cy = float(np.median(lat))
    kx = _KM_PER_DEG * np.cos(np.radians(cy))
    out = []
    for layer in ("roads", "townships"):
        raw, geom = raws.get(layer), geoms.get(layer)
        if raw is None or geom is None or geom.crs is None or len(geom) == 0:
            continue
        with np.errstate(all="ignore"):
            try:
                b = geom.to_crs(4326).total_bounds
            except Exception:  # noqa: BLE001 (a CRS pyproj cannot transform: reported by the layer reader)
                continue
        if not np.isfinite(b).all():
            continue
        dx = max(b[0] - lon.max(), lon.min() - b[2], 0.0) * kx
        dy = max(b[1] - lat.max(), lat.min() - b[3], 0.0) * _KM_PER_DEG
        km = float(np.hypot(dx, dy))
        if km > OUTLIER_MIN_KM:
            out.append(Problem(raw.path.name, f"the layer lies {km:,.0f} km from the county's villages and schools",
                               column="geometry", value=geom.crs.to_string(),
                               fix="check the layer's coordinate reference system (metres labelled with the wrong "
                                   "zone or as degrees?) and that it covers this county"))
    return out


def _line_checks(file: str, rows: list[int], geom: gpd.GeoSeries) -> list[Problem]:
    """Lines and polygons in lon/lat: every vertex finite and within range."""
    import shapely

    out = []
    arr = np.asarray(geom.values, dtype=object)
    for row, g in zip(rows, arr, strict=True):
        if g is None or shapely.is_empty(g):
            continue
        xy = shapely.get_coordinates(g)
        if not np.isfinite(xy).all() or (np.abs(xy[:, 0]) > 180).any() or (np.abs(xy[:, 1]) > 90).any():
            bad = xy[~(np.isfinite(xy).all(axis=1) & (np.abs(xy[:, 0]) <= 180) & (np.abs(xy[:, 1]) <= 90))][0]
            out.append(Problem(file, "a vertex lies outside valid longitude/latitude", row=row, column="geometry",
                               value=f"{bad[0]}, {bad[1]}", fix="fix or delete that vertex (lon within ±180, lat ±90)"))
    return out
