"""``county.yaml``: the optional manifest of a county folder, read strictly and checked by a schema.

Example manifest::

    name: 示例县
    crs: EPSG:4490            # EPSG:4326 / EPSG:4490 lon-lat, GCJ-02 (AMap picks), or a projected EPSG code
    encoding: gb18030         # CSV encoding, when not UTF-8
    files:                    # when files are not named villages.* / schools.* / roads.* / townships.*
      villages: 村庄.csv
      schools: 学校基本情况.xlsx
    columns:                  # headers the alias table does not know, per layer
      schools: {学校名: name}
    coordinates: {lon: X坐标, lat: Y坐标}   # coordinate headers, when not one of the usual names
    standards: guizhou.yaml   # provincial override merged over the national standards (a file) ...
    # standards: {travel: {may_bus: {g1_3: false}}}   # ... or the override written here (no buses for grades 1-3)
    targets:                  # what the recommender aims at (all optional)
      close_under: 50         # close schools with fewer pupils than this
      max_schools: {primary: 20, middle: 6}
      boarding_per_township: [1, 2]   # one number (1-3) or [min, max]
      budget: 60000000        # capital yuan
      keep: [S001]            # school ids never closed
      must_close: [S017]
      protected: [S030]

The file is read by :mod:`layout.io.yaml_strict` (duplicate keys, aliases and size refused) and checked against
:data:`MANIFEST_SCHEMA` with jsonschema: unknown keys (with a "did you mean"), types and ranges are all reported
together, each with the line. An inline ``standards:`` block is checked like a standards file
(:func:`layout.standards.validation.check_override`). School ids in ``targets`` are checked later, against the
schools (here only their form).

Example
-------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "county.yaml").write_text("name: 示例县\\nstandards: {travel: {may_bus: {g1_3: false}}}\\n"
...                                        "targets: {close_under: 50, keep: [S1, 7]}\\n", encoding="utf-8")
>>> m = read_manifest(folder)
>>> dict(m.standards), m.targets
({'travel': {'may_bus': {'g1_3': False}}}, {'close_under': 50, 'keep': ['S1', '7']})
"""

from __future__ import annotations

import codecs
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from layout.errors import LayoutInputError, Problem

__all__ = ["Manifest", "read_manifest", "MANIFEST_NAME", "LAYERS", "MANIFEST_SCHEMA", "TARGET_KEYS"]

MANIFEST_NAME = "county.yaml"
LAYERS = ("villages", "schools", "roads", "townships", "attendance", "candidates")
MAX_TARGET_PUPILS = 20_000        # close_under: as the largest school of the reader's bounds
MAX_TARGET_SCHOOLS = 100_000
MAX_BUDGET_YUAN = 1e12
BOARDING_SITES_RANGE = (1, 3)     # boarding schools per township a target may ask for

_IDS = {"type": "array", "items": {"type": ["string", "integer"]}}
_TEXT = {"type": "string"}
_TARGETS = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "close_under": {"type": "integer", "minimum": 0, "maximum": MAX_TARGET_PUPILS},
        "max_schools": {"type": "object", "additionalProperties": False, "properties": {
            "primary": {"type": "integer", "minimum": 1, "maximum": MAX_TARGET_SCHOOLS},
            "middle": {"type": "integer", "minimum": 1, "maximum": MAX_TARGET_SCHOOLS}}},
        "boarding_per_township": {"anyOf": [
            {"type": "integer", "minimum": BOARDING_SITES_RANGE[0], "maximum": BOARDING_SITES_RANGE[1]},
            {"type": "array", "minItems": 2, "maxItems": 2,
             "items": {"type": "integer", "minimum": BOARDING_SITES_RANGE[0], "maximum": BOARDING_SITES_RANGE[1]}}]},
        "budget": {"type": "number", "minimum": 0, "maximum": MAX_BUDGET_YUAN},
        "keep": _IDS, "must_close": _IDS, "protected": _IDS,
    },
}
TARGET_KEYS = tuple(_TARGETS["properties"])
MANIFEST_SCHEMA: dict = {
    "type": "object", "additionalProperties": False,
    "properties": {
        "name": {"type": ["string", "number"]},
        "crs": {"type": ["string", "integer"]},
        "encoding": _TEXT,
        "files": {"type": "object", "propertyNames": {"enum": list(LAYERS)},
                  "additionalProperties": {"type": "string", "minLength": 1}},
        "columns": {"type": "object", "propertyNames": {"enum": list(LAYERS)},
                    "additionalProperties": {"type": "object",
                                             "additionalProperties": {"type": "string", "minLength": 1}}},
        "coordinates": {"type": "object", "additionalProperties": False,
                        "properties": {"lon": {"type": ["string", "integer"]}, "lat": {"type": ["string", "integer"]}}},
        "standards": {"type": ["string", "object"]},
        "targets": _TARGETS,
        "description": _TEXT,
        "notes": {"type": ["string", "array"]},
    },
}
_VALIDATOR = Draft202012Validator(MANIFEST_SCHEMA)

# How to fix a value at a path (the first matching prefix wins).
_FIXES = {
    "name": "give the county's name as text",
    "crs": "write e.g. crs: EPSG:4490 (lon/lat), crs: GCJ-02 (AMap picks) or a projected EPSG code",
    "encoding": "write e.g. encoding: gb18030 (GBK exports) or leave it out for UTF-8",
    "files": "write files: {villages: 村庄.csv, schools: 学校.xlsx} (layer: file name in the folder)",
    "columns": "write columns: {schools: {学校名: name}} (layer: {their header: canonical column})",
    "coordinates": "write coordinates: {lon: X坐标, lat: Y坐标} (the headers of the coordinate columns)",
    "standards": "give a file name (standards: province.yaml) or the override itself "
                 "(standards: {travel: {may_bus: {g1_3: false}}})",
    "targets.close_under": f"give a whole number of pupils from 0 to {MAX_TARGET_PUPILS} (schools with fewer are "
                           "closure candidates)",
    "targets.max_schools": f"write max_schools: {{primary: 20, middle: 6}} (whole numbers from 1 to {MAX_TARGET_SCHOOLS})",
    "targets.boarding_per_township": f"give one whole number from {BOARDING_SITES_RANGE[0]} to "
                                     f"{BOARDING_SITES_RANGE[1]}, or [min, max] such as [1, 2]",
    "targets.budget": f"give the capital budget in yuan, a number from 0 to {MAX_BUDGET_YUAN:.0e}",
    "targets": "list school ids, e.g. keep: [S001, S002]",
    "description": "write it as text", "notes": "write it as text",
}
_WORDS = {"object": "a mapping", "array": "a list", "number": "a number", "integer": "a whole number",
          "string": "text", "boolean": "yes/no"}


@dataclass(frozen=True)
class Manifest:
    """What ``county.yaml`` says (all optional).

    Attributes
    ----------
    standards : str or mapping or None
        A provincial override: a file name (relative to the folder) or the override itself, as a
        :class:`~layout.standards.StandardsOverride` (a dict that remembers ``county.yaml`` and its lines).
    targets : dict
        The recommender's targets as written (validated): ``close_under``, ``max_schools``,
        ``boarding_per_township`` (int or ``[min, max]``), ``budget``, ``keep``, ``must_close``, ``protected``
        (lists of school ids as text). Empty when not given.
    """

    name: str | None = None
    crs: str | None = None
    encoding: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    coordinates: dict[str, str] = field(default_factory=dict)
    standards: str | Mapping | None = None
    description: str | None = None
    targets: dict[str, Any] = field(default_factory=dict)
    source: str = MANIFEST_NAME       # where these settings came from: county.yaml, or from_frames' arguments


def _fix(path: tuple) -> str:
    dotted = ".".join(str(p) for p in path)
    for key in sorted(_FIXES, key=len, reverse=True):
        if dotted == key or dotted.startswith(key + "."):
            return _FIXES[key]
    return "see docs/data_format.md (county.yaml)"


def _schema_at(path: tuple) -> dict:
    node: dict = MANIFEST_SCHEMA
    for p in path:
        props = node.get("properties", {})
        if str(p) in props:
            node = props[str(p)]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            return {}
    return node


def _schema_problems(data: Mapping, line) -> list[Problem]:
    out = []
    for err in sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(err.absolute_path)
        dotted = ".".join(str(p) for p in path) or None
        node = _schema_at(path)
        if err.validator == "additionalProperties":
            known = sorted(node.get("properties", {}))
            for key in sorted(set(err.instance) - set(known), key=str):
                near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                kp = (*path, str(key))
                out.append(Problem(MANIFEST_NAME, f"unknown key {key!r}" + (f" in {dotted}" if dotted else ""),
                                   row=line(kp), column=".".join(kp),
                                   fix=f"did you mean {near[0]!r}?" if near else f"use only: {', '.join(known)}"))
            continue
        if err.validator == "propertyNames" or "propertyNames" in err.schema_path:
            near = difflib.get_close_matches(str(err.instance), LAYERS, n=1, cutoff=0.6)
            kp = (*path, str(err.instance))
            out.append(Problem(MANIFEST_NAME, f"unknown layer {err.instance!r} in {dotted}", row=line(kp),
                               column=".".join(kp), fix=(f"did you mean {near[0]!r}? " if near else "")
                               + f"layers are {', '.join(LAYERS)}"))
            continue
        if err.validator == "type":
            want = err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
            msg = f"must be {' or '.join(_WORDS.get(t, t) for t in want)}"
            if err.instance is None:
                msg += ", not empty"
        elif err.validator in ("minimum", "maximum"):
            msg = f"must be {'at least' if err.validator == 'minimum' else 'at most'} {err.validator_value:g}"
        elif err.validator == "anyOf":
            msg = "must be one whole number or a list [min, max]"
        elif err.validator in ("minItems", "maxItems"):
            msg = "must be a list of two numbers [min, max]"
        elif err.validator == "minLength":
            msg = "must not be empty"
        else:
            msg = err.message
        value = err.instance if not isinstance(err.instance, Mapping | list) else str(err.instance)[:60]
        out.append(Problem(MANIFEST_NAME, msg, row=line(path), column=dotted, value=value, fix=_fix(path)))
    return out


def _non_finite(data: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(data, Mapping):
        return [p for k, v in data.items() for p in _non_finite(v, (*path, str(k)))]
    if isinstance(data, list):
        return [p for i, v in enumerate(data) for p in _non_finite(v, (*path, i))]
    return [path] if isinstance(data, float) and not math.isfinite(data) else []


def _plain_keys(data: Any) -> Any:
    """Keys as text (YAML reads ``2019:`` as a number), values unchanged."""
    if isinstance(data, Mapping):
        return {str(k): _plain_keys(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_plain_keys(v) for v in data]
    return data


def _targets(t: Mapping, line) -> tuple[dict, list[Problem]]:
    out = dict(t)
    for key in ("keep", "must_close", "protected"):
        if key in out:
            out[key] = [str(v).strip() for v in out[key]]
    problems = []
    b = out.get("boarding_per_township")
    if isinstance(b, list) and len(b) == 2 and all(isinstance(x, int) for x in b) and b[0] > b[1]:
        problems.append(Problem(MANIFEST_NAME, "[min, max] runs backwards", row=line(("targets", "boarding_per_township")),
                                column="targets.boarding_per_township", value=str(b), fix=f"write [{b[1]}, {b[0]}]"))
    closing = set(out.get("must_close", []))
    for key in ("keep", "protected"):
        for sid in sorted(closing & set(out.get(key, []))):
            problems.append(Problem(MANIFEST_NAME, f"school {sid} is both in must_close and in {key}",
                                    row=line(("targets", "must_close")), column="targets.must_close", value=sid,
                                    fix="remove it from one of the two lists"))
    return out, problems


def read_manifest(folder: Path) -> Manifest:
    """Read ``folder/county.yaml`` if present, checking it against :data:`MANIFEST_SCHEMA`.

    Parameters
    ----------
    folder : Path
        The county folder.

    Returns
    -------
    Manifest
        Empty when there is no manifest.

    Raises
    ------
    LayoutInputError
        Every problem of the file: YAML (duplicate keys, aliases), unknown keys, types, ranges, an unknown
        encoding, a standards file that does not exist, problems of an inline standards override.
    """
    from layout.io.yaml_strict import read_yaml
    from layout.standards import StandardsOverride
    from layout.standards.validation import check_override

    folder = Path(folder)
    path = folder / MANIFEST_NAME
    if not path.exists():
        return Manifest()
    doc = read_yaml(path, source=MANIFEST_NAME)
    data = {} if doc.data is None else doc.data
    if not isinstance(data, Mapping):
        raise LayoutInputError([Problem(MANIFEST_NAME, "must be a mapping such as 'name: ...'", row=1,
                                        fix="see docs/data_format.md for an example")])
    data = _plain_keys(data)

    def line(p: tuple) -> int | None:
        for n in range(len(p), 0, -1):
            if doc.line(*p[:n]) is not None:
                return doc.line(*p[:n])
        return None

    problems = [Problem(MANIFEST_NAME, "must be a finite number", row=line(p), column=".".join(map(str, p)),
                        fix=_fix(p)) for p in _non_finite(data) if p and p[0] != "standards"]
    problems += [p for p in _schema_problems(data, line) if not (p.column or "").startswith("standards.")]
    enc = data.get("encoding")
    if isinstance(enc, str):
        try:
            codecs.lookup(enc)
        except LookupError:
            problems.append(Problem(MANIFEST_NAME, "unknown text encoding", row=line(("encoding",)), column="encoding",
                                    value=enc, fix=_FIXES["encoding"]))
    standards: str | Mapping | None = None
    st = data.get("standards")
    if isinstance(st, str):
        if not (folder / st).is_file():
            problems.append(Problem(MANIFEST_NAME, "standards file not found", row=line(("standards",)),
                                    column="standards", value=st,
                                    fix="put the override file in the county folder, or correct its name"))
        standards = st
    elif isinstance(st, Mapping):
        found = check_override(st, MANIFEST_NAME, doc.sub_lines("standards"))
        problems += [replace(p, column=f"standards.{p.column}" if p.column else "standards") for p in found]
        standards = StandardsOverride(st, source=MANIFEST_NAME, lines=doc.sub_lines("standards"))
    targets: dict = {}
    if isinstance(data.get("targets"), Mapping) and not any((p.column or "").startswith("targets")
                                                            for p in problems):
        targets, found = _targets(data["targets"], line)
        problems += found
    if problems:
        n = len(problems)
        raise LayoutInputError(problems, f"{MANIFEST_NAME}: {n} problem{'s' if n != 1 else ''}")
    columns = data.get("columns") or {}
    return Manifest(
        name=None if data.get("name") is None else str(data["name"]),
        crs=None if data.get("crs") is None else _crs_text(data["crs"]),
        encoding=enc,
        files={k: str(v) for k, v in (data.get("files") or {}).items()},
        columns={k: {str(a).strip(): str(b) for a, b in (v or {}).items()} for k, v in columns.items()},
        coordinates={k: str(v) for k, v in (data.get("coordinates") or {}).items()},
        standards=standards,
        description=data.get("description"),
        targets=targets,
    )


def _crs_text(crs: object) -> str:
    """``4490`` → ``EPSG:4490``; text as written (trimmed)."""
    return f"EPSG:{crs}" if isinstance(crs, int) else str(crs).strip()
