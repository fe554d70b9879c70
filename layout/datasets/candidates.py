"""Candidate sites for new schools in a synthetic county (``candidates.csv``): what a bureau would offer.

Three sites, each placed from the landscape alone (none is chosen by running a plan):

* **a county-town parcel for a new middle school** (规划教育用地) at the end of the town street farthest from the
  existing town middle schools, with the middle-school sizes of 建标109-2008 (``class_size.construction_classes``
  × the standard class size) and one larger option, dormitories and a site cost above the default (town land);
* **a township seat site for a boarding central primary** (寄宿制中心校) at the seat of the rural township with
  most children of grades 1–6, with the primary construction sizes and dormitories;
* **a township seat site for a middle school shared by neighbouring townships** (片区初中) at the rural seat with
  most rural middle-stage schools within :data:`SHARED_MIDDLE_METRES` by road (another township than the second
  site).

Every site lies 150–250 m off a road node, inside its township.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse.csgraph import dijkstra

from layout.datasets.landscape import Landscape
from layout.datasets.schooling import road_graph
from layout.standards import Standards

__all__ = ["candidate_sites", "SHARED_MIDDLE_METRES", "TOWN_PARCEL_CAPITAL_YUAN"]

SHARED_MIDDLE_METRES = 20000.0       # rural middle-stage schools this near by road could share a new middle school
TOWN_PARCEL_CAPITAL_YUAN = 12_000_000.0   # site works and land of a county-town parcel (the default is for townships)


def _off(xy: np.ndarray, towards: np.ndarray, metres: float) -> np.ndarray:
    d = towards - xy
    n = float(np.hypot(*d))
    return xy + (d / n * metres if n > 0 else np.array([metres, 0.0]))


def candidate_sites(land: Landscape, schools: list[dict], children: np.ndarray, std: Standards) -> list[dict]:
    """The candidate sites of a county, in local metres.

    Parameters
    ----------
    land : Landscape
    schools : list of dict
        Today's schools (``kind``, ``setting``, ``township``, ``node``).
    children : ndarray (n_villages, 9)
    std : Standards
        Standard class sizes and construction classes.

    Returns
    -------
    list of dict
        ``name``, ``township``, ``kind``, ``seat_options`` (tuple of int, ascending), ``beds``, ``capital_yuan``
        (NaN: the standards' default), ``note``, ``xy`` (local metres).
    """
    xy = land.xy
    town = land.townships[0]
    mid_size = std.standard_class_size("middle")
    pri_size = std.standard_class_size("primary")
    mid_classes = list(std.get("class_size.construction_classes.middle"))
    pri_classes = list(std.get("class_size.construction_classes.primary"))
    out: list[dict] = []

    # ---- county-town parcel: the street end farthest from the town's middle schools ----------------------------
    streets = [ln["nodes"] for ln in land.lines if str(ln["road_id"]).startswith("JD")]
    town_mid = np.array([xy[s["node"]] for s in schools if s["setting"] == "town" and s["kind"] == "middle"])
    ends = np.array([xy[ids[-1]] for ids in streets])
    gap = np.min(np.hypot(*(ends[:, None, :] - town_mid[None, :, :]).transpose(2, 0, 1)), axis=1)
    best = int(np.argmax(gap))
    ids = streets[best]
    site = _off(xy[ids[-1]], 2 * xy[ids[-1]] - xy[ids[-2]], 150.0)       # beyond the street's end
    options = tuple(sorted({c * mid_size for c in mid_classes} | {(max(mid_classes) + 6) * mid_size}))
    out.append({"name": "城关新区中学", "township": town, "kind": "middle", "seat_options": options,
                "beds": int(10 * round(0.4 * max(options) / 10)), "capital_yuan": TOWN_PARCEL_CAPITAL_YUAN,
                "note": "城区规划教育用地,已列入国土空间规划;城区地价高于乡镇", "xy": site})

    # ---- a township seat for a boarding central primary -----------------------------------------------------------
    rural = land.townships[1:]
    vtown = np.array([v["township"] for v in land.villages])
    kids16 = {t: int(children[vtown == t, :6].sum()) for t in rural}
    t_pri = max(rural, key=lambda t: (kids16[t], -rural.index(t)))
    seat = land.seat_node[t_pri]
    away = xy[seat] + np.array([0.0, 1.0])
    nbrs = [ln["nodes"] for ln in land.lines if seat in ln["nodes"]]
    if nbrs:
        line = nbrs[0]
        k = line.index(seat)
        other = line[k + 1] if k + 1 < len(line) else line[k - 1]
        d = xy[other] - xy[seat]
        away = xy[seat] + np.array([-d[1], d[0]])                      # across the valley from the road
    out.append({"name": f"{t_pri[:-1]}寄宿制中心小学", "township": t_pri, "kind": "primary",
                "seat_options": tuple(c * pri_size for c in pri_classes[:3]), "beds": 200,
                "capital_yuan": float("nan"), "note": "集镇规划用地,可建宿舍和食堂", "xy": _off(xy[seat], away, 200.0)})

    # ---- a township seat for a middle school shared by neighbouring townships -------------------------------------
    rural_mid = [s for s in schools if s["setting"] == "central" and s["kind"] in ("middle", "nine_year")]
    others = [t for t in rural if t != t_pri]
    if rural_mid and others:
        graph = road_graph(land)
        seats = np.array([land.seat_node[t] for t in others])
        d = dijkstra(graph, directed=True, indices=seats)[:, [s["node"] for s in rural_mid]]
        score = [(int((row <= SHARED_MIDDLE_METRES).sum()), -float(np.sum(np.minimum(row, 1e7)))) for row in d]
        t_mid = others[max(range(len(others)), key=lambda i: (score[i], -i))]
        seat = land.seat_node[t_mid]
        out.append({"name": f"{t_mid[:-1]}片区中学", "township": t_mid, "kind": "middle",
                    "seat_options": tuple(c * mid_size for c in mid_classes[:2]), "beds": 400,
                    "capital_yuan": float("nan"), "note": "集镇边缘规划用地,供相邻乡镇合办初中",
                    "xy": _off(xy[seat], xy[seat] + np.array([1.0, -1.0]), 250.0)})
    return out
