"""A recommendation as GIS layers: the recommended plan's evaluation layers (:mod:`layout.evaluate.frames`) with
the recommender's actions and reasons on the schools, and ``changes`` — the schools it changes, as points.

Example
-------
>>> from layout.datasets import make_county
>>> from layout.recommend import recommend
>>> rec = recommend(make_county(n_villages=30, n_townships=3, seed=2), goal="fewest_schools", horizon=0,
...                 frontier=False)
>>> layers = recommendation_layers(rec)
>>> sorted(layers)
['assignments', 'bus_routes', 'bus_stops', 'changes', 'schools', 'villages']
>>> bool((layers["changes"]["action"] != "keep").all())
True
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

__all__ = ["recommendation_layers", "changes_layer", "write_recommendation", "RECOMMENDATION_LAYERS"]

RECOMMENDATION_LAYERS = ("schools", "villages", "assignments", "bus_routes", "bus_stops", "changes")


def _per_school(actions: pd.DataFrame) -> pd.DataFrame:
    """One row per school: the recommender's actions (``; ``-joined) and reasons, changes only."""
    ch = actions[actions["action"] != "keep"]
    if ch.empty:
        return pd.DataFrame(columns=["recommended", "reasons_zh", "reasons_en"], index=pd.Index([], name="school_id"))
    g = ch.assign(school_id=ch["school_id"].astype(str)).groupby("school_id", sort=True)
    join = "; ".join
    return pd.DataFrame({"recommended": g["action"].agg(lambda v: join(dict.fromkeys(map(str, v)))),
                         "reasons_zh": g["reasons_zh"].agg(lambda v: "；".join(dict.fromkeys(map(str, v)))),
                         "reasons_en": g["reasons_en"].agg(lambda v: join(dict.fromkeys(map(str, v))))})


def changes_layer(rec) -> gpd.GeoDataFrame:
    """The schools the recommendation changes (:meth:`Recommendation.changes`) as points, one row per action.

    Parameters
    ----------
    rec : Recommendation

    Returns
    -------
    GeoDataFrame
        The columns of ``rec.changes()`` (``school_id, name, action, target, beds, seats, holds_all, reasons_zh,
        reasons_en``), at the school's site (new schools at theirs).
    """
    ch = rec.changes().copy()
    ch["school_id"] = ch["school_id"].astype(str)
    geom = rec.plan.schools.geometry
    geom.index = geom.index.astype(str)
    for c in ch.columns:
        if ch[c].dtype == object or pd.api.types.is_string_dtype(ch[c]):
            ch[c] = ch[c].map(lambda v: "" if v is None or (isinstance(v, float) and v != v) else str(v)).astype(object)
    return gpd.GeoDataFrame(ch, geometry=geom.reindex(ch["school_id"]).to_numpy(), crs=rec.plan.crs)


def recommendation_layers(rec) -> dict:
    """Every layer of the recommended plan, name -> GeoDataFrame (:data:`RECOMMENDATION_LAYERS`).

    The ``schools`` layer adds ``recommended`` (the recommender's actions for the school), ``reasons_zh`` and
    ``reasons_en``.

    Parameters
    ----------
    rec : Recommendation

    Returns
    -------
    dict
    """
    from layout.io.gis import plain_text

    layers = rec.evaluation.layers()
    schools = layers["schools"]
    extra = _per_school(rec.actions).reindex(schools.index)
    for c in extra.columns:
        schools[c] = extra[c].fillna("").astype(object).to_numpy()
    layers["schools"] = plain_text(schools)
    layers["changes"] = plain_text(changes_layer(rec))
    return layers


def write_recommendation(rec, path):
    """Every layer of :func:`recommendation_layers` into one GeoPackage with Chinese field aliases.

    Parameters
    ----------
    rec : Recommendation
    path : str or Path

    Returns
    -------
    Path
    """
    from layout.evaluate.frames import FIELDS, GEOMETRY_TYPES, LAYER_TITLES
    from layout.io.gis import write_layers

    return write_layers(path, recommendation_layers(rec), fields=FIELDS, titles=LAYER_TITLES,
                        empty_types=GEOMETRY_TYPES)
