"""Travel modes (walking, school bus) as read from the standards: speeds, excluded roads, waits, snapping.

Nothing here is hard-coded: every number comes from ``modes:`` in ``national.yaml`` (or a provincial override).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from layout.standards import Standards, load_standards

__all__ = ["ModeSpec", "mode_spec"]


@dataclass(frozen=True)
class ModeSpec:
    """How one mode moves on the road network.

    Parameters
    ----------
    name : str
        ``"walk"`` or ``"bus"`` (any mode defined under ``modes:``).
    speed_kmh : float
        Speed on roads whose class has no entry in ``class_speed_kmh``.
    class_speed_kmh : dict
        Speed by canonical road class.
    excluded : frozenset of str
        Road classes the mode cannot use.
    wait_minutes : float
        Added once per trip (boarding and waiting for the bus).
    follows_oneway : bool
        Whether one-way roads may only be used in their direction.
    uses_line_speed : bool
        Whether a road line's own ``speed_kmh`` replaces its class speed.
    off_road_speed_kmh, off_road_detour_factor : float
        The walk from a village or school to the nearest usable road: straight line × factor at this speed.
    flag_snap_metres, max_snap_metres : float
        Points farther than the first from a usable road are flagged; farther than the second cannot use the mode.
    """

    name: str
    speed_kmh: float
    class_speed_kmh: dict
    excluded: frozenset
    wait_minutes: float
    follows_oneway: bool
    uses_line_speed: bool
    off_road_speed_kmh: float
    off_road_detour_factor: float
    flag_snap_metres: float
    max_snap_metres: float

    def edge_speeds(self, road_class: np.ndarray, line_speed: np.ndarray | None = None) -> np.ndarray:
        """Speed (km/h) of each edge for this mode; ``nan`` where the mode cannot use the road."""
        road_class = np.asarray(road_class, dtype=object)
        speed = np.full(len(road_class), self.speed_kmh, dtype=float)
        for cls, v in self.class_speed_kmh.items():
            speed[road_class == cls] = float(v)
        if self.uses_line_speed and line_speed is not None:
            own = np.asarray(line_speed, dtype=float)
            ok = np.isfinite(own) & (own > 0)
            speed[ok] = own[ok]
        speed[np.isin(road_class, list(self.excluded))] = np.nan
        return speed

    def off_road(self, straight_metres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Metres and minutes of the walk between a point and the road it snaps to."""
        metres = np.asarray(straight_metres, dtype=float) * self.off_road_detour_factor
        return metres, metres / (self.off_road_speed_kmh * 1000.0 / 60.0)

    def key(self) -> str:
        """A stable text form of the definition (for cache keys)."""
        d = {k: (sorted(v) if isinstance(v, frozenset) else v) for k, v in self.__dict__.items()}
        return json.dumps(d, sort_keys=True, default=str)


def mode_spec(mode: str | ModeSpec, standards: Standards | None = None) -> ModeSpec:
    """Read a mode's definition from the standards.

    Parameters
    ----------
    mode : str or ModeSpec
        A mode name defined under ``modes:`` (``"walk"``, ``"bus"``); a ModeSpec is returned unchanged.
    standards : Standards, optional
        Defaults to the national standards.

    Returns
    -------
    ModeSpec

    Example
    -------
    >>> spec = mode_spec("bus")
    >>> spec.wait_minutes, "footpath" in spec.excluded
    (5.0, True)
    """
    if isinstance(mode, ModeSpec):
        return mode
    std = standards or load_standards()
    m = std.mode(mode)
    snap = std.get("modes.snapping")
    speed = m.get("default_speed_kmh", m.get("speed_kmh"))
    if speed is None:
        raise KeyError(f"mode {mode!r} has neither speed_kmh nor default_speed_kmh in the standards")
    speeds = [speed, snap["off_road_speed_kmh"], *dict(m.get("road_class_speed_kmh") or {}).values()]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v) and v > 0 for v in speeds):
        # load_standards refuses these; a Standards value built by hand must not make the search run for ever
        from layout.errors import LayoutInputError, Problem

        raise LayoutInputError([Problem("standards", f"mode {mode!r}: every speed must be a finite number above 0",
                                        column=f"modes.{mode}", value=str(speeds)[:60],
                                        fix="load the standards with layout.standards.load_standards (checked)")])
    return ModeSpec(
        name=mode,
        speed_kmh=float(speed),
        class_speed_kmh={str(k): float(v) for k, v in dict(m.get("road_class_speed_kmh") or {}).items()},
        excluded=frozenset(str(c) for c in (m.get("excluded_road_classes") or ())),
        wait_minutes=float(m.get("wait_minutes", 0.0)),
        follows_oneway=bool(m.get("follows_oneway", False)),
        uses_line_speed=bool(m.get("uses_line_speed", False)),
        off_road_speed_kmh=float(snap["off_road_speed_kmh"]),
        off_road_detour_factor=float(snap["off_road_detour_factor"]),
        flag_snap_metres=float(snap["flag_snap_metres"]),
        max_snap_metres=float(snap.get("max_snap_metres", np.inf)),
    )
