"""`County`: one county's villages, schools, roads and townships, validated and in a metric CRS.

A County is a plain value: functions take it and return new values; nothing mutates it in place.

In-memory conventions (see ``docs/data_format.md`` for the file side):

* ``villages``: GeoDataFrame indexed by ``village_id`` (str); columns ``name``, ``township``, ``population``,
  ``g1_3``, ``g4_6``, ``g7_9`` (int children by grade band), optional ``grade_1`` … ``grade_9`` (single grades,
  bands are their sums) and ``births_YYYY`` (births by year); Point geometry.
* ``schools``: GeoDataFrame indexed by ``school_id`` (str); ``name``, ``kind``, ``township``, ``grade_lo``,
  ``grade_hi``, ``enrol_1`` … ``enrol_9`` and ``classes_1`` … ``classes_9`` (0 outside the grades served),
  ``enrolment``, ``classes``, ``seats``, ``beds``, ``boarders`` (int), ``canteen``, ``remote`` (bool), resource
  columns (``teachers`` … ``books``; float, NaN where unknown); Point geometry.
* ``roads``: GeoDataFrame of LineStrings with ``road_class`` (canonical class), ``speed_kmh`` (float or NaN),
  ``name``; or ``None``.
* ``townships``: GeoDataFrame of polygons with ``township``; or ``None``.
* ``attendance``: who goes where today (the bureau's 学籍 roll), a DataFrame with one row per home village,
  school, grade and mode: ``village_id`` (str; ``""`` for pupils without a home village in the county),
  ``school_id`` (str), ``grade`` (int 1–9, or 0 when the roll gives only the band), ``band`` (g1_3 / g4_6 /
  g7_9), ``mode`` (``walk``, ``bus`` or ``board``), ``children`` (int > 0); or ``None`` when the folder has no
  ``attendance`` file — then :func:`layout.attendance.attendance_today` infers it from the rolls
  (``enrol_*``, ``boarders``, ``bus_riders``) and travel times.
* ``candidates``: GeoDataFrame of candidate sites for new schools (``name``, ``township``, ``kind``,
  ``seat_options`` tuple of int, ``beds``, ``capital_yuan``, ``note``), indexed by ``candidate_id``; or ``None``.

All geometry is in :attr:`County.crs`, a metric UTM CRS chosen from the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from layout.schema import BANDS, GRADES
from layout.standards import Standards, load_standards

__all__ = ["County", "RESOURCE_COLUMNS", "ENROL_COLUMNS", "CLASS_COLUMNS", "ATTENDANCE_COLUMNS", "NO_HOME",
           "TRAVEL_MODES"]

ENROL_COLUMNS = tuple(f"enrol_{g}" for g in GRADES)
CLASS_COLUMNS = tuple(f"classes_{g}" for g in GRADES)
ATTENDANCE_COLUMNS = ("village_id", "school_id", "grade", "band", "mode", "children")
NO_HOME = ""                       # village_id of pupils on a school's roll without a home village in the county
TRAVEL_MODES = ("walk", "bus", "board")
RESOURCE_COLUMNS = ("teachers", "teachers_degree", "teachers_key", "teachers_pe_art", "teachers_senior",
                    "floor_teaching", "floor_sports", "floor_dorm", "equipment_value", "multimedia_rooms",
                    "computers", "books")


@dataclass(frozen=True)
class County:
    """A county ready for analysis.

    Parameters
    ----------
    name : str
        County name (from ``county.yaml`` or the folder name).
    villages, schools : GeoDataFrame
        See the module docstring for columns; indexed by ``village_id`` / ``school_id``.
    roads, townships : GeoDataFrame or None
        Road lines and township polygons, if given.
    attendance : DataFrame or None
        Who attends which school today, by home village, grade and mode (see the module docstring); None when
        not given (it is then inferred when needed).
    candidates : GeoDataFrame or None
        Candidate sites for new schools a planner offers (``candidates.csv``).
    targets : dict
        The ``targets:`` block of ``county.yaml`` (what the bureau asks of a recommendation; see
        :class:`layout.recommend.targets.Targets`).
    crs : pyproj.CRS
        The metric CRS all geometry is in.
    source_crs : str
        How coordinates were given: ``"EPSG:4326"``, ``"EPSG:4490"``, ``"GCJ-02"`` or a projected CRS.
    standards : Standards
        National standards with the county's provincial override merged.
    notes : tuple of str
        Things the reader assumed or filled in (shown in summaries).
    folder : Path or None
        Where it was read from.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> c = make_county(n_villages=30, seed=1)
    >>> bool(c.children().to_numpy().sum() > 0)
    True
    """

    name: str
    villages: gpd.GeoDataFrame
    schools: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None = None
    townships: gpd.GeoDataFrame | None = None
    crs: CRS | None = None
    source_crs: str = "EPSG:4326"
    standards: Standards = field(default_factory=load_standards)
    notes: tuple[str, ...] = ()
    folder: Path | None = None
    attendance: pd.DataFrame | None = None
    candidates: gpd.GeoDataFrame | None = None
    targets: dict = field(default_factory=dict)

    # ---- demand -----------------------------------------------------------------------------------------
    def children(self, band: str | None = None) -> pd.Series | pd.DataFrame:
        """Children by village: one band as a Series, or all bands as a DataFrame (columns g1_3, g4_6, g7_9)."""
        if band is None:
            return self.villages[list(BANDS)].copy()
        return self.villages[band].copy()

    @property
    def village_ids(self) -> pd.Index:
        return self.villages.index

    @property
    def school_ids(self) -> pd.Index:
        return self.schools.index

    def serves(self, school_id: str, band: str) -> bool:
        """Whether a school teaches every grade of a band (from its ``grade_lo``/``grade_hi``)."""
        lo, hi = self.standards.bands[band]
        row = self.schools.loc[school_id]
        return int(row["grade_lo"]) <= lo and int(row["grade_hi"]) >= hi

    # ---- geometry helpers ---------------------------------------------------------------------------------
    def to_lonlat(self, layer: str) -> gpd.GeoDataFrame | None:
        """A copy of a layer (``villages``, ``schools``, ``roads``, ``townships``) in WGS84 lon/lat (EPSG:4326)."""
        gdf = getattr(self, layer)
        return None if gdf is None else gdf.to_crs(4326)

    def with_changes(self, **changes) -> County:
        """A new County with some fields replaced (the original is untouched)."""
        return replace(self, **changes)

    # ---- summaries and output ---------------------------------------------------------------------------
    def summary(self) -> dict:
        """Counts a planner checks first; see :func:`layout.summary.county_summary`."""
        from layout.summary import county_summary

        return county_summary(self)

    def to_folder(self, path: str | Path) -> Path:
        """Write the county as a folder :func:`layout.read_county` reads back to an equal County.

        See :func:`layout.io.write.write_county`.
        """
        from layout.io.write import write_county

        return write_county(self, path)

    def __repr__(self) -> str:
        return (f"County({self.name!r}: {len(self.villages)} villages, {len(self.schools)} schools, "
                f"{0 if self.roads is None else len(self.roads)} road lines, crs={self.crs.to_string() if self.crs else None})")
