"""Results as GIS layers: GeoDataFrames of an evaluation and a recommendation, the GeoPackage they write (layers
listed by pyogrio, read back equal, Chinese field aliases, written atomically) and offline ``explore`` maps."""

from __future__ import annotations

import sqlite3
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout.evaluate.frames import FIELDS, INDEX, LAYERS, school_action
from layout.io.gis import field_aliases, gis_ready, plain_text, read_layers, write_layers
from layout.maps import explore_layer, external_urls, save_map
from layout.schema import BANDS
from tests._maps_helpers import XSS, county_and_plan


@cache
def _small():
    """(county, closed school, today's evaluation, evaluation of closing the smallest school)."""
    from layout.datasets import make_county
    from layout.evaluate import evaluate
    from layout.plan import Close, Plan

    county = make_county(n_villages=30, n_townships=3, seed=2)
    today = evaluate(county)
    small = today.schools["enrolment"].idxmin()
    return county, small, today, evaluate(county, Plan.status_quo(county).apply(Close(small)))


@cache
def _recommendation():
    from layout.recommend import recommend

    return recommend(_small()[0], goal="fewest_schools", horizon=0, frontier=False)


@pytest.fixture(scope="module")
def small():
    return _small()


@pytest.fixture(scope="module")
def layers(small):
    return small[3].layers()


# ---- the frames ------------------------------------------------------------------------------------------------
def test_evaluation_layers_are_geodataframes_in_the_county_crs(small, layers):
    county, closed, _today, ev = small
    assert tuple(layers) == LAYERS
    for name, gdf in layers.items():
        assert isinstance(gdf, gpd.GeoDataFrame), name
        assert gdf.crs == county.crs, name
        assert not gdf.geometry.isna().any(), name
    assert set(layers["schools"].geom_type) == {"Point"} and set(layers["villages"].geom_type) == {"Point"}
    assert set(layers["assignments"].geom_type) == {"LineString"}
    assert set(layers["bus_routes"].geom_type) <= {"LineString", "MultiLineString"}
    assert list(layers["schools"].index) == [str(i) for i in ev.allocation.plan.schools.index]
    assert list(layers["villages"].index) == [str(i) for i in county.villages.index]
    assert layers["schools"].at[closed, "action"] == "close"
    assert layers["schools"].at[closed, "enrolment"] == 0
    assert layers["schools"].at[closed, "enrolment_now"] > 0


def test_school_layer_point_is_the_school_and_figures_are_the_evaluations(small, layers):
    _county, _closed, _today, ev = small
    s = layers["schools"]
    sites = ev.allocation.plan.schools.geometry
    assert s.geometry.geom_equals_exact(gpd.GeoSeries(sites.to_numpy(), index=s.index, crs=s.crs), 0).all()
    for col in ("enrolment", "seats", "beds", "moved_in", "class_size"):
        np.testing.assert_allclose(s[col].to_numpy(float), ev.schools[col].to_numpy(float), equal_nan=True)


def test_village_trips_add_up_band_by_band(small, layers):
    _county, _closed, _today, ev = small
    v = layers["villages"]
    a = ev.allocation.assignments
    for b in BANDS:
        ab = a[a["band"] == b]
        assert int(v[[f"{b}_walk", f"{b}_bus", f"{b}_board"]].to_numpy().sum()) == int(ab["children"].sum())
        assert (v[f"{b}_max_minutes"].fillna(0) >= v[f"{b}_minutes"].fillna(0) - 1e-9).all()
    # one village's mean trip worked by hand: the children-weighted mean of its day pupils' minutes
    day = a[(a["band"] == "g1_3") & (a["mode"] != "board")]
    vid = day.groupby("village_id")["children"].sum().idxmax()
    d = day[day["village_id"] == vid]
    expected = float((d["minutes"] * d["children"]).sum() / d["children"].sum())
    assert v.at[str(vid), "g1_3_minutes"] == pytest.approx(expected)
    assert v.at[str(vid), "g1_3_max_minutes"] == pytest.approx(float(d["minutes"].max()))


def test_assignment_lines_join_village_to_school(small, layers):
    county, _closed, _today, ev = small
    a = layers["assignments"]
    outside = int(ev.allocation.outside["children"].sum())
    assert int(a["children"].sum()) + outside == ev.students_assigned  # every assigned child on a line
    first = a.iloc[0]
    line = np.asarray(first.geometry.coords)
    village = county.villages.geometry.loc[first["village_id"]]
    school = ev.allocation.plan.schools.geometry.loc[first["school_id"]]
    np.testing.assert_allclose(line, [[village.x, village.y], [school.x, school.y]])


def test_bus_routes_and_stops_are_the_evaluations(small, layers):
    _county, _closed, _today, ev = small
    bus = ev.costs["bus_routes"]
    r, s = layers["bus_routes"], layers["bus_stops"]
    assert len(r) == len(bus.routes) > 0 and len(s) == len(bus.stops)
    assert set(r["drawn"]) <= {"roads", "stops"}
    assert int(r["children"].sum()) == int(bus.routes["children"].sum())
    assert set(s["route_id"]) <= set(r.index)
    # a route runs from its first stop to its school past every stop (roads snap villages by up to ~100 m)
    near = 250.0
    schools = ev.allocation.plan.schools.geometry
    for rid, row in r.iterrows():
        stops = s[s["route_id"] == rid].sort_values("order")
        line, school = row.geometry, schools.loc[row["school_id"]]
        assert shapely.Point(line.coords[0]).distance(stops.geometry.iloc[0]) < near, rid
        assert shapely.Point(line.coords[-1]).distance(school) < near, rid
        assert all(line.distance(p) < near for p in stops.geometry), rid
        assert line.length >= stops.geometry.iloc[0].distance(school) - 2 * near, rid


def test_school_actions_known_answers():
    county, plan, ev, _base, expected = county_and_plan()
    from layout.evaluate.frames import places_of

    actions = school_action(plan, places_of(county).schools_today, ev.schools["moved_in"])
    for sid, action in expected.items():
        assert actions[sid] == action, sid
    assert (actions[actions.index.difference(list(expected))].isin(["keep", "receives", "expand"])).all()


def test_every_field_has_a_chinese_alias(layers):
    rec_layers = _recommendation().layers()
    for name, gdf in {**layers, **rec_layers}.items():
        missing = [c for c in gis_ready(gdf).columns if c != "geometry" and c not in FIELDS]
        assert not missing, f"{name}: {missing} have no alias in layout.evaluate.frames.FIELDS"
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in zh) for zh, _en in FIELDS.values())


def test_an_evaluation_without_places_says_what_to_pass(small):
    import dataclasses

    ev = dataclasses.replace(small[3], places=None)
    with pytest.raises(ValueError, match="places_of"):
        ev.layers()
    with pytest.raises(KeyError, match="unknown layer"):
        small[3].layer("rivers")


# ---- the GeoPackage ---------------------------------------------------------------------------------------------
def test_evaluation_geopackage_lists_its_layers_and_reads_back_equal(small, layers, tmp_path):
    county, _closed, _today, ev = small
    path = ev.to_file(tmp_path / "plan.gpkg")
    listed = pyogrio.list_layers(path)
    assert [n for n, _t in listed] == list(LAYERS)
    assert dict(listed.tolist())["assignments"] == "LineString"
    back = read_layers(path, INDEX)
    for name, gdf in layers.items():
        info = pyogrio.read_info(path, layer=name)
        assert info["driver"] == "GPKG" and info["features"] == len(gdf)
        assert list(info["fields"]) == [c for c in gis_ready(gdf).columns if c != "geometry"]
        assert info["layer_metadata"]["IDENTIFIER"]  # the Chinese title QGIS shows
        assert_geodataframe_equal(back[name], gdf)
        assert pyogrio.read_info(path, layer=name)["crs"] == county.crs.to_string()
    aliases = field_aliases(path, "schools")
    assert aliases["action"] == "调整方式" and aliases["school_id"] == "学校代码"
    assert field_aliases(path, "villages")["g1_3_minutes"] == FIELDS["g1_3_minutes"][0]


def test_recommendation_geopackage_reads_back_equal(tmp_path):
    rec = _recommendation()
    layers = rec.layers()
    assert set(layers) == {*LAYERS, "changes"}
    changed = layers["changes"]
    assert len(changed) == len(rec.changes()) and (changed["action"] != "keep").all()
    assert (layers["schools"].loc[changed["school_id"].unique(), "recommended"] != "").all()
    path = rec.to_file(tmp_path / "rec.gpkg")
    assert [n for n, _t in pyogrio.list_layers(path)] == list(layers)
    back = read_layers(path, INDEX)
    for name, gdf in layers.items():
        assert_geodataframe_equal(back[name], gdf)
    assert field_aliases(path, "changes")["reasons_zh"] == "调整理由"


def test_geopackage_is_written_atomically(small, tmp_path, monkeypatch):
    ev = small[3]
    path = ev.to_file(tmp_path / "plan.gpkg")
    before = path.read_bytes()
    real = pyogrio.write_dataframe
    calls = []

    def fail_on_third(*args, **kwargs):
        calls.append(kwargs.get("layer"))
        if len(calls) == 3:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", fail_on_third)
    with pytest.raises(OSError, match="disk full"):
        ev.to_file(path)
    assert path.read_bytes() == before  # the earlier file untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.gpkg"]  # no temporary file left


def test_geopackage_names_are_checked(tmp_path):
    pts = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(0, 0)], crs=32648)
    with pytest.raises(ValueError, match=r"\.gpkg"):
        write_layers(tmp_path / "out.shp", {"x": pts})
    with pytest.raises(ValueError, match="plain identifiers"):
        write_layers(tmp_path / "out.gpkg", {"学校; DROP": pts})


def test_empty_layer_keeps_its_geometry_type(tmp_path):
    empty = gpd.GeoDataFrame({"route_id": pd.Series(dtype="str")}, geometry=[], crs=32648)
    path = write_layers(tmp_path / "e.gpkg", {"bus_routes": empty}, empty_types={"bus_routes": "LineString"})
    assert pyogrio.list_layers(path).tolist() == [["bus_routes", "LineString"]]
    assert pyogrio.read_info(path, layer="bus_routes")["features"] == 0


def test_aliases_sit_in_the_geopackage_schema_extension(small, tmp_path):
    path = small[3].to_file(tmp_path / "plan.gpkg")
    with sqlite3.connect(path) as con:
        ext = con.execute("SELECT table_name, extension_name FROM gpkg_extensions "
                          "WHERE extension_name = 'gpkg_schema'").fetchall()
        n = con.execute("SELECT COUNT(*) FROM gpkg_data_columns WHERE table_name = 'villages'").fetchone()[0]
        ok = con.execute("PRAGMA integrity_check").fetchone()[0]
    assert {("gpkg_data_columns", "gpkg_schema"), ("gpkg_data_column_constraints", "gpkg_schema")} <= set(ext)
    assert n == len(pyogrio.read_info(path, layer="villages")["fields"])
    assert ok == "ok"


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_text, st.integers(-10**9, 10**9),
                               st.floats(allow_nan=False, allow_infinity=False, width=32), st.booleans(),
                               st.floats(-1e6, 1e6), st.floats(-1e6, 1e6)), min_size=1, max_size=6))
def test_any_text_and_numbers_read_back_equal(tmp_path_factory, rows):
    names, ints, floats, flags, xs, ys = zip(*rows, strict=True)
    gdf = gpd.GeoDataFrame({"name": list(names), "n": list(ints), "x": list(floats), "ok": list(flags)},
                           geometry=[shapely.Point(500000 + x, 3300000 + y) for x, y in zip(xs, ys, strict=True)],
                           crs=32648, index=pd.Index([f"V{i}" for i in range(len(rows))], name="village_id"))
    gdf = plain_text(gdf)
    path = write_layers(tmp_path_factory.mktemp("p") / "t.gpkg", {"villages": gdf})
    assert_geodataframe_equal(read_layers(path, {"villages": "village_id"})["villages"], gdf)


# ---- explore -------------------------------------------------------------------------------------------------
def test_geodataframe_explore_works_on_every_layer(layers):
    for name, gdf in layers.items():
        m = gdf.explore(tiles=None)
        assert m.get_root().render(), name


def test_explore_layer_saves_an_offline_map_with_escaped_text_and_a_legend(tmp_path):
    county, plan, ev, _base, _expected = county_and_plan()
    schools = ev.layer("schools")
    villages = ev.layer("villages")
    assert XSS in set(villages["name"])
    for gdf, column in ((schools, "action"), (villages, "g1_3_minutes"), (ev.layer("assignments"), "mode"),
                        (ev.layer("bus_routes"), None)):
        path = save_map(explore_layer(gdf, column), tmp_path / f"{column}.html")
        html = path.read_text(encoding="utf-8")
        assert external_urls(html) == []
        assert "<img src=x" not in html and '<img src=\\"x' not in html
        if column is not None:
            assert "layout-legend" in html
    html = (tmp_path / "action.html").read_text(encoding="utf-8")
    assert all(a in html for a in set(schools["action"]))
    with pytest.raises(KeyError, match="no column"):
        explore_layer(schools, "colour")


def test_gis_guide_has_the_current_field_table():
    from layout.evaluate.frames import field_table_markdown
    from tests.conftest import REPO

    doc = (REPO / "docs" / "guide" / "gis.md").read_text(encoding="utf-8")
    assert field_table_markdown().strip() in doc, "regenerate the table (see docs/guide/gis.md)"


def test_layers_of_an_evaluation_sent_to_another_process(small):
    """An evaluation unpickled elsewhere (batch workers) builds its road network afresh to draw the bus routes."""
    import pickle

    ev = pickle.loads(pickle.dumps(small[3]))
    routes = ev.layer("bus_routes")
    assert_geodataframe_equal(routes, small[3].layer("bus_routes"))
    assert (routes["drawn"] == "roads").all()
