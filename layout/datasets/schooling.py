"""The school system of a synthetic county: where schools are, who attends them, classes and resources.

Placement follows how a mountain county's schools came to be:

* the county town has 2–4 large primaries and 1–2 middle schools (crowded: classrooms are short, some classes
  are 大班额 of 56 or more);
* every rural township has a central primary (中心小学) at its seat, some of them boarding with beds and canteen;
* the townships farthest from the county town keep a middle school (the smallest ones a nine-year school,
  九年一贯制); townships near the town send their older pupils to the town;
* village primaries (村小) and teaching points (教学点) were opened, largest catchment first, wherever children
  lived more than a walk of 2 km from any school, up to about one school per 3–4 villages.

Every child attends the nearest school teaching their grade along the road network (footpaths count 1.4× for the
climb), so enrolment by grade is exactly the children of the villages in each catchment. Pupils of grades 4–9
living far from their school board where it has beds. Classes are enrolment ÷ standard class size (rounded
up), with combined-grade classes (复式班) in tiny schools. Resources are drawn so that town schools are short
of space and rural schools short of specialist teachers and equipment.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from layout.datasets.landscape import Landscape
from layout.standards import Standards

__all__ = ["build_schools", "road_graph", "FOOTPATH_FACTOR", "OFFROAD_FACTOR", "COVER_METRES"]

FOOTPATH_FACTOR = 1.4     # a footpath over a ridge takes 1.4× its length in effort
OFFROAD_FACTOR = 1.3      # from the road to a village off it
COVER_METRES = 2000.0     # a village farther than this from any school got a village school, while any were built
BOARD_METRES = {4: 3500.0, 7: 3000.0}   # pupils of grades 4–6 / 7–9 living farther than this board, if beds exist
_ORDINAL = "一二三四五六七八九十"


def road_graph(land: Landscape) -> sp.csr_matrix:
    """Undirected graph over the landscape's nodes: road segments plus the walks from roads to villages."""
    us, vs, ws = [], [], []
    for ln in land.lines:
        ids = np.asarray(ln["nodes"])
        seg = np.hypot(*(land.xy[ids[1:]] - land.xy[ids[:-1]]).T)
        us.append(ids[:-1])
        vs.append(ids[1:])
        ws.append(seg * (FOOTPATH_FACTOR if ln["road_class"] == "footpath" else 1.0))
    if land.links:
        a, b, d = map(np.asarray, zip(*land.links, strict=True))
        us.append(a.astype(int))
        vs.append(b.astype(int))
        ws.append(d * OFFROAD_FACTOR)
    u, v, w = np.concatenate(us), np.concatenate(vs), np.maximum(np.concatenate(ws), 1e-3)
    u, v = np.concatenate([u, v]), np.concatenate([v, u])
    w = np.concatenate([w, w])
    order = np.lexsort((w, v, u))                      # keep the shortest of parallel links
    u, v, w = u[order], v[order], w[order]
    keep = np.ones(len(u), bool)
    keep[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
    n = len(land.xy)
    return sp.csr_matrix((w[keep], (u[keep], v[keep])), shape=(n, n))


def _nearest(graph: sp.csr_matrix, sources: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distance to and number of the nearest source node, for every node (-9999 where unreachable)."""
    dist, _, src = dijkstra(graph, directed=False, indices=sources, min_only=True, return_predecessors=True)
    return dist, src


def _classes(enrol: np.ndarray, lo: int, hi: int, sizes: np.ndarray, merge: bool,
             bands: dict[str, tuple[int, int]]) -> np.ndarray:
    """Classes per grade: enrolment ÷ class size rounded up; tiny schools combine grades of a band (复式班).

    A combined class is counted once, under the lowest grade it teaches.
    """
    classes = np.where(enrol > 0, np.ceil(enrol / sizes), 0).astype(int)
    if merge:
        for b_lo, b_hi in bands.values():
            g = max(b_lo, lo)
            while g <= min(b_hi, hi):
                if enrol[g - 1] == 0:
                    g += 1
                    continue
                total, last = enrol[g - 1], g
                while last + 1 <= min(b_hi, hi) and total + enrol[last] <= 20:
                    total += enrol[last]
                    last += 1
                classes[g - 1:last] = 0
                classes[g - 1] = math.ceil(total / sizes[g - 1])
                g = last + 1
    served = np.zeros(9, bool)
    served[lo - 1:hi] = True
    return np.where(served, classes, 0)


def build_schools(land: Landscape, children: np.ndarray, std: Standards, rng: np.random.Generator) -> list[dict]:
    """Place the county's schools, enrol the children and give each school classes, places and resources.

    Parameters
    ----------
    land : Landscape
    children : ndarray (n_villages, 9)
        Children of grade 1 … 9 age living in each village.
    std : Standards
    rng : numpy.random.Generator

    Returns
    -------
    list of dict
        One per school: ``name``, ``kind``, ``township``, ``host`` (village number), ``node``, ``grade_lo``,
        ``grade_hi``, ``enrol`` and ``classes`` (9 each), ``seats``, ``beds``, ``boarders``, ``canteen``,
        ``remote``, ``setting`` (``town``, ``central``, ``village``) and the resource columns.
    """
    graph = road_graph(land)
    vil = land.villages
    vnode = np.array([v["node"] for v in vil])
    vkind = np.array([v["kind"] for v in vil])
    vtown = np.array([v["township"] for v in vil])
    xy = land.xy
    town = land.townships[0]
    schools: list[dict] = []

    def add(host: int, kind: str, setting: str, name: str) -> None:
        lo, hi = std.kind_grades(kind)
        schools.append({"host": host, "node": int(vnode[host]), "kind": kind, "setting": setting, "name": name,
                        "township": vil[host]["township"], "grade_lo": lo, "grade_hi": hi, "remote": False})

    # ---- county town --------------------------------------------------------------------------------
    comm = sorted((i for i, k in enumerate(vkind) if k == "community"), key=lambda i: -vil[i]["population"])
    n_pri = int(np.clip(round(children[comm, :6].sum() / 1100), 2, max(2, min(4, len(comm)))))
    n_mid = int(np.clip(round(children[comm, 6:].sum() / 1100), 1, max(1, min(2, len(comm) // 2))))
    hosts = [comm[0]]                                # the largest community, then where most children are far
    d_town = dijkstra(graph, directed=False, indices=int(vnode[comm[0]]))
    while len(hosts) < n_pri:
        far_kids = np.array([children[i, :6].sum() if d_town[vnode[i]] > 1500 else 0 for i in comm])
        rest = [i for i in comm if i not in hosts]
        nxt = comm[int(np.argmax(far_kids))] if far_kids.max() > 0 else rest[0]
        hosts.append(nxt)
        d_town = np.minimum(d_town, dijkstra(graph, directed=False, indices=int(vnode[nxt])))
    for k, h in enumerate(hosts):
        add(h, "primary", "town", f"城关第{_ORDINAL[k]}小学")
    for k, h in enumerate((comm[n_pri:] + comm)[:n_mid]):
        add(h, "middle", "town", "城关中学" if k == 0 else f"城关第{_ORDINAL[k]}中学")

    # ---- rural townships: central primaries, middle and nine-year schools ------------------------------
    seat_of = {vtown[i]: i for i, k in enumerate(vkind) if k == "seat"}
    rural = land.townships[1:]
    d_centre, _ = _nearest(graph, np.array([land.seat_node[town]]))
    far_first = sorted(rural, key=lambda t: -d_centre[land.seat_node[t]])
    n_rmid = int(np.clip(round(0.6 * len(rural)), 1 if rural else 0, len(rural)))
    n_nine = int(round(0.35 * n_rmid)) if n_rmid >= 3 else 0
    with_middle = far_first[:n_rmid]
    nine = sorted(with_middle, key=lambda t: children[vtown == t].sum())[:n_nine]
    for t in rural:
        short = t[:-1]
        if t in nine:
            add(seat_of[t], "nine_year", "central", f"{short}九年一贯制学校")
        else:
            add(seat_of[t], "primary", "central", f"{short}中心小学")
            if t in with_middle:
                add(seat_of[t], "middle", "central", f"{short}中学")

    # ---- village primaries and teaching points where children lived far from any school --------------
    village_ix = np.array([i for i, k in enumerate(vkind) if k in ("village", "remote")])
    if len(village_ix):
        g16 = children[:, :6].sum(axis=1).astype(float)
        tree = cKDTree(xy[vnode[village_ix]])
        nb = tree.sparse_distance_matrix(tree, 2000.0, output_type="coo_matrix")
        near = sp.csr_matrix((np.ones(nb.nnz), (nb.row, nb.col)), shape=(len(village_ix),) * 2)
        near = near + sp.identity(len(village_ix), format="csr")
        src = np.array([s["node"] for s in schools])
        dist, _ = _nearest(graph, src)
        d_vil = dist[vnode[village_ix]]
        cap = int(round(0.33 * len(vil)))
        opened = 0
        threshold = rng.uniform(90, 130)
        while opened < cap:
            uncovered = d_vil > COVER_METRES
            if not uncovered.any():
                break
            score = near @ (g16[village_ix] * uncovered)
            score[~uncovered] = -1.0
            c = int(np.argmax(score))
            host = int(village_ix[c])
            kind = "primary" if score[c] >= threshold else "teaching_point"
            base = vil[host]["name"].removesuffix("村")
            add(host, kind, "village", f"{base}小学" if kind == "primary" else f"{base}教学点")
            d_new = dijkstra(graph, directed=False, indices=int(vnode[host]), limit=COVER_METRES * 1.01)
            d_vil = np.minimum(d_vil, d_new[vnode[village_ix]])
            opened += 1

    # ---- enrolment: nearest school teaching each grade -------------------------------------------------
    n_s = len(schools)
    enrol = np.zeros((n_s, 9))
    far = np.zeros((n_s, 9))
    lo = np.array([s["grade_lo"] for s in schools])
    hi = np.array([s["grade_hi"] for s in schools])
    snode = np.array([s["node"] for s in schools])
    for b_lo, b_hi in std.bands.values():
        serving = np.flatnonzero((lo <= b_lo) & (hi >= b_hi))
        dist, src = _nearest(graph, snode[serving])
        node_to_school = {int(snode[i]): int(i) for i in serving}
        for v in range(len(vil)):
            s = node_to_school[int(src[vnode[v]])]
            enrol[s, b_lo - 1:b_hi] += children[v, b_lo - 1:b_hi]
            limit = BOARD_METRES.get(b_lo)
            if limit is not None and dist[vnode[v]] > limit:
                far[s, b_lo - 1:b_hi] += children[v, b_lo - 1:b_hi]

    # ---- remote: no other school teaching grade 1 within 6 km -----------------------------------------
    primary_stage = np.flatnonzero(lo == 1)
    for i in primary_stage:
        if schools[i]["setting"] != "village":
            schools[i]["remote"] = False
            continue
        d = dijkstra(graph, directed=False, indices=int(snode[i]), limit=6000.0)
        others = [j for j in primary_stage if j != i]
        schools[i]["remote"] = bool(np.all(~np.isfinite(d[snode[others]]))) if others else True

    # ---- boarding, classes, places and resources -------------------------------------------------------
    # middle-stage schools board; so does the half of the central primaries with most pupils living far away
    central = [i for i, s in enumerate(schools) if s["setting"] == "central" and s["kind"] == "primary"]
    central.sort(key=lambda i: -far[i, 3:6].sum())
    boarding_central = set(central[: (len(central) + 1) // 2])
    for i, s in enumerate(schools):
        s["boards"] = s["kind"] in ("middle", "nine_year") or i in boarding_central
    for i, s in enumerate(schools):
        _equip(s, enrol[i], far[i], std, rng)
    return schools


def _equip(s: dict, enrol: np.ndarray, far: np.ndarray, std: Standards, rng: np.random.Generator) -> None:
    """Boarding, classes, seats and resources of one school (in place)."""
    kind, setting, lo, hi = s["kind"], s["setting"], s["grade_lo"], s["grade_hi"]
    total = int(enrol.sum())
    grades = np.arange(1, 10)
    boards = s["boards"]
    eligible = int(far.sum()) if boards else 0
    beds = int(10 * round(eligible * rng.uniform(0.75, 1.3) / 10)) if eligible else 0
    if boards and setting == "central":      # a boarding central primary has at least one dormitory of 30–80 beds
        beds = max(beds, 10 * int(rng.integers(3, 9)))
    boarders = min(beds, eligible)
    # canteens: town and middle-stage schools; central primaries mostly (one without is a finding to act on);
    # a few village schools run one for the rural nutrition programme
    draw = rng.random()
    canteen = (setting == "town" or kind in ("middle", "nine_year") or (setting == "central" and draw > 0.12)
               or (setting == "village" and draw < 0.2))
    # classes
    if kind == "teaching_point":
        sizes = np.full(9, std.standard_class_size("teaching_point"), float)
    else:
        sizes = np.where(grades <= 6, std.standard_class_size("primary"), std.standard_class_size("middle")).astype(float)
    if setting == "town":      # too few classrooms: classes fill up, 大班额 in the largest schools
        sizes = np.full(9, rng.uniform(57, 68) if total > 1200 else rng.uniform(48, 58))
    classes = _classes(enrol, lo, hi, sizes, merge=total < 60 and kind in ("primary", "teaching_point"),
                       bands=std.bands)
    n_classes = int(classes.sum())
    # seats: town schools are full; rural schools were built for more pupils than they now have
    std_seats = int(sum(classes[g - 1] * (45 if g <= 6 else 50) for g in grades))
    if setting == "town":      # full: approved places were raised to today's enrolment, not classrooms
        seats = int(max(std_seats, 10 * math.ceil(total / 10)))
    elif kind == "teaching_point":
        seats = int(max(total, 30 * rng.integers(1, 3)))
    else:
        built = {"primary": 6, "middle": 9, "nine_year": 9}[kind] * (2 if setting == "central" else 1)
        seats = int(max(total, built * (45 if kind == "primary" else 48)) * rng.uniform(1.0, 1.2))
    teachers_ratio = {"town": 21.0, "central": 15.0, "village": 11.0}[setting]
    teachers = max(1, int(math.ceil(total / teachers_ratio)), int(math.ceil(n_classes * (1.2 if kind != "teaching_point" else 1.0))))
    share = {"town": (0.92, 0.15, 0.008, 0.55), "central": (0.80, 0.10, 0.008, 0.45),
             "village": (0.60, 0.04, 0.0, 0.35)}[setting]
    degree = min(teachers, rng.binomial(teachers, share[0]))
    key = min(teachers, rng.binomial(teachers, share[1]))
    pe_art = min(teachers, int(round(total * share[2] * rng.uniform(0.6, 1.4))) if setting != "village"
                 else int(rng.binomial(teachers, 0.1)))
    senior = min(teachers, rng.binomial(teachers, share[3]))
    per_student_floor = {"town": rng.uniform(3.4, 5.0), "central": rng.uniform(4.5, 7.5),
                         "village": rng.uniform(5.0, 10.0)}[setting]
    floor_teaching = max(total, 20) * per_student_floor
    floor_sports = {"town": rng.uniform(4.0, 8.0), "central": rng.uniform(7.0, 14.0),
                    "village": rng.uniform(4.0, 16.0)}[setting] * max(total, 20)
    if kind == "teaching_point" and rng.random() < 0.4:
        floor_sports = 0.0
    floor_dorm = beds * rng.uniform(3.5, 6.0)
    equipment = {"town": rng.uniform(2000, 3200), "central": rng.uniform(1300, 2600),
                 "village": rng.uniform(400, 1800)}[setting] * max(total, 10)
    multimedia = {"town": int(round(n_classes * rng.uniform(0.6, 1.0))),
                  "central": int(round(n_classes * rng.uniform(0.4, 0.9))),
                  "village": int(rng.integers(0, 3))}[setting]
    computers = {"town": total / rng.uniform(7, 12), "central": total / rng.uniform(8, 15),
                 "village": rng.uniform(0, 12)}[setting]
    books = max(total, 10) * {"town": rng.uniform(18, 30), "central": rng.uniform(20, 40),
                              "village": rng.uniform(10, 45)}[setting]
    s.update({
        "enrol": enrol.astype(int), "classes": classes.astype(int), "seats": seats, "beds": beds,
        "boarders": boarders, "canteen": canteen,
        "teachers": float(teachers), "teachers_degree": float(degree), "teachers_key": float(key),
        "teachers_pe_art": float(pe_art), "teachers_senior": float(senior),
        "floor_teaching": round(float(floor_teaching), 1), "floor_sports": round(float(floor_sports), 1),
        "floor_dorm": round(float(floor_dorm), 1), "equipment_value": round(float(equipment), -2),
        "multimedia_rooms": float(multimedia), "computers": float(int(computers)), "books": float(int(books)),
    })
