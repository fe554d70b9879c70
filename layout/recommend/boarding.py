"""Boarding sites: per township, the one or two schools that carry boarding for children beyond walk and bus.

Children of the bands that may board (grades 4–9 by the standards) whose village has no open school of their
band within the walking limit, nor within the bus limit where the band may ride, need a bed. Per township the
candidate sites are the open schools there teaching those grades (the county's if the township has none).
Every set of one or two sites is scored exactly (the sets are few) by

    annual cost = weekly trip home (bus minutes × trips) valued per pupil-minute
                + beds to build × bed capital / capital years,

so existing premises with beds and a canteen — the township central school in the source reports — win when
they are not much farther. A second site is taken only when it cuts the weekly travel by the configured share.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BoardingSite", "boarding_need", "choose_boarding_sites"]


@dataclass(frozen=True)
class BoardingSite:
    """A school chosen to carry boarding.

    Parameters
    ----------
    school : str
    township : str
    children : int
        Boarders it is chosen for (beyond walk and bus limits).
    beds_now, beds_to_build : int
    canteen_needed : bool
        It has no canteen today.
    weekly_minutes : float
        Mean one-way trip home of its boarders, in minutes.
    villages : tuple of str
    """

    school: str
    township: str
    children: int
    beds_now: int
    beds_to_build: int
    canteen_needed: bool
    weekly_minutes: float
    villages: tuple[str, ...]


def boarding_need(county, plan, travel, demand: pd.DataFrame) -> pd.DataFrame:
    """Children who need a bed under ``plan``: no open school of their band within walk or bus limits.

    Parameters
    ----------
    county : County
    plan : Plan
    travel : dict of mode -> TravelMatrix
    demand : DataFrame
        Children by village (index) and band (columns).

    Returns
    -------
    DataFrame
        ``village_id, band, children, township`` sorted by village and band.
    """
    std = county.standards
    rows = []
    for band in demand.columns:
        if not std.may_board(band):
            continue
        serving = list(plan.serving(band))
        kids = demand[band]
        kids = kids[kids > 0]
        if kids.empty:
            continue
        walk = travel["walk"].minutes.reindex(index=kids.index, columns=serving).astype(float)
        ok = (walk <= std.walk_limit(band)).any(axis=1)
        if std.may_bus(band) and "bus" in travel:
            bus = travel["bus"].minutes.reindex(index=kids.index, columns=serving).astype(float)
            ok |= (bus <= std.bus_limit(band)).any(axis=1)
        for vid in kids.index[~ok.to_numpy()]:
            rows.append({"village_id": str(vid), "band": band, "children": int(kids[vid]),
                         "township": str(county.villages.at[vid, "township"])})
    out = pd.DataFrame(rows, columns=["village_id", "band", "children", "township"])
    return out.sort_values(["village_id", "band"], ignore_index=True)


def choose_boarding_sites(county, plan, travel, need: pd.DataFrame) -> list[BoardingSite]:
    """The one or two boarding schools per township for the children in ``need``.

    Parameters
    ----------
    county : County
    plan : Plan
        Open schools and their beds/canteens are read from it.
    travel : dict of mode -> TravelMatrix
    need : DataFrame
        From :func:`boarding_need`.

    Returns
    -------
    list of BoardingSite
        Sorted by township, then school id.
    """
    std = county.standards
    if need.empty:
        return []
    rec = std.get("recommend")
    costs = std.get("costs")
    trips = float(std.get("boarding.trips_per_week"))
    days = float(costs["school_days_per_year"])
    minute_yuan = float(rec["child_minute_value_yuan"]) / (2.0 * days)   # yuan per pupil per one-way minute
    bed_year = float(costs["new_bed_capital"]) / float(rec["capital_years"])
    margin = float(rec["bed_margin"])
    max_sites = int(rec["max_boarding_sites_per_township"])
    min_saving = float(rec["second_boarding_site_min_saving"])
    mode = "bus" if "bus" in travel else "walk"
    s = plan.schools
    out: list[BoardingSite] = []
    for town, grp in need.groupby("township", sort=True):
        bands = sorted(grp["band"].unique())
        open_ = s[(s["status"] == "open")]
        def serves_any(frame, bands=bands):
            return frame.index[[any(plan.serves(i, b) for b in bands) for i in frame.index]]
        cands = list(serves_any(open_[open_["township"].astype(str) == town])) or list(serves_any(open_))
        cands = sorted(cands)
        if not cands:
            continue
        m = travel[mode].minutes.reindex(index=grp["village_id"], columns=cands).to_numpy(float)
        serve = np.array([[plan.serves(c, b) for c in cands] for b in grp["band"]])
        m = np.where(serve & np.isfinite(m), m, np.inf)
        kids = grp["children"].to_numpy(float)
        beds_now = s["beds"].reindex(cands).astype(int).to_numpy()
        canteen = s["canteen"].reindex(cands).astype(bool).to_numpy()
        best = None
        for p in range(1, min(max_sites, len(cands)) + 1):
            for combo in itertools.combinations(range(len(cands)), p):
                sub = m[:, combo]
                if not np.isfinite(sub).any(axis=1).all():
                    continue
                pick = np.argmin(sub, axis=1)
                minutes = sub[np.arange(len(kids)), pick]
                weekly = float((kids * minutes).sum() * trips)
                load = np.array([kids[pick == k].sum() for k in range(p)])
                build = np.maximum(0, np.ceil(load * (1 + margin)) - beds_now[list(combo)])
                yuan = weekly * minute_yuan * (days / 5.0) + float(build.sum()) * bed_year
                cand = (p, yuan, weekly, combo, pick, minutes, build)
                cheaper_same = best is not None and p == best[0] and yuan < best[1] - 1e-9
                worth_second = (best is not None and p > best[0] and weekly <= best[2] * (1 - min_saving)
                                and yuan < best[1])
                if best is None or cheaper_same or worth_second:
                    best = cand
        if best is None:
            continue
        _, _, _, combo, pick, minutes, build = best
        for k, j in enumerate(combo):
            mask = pick == k
            if not mask.any():
                continue
            n = int(kids[mask].sum())
            out.append(BoardingSite(
                school=cands[j], township=str(town), children=n, beds_now=int(beds_now[j]),
                beds_to_build=int(build[k]), canteen_needed=not bool(canteen[j]),
                weekly_minutes=float((kids[mask] * minutes[mask]).sum() / max(n, 1)),
                villages=tuple(sorted(set(grp["village_id"].to_numpy()[mask]))),
            ))
    return sorted(out, key=lambda b: (b.township, b.school))


def beds_for(site: BoardingSite) -> int:
    """Beds to build at a site (at least one when only a canteen is missing, so the action carries it)."""
    return int(max(site.beds_to_build, 1 if site.canteen_needed else 0))
