"""Check a standards override (or the merged standards) against a schema derived from ``national.yaml``.

The JSON Schema is built from the national file's own data each time that file changes: every key it has is
known, with the type of its value (a mapping, a list of …, a number, yes/no, text); keys it does not have are
unknown, reported with a "did you mean" suggestion. The range rules of :mod:`layout.standards.rules` are
compiled into the same schema (``exclusiveMinimum``, ``maximum``, ``type: integer`` …), and the checks across
keys (bins increasing and containing 30, class bands following on, road classes known) run on the merged data.
Validation is done by `jsonschema <https://python-jsonschema.readthedocs.io>`_, which reports *every* error with
its path; each becomes a :class:`~layout.errors.Problem` naming the file, the line, the dotted key, the value
and a fix. See ``docs/standards.md`` for why jsonschema rather than pydantic.

Example
-------
>>> problems = check_override({"modes": {"walk": {"speed_kmh": -4}}, "travel": {"walk_limit_minute": {}}}, "p.yaml")
>>> for p in problems: print(p)
p.yaml, column 'modes.walk.speed_kmh', value -4: must be above 0 — fix: give a number above 0 and at most 300 (a speed of 0 or less makes every trip endless)
p.yaml, column 'travel.walk_limit_minute': unknown key 'walk_limit_minute' in travel — fix: did you mean 'walk_limit_minutes'?
"""

from __future__ import annotations

import copy
import difflib
import math
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator

from layout.errors import Problem
from layout.standards.rules import CROSS_CHECKS, DEFAULT, OPEN_MAPPINGS, Rule, _match, rule_for

__all__ = ["standards_schema", "check_override", "check_merged", "numeric_paths"]

_TYPE_WORDS = {"object": "a mapping (key: value lines)", "array": "a list", "number": "a number",
               "integer": "a whole number", "string": "text", "boolean": "yes/no (true or false)", "null": "empty"}


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "object"
    return "array"


def _union(a: dict, b: dict) -> dict:
    """The schema accepting what either example schema accepts (list items of mixed examples)."""
    if not a:
        return b
    if a.get("type") == "object" and b.get("type") == "object" and "properties" in a and "properties" in b:
        props = dict(a["properties"])
        for k, v in b["properties"].items():
            props[k] = _union(props[k], v) if k in props else v
        return {**a, "properties": props}
    ta = a["type"] if isinstance(a.get("type"), list) else [a.get("type")]
    tb = b["type"] if isinstance(b.get("type"), list) else [b.get("type")]
    types = sorted({t for t in ta + tb if t})
    merged = {**a, **b, "type": types if len(types) > 1 else types[0]}
    return merged


def _from_example(value: Any, path: str) -> dict:
    kind = _kind(value)
    if kind == "object":
        open_type = next((t for p, t in OPEN_MAPPINGS.items() if _match(p, path)), None)
        if open_type is not None:
            return {"type": "object", "additionalProperties": {"type": open_type}, "x-open": True}
        props = {str(k): _from_example(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        return {"type": "object", "additionalProperties": False, "properties": props}
    if kind == "array":
        items: dict = {}
        for v in value:
            items = _union(items, _from_example(v, f"{path}.*"))
        return {"type": "array", "items": items}
    return {"type": kind}   # a null example: only null here, unless a list's other items say more


def _loosen_nulls(schema: dict) -> dict:
    """A key the national file leaves empty (``null``) may take any value in an override."""
    if "properties" in schema:
        schema["properties"] = {k: {} if v == {"type": "null"} else _loosen_nulls(v)
                                for k, v in schema["properties"].items()}
    if isinstance(schema.get("items"), dict):
        _loosen_nulls(schema["items"])
    return schema


def _apply_rules(schema: dict, path: str) -> None:
    """Add the range rules of every node (the national key's own rule, or :data:`DEFAULT` for numbers)."""
    rule = rule_for(path) if path else None
    types = schema.get("type")
    is_number = types == "number" or (isinstance(types, list) and "number" in types)
    if rule is None and is_number:
        rule = DEFAULT
    if rule is not None:
        schema["x-rule"] = rule
        if rule.integer and is_number:
            schema["type"] = "integer" if types == "number" else ["integer" if t == "number" else t for t in types]
        for key, kw in (("gt", "exclusiveMinimum"), ("ge", "minimum"), ("lt", "exclusiveMaximum"), ("le", "maximum")):
            if getattr(rule, key) is not None:
                schema[kw] = getattr(rule, key)
        if rule.choices is not None:
            schema["enum"] = list(rule.choices)
        if rule.length is not None:
            schema["minItems"] = schema["maxItems"] = rule.length
        if rule.nonempty:
            schema["minItems" if schema.get("type") == "array" else "minProperties"] = 1
    for k, sub in schema.get("properties", {}).items():
        _apply_rules(sub, f"{path}.{k}" if path else k)
    if isinstance(schema.get("items"), dict) and schema["items"]:
        _apply_rules(schema["items"], f"{path}.*")
    if isinstance(schema.get("additionalProperties"), dict):
        _apply_rules(schema["additionalProperties"], f"{path}.*")


@lru_cache(maxsize=4)
def _schema_for(national_key: str) -> tuple[dict, Draft202012Validator]:
    import json

    national = json.loads(national_key)
    schema = _loosen_nulls(_from_example(national, ""))
    _apply_rules(schema, "")
    return schema, Draft202012Validator(_strip_private(schema))   # the schema itself is checked in the tests


def _strip_private(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _strip_private(v) for k, v in schema.items() if not k.startswith("x-")}
    if isinstance(schema, list):
        return [_strip_private(v) for v in schema]
    return schema


def standards_schema(national: Mapping) -> dict:
    """The JSON Schema (with ``x-rule`` annotations) derived from the national standards' data.

    Example
    -------
    >>> from layout.standards import load_standards
    >>> s = standards_schema(load_standards().to_dict())
    >>> s["properties"]["travel"]["properties"]["walk_limit_minutes"]["properties"]["g1_3"]["exclusiveMinimum"]
    0
    """
    return copy.deepcopy(_schema_for(_key(national))[0])


def _key(national: Mapping) -> str:
    import json

    return json.dumps(national, sort_keys=True, ensure_ascii=False, default=str)


def _dotted(path: Iterable) -> str:
    return ".".join(str(p) for p in path)


def _node(schema: dict, path: Iterable) -> dict:
    node = schema
    for p in path:
        if "properties" in node and str(p) in node["properties"]:
            node = node["properties"][str(p)]
        elif isinstance(node.get("additionalProperties"), dict):
            node = node["additionalProperties"]
        elif isinstance(node.get("items"), dict):
            node = node["items"]
        else:
            return {}
    return node


def _fix_for(rule: Rule | None) -> str:
    if rule is None:
        return ""
    text = "give " + rule.describe()
    return text + (f" ({rule.why})" if rule.why else "")


def _non_finite(data: Any, path: tuple = ()) -> Iterable[tuple[tuple, Any]]:
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _non_finite(v, (*path, str(k)))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _non_finite(v, (*path, i))
    elif isinstance(data, float) and not math.isfinite(data):
        yield path, data


def check_override(data: Any, source: str, lines: Mapping[tuple, int] | None = None,
                   national: Mapping | None = None) -> list[Problem]:
    """Every problem of one override (or the national file itself): unknown keys, types, ranges.

    Parameters
    ----------
    data : object
        The override as loaded (only the keys it changes).
    source : str
        Its file name, for the problems.
    lines : mapping, optional
        ``path tuple -> line`` (from :class:`layout.io.yaml_strict.YamlDocument`).
    national : mapping, optional
        The national standards' data (default: ``national.yaml``).

    Returns
    -------
    list of Problem
    """
    if national is None:
        from layout.standards import national_data

        national = national_data()
    lines = lines or {}
    if data is None:
        return []
    if not isinstance(data, Mapping):
        return [Problem(source, "the standards file must be a mapping of sections", value=_short(data),
                        fix="start with keys such as 'travel:' or 'class_size:'")]
    schema, validator = _schema_for(_key(national))
    out: list[Problem] = []

    def where(path: tuple) -> int | None:
        for n in range(len(path), 0, -1):
            if tuple(path[:n]) in lines:
                return lines[tuple(path[:n])]
        return None

    for path, v in _non_finite(data):
        node = _node(schema, path)
        out.append(Problem(source, "must be a finite number", row=where(path), column=_dotted(path), value=v,
                           fix=_fix_for(node.get("x-rule")) or "give a number"))
    for err in sorted(validator.iter_errors(_plain(data)), key=lambda e: [str(p) for p in e.absolute_path]):
        path = tuple(err.absolute_path)
        node = _node(schema, path)
        if err.validator == "additionalProperties":
            known = sorted(node.get("properties", {}))
            for key in sorted(set(err.instance) - set(known), key=str):
                kp = (*path, str(key))
                near = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
                what = f"unknown key {key!r} in {_dotted(path)}" if path else f"unknown section {key!r}"
                fix = (f"did you mean {near[0]!r}?" if near else
                       f"use one of: {', '.join(known[:12])}{' …' if len(known) > 12 else ''}")
                out.append(Problem(source, what, row=where(kp), column=_dotted(kp), fix=fix))
            continue
        if isinstance(err.instance, float) and not math.isfinite(err.instance):
            continue   # reported above
        rule = node.get("x-rule")
        if err.validator == "type":
            want = node.get("type")
            wants = want if isinstance(want, list) else [want]
            words = " or ".join(_TYPE_WORDS.get(t, t) for t in wants if t != "null")
            msg = f"must be {words}"
            if rule and any(t in ("number", "integer") for t in wants):
                fix = _fix_for(rule)
            elif "object" in wants:
                keys = ", ".join(sorted(node.get("properties", {}))[:8])
                fix = (f"write '{path[-1]}:' followed by indented keys as in national.yaml"
                       + (f" ({keys})" if keys else ""))
            else:
                fix = f"write {words}"
            if err.instance is None:
                msg += ", not empty"
        elif err.validator in ("exclusiveMinimum", "minimum", "exclusiveMaximum", "maximum"):
            words = {"exclusiveMinimum": "above", "minimum": "at least", "exclusiveMaximum": "below",
                     "maximum": "at most"}[err.validator]
            msg = f"must be {words} {err.validator_value:g}"
            fix = _fix_for(rule)
        elif err.validator == "enum":
            msg = "not one of the allowed values"
            fix = f"use one of: {', '.join(map(str, err.validator_value))}"
        elif err.validator in ("minItems", "maxItems"):
            n = node.get("minItems")
            msg = (f"must be a list of {n} items" if node.get("minItems") == node.get("maxItems")
                   else "must not be empty")
            fix = (rule.why if rule and rule.why else "give the items")
        elif err.validator == "minProperties":
            msg, fix = "must not be empty", "give at least one entry"
        else:
            msg, fix = err.message, ""
        out.append(Problem(source, msg, row=where(path), column=_dotted(path) or None, value=_short(err.instance),
                           fix=fix))
    out.extend(_increasing(data, schema, source, where))
    return out


def _increasing(data: Any, schema: dict, source: str, where) -> list[Problem]:
    out = []
    stack: list[tuple[tuple, Any]] = [((), data)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, Mapping):
            stack.extend(((*path, str(k)), x) for k, x in v.items())
        elif isinstance(v, list):
            rule = _node(schema, path).get("x-rule") if path else None
            nums = [x for x in v if isinstance(x, int | float) and not isinstance(x, bool)]
            if rule is not None and rule.increasing and len(nums) == len(v) and any(
                    b <= a for a, b in zip(v, v[1:], strict=False)):
                out.append(Problem(source, "must increase from one item to the next", row=where(path),
                                   column=_dotted(path), value=_short(v),
                                   fix=f"sort the list and drop repeats, e.g. {sorted(set(v))}"))
            stack.extend(((*path, i), x) for i, x in enumerate(v))
    return out


def check_merged(data: Mapping, sources: list[tuple[str, Any, Mapping[tuple, int]]]) -> list[Problem]:
    """The checks across keys (:data:`layout.standards.rules.CROSS_CHECKS`) on the merged standards.

    Parameters
    ----------
    data : mapping
        National standards with every override merged over them.
    sources : list of (source, override data, lines)
        In merge order, national first; a problem is reported against the last one that sets its key.

    Returns
    -------
    list of Problem
    """
    out = []
    for check in CROSS_CHECKS:
        for dotted, value, message, fix in check(data):
            path = tuple(int(p) if p.isdigit() else p for p in dotted.split("."))
            source, line = sources[0][0], None
            for src, ov, lines in sources:
                if _has(ov, path[:2]):
                    source = src
                    line = next((lines[path[:n]] for n in range(len(path), 0, -1) if path[:n] in lines), None)
            out.append(Problem(source, message, row=line, column=dotted, value=_short(value), fix=fix))
    return out


def _has(data: Any, path: tuple) -> bool:
    node = data
    for p in path:
        if isinstance(node, Mapping) and str(p) in node:
            node = node[str(p)]
        elif isinstance(node, list) and isinstance(p, int) and p < len(node):
            node = node[p]
        else:
            return False
    return True


def _plain(data: Any) -> Any:
    """Mappings as dicts with text keys, tuples as lists (what JSON Schema validates)."""
    if isinstance(data, Mapping):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return data


def _short(value: Any) -> Any:
    if isinstance(value, Mapping | list | tuple):
        text = str(_plain(value))
        return text if len(text) <= 60 else text[:57] + "..."
    return value


def numeric_paths(data: Any, prefix: str = "") -> list[str]:
    """Dotted paths of every number in ``data`` (list positions as ``*``), for the coverage test of the rules."""
    out: list[str] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            out += numeric_paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list | tuple):
        for v in data:
            out += numeric_paths(v, f"{prefix}.*")
    elif isinstance(data, int | float) and not isinstance(data, bool):
        out.append(prefix)
    return sorted(set(out))
