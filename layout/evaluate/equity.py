"""Equity of child travel: the Gini coefficient of trip minutes and the worst-off villages."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["weighted_gini", "travel_equity"]


def weighted_gini(values, weights) -> float:
    """Gini coefficient of ``values`` where each value counts ``weights`` times (e.g. children).

    0 when everyone travels the same time, towards 1 when a few travel all the minutes.

    Example
    -------
    >>> weighted_gini([10, 10, 10], [1, 2, 3])
    0.0
    >>> round(weighted_gini([0, 10], [1, 1]), 3)
    0.5
    """
    x = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    x, w = x[keep], w[keep]
    if x.size == 0 or np.sum(w * x) <= 0:
        return 0.0 if x.size else float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    cw = np.cumsum(w)
    total_w, total = cw[-1], np.sum(w * x)
    # Σ_i Σ_j w_i w_j |x_i − x_j| = 2 Σ_i w_i x_i (W_before_i − W_after_i) over sorted values
    before = cw - w
    after = total_w - cw
    mad = 2.0 * np.sum(w * x * (before - after))
    return float(mad / (2.0 * total_w * total))


def travel_equity(county, allocation, n_worst: int = 10) -> dict:
    """Gini of children's trip minutes and the ``n_worst`` worst-off villages.

    Villages rank by unserved children first, then by their children's mean trip minutes.

    Returns
    -------
    dict
        ``gini`` (all assigned children), ``gini_by_band``, ``worst_villages`` (list of dicts: ``village_id``,
        ``name``, ``township``, ``children``, ``unserved``, ``mean_minutes``, ``max_minutes``, ``modes``).
    """
    a = allocation.assignments
    out = {"gini": weighted_gini(a["minutes"], a["children"]) if len(a) else None,
           "gini_by_band": {b: (weighted_gini(g["minutes"], g["children"]) if len(g) else None)
                            for b, g in a.groupby("band")}}
    v = allocation.by_village()
    v = v[v["children"] > 0].sort_values(["unserved", "mean_minutes"], ascending=[False, False],
                                         na_position="last").head(n_worst)
    # the modes of the worst villages only (a join over every village cost more than the rest together)
    mine = a[a["village_id"].isin(v.index)]
    modes = mine.groupby("village_id")["mode"].agg(lambda m: "/".join(sorted(set(m))))
    v = v.join(modes.rename("modes"))
    names = county.villages["name"] if "name" in county.villages else pd.Series(dtype=object)
    towns = county.villages["township"] if "township" in county.villages else pd.Series(dtype=object)
    worst = []
    for vid, r in v.iterrows():
        worst.append({"village_id": str(vid), "name": None if vid not in names.index else str(names[vid]),
                      "township": None if vid not in towns.index else str(towns[vid]),
                      "children": int(r["children"]), "unserved": int(r["unserved"]),
                      "mean_minutes": None if pd.isna(r["mean_minutes"]) else float(r["mean_minutes"]),
                      "max_minutes": None if pd.isna(r["max_minutes"]) else float(r["max_minutes"]),
                      "modes": r["modes"] if isinstance(r["modes"], str) else ""})
    out["worst_villages"] = worst
    return out
