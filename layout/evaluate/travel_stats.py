"""Travel statistics per grade band: mean, median, p90 and max minutes, shares within 15/30/45 minutes, modes.

Minutes are the one-way trip of each assigned child (walk or school bus; for boarders the weekly trip home; pupils
on rolls without a home village in the county have no known trip and are left out),
weighted by children. Shares "within N minutes" are over *all* children of the band: boarders count within
when their trip is, unserved children never do. Percentiles are child-weighted: p90 is the smallest trip time
that at least 90 % of the band's assigned children do not exceed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.schema import BANDS

__all__ = ["weighted_quantile", "travel_by_band"]


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value with at least ``q`` of the total weight at or below it (NaN when no weight).

    Example
    -------
    >>> weighted_quantile(np.array([10.0, 20.0, 40.0]), np.array([5, 4, 1]), 0.9)
    20.0
    """
    w = np.asarray(weights, dtype=float)
    v = np.asarray(values, dtype=float)
    keep = w > 0
    if not keep.any():
        return float("nan")
    order = np.argsort(v[keep], kind="stable")
    v, w = v[keep][order], w[keep][order]
    cum = np.cumsum(w)
    idx = int(np.searchsorted(cum, q * cum[-1] - 1e-9 * cum[-1], side="left"))
    return float(v[min(idx, len(v) - 1)])


def travel_by_band(allocation, standards) -> dict[str, dict]:
    """Per band (and ``all``): children, assigned, unserved, minutes statistics, shares within bins, modes.

    Parameters
    ----------
    allocation : Allocation
    standards : Standards
        Supplies the report bins (``travel.report_bins_minutes``) and walk limits.

    Returns
    -------
    dict
        ``{band: {"children", "assigned", "unserved", "mean_minutes", "median_minutes", "p90_minutes",
        "max_minutes", "within_15", "within_30", "within_45", "within_walk_limit", "walk", "bus", "board",
        "share_walk", "share_bus", "share_board", "share_unserved"}}`` with ``all`` for every band together.
    """
    a = allocation.assignments
    un = allocation.unserved
    bins = [int(b) for b in standards.get("travel.report_bins_minutes", (15, 30, 45))]
    # the columns once as arrays; each band's rows are a mask of them (the same values in the same order)
    a_band, a_mode = a["band"].to_numpy(dtype=object), a["mode"].to_numpy(dtype=object)
    a_kids, a_min = a["children"].to_numpy(), a["minutes"].to_numpy(dtype=float)
    un_band, un_kids = un["band"].to_numpy(dtype=object), un["children"].to_numpy()
    dem = allocation.demand
    out: dict[str, dict] = {}
    for band in (*BANDS, "all"):
        sel = slice(None) if band == "all" else a_band == band
        kids, m, modes = a_kids[sel], a_min[sel], a_mode[sel]
        n_un = int(un_kids.sum() if band == "all" else un_kids[un_band == band].sum())
        total = int(dem.to_numpy().sum() if band == "all" else dem[band].sum())
        w = kids.astype(float)
        assigned = int(w.sum())
        row: dict = {"children": total, "assigned": assigned, "unserved": n_un}
        if assigned:
            row.update(mean_minutes=float(np.average(m, weights=w)), median_minutes=weighted_quantile(m, w, 0.5),
                       p90_minutes=weighted_quantile(m, w, 0.9), max_minutes=float(m[w > 0].max()))
        else:
            row.update(mean_minutes=None, median_minutes=None, p90_minutes=None, max_minutes=None)
        for b in bins:
            row[f"within_{b}"] = float(w[m <= b].sum() / total) if total else None
        if band != "all":
            limit = standards.walk_limit(band)
            row["walk_limit_minutes"] = limit
            row["within_walk_limit"] = float(w[m <= limit].sum() / total) if total else None
        for mode in ("walk", "bus", "board"):
            n = int(kids[modes == mode].sum())
            row[mode] = n
            row[f"share_{mode}"] = float(n / total) if total else None
        row["share_unserved"] = float(n_un / total) if total else None
        out[band] = row
    return out


def by_band_frame(by_band: dict[str, dict]) -> pd.DataFrame:
    """The per-band statistics as a table (one row per band)."""
    df = pd.DataFrame.from_dict(by_band, orient="index")
    df.index.name = "band"
    return df
