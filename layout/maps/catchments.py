"""Walking catchments of the open schools under a plan, from the county's road network when it has one."""

from __future__ import annotations

import geopandas as gpd

__all__ = ["walking_catchments"]


def walking_catchments(county, plan=None, minutes: float | None = None) -> gpd.GeoDataFrame | None:
    """Isochrone polygons (county CRS, index ``school_id``) of the open schools within the grades 1–3 walking
    limit (``travel.walk_limit_minutes.g1_3`` in the standards, 30 minutes nationally), or None without roads.

    Parameters
    ----------
    county : County
    plan : Plan, optional
        Default: every school of the county.
    minutes : float, optional
        Override the limit.

    Returns
    -------
    GeoDataFrame or None
    """
    from layout.network import county_network, isochrones

    net = county_network(county)
    if net is None:
        return None
    if plan is not None:
        s = plan.schools[plan.schools["status"] == "open"]
        schools = gpd.GeoDataFrame(
            s[["name"]].copy(), geometry=s.geometry.to_numpy(), crs=plan.crs or county.crs, index=s.index
        )
    else:
        schools = county.schools
    if not len(schools):
        return None
    limit = float(minutes if minutes is not None else county.standards.walk_limit("g1_3"))
    return isochrones(net, schools, limit, "walk")
