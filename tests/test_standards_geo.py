"""Standards as data (national + provincial override) and coordinate helpers."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layout.errors import LayoutInputError
from layout.geo import gcj02_to_wgs84, in_china, utm_crs_for, wgs84_to_gcj02
from layout.standards import load_standards


def test_national_values_match_standards_md():
    s = load_standards()
    assert s.walk_limit("g1_3") == 30 and not s.may_board("g1_3")
    assert s.class_size_limit("primary") == 45 and s.class_size_limit("middle") == 50
    assert [s.class_band(n) for n in (45, 46, 55, 56, 65, 66)] == [
        "normal", "large", "large", "oversized", "oversized", "super_oversized"]
    assert s.max_students("primary") == 2000 and s.max_students("nine_year") == 2500
    assert s.small_school == 100 and s.closure_pool_under == 50
    q = s.get("quality_balance")
    assert q["indicators"]["floor_sports_per_student"]["middle"] == 10.2
    assert q["cv_limit"]["primary"] == 0.50 and q["cv_limit"]["middle"] == 0.45
    assert s.get("basic_balance.composite_cv_limit.primary") == 0.65
    assert s.band_of_grade(7) == "g7_9" and s.kind_grades("nine_year") == (1, 9)


def test_override_merges_and_rejects_unknown_sections(tmp_path):
    p = tmp_path / "province.yaml"
    p.write_text("class_size: {limit: {primary: 40}}\n", encoding="utf-8")
    s = load_standards(p)
    assert s.class_size_limit("primary") == 40 and s.class_size_limit("middle") == 50
    assert s.sources[-1] == str(p)
    with pytest.raises(LayoutInputError, match="unknown section"):
        load_standards({"clas_size": {"limit": {"primary": 40}}})
    bad = tmp_path / "bad.yaml"
    bad.write_text("travel: [\n", encoding="utf-8")
    with pytest.raises(LayoutInputError, match="not valid YAML"):
        load_standards(bad)


def test_standards_are_immutable():
    s = load_standards()
    with pytest.raises(TypeError):
        s.data["travel"]["walk_limit_minutes"]["g1_3"] = 99
    d = s.to_dict()
    d["travel"]["walk_limit_minutes"]["g1_3"] = 99
    assert s.walk_limit("g1_3") == 30
    with pytest.raises(KeyError, match="no value at"):
        s.get("travel.nope")


def test_utm_zone():
    assert utm_crs_for(105.0, 30.0).to_epsg() == 32648
    assert utm_crs_for(1.5, 42.5).to_epsg() == 32631
    assert utm_crs_for(-70.0, -33.0).to_epsg() == 32719


@given(st.floats(73.5, 134.5), st.floats(18.5, 53.5))
def test_gcj02_round_trip(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    shift_m = np.hypot((glon - lon) * 111320 * np.cos(np.radians(lat)), (glat - lat) * 110540)
    assert 1 < shift_m < 1200, "GCJ-02 shifts points by metres to hundreds of metres inside China"
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert abs(wlon - lon) < 1e-7 and abs(wlat - lat) < 1e-7


def test_gcj02_leaves_points_outside_china():
    assert not in_china(1.5, 42.5)
    lon, lat = wgs84_to_gcj02(1.5, 42.5)
    assert (float(lon), float(lat)) == (1.5, 42.5)


def test_standards_survive_pickling_for_worker_processes():
    import pickle

    s = load_standards({"travel": {"walk_limit_minutes": {"g1_3": 25}}})
    again = pickle.loads(pickle.dumps(s))
    assert again == s and again.walk_limit("g1_3") == 25
    with pytest.raises(TypeError):
        again.data["travel"]["walk_limit_minutes"]["g1_3"] = 99
