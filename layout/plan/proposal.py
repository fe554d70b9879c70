"""Proposal files: a plan written as a short YAML list of actions (see ``docs/proposals.md``).

Example file::

    name: 河口乡撤并方案
    description: close two small teaching points, board grades 4-9 at the township centre
    actions:
      - close: S017
      - merge: {from: S021, into: S003}
      - downgrade: {school: S030, grades: 1-3}
      - add_boarding: {school: S003, beds: 120}
      - expand: {school: S003, seats: 90}
      - open: {id: NEW1, name: 新城中学, kind: middle, lon: 105.21, lat: 30.08, seats: 900, beds: 300}
      - designate_boarding: S003

Reading checks every action against the county and collects *all* problems (file, line, action, value, fix):
unknown ids, merges into closed schools, merge cycles, duplicate ids on open, negative seats, unknown fields, ...
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from layout.errors import LayoutInputError, Problem
from layout.io.bounds import count_max
from layout.plan.actions import ACTION_TYPES, Action, Close, DesignateBoarding, Merge, MovePupils, Open
from layout.plan.state import Plan

__all__ = ["read_proposal", "write_proposal", "proposal_from_dict", "proposal_to_dict"]

KEYWORD_ALIASES = {
    "关闭": "close", "撤销": "close", "撤并": "merge", "并入": "merge", "合并": "merge", "降级": "downgrade",
    "保留教学点": "downgrade", "新增床位": "add_boarding", "扩建": "expand", "新建": "open",
    "定为寄宿制": "designate_boarding", "寄宿制": "designate_boarding", "划转": "move", "调整划片": "move",
}
FIELD_ALIASES = {"from_": "from", "source": "from", "to": "into", "target": "into"}   # when not a field itself
# Fields of each action as written in a file: name -> (required, kind)
_SCHEMA: dict[str, dict[str, tuple[bool, str]]] = {
    "close": {"school": (True, "id"), "resources_to": (False, "id")},
    "merge": {"from": (True, "id"), "into": (True, "id")},
    "downgrade": {"school": (True, "id"), "grades": (True, "text")},
    "add_boarding": {"school": (True, "id"), "beds": (True, "int"), "canteen": (False, "bool")},
    "expand": {"school": (True, "id"), "seats": (True, "int"), "band": (False, "text")},
    "open": {"id": (True, "id"), "name": (True, "text"), "kind": (True, "text"), "lon": (True, "float"),
             "lat": (True, "float"), "seats": (True, "int"), "beds": (False, "int"), "grades": (False, "text"),
             "township": (False, "text"), "canteen": (False, "bool"), "gcj02": (False, "bool"),
             "resources": (False, "map"), "capital": (False, "float"), "premises_of": (False, "id")},
    "designate_boarding": {"school": (True, "id")},
    "move": {"villages": (True, "ids"), "to": (True, "id"), "bands": (False, "ids"), "from": (False, "id")},
}
_SCALAR_FIELD = {"close": "school", "designate_boarding": "school"}
_TOP_KEYS = {"name", "description", "actions", "author", "date", "notes"}
_INT_MAX = count_max("seats")   # layout.io.bounds: the largest credible seats or beds of one action
_ACTIONS_PER_SCHOOL = 5   # at most this many actions per school (and at least 100) in one proposal
_OUTSIDE_KM = 15.0   # a new site farther than this beyond the villages' extent is taken as a coordinate mistake


def read_proposal(path: str | Path, county) -> Plan:
    """Read a proposal YAML file into a :class:`Plan` applied to the county's status quo.

    Parameters
    ----------
    path : str or Path
        The proposal file.
    county : County
        The county it is about (ids are checked against it).

    Returns
    -------
    Plan
        Named after the file's ``name`` (or the file name), with every action and its line.

    Raises
    ------
    LayoutInputError
        Listing every problem with the file, line, action, value and a fix.

    Example
    -------
    >>> from layout.datasets import SAMPLE_PROPOSALS, sample_county
    >>> plan = read_proposal(SAMPLE_PROPOSALS / "close_small_teaching_points.yaml", sample_county())
    >>> plan.name, len(plan.actions), plan.actions[0].describe("en")
    ('撤并不足15人教学点', 13, 'close S017')
    """
    from layout.io.yaml_strict import read_yaml

    path = Path(path)
    doc = read_yaml(path)   # strict: duplicate keys (both lines), no aliases, bounded size (layout.io.yaml_strict)
    data = doc.data
    items = data.get("actions") if isinstance(data, Mapping) else None
    lines = [doc.line("actions", i) for i in range(len(items))] if isinstance(items, list) else []
    return _build(data, county, source=str(path), lines=lines, default_name=path.stem)


def proposal_from_dict(d: Mapping[str, Any], county, source: str = "<proposal>") -> Plan:
    """Build a :class:`Plan` from a proposal already loaded as a dict (same shape as the YAML file).

    Parameters
    ----------
    d : mapping
        ``{"name": ..., "description": ..., "actions": [{"close": "S1"}, {"merge": {"from": ..., ...}}]}``.
    county : County
    source : str
        Named in error messages instead of a file (actions are numbered from 1 in place of lines).

    Returns
    -------
    Plan

    Example
    -------
    >>> plan = proposal_from_dict({"name": "A", "actions": [{"close": "S011"}]}, county)
    >>> plan.name, plan.schools.loc["S011", "status"]
    ('A', 'closed')
    >>> proposal_from_dict({"actions": [{"close": "S999"}]}, county)
    Traceback (most recent call last):
    ...
    layout.errors.LayoutInputError: ...S999...
    """
    return _build(d, county, source=source, lines=None, default_name=str(d.get("name", source))
                  if isinstance(d, Mapping) else source)


def _build(data: Any, county, source: str, lines: list[int] | None, default_name: str) -> Plan:
    problems: list[Problem] = []
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise LayoutInputError([Problem(source, "a proposal must be a mapping with name, description and actions",
                                        fix="start the file with 'name:' and 'actions:'")])
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(Problem(source, "unknown top-level key", column=str(key), value=str(key),
                                    fix=f"use {', '.join(sorted(_TOP_KEYS))}"))
    items = data.get("actions") or []
    if not isinstance(items, list):
        problems.append(Problem(source, "'actions' must be a list (each action on a line starting with '- ')",
                                column="actions", fix="write actions as a YAML list"))
        items = []
    limit = max(100, _ACTIONS_PER_SCHOOL * len(county.schools))   # each action re-checks the plan: bounded time
    if len(items) > limit:
        problems.append(Problem(source, f"{len(items)} actions: more than {limit} ({_ACTIONS_PER_SCHOOL} per school)",
                                column="actions", value=len(items),
                                fix="a proposal needs at most a few actions per school: check it was not pasted twice"))
        items = []
    actions: list[Action] = []
    for i, item in enumerate(items):
        line = lines[i] if lines is not None and i < len(lines) else (i + 1 if lines is None else None)
        act = _parse_action(item, line, source, problems, numbered=lines is None)
        if act is not None:
            actions.append(act)
    cyclic = _merge_cycles(actions, source, problems, numbered=lines is None)
    plan = Plan.status_quo(county)
    plan = Plan(plan.schools, name=str(data.get("name") or default_name),
                description=str(data.get("description") or ""), crs=plan.crs, standards=plan.standards,
                source=source)
    for act in actions:
        if id(act) in cyclic:
            continue
        plan, found = plan._try_apply(act)
        problems.extend(found)
    problems.extend(_check_final(plan, county, source))
    if problems:
        problems.sort(key=lambda p: (p.row is None, p.row or 0))
        raise LayoutInputError(problems, f"{source}: {len(problems)} problem(s) in the proposal")
    return plan


def _parse_action(item: Any, line: int | None, source: str, problems: list[Problem],
                  numbered: bool) -> Action | None:
    label = f"action {line}" if numbered else "action"
    if not isinstance(item, Mapping) or len(item) != 1:
        problems.append(Problem(source, f"{label}: each action is one keyword with its fields", row=line,
                                value=str(item)[:60],
                                fix="write e.g. '- close: S12' or '- merge: {from: S13, into: S01}'"))
        return None
    (raw_kw, body), = item.items()
    kw = KEYWORD_ALIASES.get(str(raw_kw), str(raw_kw).strip().lower())
    if kw not in _SCHEMA:
        problems.append(Problem(source, "unknown action", row=line, column=str(raw_kw), value=str(raw_kw),
                                fix=f"use one of {', '.join(_SCHEMA)}"))
        return None
    schema = _SCHEMA[kw]
    if not isinstance(body, Mapping):
        if kw in _SCALAR_FIELD and body is not None and not isinstance(body, (list, dict)):
            body = {_SCALAR_FIELD[kw]: body}
        else:
            problems.append(Problem(source, f"{kw}: fields are missing", row=line, column=kw,
                                    fix=f"give {kw} its fields: {{{', '.join(k for k, (r, _) in schema.items() if r)}}}"))
            return None
    values: dict[str, Any] = {}
    ok = True
    for raw_key, v in body.items():
        key = str(raw_key) if str(raw_key) in schema else FIELD_ALIASES.get(str(raw_key), str(raw_key))
        if key not in schema:
            problems.append(Problem(source, f"{kw}: unknown field", row=line, column=str(raw_key), value=str(raw_key),
                                    fix=f"{kw} takes {', '.join(schema)}"))
            ok = False
            continue
        conv, err = _convert(v, schema[key][1])
        if err:
            problems.append(Problem(source, f"{kw}: {err}", row=line, column=key, value=v,
                                    fix=_FIX[schema[key][1]]))
            ok = False
        values[key] = conv
    for key, (required, _) in schema.items():
        if required and values.get(key) is None and key not in values:
            problems.append(Problem(source, f"{kw}: missing field {key!r}", row=line, column=key,
                                    fix=f"add {key}: ... to the {kw} action"))
            ok = False
    if not ok:
        return None
    if "from" in values:
        values["from_"] = values.pop("from")
    return ACTION_TYPES[kw](**values, line=line)


_FIX = {"id": "give the school_id as in schools.csv", "ids": "give a list of ids, e.g. [V0012, V0013]",
        "text": "give a text value",
        "int": "give a whole number of 0 or more (and not more than the school could hold)", "float": "give a decimal number",
        "bool": "give yes or no", "map": "give a mapping, e.g. {teachers: 40, floor_teaching: 5000}"}


def _convert(v: Any, kind: str) -> tuple[Any, str | None]:
    if kind == "id":
        if v is None or isinstance(v, (list, dict, bool)) or str(v).strip() == "":
            return None, "a school id is needed"
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return str(v).strip(), None
    if kind == "ids":
        items = v if isinstance(v, list) else [v] if isinstance(v, (str, int)) and not isinstance(v, bool) else None
        if not items or any(x is None or isinstance(x, (list, dict, bool)) or str(x).strip() == "" for x in items):
            return None, "a list of ids is needed"
        return tuple(str(x).strip() for x in items), None
    if kind == "text":
        if v is None or isinstance(v, (list, dict)):
            return None, "text is needed"
        return str(v).strip(), None
    if kind == "int":
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            return None, "a whole number is needed"
        try:
            f = float(str(v).replace(",", ""))
        except ValueError:
            return None, "a whole number is needed"
        if not np.isfinite(f) or f != int(f):
            return None, "a whole number is needed"
        if abs(f) > _INT_MAX:   # seats and beds: more is a typo, and would overflow the school tables
            return None, f"a whole number of at most {_INT_MAX:,} is needed"
        return int(f), None   # negative values are reported by the action itself ("negative seats")
    if kind == "float":
        if isinstance(v, bool):
            return None, "a number is needed"
        try:
            return float(v), None
        except (TypeError, ValueError):
            return None, "a number is needed"
    if kind == "bool":
        if isinstance(v, bool):
            return v, None
        s = str(v).strip().lower()
        if s in ("yes", "true", "1", "y", "是", "有"):
            return True, None
        if s in ("no", "false", "0", "n", "否", "无"):
            return False, None
        return None, "yes or no is needed"
    if kind == "map":
        if not isinstance(v, Mapping):
            return None, "a mapping is needed"
        return dict(v), None
    raise AssertionError(kind)


def _merge_cycles(actions: list[Action], source: str, problems: list[Problem], numbered: bool) -> set[int]:
    """Report merge cycles (A into B, B into A; or longer) and return the ids of the merges in them."""
    edges: dict[str, Merge] = {}
    for a in actions:
        if isinstance(a, Merge) and a.from_ not in edges:
            edges[a.from_] = a
    in_cycle: set[int] = set()
    seen_cycles: set[frozenset[str]] = set()
    for start in edges:
        path, node = [], start
        while node in edges and node not in path:
            path.append(node)
            node = edges[node].into
        if node in path:
            cycle = path[path.index(node):]
            key = frozenset(cycle)
            if key in seen_cycles:
                continue
            seen_cycles.add(key)
            merges = [edges[n] for n in cycle]
            lines = ", ".join(str(m.line) for m in merges if m.line is not None)
            chain = " → ".join([*cycle, cycle[0]])
            problems.append(Problem(source, f"merge: merge cycle {chain}"
                                    + (f" (actions on lines {lines})" if lines else ""),
                                    row=merges[0].line, column="into", value=merges[0].into,
                                    fix="a school cannot end up merged into itself: keep one receiving school open"))
            in_cycle.update(id(m) for m in merges)
    return in_cycle


def _check_final(plan: Plan, county, source: str) -> list[Problem]:
    problems: list[Problem] = []
    s = plan.schools
    for a in plan.actions:
        target = s.at[a.school, "resources_to"] if isinstance(a, Close) else None
        if isinstance(target, str) and s.at[target, "status"] != "open":   # merges re-point chains; closes do not
            problems.append(Problem(source, f"close: resources go to {a.resources_to}, which the proposal closes",
                                    row=a.line, column="resources_to", value=a.resources_to,
                                    fix="send them to a school that stays open"))
        if isinstance(a, DesignateBoarding) and int(s.at[a.school, "beds"]) == 0 and s.at[a.school, "status"] == "open":
            continue   # allowed; the evaluation reports a boarding school without beds as a soft violation
        if isinstance(a, Open) and a.premises_of and a.premises_of in s.index and \
                s.at[a.premises_of, "status"] == "open":
            problems.append(Problem(source, f"open: {a.id} takes over the buildings of {a.premises_of}, which stays open",
                                    row=a.line, column="premises_of", value=a.premises_of,
                                    fix=f"close or merge {a.premises_of} in the proposal, or leave premises_of out"))
        if isinstance(a, MovePupils):
            unknown = [v for v in a.villages if v not in county.villages.index]
            if unknown:
                problems.append(Problem(source, "move: unknown village id", row=a.line, column="villages",
                                        value=", ".join(unknown[:5]), fix="use village_ids from villages.csv"))
        if isinstance(a, Open):
            p = s.geometry[a.id]
            v = county.villages.geometry
            minx, miny, maxx, maxy = v.total_bounds if len(v) else s.total_bounds
            pad = _OUTSIDE_KM * 1000.0
            if not (minx - pad <= p.x <= maxx + pad and miny - pad <= p.y <= maxy + pad):
                problems.append(Problem(
                    source, f"open: the site of {a.id} lies outside the county (more than {_OUTSIDE_KM:g} km beyond "
                    "its villages)", row=a.line, column="lon", value=f"{a.lon}, {a.lat}",
                    fix="check the coordinates: lon and lat swapped? AMap coordinates need gcj02: yes"))
    return problems


def proposal_to_dict(plan: Plan) -> dict[str, Any]:
    """The proposal a plan was built from, as a dict (``name``, ``description``, ``actions``)."""
    return {"name": plan.name, "description": plan.description,
            "actions": [_plain(a.to_dict()) for a in plan.actions]}


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return float(obj)
    return obj


def write_proposal(plan: Plan, path: str | Path) -> Path:
    """Write a plan's actions as a proposal file :func:`read_proposal` reads back to the same plan (atomic).

    Parameters
    ----------
    plan : Plan
    path : str or Path

    Returns
    -------
    Path

    Example
    -------
    >>> path = write_proposal(plan, out / "my_plan.yaml")
    >>> for line in path.read_text(encoding="utf-8").splitlines()[2:]:    # after the two comment lines
    ...     print(line)
    name: close two teaching points
    description: ''
    actions:
    - close: {school: S011}
    - merge: {from: S017, into: S012}
    >>> [a.describe("en") for a in read_proposal(path, county).actions]
    ['close S011', 'merge S017 into S012']
    """
    from layout.io.write import atomic_write_text

    header = ("# layout proposal (see docs/proposals.md). Actions apply in order to today's layout.\n"
              "# 学校布局调整方案:动作按顺序作用于现状布局。\n")
    body = yaml.safe_dump(proposal_to_dict(plan), allow_unicode=True, sort_keys=False, default_flow_style=None,
                          width=110)
    return atomic_write_text(path, header + body)
