"""Reading good county folders in every supported form, and writing them back losslessly."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon

from layout import read_county
from layout.cli import main
from layout.errors import LayoutInputError
from layout.geo import wgs84_to_gcj02
from layout.io.write import write_county

from .conftest import SAMPLE, SCHOOLS_CSV, VILLAGES_CSV

GBK_VILLAGES = """村代码,村名,乡镇,经度,纬度,户籍人口,1-3年级,4-6年级,7-9年级
V1,甲村,城关镇,105.10,30.10,800,30,28,25
V2,乙村,城关镇,105.12,30.11,500,12,10,9
"""
GBK_SCHOOLS = """学校标识码,学校名称,办学类型,乡镇,经度,纬度,在校生数,班级数,床位数,食堂
S1,城关小学,小学,城关镇,105.11,30.10,320,8,0,有
S2,城关中学,初级中学,城关镇,105.11,30.11,300,6,100,有
S3,九年一贯制学校,九年一贯制学校,城关镇,105.13,30.12,200,9,50,无
"""


def test_gbk_csv_with_chinese_headers(county_folder):
    county = read_county(county_folder(villages=GBK_VILLAGES.encode("gbk"), schools=GBK_SCHOOLS.encode("gbk")))
    v, s = county.villages, county.schools
    assert list(v.index) == ["V1", "V2"] and v.loc["V1", "name"] == "甲村"
    assert v.loc["V2", "g4_6"] == 10 and v.loc["V1", "population"] == 800
    assert list(s["kind"]) == ["primary", "middle", "nine_year"]
    assert list(s["canteen"]) == [True, True, False]
    assert s.loc["S3", "grade_lo"] == 1 and s.loc["S3", "grade_hi"] == 9
    assert s["enrolment"].sum() == 820 and s.loc["S2", "beds"] == 100


def test_utf8_bom_and_semicolons(county_folder):
    text = VILLAGES_CSV.replace(",", ";")
    county = read_county(county_folder(villages=b"\xef\xbb\xbf" + text.encode("utf-8")))
    assert county.villages.loc["V3", "name"] == "丙村"


def test_defaults_and_spread_totals(county_folder):
    county = read_county(county_folder())
    s = county.schools
    # teaching point: grades 1-3 from its kind, 18 pupils spread over three grades, seats from 1 class × 30
    assert (s.loc["S2", "grade_lo"], s.loc["S2", "grade_hi"]) == (1, 3)
    assert [s.loc["S2", f"enrol_{g}"] for g in range(1, 10)] == [6, 6, 6, 0, 0, 0, 0, 0, 0]
    assert s.loc["S2", "seats"] == 30
    assert s.loc["S1", "enrol_7"] == 0 and s.loc["S3", "enrol_1"] == 0
    assert s.loc["S3", "classes"] == 6
    assert np.isnan(s.loc["S1", "books"])
    assert any("seats not given" in n for n in county.notes)


def test_single_grades_and_births(county_folder):
    header = "village_id,name,township,lon,lat," + ",".join(f"grade_{g}" for g in range(1, 10))
    header += ",births_2019,2020年出生"
    row = "V1,甲村,城关镇,105.1,30.1," + ",".join(str(g) for g in range(1, 10)) + ",12,10"
    county = read_county(county_folder(villages=f"{header}\n{row}\n"))
    v = county.villages.loc["V1"]
    assert (v["g1_3"], v["g4_6"], v["g7_9"]) == (6, 15, 24)
    assert v["births_2019"] == 12 and v["births_2020"] == 10


def test_xlsx_and_vector_layers(county_folder, tmp_path):
    folder = county_folder(schools=None)
    pd.read_csv(pd.io.common.StringIO(SCHOOLS_CSV)).to_excel(folder / "schools.xlsx", index=False)
    roads = gpd.GeoDataFrame({"highway": ["primary", "县道"], "maxspeed": [60, None], "单行": ["是", ""]},
                             geometry=[LineString([(105.1, 30.1), (105.2, 30.1)]),
                                       LineString([(105.2, 30.1), (105.2, 30.05)])], crs=4490)
    roads.to_file(folder / "roads.geojson", driver="GeoJSON")
    twp = gpd.GeoDataFrame({"乡镇": ["城关镇", "河口乡"]},
                           geometry=[Polygon([(105, 30.08), (105.3, 30.08), (105.3, 30.2), (105, 30.2)]),
                                     Polygon([(105, 30), (105.3, 30), (105.3, 30.08), (105, 30.08)])], crs=4326)
    twp.to_file(folder / "townships.gpkg", driver="GPKG")
    county = read_county(folder)
    assert list(county.roads["road_class"]) == ["national", "county"]
    assert county.roads["speed_kmh"].iloc[0] == 60 and np.isnan(county.roads["speed_kmh"].iloc[1])
    assert list(county.roads["oneway"]) == [True, False]
    assert set(county.townships["township"]) == {"城关镇", "河口乡"}
    assert county.schools.loc["S3", "canteen"]
    assert county.crs.to_epsg() == 32648 and county.roads.crs == county.crs


def test_gcj02_declared_is_converted(county_folder):
    lon, lat = wgs84_to_gcj02(105.10, 30.10)
    shifted = VILLAGES_CSV.replace("105.10,30.10", f"{float(lon):.9f},{float(lat):.9f}")
    gcj = read_county(county_folder(villages=shifted, files={"county.yaml": "crs: GCJ-02\n"}))
    wgs = read_county(county_folder(villages=VILLAGES_CSV, files={"county.yaml": "crs: EPSG:4326\n"}))
    d = gcj.villages.geometry.loc["V1"].distance(wgs.villages.geometry.loc["V1"])
    assert d < 0.05, f"GCJ-02 point should land on the WGS84 one, off by {d:.3f} m"
    # the undeclared shift is hundreds of metres: the conversion matters
    raw = read_county(county_folder(villages=shifted, files={"county.yaml": "crs: EPSG:4326\n"}))
    assert raw.villages.geometry.loc["V1"].distance(wgs.villages.geometry.loc["V1"]) > 100
    assert gcj.source_crs == "GCJ-02"


def test_projected_csv_with_declared_crs(county_folder):
    text = ("village_id,name,township,x,y,g1_3,g4_6,g7_9\nV1,甲村,城关镇,509600,3330000,1,2,3\n"
            "V2,乙村,城关镇,511500,3331000,4,5,6\n")
    schools = SCHOOLS_CSV.replace(",lon,lat,", ",x,y,")
    for ll, xy in (("105.11,30.10", "510600,3330100"), ("105.20,30.06", "519000,3325000"),
                   ("105.11,30.11", "510600,3331100")):
        schools = schools.replace(ll, xy)
    county = read_county(county_folder(villages=text, schools=schools, files={"county.yaml": "crs: EPSG:32648\n"}))
    assert county.villages.geometry.loc["V2"].x == pytest.approx(511500)
    with pytest.raises(LayoutInputError, match="look like degrees"):
        read_county(county_folder(villages=text, schools=SCHOOLS_CSV, files={"county.yaml": "crs: EPSG:32648\n"}))


def test_manifest_files_columns_and_standards(county_folder):
    villages = VILLAGES_CSV.replace("population", "人口数量")
    manifest = ("name: 示例县\nfiles: {villages: 村庄表.csv}\ncolumns: {villages: {人口数量: population}}\n"
                "standards: province.yaml\n")
    folder = county_folder(villages=None, files={"村庄表.csv": villages, "county.yaml": manifest,
                                                 "province.yaml": "travel: {walk_limit_minutes: {g1_3: 20}}\n"})
    county = read_county(folder)
    assert county.name == "示例县" and county.villages.loc["V1", "population"] == 800
    assert county.standards.walk_limit("g1_3") == 20


def _assert_same_county(a, b):
    for layer in ("villages", "schools"):
        x, y = getattr(a, layer), getattr(b, layer)
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")),
                                      pd.DataFrame(y.drop(columns="geometry")), check_dtype=False)
        assert np.allclose(x.geometry.x, y.geometry.x, atol=1e-3) and np.allclose(x.geometry.y, y.geometry.y, atol=1e-3)
    for layer in ("roads", "townships"):
        x, y = getattr(a, layer), getattr(b, layer)
        assert (x is None) == (y is None)
        if x is not None:
            assert len(x) == len(y)
            assert x.geometry.geom_equals_exact(y.geometry, tolerance=0.01).all()
    assert a.name == b.name and a.crs == b.crs


def test_round_trip_is_lossless(county_folder, tmp_path):
    county = read_county(county_folder())
    again = read_county(write_county(county, tmp_path / "copy"))
    _assert_same_county(county, again)
    third = read_county(again.to_folder(tmp_path / "copy2"))
    _assert_same_county(again, third)


@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample county not generated yet")
def test_sample_round_trip(tmp_path):
    county = read_county(SAMPLE)
    _assert_same_county(county, read_county(county.to_folder(tmp_path / "s")))


def test_failed_write_leaves_earlier_folder_intact(county_folder, tmp_path, monkeypatch):
    county = read_county(county_folder())
    target = write_county(county, tmp_path / "out")
    before = (target / "villages.csv").read_bytes()

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("layout.io.write._schools_table", boom)
    with pytest.raises(OSError):
        write_county(county, target)
    assert (target / "villages.csv").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["county", "out"], "no temporary folder is left behind"


def test_cli_check_prints_summary(county_folder, capsys):
    assert main(["check", str(county_folder()), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "villages: 3" in out and "small schools (< 100 pupils): 1" in out and "河口乡" in out
    assert main(["check", str(county_folder()), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["children"]["total"] == 129 and data["schools_by_kind"]["middle"] == 1
    assert {r["township"] for r in data["by_township"]} == {"城关镇", "河口乡"}


def test_cli_help_lists_commands(capsys):
    assert main(["--help"]) == 0
    assert "check" in capsys.readouterr().out


def test_shapefile_townships_and_xlsx_with_chinese_headers(county_folder):
    folder = county_folder(villages=None, schools=None)
    pd.read_csv(pd.io.common.StringIO(GBK_VILLAGES)).to_excel(folder / "villages.xlsx", index=False)
    pd.read_csv(pd.io.common.StringIO(GBK_SCHOOLS)).to_excel(folder / "schools.xlsx", index=False)
    twp = gpd.GeoDataFrame({"乡镇名称": ["城关镇"]},
                           geometry=[Polygon([(105, 30), (105.3, 30), (105.3, 30.2), (105, 30.2)])], crs=4490)
    twp.to_file(folder / "townships.shp", encoding="gbk")  # Chinese DBF, as ArcGIS writes it
    (folder / "townships.cpg").unlink(missing_ok=True)       # and often without a .cpg saying so
    county = read_county(folder)
    assert list(county.townships["township"]) == ["城关镇"]
    assert county.schools.loc["S2", "kind"] == "middle" and county.villages.loc["V1", "g7_9"] == 25


def test_writing_keeps_other_files_and_refuses_ambiguous_layers(county_folder, tmp_path):
    county = read_county(county_folder())
    target = write_county(county, tmp_path / "out")
    (target / "proposals").mkdir()
    (target / "proposals" / "p.yaml").write_text("name: p\n", encoding="utf-8")
    write_county(county, target)
    assert (target / "proposals" / "p.yaml").exists()
    (target / "villages.xlsx").write_bytes(b"x")
    with pytest.raises(LayoutInputError, match="already holds villages.xlsx"):
        write_county(county, target)


def test_roads_with_both_road_class_and_highway(county_folder):
    folder = county_folder()
    roads = gpd.GeoDataFrame({"road_class": ["county"], "highway": ["tertiary"]},
                             geometry=[LineString([(105.1, 30.1), (105.2, 30.1)])], crs=4326)
    roads.to_file(folder / "roads.geojson", driver="GeoJSON")
    county = read_county(folder)
    assert list(county.roads["road_class"]) == ["county"]
