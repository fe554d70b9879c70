"""Hand-built counties for the allocation and evaluation tests (positions in metres, UTM zone 48N).

``hand_county`` builds a County from short dicts; ``random_county`` a random one for property tests. Kept beside
the tests (not in the package) so the known answers in the tests can be read off the inputs.
"""

from __future__ import annotations

import functools

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from shapely.geometry import Point

from layout.county import RESOURCE_COLUMNS, County
from layout.errors import LayoutInputError
from layout.plan import AddBoarding, Close, Downgrade, Expand, Merge, Open, Plan
from layout.standards import load_standards

CRS_UTM = CRS.from_epsg(32648)
X0, Y0 = 500_000.0, 3_300_000.0   # about 105°E, 29.8°N


def hand_county(villages: list[dict], schools: list[dict], standards=None, name: str = "hand") -> County:
    """A County from dicts.

    villages: ``id, x, y`` (metres from an origin), ``g1_3, g4_6, g7_9``, optional ``township``, ``grade_1`` …
    schools: ``id, kind, x, y``, optional ``seats, beds, canteen, grades (lo, hi), enrol (by band dict),
    classes (by band dict)`` and resource columns.

    When no school gives ``enrol``, the rolls are made consistent with the villages: today's attendance is where
    the travel rule places every child (:func:`layout.allocate.place` on straight-line travel), and each school's
    enrolment, boarders and bus riders are what that attendance gives — so the known answers of a test can be
    read off the rule. When schools give ``enrol``, the rolls are as given and the attendance is inferred.
    """
    std = standards or load_standards()
    vrows = []
    for v in villages:
        row = {"village_id": v["id"], "name": v.get("name", f"村{v['id']}"), "township": v.get("township", "T1"),
               "population": 10 * sum(v.get(b, 0) for b in ("g1_3", "g4_6", "g7_9")),
               "g1_3": int(v.get("g1_3", 0)), "g4_6": int(v.get("g4_6", 0)), "g7_9": int(v.get("g7_9", 0))}
        row.update({k: val for k, val in v.items() if k.startswith(("grade_", "births_"))})
        vrows.append(row)
    vdf = pd.DataFrame(vrows).set_index("village_id")
    vg = gpd.GeoDataFrame(vdf, geometry=[Point(X0 + v["x"], Y0 + v["y"]) for v in villages], crs=CRS_UTM)
    srows = []
    for s in schools:
        lo, hi = s.get("grades", std.kind_grades(s["kind"]))
        enrol = {b: int(n) for b, n in s.get("enrol", {}).items()}
        classes = {b: int(n) for b, n in s.get("classes", {}).items()}
        row = {"school_id": s["id"], "name": s.get("name", f"校{s['id']}"), "kind": s["kind"],
               "township": s.get("township", "T1"), "grade_lo": lo, "grade_hi": hi}
        for g in range(1, 10):
            band = "g1_3" if g <= 3 else "g4_6" if g <= 6 else "g7_9"
            n = enrol.get(band, 0)
            row[f"enrol_{g}"] = n // 3 + (1 if (g - 1) % 3 < n % 3 else 0) if lo <= g <= hi else 0
            row[f"classes_{g}"] = classes.get(band, 3) // 3 if lo <= g <= hi else 0
        row["enrolment"] = sum(row[f"enrol_{g}"] for g in range(1, 10))
        row["classes"] = sum(row[f"classes_{g}"] for g in range(1, 10))
        row["seats"] = int(s.get("seats", 45 * row["classes"]))
        row["beds"] = int(s.get("beds", 0))
        row["boarders"] = 0
        row["canteen"] = bool(s.get("canteen", row["beds"] > 0))
        row["remote"] = False
        for c in RESOURCE_COLUMNS:
            row[c] = float(s.get(c, np.nan))
        srows.append(row)
    sdf = pd.DataFrame(srows).set_index("school_id")
    sg = gpd.GeoDataFrame(sdf, geometry=[Point(X0 + s["x"], Y0 + s["y"]) for s in schools], crs=CRS_UTM)
    county = County(name=name, villages=vg, schools=sg, roads=None, crs=CRS_UTM, standards=std)
    if any("enrol" in s for s in schools):
        return county
    return rolls_from_rules(county)


def rolls_from_rules(county: County) -> County:
    """The county with rolls and attendance where the travel rule places every child today."""
    from layout.allocate import place
    from layout.network import travel

    tr = {m: travel(county, m) for m in ("walk", "bus")}
    kids = county.children().stack()
    groups = pd.DataFrame({"village_id": kids.index.get_level_values(0), "band": kids.index.get_level_values(1),
                           "children": kids.to_numpy()})
    a = place(county, Plan.status_quo(county), tr, groups[groups["children"] > 0]).assignments
    att = pd.DataFrame({"village_id": a["village_id"], "school_id": a["school_id"], "grade": 0, "band": a["band"],
                        "mode": a["mode"], "children": a["children"]})
    s = county.schools.copy()
    std = county.standards
    for b, (lo, hi) in std.bands.items():
        n = att[att["band"] == b].groupby("school_id")["children"].sum().reindex(s.index, fill_value=0)
        grades = hi - lo + 1
        for k, g in enumerate(range(lo, hi + 1)):
            s[f"enrol_{g}"] = np.where((s["grade_lo"] <= g) & (s["grade_hi"] >= g),
                                       n // grades + (k < n % grades), 0).astype(int)
    s["enrolment"] = sum(s[f"enrol_{g}"] for g in range(1, 10))
    for col, mode in (("boarders", "board"), ("bus_riders", "bus")):
        s[col] = att[att["mode"] == mode].groupby("school_id")["children"].sum().reindex(s.index, fill_value=0)
    return county.with_changes(schools=s, attendance=att)


def random_county(seed: int, n_villages: int = 12, n_schools: int = 5, size_m: float = 8000.0) -> County:
    """A random county: villages and schools scattered over a square, random children, seats, beds, resources."""
    rng = np.random.default_rng(seed)
    villages = [{"id": f"V{i}", "x": float(rng.uniform(0, size_m)), "y": float(rng.uniform(0, size_m)),
                 "g1_3": int(rng.integers(0, 60)), "g4_6": int(rng.integers(0, 60)), "g7_9": int(rng.integers(0, 60)),
                 "township": f"T{i % 2}"} for i in range(n_villages)]
    kinds = ["primary", "middle", "nine_year", "teaching_point"]
    schools = []
    for j in range(n_schools):
        kind = kinds[j % 4] if j < 4 else str(rng.choice(kinds))
        beds = int(rng.choice([0, 0, 40, 150]))
        schools.append({
            "id": f"S{j}", "kind": kind, "x": float(rng.uniform(0, size_m)), "y": float(rng.uniform(0, size_m)),
            "seats": int(rng.integers(20, 400)), "beds": beds, "canteen": bool(beds > 0 or rng.random() < 0.3),
            "enrol": {"g1_3": int(rng.integers(0, 80)), "g4_6": int(rng.integers(0, 80)),
                      "g7_9": int(rng.integers(0, 80))},
            "teachers": float(rng.integers(5, 40)), "teachers_degree": float(rng.integers(1, 5)),
            "teachers_key": float(rng.integers(0, 3)), "teachers_pe_art": float(rng.integers(0, 3)),
            "teachers_senior": float(rng.integers(0, 5)), "floor_teaching": float(rng.uniform(200, 3000)),
            "floor_sports": float(rng.uniform(300, 5000)), "floor_dorm": 0.0,
            "equipment_value": float(rng.uniform(5e4, 8e5)), "multimedia_rooms": float(rng.integers(0, 10)),
            "computers": float(rng.integers(0, 80)), "books": float(rng.integers(500, 20000))})
    return hand_county(villages, schools, name=f"random{seed}")


def random_plan(county, rng: np.random.Generator) -> Plan:
    """Apply random actions, keeping only the valid ones (invalid ones raise and are skipped)."""
    plan = Plan.status_quo(county)
    ids = list(county.schools.index)
    lonlat = county.villages.to_crs(4326).geometry
    for k in range(int(rng.integers(0, 6))):
        choice = int(rng.integers(0, 6))
        s, t = str(rng.choice(ids)), str(rng.choice(ids))
        if choice == 0:
            action = Close(s)
        elif choice == 1:
            action = Merge(s, t)
        elif choice == 2:
            action = Downgrade(s, "1-3")
        elif choice == 3:
            action = AddBoarding(s, int(rng.integers(1, 100)))
        elif choice == 4:
            action = Expand(s, int(rng.integers(1, 200)))
        else:
            p = lonlat.iloc[int(rng.integers(0, len(lonlat)))]
            action = Open(f"NEW{k}", "新校", str(rng.choice(["primary", "middle", "nine_year"])), p.x, p.y,
                          int(rng.integers(0, 300)), int(rng.integers(0, 50)))
        try:
            plan = plan.apply(action)
        except LayoutInputError:
            continue
    return plan


@functools.lru_cache(maxsize=16)
def county_for(seed: int):
    """A generated county (``layout.datasets.make_county``; hand-built random until it exists), cached by seed:
    counties are plain values and generation takes most of a property test's time."""
    try:
        from layout.datasets import make_county
    except ImportError:
        return random_county(seed, n_villages=14, n_schools=6)
    return make_county(n_villages=25, seed=seed)
