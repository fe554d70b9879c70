"""Property tests: random standards overrides and random county.yaml files never hang the command line and never
end in a traceback — a run either evaluates (exit 0) or reports its problems naming the file (exit 2).

A watchdog (``faulthandler.dump_traceback_later``) ends the test process if one example runs longer than
:data:`HANG_SECONDS`, so a hang fails the test instead of stalling the suite (the negative walking speed of
issue 17 hung the network search for ever).
"""

from __future__ import annotations

import faulthandler
import json
import math
import sys

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from layout.cli import main
from layout.standards import national_data

from .conftest import SCHOOLS_CSV, VILLAGES_CSV

HANG_SECONDS = 180
ROADS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"road_class": rc},
     "geometry": {"type": "LineString", "coordinates": line}}
    for rc, line in (("county", [[105.09, 30.10], [105.13, 30.11], [105.21, 30.05]]),
                     ("village", [[105.11, 30.10], [105.11, 30.115]]),
                     ("footpath", [[105.20, 30.05], [105.20, 30.065]]))]}


def _leaves(data, path=()):
    if isinstance(data, dict):
        for k, v in data.items():
            yield from _leaves(v, (*path, str(k)))
    else:
        yield path, data


LEAVES = [(p, v) for p, v in _leaves(national_data()) if p]
SECTIONS = sorted(national_data())

numbers = st.one_of(st.integers(-10**6, 10**6), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from([0, -1, 1e308, -4, 0.5, 1.5, 10**30]))
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=8),
                    st.sampled_from(["banana", "30", "yes", "", "∞"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)


@st.composite
def plausible(draw, national):
    """A value near the national one (kept valid more often than not), or anything at all."""
    if isinstance(national, bool):
        return draw(st.one_of(st.booleans(), scalars))
    if isinstance(national, int | float):
        return draw(st.one_of(st.builds(lambda f: type(national)(national * f) if national else f,
                                        st.floats(0.5, 2.0)), numbers))
    return draw(values)


@st.composite
def overrides(draw):
    out: dict = {}
    for _ in range(draw(st.integers(0, 4))):
        path, national = draw(st.sampled_from(LEAVES))
        node = out
        for key in path[:-1]:
            node = node.setdefault(key, {}) if isinstance(node.get(key, {}), dict) else node
        if isinstance(node, dict):
            node[path[-1]] = draw(plausible(national))
    if draw(st.booleans()):   # a misspelt or unknown key somewhere
        section = draw(st.sampled_from(SECTIONS))
        key = draw(st.text(min_size=1, max_size=12))
        target = out.setdefault(section, {}) if isinstance(out.get(section, {}), dict) else out
        target[key] = draw(values)
    if draw(st.integers(0, 9)) == 0:
        return draw(values)   # not a mapping at all
    return out


manifest_values = {
    "name": st.one_of(st.text(max_size=10), values),
    "crs": st.one_of(st.sampled_from(["EPSG:4490", "EPSG:4326", "GCJ-02", "EPSG:999999", "nonsense", 4490]), values),
    "encoding": st.one_of(st.sampled_from(["utf-8", "gb18030", "utf-9", "latin-1"]), values),
    "files": st.one_of(st.just({"villages": "villages.csv"}), values),
    "columns": st.one_of(st.just({"schools": {"校名": "name"}}), values),
    "coordinates": st.one_of(st.just({"lon": "lon", "lat": "lat"}), values),
    "targets": st.one_of(st.fixed_dictionaries({}, optional={
        "close_under": st.one_of(st.integers(-5, 200), values), "max_schools": values,
        "boarding_per_township": st.one_of(st.integers(0, 4), st.lists(st.integers(0, 4), max_size=3)),
        "budget": numbers, "keep": st.one_of(st.lists(st.sampled_from(["S1", "S2", "S3", "X"]), max_size=3), values),
        "must_close": st.lists(st.sampled_from(["S1", "S2", "S3"]), max_size=2)}), values),
    "description": values,
    "stanards": values,
}


@st.composite
def manifests(draw):
    keys = draw(st.sets(st.sampled_from(sorted(manifest_values)), max_size=4))
    out = {k: draw(manifest_values[k]) for k in keys}
    how = draw(st.sampled_from(["none", "inline", "file"]))
    if how != "none":
        out["standards"] = draw(overrides()) if how == "inline" else "province.yaml"
    return out


def _dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    except yaml.YAMLError:
        return json.dumps(data, ensure_ascii=False, default=str)


@pytest.mark.slow
@settings(max_examples=45, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(manifest=manifests(), province=overrides())
def test_random_standards_and_county_yaml_never_hang_or_traceback(tmp_path_factory, manifest, province, capsys):
    root = tmp_path_factory.mktemp("hostile")
    county = root / "county"
    county.mkdir()
    (county / "villages.csv").write_text(VILLAGES_CSV, encoding="utf-8")
    (county / "schools.csv").write_text(SCHOOLS_CSV, encoding="utf-8")
    (county / "roads.geojson").write_text(json.dumps(ROADS), encoding="utf-8")
    (county / "county.yaml").write_text(_dump(manifest), encoding="utf-8")
    (county / "province.yaml").write_text(_dump(province), encoding="utf-8")
    faulthandler.dump_traceback_later(HANG_SECONDS, exit=True, file=sys.__stderr__)
    try:
        code = main(["evaluate", str(county), "--out", str(root / "out"), "--lang", "en"])
    finally:
        faulthandler.cancel_dump_traceback_later()
    captured = capsys.readouterr()
    event(f"exit {code}")
    assert code in (0, 2), captured.err
    assert "Traceback" not in captured.err
    if code == 2:
        assert any(name in captured.err for name in ("county.yaml", "province.yaml", "villages.csv", "schools.csv",
                                                     "roads.geojson")), captured.err
        assert not (root / "out").exists(), "a failed run left outputs"
    else:
        assert (root / "out" / "evaluation.json").is_file()
        assert not math.isnan(json.loads((root / "out" / "evaluation.json").read_text())["students_total"])
