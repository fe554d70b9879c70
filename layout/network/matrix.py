"""`TravelMatrix`: village × school travel minutes and metres for one mode, keyed by id."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = ["TravelMatrix"]


@dataclass(frozen=True)
class TravelMatrix:
    """Travel from every village to every school by one mode.

    Parameters
    ----------
    minutes, metres : DataFrame
        Index ``village_id`` (str), columns ``school_id`` (str); ``inf`` where unreachable.
    mode : str
        ``"walk"`` or ``"bus"`` (a mode defined in the standards).
    estimated : bool
        True when computed as straight line × detour factor (no road network): an *estimate*, and every
        output that shows these numbers says so.
    unreachable : DataFrame
        Columns ``village_id``, ``school_id``, ``reason`` for every ``inf`` pair.
    snap : DataFrame
        Per point (index id, column ``layer`` = village/school): ``snap_metres`` and ``flagged`` (too far from a
        road). Empty for estimates.

    Example
    -------
    >>> import pandas as pd
    >>> m = pd.DataFrame([[5.0, 12.0]], index=pd.Index(["V1"], name="village_id"),
    ...                  columns=pd.Index(["S1", "S2"], name="school_id"))
    >>> tm = TravelMatrix(minutes=m, metres=m * 66.7, mode="walk")
    >>> tm.to_long().iloc[1]["school_id"]
    'S2'
    """

    minutes: pd.DataFrame
    metres: pd.DataFrame
    mode: str
    estimated: bool = False
    unreachable: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["village_id", "school_id", "reason"]))
    snap: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["layer", "snap_metres", "flagged"]))

    def __post_init__(self) -> None:
        if not self.minutes.index.equals(self.metres.index) or not self.minutes.columns.equals(self.metres.columns):
            raise ValueError("minutes and metres must share village and school ids in the same order")

    @property
    def village_ids(self) -> pd.Index:
        return self.minutes.index

    @property
    def school_ids(self) -> pd.Index:
        return self.minutes.columns

    def to_long(self) -> pd.DataFrame:
        """Long table with columns ``village_id, school_id, mode, minutes, metres`` (one row per pair)."""
        mins = self.minutes.to_numpy()
        mets = self.metres.to_numpy()
        vi, si = np.meshgrid(np.arange(mins.shape[0]), np.arange(mins.shape[1]), indexing="ij")
        return pd.DataFrame({
            "village_id": self.village_ids.to_numpy()[vi.ravel()],
            "school_id": self.school_ids.to_numpy()[si.ravel()],
            "mode": self.mode,
            "minutes": mins.ravel(),
            "metres": mets.ravel(),
        })

    def select(self, school_ids) -> TravelMatrix:
        """The same matrix restricted to some schools (in the order given)."""
        ids = pd.Index(list(school_ids), name=self.school_ids.name)
        unreachable = self.unreachable[self.unreachable["school_id"].isin(ids)].reset_index(drop=True)
        return TravelMatrix(self.minutes.loc[:, ids], self.metres.loc[:, ids], self.mode, self.estimated,
                            unreachable, self.snap)

    def concat(self, other: TravelMatrix) -> TravelMatrix:
        """Columns of ``other`` (e.g. new sites) appended; both must cover the same villages and mode."""
        if other.mode != self.mode or not other.village_ids.equals(self.village_ids):
            raise ValueError("can only join matrices of the same mode over the same villages")
        return TravelMatrix(pd.concat([self.minutes, other.minutes], axis=1),
                            pd.concat([self.metres, other.metres], axis=1), self.mode,
                            self.estimated or other.estimated,
                            pd.concat([self.unreachable, other.unreachable], ignore_index=True),
                            pd.concat([self.snap, other.snap]))
