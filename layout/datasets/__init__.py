"""Synthetic counties: a deterministic generator for tests, benchmarks and the bundled sample county.

:func:`make_county` lays out a rural **mountain county** (valleys, not an oasis corridor): a main river valley with
the national road and the county town, tributary valleys up to the township seats, side valleys with villages
strung along them, a few remote hamlets reached only by footpath, and the school system such a county has today —
crowded county-town schools (大班额, seats short of pupils, teachers short of the norm), township central primaries
(some boarding), rural middle and nine-year schools (the rural ones small), village primaries and teaching points
emptying as births fall, school buses in some townships — and **who goes where today** (``County.attendance``),
which every school's enrolment, boarders and bus riders add up from. It also offers candidate sites for new
schools (``County.candidates``).

The data are **synthetic**: no real county, village or school is described. See ``docs/sample_county.md`` for
how each part is made and which figures it is calibrated to.

Example
-------
>>> from layout.datasets import make_county
>>> c = make_county(n_villages=60, n_townships=5, seed=3)
>>> len(c.villages), c.townships["township"].nunique()
(60, 5)
>>> homes = c.attendance[c.attendance["village_id"] != ""]
>>> bool(homes["children"].sum() == c.villages[["g1_3", "g4_6", "g7_9"]].to_numpy().sum())
True
>>> bool(c.schools["enrolment"].sum() == c.attendance["children"].sum())
True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from shapely.affinity import translate

from layout.county import ATTENDANCE_COLUMNS, CLASS_COLUMNS, ENROL_COLUMNS, NO_HOME, RESOURCE_COLUMNS, County
from layout.datasets.candidates import candidate_sites
from layout.datasets.landscape import build_landscape, township_polygons
from layout.datasets.pupils import NO_VILLAGE, assign_pupils
from layout.datasets.schooling import equip_school, mark_remote, place_schools
from layout.datasets.settings import Settings
from layout.geo import utm_crs_for
from layout.schema import GRADES
from layout.standards import Standards, load_standards

__all__ = ["make_county", "sample_county", "sample_proposals", "flagship_county", "SAMPLE_PARAMETERS",
           "FLAGSHIP_PARAMETERS", "SAMPLE_PROPOSALS", "Settings"]

#: The exact parameters of the bundled sample county ``data/sample_county`` (every other setting at its default).
SAMPLE_PARAMETERS = {"n_villages": 200, "n_townships": 10, "seed": 2026, "name": "青岭县",
                     "centre": (107.45, 32.55), "base_year": 2025, "years_of_births": 10}

#: A county like the flagship county of the reports (issue 16): a larger county town whose schools are crowded,
#: about nine middle schools of which the rural ones are small (more families send their children to town, births
#: fall faster), buses in fewer townships. Generator settings only; see docs/sample_county.md.
FLAGSHIP_PARAMETERS = {"n_villages": 240, "n_townships": 12, "seed": 16, "name": "翠峰县",
                       "centre": (106.95, 32.25), "base_year": 2025, "years_of_births": 10,
                       "birth_decline": 0.06, "town_size": 1.2, "town_pull": 0.4, "middle_share": 0.55,
                       "nine_year_share": 0.3, "village_schools": 0.38, "bus_share": 0.4,
                       "town_class_size": (58.0, 68.0), "bed_shortfalls": 2, "out_of_county": 20}

#: The example proposals for the sample county, shipped inside the package (the same files as
#: ``data/sample_county/proposals/``, checked equal by ``tests/test_datasets.py``).
SAMPLE_PROPOSALS = Path(__file__).resolve().parent / "proposals"

_ENTRY_AGE_OFFSET = 6          # grade g today was born in base_year − 6 − (g − 1)
_N_COHORTS = 14                # cohorts drawn: born base_year − 14 … base_year − 1
_PRESENCE = {"community": 1.05, "seat": 0.8, "village": 0.45, "remote": 0.4}   # children living in the place


def _birth_rates(n_years: int, decline: float, rng: np.random.Generator) -> np.ndarray:
    """Births per person for the ``n_years`` cohorts up to last year: falling ``decline`` a year, with noise."""
    t = np.arange(n_years)
    return 0.0125 * np.exp(-decline * t) * rng.uniform(0.95, 1.05, n_years)


def make_county(n_villages: int = 200, n_townships: int = 10, seed: int = 0, *, name: str = "青岭县",
                centre: tuple[float, float] = (107.45, 32.55), base_year: int = 2025, years_of_births: int = 10,
                standards: Standards | None = None, **settings: Any) -> County:
    """A synthetic rural mountain county as it is today, the same for the same arguments.

    Parameters
    ----------
    n_villages : int
        Villages in all (rows of ``villages``): county-town communities (社区), one seat village (集镇) per rural
        township, a few remote hamlets and ordinary villages. At least ``n_townships + 10``.
    n_townships : int
        Townships (乡镇), the county town's 城关镇 included; at least 2.
    seed : int
        Seed of the random generator (``numpy.random.default_rng``); everything follows from it.
    name : str
        County name.
    centre : (lon, lat)
        Where the county lies (degrees, CGCS2000); the layout is built in metres around it.
    base_year : int
        The school year the enrolment describes; births are given for the ``years_of_births`` years before it.
    years_of_births : int
        How many past years of births (``births_YYYY``) villages carry (1–14).
    standards : Standards, optional
        Class sizes, grade bands, travel rules and staffing norms; national by default.
    **settings
        Fields of :class:`layout.datasets.settings.Settings` (``birth_decline``, ``town_size``, ``town_pull``,
        ``middle_share``, ``nine_year_share``, ``village_schools``, ``bus_share``, ``town_class_size``,
        ``bed_shortfalls``, ``out_of_county``); the defaults are the sample county's.

    Returns
    -------
    County
        Villages with single grades, bands and births; schools with enrolment and classes by grade, seats, beds,
        boarders, bus riders and resources; today's ``attendance`` (home village, school, grade, band, mode,
        pupils) that those add up from; ``candidates`` for new schools; roads (national … footpath); township
        polygons. Geometry in the UTM zone of the data (``layout.geo.utm_crs_for``), ``source_crs``
        ``"EPSG:4490"``.

    Raises
    ------
    ValueError
        For sizes or settings outside their ranges.
    TypeError
        For a keyword that is not a setting.

    Example
    -------
    >>> c = make_county(n_villages=40, n_townships=4, seed=1)
    >>> c.crs.to_epsg(), c.source_crs
    (32648, 'EPSG:4490')
    >>> set(c.schools["kind"]) <= {"teaching_point", "primary", "middle", "nine_year"}
    True
    >>> sorted(set(c.attendance["mode"])) <= ["board", "bus", "walk"]
    True
    """
    if n_townships < 2:
        raise ValueError("n_townships must be at least 2 (the county town and one rural township)")
    if n_villages < n_townships + 10:
        raise ValueError(f"n_villages must be at least n_townships + 10 = {n_townships + 10}")
    if not 1 <= years_of_births <= 14:
        raise ValueError("years_of_births must be between 1 and 14")
    st = Settings(**settings)
    std = standards if standards is not None else load_standards()
    rng = np.random.default_rng(seed)
    land = build_landscape(rng, n_villages, n_townships, town_size=st.town_size)

    # ---- children: falling births, cohorts now in grades 1–9 -------------------------------------------
    rates = _birth_rates(_N_COHORTS, st.birth_decline, rng)
    pop = np.array([v["population"] for v in land.villages], dtype=float)
    stay = np.array([_PRESENCE[v["kind"]] for v in land.villages])
    births = rng.poisson(pop[:, None] * stay[:, None] * rates[None, :])          # (villages, cohorts)
    # cohort index c was born in base_year - 14 + c; grade g now was born base_year - 6 - (g - 1)
    grade_cohort = [_N_COHORTS - _ENTRY_AGE_OFFSET - (g - 1) for g in GRADES]
    grades = rng.binomial(births[:, grade_cohort], 0.97)                        # (villages, 9)

    schools = place_schools(land, grades, std, rng, st)
    geo = _Geometry(land, schools, centre)
    walk, bus = geo.travel(std)
    today = assign_pupils(grades, schools, walk, bus, std, rng, st, land.townships)
    remote = mark_remote(land, schools)
    for i, s in enumerate(schools):
        s["remote"] = bool(remote[i])
        s["bus_riders"] = int(today.bus_riders[i])
        equip_school(s, today.enrol[i], int(today.beds[i]), int(today.boarders[i]), std, rng, st)
    sites = candidate_sites(land, schools, grades, std)
    return geo.county(grades, births, schools, today, sites, std, name=name, base_year=base_year,
                      years_of_births=years_of_births)


class _Geometry:
    """The county's points and lines in its final metric CRS (travel is computed on exactly these)."""

    def __init__(self, land, schools: list[dict], centre: tuple[float, float]) -> None:
        self.land = land
        crs0 = utm_crs_for(*centre)
        x0, y0 = Transformer.from_crs(4490, crs0, always_xy=True).transform(*centre)
        self.origin = np.array([x0, y0])
        vil = land.villages
        self.vids = pd.Index([f"V{i + 1:04d}" for i in range(len(vil))], name="village_id")
        self.sids = pd.Index([f"S{n + 1:03d}" for n in range(len(schools))], name="school_id")
        # schools sit 40–120 m from the centre of their village, towards the road the village hangs from (so that
        # both reach the network the same way); a hamlet at the end of a footpath has its school beside it
        sxy = []
        for n, s in enumerate(schools):
            here, road = land.xy[s["node"]], land.xy[vil[s["host"]]["attach"]]
            dist = 40.0 + 80.0 * ((n * 0.414214) % 1.0)
            gap = float(np.hypot(*(road - here)))
            if gap > 1.0:
                sxy.append(here + (road - here) / gap * min(dist, 0.8 * gap))
            else:
                ang = 2 * np.pi * ((n * 0.618034) % 1.0)
                sxy.append(here + dist * np.array([np.cos(ang), np.sin(ang)]))
        self.sxy = np.array(sxy)
        v_pts = gpd.GeoSeries(self._pts(land.xy[[v["node"] for v in vil]]), index=self.vids, crs=crs0)
        s_pts = gpd.GeoSeries(self._pts(self.sxy), index=self.sids, crs=crs0)
        self.roads = gpd.GeoDataFrame({
            "road_class": pd.Series([ln["road_class"] for ln in land.lines], dtype=object),
            "speed_kmh": np.array([ln["speed_kmh"] for ln in land.lines], dtype=float),
            "oneway": np.zeros(len(land.lines), dtype=bool),
            "name": pd.Series([ln["name"] for ln in land.lines], dtype=object),
            "road_id": pd.Series([ln["road_id"] for ln in land.lines], dtype=object),
        }, geometry=[shapely.LineString(land.xy[ln["nodes"]] + self.origin) for ln in land.lines], crs=crs0)
        # the metric CRS a reader would choose for these points (the UTM zone of their median lon/lat)
        ll = pd.concat([v_pts, s_pts]).to_crs(4326)
        crs = utm_crs_for(float(ll.x.median()), float(ll.y.median()))
        self.crs0, self.crs = crs0, crs
        self.v_pts, self.s_pts = v_pts.to_crs(crs), s_pts.to_crs(crs)
        if not crs.equals(crs0):
            self.roads = self.roads.to_crs(crs)

    def _pts(self, xy: np.ndarray):
        return shapely.points(np.asarray(xy) + self.origin)

    def travel(self, std: Standards) -> tuple[np.ndarray, np.ndarray]:
        """Walking and school-bus minutes, village × school, on the county's roads (``layout.network``)."""
        from layout.network import travel

        probe = County(name="", villages=gpd.GeoDataFrame(geometry=self.v_pts, crs=self.crs),
                       schools=gpd.GeoDataFrame(geometry=self.s_pts, crs=self.crs), roads=self.roads,
                       crs=CRS(self.crs), standards=std)
        return (travel(probe, "walk").minutes.to_numpy(), travel(probe, "bus").minutes.to_numpy())

    def county(self, grades, births, schools, today, sites, std, *, name, base_year, years_of_births) -> County:
        land, crs = self.land, self.crs
        vil = land.villages
        vcols: dict[str, object] = {
            "name": [v["name"] for v in vil], "township": [v["township"] for v in vil],
            "population": np.array([v["population"] for v in vil], dtype=np.int64),
        }
        for g in GRADES:
            vcols[f"grade_{g}"] = grades[:, g - 1].astype(np.int64)
        for b, (lo, hi) in std.bands.items():
            vcols[b] = grades[:, lo - 1:hi].sum(axis=1).astype(np.int64)
        for k in range(years_of_births):
            year = base_year - years_of_births + k
            vcols[f"births_{year}"] = births[:, _N_COHORTS - years_of_births + k].astype(np.int64)
        villages = gpd.GeoDataFrame(pd.DataFrame(vcols, index=self.vids), geometry=self.v_pts, crs=crs)
        for c in ("name", "township"):
            villages[c] = villages[c].astype(object)

        srows = []
        for s in schools:
            row = {"name": s["name"], "kind": s["kind"], "township": s["township"], "grade_lo": s["grade_lo"],
                   "grade_hi": s["grade_hi"]}
            row |= {c: int(s["enrol"][g - 1]) for g, c in zip(GRADES, ENROL_COLUMNS, strict=True)}
            row |= {c: int(s["classes"][g - 1]) for g, c in zip(GRADES, CLASS_COLUMNS, strict=True)}
            row |= {"enrolment": int(s["enrol"].sum()), "classes": int(s["classes"].sum()), "seats": s["seats"],
                    "beds": s["beds"], "boarders": s["boarders"], "bus_riders": s["bus_riders"],
                    "canteen": s["canteen"], "remote": s["remote"]}
            row |= {c: s[c] for c in RESOURCE_COLUMNS}
            srows.append(row)
        sframe = pd.DataFrame(srows, index=self.sids)
        for c in ("name", "kind", "township"):
            sframe[c] = sframe[c].astype(object)
        for c in ("grade_lo", "grade_hi", *ENROL_COLUMNS, *CLASS_COLUMNS, "enrolment", "classes", "seats", "beds",
                  "boarders", "bus_riders"):
            sframe[c] = sframe[c].astype(np.int64)
        for c in ("canteen", "remote"):
            sframe[c] = sframe[c].astype(bool)
        for c in RESOURCE_COLUMNS:
            sframe[c] = sframe[c].astype(float)
        schools_gdf = gpd.GeoDataFrame(sframe, geometry=self.s_pts, crs=crs)

        # today's attendance in the form layout.read_county gives it (rows sorted by village, school, grade, mode)
        r = today.rows
        att = pd.DataFrame({
            "village_id": np.where(r["village"].to_numpy() == NO_VILLAGE, NO_HOME,
                                   self.vids.to_numpy()[np.maximum(r["village"].to_numpy(), 0)]).astype(object),
            "school_id": self.sids.to_numpy()[r["school"].to_numpy()].astype(object),
            "grade": r["grade"].to_numpy().astype(np.int64),
            "band": pd.Series([std.band_of_grade(int(g)) for g in r["grade"]], dtype=object).to_numpy(),
            "mode": r["mode"].to_numpy().astype(object),
            "children": r["children"].to_numpy().astype(np.int64),
        })
        att = att.sort_values(["village_id", "school_id", "grade", "band", "mode"], kind="stable",
                              ignore_index=True)[list(ATTENDANCE_COLUMNS)]

        cids = pd.Index([f"C{k + 1:02d}" for k in range(len(sites))], name="candidate_id")
        c_pts = gpd.GeoSeries(self._pts(np.array([c["xy"] for c in sites]).reshape(-1, 2)), crs=self.crs0).to_crs(crs)
        candidates = gpd.GeoDataFrame({
            "name": pd.Series([c["name"] for c in sites], dtype=object).to_numpy(),
            "township": pd.Series([c["township"] for c in sites], dtype=object).to_numpy(),
            "kind": pd.Series([c["kind"] for c in sites], dtype=object).to_numpy(),
            "seat_options": pd.Series([tuple(int(x) for x in c["seat_options"]) for c in sites],
                                      dtype=object).to_numpy(),
            "beds": np.array([c["beds"] for c in sites], dtype=int),
            "capital_yuan": np.array([c["capital_yuan"] for c in sites], dtype=float),
            "note": pd.Series([c["note"] for c in sites], dtype=object).to_numpy(),
        }, index=cids, geometry=c_pts.to_numpy(), crs=crs)

        labels_xy = np.vstack([land.xy, self.sxy, np.array([c["xy"] for c in sites]).reshape(-1, 2)])
        labels = list(land.node_township) + [s["township"] for s in schools] + [c["township"] for c in sites]
        polys, _ = township_polygons(labels_xy, labels, land.townships)
        townships = gpd.GeoDataFrame({
            "township": pd.Series(land.townships, dtype=object),
            "township_id": pd.Series([f"T{k + 1:02d}" for k in range(len(land.townships))], dtype=object),
        }, geometry=[translate(p, *self.origin) for p in polys], crs=self.crs0)
        if not crs.equals(self.crs0):
            townships = townships.to_crs(crs)
        notes = ("synthetic county made by layout.datasets.make_county",
                 f"school buses run today in: {'、'.join(today.bus_townships) or 'no township'}")
        return County(name=name, villages=villages, schools=schools_gdf, roads=self.roads, townships=townships,
                      crs=CRS(crs), source_crs="EPSG:4490", standards=std, notes=notes, attendance=att,
                      candidates=candidates)


def sample_county() -> County:
    """The bundled sample county ``data/sample_county``, regenerated (:data:`SAMPLE_PARAMETERS`).

    Example
    -------
    >>> sample_county().name
    '青岭县'
    """
    return make_county(**SAMPLE_PARAMETERS)


def sample_proposals(county: County | None = None) -> dict:
    """The sample county's example proposals (:data:`SAMPLE_PROPOSALS`), read against ``county``.

    Parameters
    ----------
    county : County, optional
        Default: :func:`sample_county` (the proposals name its schools).

    Returns
    -------
    dict
        File name (without ``.yaml``) -> :class:`~layout.plan.Plan`, sorted by file name; pass it to
        :func:`layout.batch.evaluate_many` as it is.

    Example
    -------
    >>> plans = sample_proposals()
    >>> {name: len(plan.actions) for name, plan in plans.items()}
    {'close_small_teaching_points': 13, 'county_town_middle_school': 6, 'township_boarding_maan': 9}
    >>> plans["close_small_teaching_points"].name
    '撤并不足15人教学点'
    """
    from layout.plan import read_proposal

    county = sample_county() if county is None else county
    return {path.stem: read_proposal(path, county) for path in sorted(SAMPLE_PROPOSALS.glob("*.yaml"))}


def flagship_county() -> County:
    """A county generated to resemble the reports' flagship county (:data:`FLAGSHIP_PARAMETERS`).

    Example
    -------
    >>> flagship = flagship_county()
    >>> flagship.name, len(flagship.villages), flagship.townships["township"].nunique()
    ('翠峰县', 240, 12)
    """
    return make_county(**FLAGSHIP_PARAMETERS)
