"""Road-network travel times from villages to schools (walking, school bus).

Public entry point: :func:`travel`. When the county has no road layer, travel is a straight-line estimate
(:mod:`layout.network.fallback`), labelled as such.
"""

from __future__ import annotations

import geopandas as gpd

from layout.network.fallback import straight_line_matrix
from layout.network.matrix import TravelMatrix

__all__ = ["travel", "TravelMatrix"]


def travel(county, mode: str = "walk", *, sites: gpd.GeoDataFrame | None = None) -> TravelMatrix:
    """Village × school travel minutes and metres for one mode.

    Parameters
    ----------
    county : County
    mode : str
        ``"walk"`` or ``"bus"``.
    sites : GeoDataFrame, optional
        Extra school sites (index ``school_id``, points in the county CRS), e.g. new schools of a proposal;
        appended as columns after the county's schools.

    Returns
    -------
    TravelMatrix
    """
    county.standards.mode(mode)  # unknown modes fail with the list of known ones
    schools = county.schools[["geometry"]]
    if sites is not None and len(sites):
        schools = gpd.GeoDataFrame(
            geometry=list(schools.geometry) + list(sites.geometry),
            index=schools.index.append(sites.index), crs=county.crs)
    return straight_line_matrix(county.villages, schools, mode, county.standards)
