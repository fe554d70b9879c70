"""Reading OpenStreetMap files offline (tiny hand-written XML; the shared Andorra extract when present)."""

from __future__ import annotations

import bz2
import gzip
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from layout.errors import LayoutInputError
from layout.network import RoadNetwork
from layout.network.osm import read_osm_roads
from layout.network.reference import reference_minutes

# Five nodes on a line of latitude near 105°E, 30°N, about 960 m apart (0.01° of longitude)
OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="30.0" lon="105.00" version="1"/>
  <node id="2" lat="30.0" lon="105.01" version="1"/>
  <node id="3" lat="30.0" lon="105.02" version="1"/>
  <node id="4" lat="30.01" lon="105.01" version="1"/>
  <node id="5" lat="30.01" lon="105.02" version="1"/>
  <node id="6" lat="30.02" lon="105.02" version="1"/>
  <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="name" v="县道一"/></way>
  <way id="11" version="1"><nd ref="2"/><nd ref="4"/>
    <tag k="highway" v="footway"/></way>
  <way id="12" version="1"><nd ref="5"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="-1"/></way>
  <way id="13" version="1"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="construction"/></way>
  <way id="14" version="1"><nd ref="5"/><nd ref="6"/>
    <tag k="building" v="yes"/></way>
</osm>
"""


@pytest.fixture
def osm_file(tmp_path):
    path = tmp_path / "tiny.osm"
    path.write_text(OSM_XML, encoding="utf-8")
    return path


def test_highway_values_map_to_canonical_classes_and_keep_the_osm_value(osm_file):
    gdf = read_osm_roads(osm_file)
    assert gdf.crs.to_epsg() == 32648                       # UTM zone of 105°E
    assert sorted(gdf["highway"]) == ["footway", "residential", "tertiary"]   # no construction, no building
    by = gdf.set_index("highway")
    assert by.loc["tertiary", "road_class"] == "county"
    assert by.loc["footway", "road_class"] == "footpath"
    assert by.loc["residential", "oneway"] == -1
    assert by.loc["tertiary", "name"] == "县道一"


@pytest.mark.parametrize("compress", [None, "gz", "bz2"])
def test_network_from_osm_xml_plain_and_compressed(tmp_path, compress):
    data = OSM_XML.encode("utf-8")
    path = tmp_path / "tiny.osm"
    if compress == "gz":
        path = tmp_path / "tiny.osm.gz"
        data = gzip.compress(data)
    elif compress == "bz2":
        path = tmp_path / "tiny.osm.bz2"
        data = bz2.compress(data)
    path.write_bytes(data)
    net = RoadNetwork.from_osm(path)
    # way 10 is split at node 2 (shared with the footway): 4 edges, 5 junctions
    assert len(net.edges) == 4 and net.n_nodes == 5
    assert set(net.edges["highway"]) == {"tertiary", "footway", "residential"}
    res = net.edges[net.edges["highway"] == "residential"].iloc[0]
    assert bool(res["oneway"])
    # stored in its allowed direction: from node 3 (105.02, 30.0) to node 5 (105.02, 30.01)
    assert net.nodes[res["u"]][1] < net.nodes[res["v"]][1]


def test_osm_routing_walk_uses_the_footway_and_the_bus_does_not(osm_file):
    net = RoadNetwork.from_osm(osm_file, crs=32648)
    pts = gpd.GeoSeries.from_xy([105.0, 105.01], [30.0, 30.01], crs=4326).to_crs(32648)
    v = gpd.GeoDataFrame(geometry=[pts.iloc[0]], index=pd.Index(["V1"], name="village_id"), crs=32648)
    s = gpd.GeoDataFrame(geometry=[pts.iloc[1]], index=pd.Index(["S1"], name="school_id"), crs=32648)
    walk = net.matrix(v, s, "walk")
    first = net.edges[(net.edges["highway"] == "tertiary")].length_m.min()     # node 1 → node 2
    expected = first + net.edges.loc[net.edges["highway"] == "footway", "length_m"].iloc[0]
    assert walk.metres.iloc[0, 0] == pytest.approx(expected, rel=1e-9)
    bus = net.matrix(v, s, "bus")
    # the school joins the nearest bus road; it is not on the footway
    assert bus.snap.loc["S1", "snap_metres"] > 100
    np.testing.assert_allclose(bus.minutes.to_numpy(), reference_minutes(net, v, s, "bus").to_numpy())


def test_bad_osm_paths_are_planner_errors(tmp_path):
    with pytest.raises(LayoutInputError, match="not found"):
        RoadNetwork.from_osm(tmp_path / "missing.osm.pbf")
    odd = tmp_path / "roads.txt"
    odd.write_text("x")
    with pytest.raises(LayoutInputError, match="file name"):
        RoadNetwork.from_osm(odd)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"not a pbf at all")
    with pytest.raises(LayoutInputError, match="cannot read"):
        RoadNetwork.from_osm(broken)


@pytest.mark.slow
def test_andorra_extract_matches_networkx(shared_dir):
    pbf = shared_dir / "geodata" / "andorra" / "andorra-latest.osm.pbf"
    if not pbf.is_file():
        pytest.skip(f"{pbf} not found")
    start = time.perf_counter()
    net = RoadNetwork.from_osm(pbf)
    assert time.perf_counter() - start < 60
    assert 6000 < len(net.edges) < 7000
    assert 1400 < net.edge_length.sum() / 1000 < 1700          # README: about 1,537 km of highway ways
    assert {"path", "track", "primary", "secondary", "residential"} <= set(net.edges["highway"])
    places = gpd.read_file(pbf.parent / "places.geojson").to_crs(net.crs)
    v = places[places["place"].isin(["village", "hamlet"])].iloc[:25]
    v = v.set_index(("P" + v["osm_id"].astype(str)).rename("village_id"))
    s = places[places["amenity"].notna() | (places["place"] == "town")]
    s = s.set_index(("S" + s["osm_id"].astype(str)).rename("school_id"))
    for mode in ("walk", "bus"):
        tm = net.matrix(v, s, mode)
        ref = reference_minutes(net, v, s, mode).to_numpy()
        ours = tm.minutes.to_numpy()
        assert (np.isfinite(ours) == np.isfinite(ref)).all()
        fin = np.isfinite(ref)
        assert fin.mean() > 0.5
        np.testing.assert_allclose(ours[fin], ref[fin], rtol=1e-6)
        # mountain roads: a trip is never shorter than the straight line between the two points
        straight = np.hypot(*(v.geometry.get_coordinates().to_numpy()[:, None, :]
                              - s.geometry.get_coordinates().to_numpy()[None, :, :]).transpose(2, 0, 1))
        assert (tm.metres.to_numpy()[fin] >= straight[fin] - 1e-6).all()


def test_point_outside_the_extract_is_reported(osm_file):
    net = RoadNetwork.from_osm(osm_file, crs=32648)
    far = gpd.GeoDataFrame(geometry=[Point(0, 0)], index=pd.Index(["V9"], name="village_id"), crs=32648)
    s = gpd.GeoDataFrame(geometry=[net.edge_geometries().geometry.iloc[0].interpolate(10)],
                         index=pd.Index(["S1"], name="school_id"), crs=32648)
    tm = net.matrix(far, s, "walk")
    assert tm.unreachable["reason"].iloc[0].startswith("no usable road for walk within")
