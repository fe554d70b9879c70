"""The synthetic county generator: determinism, realistic sizes, structural invariants, the bundled sample."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import layout
from layout.county import CLASS_COLUMNS, ENROL_COLUMNS, RESOURCE_COLUMNS
from layout.datasets import SAMPLE_PARAMETERS, make_county, sample_county
from layout.datasets.__main__ import main as datasets_main
from layout.datasets.schooling import _classes
from layout.schema import GRADES, KINDS
from layout.standards import load_standards

from .conftest import SAMPLE

STD = load_standards()


@pytest.fixture(scope="module")
def sample():
    return sample_county()


def frames(c):
    return {"villages": c.villages, "schools": c.schools, "roads": c.roads, "townships": c.townships}


def assert_same_county(a, b):
    for layer, x in frames(a).items():
        y = frames(b)[layer]
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")),
                                      pd.DataFrame(y.drop(columns="geometry")))
        assert x.geometry.geom_equals_exact(y.geometry, tolerance=0.0).all(), layer


def road_components(roads) -> int:
    """Connected pieces of a road layer, lines joining where they share a vertex (as layout.network does)."""
    g = nx.Graph()
    for geom in roads.geometry:
        xy = [tuple(np.round(p, 3)) for p in shapely.get_coordinates(geom)]
        g.add_nodes_from(xy)
        g.add_edges_from(zip(xy[:-1], xy[1:], strict=True))
    return nx.number_connected_components(g)


def check_invariants(c) -> None:
    """Everything a generated county guarantees, whatever its size and seed."""
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
    # every child is enrolled, grade by grade, in a school teaching that grade
    np.testing.assert_array_equal(enrol.sum(axis=0), grades.sum(axis=0))
    # places and boarding
    assert (s["seats"] > 0).all() and (s["boarders"] <= s["beds"]).all() and (s["beds"] >= 0).all()
    assert (s.loc[s["kind"] == "teaching_point", "beds"] == 0).all()
    for part in ("teachers_degree", "teachers_key", "teachers_pe_art", "teachers_senior"):
        assert (s[part] <= s["teachers"]).all()
    assert s[list(RESOURCE_COLUMNS)].notna().all().all() and (s[list(RESOURCE_COLUMNS)] >= 0).all().all()
    # townships: every village and school lies in the polygon of its own township
    poly = c.townships.set_index("township").geometry
    assert set(v["township"]) <= set(poly.index) and set(s["township"]) <= set(poly.index)
    assert poly.loc[v["township"]].contains(v.geometry.set_axis(v["township"]), align=False).all()
    assert poly.loc[s["township"]].contains(s.geometry.set_axis(s["township"]), align=False).all()
    assert not shapely.union_all(poly.to_numpy()).is_empty
    assert (poly.area > 0).all()
    # roads: canonical classes, one connected network
    assert set(c.roads["road_class"]) <= set(STD.get("road_classes.canonical"))
    assert road_components(c.roads) == 1


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
    town = s[s["township"] == "城关镇"]
    town_schools = town[town["name"].str.startswith("城关")]
    assert 2 <= (town_schools["kind"] == "primary").sum() <= 4
    assert 1 <= (town_schools["kind"] == "middle").sum() <= 2
    assert town_schools["enrolment"].max() > 1500                     # near the 2000 cap
    rural = [t for t in sample.townships["township"] if t != "城关镇"]
    for t in rural:        # a central primary (or a nine-year school) at every rural township seat
        here = s[s["township"] == t]
        assert (here["name"].str.endswith("中心小学") | (here["kind"] == "nine_year")).sum() == 1, t
    rural_mid = s[s["kind"].isin(["middle", "nine_year"]) & (s["township"] != "城关镇")]
    assert 4 <= len(rural_mid) <= 6 and (s["kind"] == "nine_year").sum() >= 1
    small = s[s["kind"].isin(["primary", "teaching_point"]) & (s["township"] != "城关镇")]
    assert (small["enrolment"] < STD.small_school).sum() >= 20
    assert (small["enrolment"] < STD.closure_pool_under).sum() >= 10
    assert (s["kind"] == "teaching_point").sum() >= 5
    # crowded town classes (大班额 ≥ 56) exist; rural classes keep to the standard size
    size = s[list(ENROL_COLUMNS)].to_numpy() / np.where(s[list(CLASS_COLUMNS)].to_numpy() > 0,
                                                        s[list(CLASS_COLUMNS)].to_numpy(), np.nan)
    town_rows = s.index.isin(town_schools.index)
    assert np.nanmax(size[town_rows]) >= 56
    assert np.nanmax(size[~town_rows]) <= STD.standard_class_size("middle")
    # boarding: some central primaries and every rural middle-stage school, with canteens mostly
    boarding = s[s["beds"] > 0]
    assert (rural_mid["beds"] > 0).all() and boarding["canteen"].mean() > 0.8
    assert (s.loc[s["name"].str.endswith("中心小学"), "beds"] > 0).any()
    assert s["remote"].any()


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
    town = s["name"].str.startswith("城关")
    assert (s.loc[town, "enrolment"] >= 0.95 * s.loc[town, "seats"]).mean() > 0.5
    rural_pri = s[~town & (s["kind"] == "primary")]
    assert (rural_pri["enrolment"] < 0.6 * rural_pri["seats"]).mean() > 0.5


# ---- the committed sample folder is what the generator makes ---------------------------------------------

def test_committed_sample_equals_generator(sample):
    if not (SAMPLE / "villages.csv").exists():
        pytest.fail(f"{SAMPLE} is missing: run `python -m layout.datasets data/sample_county`")
    # If this fails after a generator change, regenerate: python -m layout.datasets data/sample_county (and commit).
    # numpy does not promise identical random streams across feature releases; a new numpy may also need it.
    read = layout.read_county(SAMPLE)
    assert read.name == sample.name and read.crs.equals(sample.crs) and read.source_crs == sample.source_crs
    for layer, x in frames(read).items():
        y = frames(sample)[layer]
        assert list(x.columns) == list(y.columns), layer
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")).astype(object),
                                      pd.DataFrame(y.drop(columns="geometry")).astype(object), check_dtype=False,
                                      check_index_type=False, obj=layer)
        gap = x.geometry.hausdorff_distance(y.geometry, align=False)
        assert gap.max() < 0.01, f"{layer}: geometry moved by {gap.max():.4f} m"
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "synthetic" in readme and "python -m layout.datasets data/sample_county" in readme


def test_cli_writes_readable_folder(tmp_path, capsys):
    out = datasets_main([str(tmp_path / "c"), "--villages", "30", "--townships", "3", "--seed", "7"])
    assert "wrote" in capsys.readouterr().out
    c = layout.read_county(out)
    assert len(c.villages) == 30 and c.townships["township"].nunique() == 3
    text = (out / "README.md").read_text(encoding="utf-8")
    assert "--villages 30 --townships 3 --seed 7" in text and "synthetic" in text
    assert_same_frames = make_county(30, 3, seed=7)
    pd.testing.assert_series_equal(c.schools["enrolment"], assert_same_frames.schools["enrolment"],
                                   check_dtype=False)


# ---- sizes, errors and properties ------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"n_townships": 1}, {"n_villages": 15, "n_townships": 8},
                                    {"years_of_births": 0}, {"years_of_births": 15}])
def test_bad_sizes_raise(kwargs):
    with pytest.raises(ValueError):
        make_county(**kwargs)


def test_options_are_honoured():
    c = make_county(40, 4, seed=2, name="测试县", centre=(104.2, 27.3), base_year=2030, years_of_births=4)
    assert c.name == "测试县"
    assert sorted(col for col in c.villages if col.startswith("births_")) == [
        "births_2026", "births_2027", "births_2028", "births_2029"]
    ll = c.villages.to_crs(4326).geometry
    assert abs(ll.x.median() - 104.2) < 0.5 and abs(ll.y.median() - 27.3) < 0.5
    assert c.crs.to_epsg() == 32648


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


def test_enrolment_follows_nearest_school_by_walking_time(sample):
    """Today's enrolment is the children of each school's catchment: checked against layout.network, whose
    walking times differ from the generator's distances only by the footpath climb weight."""
    from layout.network import travel

    minutes = travel(sample, "walk").minutes
    s, v = sample.schools, sample.villages
    for band, (lo, hi) in STD.bands.items():
        serving = s.index[(s["grade_lo"] <= lo) & (s["grade_hi"] >= hi)]
        nearest = minutes[serving].idxmin(axis=1)
        expected = v[band].groupby(nearest).sum().reindex(serving, fill_value=0)
        actual = s.loc[serving, [f"enrol_{g}" for g in range(lo, hi + 1)]].sum(axis=1)
        assert int(actual.sum()) == int(v[band].sum())
        moved = 0.5 * float((expected - actual).abs().sum()) / float(actual.sum())
        assert moved < 0.10, f"{band}: {moved:.1%} of children are not at their nearest school"


def test_cli_keeps_other_files_in_the_folder(tmp_path):
    out = tmp_path / "c"
    (out / "proposals").mkdir(parents=True)
    (out / "proposals" / "mine.yaml").write_text("name: keep me\n", encoding="utf-8")
    (out / "villages.csv").write_text("stale", encoding="utf-8")
    datasets_main([str(out), "--villages", "20", "--townships", "2", "--seed", "1"])
    assert (out / "proposals" / "mine.yaml").read_text(encoding="utf-8") == "name: keep me\n"
    assert len(layout.read_county(out).villages) == 20
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]     # no temporary folder left
