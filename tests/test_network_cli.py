"""`layout travel` end to end on a small county folder (roads as GeoJSON, and an OSM file)."""

from __future__ import annotations

import json
import logging
import math

import pandas as pd
import pytest

from layout.cli import main

ROADS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"road_class": "县道"},
     "geometry": {"type": "LineString", "coordinates": [[105.09, 30.10], [105.12, 30.11], [105.20, 30.06]]}},
    {"type": "Feature", "properties": {"road_class": "village"},
     "geometry": {"type": "LineString", "coordinates": [[105.20, 30.06], [105.20, 30.04]]}},
    {"type": "Feature", "properties": {"road_class": "footpath"},
     "geometry": {"type": "LineString", "coordinates": [[105.12, 30.11], [105.12, 30.115]]}},
]}

OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="30.10" lon="105.09"/><node id="2" lat="30.11" lon="105.12"/>
  <node id="3" lat="30.05" lon="105.20"/>
  <way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="secondary"/></way>
</osm>
"""


def read(path):
    return pd.read_csv(path, dtype={"village_id": str, "school_id": str})


@pytest.mark.parametrize("mode", ["walk", "bus"])
def test_travel_writes_the_long_table(county_folder, tmp_path, capsys, mode):
    folder = county_folder(files={"roads.geojson": json.dumps(ROADS)})
    out = tmp_path / "out" / "matrix.csv"
    assert main(["travel", str(folder), "--mode", mode, "--out", str(out)]) == 0
    table = read(out)
    assert list(table.columns) == ["village_id", "school_id", "mode", "minutes", "metres"]
    assert len(table) == 9 and set(table["mode"]) == {mode}
    assert table["minutes"].map(math.isfinite).all()
    # trips follow the road: never shorter than the straight line, and the bus includes its wait
    row = table.set_index(["village_id", "school_id"]).loc[("V1", "S2")]
    assert row["metres"] > 10_000
    if mode == "bus":
        assert (table["minutes"] >= 5.0).all()
    text = capsys.readouterr().out
    assert "3 个村庄 × 3 所学校" in text and ("步行" if mode == "walk" else "校车") in text   # Chinese by default
    assert not list(out.parent.glob("*.tmp"))


def test_travel_without_roads_warns_it_is_an_estimate(county_folder, tmp_path, capsys):
    folder = county_folder()
    out = tmp_path / "m.csv"
    assert main(["travel", str(folder), "--out", str(out)]) == 0
    assert "估算值" in capsys.readouterr().err
    assert main(["travel", str(folder), "--out", str(out), "--lang", "en"]) == 0
    captured = capsys.readouterr()
    assert "ESTIMATE" in captured.err and "3 villages × 3 schools, walking: 9 pairs" in captured.out
    assert len(read(out)) == 9


def test_travel_on_an_osm_file_with_cutoff_and_cache(county_folder, tmp_path, capsys):
    folder = county_folder()
    osm = tmp_path / "county.osm"
    osm.write_text(OSM, encoding="utf-8")
    out = tmp_path / "m.csv"
    cache = tmp_path / "cache"
    args = ["travel", str(folder), "--osm", str(osm), "--mode", "walk", "--out", str(out), "--cutoff", "60",
            "--cache-dir", str(cache), "--lang", "en"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "RoadNetwork(" in text and "unreachable pairs" in text and "beyond the 60-minute cutoff" in text
    table = read(out)
    assert (table["minutes"].map(math.isinf) | (table["minutes"] <= 60)).all()
    assert list(cache.glob("*.npz"))
    assert main([*args, "-v"]) == 0                     # second run from the cache, same file, and says so
    pd.testing.assert_frame_equal(read(out), table)
    err = capsys.readouterr().err
    assert "layout.network.cache: travel cache: walk matrix from" in err
    assert "road network: 1 lines" in err                 # what was built, at INFO level


def test_quiet_and_verbose(county_folder, tmp_path, capsys, monkeypatch):
    import layout.network.route as route

    folder = county_folder(files={"roads.geojson": json.dumps(ROADS)})
    monkeypatch.setattr(route, "PROGRESS_DELAY_SECONDS", 0.0)      # a bar at once, however quick the search
    out = tmp_path / "m.csv"
    assert main(["travel", str(folder), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "walk (schools)" in err and "layout.network" not in err  # the bar, no log lines by default
    assert main(["travel", str(folder), "--out", str(out), "-q"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["travel", str(folder), "--out", str(out), "-vv"]) == 0
    err = capsys.readouterr().err
    assert "walk: 3 villages × 3 schools" in err and ("bucket queue" in err or "heap queue" in err)
    assert main(["travel", str(folder), "--out", str(out), "-q", "-v"]) == 2
    assert "not both" in capsys.readouterr().err
    # the command put the loggers back as they were
    assert not logging.getLogger("layout").handlers and logging.getLogger("layout").level == logging.NOTSET


def test_bad_county_folder_exits_2(tmp_path, capsys):
    assert main(["travel", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.csv")]) == 2
    assert not (tmp_path / "m.csv").exists()
