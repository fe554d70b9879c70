"""Maps: offline output (no external URL), layers drawn from the plan, escaping of hostile names, basemaps and
the GCJ-02 shift, village trip statistics with known answers."""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

from layout.errors import LayoutInputError
from layout.geo import gcj02_to_wgs84, wgs84_to_gcj02
from layout.i18n import t
from layout.maps import compare_maps, county_map, external_urls, render_offline, save_map, school_actions
from layout.maps.layers import to_map_coords, trip_colour
from layout.maps.safe import esc, js_string
from tests._maps_helpers import XSS, county_and_plan


@pytest.fixture(scope="module")
def data():
    return county_and_plan()


@pytest.fixture(scope="module")
def plan_html(data):
    county, plan, ev, _base, _exp = data
    return render_offline(county_map(county, plan=plan, evaluation=ev, lang="zh"))


def _batches(m) -> dict[str, list]:
    """Rows of every BatchLayer in the map, by kind."""
    from layout.maps.batch import BatchLayer

    out: dict[str, list] = {"circle": [], "line": [], "marker": []}
    stack = [m]
    while stack:
        el = stack.pop()
        if isinstance(el, BatchLayer):
            out[el.kind] += el.rows
        stack.extend(el._children.values())
    return out


# ---- offline ------------------------------------------------------------------------------------------------
def test_saved_map_has_no_external_url_and_inlines_leaflet(data, tmp_path):
    county, plan, ev, _b, _e = data
    path = save_map(county_map(county, plan=plan, evaluation=ev, lang="en"), tmp_path / "m.html")
    html = path.read_text(encoding="utf-8")
    assert external_urls(html) == []
    # outside the inlined Leaflet library, no attribute points off the file at all
    own = re.sub(r"<(script|style) data-layout-inlined[^>]*>.*?</\1>", "", html, flags=re.S)
    assert not re.search(r"""(?:src|href)\s*=\s*\\?["']?(?:https?:)?//""", own, re.I)
    for cdn in (
        "cdn.jsdelivr",
        "code.jquery",
        "bootstrapcdn",
        "cdnjs.cloudflare",
        "fontawesome",
        "L.tileLayer",
    ):
        assert cdn not in html
    assert "L.map(" in html and "leaflet 1.9" in html
    assert not list(tmp_path.glob(".*tmp"))  # atomic write leaves no temporary file


def test_external_urls_finds_scripts_styles_and_tiles():
    html = (
        '<script src="https://cdn.example/x.js"></script><link href=//cdn.example/y.css>'
        '<style>a{background:url("http://e.example/i.png")}</style>'
        'L.tileLayer("https://tile.example/{z}/{x}/{y}.png", {})'
    )
    urls = external_urls(html)
    assert set(urls) == {
        "https://cdn.example/x.js",
        "//cdn.example/y.css",
        "http://e.example/i.png",
        "https://tile.example/{z}/{x}/{y}.png",
    }
    assert "https://tile.example/{z}/{x}/{y}.png" not in external_urls(html, include_tiles=False)


def test_render_offline_refuses_a_map_that_still_needs_the_network():
    m = folium.Map(location=[30, 105], tiles=None)
    m.get_root().header.add_child(folium.Element('<script src="https://evil.example/a.js"></script>'))
    with pytest.raises(RuntimeError, match="evil.example"):
        render_offline(m)


# ---- content ------------------------------------------------------------------------------------------------
def test_every_layer_and_action_is_drawn(data, plan_html):
    county, plan, ev, _b, expected = data
    html = plan_html
    batches = _batches(county_map(county, plan=plan, evaluation=ev))
    assert len(batches["circle"]) >= len(county.villages)
    assert len(batches["marker"]) == len(plan.schools)
    n_lines = len(ev.allocation.assignments)
    assert len(batches["line"]) == n_lines
    from layout.maps.layers import BAND_COLOURS

    assert {r[2] for r in batches["line"]} <= set(BAND_COLOURS.values())
    # village circles (dark outline; hotspot rings are red): size grows with children
    kids = county.children().sum(axis=1).to_numpy()
    village_rows = [r for r in batches["circle"] if r[4] == "#333333"]
    assert len(village_rows) == len(county.villages)
    radii = np.array([r[2] for r in village_rows])
    order = np.argsort(kids, kind="stable")
    assert (np.diff(radii[order]) >= -1e-9).all()
    for text in (
        "1-3年级",
        "撤并(关闭)",
        "合并",
        "降级(缩减年级)",
        "寄宿制",
        "新建",
        "图例",
        "乡镇边界",
        "道路",
    ):
        assert text in html or json.dumps(text)[1:-1] in html, text
    assert "L.control.scale" in html and "L.control.layers" in html


def test_school_actions_follow_the_plan(data):
    county, plan, _ev, _b, expected = data
    acts = school_actions(county, plan, lang="en")
    for sid, action in expected.items():
        assert acts.at[sid, "action"] == action, sid
    others = acts.drop(index=list(expected))
    assert (others["action"] == "keep").all()
    assert "close" in acts.at[next(k for k, v in expected.items() if v == "close"), "reasons"]
    assert (school_actions(county)["action"] == "keep").all()


def test_recommendation_reasons_are_shown(data):
    county, plan, _ev, _b, expected = data
    sid = next(iter(expected))
    rec = SimpleNamespace(reasons={sid: ["少于10人 <b>", "步行15分钟可达"]})
    acts = school_actions(county, plan, rec, lang="zh")
    assert acts.at[sid, "reasons"].startswith("少于10人 <b>" + t("reason.clause_sep", "zh") + "步行15分钟可达")
    html = render_offline(county_map(county, plan=plan, recommendation=rec))
    assert "少于10人 \\u0026lt;b\\u0026gt;" in html  # escaped, then JSON-encoded


def test_hostile_names_are_text_not_markup(plan_html):
    html = plan_html
    assert XSS not in html and "<img src=x" not in html.lower()
    assert "<script>document.title" not in html and "<script>alert(1)" not in html
    assert "`${document.title" not in html  # no template-literal break-out
    assert "\\u0026lt;img src=x onerror=" in html  # shown as text
    assert "\\u0026lt;/script\\u0026gt;\\u0026lt;script\\u0026gt;document.title" in html
    assert html.count("</script>") == html.count("<script")


@given(st.text(min_size=0, max_size=40))
@settings(max_examples=200, deadline=None)
def test_escaped_text_has_no_markup_and_js_string_cannot_close_a_script(text):
    e = esc(text)
    assert "<" not in e and ">" not in e and '"' not in e and "'" not in e and "`" not in e
    s = js_string(e)
    assert "</" not in s and "<" not in s
    assert s.startswith('"') and s.endswith('"')


def test_map_before_other_parts_plain_county(data):
    county = data[0]
    html = render_offline(county_map(county, lang="en"))
    assert external_urls(html) == []
    assert _batches(county_map(county, lang="en"))["line"] == []  # no allocation: no lines
    assert len(_batches(county_map(county, lang="en"))["marker"]) == len(county.schools)


def test_unknown_language_and_tiles_are_refused(data):
    with pytest.raises(ValueError, match="language"):
        county_map(data[0], lang="fr")
    with pytest.raises(LayoutInputError, match="basemap"):
        county_map(data[0], tiles="google")


# ---- basemaps -----------------------------------------------------------------------------------------------
def test_basemaps_only_add_tiles_when_asked(data):
    county = data[0]
    osm = render_offline(county_map(county, tiles="osm"))
    assert external_urls(osm) == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    tdt = render_offline(county_map(county, tiles="tianditu", tianditu_key="abc123"))
    assert all("tianditu.gov.cn" in u and "tk=abc123" in u for u in external_urls(tdt))
    with pytest.raises(LayoutInputError, match="key"):
        county_map(county, tiles="tianditu")
    with pytest.raises(LayoutInputError):
        county_map(county, tiles="tianditu", tianditu_key='x"};alert(1);//')
    amap = render_offline(county_map(county, tiles="amap"))
    assert all("autonavi.com" in u for u in external_urls(amap))


def test_amap_shifts_the_data_to_gcj02(data):
    county = data[0]
    wgs = to_map_coords(county.villages)
    gcj = to_map_coords(county.villages, gcj02=True)
    lon, lat = wgs84_to_gcj02(wgs.geometry.x.to_numpy(), wgs.geometry.y.to_numpy())
    np.testing.assert_allclose(gcj.geometry.x, lon, atol=1e-12)
    np.testing.assert_allclose(gcj.geometry.y, lat, atol=1e-12)
    shift_m = np.hypot(
        (lon - wgs.geometry.x) * 111320 * np.cos(np.radians(lat)), (lat - wgs.geometry.y) * 110574
    )
    assert (shift_m > 50).all() and (shift_m < 1000).all()
    # the map itself carries the shifted coordinates
    html = render_offline(county_map(county, tiles="amap"))
    v0 = gcj.geometry.iloc[0]
    assert f"[{v0.y},{v0.x}," in html


def test_gcj02_known_pair_beijing():
    # wandergis/coordtransform README (the reference JS/Python implementation):
    # wgs84togcj02(116.404, 39.915) -> [116.41024449916938, 39.91640428150164]
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert abs(lon - 116.41024449916938) < 1e-9 and abs(lat - 39.91640428150164) < 1e-9
    # offset magnitude in Beijing: several hundred metres
    d = np.hypot((lon - 116.404) * 111320 * np.cos(np.radians(39.915)), (lat - 39.915) * 110574)
    assert 400 < d < 700
    back = gcj02_to_wgs84(lon, lat)
    assert abs(back[0] - 116.404) < 1e-7 and abs(back[1] - 39.915) < 1e-7
    # outside China nothing moves
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85) or np.allclose(
        wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85)
    )


# ---- trips -------------------------------------------------------------------------------------------------
def test_village_trips_known_answer(data):
    from layout.maps import village_trips

    county = data[0]
    v = list(county.villages.index[:3])
    a = pd.DataFrame(
        {
            "village_id": [v[0], v[0], v[1], v[1]],
            "band": ["g1_3", "g4_6", "g1_3", "g7_9"],
            "school_id": ["S1"] * 4,
            "mode": ["walk", "bus", "walk", "board"],
            "children": [10, 30, 5, 7],
            "minutes": [10.0, 20.0, 35.0, 200.0],
            "metres": [0.0] * 4,
        }
    )
    u = pd.DataFrame({"village_id": [v[2]], "band": ["g1_3"], "children": [4], "reason": ["capacity"]})
    tr = village_trips(county, SimpleNamespace(assignments=a, unserved=u))
    assert tr.at[v[0], "mean_minutes"] == pytest.approx((10 * 10 + 30 * 20) / 40)
    assert tr.at[v[0], "over_limit"] == 0
    assert tr.at[v[1], "mean_minutes"] == pytest.approx(35.0)  # boarders' weekly trip not averaged in
    assert tr.at[v[1], "over_limit"] == 5  # 35 min walk > 30 min limit
    assert tr.at[v[1], "placed"] == 12
    assert tr.at[v[2], "unserved"] == 4 and np.isnan(tr.at[v[2], "mean_minutes"])


def test_trip_colour_bins():
    bins = [15, 30, 45]
    assert trip_colour(5, bins) != trip_colour(20, bins) != trip_colour(40, bins) != trip_colour(50, bins)
    assert trip_colour(15, bins) == trip_colour(1, bins)  # 15 belongs to 0–15
    assert trip_colour(10, bins, unserved=True) == trip_colour(99, bins, unserved=True)
    assert trip_colour(float("nan"), bins) == trip_colour(None, bins)


# ---- comparison ---------------------------------------------------------------------------------------------
def test_compare_page_is_offline_and_escaped(data, tmp_path):
    county, plan, ev, base, _e = data
    cmp = compare_maps(
        county_map(county, evaluation=base),
        county_map(county, plan=plan, evaluation=ev),
        left_title="现状",
        right_title=plan.name,
        title=county.name,
    )
    path = cmp.save(tmp_path / "cmp.html")
    html = path.read_text(encoding="utf-8")
    assert external_urls(html) == []
    assert html.count("<iframe") == 2 and "srcdoc=" in html
    assert "<script>alert(1)" not in html
    assert "方案&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_catchments_layer(data):
    from layout.maps.catchments import walking_catchments

    county, plan, ev, _b, _e = data
    iso = walking_catchments(county, plan)
    assert iso is not None and set(iso.index) <= set(plan.open_schools)
    html = render_offline(county_map(county, plan=plan, evaluation=ev, isochrones=iso))
    assert json.dumps("步行可达范围")[1:-1] in html  # the layer-control entry
    assert "步行可达范围" in html  # and the legend
    assert walking_catchments(county.with_changes(roads=None)) is None


def test_empty_geometry_layers_do_not_break(data):
    county = data[0]
    towns = gpd.GeoDataFrame({"township": ["x"]}, geometry=[Point(0, 0).buffer(0)], crs=county.crs)
    html = render_offline(county_map(county.with_changes(townships=towns, roads=None)))
    assert external_urls(html) == []


def test_designated_boarding_school_and_recommendation_reasons_by_language(data):
    from layout.plan import DesignateBoarding, Plan

    county = data[0]
    with_beds = county.schools.index[county.schools["beds"] > 0]
    if not len(with_beds):
        pytest.skip("generated county has no school with beds")
    sid = with_beds[0]
    plan = Plan.status_quo(county).apply(DesignateBoarding(sid))

    class Rec:  # the shape of layout.recommend.Recommendation.reasons
        def reasons(self, lang="zh"):
            return {sid: ["寄宿制学校" if lang == "zh" else "boarding school for the township"]}

    acts = school_actions(county, plan, Rec(), lang="en")
    assert acts.at[sid, "action"] == "boarding"
    assert acts.at[sid, "reasons"].startswith("boarding school for the township")
    assert (acts.drop(index=[sid])["action"] == "keep").all()


def test_template_syntax_in_names_is_never_evaluated(data):
    """folium re-reads each element's script as a Jinja template: names must not be able to run code there."""
    county = data[0]
    villages = county.villages.copy()
    names = [
        "{{ 7*7 }}",
        "{% for i in range(3) %}QZ{% endfor %}",
        "{{ cycler.__init__.__globals__.os.getcwd() }}",
    ]
    for i, name in enumerate(names):
        villages.iloc[i, villages.columns.get_loc("name")] = name
    html = render_offline(county_map(county.with_changes(villages=villages, name="{{ 6*7 }}")))
    assert "QZQZQZ" not in html
    assert "\\u007b\\u007b 6*7 \\u007d\\u007d" in html  # the county name in the title, as text
    assert "\\u007b\\u007b 7*7 \\u007d\\u007d" in html
    assert "\\u007b% for i in range(3) %\\u007dQZ" in html
    import os

    assert os.getcwd() not in html
