"""Costs of a plan in yuan: annual running costs and one-off capital costs (rates in ``costs`` of the standards).

Annual
    * per-student public funds by stage; village primaries and teaching points under
      ``small_school_funding_floor`` pupils are funded as for that many (open schools only);
    * a fixed running cost per open site;
    * boarding: the boarding allowance for every boarder, plus the living allowance for the share of boarders
      from poor families;
    * school buses: each village-school bus link runs ⌈children / bus seats⌉ buses, each driving the route
      twice a day there and back (4 × the one-way distance), on every school day, at a cost per vehicle-km.
      Links are not pooled into shared routes, so this is an upper bound.
Capital
    * built seats (``expand`` and new schools), built beds (``add_boarding`` and new schools) and new sites.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plan_costs"]


def plan_costs(plan, schools_table: pd.DataFrame, allocation, standards) -> dict:
    """Annual and capital costs of a plan, in total and per school.

    Parameters
    ----------
    plan : Plan
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table`.
    allocation : Allocation
    standards : Standards

    Returns
    -------
    dict
        ``annual`` (``per_student_funds``, ``fixed_sites``, ``boarding``, ``bus``, ``total``), ``capital``
        (``seats``, ``beds``, ``new_schools``, ``total``), ``bus_vehicle_km_per_year``, ``buses``,
        ``by_school`` (DataFrame).
    """
    c = standards.get("costs")
    funds = c["per_student_funds"]
    floor = int(c["small_school_funding_floor"])
    t = schools_table
    s = plan.schools
    is_open = (t["status"] == "open").to_numpy()
    prim = (t["g1_3"] + t["g4_6"]).to_numpy(float)
    mid = t["g7_9"].to_numpy(float)
    small = t["kind"].isin(["teaching_point", "primary"]).to_numpy() & (prim + mid < floor)
    prim_funded = np.where(small, floor, prim)
    per_student = np.where(is_open, prim_funded * float(funds["primary"]) + mid * float(funds["middle"]), 0.0)
    fixed = np.where(is_open, float(c["fixed_cost_per_school"]), 0.0)
    a = allocation.assignments
    board = a[a["mode"] == "board"]
    board_prim = board[board["band"] != "g7_9"].groupby("school_id")["children"].sum().reindex(t.index, fill_value=0)
    board_mid = board[board["band"] == "g7_9"].groupby("school_id")["children"].sum().reindex(t.index, fill_value=0)
    poor = float(c["poor_boarder_share"])
    living = c["poor_boarder_living_allowance"]
    boarding = ((board_prim + board_mid) * float(c["boarding_allowance"])
                + board_prim * poor * float(living["primary"]) + board_mid * poor * float(living["middle"])).to_numpy()
    bus = a[a["mode"] == "bus"]
    buses = np.ceil(bus["children"].to_numpy(float) / float(c["bus_seats"]))
    vkm_day = buses * bus["metres"].to_numpy(float) / 1000.0 * float(c["bus_trips_per_day"])
    days = float(c["school_days_per_year"])
    vkm_year = pd.Series(vkm_day * days, index=bus["school_id"].to_numpy()).groupby(level=0).sum()
    vkm_year = vkm_year.reindex(t.index, fill_value=0.0)
    bus_cost = vkm_year.to_numpy() * float(c["bus_cost_per_vehicle_km"])
    seats_cap = s["built_seats"].to_numpy(float) * float(c["new_seat_capital"])
    beds_cap = s["built_beds"].to_numpy(float) * float(c["new_bed_capital"])
    site_cost = np.where(t["kind"].astype(str).to_numpy() == "teaching_point",
                         float(c["new_teaching_point_capital"]), float(c["new_school_capital"]))
    new_cap = np.where(s["is_new"].to_numpy(bool), site_cost, 0.0)
    by_school = pd.DataFrame({
        "per_student_funds": per_student, "fixed_site": fixed, "boarding": boarding, "bus": bus_cost,
        "bus_vehicle_km": vkm_year.to_numpy(), "capital_seats": seats_cap, "capital_beds": beds_cap,
        "capital_new_school": new_cap}, index=t.index)
    by_school["annual_total"] = by_school[["per_student_funds", "fixed_site", "boarding", "bus"]].sum(axis=1)
    by_school["capital_total"] = by_school[["capital_seats", "capital_beds", "capital_new_school"]].sum(axis=1)
    annual = {"per_student_funds": float(per_student.sum()), "fixed_sites": float(fixed.sum()),
              "boarding": float(boarding.sum()), "bus": float(bus_cost.sum())}
    annual["total"] = float(sum(annual.values()))
    capital = {"seats": float(seats_cap.sum()), "beds": float(beds_cap.sum()), "new_schools": float(new_cap.sum())}
    capital["total"] = float(sum(capital.values()))
    return {"annual": annual, "capital": capital, "bus_vehicle_km_per_year": float(vkm_year.sum()),
            "buses": int(buses.sum()), "small_schools_funded_at_floor": int((small & is_open).sum()),
            "by_school": by_school}
