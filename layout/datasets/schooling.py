"""The school system of a synthetic county: where schools are, and their classes, places, staff and resources.

Placement follows how a mountain county's schools came to be:

* the county town has large primaries and middle schools, one per ~1,600 pupils of its own (crowded: classrooms
  are short, classes are 大班额 of 56 or more and seats fall short of the pupils);
* every rural township has a central primary (中心小学) at its seat, some of them boarding with beds and canteen;
* the townships farthest from the county town keep a middle school (the smallest ones a nine-year school,
  九年一贯制); townships near the town send their older pupils to the town;
* village primaries (村小) and teaching points (教学点) were opened, largest catchment first, wherever children
  lived more than a walk of 2 km from any school, up to about one school per 2.5–3 villages.

Who attends which school today is decided in :mod:`layout.datasets.pupils`; :func:`equip_school` then gives
each school the classes, seats, teachers and resources its pupils imply: classes are enrolment ÷ standard class
size (rounded up) with combined-grade classes (复式班) in tiny schools; town schools fill their classes to
大班额; teachers are staffed as counties staff them today (village small schools for their classes, town schools
short); resources are drawn so that town schools are short of space and rural schools short of specialist
teachers and equipment.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from layout.datasets.landscape import Landscape
from layout.datasets.settings import Settings
from layout.standards import Standards

__all__ = ["place_schools", "mark_remote", "equip_school", "road_graph", "FOOTPATH_FACTOR", "OFFROAD_FACTOR",
           "COVER_METRES", "SETTING_ORDER"]

FOOTPATH_FACTOR = 1.4     # a footpath over a ridge takes 1.4× its length in effort
OFFROAD_FACTOR = 1.3      # from the road to a village off it
COVER_METRES = 2000.0     # a village farther than this from any school got a village school, while any were built
TOWN_SCHOOL_PUPILS = {"primary": 0.75, "middle": 0.9}   # a county-town school was planned for this share of the size
                                                        # cap (primaries smaller: walked to by the youngest)
REMOTE_METRES = 6000.0    # a village school with no other school teaching grade 1 this near is marked remote
SETTING_ORDER = {"town": 0, "central": 1, "village": 2}
_DIGITS = "一二三四五六七八九"


def _ordinal(k: int) -> str:
    """Chinese numeral of 1 … 99 (一, 十, 十一, 二十三)."""
    tens, ones = divmod(k, 10)
    return ((_DIGITS[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (_DIGITS[ones - 1] if ones else ""))


def road_graph(land: Landscape) -> sp.csr_matrix:
    """Graph over the landscape's nodes: road segments plus the walks from roads to villages.

    Symmetric (every link is stored both ways), so searches run it as directed (the same distances, without
    scipy symmetrising it on every call).
    """
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
    dist, _, src = dijkstra(graph, directed=True, indices=sources, min_only=True, return_predecessors=True)
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


def _n_town_schools(pupils: float, planned: float) -> int:
    """County-town schools for ``pupils``: one per ``planned`` pupils (rounded up)."""
    return max(1, math.ceil(pupils / planned))


def place_schools(land: Landscape, children: np.ndarray, std: Standards, rng: np.random.Generator,
                  settings: Settings) -> list[dict]:
    """Place the county's schools: county town, township seats, then village primaries and teaching points.

    Parameters
    ----------
    land : Landscape
    children : ndarray (n_villages, 9)
        Children of grade 1 … 9 age living in each village.
    std : Standards
        Grades of each kind, school size caps.
    rng : numpy.random.Generator
    settings : Settings
        ``middle_share``, ``nine_year_share``, ``village_schools`` and ``town_pull`` (the town's middle schools
        are planned for the rural pupils who come to town too).

    Returns
    -------
    list of dict
        One per school, in the order they will be numbered (township, then town / central / village schools,
        primary stage before middle schools):
        ``name``, ``kind``, ``township``, ``host`` (village number), ``node``, ``grade_lo``, ``grade_hi``,
        ``setting`` (``town``, ``central``, ``village``).
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
                        "township": vil[host]["township"], "grade_lo": lo, "grade_hi": hi})

    # ---- rural townships: which keep a middle-stage school ---------------------------------------------
    seat_of = {vtown[i]: i for i, k in enumerate(vkind) if k == "seat"}
    rural = land.townships[1:]
    d_centre, _ = _nearest(graph, np.array([land.seat_node[town]]))
    far_first = sorted(rural, key=lambda t: -d_centre[land.seat_node[t]])
    n_rmid = int(np.clip(round(settings.middle_share * len(rural)), 1 if rural else 0, len(rural)))
    n_nine = int(round(settings.nine_year_share * n_rmid)) if n_rmid >= 3 else 0
    with_middle = far_first[:n_rmid]
    nine = sorted(with_middle, key=lambda t: children[vtown == t].sum())[:n_nine]

    # ---- county town: its first primary and middle school (more are added once their catchments are known) -----
    comm = sorted((i for i, k in enumerate(vkind) if k == "community"), key=lambda i: -vil[i]["population"])
    add(comm[0], "primary", "town", "城关第一小学")
    add(([i for i in comm if i != comm[0]] or comm)[0], "middle", "town", "城关中学")

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
        nb = tree.sparse_distance_matrix(tree, COVER_METRES, output_type="coo_matrix")
        near = sp.csr_matrix((np.ones(nb.nnz), (nb.row, nb.col)), shape=(len(village_ix),) * 2)
        near = near + sp.identity(len(village_ix), format="csr")
        src = np.array([s["node"] for s in schools])
        dist, _ = _nearest(graph, src)
        d_vil = dist[vnode[village_ix]]
        cap = int(round(settings.village_schools * len(vil)))
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
            d_new = dijkstra(graph, directed=True, indices=int(vnode[host]), limit=COVER_METRES * 1.01)
            d_vil = np.minimum(d_vil, d_new[vnode[village_ix]])
            opened += 1

    # ---- more county-town schools: one per TOWN_SCHOOL_PUPILS × cap of the town's catchment --------------------
    # (the nearest school by road decides the catchment; the town's middle schools take the rural pupils who come to
    # town, ``town_pull``, too)
    lo = np.array([s["grade_lo"] for s in schools])
    hi = np.array([s["grade_hi"] for s in schools])
    town_ix = {st: next(i for i, s in enumerate(schools) if s["setting"] == "town" and s["kind"] == kind)
               for st, kind in (("primary", "primary"), ("middle", "middle"))}
    pupils = {}
    for stage, (g_lo, g_hi) in (("primary", (1, 6)), ("middle", (7, 9))):
        serving = np.flatnonzero((lo <= g_lo) & (hi >= g_hi))
        _, src_node = _nearest(graph, np.array([schools[i]["node"] for i in serving]))
        to_town = src_node[vnode] == schools[town_ix[stage]]["node"]
        kids = children[:, g_lo - 1:g_hi].sum(axis=1)
        pupils[stage] = kids[to_town].sum() + (settings.town_pull * kids[~to_town].sum() if stage == "middle" else 0)
    n_pri = int(np.clip(_n_town_schools(pupils["primary"], TOWN_SCHOOL_PUPILS["primary"] * std.max_students("primary")),
                        2, max(2, len(comm))))
    n_mid = int(np.clip(_n_town_schools(pupils["middle"], TOWN_SCHOOL_PUPILS["middle"] * std.max_students("middle")),
                        1, max(1, len(comm))))
    hosts = [comm[0]]                                # the largest community, then where most children are far
    d_town = dijkstra(graph, directed=True, indices=int(vnode[comm[0]]))
    while len(hosts) < n_pri:
        rest = [i for i in comm if i not in hosts]
        far_kids = np.array([children[i, :6].sum() if d_town[vnode[i]] > 1500 else 0 for i in rest])
        nxt = rest[int(np.argmax(far_kids))] if far_kids.size and far_kids.max() > 0 else rest[0]
        hosts.append(nxt)
        d_town = np.minimum(d_town, dijkstra(graph, directed=True, indices=int(vnode[nxt])))
    for k, h in enumerate(hosts[1:], start=2):
        add(h, "primary", "town", f"城关第{_ordinal(k)}小学")
    first_mid = schools[town_ix["middle"]]["host"]
    mid_hosts = [i for i in [i for i in comm if i not in hosts] + hosts if i != first_mid][:n_mid - 1]
    for k, h in enumerate(mid_hosts, start=2):
        add(h, "middle", "town", f"城关第{_ordinal(k)}中学")

    order = sorted(range(len(schools)), key=lambda i: (land.townships.index(schools[i]["township"]),
                                                       SETTING_ORDER[schools[i]["setting"]],
                                                       schools[i]["grade_lo"] > 6, i))
    return [schools[i] for i in order]


def mark_remote(land: Landscape, schools: list[dict]) -> np.ndarray:
    """Village schools a bureau marks remote (偏远): no other school teaching grade 1 within REMOTE_METRES by road.

    This is the bureau's own mark in the data (kept even when small, 应留必留), drawn from road distance alone;
    whether a school's pupils could reach another school within the travel rule is for the planner to find.
    """
    graph = road_graph(land)
    snode = np.array([s["node"] for s in schools])
    primary_stage = [i for i, s in enumerate(schools) if s["grade_lo"] == 1]
    out = np.zeros(len(schools), bool)
    for i in primary_stage:
        if schools[i]["setting"] != "village":
            continue
        d = dijkstra(graph, directed=True, indices=int(snode[i]), limit=REMOTE_METRES)
        others = [j for j in primary_stage if j != i]
        out[i] = bool(np.all(~np.isfinite(d[snode[others]]))) if others else True
    return out


def _town_classes(enrol: np.ndarray, lo: int, hi: int, size: float, size_range: tuple[float, float]) -> np.ndarray:
    """Classes per grade of a crowded county-town school: as many as the classrooms allow, so that the average
    class of every grade with pupils lies in ``size_range`` (大班额) where its pupils are enough to fill one."""
    c_lo, c_hi = size_range
    classes = np.zeros(9, int)
    for g in range(lo, hi + 1):
        e = int(enrol[g - 1])
        if e == 0:
            continue
        k = min(max(1, int(round(e / size))), max(1, math.floor(e / c_lo)))   # not below the range …
        k = max(k, math.ceil(e / c_hi))                                         # … and never above it
        classes[g - 1] = k
    return classes


def _staff(kind: str, setting: str, enrol: np.ndarray, n_classes: int, std: Standards,
           rng: np.random.Generator) -> int:
    """Teachers as the school is staffed today, against the staffing norm of the standards.

    The norm (``staffing`` in the standards): pupils ÷ pupils per post (primary and middle grades apart); a village
    small school or teaching point gets at least its classes × posts per class and the floor of posts. Today's
    staff: county-town schools short of the norm (8–20 %), township schools about at it, village schools at or
    above it (they are staffed for their classes).
    """
    per_post = std.get("staffing.pupils_per_post")
    total = int(enrol.sum())
    norm = enrol[:6].sum() / per_post["primary"] + enrol[6:].sum() / per_post["middle"]
    if kind in ("primary", "teaching_point") and total < std.small_school:
        norm = max(norm, n_classes * std.get("staffing.posts_per_class_small_school")[kind],
                   std.get("staffing.min_posts")[kind])
    factor = {"town": rng.uniform(0.80, 0.92), "central": rng.uniform(0.95, 1.10),
              "village": rng.uniform(1.0, 1.2)}[setting]
    return max(1, int(round(norm * factor)))


def equip_school(s: dict, enrol: np.ndarray, beds: int, boarders: int, std: Standards, rng: np.random.Generator,
                 settings: Settings) -> None:
    """Classes, seats, canteen, teachers and resources of one school from its pupils today (in place).

    Parameters
    ----------
    s : dict
        The school (``kind``, ``setting``, ``grade_lo``, ``grade_hi``); gains ``enrol``, ``classes``, ``seats``,
        ``beds``, ``boarders``, ``canteen`` and the resource columns.
    enrol : ndarray (9,)
        Pupils by grade (from the attendance).
    beds, boarders : int
    std : Standards
    rng : numpy.random.Generator
    settings : Settings
        ``town_class_size``.
    """
    kind, setting, lo, hi = s["kind"], s["setting"], s["grade_lo"], s["grade_hi"]
    total = int(enrol.sum())
    grades = np.arange(1, 10)
    # canteens: every school with beds, town and middle-stage schools, central primaries mostly; a few village
    # schools run one for the rural nutrition programme
    draw = rng.random()
    canteen = bool(beds > 0 or boarders > 0 or setting == "town" or kind in ("middle", "nine_year")
                   or (setting == "central" and draw > 0.12) or (setting == "village" and draw < 0.2))
    std_size = np.where(grades <= 6, std.standard_class_size("primary"), std.standard_class_size("middle"))
    if kind == "teaching_point":
        std_size = np.full(9, std.standard_class_size("teaching_point"))
    if setting == "town":      # too few classrooms: classes fill up to 大班额
        classes = _town_classes(enrol, lo, hi, rng.uniform(*settings.town_class_size), settings.town_class_size)
    else:
        classes = _classes(enrol, lo, hi, std_size.astype(float),
                           merge=total < 60 and kind in ("primary", "teaching_point"), bands=std.bands)
    n_classes = int(classes.sum())
    # seats: a town school's classrooms at the standard class size (fewer than its pupils); rural schools were
    # built for more pupils than they now have
    room_seats = int((classes * std_size).sum())
    if setting == "town":
        seats = room_seats
    elif kind == "teaching_point":
        seats = int(max(total, 30 * rng.integers(1, 3)))
    else:
        built = {"primary": 6, "middle": 9, "nine_year": 9}[kind] * (2 if setting == "central" else 1)
        seats = int(max(total, room_seats, built * (45 if kind == "primary" else 48)) * rng.uniform(1.0, 1.2))
    teachers = _staff(kind, setting, enrol, n_classes, std, rng)
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
        "enrol": enrol.astype(int), "classes": classes.astype(int), "seats": seats, "beds": int(beds),
        "boarders": int(boarders), "canteen": canteen,
        "teachers": float(teachers), "teachers_degree": float(degree), "teachers_key": float(key),
        "teachers_pe_art": float(pe_art), "teachers_senior": float(senior),
        "floor_teaching": round(float(floor_teaching), 1), "floor_sports": round(float(floor_sports), 1),
        "floor_dorm": round(float(floor_dorm), 1), "equipment_value": round(float(equipment), -2),
        "multimedia_rooms": float(multimedia), "computers": float(int(computers)), "books": float(int(books)),
    })
