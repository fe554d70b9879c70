"""The synthetic county generator: determinism, realistic sizes, structural invariants, today's attendance adding
up to the rolls, the bundled sample and the flagship parameter set."""

from __future__ import annotations

import inspect

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import layout
from layout.county import (
    ATTENDANCE_COLUMNS,
    CLASS_COLUMNS,
    ENROL_COLUMNS,
    NO_HOME,
    RESOURCE_COLUMNS,
    TRAVEL_MODES,
)
from layout.datasets import FLAGSHIP_PARAMETERS, SAMPLE_PARAMETERS, Settings, make_county, sample_county
from layout.datasets.__main__ import main as datasets_main
from layout.datasets.describe import describe, describe_markdown, findings, town_schools
from layout.datasets.pupils import RULE_MARGIN_MINUTES
from layout.datasets.schooling import _classes, _town_classes
from layout.schema import GRADES, KINDS
from layout.standards import load_standards

from .conftest import REPO, SAMPLE

STD = load_standards()


@pytest.fixture(scope="module")
def sample():
    return sample_county()


def frames(c):
    return {"villages": c.villages, "schools": c.schools, "roads": c.roads, "townships": c.townships,
            "candidates": c.candidates}


def assert_same_county(a, b):
    for layer, x in frames(a).items():
        y = frames(b)[layer]
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")),
                                      pd.DataFrame(y.drop(columns="geometry")))
        assert x.geometry.geom_equals_exact(y.geometry, tolerance=0.0).all(), layer
    pd.testing.assert_frame_equal(a.attendance, b.attendance)


def road_components(roads) -> int:
    """Connected pieces of a road layer, lines joining where they share a vertex (as layout.network does)."""
    g = nx.Graph()
    for geom in roads.geometry:
        xy = [tuple(np.round(p, 3)) for p in shapely.get_coordinates(geom)]
        g.add_nodes_from(xy)
        g.add_edges_from(zip(xy[:-1], xy[1:], strict=True))
    return nx.number_connected_components(g)


def by_grade(rows: pd.DataFrame, key: str, index: pd.Index) -> np.ndarray:
    """Pupils of attendance rows summed by ``key`` (village or school) and grade, as an array over ``index``."""
    t = rows.groupby([key, "grade"])["children"].sum().unstack(fill_value=0)
    return t.reindex(index=index, columns=list(GRADES), fill_value=0).to_numpy()


def check_invariants(c, cfg: Settings | None = None) -> None:
    """Everything a generated county guarantees, whatever its size and seed."""
    cfg = cfg or Settings()
    v, s = c.villages, c.schools
    assert v.index.is_unique and s.index.is_unique
    assert v.index.name == "village_id" and s.index.name == "school_id"
    assert c.crs.is_projected and c.crs.to_epsg() in range(32601, 32661)
    assert c.source_crs == "EPSG:4490"
    # children: bands are sums of single grades, counts whole and non-negative
    grades = v[[f"grade_{g}" for g in GRADES]].to_numpy()
    assert (grades >= 0).all() and np.issubdtype(grades.dtype, np.integer)
    for b, (lo, hi) in STD.bands.items():
        assert (v[b] == v[[f"grade_{g}" for g in range(lo, hi + 1)]].sum(axis=1)).all()
    births = sorted(col for col in v if col.startswith("births_"))
    assert len(births) >= 1 and (v[births].to_numpy() >= 0).all()
    # schools: kinds, grades, enrolment and classes by grade
    assert set(s["kind"]) <= set(KINDS)
    for kind, (lo, hi) in ((k, STD.kind_grades(k)) for k in KINDS):
        sub = s[s["kind"] == kind]
        assert ((sub["grade_lo"] == lo) & (sub["grade_hi"] == hi)).all(), kind
    enrol, classes = s[list(ENROL_COLUMNS)].to_numpy(), s[list(CLASS_COLUMNS)].to_numpy()
    served = np.array([[lo <= g <= hi for g in GRADES] for lo, hi in zip(s["grade_lo"], s["grade_hi"], strict=True)])
    assert (enrol[~served] == 0).all() and (classes[~served] == 0).all()
    assert (s["enrolment"] == enrol.sum(axis=1)).all() and (s["classes"] == classes.sum(axis=1)).all()
    for lo, hi in STD.bands.values():            # every band with pupils has a class
        band = slice(lo - 1, hi)
        assert ((enrol[:, band].sum(axis=1) == 0) | (classes[:, band].sum(axis=1) > 0)).all()
    assert (classes <= np.maximum(enrol, 0)).all()
    # today's attendance: one row per village, school, grade, band and mode, in the reader's order
    a = c.attendance
    assert list(a.columns) == list(ATTENDANCE_COLUMNS) and isinstance(a.index, pd.RangeIndex)
    assert not a.duplicated(["village_id", "school_id", "grade", "band", "mode"]).any()
    assert a.equals(a.sort_values(["village_id", "school_id", "grade", "band", "mode"], ignore_index=True))
    assert (a["children"] > 0).all() and a["children"].dtype == np.int64 and a["grade"].dtype == np.int64
    assert set(a["mode"]) <= set(TRAVEL_MODES) and a["grade"].between(1, 9).all()
    assert (a["band"] == a["grade"].map(STD.band_of_grade)).all()
    assert set(a["village_id"]) <= set(v.index) | {NO_HOME} and set(a["school_id"]) <= set(s.index)
    # … every school's roll, boarders and bus riders are its attendance rows, exactly
    np.testing.assert_array_equal(by_grade(a, "school_id", s.index), enrol)
    for col, mode in (("boarders", "board"), ("bus_riders", "bus")):
        got = a[a["mode"] == mode].groupby("school_id")["children"].sum().reindex(s.index, fill_value=0)
        np.testing.assert_array_equal(got.to_numpy(), s[col].to_numpy(), err_msg=col)
    # … every village's children are on exactly one roll, grade by grade
    homes = a[a["village_id"] != NO_HOME]
    np.testing.assert_array_equal(by_grade(homes, "village_id", v.index), grades)
    # … and the only pupils without a home village are the stated few, at county-town schools, living in town
    away = a[a["village_id"] == NO_HOME]
    assert away["school_id"].isin(s.index[town_schools(c)]).all() and (away["mode"] == "walk").all()
    assert int(away["children"].sum()) == (cfg.out_of_county if enrol[town_schools(c).to_numpy()].sum() else 0)
    # … by modes the band may use
    for band in STD.bands:
        rule = STD.travel_rule(band)
        modes = set(a.loc[a["band"] == band, "mode"])
        assert rule.may_bus or "bus" not in modes, band
        assert rule.may_board or "board" not in modes, band
    # places, boarding, buses
    assert (s["seats"] > 0).all() and (s["beds"] >= 0).all()
    assert ((s["boarders"] == 0) | (s["beds"] > 0)).all() and (s.loc[s["boarders"] > 0, "canteen"]).all()
    assert (s["boarders"] > s["beds"]).sum() <= cfg.bed_shortfalls
    assert (s.loc[s["kind"] == "teaching_point", ["beds", "boarders"]] == 0).all().all()
    for part in ("teachers_degree", "teachers_key", "teachers_pe_art", "teachers_senior"):
        assert (s[part] <= s["teachers"]).all()
    assert (s["teachers"] >= 1).all()
    assert s[list(RESOURCE_COLUMNS)].notna().all().all() and (s[list(RESOURCE_COLUMNS)] >= 0).all().all()
    # candidate sites: a county-town middle-school parcel with several sizes, and township sites
    cand = c.candidates
    assert cand.index.name == "candidate_id" and cand.index.is_unique and len(cand) >= 2
    town_name = c.townships["township"].iloc[0]
    parcel = cand[(cand["township"] == town_name) & (cand["kind"] == "middle")]
    assert len(parcel) == 1 and len(parcel["seat_options"].iloc[0]) >= 3
    assert all(list(o) == sorted(o) and all(isinstance(x, int) and x > 0 for x in o) for o in cand["seat_options"])
    assert (cand["township"] != town_name).any() and set(cand["kind"]) <= set(KINDS)
    # townships: every village, school and candidate site lies in the polygon of its own township
    poly = c.townships.set_index("township").geometry
    assert set(v["township"]) <= set(poly.index) and set(s["township"]) <= set(poly.index)
    for pts in (v, s, cand):
        assert poly.loc[pts["township"]].contains(pts.geometry.set_axis(pts["township"]), align=False).all()
    assert not shapely.union_all(poly.to_numpy()).is_empty
    assert (poly.area > 0).all()
    # roads: canonical classes, one connected network
    assert set(c.roads["road_class"]) <= set(STD.get("road_classes.canonical"))
    assert road_components(c.roads) == 1


def check_trips(c) -> None:
    """Who goes where follows the travel times of ``layout.network`` (those the evaluation uses):

    * every pupil with a home village attends the nearest school teaching the grade by walking time, except the
      stated exceptions: county-town schools (zoned 划片, and 进城 boarders), boarders, and grades 4-6 at a boarding
      centre school (which they may reach by its bus);
    * every bus trip is within the band's bus limit (by the generator's margin), so today's buses keep the rule;
    * a long walk (beyond the walking limit) happens only where the school runs no bus that could carry the pupil.
    """
    walk = layout.travel(c, "walk").minutes
    bus = layout.travel(c, "bus").minutes
    s, a = c.schools, c.attendance
    homes = a[a["village_id"] != NO_HOME].reset_index(drop=True)
    ri, ci = walk.index.get_indexer(homes["village_id"]), walk.columns.get_indexer(homes["school_id"])
    w, b = walk.to_numpy()[ri, ci], bus.to_numpy()[ri, ci]
    assert np.isfinite(w).all()
    nearest = pd.Series(index=homes.index, dtype=object)
    for band, (lo, hi) in STD.bands.items():
        serving = s.index[(s["grade_lo"] <= lo) & (s["grade_hi"] >= hi)]
        near = walk[serving].idxmin(axis=1)
        rows = homes["band"] == band
        nearest[rows] = near.loc[homes.loc[rows, "village_id"]].to_numpy()
    town = set(s.index[town_schools(c)])
    centre = homes["school_id"].map(s["beds"] > 0) & (homes["band"] == "g4_6")
    other = (homes["school_id"] != nearest) & ~homes["school_id"].isin(town) & (homes["mode"] != "board") & ~centre
    assert not other.any(), homes[other].head()
    limit = homes["band"].map(lambda x: STD.travel_rule(x).bus_limit).to_numpy()
    walk_limit = homes["band"].map(lambda x: STD.travel_rule(x).walk_limit).to_numpy()
    is_bus = (homes["mode"] == "bus").to_numpy()
    assert (b[is_bus] <= limit[is_bus] - RULE_MARGIN_MINUTES).all()
    long = (homes["mode"] == "walk").to_numpy() & (w > walk_limit)
    runs = homes["school_id"].map(s["bus_riders"] > 0).to_numpy()
    assert not (long & runs & (b <= limit - RULE_MARGIN_MINUTES)).any()


# ---- determinism ------------------------------------------------------------------------------------------

def test_same_seed_same_county():
    assert_same_county(make_county(60, 5, seed=3), make_county(60, 5, seed=3))


def test_different_seed_different_county():
    a, b = make_county(60, 5, seed=3), make_county(60, 5, seed=4)
    assert not a.villages["population"].equals(b.villages["population"])
    assert not a.villages.geometry.geom_equals_exact(b.villages.geometry, 0.0).all()


def test_sample_parameters_give_sample(sample):
    assert_same_county(sample, make_county(**SAMPLE_PARAMETERS))


# ---- the bundled sample county looks like a rural mountain county ----------------------------------------

def test_sample_size_and_place(sample):
    v, s = sample.villages, sample.schools
    assert 150 <= len(v) <= 300
    assert 8 <= sample.townships["township"].nunique() <= 12
    assert set(v["township"]) == set(sample.townships["township"])
    ll = v.to_crs(4490).geometry
    assert ll.x.between(105, 110).all() and ll.y.between(26, 34).all()
    extent = v.total_bounds
    assert 20_000 < extent[2] - extent[0] < 150_000      # tens of kilometres, not a city block
    assert sample.villages["population"].sum() > 100_000
    assert sample.name == "青岭县" and sample.standards == STD
    assert (s["township"].isin(set(v["township"]))).all()


def test_sample_school_system(sample):
    s = sample.schools
    town = town_schools(sample)
    ts = s[town]
    assert 2 <= (ts["kind"] == "primary").sum() <= 4 and 1 <= (ts["kind"] == "middle").sum() <= 3
    rural = [t for t in sample.townships["township"] if t != "城关镇"]
    for t in rural:        # a central primary (or a nine-year school) at every rural township seat
        here = s[s["township"] == t]
        assert (here["name"].str.endswith("中心小学") | (here["kind"] == "nine_year")).sum() == 1, t
    # about nine middle schools; the rural ones small (a few hundred pupils or fewer)
    middle = s[s["grade_hi"] >= 7]
    assert 8 <= len(middle) <= 10 and (s["kind"] == "nine_year").sum() >= 1
    rural_79 = middle.loc[~town.loc[middle.index], ["enrol_7", "enrol_8", "enrol_9"]].sum(axis=1)
    assert len(rural_79) >= 5 and rural_79.max() < 600 and (rural_79 < 300).sum() >= 2
    assert (middle.loc[town.loc[middle.index], "enrolment"] > 3 * rural_79.median()).all()
    # village primaries and teaching points emptying
    small = s[s["kind"].isin(["primary", "teaching_point"]) & ~town]
    assert (small["enrolment"] < STD.small_school).sum() >= 40
    assert (small["enrolment"] < STD.closure_pool_under).sum() >= 25
    assert (s["kind"] == "teaching_point").sum() >= 20 and (s["enrolment"] > 0).all()
    # county-town schools over capacity with 大班额 (56-68 a class); rural classes keep to the standard size
    size = s[list(ENROL_COLUMNS)].to_numpy() / np.where(s[list(CLASS_COLUMNS)].to_numpy() > 0,
                                                        s[list(CLASS_COLUMNS)].to_numpy(), np.nan)
    assert (ts["enrolment"] > ts["seats"]).all()
    assert ((ts["enrolment"] / ts["classes"]) >= 56).all() and np.nanmax(size[town.to_numpy()]) <= 68
    assert np.nanmax(size[~town.to_numpy()]) <= STD.standard_class_size("middle")
    assert s["remote"].any()


def test_sample_boarding_and_buses(sample):
    s, a = sample.schools, sample.attendance
    town = town_schools(sample)
    middle = s[s["grade_hi"] >= 7]
    central = s[s["name"].str.endswith("中心小学")]
    # boarders today: middle schools and some central primaries, with beds and a canteen; short of beds somewhere
    assert (middle["boarders"] > 0).sum() >= len(middle) // 2 and (middle["beds"] > 0).all()
    assert 1 <= (central["boarders"] > 0).sum() < len(central)
    assert 1 <= (s["boarders"] > s["beds"]).sum() <= 2
    assert (a.loc[a["mode"] == "board", "band"] != "g1_3").all()
    # school buses on some township roads: riders at rural schools of some townships, none in others
    riders = s.groupby("township")["bus_riders"].sum()
    assert s.loc[town, "bus_riders"].sum() == 0 and (s["bus_riders"] > 0).sum() >= 5
    assert (riders > 0).sum() >= 3 and (riders.drop("城关镇") == 0).sum() >= 3
    assert (a.loc[a["mode"] == "bus", "band"] == "g1_3").any()      # grades 1-3 ride within 30 minutes today


def test_sample_staffing(sample):
    """Teachers as staffed today: village small schools staffed for their classes, town schools short."""
    s = sample.schools
    town = town_schools(sample)
    per_post = STD.get("staffing.pupils_per_post")
    norm = s[[f"enrol_{g}" for g in range(1, 7)]].sum(axis=1) / per_post["primary"] + s[
        ["enrol_7", "enrol_8", "enrol_9"]].sum(axis=1) / per_post["middle"]
    assert (s.loc[town, "teachers"] < norm[town]).all()
    small = s["enrolment"] < STD.small_school
    assert s.loc[small, "enrolment"].sum() / s.loc[small, "teachers"].sum() < 10
    assert (s.loc[small, "teachers"] >= s.loc[small, "classes"]).all()
    assert s.loc[town, "enrolment"].sum() / s.loc[town, "teachers"].sum() > 16


def test_sample_trips_follow_the_travel_rule(sample):
    check_trips(sample)


def test_sample_small_schools_closable_and_not(sample):
    """Schools under 50 pupils of both kinds exist: pupils who could reach another school within the rule, and
    pupils who could not (remote, 应留必留); and only a handful of grade 1-3 pupils walk beyond the limit today."""
    f = findings(sample)
    assert f["pool_reachable"] >= 10 and len(f["pool_unreachable"]) >= 2
    children, villages = f["long_walk_g1_3"]
    assert 0 < villages <= 10


def test_sample_roads(sample):
    r = sample.roads
    canonical = set(STD.get("road_classes.canonical"))
    assert {"national", "provincial", "county", "township", "village", "footpath"} <= set(r["road_class"])
    assert set(r["road_class"]) <= canonical
    assert r["speed_kmh"].isna().mean() > 0.8
    # the national road runs through the county town
    nat = shapely.union_all(r.loc[r["road_class"] == "national"].geometry.to_numpy())
    town_v = sample.villages[sample.villages["name"].str.endswith("社区") & (sample.villages["township"] == "城关镇")]
    assert town_v.distance(nat).median() < 1500
    # a few hamlets are reached only by footpath: far from every motor road
    motor = shapely.union_all(r.loc[r["road_class"] != "footpath"].geometry.to_numpy())
    assert (sample.villages.distance(motor) > 800).sum() >= 1


def test_sample_births_fall_and_feed_grades(sample):
    v = sample.villages
    years = sorted(int(col[7:]) for col in v if col.startswith("births_"))
    assert len(years) == SAMPLE_PARAMETERS["years_of_births"] and years[-1] == SAMPLE_PARAMETERS["base_year"] - 1
    totals = np.array([v[f"births_{y}"].sum() for y in years])
    slope = np.polyfit(years, totals, 1)[0]
    assert slope < 0 and totals[-1] < 0.85 * totals[0]
    base = SAMPLE_PARAMETERS["base_year"]
    for g in GRADES:       # grade g now was born in base − 6 − (g − 1); it cannot exceed those births
        col = f"births_{base - 6 - (g - 1)}"
        if col in v:
            assert (v[f"grade_{g}"] <= v[col]).all()
    # older cohorts are larger: the county's grade 9 outnumbers its grade 1
    assert v["grade_9"].sum() > v["grade_1"].sum()


def test_sample_invariants(sample):
    check_invariants(sample)


def test_town_schools_are_crowded_rural_schools_half_empty(sample):
    s = sample.schools
    town = town_schools(sample)
    assert (s.loc[town, "enrolment"] > s.loc[town, "seats"]).all()
    rural_pri = s[~town & (s["kind"] == "primary")]
    assert (rural_pri["enrolment"] < 0.6 * rural_pri["seats"]).mean() > 0.5


def test_sample_candidates(sample):
    cand = sample.candidates
    parcel = cand[(cand["township"] == "城关镇") & (cand["kind"] == "middle")].iloc[0]
    assert parcel["seat_options"] == (600, 900, 1200, 1500) and parcel["beds"] > 0
    assert parcel["capital_yuan"] > STD.cost("new_school_capital")        # town land costs more
    assert cand["capital_yuan"].isna().sum() >= 1                          # others: the standards' default
    # the parcel lies in town, away from the existing town middle schools
    town_mid = sample.schools[town_schools(sample) & (sample.schools["kind"] == "middle")]
    assert town_mid.distance(parcel.geometry).min() > 300


# ---- the committed sample folder is what the generator makes ---------------------------------------------

def test_committed_sample_equals_generator(sample):
    if not (SAMPLE / "villages.csv").exists():
        pytest.fail(f"{SAMPLE} is missing: run `python -m layout.datasets data/sample_county`")
    # If this fails after a generator change, regenerate: python -m layout.datasets data/sample_county (and commit).
    # numpy does not promise identical random streams across feature releases; a new numpy may also need it.
    read = layout.read_county(SAMPLE)
    assert read.name == sample.name and read.crs.equals(sample.crs) and read.source_crs == sample.source_crs
    csv = pd.read_csv(SAMPLE / "schools.csv", index_col="school_id")
    # bus_riders is checked from the file itself: layout.io.read does not carry it into County.schools yet
    np.testing.assert_array_equal(csv["bus_riders"].reindex(sample.schools.index).to_numpy(),
                                  sample.schools["bus_riders"].to_numpy())
    for layer, x in frames(read).items():
        y = frames(sample)[layer]
        if layer == "schools" and "bus_riders" not in x:
            y = y.drop(columns="bus_riders")
        assert list(x.columns) == list(y.columns), layer
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")).astype(object),
                                      pd.DataFrame(y.drop(columns="geometry")).astype(object), check_dtype=False,
                                      check_index_type=False, obj=layer)
        gap = x.geometry.hausdorff_distance(y.geometry, align=False)
        assert gap.max() < 0.01, f"{layer}: geometry moved by {gap.max():.4f} m"
    # today's attendance reads back exactly as generated (and layout.io checked it against the rolls)
    pd.testing.assert_frame_equal(read.attendance, sample.attendance)
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme and "python -m layout.datasets data/sample_county" in readme
    assert describe_markdown(sample) in readme


def test_sample_proposals_name_the_schools_they_act_on(sample):
    """The hand-written proposals refer to school ids; a generator change renumbers schools. Each action line says
    which school it means (``# 名称, N pupils``): the id must be that school, with that many pupils."""
    import re

    files = sorted((SAMPLE / "proposals").glob("*.yaml"))
    assert len(files) >= 3
    s = sample.schools
    pattern = re.compile(r"(?:close|from|school):\s*(S\d{3}).*#\s*([^,\s]+),\s*(\d+) pupils")
    seen = 0
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            m = pattern.search(line)
            if m:
                sid, name, n = m.group(1), m.group(2), int(m.group(3))
                assert sid in s.index, f"{f.name}: {sid} is not a school of the sample"
                assert (s.at[sid, "name"], int(s.at[sid, "enrolment"])) == (name, n), f"{f.name}: {line.strip()}"
                seen += 1
    assert seen >= 20
    # the new county-town middle school stands on the candidate parcel
    text = (SAMPLE / "proposals" / "county_town_middle_school.yaml").read_text(encoding="utf-8")
    parcel = sample.candidates.to_crs(4490).loc["C01"].geometry
    lon, lat = (float(x) for x in re.search(r"lon: ([\d.]+), lat: ([\d.]+)", text).groups())
    assert abs(lon - parcel.x) < 1e-5 and abs(lat - parcel.y) < 1e-5


def test_docs_table_is_the_sample(sample):
    doc = (REPO / "docs" / "sample_county.md").read_text(encoding="utf-8")
    assert describe_markdown(sample) in doc, "paste describe_markdown(sample_county()) into docs/sample_county.md"
    # the schools the page names as "what a planner should find" are still those
    s = sample.schools
    for sid in findings(sample)["pool_unreachable"]:
        assert f"{sid} {s.at[sid, 'name']}" in doc, sid
    for sid in s.index[s["remote"]]:
        assert f"{sid} {s.at[sid, 'name']}" in doc, sid
    for sid in s.index[s["boarders"] > s["beds"]]:
        assert f"{s.at[sid, 'name']} ({s.at[sid, 'beds']} beds, {s.at[sid, 'boarders']} boarders)" in doc, sid
    towns = sample.notes[-1].split(": ", 1)[1].split("、")
    assert f"({', '.join(towns)})" in doc


def test_cli_writes_readable_folder(tmp_path, capsys):
    out = datasets_main([str(tmp_path / "c"), "--villages", "30", "--townships", "3", "--seed", "7"])
    assert "wrote" in capsys.readouterr().out
    c = layout.read_county(out)
    assert len(c.villages) == 30 and c.townships["township"].nunique() == 3
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "--villages 30 --townships 3 --seed 7" in text and "synthetic" in text
    made = make_county(30, 3, seed=7)
    pd.testing.assert_series_equal(c.schools["enrolment"], made.schools["enrolment"], check_dtype=False)
    pd.testing.assert_frame_equal(c.attendance, made.attendance)
    assert c.candidates["seat_options"].tolist() == made.candidates["seat_options"].tolist()


# ---- the flagship county of the reports ------------------------------------------------------------------

def test_flagship_parameters_are_generator_settings_only():
    accepted = set(inspect.signature(make_county).parameters) - {"settings"} | set(Settings.names())
    assert set(FLAGSHIP_PARAMETERS) <= accepted
    assert set(FLAGSHIP_PARAMETERS) - set(SAMPLE_PARAMETERS) <= set(Settings.names())


@pytest.mark.slow
def test_flagship_county_resembles_the_reports():
    c = make_county(**FLAGSHIP_PARAMETERS)
    cfg = Settings(**{k: v for k, v in FLAGSHIP_PARAMETERS.items() if k in Settings.names()})
    check_invariants(c, cfg)
    check_trips(c)
    s = c.schools
    town = town_schools(c)
    middle = s[s["grade_hi"] >= 7]
    rural_79 = middle.loc[~town.loc[middle.index], ["enrol_7", "enrol_8", "enrol_9"]].sum(axis=1)
    assert 8 <= len(middle) <= 10 and len(rural_79) >= 5 and rural_79.max() < 500
    ts = s[town]
    assert (ts["enrolment"] > ts["seats"]).all() and ((ts["enrolment"] / ts["classes"]) >= 56).sum() >= len(ts) - 1
    d_flag, d_sample = describe(c), describe(sample_county())
    (_, b0), (_, b1) = d_flag["births"]
    (_, s0), (_, s1) = d_sample["births"]
    assert b1 / b0 < s1 / s0 < 1                                   # births fall, faster than in the sample
    assert d_flag["boarders"] > d_sample["boarders"] and d_flag["short_of_beds"] >= 1
    doc = (REPO / "docs" / "sample_county.md").read_text(encoding="utf-8")
    assert describe_markdown(c) in doc and repr(FLAGSHIP_PARAMETERS) in doc


def test_flagship_cli(tmp_path):
    out = datasets_main([str(tmp_path / "f"), "--flagship", "--villages", "40", "--townships", "4"])
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "--flagship --villages 40 --townships 4" in text and FLAGSHIP_PARAMETERS["name"] in text
    assert layout.read_county(out).name == FLAGSHIP_PARAMETERS["name"]


# ---- sizes, errors and properties ------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"n_townships": 1}, {"n_villages": 15, "n_townships": 8},
                                    {"years_of_births": 0}, {"years_of_births": 15}, {"town_pull": 1.2},
                                    {"bus_share": -0.1}, {"town_class_size": (70, 60)}, {"out_of_county": -1}])
def test_bad_sizes_raise(kwargs):
    with pytest.raises(ValueError):
        make_county(**kwargs)


def test_unknown_setting_raises():
    with pytest.raises(TypeError):
        make_county(40, 4, seed=1, town_pul=0.3)


def test_settings_change_the_county():
    base = make_county(60, 5, seed=3)
    none = make_county(60, 5, seed=3, bus_share=0.0, town_pull=0.0, out_of_county=0)
    assert none.schools["bus_riders"].sum() == 0 and (none.attendance["village_id"] != NO_HOME).all()
    assert base.schools["bus_riders"].sum() > 0
    check_invariants(none, Settings(bus_share=0.0, town_pull=0.0, out_of_county=0))


@pytest.mark.slow
def test_benchmark_size_county():
    c = make_county(n_villages=2000, n_townships=20, seed=1)
    assert len(c.villages) == 2000 and c.townships["township"].nunique() == 20
    check_invariants(c)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), n_townships=st.integers(2, 9), extra=st.integers(10, 120))
def test_invariants_hold_for_any_seed_and_size(seed, n_townships, extra):
    c = make_county(n_villages=n_townships + extra, n_townships=n_townships, seed=seed)
    assert len(c.villages) == n_townships + extra
    assert c.townships["township"].nunique() == n_townships
    check_invariants(c)
    check_trips(c)


# ---- known answers for classes ---------------------------------------------------------------------------

def _grades(*values):
    out = np.zeros(9)
    out[: len(values)] = values
    return out


def test_classes_round_up_by_standard_size():
    sizes = np.where(np.arange(1, 10) <= 6, 45.0, 50.0)
    got = _classes(_grades(45, 46, 0, 90, 91, 1), 1, 6, sizes, merge=False, bands=STD.bands)
    assert got.tolist() == [1, 2, 0, 2, 3, 1, 0, 0, 0]


def test_tiny_school_combines_grades_within_a_band():
    sizes = np.full(9, 30.0)
    got = _classes(_grades(5, 6, 4, 7, 9, 8), 1, 6, sizes, merge=True, bands=STD.bands)
    # 5+6+4 = 15 in one class (grades 1-3); 7+9 = 16 in one; adding 8 would make 24 > 20, so grade 6 is alone
    assert got.tolist() == [1, 0, 0, 1, 0, 1, 0, 0, 0]


def test_combined_class_never_crosses_bands():
    sizes = np.full(9, 30.0)
    got = _classes(_grades(0, 0, 3, 3), 1, 6, sizes, merge=True, bands=STD.bands)
    assert got[2] == 1 and got[3] == 1


def test_town_classes_fill_to_the_range():
    got = _town_classes(_grades(120, 125, 0, 200, 30), 1, 6, 60.0, (56.0, 68.0))
    # 120 -> 2 of 60; 125 -> 2 of 62.5; 200 -> 3 of 66.7 (4 would be 50, below the range); 30: one class
    assert got.tolist() == [2, 2, 0, 3, 1, 0, 0, 0, 0]
    assert _town_classes(_grades(0, 0, 0, 0, 0, 0, 140), 7, 9, 57.0, (56.0, 68.0))[6] == 3   # 2 would be 70 > 68


def test_cli_keeps_other_files_in_the_folder(tmp_path):
    out = tmp_path / "c"
    (out / "proposals").mkdir(parents=True)
    (out / "proposals" / "mine.yaml").write_text("name: keep me\n", encoding="utf-8")
    (out / "villages.csv").write_text("stale", encoding="utf-8")
    datasets_main([str(out), "--villages", "20", "--townships", "2", "--seed", "1"])
    assert (out / "proposals" / "mine.yaml").read_text(encoding="utf-8") == "name: keep me\n"
    assert len(layout.read_county(out).villages) == 20
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]     # no temporary folder left


def test_packaged_sample_proposals_are_the_data_folders():
    """``layout.datasets.SAMPLE_PROPOSALS`` (inside the package, for notebooks and examples without a checkout) holds
    the same files as ``data/sample_county/proposals`` (what the CLI examples name)."""
    from layout.datasets import SAMPLE_PROPOSALS

    packaged = {p.name: p.read_bytes() for p in SAMPLE_PROPOSALS.glob("*.yaml")}
    in_data = {p.name: p.read_bytes() for p in (SAMPLE / "proposals").glob("*.yaml")}
    assert packaged and packaged == in_data


def test_sample_proposals_read_against_the_sample(sample):
    from layout.datasets import sample_proposals

    plans = sample_proposals(sample)
    assert sorted(plans) == ["close_small_teaching_points", "county_town_middle_school", "township_boarding_maan"]
    assert all(p.actions for p in plans.values())
    closed = plans["close_small_teaching_points"].schools["status"] == "closed"
    assert int(closed.sum()) == 13
