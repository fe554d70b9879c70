"""Who goes where today in a synthetic county: the attendance roll (学籍) the generator writes.

Every child of grade *g* living in a village attends the **nearest school teaching grade g by walking time on the
road network** (``layout.network``, the travel times the evaluation uses), with two exceptions real counties have:

* **划片 in the county town**: the villages whose nearest school is a county-town school are zoned among the town
  schools of their stage so that each takes a similar share (at most :data:`ZONE_SLACK` × an equal share), a
  village whole and to the nearest school with room that it reaches within the walking limit (villages with
  least choice first);
* **the boarding centre school**: pupils of grades 4–6 whose nearest complete primary is a village primary beyond
  walking distance, with no bus, attend the nearest central primary (or nine-year school) instead when it boards
  (the 国办发〔2018〕27号 model: a teaching point near home for grades 1–3, the township's boarding school after),
  and travel there by the rule below (by its bus where it runs one, else as boarders);
* **进城读书**: a share (``town_pull``) of the grade 7–9 pupils whose nearest middle-stage school is a rural one
  attend a county-town middle school instead (the one with most room) and board there;
* **out-of-county pupils** (随迁子女, 外县): ``out_of_county`` pupils on the county-town schools' rolls have no home
  village in the county (attendance rows with a blank ``village_id``); they live in town and walk.

How each group travels follows the travel rule of its band (``Standards.travel_rule``):

1. **walk** when the walk is within the band's walking limit;
2. else **bus** when the school runs a school bus (schools outside the county town in the ``bus_share`` of rural
   townships that run buses today), the band may ride one and the bus trip is within the band's bus limit;
3. else **board** when the band may board and the school boards (every middle-stage school; the half of the
   central primaries with most grade 4–6 pupils beyond walking distance and no bus);
4. else **walk** all the same: a long walk today (a 现状问题 a planner should find).

A trip is taken as within a limit only with a margin of :data:`RULE_MARGIN_MINUTES`, so that the coordinates
written to the files and read back (which move by less than a centimetre) cannot turn a rule-keeping bus trip into
a breach. Beds are the boarders plus spare beds, except at ``bed_shortfalls`` schools whose beds are fewer than
their boarders (床位不足: pupils share beds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layout.datasets.settings import Settings
from layout.standards import Standards

__all__ = ["Today", "assign_pupils", "RULE_MARGIN_MINUTES", "MIN_SHORTFALL_BOARDERS"]

RULE_MARGIN_MINUTES = 0.1      # a trip keeps a limit only when it is this much shorter (robust to file round trips)
MIN_SHORTFALL_BOARDERS = 40    # bed shortfalls are drawn among schools with at least this many boarders
ZONE_SLACK = 1.1               # a county-town school's zone takes at most this times an equal share of the pupils
NO_VILLAGE = -1                # village number of out-of-county pupils


@dataclass(frozen=True)
class Today:
    """Today's attendance and what it implies for each school.

    Attributes
    ----------
    rows : DataFrame
        Columns ``village`` (village number, :data:`NO_VILLAGE` for out-of-county pupils), ``school`` (school
        number), ``grade`` (1–9), ``mode`` (walk / bus / board), ``children`` (> 0); one row per combination.
    enrol : ndarray (n_schools, 9)
        Pupils by school and grade.
    boarders, bus_riders, beds : ndarray (n_schools,)
    boards, runs_bus : ndarray of bool (n_schools,)
        Whether a school takes boarders / runs a school bus today.
    bus_townships : tuple of str
        Rural townships whose schools run buses.
    """

    rows: pd.DataFrame
    enrol: np.ndarray
    boarders: np.ndarray
    bus_riders: np.ndarray
    beds: np.ndarray
    boards: np.ndarray
    runs_bus: np.ndarray
    bus_townships: tuple[str, ...]


def _ceil10(x: float) -> int:
    return int(10 * math.ceil(x / 10.0))


def assign_pupils(children: np.ndarray, schools: list[dict], walk: np.ndarray, bus: np.ndarray, std: Standards,
                  rng: np.random.Generator, settings: Settings, rural_townships: list[str]) -> Today:
    """Decide who attends which school today, how they travel, and the beds of every boarding school.

    Parameters
    ----------
    children : ndarray (n_villages, 9)
        Children by village and grade.
    schools : list of dict
        ``kind``, ``setting`` (town / central / village), ``township``, ``grade_lo``, ``grade_hi``; in school order.
    walk, bus : ndarray (n_villages, n_schools)
        Travel minutes by mode (``inf`` where unreachable), from ``layout.network.travel``.
    std : Standards
        Grade bands and their travel rules.
    rng : numpy.random.Generator
    settings : Settings
        ``town_pull``, ``bus_share``, ``bed_shortfalls``, ``out_of_county``.
    rural_townships : list of str
        Rural townships in their order (the candidates for buses).

    Returns
    -------
    Today
    """
    n_v, n_s = walk.shape
    setting = np.array([s["setting"] for s in schools])
    kind = np.array([s["kind"] for s in schools])
    stown = np.array([s["township"] for s in schools])
    lo = np.array([s["grade_lo"] for s in schools])
    hi = np.array([s["grade_hi"] for s in schools])
    band_of = {g: std.band_of_grade(g) for g in range(1, 10)}
    rules = {b: std.travel_rule(b) for b in std.bands}
    rows_v = np.arange(n_v)

    # ---- the nearest school teaching each band by walking time (by bus where none is reached on foot) ----------
    home = np.zeros((n_v, 9), int)
    for b_lo, b_hi in std.bands.values():
        serving = np.flatnonzero((lo <= b_lo) & (hi >= b_hi))
        if not len(serving):
            raise ValueError(f"no school teaches grades {b_lo}-{b_hi}")
        w = walk[:, serving]
        pick = np.argmin(w, axis=1)
        none = ~np.isfinite(w[rows_v, pick])
        if none.any():
            pick[none] = np.argmin(bus[np.ix_(none, serving)], axis=1)
        home[:, b_lo - 1:b_hi] = serving[pick][:, None]

    margin = RULE_MARGIN_MINUTES

    # ---- 划片: the county town's catchment is zoned so that its schools take similar shares -----------------------
    load: dict[int, float] = {}
    for g_lo, g_hi in ((1, 6), (7, 9)):
        town_s = np.flatnonzero((setting == "town") & (lo <= g_lo) & (hi >= g_hi))
        zone = np.flatnonzero(np.isin(home[:, g_lo - 1], town_s))
        kids = children[zone, g_lo - 1:g_hi].sum(axis=1)
        for i in town_s:
            load[int(i)] = 0.0
        if len(town_s) < 2 or kids.sum() == 0:
            for z, k in zip(zone, kids, strict=True):
                load[int(home[z, g_lo - 1])] += k
            continue
        cap = ZONE_SLACK * kids.sum() / len(town_s)
        reach = min(rules[band_of[g]].walk_limit for g in range(g_lo, g_hi + 1)) - margin
        w = walk[np.ix_(zone, town_s)]
        ranked = np.sort(w, axis=1)
        regret = ranked[:, 1] - ranked[:, 0]
        for j in sorted(range(len(zone)), key=lambda j: (-regret[j], int(zone[j]))):
            options = np.argsort(w[j], kind="stable")
            room = [o for o in options if load[int(town_s[o])] + kids[j] <= cap]
            near = [o for o in options if w[j, o] <= reach]
            both = [o for o in room if o in near]
            if both:                # the nearest school with room within walking reach …
                pick = int(town_s[both[0]])
            else:                   # … else the emptiest within reach, the nearest with room, the emptiest
                pool = near or room
                pick = (int(town_s[pool[0]]) if pool is room and room else
                        int(min(town_s[pool or options], key=lambda i: (load[int(i)], int(i)))))
            home[zone[j], g_lo - 1:g_hi] = pick
            load[pick] += kids[j]

    # ---- 进城: some rural pupils of grades 7-9 board at the county-town middle school with most room ---------------
    pulled = np.zeros((n_v, 9), int)
    town_mid = np.flatnonzero((setting == "town") & (hi >= 9))
    target = np.full(n_v, -1)
    if len(town_mid) and settings.town_pull > 0:
        for g in range(7, 10):
            rural_home = setting[home[:, g - 1]] != "town"
            pulled[:, g - 1] = np.where(rural_home, rng.binomial(children[:, g - 1], settings.town_pull), 0)
        for v in np.flatnonzero(pulled.sum(axis=1)):
            pick = int(min(town_mid, key=lambda i: (load[int(i)], int(i))))
            target[v] = pick
            load[pick] += pulled[v].sum()

    def trips(g: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        s = home[:, g - 1]
        return s, walk[rows_v, s], bus[rows_v, s]

    def walks(g: int, tw: np.ndarray) -> np.ndarray:
        return tw <= rules[band_of[g]].walk_limit - margin

    def bus_ok(g: int, tb: np.ndarray) -> np.ndarray:
        rule = rules[band_of[g]]
        return np.isfinite(tb) & (tb <= rule.bus_limit - margin) if rule.may_bus else np.zeros(len(tb), bool)

    # ---- buses: the rural townships with most pupils a bus would carry are likelier to run them ------------------
    need_bus = {t: 0 for t in rural_townships}
    for g in range(1, 10):
        s, tw, tb = trips(g)
        far = ~walks(g, tw) & bus_ok(g, tb)
        for t, n in pd.Series(children[:, g - 1] * far).groupby(stown[s]).sum().items():
            if t in need_bus:
                need_bus[t] += int(n)
    k = int(round(settings.bus_share * len(rural_townships)))
    weights = np.array([1.0 + need_bus[t] for t in rural_townships])
    chosen = rng.choice(len(rural_townships), size=k, replace=False, p=weights / weights.sum()) if k else []
    bus_townships = tuple(rural_townships[i] for i in sorted(chosen))
    runs_bus = (setting != "town") & np.isin(stown, bus_townships)

    # ---- boarding schools: every middle stage; the central primaries with most far pupils of grades 4-6 -----------
    # pupils of grades 4-6 beyond walking distance of a village primary, without a bus, would board at the nearest
    # central primary (or nine-year school) instead: the teaching point near home, the boarding centre school
    boards = np.isin(kind, ["middle", "nine_year"])
    centres = np.flatnonzero((setting == "central") & (lo <= 4) & (hi >= 6))
    centre_of = centres[np.argmin(walk[:, centres], axis=1)] if len(centres) else np.full(n_v, -1)
    need_board = np.zeros(n_s)
    stranded = np.zeros((n_v, 9), bool)
    for g in range(4, 7):
        s, tw, tb = trips(g)
        far = ~walks(g, tw) & ~(runs_bus[s] & bus_ok(g, tb))
        stranded[:, g - 1] = far & (setting[s] == "village") & (centre_of >= 0)
        at = np.where(stranded[:, g - 1], centre_of, s)
        np.add.at(need_board, at, children[:, g - 1] * far)
    central = [i for i in np.flatnonzero((setting == "central") & (kind == "primary")) if need_board[i] > 0]
    central.sort(key=lambda i: (-need_board[i], i))
    n_central = int(((setting == "central") & (kind == "primary")).sum())
    boards[central[: (n_central + 1) // 2]] = True
    for g in range(4, 7):
        move = stranded[:, g - 1] & boards[np.maximum(centre_of, 0)]
        home[move, g - 1] = centre_of[move]

    # ---- modes --------------------------------------------------------------------------------------------------
    parts = []
    for g in range(1, 10):
        s, tw, tb = trips(g)
        rule = rules[band_of[g]]
        mode = np.where(walks(g, tw), "walk",
                        np.where(runs_bus[s] & bus_ok(g, tb), "bus",
                                 np.where(boards[s] & rule.may_board, "board", "walk")))
        kids = children[:, g - 1] - pulled[:, g - 1]
        parts.append(pd.DataFrame({"village": rows_v, "school": s, "grade": g, "mode": mode, "children": kids}))
        if pulled[:, g - 1].any():
            parts.append(pd.DataFrame({"village": rows_v, "school": target, "grade": g, "mode": "board",
                                       "children": pulled[:, g - 1]}))

    # ---- out-of-county pupils on the town schools' rolls ----------------------------------------------------------
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["children"] > 0]
    enrol = np.zeros((n_s, 9), int)
    np.add.at(enrol, (rows["school"].to_numpy(), rows["grade"].to_numpy() - 1), rows["children"].to_numpy())
    town = np.flatnonzero(setting == "town")
    if settings.out_of_county and len(town):
        cells = enrol[town].astype(float).ravel()
        if cells.sum() > 0:
            drawn = rng.multinomial(settings.out_of_county, cells / cells.sum())
            hit = np.flatnonzero(drawn)
            extra = pd.DataFrame({"village": NO_VILLAGE, "school": town[hit // 9], "grade": hit % 9 + 1,
                                  "mode": "walk", "children": drawn[hit]})
            rows = pd.concat([rows, extra], ignore_index=True)
            np.add.at(enrol, (extra["school"].to_numpy(), extra["grade"].to_numpy() - 1), extra["children"].to_numpy())
    rows = (rows.groupby(["village", "school", "grade", "mode"], as_index=False, sort=True)["children"].sum())
    rows["children"] = rows["children"].astype(np.int64)

    boarders = np.zeros(n_s, int)
    bus_riders = np.zeros(n_s, int)
    for m, out in (("board", boarders), ("bus", bus_riders)):
        sub = rows[rows["mode"] == m]
        np.add.at(out, sub["school"].to_numpy(), sub["children"].to_numpy())

    # ---- beds: the boarders and some to spare; a few schools short of beds ----------------------------------------
    beds = np.zeros(n_s, int)
    for i in np.flatnonzero(boards):
        spare = _ceil10(boarders[i] * rng.uniform(1.05, 1.4))
        floor = 10 * int(rng.integers(3, 9)) if setting[i] != "town" else 0   # a dormitory was built at least
        beds[i] = max(spare, floor)
    short = [i for i in np.flatnonzero(boards) if boarders[i] >= MIN_SHORTFALL_BOARDERS]
    n_short = min(settings.bed_shortfalls, len(short))
    for i in sorted(rng.choice(short, size=n_short, replace=False)) if n_short else []:
        beds[i] = 10 * int(boarders[i] * rng.uniform(0.75, 0.9) // 10)
    return Today(rows=rows, enrol=enrol, boarders=boarders, bus_riders=bus_riders, beds=beds, boards=boards,
                 runs_bus=runs_bus, bus_townships=bus_townships)
