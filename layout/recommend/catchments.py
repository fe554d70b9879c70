"""Natural catchments of the county from :class:`layout.cluster.EnrolmentClusters` on walking times between
villages, weighted by children: candidate central sites (weighted medoids) and pockets without a school.

A pocket whose centre has no open school teaching grades 1–3 within the walking limit is where a new teaching
point would serve the youngest; the recommendation lists it (children, centre village) for the planner rather
than opening a school on its own, since a new school is a capital decision with a site to survey.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.cluster import EnrolmentClusters

__all__ = ["village_travel", "enrolment_catchments"]


def village_travel(county, mode: str = "walk") -> pd.DataFrame:
    """Village × village travel minutes on the road network (straight-line estimate without roads)."""
    from layout.network import travel

    v = county.villages
    sites = gpd.GeoDataFrame({"name": v["name"].astype(str).to_numpy() if "name" in v else v.index.to_numpy(),
                              "kind": "village"}, geometry=v.geometry.to_numpy(), crs=county.crs,
                             index=pd.Index(v.index.astype(str), name="school_id"))
    tm = travel(county.with_changes(schools=county.schools.iloc[:0]), mode, sites=sites)
    return tm.minutes.reindex(index=v.index, columns=sites.index).astype(float)


def enrolment_catchments(county, plan, walk_schools: pd.DataFrame, n_clusters: int | None = None,
                         seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Cluster villages into catchments and find pockets with no school for grades 1–3 within walking reach.

    Parameters
    ----------
    county : County
    plan : Plan
        Schools open under it count as reachable.
    walk_schools : DataFrame
        Walking minutes village × school (``TravelMatrix.minutes``) covering the plan's schools.
    n_clusters : int, optional
        Default: one per township (at least 1).
    seed : int

    Returns
    -------
    villages : DataFrame
        Per village: ``cluster``, ``centre`` (medoid village id), ``minutes_to_centre``, ``children``.
    clusters : DataFrame
        Per cluster: ``centre``, ``villages``, ``children``, ``g1_3``, ``school_within_walk`` (bool, at the
        centre), ``g1_3_beyond_walk`` (children of member villages with no such school in walking reach),
        ``candidate_site`` (their weighted medoid village, or None), ``remote`` (the centre is beyond the
        walking limit of every other centre).
    """
    std = county.standards
    v = county.villages
    minutes = village_travel(county, "walk")
    kids = county.children()
    weight = kids.sum(axis=1).to_numpy(float)
    k = n_clusters or max(1, int(v["township"].nunique()) if "township" in v else 1)
    limit = float(std.walk_limit("g1_3"))
    est = EnrolmentClusters(n_clusters=k, metric="travel", remote_distance=limit, random_state=seed)
    est.fit(minutes.to_numpy(), sample_weight=weight)
    ids = v.index.astype(str)
    centres = ids[est.medoid_indices_]
    d = est._D[np.arange(len(ids)), est.medoid_indices_[est.labels_]]
    villages = pd.DataFrame({"cluster": est.labels_, "centre": centres[est.labels_], "minutes_to_centre": d,
                             "children": weight.astype(int)}, index=pd.Index(ids, name="village_id"))
    young = list(plan.serving("g1_3"))
    reach = walk_schools.reindex(index=v.index, columns=young).astype(float)
    walkable = (reach <= limit).any(axis=1) if young else pd.Series(False, index=v.index)
    walkable.index = ids
    g13 = kids["g1_3"].to_numpy(float)
    rows = []
    for c, centre in enumerate(centres):
        in_c = est.labels_ == c
        members = ids[in_c]
        out_m = in_c & ~walkable.to_numpy()
        site = None
        if (g13[out_m] > 0).any():
            # the weighted medoid of the villages beyond walking reach: where a teaching point would serve them
            idx = np.flatnonzero(out_m)
            sub = est._D[np.ix_(idx, idx)] * g13[idx][:, None]
            site = str(ids[idx[int(np.argmin(sub.sum(axis=0)))]])
        rows.append({"cluster": c, "centre": centre, "villages": len(members),
                     "children": int(weight[in_c].sum()), "g1_3": int(g13[in_c].sum()),
                     "school_within_walk": bool(walkable[centre]),
                     "g1_3_beyond_walk": int(g13[out_m].sum()), "candidate_site": site,
                     "remote": bool(est.remote_[c])})
    return villages, pd.DataFrame(rows).set_index("cluster")
