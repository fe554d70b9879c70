"""Plans and proposal files: action semantics, validation errors with lines, write/read round trip."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layout.errors import LayoutInputError
from layout.plan import (
    AddBoarding,
    Close,
    DesignateBoarding,
    Downgrade,
    Expand,
    Merge,
    Open,
    Plan,
    proposal_from_dict,
    read_proposal,
    write_proposal,
)
from tests.test_evaluate_fixtures import hand_county


@pytest.fixture
def county():
    villages = [{"id": "V1", "x": 0, "y": 0, "g1_3": 30, "g4_6": 30, "g7_9": 30}]
    schools = [
        {"id": "P1", "kind": "primary", "x": 500, "y": 0, "seats": 270, "enrol": {"g1_3": 90, "g4_6": 90},
         "classes": {"g1_3": 3, "g4_6": 3}, "teachers": 12},
        {"id": "P2", "kind": "primary", "x": 900, "y": 0, "seats": 180, "enrol": {"g1_3": 30, "g4_6": 30},
         "classes": {"g1_3": 3, "g4_6": 3}},
        {"id": "T1", "kind": "teaching_point", "x": 300, "y": 200, "seats": 40, "enrol": {"g1_3": 18},
         "classes": {"g1_3": 3}},
        {"id": "M1", "kind": "middle", "x": 2000, "y": 0, "seats": 300, "beds": 100, "enrol": {"g7_9": 150},
         "classes": {"g7_9": 3}},
        {"id": "N9", "kind": "nine_year", "x": 4000, "y": 0, "seats": 400, "enrol": {"g1_3": 60, "g4_6": 60,
                                                                                      "g7_9": 60}},
    ]
    return hand_county(villages, schools)


def write(tmp_path, text: str):
    p = tmp_path / "proposal.yaml"
    p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return p


def test_status_quo_mirrors_the_county(county):
    plan = Plan.status_quo(county)
    s = plan.schools
    assert list(s.index) == list(county.schools.index)
    assert (s["status"] == "open").all() and not s["is_new"].any()
    assert s.at["P1", "seats"] == 270 and s.at["M1", "beds"] == 100 and bool(s.at["M1", "boarding"])
    assert s.at["P1", "pupils_g1_3"] == 90 and s.at["P1", "classes_g1_3"] == 3
    assert plan.new_sites.empty
    assert plan.serves("N9", "g7_9") and not plan.serves("T1", "g4_6")


def test_apply_returns_a_new_plan_and_leaves_the_old_one(county):
    plan = Plan.status_quo(county)
    closed = plan.apply(Close("P2"))
    assert plan.schools.at["P2", "status"] == "open"
    assert closed.schools.at["P2", "status"] == "closed"
    assert len(closed.actions) == 1 and len(plan.actions) == 0


def test_merge_moves_pupils_into_seats_not_classrooms(county):
    plan = Plan.status_quo(county).apply(Merge("P2", "P1"))
    s = plan.schools
    assert s.at["P2", "status"] == "closed" and s.at["P2", "merged_into"] == "P1"
    assert s.at["P1", "seats"] == 270 + 60          # P2's 60 pupils must fit at P1
    assert s.at["P1", "classes_g1_3"] == 3          # in the same classrooms
    assert s.at["P1", "pupils_g1_3"] == 120


def test_merge_chain_ends_at_the_last_receiver(county):
    plan = Plan.status_quo(county).apply(Merge("T1", "P2")).apply(Merge("P2", "P1"))
    assert plan.schools.at["T1", "merged_into"] == "P1"
    assert plan.schools.at["T1", "resources_to"] == "P1"
    # P1 takes P2's own pupils plus the 18 it had taken from T1.
    assert plan.schools.at["P1", "seats"] == 270 + 60 + 18


def test_downgrade_keeps_lower_grades_and_shrinks_seats(county):
    plan = Plan.status_quo(county).apply(Downgrade("P2", "1-3"))
    s = plan.schools
    assert (s.at["P2", "grade_lo"], s.at["P2", "grade_hi"]) == (1, 3)
    assert s.at["P2", "kind"] == "teaching_point"
    assert s.at["P2", "seats"] == 90 and s.at["P2", "classes_g4_6"] == 0
    assert not plan.serves("P2", "g4_6")


def test_expand_adds_seats_and_standard_classes(county):
    plan = Plan.status_quo(county).apply(Expand("P1", 90))
    s = plan.schools
    assert s.at["P1", "seats"] == 360 and s.at["P1", "built_seats"] == 90
    # 90 seats at 45 per class = 2 classrooms, one per primary band
    assert s.at["P1", "classes_g1_3"] + s.at["P1", "classes_g4_6"] == 6 + 2


def test_add_boarding_and_designate(county):
    plan = Plan.status_quo(county).apply(AddBoarding("P1", 60)).apply(DesignateBoarding("P2"))
    s = plan.schools
    assert s.at["P1", "beds"] == 60 and bool(s.at["P1", "canteen"]) and bool(s.at["P1", "boarding"])
    assert bool(s.at["P2", "boarding"]) and s.at["P2", "beds"] == 0


def test_open_new_site_in_county_crs(county):
    lonlat = county.schools.to_crs(4326).geometry["M1"]
    plan = Plan.status_quo(county).apply(Open("NEW1", "新城中学", "middle", lonlat.x, lonlat.y, 600, 200))
    sites = plan.new_sites
    assert list(sites.index) == ["NEW1"] and sites.crs == county.crs
    assert sites.geometry["NEW1"].distance(county.schools.geometry["M1"]) < 1.0
    s = plan.schools
    assert bool(s.at["NEW1", "is_new"]) and s.at["NEW1", "grade_lo"] == 7 and bool(s.at["NEW1", "canteen"])
    assert s.at["NEW1", "classes_g7_9"] == 12     # 600 seats / 50


def test_read_proposal_applies_every_action(county, tmp_path):
    lonlat = county.schools.to_crs(4326).geometry["P1"]
    p = write(tmp_path, f"""
        name: 测试方案
        description: close a teaching point and board at the middle school
        actions:
          - close: T1
          - merge: {{from: P2, into: P1}}
          - add_boarding: {{school: M1, beds: 50}}
          - expand: {{school: P1, seats: 45}}
          - open: {{id: NEW1, name: 新小学, kind: primary, lon: {lonlat.x}, lat: {lonlat.y}, seats: 270}}
          - designate_boarding: M1
          - downgrade: {{school: N9, grades: 1-6}}
        """)
    plan = read_proposal(p, county)
    assert plan.name == "测试方案" and len(plan.actions) == 7
    assert [a.line for a in plan.actions] == [4, 5, 6, 7, 8, 9, 10]
    assert plan.schools.at["T1", "status"] == "closed"
    assert plan.schools.at["N9", "kind"] == "primary"


@pytest.mark.parametrize(("body", "line", "needle"), [
    ("  - close: NOPE\n", 3, "unknown school id"),
    ("  - close: P1\n  - merge: {from: P2, into: P1}\n", 4, "merge into a closed school"),
    ("  - merge: {from: P1, into: P2}\n  - merge: {from: P2, into: P1}\n", 3, "merge cycle P1 → P2 → P1"),
    ("  - open: {id: P1, name: x, kind: primary, lon: 105.0, lat: 29.8, seats: 10}\n", 3, "duplicate school id"),
    ("  - expand: {school: P1, seats: -30}\n", 3, "negative seats"),
    ("  - open: {id: X1, name: x, kind: primary, lon: 105.0, lat: 29.8, seats: -1}\n", 3, "negative seats"),
    ("  - shut: P1\n", 3, "unknown action"),
    ("  - expand: {school: P1, seat: 30}\n", 3, "unknown field"),
    ("  - merge: {from: P1}\n", 3, "missing field 'into'"),
    ("  - downgrade: {school: P1, grades: 1-9}\n", 3, "not fewer than"),
    ("  - add_boarding: {school: P1, beds: 0, canteen: no}\n", 3, "beds must be"),
    ("  - add_boarding: {school: P1, beds: -5}\n", 3, "beds must be"),
    ("  - close: P1\n  - close: P1\n", 4, "already closed"),
    ("  - open: {id: X1, name: x, kind: school, lon: 105.0, lat: 29.8, seats: 10}\n", 3, "unknown school kind"),
    ("  - open: {id: X1, name: x, kind: primary, lon: 29.8, lat: 105.0, seats: 10}\n", 3, "lon/lat"),
    ("  - open: {id: X1, name: x, kind: primary, lon: 110.0, lat: 29.8, seats: 10}\n", 3, "outside the county"),
    ("  - merge: {from: T1, into: M1}\n", 3, "none of the grades"),
])
def test_each_validation_error_names_line_and_action(county, tmp_path, body, line, needle):
    p = write(tmp_path, "name: bad\nactions:\n" + body)
    with pytest.raises(LayoutInputError) as err:
        read_proposal(p, county)
    hits = [pr for pr in err.value.problems if needle in pr.message]
    assert hits, err.value.format()
    assert hits[0].row == line
    assert hits[0].file == str(p)
    assert hits[0].fix


def test_all_problems_are_collected(county, tmp_path):
    p = write(tmp_path, """
        name: many
        actions:
          - close: NOPE
          - expand: {school: P1, seats: -1}
          - open: {id: P2, name: x, kind: primary, lon: 105.0, lat: 29.8, seats: 5}
        """)
    with pytest.raises(LayoutInputError) as err:
        read_proposal(p, county)
    assert [pr.row for pr in err.value.problems] == [3, 4, 5]


def test_yaml_syntax_error_names_the_line(county, tmp_path):
    p = write(tmp_path, "name: x\nactions:\n  - merge: {from: P1, into: P2\n  - close: P1\n")
    with pytest.raises(LayoutInputError) as err:
        read_proposal(p, county)
    assert err.value.problems[0].row is not None and "YAML" in err.value.problems[0].message


def test_write_then_read_gives_the_same_plan(county, tmp_path):
    lonlat = county.schools.to_crs(4326).geometry["P1"]
    plan = proposal_from_dict({"name": "往返", "description": "round trip", "actions": [
        {"close": {"school": "T1", "resources_to": "P2"}}, {"merge": {"from": "P2", "into": "P1"}},
        {"open": {"id": "NEW1", "name": "新校", "kind": "primary", "lon": float(lonlat.x), "lat": float(lonlat.y),
                  "seats": 90, "beds": 20, "resources": {"teachers": 6}}},
        {"downgrade": {"school": "N9", "grades": "1-6"}}]}, county)
    path = write_proposal(plan, tmp_path / "out" / "p.yaml")
    again = read_proposal(path, county)
    assert again.name == plan.name and again.description == plan.description
    assert [type(a) for a in again.actions] == [type(a) for a in plan.actions]
    assert again.actions == plan.actions
    cols = [c for c in plan.schools.columns if c != "geometry"]
    left, right = plan.schools[cols], again.schools[cols]
    assert left.astype(str).equals(right.astype(str))
    assert not list((tmp_path / "out").glob(".*tmp"))


def test_proposal_from_dict_numbers_actions(county):
    with pytest.raises(LayoutInputError) as err:
        proposal_from_dict({"name": "d", "actions": [{"close": "P1"}, {"close": "ZZ"}]}, county, source="batch")
    assert err.value.problems[0].row == 2 and err.value.problems[0].file == "batch"


def test_apply_raises_for_a_bad_action(county):
    with pytest.raises(LayoutInputError, match="unknown school id"):
        Plan.status_quo(county).apply(Close("ZZZ"))


_SCHOOLS = ("P1", "P2", "T1", "M1", "N9", "ZZ")   # ZZ: unknown


@st.composite
def _actions(draw):
    """Any action on the fixture's schools, valid or not (unknown ids, closed schools, bad seats, wrong grades)."""
    kind = draw(st.sampled_from(["close", "merge", "expand", "board", "downgrade", "designate"]))
    a, b = draw(st.sampled_from(_SCHOOLS)), draw(st.sampled_from(_SCHOOLS))
    if kind == "close":
        return Close(a)
    if kind == "merge":
        return Merge(a, b)
    if kind == "expand":
        return Expand(a, draw(st.integers(-5, 90)), band=draw(st.sampled_from([None, "g1_3", "g4_6", "g7_9"])))
    if kind == "board":
        return AddBoarding(a, draw(st.integers(0, 60)), canteen=draw(st.booleans()))
    if kind == "downgrade":
        return Downgrade(a, draw(st.sampled_from(["1-3", "1-6", "7-9"])))
    return DesignateBoarding(a)


def test_apply_all_is_apply_one_by_one(county):
    """Property: applying a list at once gives the same plan as applying it action by action, and fails at the
    same action with the same problems (unknown ids, closed schools, merges into closed schools, bad seats)."""

    @settings(max_examples=60, deadline=None)
    @given(st.lists(_actions(), min_size=1, max_size=8))
    def check(actions):
        base = Plan.status_quo(county)
        one, failed = base, None
        for act in actions:
            try:
                one = one.apply(act)
            except LayoutInputError as err:
                failed = err
                break
        if failed is not None:
            with pytest.raises(LayoutInputError) as caught:
                base.apply_all(actions)
            assert [p.message for p in caught.value.problems] == [p.message for p in failed.problems]
        else:
            together = base.apply_all(actions)
            assert together.schools.equals(one.schools) and together.actions == one.actions
            assert together.name == one.name

    check()
