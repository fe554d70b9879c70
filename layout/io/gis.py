"""GeoPackage output for QGIS and ArcGIS: several layers in one file, each field with a Chinese alias.

:func:`write_layers` writes GeoDataFrames as the layers of one ``.gpkg`` (through pyogrio/GDAL), atomically: the
file appears whole or not at all. Each layer gets a title and description (``gpkg_contents.identifier`` /
``description``: the names QGIS's browser shows) and each field a Chinese alias and an English description in the
GeoPackage schema extension (``gpkg_data_columns``: ``name`` and ``title`` hold the alias, ``description`` the
English text), which GIS software shows instead of the field name. :func:`field_aliases` reads them back; :func:`read_layers` reads the layers back as GeoDataFrames.

Example
-------
>>> import tempfile, pathlib
>>> import geopandas as gpd, shapely
>>> pts = gpd.GeoDataFrame({"name": ["甲村"], "children": [12]}, geometry=[shapely.Point(500000, 3300000)],
...                        crs=32648)
>>> path = write_layers(pathlib.Path(tempfile.mkdtemp()) / "out.gpkg", {"villages": pts},
...                     fields={"name": ("名称", "name"), "children": ("学生数", "children")},
...                     titles={"villages": ("村庄", "villages")})
>>> import pyogrio
>>> pyogrio.list_layers(path).tolist()
[['villages', 'Point']]
>>> field_aliases(path, "villages")
{'name': '名称', 'children': '学生数'}
>>> read_layers(path)["villages"].equals(gis_ready(pts))
True
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from contextlib import closing, contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["write_layers", "read_layers", "field_aliases", "gis_ready", "plain_text"]

_DATA_COLUMNS = """CREATE TABLE IF NOT EXISTS gpkg_data_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, title TEXT, description TEXT, mime_type TEXT,
  constraint_name TEXT, CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name),
  CONSTRAINT fk_gdc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name))"""
_CONSTRAINTS = """CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (
  constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, value TEXT, min NUMERIC, min_is_inclusive BOOLEAN,
  max NUMERIC, max_is_inclusive BOOLEAN, description TEXT,
  CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))"""
_SCHEMA_EXTENSION = ("gpkg_data_columns", None, "gpkg_schema", "http://www.geopackage.org/spec121/#extension_schema",
                     "read-write")
_GEOMETRY = {"Point": "Point", "LineString": "LineString", "Polygon": "Polygon"}


def plain_text(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy whose fields are numbers, yes/no or text (pandas' ``str``), as GDAL stores and reads them back.

    Cells that are neither numbers, yes/no nor text (tuples, lists, mixed objects) become text; missing text
    becomes blank (``""``). The index is kept; the geometry column comes last.

    Parameters
    ----------
    gdf : GeoDataFrame

    Returns
    -------
    GeoDataFrame

    Example
    -------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"bands": [("g1_3", "g4_6"), None]}, geometry=[shapely.Point(0, 0)] * 2)
    >>> plain_text(g)["bands"].tolist()
    ["('g1_3', 'g4_6')", '']
    """
    out = gdf.copy()
    geom = out.geometry.name
    for c in out.columns:
        col = out[c]
        if c == geom or pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
            continue
        out[c] = pd.Series([_text(v) for v in col], index=out.index, dtype="str")
    return out[[c for c in out.columns if c != geom] + [geom]]     # geometry last, where GDAL reads it


def _text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return ""
    return v if isinstance(v, str) else str(v)


def gis_ready(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A copy GDAL writes without loss: :func:`plain_text`, and a named index as the first field.

    Parameters
    ----------
    gdf : GeoDataFrame

    Returns
    -------
    GeoDataFrame
    """
    out = plain_text(gdf)
    return out.reset_index() if out.index.name is not None else out.reset_index(drop=True)


def _geometry_type(gdf: gpd.GeoDataFrame) -> str | None:
    types = set(gdf.geometry.dropna().geom_type)
    if len(types) == 1:
        return None      # let GDAL see it
    if types <= {"LineString", "MultiLineString"} and types:
        return "MultiLineString"
    return "Unknown" if types else None


def write_layers(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame], *,
                 fields: Mapping[str, tuple[str, str]] | None = None,
                 titles: Mapping[str, tuple[str, str]] | None = None,
                 empty_types: Mapping[str, str] | None = None) -> Path:
    """Write GeoDataFrames as the layers of one GeoPackage, with layer titles and field aliases.

    Parameters
    ----------
    path : str or Path
        The ``.gpkg`` to write (replaced whole if it exists).
    layers : mapping
        layer name -> GeoDataFrame (a named index becomes a field).
    fields : mapping, optional
        field -> (alias, description) for every layer's fields.
    titles : mapping, optional
        layer -> (title, description).
    empty_types : mapping, optional
        layer -> geometry type (``"Point"``, ``"LineString"``) for layers without features.

    Returns
    -------
    Path

    Raises
    ------
    ValueError
        For a layer name that is not a plain identifier or a file name not ending ``.gpkg``.
    """
    import pyogrio

    from layout.io.write import atomic_path

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise ValueError(f"a GeoPackage file name ends in .gpkg, not {path.name!r}")
    for name in layers:
        if not str(name).replace("_", "").isalnum() or not str(name).isascii():
            raise ValueError(f"layer names are plain identifiers (letters, digits, _), not {name!r}")
    fields, titles, empty_types = dict(fields or {}), dict(titles or {}), dict(empty_types or {})
    with atomic_path(path, suffix=".gpkg") as tmp:     # GDAL's GeoPackage driver wants the .gpkg ending
        tmp.unlink()                                   # and creates the file itself
        columns: dict[str, list[str]] = {}
        with _unsynchronised(pyogrio):
            _write_all(pyogrio, tmp, layers, titles, empty_types, columns)
        _write_aliases(tmp, columns, fields)
        with open(tmp, "rb+") as f:                    # on disk once, before it replaces the old file
            os.fsync(f.fileno())
    return path


@contextmanager
def _unsynchronised(pyogrio):
    """SQLite without a disk flush per transaction while GDAL writes the temporary file (3x faster on the sample
    county, ``docs/guide/gis.md``); the finished file is flushed once before it replaces the old one."""
    key = "OGR_SQLITE_SYNCHRONOUS"
    before = pyogrio.get_gdal_config_option(key)
    pyogrio.set_gdal_config_options({key: "OFF"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({key: before})


def _write_all(pyogrio, tmp, layers, titles, empty_types, columns) -> None:
    for name, gdf in layers.items():
        data = gis_ready(gdf)
        columns[name] = [c for c in data.columns if c != data.geometry.name]
        title, description = titles.get(name, (name, ""))
        opts = {"IDENTIFIER": title, "DESCRIPTION": description}
        gtype = _geometry_type(data) if len(data) else _GEOMETRY.get(empty_types.get(name, ""), "Unknown")
        pyogrio.write_dataframe(data, tmp, layer=name, driver="GPKG", layer_options=opts,
                                **({"geometry_type": gtype} if gtype else {}),
                                **({"promote_to_multi": True} if gtype == "MultiLineString" else {}))


def _write_aliases(path: Path, columns: Mapping[str, list[str]], fields: Mapping[str, tuple[str, str]]) -> None:
    rows = [(layer, c, fields[c][0], fields[c][0], fields[c][1]) for layer, cols in columns.items() for c in cols
            if c in fields]
    if not rows:
        return
    with closing(sqlite3.connect(path)) as con, con:
        con.execute(_DATA_COLUMNS)
        con.execute(_CONSTRAINTS)       # the schema extension's two tables (GeoPackage 1.2.1, clause F.9)
        for table in ("gpkg_data_columns", "gpkg_data_column_constraints"):
            if not con.execute("SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = "
                               "'gpkg_schema'", (table,)).fetchone():
                con.execute("INSERT INTO gpkg_extensions VALUES (?, ?, ?, ?, ?)", (table, *_SCHEMA_EXTENSION[1:]))
        con.executemany("INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, "
                        "description) VALUES (?, ?, ?, ?, ?)", rows)


def field_aliases(path: str | Path, layer: str) -> dict[str, str]:
    """The field aliases a GeoPackage layer carries (``gpkg_data_columns``), field -> alias, in field order.

    Parameters
    ----------
    path : str or Path
    layer : str

    Returns
    -------
    dict
        Empty when the file has no aliases.
    """
    with closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)) as con:
        has = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_data_columns'").fetchone()
        if not has:
            return {}
        quoted = str(layer).replace('"', '""')
        order = [r[1] for r in con.execute(f'PRAGMA table_info("{quoted}")')]
        found = dict(con.execute("SELECT column_name, title FROM gpkg_data_columns WHERE table_name = ?", (layer,)))
    return {c: found[c] for c in order if c in found}


def read_layers(path: str | Path, index: Mapping[str, str] | None = None) -> dict[str, gpd.GeoDataFrame]:
    """Every layer of a GeoPackage as GeoDataFrames, in the file's order (the inverse of :func:`write_layers`).

    Parameters
    ----------
    path : str or Path
    index : mapping, optional
        layer -> field to make the index again (``{"schools": "school_id"}``: what :func:`write_layers` turned
        from a named index into a field).

    Returns
    -------
    dict
        layer name -> GeoDataFrame, geometry column ``geometry``, fields with the types GDAL stored.
    """
    import pyogrio

    index = dict(index or {})
    out: dict[str, gpd.GeoDataFrame] = {}
    for name, _gtype in pyogrio.list_layers(path):
        gdf = pyogrio.read_dataframe(path, layer=name)
        if gdf.geometry.name != "geometry":
            gdf = gdf.rename_geometry("geometry")
        col = index.get(name)
        if col is not None and col in gdf.columns:
            gdf = gdf.set_index(col)
        out[str(name)] = gdf
    return out
