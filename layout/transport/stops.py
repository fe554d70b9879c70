"""One school's bus riders turned into stops: who is unserved and why, full shuttles, and the stops to pool.

Rules (each figure from :class:`~layout.transport.parameters.BusRules`):

* a band that may not ride (``travel.may_bus``) is unserved;
* a village the bus cannot reach from the school, or cannot bring to it, by road is unserved with the network's
  reason;
* riders whose **direct ride** (one dwell + the drive straight to school + the school's off-road leg) is already
  longer than their band's ride limit are unserved: no route can take them faster;
* a village with more riders than a bus seats gets ⌊riders / seats⌋ full **shuttles** straight to school, filled
  with the bands of the strictest limits first; the rest (the most tolerant bands) become a stop to pool;
* a pooled stop's children board together, so the stop's limit is the strictest limit among the bands boarding
  there. Bands share a route freely: each stop's riders must reach school within their stop's limit, so a
  60-minute middle-school pupil may be picked up early on a route whose later stops carry 30-minute first-graders.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from layout.transport.legs import SchoolLegs
from layout.transport.parameters import BusRules

__all__ = ["Stop", "SchoolStops", "school_stops", "UNSERVED_REASONS"]

UNSERVED_REASONS = {
    "may_not_ride": ("these grades do not ride school buses here (travel.may_bus)", "该学段不乘坐校车(travel.may_bus)"),
    "no_road": ("the school bus cannot reach the village or the school by road", "校车无法经道路往返于该村与学校"),
    "direct_ride_over_limit": ("even the direct ride to school is longer than the grades' ride limit",
                               "直达学校的乘车时间已超过该学段的时限"),
}


@dataclass(frozen=True)
class Stop:
    """Children boarding one vehicle at one village.

    Attributes
    ----------
    village : int
        Position in :attr:`SchoolLegs.village_ids` (matrix row ``village + 1``).
    village_id : str
    bands : dict
        ``band -> children``.
    limit : float
        Minutes: the strictest ride limit of the bands boarding.
    direct_minutes : float
        The direct ride (one dwell + drive + the school's off-road leg).
    """

    village: int
    village_id: str
    bands: dict
    limit: float
    direct_minutes: float

    @property
    def children(self) -> int:
        return int(sum(self.bands.values()))


@dataclass(frozen=True)
class SchoolStops:
    """A school's shuttles, stops to pool and unserved riders.

    Attributes
    ----------
    school_id : str
    shuttles : list of Stop
        Full buses straight to school (one vehicle each).
    pooled : list of Stop
        At most one per village, each with no more children than a bus seats.
    unserved : DataFrame
        ``village_id, school_id, band, children, reason, detail``.
    """

    school_id: str
    shuttles: list
    pooled: list
    unserved: pd.DataFrame


def school_stops(riders: pd.DataFrame, legs: SchoolLegs, rules: BusRules) -> SchoolStops:
    """Split one school's riders into unserved riders, full shuttles and stops to pool.

    Parameters
    ----------
    riders : DataFrame
        This school's riders: ``village_id, band, children`` (one row per village and band, children > 0).
    legs : SchoolLegs
        Covering every village of ``riders``.
    rules : BusRules

    Returns
    -------
    SchoolStops

    Example
    -------
    >>> import numpy as np, pandas as pd
    >>> from layout.standards import load_standards
    >>> from layout.transport.parameters import bus_rules
    >>> legs = SchoolLegs("S1", pd.Index(["V1"]), np.array([[0, 5.0], [5.0, 0]]), np.zeros((2, 2)), 0.0, 0.0,
    ...                   np.zeros(1), np.zeros(1), {})
    >>> r = pd.DataFrame({"village_id": ["V1", "V1"], "band": ["g1_3", "g7_9"], "children": [10, 40]})
    >>> s = school_stops(r, legs, bus_rules(load_standards()))
    >>> [x.bands for x in s.shuttles], [(x.bands, x.limit) for x in s.pooled]
    ([{'g1_3': 10, 'g7_9': 25}], [({'g7_9': 15}, 60.0)])
    """
    sid = legs.school_id
    pos = {v: i for i, v in enumerate(legs.village_ids)}
    unserved: list[dict] = []
    shuttles: list[Stop] = []
    pooled: list[Stop] = []
    recs = sorted(zip(riders["village_id"].astype(str), riders["band"], riders["children"].astype(int), strict=True))
    for vid, group in itertools.groupby(recs, key=lambda r: r[0]):
        i = pos[vid]
        drive = float(legs.minutes[i + 1, 0])
        direct = rules.stop_minutes + drive + legs.school_walk_minutes
        keep: list[tuple[float, str, int]] = []
        for _, band, n in group:
            limit = float(rules.limits[band])
            if not rules.may_bus.get(band, True):
                unserved.append(_unserved(vid, sid, band, n, "may_not_ride", ""))
            elif str(vid) in legs.reasons:
                unserved.append(_unserved(vid, sid, band, n, "no_road", legs.reasons[str(vid)]))
            elif not np.isfinite(direct) or direct > limit:
                unserved.append(_unserved(vid, sid, band, n, "direct_ride_over_limit",
                                          f"direct ride {direct:.1f} min > {band} limit {limit:g} min"))
            else:
                keep.append((limit, band, n))
        if not keep:
            continue
        keep.sort()                                    # strictest limit first: they fill the shuttles
        seats = rules.seats
        total = sum(n for _, _, n in keep)
        n_full = total // seats
        queue = [[lim, band, n] for lim, band, n in keep]
        for _ in range(n_full):
            shuttles.append(_take(queue, seats, i, str(vid), direct))
        if total - n_full * seats > 0:
            pooled.append(_take(queue, total - n_full * seats, i, str(vid), direct))
    cols = ["village_id", "school_id", "band", "children", "reason", "detail"]
    return SchoolStops(sid, shuttles, pooled, pd.DataFrame(unserved, columns=cols))


def _take(queue: list, k: int, i: int, vid: str, direct: float) -> Stop:
    """Take ``k`` children from the front of the (limit, band, n) queue as one stop."""
    bands: dict[str, int] = {}
    limit = np.inf
    while k > 0:
        lim, band, n = queue[0]
        m = min(n, k)
        bands[band] = bands.get(band, 0) + m
        limit = min(limit, lim)
        k -= m
        queue[0][2] -= m
        if queue[0][2] == 0:
            queue.pop(0)
    return Stop(i, vid, bands, float(limit), direct)


def _unserved(vid, sid, band, n, reason, detail) -> dict:
    return {"village_id": str(vid), "school_id": str(sid), "band": band, "children": int(n), "reason": reason,
            "detail": detail}
