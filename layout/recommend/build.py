"""Turn a decided school model into a proposal: the actions, in the order the rule *build first, close after*
(先建后撤) asks — new schools, classrooms, beds and canteens first, then merges, downgrades and re-zoning."""

from __future__ import annotations

import pandas as pd

from layout.plan import AddBoarding, Downgrade, Expand, Merge, MovePupils, Open, Plan

__all__ = ["plan_from_decision"]


def _lonlat(geom, crs) -> tuple[float, float]:
    import geopandas as gpd

    p = gpd.GeoSeries([geom], crs=crs).to_crs(4326).iloc[0]
    return round(float(p.x), 7), round(float(p.y), 7)


def _premises_name(sites: pd.DataFrame, sid: str) -> str:
    town = str(sites.at[sid, "township"])
    short = town[:-1] if len(town) > 1 and town[-1] in "乡镇" else town
    return f"{short}寄宿制中心小学({sites.at[sid, 'name']}校舍)"


def plan_from_decision(county, model, decision, name: str = "recommended",
                       description: str = "layout recommendation") -> tuple[Plan, dict]:
    """The plan a decision describes, and what each action is for.

    Parameters
    ----------
    county : County
    model : SchoolModel
    decision : Decision

    Returns
    -------
    plan : Plan
    info : dict
        ``new_ids`` (site_id -> id of the school opened there), ``receiver`` (closed school -> school taking most
        of its pupils), ``moves`` (the groups moved, with their destination).
    """
    sites, options = model.sites, model.options
    s = county.schools
    std = county.standards
    pre, post = [], []
    new_ids: dict[str, str] = {}
    # -- new schools: candidates, pockets, and boarding primaries in freed premises
    for sid, opt in decision.site_option.items():
        if opt is None:
            continue
        row = options.loc[decision.option_row[sid]]
        src = sites.at[sid, "source"]
        beds = int(round(float(row["beds"]))) + int(decision.beds_extra.get(sid, 0))
        if src in ("candidate", "pocket"):
            lon, lat = _lonlat(sites.geometry[sid], county.crs)
            capital = float(row["capital"]) - float(row["seats"]) * float(std.cost("new_seat_capital")) - float(
                row["beds"]) * float(std.cost("new_bed_capital"))
            pre.append(Open(sid, str(sites.at[sid, "name"]), str(row["kind"]), lon, lat, int(round(row["seats"])),
                            beds, township=str(sites.at[sid, "township"]) or None, canteen=beds > 0 or None,
                            capital=max(0.0, capital)))
            new_ids[sid] = sid
        elif opt == "convert":
            nid = f"{sid}P"
            lon, lat = _lonlat(sites.geometry[sid], county.crs)
            pre.append(Open(nid, _premises_name(sites, sid), "primary", lon, lat, int(round(row["seats"])), beds,
                            township=str(sites.at[sid, "township"]), canteen=bool(s.at[sid, "canteen"]) or beds > 0,
                            premises_of=sid))
            new_ids[sid] = nid
    # -- classrooms, beds, canteens at schools that stay
    for (sid, band), rooms in sorted(decision.classrooms.items()):
        if sid in s.index and decision.site_option.get(sid) in ("keep", "downgrade", "primary_only"):
            from layout.evaluate.schools import standard_size

            kind = str(options.loc[decision.option_row[sid], "kind"])
            pre.append(Expand(sid, int(rooms * standard_size(kind, band, std)), band=band))
    for sid, designated in sorted(decision.designated.items()):
        if not designated or sid not in s.index or decision.site_option.get(sid) not in ("keep", "primary_only"):
            continue
        extra = int(decision.beds_extra.get(sid, 0))
        if extra > 0 or not bool(s.at[sid, "canteen"]):
            pre.append(AddBoarding(sid, extra, canteen=True))
    # -- where each closed school's pupils go
    g = decision.group_site
    moved = g[(g["to_site"] != g["home"]) | (g["to_mode"] != g["mode_now"])].copy()
    moved["to_school"] = moved["to_site"].map(lambda x: new_ids.get(x, x))
    receiver: dict[str, str] = {}
    for sid, opt in decision.site_option.items():
        if sid not in s.index:
            continue
        if opt is None or opt == "convert":
            mine = moved[moved["home"] == sid]
            mine = mine[mine["to_school"] != ""]
            if len(mine):
                tops = mine.groupby("to_school")["children"].sum().sort_index().sort_values(ascending=False,
                                                                                          kind="stable")
                receiver[sid] = str(tops.index[0])
                post.append(Merge(sid, receiver[sid]))
            else:
                from layout.plan import Close

                post.append(Close(sid))
        elif opt == "downgrade":
            post.append(Downgrade(sid, "1-3"))
        elif opt == "primary_only":
            post.append(Downgrade(sid, "1-6"))
    # -- re-zoning where the merge alone would send pupils elsewhere
    moves = []
    for (home, band, to), grp in moved.groupby(["home", "band", "to_school"], sort=True):
        if not to or (receiver.get(home) == to and to != home):
            continue
        moves.append(MovePupils(tuple(sorted(grp["village_id"])), to, (band,), from_=home))
    plan = Plan.status_quo(county).apply_all([*pre, *post, *moves])
    return plan.renamed(name, description), {"new_ids": new_ids, "receiver": receiver, "moves": moved}

