"""Coordinate helpers: the metric CRS for a county, and GCJ-02 (AMap/Gaode) ↔ WGS84 conversion.

GCJ-02 is the obfuscated datum Chinese web maps (AMap/Gaode, Tencent) use; coordinates picked from them are
shifted by 100–700 m from WGS84 and must be declared (``crs: GCJ-02`` in ``county.yaml``) and converted.
The forward transform is the published closed form; the inverse is solved by fixed-point iteration to
better than 1e-7 degrees (about 1 cm).

Example
-------
>>> lon, lat = wgs84_to_gcj02(116.397, 39.909)
>>> back = gcj02_to_wgs84(lon, lat)
>>> bool(abs(back[0] - 116.397) < 1e-7 and abs(back[1] - 39.909) < 1e-7)
True
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from pyproj import CRS

__all__ = ["utm_crs_for", "wgs84_to_gcj02", "gcj02_to_wgs84", "in_china", "GCJ02_NAMES", "LONLAT_CRS"]

_A = 6378245.0                     # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323       # its eccentricity squared
GCJ02_NAMES = {"gcj-02", "gcj02", "gcj", "amap", "gaode", "高德", "火星坐标"}
LONLAT_CRS = {"EPSG:4326", "EPSG:4490"}


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 UTM zone CRS containing a lon/lat point (e.g. EPSG:32648 for 105°E, 30°N).

    Parameters
    ----------
    lon, lat : float
        A representative point of the data (its centre) in degrees.

    Returns
    -------
    pyproj.CRS

    Example
    -------
    >>> utm_crs_for(105.0, 30.0).to_epsg()
    32648
    """
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """Rough bounding box where the GCJ-02 offset applies (outside it GCJ-02 equals WGS84)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _delta(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat to GCJ-02 (what AMap tiles expect). Points outside China are unchanged.

    Parameters
    ----------
    lon, lat : float or array
        WGS84 degrees.

    Returns
    -------
    (lon, lat) : arrays in GCJ-02
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon, lat)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, tol: float = 1e-9, max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 lon/lat (picked from AMap/Gaode) back to WGS84, accurate to ``tol`` degrees.

    Parameters
    ----------
    lon, lat : float or array
        GCJ-02 degrees.
    tol : float
        Stop when the forward transform of the estimate is within ``tol`` of the input.

    Returns
    -------
    (lon, lat) : arrays in WGS84
    """
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon = wlon - elon
        wlat = wlat - elat
        if np.all(np.abs(elon) < tol) and np.all(np.abs(elat) < tol):
            break
    return wlon, wlat
