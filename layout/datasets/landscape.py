"""The physical side of a synthetic mountain county: valleys, roads, villages and township boundaries.

Everything is laid out in a local metric frame (metres east/north of the county's centre):

* a **main valley** crossing the county, carrying the national road and the county town;
* **tributary valleys** branching off it, each leading to a township seat (provincial or county road up to the
  seat, township road beyond it);
* **side valleys** every 1–3 km along those trunks, with township or village roads up to their last village;
* villages strung along all of these, a few **remote hamlets** above the end of a side-valley road that are
  reached only by footpath, and **footpaths** over the ridges between neighbouring side valleys;
* township boundaries as the Voronoi partition of each township's valleys, clipped to the county outline.

The road network is one connected network: every line starts on a vertex of a line drawn before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from layout.datasets.names import community_names, township_names, village_names

__all__ = ["Landscape", "build_landscape"]

STEP = 250.0                 # metres between valley vertices
_STREETS = ["人民路", "建设路", "文化路", "滨河路", "新华路", "解放路", "环城路", "朝阳路", "民主路", "和平路"]


@dataclass
class Landscape:
    """Nodes, road lines, villages and township seats of a synthetic county (local metres).

    Attributes
    ----------
    xy : ndarray (n_nodes, 2)
        Node coordinates; road lines and villages refer to nodes by number.
    node_township : list of str
        Township each node lies in (used for the boundaries).
    lines : list of dict
        Road lines: ``nodes`` (list of node numbers), ``road_class``, ``name``, ``road_id``, ``speed_kmh``.
    villages : list of dict
        ``name``, ``township``, ``kind`` (``community``, ``seat``, ``village``, ``remote``), ``node`` (the village's
        own node), ``attach`` (the road node it hangs from), ``population``.
    townships : list of str
        Township names; the first is the county town's township 城关镇.
    seat_node : dict
        Township → road node of its seat (the county town centre for 城关镇).
    links : list of tuple
        Extra (node, node, metres) walking links from a village off the road to its road node.
    """

    xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    node_township: list[str] = field(default_factory=list)
    lines: list[dict] = field(default_factory=list)
    villages: list[dict] = field(default_factory=list)
    townships: list[str] = field(default_factory=list)
    seat_node: dict[str, int] = field(default_factory=dict)
    links: list[tuple[int, int, float]] = field(default_factory=list)


class _Nodes:
    def __init__(self) -> None:
        self.xy: list[np.ndarray] = []
        self.town: list[str] = []
        self.n = 0

    def add(self, pts: np.ndarray, township: str | list[str]) -> list[int]:
        pts = np.atleast_2d(np.asarray(pts, dtype=float))
        ids = list(range(self.n, self.n + len(pts)))
        self.xy.append(pts)
        self.town.extend([township] * len(pts) if isinstance(township, str) else list(township))
        self.n += len(pts)
        return ids

    def array(self) -> np.ndarray:
        return np.vstack(self.xy) if self.xy else np.zeros((0, 2))


def _meander(rng: np.random.Generator, start: np.ndarray, heading: float, length: float,
             wiggle: float = 0.10) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of a valley floor every STEP metres (excluding ``start``) and the heading at each."""
    n = max(2, int(round(length / STEP)))
    dev = np.zeros(n)
    noise = rng.normal(0.0, wiggle, n)
    for k in range(1, n):              # mean-reverting bends: the valley keeps its general direction
        dev[k] = 0.85 * dev[k - 1] + noise[k]
    h = heading + dev
    pts = start + np.cumsum(STEP * np.column_stack([np.cos(h), np.sin(h)]), axis=0)
    return pts, h


def _spaced(rng: np.random.Generator, n_vertices: int, gap: tuple[float, float], avoid: list[int],
            clearance: int) -> list[int]:
    """Vertex indices along a line at random gaps (in vertices), keeping ``clearance`` from ``avoid``."""
    out, k = [], int(rng.integers(2, 6))
    while k < n_vertices - 2:
        if all(abs(k - a) > clearance for a in avoid):
            out.append(k)
        k += int(rng.uniform(*gap))
    return out


def build_landscape(rng: np.random.Generator, n_villages: int, n_townships: int,
                    town_size: float = 1.0) -> Landscape:
    """Lay out valleys, roads, villages and townships for a county of ``n_villages`` villages.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_villages : int
        Villages in all, county-town communities and township seats included.
    n_townships : int
        Townships in all, the county town's 城关镇 included.
    town_size : float
        Scale of the county-town communities' population (1.0: about 7,000 each).

    Returns
    -------
    Landscape
    """
    scale = np.sqrt(n_villages / 200.0)
    names = township_names(n_townships - 1, rng)
    town = names[0]
    nodes = _Nodes()
    lines: list[dict] = []
    villages: list[dict] = []
    links: list[tuple[int, int, float]] = []
    seat_node: dict[str, int] = {}

    # ---- main valley and the townships along it -------------------------------------------------------
    n_rural = n_townships - 1
    n_trib = int(round(n_rural * 0.55)) if n_rural > 1 else 0
    n_main = n_rural - n_trib
    length = 56000.0 * scale
    main_xy, main_h = _meander(rng, np.array([-length / 2, rng.uniform(-4000, 4000)]),
                               rng.uniform(-0.25, 0.25), length, wiggle=0.08)
    m = len(main_xy)
    k_slots = n_main + 1
    frac = (np.arange(k_slots) + 0.5 + rng.uniform(-0.15, 0.15, k_slots)) / k_slots
    town_slot = int(np.argmin(np.abs(frac - 0.45)))
    frac[town_slot] = 0.45
    slot_idx = np.clip((frac * (m - 1)).astype(int), 1, m - 2)
    main_seat_names = [town] + names[1 + n_trib:]
    order = [town_slot] + [i for i in range(k_slots) if i != town_slot]
    main_seats = {main_seat_names[j]: int(slot_idx[order[j]]) for j in range(k_slots)}
    seat_pos = np.array(list(main_seats.values()))
    seat_names = list(main_seats.keys())
    main_owner = [seat_names[int(np.argmin(np.abs(seat_pos - k)))] for k in range(m)]
    main_nodes = nodes.add(main_xy, main_owner)
    centre = main_nodes[main_seats[town]]
    for t, k in main_seats.items():
        seat_node[t] = main_nodes[k]

    trunks = [{"nodes": main_nodes, "xy": main_xy, "h": main_h, "owner": main_owner, "kind": "main"}]

    # ---- tributaries to the other township seats ------------------------------------------------------
    cands = [k for k in rng.permutation(np.arange(8, m - 8)) if np.all(np.abs(seat_pos - k) > 10)]
    junctions: list[int] = []
    for k in cands:
        if len(junctions) == n_trib:
            break
        if all(abs(k - j) > 12 for j in junctions):
            junctions.append(int(k))
    while len(junctions) < n_trib:          # very small counties: allow tighter spacing
        junctions.append(int(rng.integers(2, m - 2)))
    side = 1.0
    trib_lengths = rng.uniform(12000, 22000, n_trib) * np.sqrt(scale)
    if n_trib:
        trib_lengths[0] = trib_lengths.max() * 1.15       # the provincial road's valley is the longest
    for i, (j, tname) in enumerate(zip(junctions, names[1:1 + n_trib], strict=True)):
        heading = main_h[j] + side * rng.uniform(1.0, 1.5)
        side = -side
        xy, h = _meander(rng, main_xy[j], heading, trib_lengths[i])
        n = len(xy)
        cut = int(0.35 * n)
        owner = [main_owner[j]] * cut + [tname] * (n - cut)
        ids = [main_nodes[j], *nodes.add(xy, owner)]
        seat_k = int(rng.uniform(0.6, 0.8) * n)
        seat_node[tname] = ids[seat_k]
        trunks.append({"nodes": ids, "xy": np.vstack([main_xy[j], xy]), "h": np.concatenate([[h[0]], h]),
                       "owner": [main_owner[j], *owner], "kind": "trib", "seat_k": seat_k, "index": i})

    # ---- side valleys along every trunk ---------------------------------------------------------------
    centre_xy = main_xy[main_seats[town]]
    sides: list[dict] = []
    for ti, tr in enumerate(trunks):
        avoid = [0] + ([j for j in junctions] if tr["kind"] == "main" else [tr["seat_k"]])
        for k in _spaced(rng, len(tr["nodes"]), (5, 12), avoid, clearance=3):
            if np.hypot(*(tr["xy"][k] - centre_xy)) < 2500:
                continue
            s = 1.0 if rng.random() < 0.5 else -1.0
            xy, h = _meander(rng, tr["xy"][k], tr["h"][k] + s * rng.uniform(1.2, 1.9), rng.uniform(2000, 7000))
            owner = tr["owner"][k]
            sides.append({"nodes": [tr["nodes"][k], *nodes.add(xy, owner)], "xy": np.vstack([tr["xy"][k], xy]),
                          "owner": owner, "used": 0, "n_villages": 0, "trunk": ti, "k": k})

    # ---- villages ---------------------------------------------------------------------------------------
    n_comm = int(np.clip(round(8 * scale), 3, 60))
    n_seats = n_rural
    far = sorted(range(len(sides)), key=lambda i: -np.hypot(*(sides[i]["xy"][-1] - centre_xy)))
    remote_sides = far[:max(1, int(round(0.015 * n_villages)))]
    n_remote = len(remote_sides)
    n_plain = n_villages - n_comm - n_seats - n_remote
    if n_plain < 0:
        raise ValueError(f"{n_villages} villages are too few for {n_townships} townships")
    taken: set[str] = set()

    # county-town communities on cross streets off the national road
    streets = []
    n_streets = int(np.clip(round(n_comm / 2), 2, len(_STREETS)))
    kc = main_seats[town]
    offsets = np.linspace(-4, 4, n_streets).astype(int)
    for i, off in enumerate(offsets):
        k = int(np.clip(kc + off, 1, m - 2))
        s = 1.0 if i % 2 == 0 else -1.0
        xy, _ = _meander(rng, main_xy[k], main_h[k] + s * np.pi / 2, rng.uniform(500, 1000), wiggle=0.03)
        ids = [main_nodes[k], *nodes.add(xy, town)]
        lines.append({"nodes": ids, "road_class": "county", "name": _STREETS[i], "road_id": f"JD{i + 1:02d}",
                      "speed_kmh": 30.0})
        streets.append(ids)
    spots = [(si, k) for si, ids in enumerate(streets) for k in range(1, len(ids))]
    pick = rng.choice(len(spots), size=n_comm, replace=len(spots) < n_comm)
    xy_all = nodes.array()
    for name, p in zip(community_names(n_comm), pick, strict=True):
        si, k = spots[int(p)]
        attach = streets[si][k]
        pt = xy_all[attach] + rng.normal(0, 60, 2)
        vid = nodes.add(pt, town)[0]
        links.append((attach, vid, float(np.hypot(*(pt - xy_all[attach])))))
        villages.append({"name": name, "township": town, "kind": "community", "node": vid, "attach": attach,
                         "population": int(rng.lognormal(np.log(7000 * town_size), 0.35))})
        taken.add(name)

    # township seats (集镇), one village each
    xy_all = nodes.array()
    for t in names[1:]:
        attach = seat_node[t]
        pt = xy_all[attach] + rng.normal(0, 80, 2)
        vid = nodes.add(pt, t)[0]
        links.append((attach, vid, float(np.hypot(*(pt - xy_all[attach])))))
        name = t[:-1] + "街道社区"
        villages.append({"name": name, "township": t, "kind": "seat", "node": vid, "attach": attach,
                         "population": int(rng.lognormal(np.log(2600), 0.3))})
        taken.add(name)

    # ordinary villages: on trunk and side-valley vertices away from the town and the seats
    slots: list[tuple[int, int]] = []       # (line number, vertex index); line -1.. are trunks
    weights: list[float] = []
    seat_xy = xy_all[[seat_node[t] for t in names]]
    for ti, tr in enumerate(trunks):
        for k in range(1, len(tr["nodes"])):
            d = np.hypot(*(seat_xy - tr["xy"][k]).T)
            if d[0] > 2500 and d.min() > 600:
                slots.append((-1 - ti, k))
                weights.append(1.0)
    for si, sv in enumerate(sides):
        for k in range(1, len(sv["nodes"])):
            slots.append((si, k))
            weights.append(1.5 / (1.0 + 0.08 * k))      # side valleys fill from the bottom up
    w = np.asarray(weights) / np.sum(weights)
    if len(slots) < n_plain:
        raise ValueError(f"{n_villages} villages do not fit the valleys of {n_townships} townships")
    chosen = rng.choice(len(slots), size=n_plain, replace=False, p=w)
    plain_names = village_names(n_plain + n_remote, rng, taken)
    xy_all = nodes.array()
    for name, c in zip(plain_names[:n_plain], chosen, strict=True):
        li, k = slots[int(c)]
        if li >= 0:
            sv = sides[li]
            sv["used"] = max(sv["used"], k)
            sv["n_villages"] += 1
            attach, t = sv["nodes"][k], sv["owner"]
        else:
            tr = trunks[-1 - li]
            attach, t = tr["nodes"][k], tr["owner"][k]
            if tr["kind"] == "trib":
                tr["used"] = max(tr.get("used", 0), k)
        ang = rng.uniform(0, 2 * np.pi)
        dist = rng.uniform(60, 450)
        pt = xy_all[attach] + dist * np.array([np.cos(ang), np.sin(ang)])
        vid = nodes.add(pt, t)[0]
        if dist > 150:     # a village road up to the village; nearer ones sit by the road
            lines.append({"nodes": [attach, vid], "road_class": "village", "name": name.replace("村", "") + "村道",
                          "road_id": "", "speed_kmh": np.nan})
        links.append((attach, vid, dist))
        villages.append({"name": name, "township": t, "kind": "village", "node": vid, "attach": attach,
                         "population": int(np.clip(rng.lognormal(np.log(1000), 0.45), 200, 3500))})

    # remote hamlets above the end of a side-valley road, reached by footpath only
    for name, si in zip(plain_names[n_plain:], remote_sides, strict=True):
        sv = sides[si]
        head = sv["xy"][-1]
        ext, _ = _meander(rng, head, float(np.arctan2(*(head - sv["xy"][-2])[::-1])), rng.uniform(800, 2000))
        ext_ids = nodes.add(ext, sv["owner"])
        path = sv["nodes"][sv["used"]:] + ext_ids
        lines.append({"nodes": path, "road_class": "footpath", "name": name.replace("村", "") + "小路",
                      "road_id": "", "speed_kmh": np.nan})
        vid = path[-1]
        villages.append({"name": name, "township": sv["owner"], "kind": "remote", "node": vid, "attach": vid,
                         "population": int(rng.uniform(120, 400))})
        sv["remote"] = True

    # ---- road lines along trunks and side valleys -----------------------------------------------------
    for sv in sides:       # a tributary road runs at least up to every side valley in use
        if sv["used"] >= 1 or sv.get("remote"):
            tr = trunks[sv["trunk"]]
            tr["used"] = max(tr.get("used", 0), sv["k"])
    # national road split where it passes from one township to the next (lines share the boundary vertex)
    start = 0
    piece = 0
    for k in range(1, m):
        if k == m - 1 or main_owner[k] != main_owner[start]:
            piece += 1
            through_town = main_owner[start] == town
            lines.append({"nodes": main_nodes[start:k + 1], "road_class": "national", "name": "国道G5S9（沿河线）",
                          "road_id": f"G5S9-{piece}", "speed_kmh": 40.0 if through_town else np.nan})
            start = k
    for tr in trunks[1:]:
        i, sk = tr["index"], tr["seat_k"]
        cls, rid = ("provincial", "S210") if i == 0 else ("county", f"X{i + 1:03d}")
        lines.append({"nodes": tr["nodes"][:sk + 1], "road_class": cls,
                      "name": ("省道S210" if i == 0 else f"县道X{i + 1:03d}"), "road_id": rid, "speed_kmh": np.nan})
        top = max(tr.get("used", 0), sk)
        if top > sk:
            lines.append({"nodes": tr["nodes"][sk:top + 1], "road_class": "township", "name": f"乡道Y{i + 1:02d}1",
                          "road_id": f"Y{i + 1:02d}1", "speed_kmh": np.nan})
    for si, sv in enumerate(sides):
        if sv["used"] >= 1:
            cls = "township" if sv["n_villages"] >= 3 else "village"
            lines.append({"nodes": sv["nodes"][:sv["used"] + 1], "road_class": cls,
                          "name": ("乡道" if cls == "township" else "村道") + f"Y{si + 101:03d}",
                          "road_id": f"Y{si + 101:03d}", "speed_kmh": np.nan})

    # footpaths over the ridges between the road heads of neighbouring side valleys
    xy_all = nodes.array()
    heads = [(si, sv["nodes"][sv["used"]]) for si, sv in enumerate(sides) if sv["used"] >= 2]
    used_heads: set[int] = set()
    n_paths = max(1, len(heads) // 5)
    pairs = []
    for a in range(len(heads)):
        for b in range(a + 1, len(heads)):
            d = float(np.hypot(*(xy_all[heads[a][1]] - xy_all[heads[b][1]])))
            if 1200 < d < 4500:
                pairs.append((d, a, b))
    pairs.sort()
    n_done = 0
    for d, a, b in pairs:
        if n_done == n_paths:
            break
        if a in used_heads or b in used_heads:
            continue
        p, q = xy_all[heads[a][1]], xy_all[heads[b][1]]
        normal = np.array([-(q - p)[1], (q - p)[0]]) / d
        mids = [p + (q - p) * f + normal * rng.normal(0, 0.12 * d) * np.sin(np.pi * f) for f in (0.33, 0.67)]
        owners = [sides[heads[a][0]]["owner"], sides[heads[b][0]]["owner"]]
        mid_ids = nodes.add(np.array(mids), owners)
        lines.append({"nodes": [heads[a][1], *mid_ids, heads[b][1]], "road_class": "footpath",
                      "name": "翻山小路", "road_id": "", "speed_kmh": np.nan})
        used_heads.update((a, b))
        n_done += 1

    return Landscape(xy=nodes.array(), node_township=nodes.town, lines=lines, villages=villages,
                     townships=names, seat_node=seat_node | {town: centre}, links=links)


def township_polygons(xy: np.ndarray, labels: list[str], townships: list[str],
                      outline_buffer: float = 2500.0) -> tuple[list[shapely.Geometry], shapely.Geometry]:
    """Township boundaries: Voronoi cells of labelled points dissolved per township, clipped to the county.

    Every labelled point lies inside its own township's polygon.

    Returns
    -------
    polygons : list of shapely geometry
        One per township, in the order of ``townships``.
    outline : shapely Polygon
        The county outline.
    """
    pts = shapely.points(xy)
    # closing (grow, then shrink) smooths the outline into ridgelines instead of a chain of circles
    outline = shapely.union_all(shapely.buffer(pts, outline_buffer + 1500.0, quad_segs=4)).buffer(-1500.0)
    if outline.geom_type == "MultiPolygon":
        outline = max(outline.geoms, key=lambda g: g.area)
    outline = shapely.Polygon(outline.exterior).simplify(150.0)
    keys = np.round(xy, 1)
    _, first = np.unique(keys, axis=0, return_index=True)
    first = np.sort(first)
    cells = shapely.voronoi_polygons(shapely.multipoints(xy[first]), extend_to=outline, ordered=True)
    cells = np.asarray(shapely.get_parts(cells))
    lab = np.asarray(labels, dtype=object)[first]
    polys = []
    for t in townships:
        mine = cells[lab == t]
        merged = shapely.coverage_union_all(mine)      # Voronoi cells tile the plane: a coverage union is exact
        if not merged.is_valid or abs(merged.area - shapely.area(mine).sum()) > 1e-6 * merged.area:
            merged = shapely.union_all(mine)
        poly = shapely.intersection(merged, outline)
        polys.append(shapely.make_valid(poly))
    return polys, outline
