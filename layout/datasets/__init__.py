"""Synthetic counties: a deterministic generator for tests, benchmarks and the bundled sample county.

:func:`make_county` lays out a rural **mountain county** (valleys, not an oasis corridor): a main river valley with
the national road and the county town, tributary valleys up to the township seats, side valleys with villages
strung along them, a few remote hamlets reached only by footpath, and the school system such a county has — crowded
county-town schools, township central primaries (some boarding), a handful of rural middle and nine-year schools,
village primaries and teaching points, many of them under 100 and under 50 pupils. Births fall year by year.

The data are **synthetic**: no real county, village or school is described. See ``docs/sample_county.md`` for
how each part is made and which figures it is calibrated to.

Example
-------
>>> from layout.datasets import make_county
>>> c = make_county(n_villages=60, n_townships=5, seed=3)
>>> len(c.villages), c.townships["township"].nunique()
(60, 5)
>>> bool((c.schools["enrolment"].sum() == c.villages[["g1_3", "g4_6", "g7_9"]].to_numpy().sum()))
True
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from layout.county import CLASS_COLUMNS, ENROL_COLUMNS, RESOURCE_COLUMNS, County
from layout.datasets.landscape import build_landscape, township_polygons
from layout.datasets.schooling import build_schools
from layout.geo import utm_crs_for
from layout.schema import GRADES
from layout.standards import Standards, load_standards

__all__ = ["make_county", "sample_county", "SAMPLE_PARAMETERS"]

#: The exact parameters of the bundled sample county ``data/sample_county``.
SAMPLE_PARAMETERS = {"n_villages": 200, "n_townships": 10, "seed": 2026, "name": "青岭县",
                     "centre": (107.45, 32.55), "base_year": 2025, "years_of_births": 10}

_ENTRY_AGE_OFFSET = 6          # grade g today was born in base_year − 6 − (g − 1)


def _birth_rates(n_years: int, rng: np.random.Generator) -> np.ndarray:
    """Births per person for the ``n_years`` cohorts up to last year: falling about 4.5 % a year, with noise."""
    t = np.arange(n_years)
    return 0.0125 * np.exp(-0.045 * t) * rng.uniform(0.95, 1.05, n_years)


def make_county(n_villages: int = 200, n_townships: int = 10, seed: int = 0, *, name: str = "青岭县",
                centre: tuple[float, float] = (107.45, 32.55), base_year: int = 2025, years_of_births: int = 10,
                standards: Standards | None = None) -> County:
    """A synthetic rural mountain county, the same for the same arguments.

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
        Class sizes and grade bands; national by default.

    Returns
    -------
    County
        Villages with single grades, bands and births; schools with enrolment and classes by grade, places,
        boarding and resources; roads (national … footpath); township polygons. Geometry in the UTM zone of the
        data (``layout.geo.utm_crs_for``), ``source_crs`` ``"EPSG:4490"``.

    Raises
    ------
    ValueError
        For sizes outside the ranges above.

    Example
    -------
    >>> c = make_county(n_villages=40, n_townships=4, seed=1)
    >>> c.crs.to_epsg(), c.source_crs
    (32648, 'EPSG:4490')
    >>> set(c.schools["kind"]) <= {"teaching_point", "primary", "middle", "nine_year"}
    True
    """
    if n_townships < 2:
        raise ValueError("n_townships must be at least 2 (the county town and one rural township)")
    if n_villages < n_townships + 10:
        raise ValueError(f"n_villages must be at least n_townships + 10 = {n_townships + 10}")
    if not 1 <= years_of_births <= 14:
        raise ValueError("years_of_births must be between 1 and 14")
    std = standards if standards is not None else load_standards()
    rng = np.random.default_rng(seed)
    land = build_landscape(rng, n_villages, n_townships)

    # ---- children: falling births, cohorts now in grades 1–9 -------------------------------------------
    n_cohorts = 14                                   # born base_year-14 … base_year-1
    rates = _birth_rates(n_cohorts, rng)
    presence = {"community": 1.05, "seat": 0.8, "village": 0.45, "remote": 0.4}
    pop = np.array([v["population"] for v in land.villages], dtype=float)
    stay = np.array([presence[v["kind"]] for v in land.villages])
    births = rng.poisson(pop[:, None] * stay[:, None] * rates[None, :])          # (villages, cohorts)
    # cohort index c was born in base_year - 14 + c; grade g now was born base_year - 6 - (g - 1)
    grade_cohort = [n_cohorts - _ENTRY_AGE_OFFSET - (g - 1) for g in GRADES]
    grades = rng.binomial(births[:, grade_cohort], 0.97)                        # (villages, 9)

    schools = build_schools(land, grades, std, rng)
    return _assemble(land, grades, births, schools, std, name=name, centre=centre, base_year=base_year,
                     years_of_births=years_of_births, n_cohorts=n_cohorts)


def _assemble(land, grades, births, schools, std, *, name, centre, base_year, years_of_births, n_cohorts) -> County:
    crs0 = utm_crs_for(*centre)
    to_utm = Transformer.from_crs(4490, crs0, always_xy=True)
    x0, y0 = to_utm.transform(*centre)
    origin = np.array([x0, y0])

    def pts(xy: np.ndarray):
        return shapely.points(np.asarray(xy) + origin)

    vil = land.villages
    vids = pd.Index([f"V{i + 1:04d}" for i in range(len(vil))], name="village_id")
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
        vcols[f"births_{year}"] = births[:, n_cohorts - years_of_births + k].astype(np.int64)
    villages = gpd.GeoDataFrame(pd.DataFrame(vcols, index=vids), geometry=pts(land.xy[[v["node"] for v in vil]]),
                                crs=crs0)
    for c in ("name", "township"):
        villages[c] = villages[c].astype(object)

    # schools sit 40–120 m from the centre of their village
    order = sorted(range(len(schools)), key=lambda i: (land.townships.index(schools[i]["township"]),
                                                       {"town": 0, "central": 1, "village": 2}[schools[i]["setting"]],
                                                       i))
    srows, sxy = [], []
    for n, i in enumerate(order):
        s = schools[i]
        ang = 2 * np.pi * ((n * 0.618034) % 1.0)
        dist = 40.0 + 80.0 * ((n * 0.414214) % 1.0)
        sxy.append(land.xy[s["node"]] + dist * np.array([np.cos(ang), np.sin(ang)]))
        row = {"name": s["name"], "kind": s["kind"], "township": s["township"], "grade_lo": s["grade_lo"],
               "grade_hi": s["grade_hi"]}
        row |= {c: int(s["enrol"][g - 1]) for g, c in zip(GRADES, ENROL_COLUMNS, strict=True)}
        row |= {c: int(s["classes"][g - 1]) for g, c in zip(GRADES, CLASS_COLUMNS, strict=True)}
        row |= {"enrolment": int(s["enrol"].sum()), "classes": int(s["classes"].sum()), "seats": s["seats"],
                "beds": s["beds"], "boarders": s["boarders"], "canteen": s["canteen"], "remote": s["remote"]}
        row |= {c: s[c] for c in RESOURCE_COLUMNS}
        srows.append(row)
    sids = pd.Index([f"S{n + 1:03d}" for n in range(len(order))], name="school_id")
    sframe = pd.DataFrame(srows, index=sids)
    for c in ("name", "kind", "township"):
        sframe[c] = sframe[c].astype(object)
    for c in ("grade_lo", "grade_hi", *ENROL_COLUMNS, *CLASS_COLUMNS, "enrolment", "classes", "seats", "beds",
              "boarders"):
        sframe[c] = sframe[c].astype(np.int64)
    for c in ("canteen", "remote"):
        sframe[c] = sframe[c].astype(bool)
    for c in RESOURCE_COLUMNS:
        sframe[c] = sframe[c].astype(float)
    schools_gdf = gpd.GeoDataFrame(sframe, geometry=pts(np.array(sxy)), crs=crs0)

    roads = gpd.GeoDataFrame({
        "road_class": pd.Series([ln["road_class"] for ln in land.lines], dtype=object),
        "speed_kmh": np.array([ln["speed_kmh"] for ln in land.lines], dtype=float),
        "oneway": np.zeros(len(land.lines), dtype=bool),
        "name": pd.Series([ln["name"] for ln in land.lines], dtype=object),
        "road_id": pd.Series([ln["road_id"] for ln in land.lines], dtype=object),
    }, geometry=[shapely.LineString(land.xy[ln["nodes"]] + origin) for ln in land.lines], crs=crs0)

    labels_xy = np.vstack([land.xy, np.array(sxy)])
    labels = list(land.node_township) + [schools[i]["township"] for i in order]
    polys, _ = township_polygons(labels_xy, labels, land.townships)
    from shapely.affinity import translate

    townships = gpd.GeoDataFrame({
        "township": pd.Series(land.townships, dtype=object),
        "township_id": pd.Series([f"T{k + 1:02d}" for k in range(len(land.townships))], dtype=object),
    }, geometry=[translate(p, *origin) for p in polys], crs=crs0)

    # the metric CRS a reader would choose for these points (the UTM zone of their median lon/lat)
    ll = pd.concat([villages.geometry, schools_gdf.geometry]).to_crs(4326)
    crs = utm_crs_for(float(ll.x.median()), float(ll.y.median()))
    if not crs.equals(crs0):
        villages, schools_gdf, roads, townships = (g.to_crs(crs) for g in (villages, schools_gdf, roads, townships))
    return County(name=name, villages=villages, schools=schools_gdf, roads=roads, townships=townships,
                  crs=CRS(crs), source_crs="EPSG:4490", standards=std,
                  notes=("synthetic county made by layout.datasets.make_county",))


def sample_county() -> County:
    """The bundled sample county ``data/sample_county``, regenerated (:data:`SAMPLE_PARAMETERS`).

    Example
    -------
    >>> sample_county().name
    '青岭县'
    """
    return make_county(**SAMPLE_PARAMETERS)
