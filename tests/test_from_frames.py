"""``layout.from_frames`` runs the reader's checks on frames in memory; layers carrying their own CRS are
reprojected (county.yaml's ``crs`` is for CSV coordinates); county.yaml may name an OpenStreetMap road file."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import layout
from layout.cli import main
from layout.datasets import make_county
from layout.errors import LayoutInputError
from layout.network.osm import read_osm_roads

from .conftest import SAMPLE, SCHOOLS_CSV, VILLAGES_CSV

LAYERS = ("villages", "schools", "roads", "townships", "candidates")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Attributes with text as object columns (the generator builds object columns, pandas 3 reads str ones)."""
    out = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    out = out.astype({c: object for c in out.columns if pd.api.types.is_string_dtype(out[c])})
    out.index = out.index.astype(object)
    return out


def assert_same_county(a, b):
    for layer in LAYERS:
        x, y = getattr(a, layer), getattr(b, layer)
        assert (x is None) == (y is None), layer
        if x is None:
            continue
        pd.testing.assert_frame_equal(_plain(x), _plain(y), obj=layer, check_dtype=False)   # values, not widths
        assert x.crs.equals(y.crs), layer
        assert x.geometry.geom_equals_exact(y.geometry, tolerance=1e-6).all(), layer
    if a.attendance is None:
        assert b.attendance is None
    else:
        pd.testing.assert_frame_equal(_plain(a.attendance), _plain(b.attendance), check_dtype=False)
    assert (a.crs, a.source_crs) == (b.crs, b.source_crs)


def _csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.slow
def test_sample_files_as_frames_equal_the_folder():
    """The sample folder's files read by pandas/geopandas and given as frames: the same County as read_county."""
    frames = {"villages": _csv(SAMPLE / "villages.csv"), "schools": _csv(SAMPLE / "schools.csv"),
              "attendance": _csv(SAMPLE / "attendance.csv"), "candidates": _csv(SAMPLE / "candidates.csv"),
              "roads": gpd.read_file(SAMPLE / "roads.geojson"), "townships": gpd.read_file(SAMPLE / "townships.geojson")}
    folder = layout.read_county(SAMPLE)
    mine = layout.from_frames(**frames, crs="EPSG:4490", name=folder.name)
    assert_same_county(mine, folder)
    assert mine.folder is None and folder.folder == SAMPLE


def test_a_countys_own_frames_read_back_equal():
    """A County's frames (named id index, grade_lo/grade_hi, seat_options, UTM geometry) pass the checks unchanged."""
    c = make_county(n_villages=30, n_townships=3, seed=4)
    back = layout.from_frames(villages=c.villages, schools=c.schools, roads=c.roads, townships=c.townships,
                              attendance=c.attendance, candidates=c.candidates, crs=4490, name=c.name)
    assert_same_county(back, c)


def _frames():
    from io import StringIO

    return pd.read_csv(StringIO(VILLAGES_CSV), dtype=str), pd.read_csv(StringIO(SCHOOLS_CSV), dtype=str)


def test_bad_frames_name_the_frame_row_and_column():
    v, s = _frames()
    v.loc[2, "g1_3"] = "-1"                       # row 2 (position)
    v.loc[0, "lon"] = "far"
    s.loc[1, "kind"] = "kindergarten"
    s.loc[2, "school_id"] = "S1"                  # duplicate of row 0
    with pytest.raises(LayoutInputError) as info:
        layout.from_frames(villages=v, schools=s)
    found = {(p.file, p.row, p.column) for p in info.value.problems}
    assert {("villages frame", 2, "g1_3"), ("villages frame", 0, "lon"), ("schools frame", 1, "kind"),
            ("schools frame", 2, "school_id")} <= found
    assert "frame.iloc[row]" in info.value.summary
    negative = next(p for p in info.value.problems if p.column == "g1_3")
    assert negative.value == "-1" and negative.fix


def test_missing_columns_and_empty_frames_are_problems_not_keyerrors():
    v, s = _frames()
    with pytest.raises(LayoutInputError) as info:
        layout.from_frames(villages=v.drop(columns=["name", "lat"]), schools=s)
    messages = [(p.file, p.column, p.message) for p in info.value.problems]
    assert ("villages frame", "name", "missing required column 'name'") in messages
    assert any(f == "villages frame" and "missing coordinate column: latitude" in m for f, _c, m in messages)
    with pytest.raises(LayoutInputError, match="villages frame.*no rows"):
        layout.from_frames(villages=v.iloc[:0], schools=s)


def test_a_layer_that_is_not_a_frame_is_a_type_error():
    v, s = _frames()
    with pytest.raises(TypeError, match="schools frame must be a DataFrame"):
        layout.from_frames(villages=v, schools=s.to_dict("records"))


def test_unknown_crs_names_the_argument():
    v, s = _frames()
    with pytest.raises(LayoutInputError) as info:
        layout.from_frames(villages=v, schools=s, crs="EPSG:99999999")
    p = info.value.problems[0]
    assert (p.file, p.column, p.message) == ("from_frames", "crs", "unknown coordinate reference system")


def test_geodataframes_in_their_own_crs_mix_with_lonlat_tables():
    """Schools as a UTM GeoDataFrame, villages as a lon/lat table in EPSG:4490: both land on the same points."""
    v, s = _frames()
    pts = gpd.points_from_xy(s["lon"].astype(float), s["lat"].astype(float), crs=4490)
    s_utm = gpd.GeoDataFrame(s.drop(columns=["lon", "lat"]), geometry=pts).to_crs(32648)
    a = layout.from_frames(villages=v, schools=s, crs="EPSG:4490")
    b = layout.from_frames(villages=v, schools=s_utm, crs="EPSG:4490")
    assert b.schools.geometry.distance(a.schools.geometry).max() < 1e-3
    lonlat = list(gpd.GeoSeries(pts).to_crs(4326))
    no_crs = gpd.GeoDataFrame(s.drop(columns=["lon", "lat"]), geometry=lonlat)
    c = layout.from_frames(villages=v, schools=no_crs, crs=4326)      # crs= applies to a layer without one
    assert c.schools.geometry.distance(a.schools.geometry).max() < 1e-3


def test_gcj02_applies_to_lonlat_tables():
    v, s = _frames()
    a = layout.from_frames(villages=v, schools=s, crs="GCJ-02")
    b = layout.from_frames(villages=v, schools=s)
    shift = a.villages.geometry.distance(b.villages.geometry)
    assert a.source_crs == "GCJ-02" and (shift > 100).all() and (shift < 1000).all()


# ---- layers in their own CRS, and OpenStreetMap roads named in county.yaml ----------------------------------

def _osm_xml() -> str:
    """Four ways near the conftest county (105.1°E, 30.1°N); way 12 is one-way against its drawing direction."""
    nodes = {1: (105.09, 30.10), 2: (105.11, 30.10), 3: (105.13, 30.10), 4: (105.20, 30.06), 5: (105.11, 30.12)}
    xml = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    xml += [f'<node id="{i}" lat="{lat}" lon="{lon}" version="1"/>' for i, (lon, lat) in nodes.items()]
    ways = {10: ([1, 2, 3], "tertiary", ""), 11: ([3, 4], "unclassified", ""), 12: ([5, 2], "residential", "-1"),
            13: ([4, 5], "construction", "")}
    for wid, (refs, hw, oneway) in ways.items():
        tags = f'<tag k="highway" v="{hw}"/>' + (f'<tag k="oneway" v="{oneway}"/>' if oneway else "")
        xml.append(f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs) + tags + "</way>")
    return "\n".join(xml + ["</osm>"])


def test_utm_road_layer_from_read_osm_roads_is_accepted_under_a_4490_manifest(county_folder, tmp_path):
    osm = tmp_path / "roads.osm"
    osm.write_text(_osm_xml(), encoding="utf-8")
    roads = read_osm_roads(osm)                                   # UTM 48N, oneway 1 / -1 / 0
    assert roads.crs.to_epsg() == 32648 and -1 in set(roads["oneway"])
    folder = county_folder(files={"county.yaml": "crs: EPSG:4490\n"})
    roads.to_file(folder / "roads.gpkg", driver="GPKG")
    c = layout.read_county(folder)
    assert len(c.roads) == 3 and c.roads.crs.equals(c.crs)
    against = roads[roads["oneway"] == -1].geometry.iloc[0]
    got = c.roads[c.roads["oneway"]].geometry.to_crs(roads.crs)
    assert len(got) == 1 and got.iloc[0].equals_exact(shapely.reverse(against), 1e-3)   # turned to run with traffic


def test_osm_file_named_in_county_yaml_is_the_road_layer(county_folder, tmp_path, capsys):
    folder = county_folder(files={"county.yaml": "crs: EPSG:4490\nfiles: {roads: 县域路网.osm}\n",
                                  "县域路网.osm": _osm_xml()})
    c = layout.read_county(folder)
    assert sorted(c.roads["road_class"]) == sorted(read_osm_roads(folder / "县域路网.osm")["road_class"])
    walk = layout.travel(c, "walk")
    assert not walk.estimated and np.isfinite(walk.minutes.loc["V1", "S1"])
    assert main(["check", str(folder)]) == 0
    assert main(["evaluate", str(folder), "--out", str(tmp_path / "ev")]) == 0
    capsys.readouterr()


def test_a_broken_osm_file_is_a_problem_with_the_file(county_folder):
    folder = county_folder(files={"county.yaml": "files: {roads: roads.osm.pbf}\n", "roads.osm.pbf": b"not a pbf"})
    with pytest.raises(LayoutInputError) as info:
        layout.read_county(folder)
    assert any("OpenStreetMap" in p.message for p in info.value.problems)
