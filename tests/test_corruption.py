"""Corruption suite: hostile inputs run through the command line, each of which must

* exit with status 2,
* name the file, and the row (line) and column (key) where there is one, in its message,
* print no traceback,
* leave the outputs of an earlier run in ``--out`` byte-identical, with no temporary file beside them.

Cases are grouped by family (standards, county.yaml, YAML, numbers, coordinates, tables, proposals, file system);
``test_suite_size`` keeps the count honest. The county is the small folder of ``tests/conftest.py`` (no
sample-county ids), so the suite does not change when the sample county is regenerated.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, Polygon

from layout.cli import main

from .conftest import SCHOOLS_CSV, VILLAGES_CSV

V, S = VILLAGES_CSV, SCHOOLS_CSV
ROW = {"V1": 2, "V2": 3, "V3": 4, "S1": 2, "S2": 3, "S3": 4}   # spreadsheet rows of the fixture's records


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"test setup: {old!r} not in the text"
    return text.replace(old, new, 1)


@dataclass
class Case:
    """One hostile input: files to write (relative to the case folder; ``None`` deletes; a callable writes),
    the command line, and what the message must name."""

    family: str
    name: str
    files: dict[str, str | bytes | None | Callable[[Path], None]]
    file: str
    row: int | None = None
    column: str | None = None
    argv: list[str] = field(default_factory=lambda: ["evaluate", "{county}", "--out", "{out}"])
    says: str | None = None


CASES: list[Case] = []


def case(*args, **kwargs) -> None:
    CASES.append(Case(*args, **kwargs))


def standards(name: str, text: str, row: int | None, column: str, says: str | None = None,
              family: str = "standards") -> None:
    """A provincial standards file named in county.yaml."""
    case(family, name, {"county/county.yaml": "standards: province.yaml\n", "county/province.yaml": text},
         "province.yaml", row, column, says=says)


def manifest(name: str, text: str | bytes, row: int | None, column: str | None, says: str | None = None,
             extra: dict | None = None, family: str = "county.yaml") -> None:
    case(family, name, {"county/county.yaml": text, **(extra or {})}, "county.yaml", row, column, says=says)


# ---- standards: unknown keys, types, ranges, bins, rules across keys ---------------------------------------
standards("walk speed negative (hung the search)", "modes:\n  walk:\n    speed_kmh: -4\n", 3, "modes.walk.speed_kmh",
          "above 0")
standards("walk speed zero (every child unserved)", "modes:\n  walk:\n    speed_kmh: 0\n", 3, "modes.walk.speed_kmh")
standards("walk speed NaN", "modes:\n  walk:\n    speed_kmh: .nan\n", 3, "modes.walk.speed_kmh", "finite")
standards("walk speed infinite", "modes:\n  walk:\n    speed_kmh: .inf\n", 3, "modes.walk.speed_kmh")
standards("bus speed as text", "modes:\n  bus:\n    default_speed_kmh: fast\n", 3, "modes.bus.default_speed_kmh",
          "must be a number")
standards("bus class speed negative", "modes:\n  bus:\n    road_class_speed_kmh: {county: -35}\n", 3,
          "modes.bus.road_class_speed_kmh.county")
standards("speed for an unknown road class", "modes:\n  bus:\n    road_class_speed_kmh: {dirt: 10}\n", 3,
          "modes.bus.road_class_speed_kmh.dirt", "unknown road class")
standards("walk limit key misspelt", "travel:\n  walk_limit_minute: {g1_3: 20}\n", 2, "travel.walk_limit_minute",
          "did you mean 'walk_limit_minutes'")
standards("unknown section misspelt", "travle:\n  walk_limit_minutes: {g1_3: 20}\n", 1, "travle", "did you mean 'travel'")
standards("class_size banana", "class_size: banana\n", 1, "class_size", "must be a mapping")
standards("class size limit fractional", "class_size:\n  limit: {primary: 45.5}\n", 2, "class_size.limit.primary",
          "whole number")
standards("class size limit zero", "class_size:\n  limit: {middle: 0}\n", 2, "class_size.limit.middle")
standards("report bins lose 30", "travel:\n  report_bins_minutes: [20, 40]\n", 2, "travel.report_bins_minutes",
          "30 minutes")
standards("report bins decreasing", "travel:\n  report_bins_minutes: [45, 30, 15]\n", 2,
          "travel.report_bins_minutes", "increase")
standards("report bins empty", "travel:\n  report_bins_minutes: []\n", 2, "travel.report_bins_minutes", "empty")
standards("report bin fractional", "travel:\n  report_bins_minutes: [15, 30, 45.5]\n", 2,
          "travel.report_bins_minutes.2")
standards("walk limit zero", "travel:\n  walk_limit_minutes: {g1_3: 0}\n", 2, "travel.walk_limit_minutes.g1_3")
standards("walk limit a week", "travel:\n  walk_limit_minutes: {g4_6: 10080}\n", 2, "travel.walk_limit_minutes.g4_6",
          "at most")
standards("walk limit null", "travel:\n  walk_limit_minutes: null\n", 2, "travel.walk_limit_minutes", "not empty")
standards("bus limit negative", "travel:\n  bus_limit_minutes: {g7_9: -10}\n", 2, "travel.bus_limit_minutes.g7_9")
standards("may_bus not yes/no", "travel:\n  may_bus: {g1_3: perhaps}\n", 2, "travel.may_bus.g1_3", "yes/no")
standards("share above one", "costs:\n  poor_boarder_share: 1.5\n", 2, "costs.poor_boarder_share", "at most 1")
standards("negative capital cost", "costs:\n  new_seat_capital: -25000\n", 2, "costs.new_seat_capital")
standards("bus seats zero", "costs:\n  bus_seats: 0\n", 2, "costs.bus_seats")
standards("bus seats empty", "costs:\n  bus_seats:\n", 2, "costs.bus_seats", "not empty")
standards("bus vehicle capital negative (new bus key)", "costs:\n  bus_vehicle_capital: -5\n", 2,
          "costs.bus_vehicle_capital")
standards("school days beyond a year", "costs:\n  school_days_per_year: 400\n", 2, "costs.school_days_per_year")
standards("pupils per post zero (staffing)", "staffing:\n  pupils_per_post: {primary: 0}\n", 2,
          "staffing.pupils_per_post.primary")
standards("attrition share 2 (staffing)", "staffing:\n  attrition_share_per_year: 2\n", 2,
          "staffing.attrition_share_per_year")
standards("unknown staffing key", "staffing:\n  salary_per_teacher: 80000\n", 2, "staffing.salary_per_teacher",
          "did you mean")
standards("frontier points a billion (would run for ever)", "recommend:\n  frontier_points: 1000000000\n", 2,
          "recommend.frontier_points")
standards("grade band backwards", "grade_bands:\n  g1_3: [3, 1]\n", 2, "grade_bands.g1_3", "backwards")
standards("grade band of three numbers", "grade_bands:\n  g4_6: [4, 5, 6]\n", 2, "grade_bands.g4_6", "2 items")
standards("school kind stage unknown", "school_kinds:\n  primary: {grades: [1, 6], stage: elementary}\n", 2,
          "school_kinds.primary.stage")
standards("road alias to unknown class", "road_classes:\n  aliases: {机耕道: tractor}\n", 2,
          "road_classes.aliases.机耕道", "canonical road class")
standards("class bands out of order", "class_size:\n  bands:\n    - {name: normal, zh: 正常, min: 0, max: 45}\n"
          "    - {name: big, zh: 大, min: 60, max: null}\n", 4, "class_size.bands.1.min", "follow on")
standards("pass rule needs more indicators than exist", "quality_balance:\n  school_pass_min_met: 9\n", 2,
          "quality_balance.school_pass_min_met")
standards("CV limit zero", "quality_balance:\n  cv_limit: {primary: 0}\n", 2, "quality_balance.cv_limit.primary")
standards("entry age 30", "demand:\n  entry_age: 30\n", 2, "demand.entry_age", "at most 10")
standards("snap distance negative", "modes:\n  snapping:\n    max_snap_metres: -1\n", 3,
          "modes.snapping.max_snap_metres")
standards("detour factor below one", "modes:\n  straight_line_fallback:\n    detour_factor: 0.5\n", 3,
          "modes.straight_line_fallback.detour_factor")
standards("override is a list", "- travel\n- costs\n", None, "", "mapping of sections")
standards("duplicate section", "travel:\n  walk_limit_minutes: {g1_3: 25}\ntravel:\n  may_bus: {g1_3: false}\n", 3,
          "travel", "duplicate key")
case("standards", "standards file missing", {"county/county.yaml": "standards: guizhou.yaml\n"}, "county.yaml", 1,
     "standards", says="not found")
case("standards", "inline standards with a typo",
     {"county/county.yaml": "name: 示例县\nstandards:\n  travel:\n    may_buss: {g1_3: false}\n"}, "county.yaml", 4,
     "standards.travel.may_buss", says="did you mean 'may_bus'")
case("standards", "inline standards out of range",
     {"county/county.yaml": "standards: {modes: {walk: {speed_kmh: -4}}}\n"}, "county.yaml", 1,
     "standards.modes.walk.speed_kmh")

# ---- county.yaml: schema (keys, types, ranges), targets ------------------------------------------------------
manifest("unknown key misspelt", "name: x\nstanards: p.yaml\n", 2, "stanards", "did you mean 'standards'")
manifest("columns of a layer as text", "columns: {schools: name}\n", 1, "columns.schools", "must be a mapping")
manifest("columns as a list", "columns: [name]\n", 1, "columns", "must be a mapping")
manifest("encoding a number", "encoding: 5\n", 1, "encoding", "must be text")
manifest("encoding unknown", "encoding: utf-9\n", 1, "encoding", "unknown text encoding")
manifest("standards a number", "standards: 5\n", 1, "standards", "must be text or a mapping")
manifest("files for an unknown layer", "files: {vilages: v.csv}\n", 1, "files.vilages", "did you mean 'villages'")
manifest("files entry empty", "files: {villages: ''}\n", 1, "files.villages", "must not be empty")
manifest("coordinates a list", "coordinates: {lon: [x], lat: y}\n", 1, "coordinates.lon")
manifest("coordinates unknown key", "coordinates: {lng: x, lat: y}\n", 1, "coordinates.lng")
manifest("crs unknown", "crs: EPSG:999999\n", None, "crs", "unknown coordinate reference system")
manifest("crs a list", "crs: [4490]\n", 1, "crs")
manifest("targets close_under negative", "targets:\n  close_under: -1\n", 2, "targets.close_under", "at least 0")
manifest("targets close_under fractional", "targets:\n  close_under: 49.5\n", 2, "targets.close_under", "whole number")
manifest("targets max_schools zero", "targets:\n  max_schools: {primary: 0}\n", 2, "targets.max_schools.primary")
manifest("targets max_schools unknown stage", "targets:\n  max_schools: {primay: 3}\n", 2,
         "targets.max_schools.primay", "did you mean 'primary'")
manifest("targets boarding per township 5", "targets:\n  boarding_per_township: 5\n", 2,
         "targets.boarding_per_township")
manifest("targets boarding range backwards", "targets:\n  boarding_per_township: [3, 1]\n", 2,
         "targets.boarding_per_township", "backwards")
manifest("targets boarding range of three", "targets:\n  boarding_per_township: [1, 2, 3]\n", 2,
         "targets.boarding_per_township")
manifest("targets budget negative", "targets:\n  budget: -1\n", 2, "targets.budget")
manifest("targets budget NaN", "targets:\n  budget: .nan\n", 2, "targets.budget", "finite")
manifest("targets keep not a list", "targets:\n  keep: S1\n", 2, "targets.keep", "must be a list")
manifest("targets keep and must_close overlap", "targets:\n  keep: [S1]\n  must_close: [S1, S2]\n", 3,
         "targets.must_close", "both in must_close and in keep")
manifest("targets unknown key", "targets:\n  close_below: 50\n", 2, "targets.close_below", "did you mean 'close_under'")
manifest("manifest is a list", "- name\n- crs\n", 1, None, "must be a mapping")

# ---- YAML read strictly: duplicates, aliases, size, syntax ---------------------------------------------------
LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
         "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
manifest("county.yaml duplicate key", "name: 甲县\ncrs: EPSG:4490\nname: 乙县\n", 3, "name", "duplicate key", family="yaml")
manifest("county.yaml billion laughs", LAUGHS, 1, None, "anchors and aliases", family="yaml")
manifest("county.yaml nested too deep", "notes: " + "[" * 60 + "]" * 60 + "\n", 1, None, "nested more than", family="yaml")
manifest("county.yaml not UTF-8", "name: 示例县\n".encode("gbk"), 1, None, "not UTF-8", family="yaml")
manifest("county.yaml invalid syntax", "name: [unclosed\ncrs: x\n", None, None, "not valid YAML", family="yaml")
manifest("county.yaml larger than the bound", "notes: '" + "x" * (5 * 1024 * 1024) + "'\n", None, None, "larger than", family="yaml")
standards("standards billion laughs", LAUGHS.replace("a:", "travel:", 1), 1, "", "anchors and aliases", family="yaml")
PROPOSAL_ARGV = ["evaluate", "{county}", "{root}/p.yaml", "--out", "{out}"]


def proposal(family: str, name: str, text: str | bytes, row: int | None, column: str | None,
             says: str | None = None) -> None:
    case(family, name, {"p.yaml": text}, "p.yaml", row, column, argv=PROPOSAL_ARGV, says=says)


proposal("yaml", "proposal second actions block", "name: A\nactions:\n  - close: S2\nactions:\n  - close: S1\n", 4,
         "actions", "duplicate key")
proposal("yaml", "proposal merge from twice", "actions:\n  - merge: {from: S2, from: S1, into: S1}\n", 2, "from",
         "duplicate key")
proposal("yaml", "proposal billion laughs", "actions: &a [{close: S2}]\nmore: [*a, *a, *a]\n", 1, None,
         "anchors and aliases")
proposal("yaml", "proposal invalid date", "name: A\ndate: 2024-13-45\nactions: []\n", 2, None, "cannot be read")
proposal("yaml", "proposal 10000-digit number", "actions:\n  - expand: {school: S1, seats: " + "9" * 10000 + "}\n", 2,
         None, "too many digits")
proposal("yaml", "proposal python tag", "actions: !!python/object/apply:os.system [ls]\n", 1, None, "not valid YAML")
proposal("yaml", "proposal two documents", "actions: []\n---\nactions: []\n", 2, None, "not valid YAML")
proposal("yaml", "proposal not UTF-8", "name: 方案\nactions: []\n".encode("gbk"), 1, None, "not UTF-8")
proposal("yaml", "proposal is a list", "- close: S2\n", None, None, "must be a mapping")
proposal("numbers", "proposal of 5,000 actions (minutes of work)", "actions:\n" + "  - expand: {school: S1, seats: 1}\n"
         * 5000, None, "actions", "more than 100")
case("numbers", "workbook that unpacks to gigabytes (zip bomb)", {"county/schools.csv": None, "county/schools.xlsx":
     lambda p: _zip_bomb(p)}, "schools.xlsx", None, None, says="unpacks to")
proposal("yaml", "proposal tab indentation", "actions:\n\t- close: S2\n", 2, None, "not valid YAML")

# ---- numbers: counts within stated maxima, no overflow --------------------------------------------------------
def _zip_bomb(p: Path) -> None:
    import zipfile

    with zipfile.ZipFile(p, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"<row>" + b" " * (1 << 20) + b"</row>"
            for _ in range(600):
                f.write(chunk)


SCHOOL_ROW = "S1,城关小学,primary,城关镇,105.11,30.10,320,8,360,0,1,20,18"


def school_cell(name: str, new_row: str, column: str, says: str = "not a credible") -> None:
    case("numbers", name, {"county/schools.csv": edit(S, SCHOOL_ROW, new_row)}, "schools.csv", ROW["S1"], column,
         says=says)


school_cell("enrolment above 20,000", "S1,城关小学,primary,城关镇,105.11,30.10,20001,8,30000,0,1,20,18", "enrolment")
school_cell("seats 1e308 (became -9.2e18)", "S1,城关小学,primary,城关镇,105.11,30.10,320,8,1e308,0,1,20,18", "seats")
school_cell("beds 1e30", "S1,城关小学,primary,城关镇,105.11,30.10,320,8,360,1e30,1,20,18", "beds")
school_cell("classes a billion", "S1,城关小学,primary,城关镇,105.11,30.10,320,1000000000,360,0,1,20,18", "classes")
school_cell("teachers 1e12", "S1,城关小学,primary,城关镇,105.11,30.10,320,8,360,0,1,1e12,18", "teachers")
school_cell("seats infinite", "S1,城关小学,primary,城关镇,105.11,30.10,320,8,inf,0,1,20,18", "seats", "not a number")
case("numbers", "village children a million", {"county/villages.csv": edit(V, "V1,甲村,城关镇,105.10,30.10,800,30",
                                                                            "V1,甲村,城关镇,105.10,30.10,800,1000000")},
     "villages.csv", ROW["V1"], "g1_3", says="not a credible")
case("numbers", "village population 1e11", {"county/villages.csv": edit(V, "105.10,30.10,800", "105.10,30.10,1e11")},
     "villages.csv", ROW["V1"], "population", says="not a credible")
case("numbers", "enrolment by grade 99999",
     {"county/schools.csv": "school_id,name,kind,township,lon,lat,enrol_1,classes\n"
                            "S1,小学,primary,城关镇,105.11,30.10,99999,2\n"}, "schools.csv", 2, "enrol_1",
     says="not a credible")
case("numbers", "floor area 1e30", {"county/schools.csv": S.replace("teachers_degree", "teachers_degree,floor_teaching")
                                    .replace("20,18\n", "20,18,1e30\n").replace("2,1\n", "2,1,100\n")
                                    .replace("25,20\n", "25,20,900\n")}, "schools.csv", ROW["S1"], "floor_teaching",
     says="not a credible")
case("numbers", "boarders 1e30", {"county/schools.csv": S.replace("teachers_degree", "teachers_degree,boarders")
                                  .replace("20,18\n", "20,18,0\n").replace("2,1\n", "2,1,0\n")
                                  .replace("25,20\n", "25,20,1e30\n")}, "schools.csv", ROW["S3"], "boarders",
     says="not a credible")
proposal("numbers", "expand seats 1e30 (traceback)", "actions:\n  - expand: {school: S1, seats: 1e30}\n", 2, "seats",
         "at most 20,000")
proposal("numbers", "add_boarding beds 1e308", "actions:\n  - add_boarding: {school: S1, beds: 1e308}\n", 2, "beds",
         "at most")
proposal("numbers", "open seats 1e30", "actions:\n  - open: {id: N1, name: 新校, kind: primary, lon: 105.15, "
         "lat: 30.08, seats: 1e30}\n", 2, "seats", "at most")
proposal("numbers", "expand seats NaN", "actions:\n  - expand: {school: S1, seats: .nan}\n", 2, "seats",
         "whole number")
proposal("numbers", "open resources 1e308 teachers", "actions:\n  - open: {id: N1, name: 新校, kind: primary, "
         "lon: 105.15, lat: 30.08, seats: 300, resources: {teachers: 1e308}}\n", 2, "resources.teachers", "credible")
proposal("numbers", "expand seats negative", "actions:\n  - expand: {school: S1, seats: -90}\n", 2, "seats",
         "negative seats")
case("numbers", "road speed 5000 km/h", {"county/roads.gpkg": lambda p: gpd.GeoDataFrame(
    {"road_class": ["county", "county"], "speed_kmh": [40, 5000]},
    geometry=[LineString([(105.1, 30.1), (105.2, 30.1)]), LineString([(105.2, 30.1), (105.2, 30.05)])],
    crs=4326).to_file(p)}, "roads.gpkg", 2, "speed_kmh", says="not a credible")
case("numbers", "candidate seats 1e308",
     {"county/candidates.csv": "candidate_id,name,kind,lon,lat,seats\nC1,新中学,middle,105.15,30.08,1e308\n"},
     "candidates.csv", 2, "seats", says="whole numbers from 1")
case("numbers", "attendance children a billion",
     {"county/attendance.csv": "village_id,school_id,grade,children\nV1,S1,1,1000000000\n"}, "attendance.csv", 2,
     "children", says="not a credible")

# ---- coordinates ------------------------------------------------------------------------------------------------


def vector(layer: str, gdf_fn: Callable[[], gpd.GeoDataFrame], ext: str = "gpkg") -> Callable[[Path], None]:
    def write(p: Path) -> None:
        gdf_fn().to_file(p)
    return write


def villages_gdf(points, crs=4326) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"village_id": ["V1", "V2", "V3"], "name": ["甲村", "乙村", "丙村"],
                             "township": ["城关镇", "城关镇", "河口乡"], "g1_3": [30, 12, 5], "g4_6": [28, 10, 6],
                             "g7_9": [25, 9, 4]}, geometry=[Point(*p) for p in points], crs=crs)


GOOD = [(105.10, 30.10), (105.12, 30.11), (105.20, 30.05)]
for name, pts, row, says in (
        ("vector village at 0,0", [GOOD[0], (0, 0), GOOD[2]], 2, "0, 0"),   # vector rows: feature numbers
        ("vector village latitude 130", [GOOD[0], GOOD[1], (105.2, 130.0)], 3, "out of range"),
        ("vector village lon/lat swapped", [GOOD[0], (30.11, 105.12), GOOD[2]], 2, "swapped"),
        ("vector village 1000 km away", [GOOD[0], GOOD[1], (115.2, 30.05)], 3, "km from the county"),
        ("vector village longitude 500", [(500.0, 30.1), GOOD[1], GOOD[2]], 1, "out of range")):
    case("coordinates", name, {"county/villages.csv": None, "county/villages.gpkg": vector(
        "villages", lambda pts=pts: villages_gdf(pts))}, "villages.gpkg", row, "geometry", says=says)
case("coordinates", "school 1000 km from the others", {"county/schools.csv": edit(S, "105.20,30.06", "115.20,30.06")},
     "schools.csv", ROW["S2"], "lon/lat", says="km from the county")
case("coordinates", "village outside China in CGCS2000",
     {"county/county.yaml": "crs: EPSG:4490\n", "county/villages.csv": edit(V, "105.20,30.05", "-105.20,30.05")},
     "villages.csv", ROW["V3"], "lon/lat", says="outside China")
case("coordinates", "school outside China in GCJ-02",
     {"county/county.yaml": "crs: GCJ-02\n", "county/schools.csv": edit(S, "105.11,30.11", "10.11,30.11")},
     "schools.csv", ROW["S3"], "lon/lat", says="outside China")
case("coordinates", "vector schools outside China in EPSG:4490", {"county/schools.csv": None, "county/schools.gpkg":
     vector("schools", lambda: gpd.GeoDataFrame(
         {"school_id": ["S1", "S2", "S3"], "name": ["a", "b", "c"], "kind": ["primary", "teaching_point", "middle"],
          "township": ["城关镇", "河口乡", "城关镇"], "enrolment": [320, 18, 300], "classes": [8, 1, 6]},
         geometry=[Point(105.11, 30.10), Point(-70.0, -30.0), Point(105.11, 30.11)], crs=4490))},
     "schools.gpkg", 2, "geometry", says="outside China")
case("coordinates", "village 0,0 in CSV", {"county/villages.csv": edit(V, "105.12,30.11", "0,0")}, "villages.csv",
     ROW["V2"], "lon/lat", says="0, 0")
case("coordinates", "village latitude -95 in CSV", {"county/villages.csv": edit(V, "105.12,30.11", "105.12,-95")},
     "villages.csv", ROW["V2"], "lon/lat", says="out of range")
case("coordinates", "road vertex at longitude 500", {"county/roads.gpkg": vector("roads", lambda: gpd.GeoDataFrame(
    {"road_class": ["county", "village"]},
    geometry=[LineString([(105.1, 30.1), (105.2, 30.1)]), LineString([(105.2, 30.1), (500.0, 30.05)])], crs=4326))},
     "roads.gpkg", 2, "geometry", says="outside valid longitude")
case("coordinates", "township vertex at latitude 100", {"county/townships.gpkg": vector("townships",
     lambda: gpd.GeoDataFrame({"township": ["城关镇", "河口乡"]}, geometry=[
         Polygon([(105, 30), (105.15, 30), (105.15, 30.2), (105, 30.2)]),
         Polygon([(105.15, 30), (105.3, 30), (105.3, 100.0), (105.15, 30.2)])], crs=4326))},
     "townships.gpkg", 2, "geometry", says="outside valid longitude")
case("coordinates", "candidate site 1000 km away",
     {"county/candidates.csv": "candidate_id,name,kind,lon,lat,seats\nC1,新中学,middle,95.15,40.08,900\n"},
     "candidates.csv", 2, "lon/lat", says="km from the county")
case("coordinates", "proposal opens a school outside the county",
     {"p.yaml": "actions:\n  - open: {id: N1, name: 新校, kind: primary, lon: 115.15, lat: 30.08, seats: 300}\n"},
     "p.yaml", 2, "lon", argv=PROPOSAL_ARGV, says="outside the county")

# ---- tables: messages that point at the cause ---------------------------------------------------------------
case("tables", "mixed delimiters", {"county/villages.csv": edit(V, "V2,乙村,城关镇,105.12,30.11,500,12,10,9",
                                                                 "V2;乙村;城关镇;105.12;30.11;500;12;10;9")},
     "villages.csv", ROW["V2"], None, says="semicolons")
case("tables", "tab-separated row in a comma file", {"county/schools.csv": edit(S, SCHOOL_ROW,
                                                                                SCHOOL_ROW.replace(",", "\t"))},
     "schools.csv", ROW["S1"], None, says="tabs")


def _shapefile(p: Path, drop: str) -> None:
    villages_gdf(GOOD).to_file(p)
    p.with_suffix(drop).unlink()


case("tables", "shapefile without .dbf", {"county/villages.csv": None, "county/villages.shp":
                                          lambda p: _shapefile(p, ".dbf")}, "villages.shp", None, None, says=".dbf")
case("tables", "shapefile without .shx", {"county/villages.csv": None, "county/villages.shp":
                                          lambda p: _shapefile(p, ".shx")}, "villages.shp", None, None, says=".shx")
case("tables", "one-point road line", {"county/roads.geojson": json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"road_class": "village"},
     "geometry": {"type": "LineString", "coordinates": [[105.1, 30.1], [105.2, 30.1]]}},
    {"type": "Feature", "properties": {"road_class": "village"},
     "geometry": {"type": "LineString", "coordinates": [[105.15, 30.1]]}}]})}, "roads.geojson", 2, "geometry",
     says="single point")


def _formula_workbook(p: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for line in S.strip().splitlines():
        ws.append(line.split(","))
    ws["G3"] = "=SUM(G2:G2)"   # enrolment of S2, never computed
    wb.save(p)


case("tables", "formula without a saved value", {"county/schools.csv": None, "county/schools.xlsx": _formula_workbook},
     "schools.xlsx", 3, "enrolment", says="formula without a saved value")
case("tables", "empty villages file", {"county/villages.csv": ""}, "villages.csv", None, None, says="empty")
case("tables", "header only", {"county/schools.csv": S.splitlines()[0] + "\n"}, "schools.csv", None, None,
     says="no data rows")
case("tables", "workbook that is not a zip", {"county/schools.csv": None, "county/schools.xlsx": b"PK\x03\x04junk"},
     "schools.xlsx", None, None, says="cannot open the workbook")
case("tables", "binary garbage as CSV", {"county/villages.csv": bytes(range(256)) * 4}, "villages.csv", None, None)
case("tables", "declared encoding wrong", {"county/county.yaml": "encoding: utf-8\n",
                                           "county/villages.csv": V.encode("gb18030")}, "villages.csv", None, None,
     says="declared encoding")
case("tables", "unbalanced quote", {"county/villages.csv": edit(V, "V2,乙村", 'V2,"乙村')}, "villages.csv", None, None)
case("tables", "duplicate school id", {"county/schools.csv": edit(S, "S2,河口", "S1,河口")}, "schools.csv", ROW["S2"],
     "school_id", says="duplicate")
case("tables", "unknown school kind", {"county/schools.csv": edit(S, "teaching_point", "kindergarten")},
     "schools.csv", ROW["S2"], "kind", says="unknown school kind")
case("tables", "negative children", {"county/villages.csv": edit(V, "12,10,9", "12,-10,9")}, "villages.csv",
     ROW["V2"], "g4_6", says="negative")
case("tables", "fractional children", {"county/villages.csv": edit(V, "5,6,4", "5,6.5,4")}, "villages.csv",
     ROW["V3"], "g4_6", says="fractional")
case("tables", "GeoJSON that is not JSON", {"county/roads.geojson": "{not json"}, "roads.geojson", None, None,
     says="cannot read the layer")
case("tables", "columns mapped to an unknown column", {"county/county.yaml": "columns: {schools: {校名: nom}}\n"},
     "county.yaml", None, "校名", says="unknown column")
case("tables", "control characters and bidi in a name stay out of the message",
     {"county/villages.csv": edit(V, "V2,乙村", "V2,\x1b]8;;http://x\x07乙\u202e村,oops")}, "villages.csv", None,
     None)

# ---- proposals ----------------------------------------------------------------------------------------------
proposal("proposals", "unknown school id", "actions:\n  - close: S99\n", 2, None, "S99")
proposal("proposals", "merge cycle", "actions:\n  - merge: {from: S1, into: S2}\n  - merge: {from: S2, into: S1}\n", 2,
         "into")
proposal("proposals", "unknown action", "actions:\n  - demolish: S2\n", 2, "demolish", "unknown action")
proposal("proposals", "unknown field", "actions:\n  - expand: {school: S1, seat: 90}\n", 2, "seat", "unknown field")
proposal("proposals", "open at latitude 300", "actions:\n  - open: {id: N1, name: 新校, kind: primary, lon: 105.1, "
         "lat: 300, seats: 300}\n", 2, "lat")
proposal("proposals", "unknown top-level key", "name: A\nactoins:\n  - close: S2\n", None, "actoins", "unknown")

# ---- file system ----------------------------------------------------------------------------------------------
case("file system", "--out under a file", {"afile": "x"}, "afile", None, "--out",
     argv=["evaluate", "{county}", "--out", "{root}/afile/out"], says="a parent of --out is a file")
case("file system", "map --out is a folder", {"adir/x": "x"}, "adir", None, None,
     argv=["map", "{county}", "--out", "{root}/adir", "--no-catchments"], says="is a directory")
case("file system", "batch --out under a file", {"afile": "x", "props/a.yaml": "actions: []\n"}, "afile", None,
     "--out", argv=["batch", "{county}", "{root}/props", "--out", "{root}/afile/t.csv", "--quiet"])
case("file system", "report --out under a file", {"afile": "x"}, "afile", None, "--out",
     argv=["report", "{county}", "--out", "{root}/afile/r"])
case("file system", "travel --out under a file", {"afile": "x"}, "afile", None, "--out",
     argv=["travel", "{county}", "--out", "{root}/afile/m.csv"])
case("file system", "county folder missing", {}, "nope", None, None, argv=["check", "{root}/nope"],
     says="not a folder")
case("file system", "proposal is a folder", {"pdir/x": "x"}, "pdir", None, None,
     argv=["evaluate", "{county}", "{root}/pdir", "--out", "{out}"])
case("file system", "OSM file missing", {}, "none.osm.pbf", None, None,
     argv=["travel", "{county}", "--osm", "{root}/none.osm.pbf", "--out", "{root}/m.csv"])
case("file system", "standards path is a folder", {"county/county.yaml": "standards: sub\n", "county/sub/x": "x"},
     "county.yaml", 1, "standards", says="not found")


case("options", "years ahead a million (would project for ever)", {}, "--year", None, None,
     argv=["evaluate", "{county}", "--out", "{out}", "--year", "1000000"], says="0<=x<=100")
case("options", "plan horizon a million", {}, "--horizon", None, None,
     argv=["plan", "{county}", "--out", "{out}", "--horizon", "1000000"], says="0<=x<=100")


# ---- the test -------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def earlier_outputs(tmp_path_factory) -> Path:
    """The outputs of a good run of `layout evaluate` on the fixture county (what must survive every case)."""
    root = tmp_path_factory.mktemp("earlier")
    county = _county(root / "county")
    out = root / "out"
    assert main(["evaluate", str(county), "--out", str(out), "--lang", "en"]) == 0
    (out / "notes.txt").write_text("a planner's own file in --out\n", encoding="utf-8")
    return out


def _county(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "villages.csv").write_text(V, encoding="utf-8")
    (folder / "schools.csv").write_text(S, encoding="utf-8")
    return folder


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("c", CASES, ids=[f"{c.family}: {c.name}" for c in CASES])
def test_hostile_input_exits_2_naming_the_place_and_keeps_earlier_outputs(c: Case, tmp_path, earlier_outputs, capsys):
    root = tmp_path
    _county(root / "county")
    out = root / "out"
    shutil.copytree(earlier_outputs, out)
    for name, content in c.files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        if content is None:
            p.unlink(missing_ok=True)
        elif callable(content):
            content(p)
        else:
            p.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    before = _snapshot(out)
    siblings = sorted(p.name for p in root.iterdir())
    argv = [a.format(county=root / "county", out=out, root=root) for a in c.argv]
    code = main(argv)
    err = capsys.readouterr().err
    assert code == 2, f"exit {code}, expected 2:\n{err}"
    assert "Traceback" not in err
    assert c.file in err, f"the message does not name {c.file}:\n{err}"
    if c.row is not None:
        assert f"row {c.row}" in err, f"the message does not name row {c.row}:\n{err}"
    if c.column:
        assert f"column '{c.column}" in err, f"the message does not name column {c.column!r}:\n{err}"
    if c.says:
        assert c.says in err, f"the message does not say {c.says!r}:\n{err}"
    assert "\x1b" not in err and "\u202e" not in err, "control characters reached the terminal"
    assert _snapshot(out) == before, "earlier outputs in --out changed"
    assert sorted(p.name for p in root.iterdir()) == siblings, "a temporary file was left beside --out"


def test_suite_size():
    by_family = Counter(c.family for c in CASES)
    names = [f"{c.family}: {c.name}" for c in CASES]
    assert len(set(names)) == len(names), "case names must be distinct"
    assert len(CASES) >= 120, by_family
    print("corruption suite:", len(CASES), dict(sorted(by_family.items())))


def test_hostile_input_through_a_real_process_prints_no_traceback(tmp_path):
    """The same promise end to end in a separate process (the console script), for a few families."""
    import subprocess
    import sys

    county = _county(tmp_path / "county")
    (county / "county.yaml").write_text("standards: {modes: {walk: {speed_kmh: -4}}}\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    script = "import sys; from layout.cli import main; sys.exit(main(sys.argv[1:]))"
    run = subprocess.run([sys.executable, "-c", script, "evaluate", str(county), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "county.yaml, row 1, column 'standards.modes.walk.speed_kmh'" in run.stderr
    assert not (tmp_path / "o").exists()


def test_api_type_checks(tmp_path):
    from layout import read_county
    from layout.errors import LayoutInputError
    from layout.evaluate import evaluate

    with pytest.raises(TypeError, match="read_county needs the path"):
        read_county(None)
    county = read_county(_county(tmp_path / "county"))
    with pytest.raises(TypeError, match="read_proposal"):
        evaluate(county, "x")
    with pytest.raises(TypeError, match="year"):
        evaluate(county, year="10")
    with pytest.raises(LayoutInputError, match="years ahead"):
        evaluate(county, year=-1)


def test_osm_node_with_impossible_coordinates_is_dropped_with_a_count(tmp_path, capsys):
    osm = tmp_path / "roads.osm"
    osm.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="t">\n'
                   '<node id="1" lat="30.10" lon="105.10"/><node id="2" lat="30.11" lon="105.12"/>\n'
                   '<node id="3" lat="1e308" lon="105.15"/><node id="4" lat="30.05" lon="105.20"/>\n'
                   '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>'
                   '<tag k="highway" v="residential"/></way>\n</osm>\n', encoding="utf-8")
    from layout.network.osm import OsmDataWarning, read_osm_roads

    with pytest.warns(OsmDataWarning, match="1 OpenStreetMap node"):
        roads = read_osm_roads(osm)
    assert roads.attrs["dropped_nodes"] == 1
    assert roads.length.sum() < 30_000   # 2 short segments, not 3,300 km to the equator and back
    county = _county(tmp_path / "county")
    assert main(["travel", str(county), "--osm", str(osm), "--out", str(tmp_path / "m.csv")]) == 0
    assert "1 OpenStreetMap node(s) with impossible coordinates dropped" in capsys.readouterr().out


def test_spreadsheet_outputs_neutralise_formulas_and_strip_controls(tmp_path):
    import openpyxl
    import pandas as pd

    from layout.batch import write_table
    from layout.io.safe_tables import safe_csv_text

    names = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "\t=1", "\r=1", "S\u202e12", "\x1b[31m甲"]
    table = pd.DataFrame({"county": ["c"] * len(names), "proposal": names, "file": [""] * len(names),
                          "status": ["ok"] * len(names), "error": [""] * len(names)})
    csv_text = write_table(table, tmp_path / "t.csv").read_bytes().decode("utf-8-sig")
    for line in csv_text.splitlines()[1:]:
        cell = line.split(",")[1].strip('"')
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), line
    assert "\u202e" not in csv_text and "\x1b" not in csv_text
    ws = openpyxl.load_workbook(write_table(table, tmp_path / "t.xlsx")).worksheets[0]
    assert all(c.data_type == "s" for c in ws["B"][1:])
    assert "\u202e" not in safe_csv_text(table) and safe_csv_text(pd.DataFrame({"a": [-3]})) == "a\n-3\n"
    buf = io.StringIO(csv_text)
    assert len(pd.read_csv(buf)) == len(names)


def test_a_failing_county_is_recorded_and_the_others_finish(tmp_path, capsys):
    import pandas as pd

    province = tmp_path / "province"
    for name in ("good", "bad", "broken"):
        county = _county(province / name)
        (county / "proposals").mkdir()
        (county / "proposals" / "a.yaml").write_text("name: A\nactions: []\n", encoding="utf-8")
    (province / "bad" / "county.yaml").write_text(LAUGHS, encoding="utf-8")
    (province / "broken" / "schools.csv").write_text(edit(S, SCHOOL_ROW, SCHOOL_ROW.replace("360", "1e308")),
                                                      encoding="utf-8")
    code = main(["batch", "--counties", str(province), "proposals", "--out", str(tmp_path / "t.csv"), "--quiet",
                 "--processes", "1", "--no-cache", "--lang", "en"])
    err = capsys.readouterr().err
    assert code == 0, err
    table = pd.read_csv(tmp_path / "t.csv", encoding="utf-8-sig")
    status = dict(zip(table["county"], table["status"], strict=True))
    assert status == {"good": "ok", "bad": "invalid", "broken": "invalid"}, table
    assert "Traceback" not in err
