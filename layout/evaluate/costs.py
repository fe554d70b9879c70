"""Costs of a plan in yuan: annual running costs and one-off capital costs (rates in ``costs`` and ``staffing`` of
the standards).

Annual
    * **staffing**: teachers employed × the salary of a post (:mod:`layout.evaluate.staffing`) — the largest line;
    * per-student public funds by stage; village primaries and teaching points under
      ``small_school_funding_floor`` pupils are funded as for that many (open schools only);
    * a fixed running cost per open site;
    * boarding: the boarding allowance for every boarder, plus the living allowance for the share of boarders
      from poor families;
    * school buses: vehicles × the annual cost of a vehicle + vehicle-km × the cost per km, on each school's shared
      routes (:mod:`layout.transport`, one vehicle per route); where routing cannot run, every village–school bus
      link runs ⌈children / seats⌉ buses of its own — a quick *upper-bound estimate*, labelled
      ``bus_method: per-link estimate``.
Capital
    * built seats (``expand`` and new schools), built beds (``add_boarding`` and new schools), canteens built where
      a school had none, new sites (their site works; none where a new school takes over a closed school's
      buildings) and school buses bought beyond today's fleet; ``annualised`` spreads them over ``recommend.capital_years``.

Every line is also given per school (``by_school``), and the parts add up to the county totals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["plan_costs", "ANNUAL_LINES", "CAPITAL_LINES"]

ANNUAL_LINES = ("staffing", "per_student_funds", "fixed_sites", "boarding", "bus")
CAPITAL_LINES = ("seats", "beds", "canteens", "new_schools", "buses")


def plan_costs(plan, schools_table: pd.DataFrame, allocation, standards, staffing: pd.DataFrame | None = None,
               buses: pd.DataFrame | None = None, bus_method: str = "per-link estimate",
               vehicles_today: float | None = None) -> dict:
    """Annual and capital costs of a plan, in total and per school.

    Parameters
    ----------
    plan : Plan
    schools_table : DataFrame
        From :func:`layout.evaluate.schools.school_table`.
    allocation : Allocation
    standards : Standards
    staffing : DataFrame, optional
        From :func:`layout.evaluate.staffing.staffing_table` (``staffing_cost`` per school); without it the
        staffing line is 0.
    buses : DataFrame, optional
        Per school ``vehicles``, ``vehicle_km``, ``cost`` (shared routes, :func:`layout.evaluate.buses.plan_buses`);
        default the per-link estimate.
    bus_method : str
        How ``buses`` were made (shown with the bus line).
    vehicles_today : float, optional
        The county's fleet today; vehicles beyond it are bought (capital ``buses``). Default: no purchase.

    Returns
    -------
    dict
        ``annual`` (:data:`ANNUAL_LINES` and ``total``), ``capital`` (:data:`CAPITAL_LINES` and ``total``),
        ``annualised`` (annual total + capital / ``recommend.capital_years``), ``bus_method``, ``buses``
        (vehicles), ``bus_vehicle_km_per_year``, ``small_schools_funded_at_floor``, ``by_school`` (DataFrame).
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
    board = pd.concat([allocation.assignments, allocation.outside], ignore_index=True)
    board = board[board["mode"] == "board"]
    board_prim = board[board["band"] != "g7_9"].groupby("school_id")["children"].sum().reindex(t.index, fill_value=0)
    board_mid = board[board["band"] == "g7_9"].groupby("school_id")["children"].sum().reindex(t.index, fill_value=0)
    poor = float(c["poor_boarder_share"])
    living = c["poor_boarder_living_allowance"]
    boarding = ((board_prim + board_mid) * float(c["boarding_allowance"])
                + board_prim * poor * float(living["primary"]) + board_mid * poor * float(living["middle"])).to_numpy()
    if buses is None:
        from layout.evaluate.buses import plan_buses

        buses = plan_buses(None, plan, allocation, standards, method="estimate").by_school
    buses = buses.reindex(t.index, fill_value=0.0)
    staff = (staffing["staffing_cost"].reindex(t.index, fill_value=0.0).to_numpy(float) if staffing is not None
             else np.zeros(len(t)))
    seats_cap = s["built_seats"].to_numpy(float) * float(c["new_seat_capital"])
    beds_cap = s["built_beds"].to_numpy(float) * float(c["new_bed_capital"])
    canteen_cap = (s["built_canteen"].fillna(False).to_numpy(bool) if "built_canteen" in s else np.zeros(len(s), bool)) \
        * float(c["new_canteen_capital"])
    site_cost = np.where(t["kind"].astype(str).to_numpy() == "teaching_point",
                         float(c["new_teaching_point_capital"]), float(c["new_school_capital"]))
    given = s["site_capital"].to_numpy(float) if "site_capital" in s else np.full(len(s), np.nan)
    new_cap = np.where(s["is_new"].to_numpy(bool), np.where(np.isfinite(given), given, site_cost), 0.0)
    fleet = float(buses["vehicles"].sum())
    extra_vehicles = max(0.0, fleet - vehicles_today) if vehicles_today is not None else 0.0
    by_school = pd.DataFrame({
        "staffing": staff, "per_student_funds": per_student, "fixed_site": fixed, "boarding": boarding,
        "bus": buses["cost"].to_numpy(float), "bus_vehicles": buses["vehicles"].to_numpy(float),
        "bus_vehicle_km": buses["vehicle_km"].to_numpy(float), "capital_seats": seats_cap,
        "capital_beds": beds_cap, "capital_canteens": canteen_cap, "capital_new_school": new_cap}, index=t.index)
    by_school["annual_total"] = by_school[["staffing", "per_student_funds", "fixed_site", "boarding", "bus"]].sum(axis=1)
    by_school["capital_total"] = by_school[["capital_seats", "capital_beds", "capital_canteens",
                                            "capital_new_school"]].sum(axis=1)
    annual = {"staffing": float(staff.sum()), "per_student_funds": float(per_student.sum()),
              "fixed_sites": float(fixed.sum()), "boarding": float(boarding.sum()), "bus": float(buses["cost"].sum())}
    annual["total"] = float(sum(annual.values()))
    capital = {"seats": float(seats_cap.sum()), "beds": float(beds_cap.sum()), "canteens": float(canteen_cap.sum()),
               "new_schools": float(new_cap.sum()), "buses": extra_vehicles * float(c["bus_vehicle_capital"])}
    capital["total"] = float(sum(capital.values()))
    years = float(standards.get("recommend.capital_years"))
    return {"annual": annual, "capital": capital, "annualised": annual["total"] + capital["total"] / years,
            "bus_method": bus_method, "buses": int(round(fleet)),
            "bus_vehicle_km_per_year": float(buses["vehicle_km"].sum()),
            "small_schools_funded_at_floor": int((small & is_open).sum()), "by_school": by_school}
