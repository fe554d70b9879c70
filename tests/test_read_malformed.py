"""Malformed county folders: each gives one clear problem naming file, row and column — never a traceback."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from layout import read_county
from layout.cli import main
from layout.errors import LayoutInputError

from .conftest import SCHOOLS_CSV, VILLAGES_CSV


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} not in the CSV"
    return text.replace(old, new, 1)


V, S = VILLAGES_CSV, SCHOOLS_CSV

# case id -> (folder contents, expected file, row, column (substring), message substring)
CASES = {
    "village id missing": (dict(villages=edit(V, "V2,乙村", ",乙村")), "villages.csv", 3, "village_id", "missing value"),
    "duplicate village id": (dict(villages=edit(V, "V2,乙村", "V1,乙村")), "villages.csv", 3, "village_id", "duplicate"),
    "duplicate school id": (dict(schools=edit(S, "S2,河口", "S1,河口")), "schools.csv", 3, "school_id", "duplicate"),
    "required column missing": (dict(villages=V.replace("township,", "x,")), "villages.csv", None, "township",
                                "missing required column"),
    "school name column missing": (dict(schools=S.replace(",name,", ",nom,")), "schools.csv", None, "name",
                                   "missing required column"),
    "non-numeric count": (dict(villages=edit(V, "30,28,25", "thirty,28,25")), "villages.csv", 2, "g1_3", "not a number"),
    "negative count": (dict(villages=edit(V, "12,10,9", "12,-10,9")), "villages.csv", 3, "g4_6", "negative"),
    "fractional count": (dict(villages=edit(V, "5,6,4", "5,6.5,4")), "villages.csv", 4, "g4_6", "fractional"),
    "blank children count": (dict(villages=edit(V, "5,6,4", "5,,4")), "villages.csv", 4, "g4_6", "missing count"),
    "latitude missing": (dict(villages=edit(V, "105.12,30.11", "105.12,")), "villages.csv", 3, "lat", "missing value"),
    "longitude not a number": (dict(villages=edit(V, "105.12,30.11", "105.12E,30.11")), "villages.csv", 3, "lon",
                               "not a number"),
    "lon/lat swapped": (dict(villages=edit(V, "105.20,30.05", "30.05,105.20")), "villages.csv", 4, "lon/lat", "swapped"),
    "latitude out of range": (dict(villages=edit(V, "105.20,30.05", "-205.2,30.05")), "villages.csv", 4, "lon/lat",
                              "out of range"),
    "zero coordinates": (dict(villages=edit(V, "105.20,30.05", "0,0")), "villages.csv", 4, "lon/lat", "0, 0"),
    "mixed coordinate systems": (dict(villages=edit(V, "105.20,30.05", "510000.5,3320000.1")), "villages.csv", None,
                                 "lon, lat", "mixed coordinate systems"),
    "projected metres without crs": (dict(villages=V.replace("105.10,30.10", "509600,3330000")
                                          .replace("105.12,30.11", "511500,3331000")
                                          .replace("105.20,30.05", "519000,3324000")),
                                     "villages.csv", 2, "lon", "projected metres"),
    "unknown school kind": (dict(schools=edit(S, "teaching_point", "kindergarten")), "schools.csv", 3, "kind",
                            "unknown school kind"),
    "grades contradict kind": (dict(schools=S.replace("kind,", "kind,grades,").replace("primary,", "primary,7-9,")
                                    .replace("teaching_point,", "teaching_point,1-3,").replace("middle,", "middle,7-9,")),
                               "schools.csv", 2, "grades", "contradict"),
    "unreadable grade range": (dict(schools=S.replace("kind,", "kind,grades,").replace("primary,", "primary,one to six,")
                                    .replace("teaching_point,", "teaching_point,1-3,").replace("middle,", "middle,7-9,")),
                               "schools.csv", 2, "grades", "cannot read the grade range"),
    "classes 0 with pupils": (dict(schools=edit(S, "300,6,300", "300,0,300")), "schools.csv", 4, "classes",
                              "0 middle classes"),
    "pupils outside grades served": (dict(schools="school_id,name,kind,township,lon,lat,enrol_1,enrol_8,classes\n"
                                          "S1,小学,primary,城关镇,105.11,30.10,40,3,2\n"),
                                     "schools.csv", 2, "enrol_", "grades the school does not serve"),
    "enrolment total disagrees with grades": (dict(schools="school_id,name,kind,township,lon,lat,enrol_1,enrol_2,"
                                                   "enrolment,classes\nS1,小学,primary,城关镇,105.11,30.10,40,30,90,2\n"),
                                              "schools.csv", 2, "enrolment", "does not equal the sum by grade"),
    "band disagrees with single grades": (dict(villages="village_id,name,township,lon,lat,g1_3,"
                                               + ",".join(f"grade_{g}" for g in range(1, 10)) + "\n"
                                               "V1,甲村,城关镇,105.1,30.1,9,1,2,3,4,5,6,7,8,9\n"),
                                          "villages.csv", 2, "g1_3", "does not equal the sum"),
    "incomplete single grades": (dict(villages="village_id,name,township,lon,lat,grade_1,grade_2\n"
                                      "V1,甲村,城关镇,105.1,30.1,3,4\n"), "villages.csv", None, "grade_1",
                                 "incomplete"),
    "no children columns": (dict(villages="village_id,name,township,lon,lat\nV1,甲村,城关镇,105.1,30.1\n"),
                            "villages.csv", None, "g1_3", "no children columns"),
    "canteen not yes/no": (dict(schools=edit(S, "100,是", "100,maybe")), "schools.csv", 4, "canteen", "yes/no"),
    "more degree teachers than teachers": (dict(schools=edit(S, "25,20", "25,26")), "schools.csv", 4,
                                           "teachers_degree", "more teachers in a category"),
    "two headers for one column": (dict(schools=S.replace(",name,", ",校名,").replace("township,", "township,学校名称,")
                                        .replace("城关镇,105.11,30.10", "城关镇,x,105.11,30.10")
                                        .replace("河口乡,105.20", "河口乡,y,105.20")
                                        .replace("城关镇,105.11,30.11", "城关镇,z,105.11,30.11")),
                                   "schools.csv", None, "学校名称", "both mean 'name'"),
    "empty file": (dict(villages=""), "villages.csv", None, None, "empty"),
    "header only": (dict(villages="village_id,name,township,lon,lat,g1_3,g4_6,g7_9\n"), "villages.csv", None, None,
                    "no data rows"),
    "unreadable encoding": (dict(villages=V.encode("utf-8") + b"V9,\xff\xfe,x,105,30,1,1,1\n"), "villages.csv", None,
                            None, "unreadable text encoding"),
    "missing schools file": (dict(schools=None), "county", None, None, "no schools file"),
    "two files for one layer": (dict(files={"villages.txt": V}), "county", None, None, "several files for villages"),
    "manifest invalid yaml": (dict(files={"county.yaml": "name: [unclosed\n"}), "county.yaml", None, None,
                              "not valid YAML"),
    "manifest unknown key": (dict(files={"county.yaml": "name: x\nprojection: utm\n"}), "county.yaml", None,
                             "projection", "unknown key"),
    "manifest unknown crs": (dict(files={"county.yaml": "crs: EPSG:999999\n"}), "county.yaml", None, "crs",
                             "unknown coordinate reference system"),
    "manifest names missing file": (dict(files={"county.yaml": "files: {roads: roads.gpkg}\n"}), "county.yaml", None,
                                    "files", "not found"),
    "declared encoding wrong": (dict(villages=V.encode("gb18030"), files={"county.yaml": "encoding: utf-8\n"}),
                                "villages.csv", None, None, "declared encoding"),
    "corrupt workbook": (dict(schools=None, files={"schools.xlsx": b"PK\x03\x04 not really a zip"}), "schools.xlsx",
                         None, None, "cannot open the workbook"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_malformed_input_names_file_row_and_column(county_folder, case):
    contents, file, row, column, message = CASES[case]
    folder = county_folder(**contents)
    with pytest.raises(LayoutInputError) as info:
        read_county(folder)
    matches = [p for p in info.value.problems if message in p.message and p.file == file]
    assert matches, f"expected a problem in {file} saying {message!r}; got:\n{info.value.format()}"
    p = matches[0]
    if row is not None:
        assert p.row == row, info.value.format()
    if column is not None:
        assert column in (p.column or ""), info.value.format()
    assert p.fix, "every problem says how to fix it"


def test_all_problems_are_collected_in_one_pass(county_folder):
    villages = edit(edit(V, "30,28,25", "-1,28,25"), "105.20,30.05", "30.05,105.20")
    schools = edit(S, "teaching_point", "kindergarten")
    with pytest.raises(LayoutInputError) as info:
        read_county(county_folder(villages=villages, schools=schools))
    files = {(p.file, p.row) for p in info.value.problems}
    assert {("villages.csv", 2), ("villages.csv", 4), ("schools.csv", 3)} <= files


def _vector_folder(county_folder, layer: str, gdf: gpd.GeoDataFrame, manifest: str | None = None):
    folder = county_folder(files={"county.yaml": manifest} if manifest else None)
    gdf.to_file(folder / f"{layer}.gpkg", driver="GPKG")
    return folder


def test_unknown_township_against_boundaries(county_folder):
    twp = gpd.GeoDataFrame({"township": ["城关镇"]}, geometry=[Polygon([(105, 30), (105.3, 30), (105.3, 30.2),
                                                                   (105, 30.2)])], crs=4326)
    with pytest.raises(LayoutInputError) as info:
        read_county(_vector_folder(county_folder, "townships", twp))
    p = next(p for p in info.value.problems if "unknown township" in p.message and p.file == "villages.csv")
    assert (p.file, p.row, p.column, p.value) == ("villages.csv", 4, "township", "河口乡")


def test_layer_in_its_own_crs_far_from_the_county(county_folder):
    """A layer's own CRS is trusted and reprojected (county.yaml's crs is for CSV coordinates), so a wrong label
    shows as a layer thousands of kilometres from the county's points."""
    roads = gpd.GeoDataFrame({"road_class": ["county"]}, geometry=[LineString([(0, 0), (1000, 0)])], crs=3857)
    with pytest.raises(LayoutInputError) as info:
        read_county(_vector_folder(county_folder, "roads", roads, "crs: EPSG:4490\n"))
    p = next(p for p in info.value.problems if p.file == "roads.gpkg")
    assert "km from the county's villages and schools" in p.message and p.value == "EPSG:3857"


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_layer_without_crs(county_folder):
    roads = gpd.GeoDataFrame({"road_class": ["county"]}, geometry=[LineString([(105.1, 30.1), (105.2, 30.1)])])
    with pytest.raises(LayoutInputError) as info:
        read_county(_vector_folder(county_folder, "roads", roads))
    assert any("no coordinate reference system" in p.message for p in info.value.problems)


def test_unknown_road_class_and_wrong_geometry(county_folder):
    roads = gpd.GeoDataFrame({"road_class": ["county", "motorway", "goat track", "village"]},
                             geometry=[LineString([(105.1, 30.1), (105.2, 30.1)]),
                                       LineString([(105.1, 30.1), (105.1, 30.2)]),
                                       LineString([(105.2, 30.1), (105.2, 30.2)]), Point(105.1, 30.1)], crs=4326)
    with pytest.raises(LayoutInputError) as info:
        read_county(_vector_folder(county_folder, "roads", roads))
    by_msg = {p.message: p for p in info.value.problems}
    assert by_msg["unknown road class"].row == 3 and by_msg["unknown road class"].value == "goat track"
    assert by_msg["Point where a road line is expected"].row == 4


def test_empty_geometry_in_vector_layer(county_folder):
    folder = county_folder(villages=None)
    gdf = gpd.GeoDataFrame({"village_id": ["V1", "V2"], "name": ["甲", "乙"], "township": ["城关镇", "城关镇"],
                            "g1_3": [1, 2], "g4_6": [1, 2], "g7_9": [1, 2]},
                           geometry=[Point(105.1, 30.1), Point()], crs=4326)
    gdf.to_file(folder / "villages.gpkg", driver="GPKG")
    with pytest.raises(LayoutInputError) as info:
        read_county(folder)
    p = next(p for p in info.value.problems if p.message == "empty geometry")
    assert (p.file, p.row) == ("villages.gpkg", 2)


def test_not_a_folder(tmp_path):
    with pytest.raises(LayoutInputError, match="not a folder"):
        read_county(tmp_path / "nope")


def test_cli_prints_problems_without_traceback_and_exits_2(county_folder, capsys):
    folder = county_folder(villages=edit(V, "V2,乙村", "V1,乙村"))
    code = main(["check", str(folder)])
    err = capsys.readouterr().err
    assert code == 2
    assert "villages.csv, row 3, column 'village_id'" in err
    assert "Traceback" not in err
