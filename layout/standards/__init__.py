"""National standards and provincial overrides, loaded from YAML into one immutable value.

Every threshold an algorithm uses comes from here (``national.yaml`` beside this file), so a province changes
behaviour by writing a small override file, never by editing code.

Example
-------
>>> from layout.standards import load_standards
>>> s = load_standards()
>>> s.walk_limit("g1_3")
30.0
>>> s.class_size_limit("primary")
45
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from layout.errors import LayoutInputError, Problem
from layout.i18n import DEFAULT_LANG

__all__ = ["Standards", "TravelRule", "load_standards", "NATIONAL_FILE", "BANDS", "StandardsOverride",
           "national_data"]

NATIONAL_FILE = Path(__file__).with_name("national.yaml")
BANDS: tuple[str, ...] = ("g1_3", "g4_6", "g7_9")


@dataclass(frozen=True)
class TravelRule:
    """The travel rule of one grade band, read from ``travel`` in the standards.

    A day pupil (走读生) of the band may walk up to ``walk_limit`` minutes, or ride a school bus up to
    ``bus_limit`` minutes when ``may_bus``; pupils beyond both may board only when ``may_board``.

    Example
    -------
    >>> rule = load_standards().travel_rule("g1_3")
    >>> rule.allows("bus", 25.0), rule.allows("bus", 35.0), rule.allows("board", 90.0)
    (True, False, False)
    """

    band: str
    walk_limit: float
    bus_limit: float
    may_bus: bool
    may_board: bool

    def allows(self, mode: str, minutes: float) -> bool:
        """Whether a trip of ``minutes`` by ``mode`` (walk, bus, board) keeps the rule."""
        if mode == "walk":
            return minutes <= self.walk_limit
        if mode == "bus":
            return self.may_bus and minutes <= self.bus_limit
        if mode == "board":
            return self.may_board
        raise ValueError(f"unknown mode {mode!r}; use walk, bus or board")

    @property
    def day_limit(self) -> float:
        """The longest day trip the band may make by any mode it may use (minutes)."""
        return max(self.walk_limit, self.bus_limit if self.may_bus else 0.0)

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        """The rule in words, e.g. ``步行或乘校车单程不超过30分钟,不寄宿``."""
        from layout.i18n import t

        day = (t("travel_rule.walk_or_bus", lang, walk=f"{self.walk_limit:g}", bus=f"{self.bus_limit:g}")
               if self.may_bus else t("travel_rule.walk_only", lang, walk=f"{self.walk_limit:g}"))
        return day + t("travel_rule.may_board" if self.may_board else "travel_rule.no_board", lang)


def _merge(base: dict, override: Mapping, path: str, source: str) -> dict:
    """Deep-merge ``override`` into a copy of ``base``; unknown top-level keys are errors."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        where = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value, where, source)
        else:
            if not path and key not in out:
                raise LayoutInputError([Problem(
                    source, f"unknown section {key!r} in the standards override", column=where,
                    fix=f"use one of: {', '.join(sorted(out))}")])
            out[key] = copy.deepcopy(value)
    return out


def _freeze(obj: Any) -> Any:
    if isinstance(obj, dict):
        return _FrozenDict({k: _freeze(v) for k, v in obj.items()})
    if isinstance(obj, list):
        return tuple(_freeze(v) for v in obj)
    return obj


class _FrozenDict(dict):
    """A dict that refuses changes (standards are plain immutable values)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("Standards are immutable: load an override file instead")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):  # pickling rebuilds through __init__, not the refused __setitem__
        return (_FrozenDict, (dict(self),))

    def __hash__(self):  # type: ignore[override]
        return hash(tuple(sorted(self.items(), key=lambda kv: str(kv[0]))))


def _thaw(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _thaw(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return [_thaw(v) for v in obj]
    return obj


@dataclass(frozen=True)
class Standards:
    """All planning thresholds: national defaults with any provincial override merged over them.

    Read values with the typed helpers below or with :meth:`get` and a dotted path. The raw, nested data is in
    :attr:`data` (read-only).

    Parameters
    ----------
    data : mapping
        The merged standards (as loaded from YAML).
    sources : tuple of str
        The files merged, national first.
    """

    data: Mapping[str, Any]
    sources: tuple[str, ...] = (str(NATIONAL_FILE),)

    def __post_init__(self) -> None:
        if not isinstance(self.data, _FrozenDict):
            object.__setattr__(self, "data", _freeze(dict(self.data)))

    # ---- generic access -------------------------------------------------------------------------------
    def get(self, dotted: str, default: Any = ...) -> Any:
        """Return the value at a dotted path such as ``"travel.walk_limit_minutes.g1_3"``.

        Raises ``KeyError`` naming the path when it is missing and no default is given.
        """
        node: Any = self.data
        for part in dotted.split("."):
            if isinstance(node, Mapping) and part in node:
                node = node[part]
            elif default is not ...:
                return default
            else:
                raise KeyError(f"standards have no value at {dotted!r} (missing {part!r})")
        return node

    def to_dict(self) -> dict:
        """A plain, mutable deep copy of the data (for writing or editing into an override)."""
        return _thaw(self.data)

    # ---- typed helpers --------------------------------------------------------------------------------
    @property
    def bands(self) -> dict[str, tuple[int, int]]:
        """Grade bands, e.g. ``{"g1_3": (1, 3), ...}``."""
        return {b: (int(lo), int(hi)) for b, (lo, hi) in self.data["grade_bands"].items()}

    def band_of_grade(self, grade: int) -> str:
        """The band a grade (1–9) belongs to."""
        for band, (lo, hi) in self.bands.items():
            if lo <= grade <= hi:
                return band
        raise KeyError(f"grade {grade} is in no band")

    def kind_grades(self, kind: str) -> tuple[int, int]:
        """Default (lowest, highest) grade of a school kind."""
        lo, hi = self.data["school_kinds"][kind]["grades"]
        return int(lo), int(hi)

    @property
    def school_kinds(self) -> tuple[str, ...]:
        return tuple(self.data["school_kinds"])

    def walk_limit(self, band: str) -> float:
        """Walking time limit in minutes for a band."""
        return float(self.data["travel"]["walk_limit_minutes"][band])

    def bus_limit(self, band: str) -> float:
        """School-bus one-way limit in minutes for a band (0 means never bused)."""
        return float(self.data["travel"]["bus_limit_minutes"][band])

    def may_board(self, band: str) -> bool:
        return bool(self.data["travel"]["may_board"][band])

    def may_bus(self, band: str) -> bool:
        return bool(self.data["travel"]["may_bus"][band])

    def travel_rule(self, band: str) -> TravelRule:
        """The band's travel rule (limits per mode, bus, boarding): the one rule every part of ``layout`` reads."""
        return TravelRule(band, self.walk_limit(band), self.bus_limit(band), self.may_bus(band), self.may_board(band))

    def stage_of_band(self, band: str) -> str:
        """``"primary"`` for g1_3/g4_6, ``"middle"`` for g7_9."""
        return "middle" if self.bands[band][0] >= 7 else "primary"

    def class_size_limit(self, stage: str) -> int:
        return int(self.data["class_size"]["limit"][stage])

    def standard_class_size(self, kind_or_stage: str) -> int:
        return int(self.data["class_size"]["standard"][kind_or_stage])

    def class_band(self, size: float) -> str:
        """Name of the class-size band (normal / large / oversized / super_oversized) of a class size.

        Bands are whole-pupil ranges (normal ≤ 45, 偏大 46–55, 大班额 56–65, 超大班额 ≥ 66); an average class size
        between two of them belongs to the upper one, since at least one class then has the upper size (45.3 is
        偏大, 55.5 大班额).

        Example
        -------
        >>> s = load_standards()
        >>> s.class_band(45.0), s.class_band(45.3), s.class_band(55.5), s.class_band(66.0)
        ('normal', 'large', 'oversized', 'super_oversized')
        """
        for b in self.data["class_size"]["bands"]:
            if b["max"] is None or size <= b["max"]:
                return str(b["name"])
        return str(self.data["class_size"]["bands"][-1]["name"])

    def max_students(self, kind: str) -> int:
        sizes = self.data["school_size"]["max_students"]
        return int(sizes["nine_year"] if kind == "nine_year" else sizes["middle" if kind == "middle" else "primary"])

    @property
    def small_school(self) -> int:
        return int(self.data["school_size"]["small_school"])

    @property
    def closure_pool_under(self) -> int:
        """Schools with fewer pupils than this are the usual closure pool (the county reports' "under 50")."""
        return int(self.data["school_size"]["closure_pool_under"])

    def mode(self, name: str) -> Mapping[str, Any]:
        """The definition of a travel mode (``walk`` or ``bus``)."""
        try:
            return self.data["modes"][name]
        except KeyError:
            modes = [m for m in self.data["modes"] if m not in ("snapping", "straight_line_fallback")]
            raise KeyError(f"unknown travel mode {name!r}; known modes: {', '.join(modes)}") from None

    def cost(self, key: str) -> Any:
        return self.data["costs"][key]


@lru_cache(maxsize=2)
def _national_cached(mtime_ns: int) -> dict:
    try:
        text = NATIONAL_FILE.read_text(encoding="utf-8")
    except OSError as exc:   # a broken installation, not a planner's input
        raise RuntimeError(f"cannot read the national standards {NATIONAL_FILE}: {exc}") from exc
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}


def national_data() -> dict:
    """A fresh copy of the data of ``national.yaml`` (read once per change of the file)."""
    return copy.deepcopy(_national_cached(NATIONAL_FILE.stat().st_mtime_ns))


class StandardsOverride(dict):
    """An override given as a mapping that remembers where it was written (file and lines), e.g. the inline
    ``standards:`` block of ``county.yaml``; problems in it name that file and line.

    Example
    -------
    >>> ov = StandardsOverride({"travel": {"may_bus": {"g1_3": False}}}, source="county.yaml (standards)")
    >>> load_standards(ov).may_bus("g1_3")
    False
    """

    def __init__(self, data: Mapping, source: str = "<override>", lines: Mapping[tuple, int] | None = None):
        super().__init__(data)
        self.source = source
        self.lines = dict(lines or {})


def _read_override(ov: str | Path | Mapping[str, Any]) -> tuple[str, Any, dict]:
    """(source, data, lines) of one override file or mapping."""
    from layout.io.yaml_strict import read_yaml

    if isinstance(ov, Mapping):
        return getattr(ov, "source", "<override>"), dict(ov), dict(getattr(ov, "lines", {}) or {})
    if not isinstance(ov, str | Path):
        raise TypeError(f"a standards override is a YAML file path or a mapping, not {type(ov).__name__}; "
                        "e.g. load_standards('province.yaml') or load_standards({'travel': {...}})")
    doc = read_yaml(ov, source=str(ov))
    return str(ov), ({} if doc.data is None else doc.data), doc.lines


def load_standards(*overrides: str | Path | Mapping[str, Any]) -> Standards:
    """Load the national standards with provincial override files (or dicts) merged over them, in order.

    Each override is read strictly (:mod:`layout.io.yaml_strict`) and checked against the schema derived from
    ``national.yaml`` and the range rules of :mod:`layout.standards.rules` before it is merged; every problem
    of every override is raised together.

    Parameters
    ----------
    *overrides : path or mapping
        YAML files of the same shape as ``national.yaml`` holding only the keys a province changes.

    Returns
    -------
    Standards

    Raises
    ------
    LayoutInputError
        Unknown keys (with a "did you mean"), wrong types, values out of range, each with file, line and key.

    Example
    -------
    >>> s = load_standards({"travel": {"walk_limit_minutes": {"g1_3": 20}}})
    >>> s.walk_limit("g1_3"), s.walk_limit("g4_6")
    (20.0, 30.0)
    """
    from layout.standards.validation import check_merged, check_override

    data = national_data()
    sources: list[tuple[str, Any, dict]] = [(str(NATIONAL_FILE), data, {})]
    problems: list[Problem] = []
    for ov in overrides:
        if ov is None:
            continue
        source, ov_data, lines = _read_override(ov)
        found = check_override(ov_data, source, lines)
        problems.extend(found)
        if not found:
            data = _merge(data, ov_data, "", source)
            sources.append((source, ov_data, lines))
    if not problems:
        problems.extend(check_merged(data, sources))
    if problems:
        n = len(problems)
        raise LayoutInputError(problems, f"standards: {n} problem{'s' if n != 1 else ''} in the override"
                               + ("s" if len(sources) > 2 else ""))
    return Standards(data, tuple(s for s, _, _ in sources))
