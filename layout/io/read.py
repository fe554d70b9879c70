"""``read_county``: find, read, validate and project a county folder into a :class:`~layout.county.County`.

The folder holds ``villages.*`` and ``schools.*`` (required), ``roads.*`` and ``townships.*`` (optional), in
GeoPackage, GeoJSON, Shapefile, CSV (lon/lat columns) or XLSX, and an optional ``county.yaml`` manifest
(:mod:`layout.io.manifest`). All problems of all files are collected and raised together as one
:class:`~layout.errors.LayoutInputError`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from layout.county import CLASS_COLUMNS, ENROL_COLUMNS, RESOURCE_COLUMNS, County
from layout.errors import LayoutInputError, Problem, ProblemCollector
from layout.geo import GCJ02_NAMES, gcj02_to_wgs84, utm_crs_for
from layout.i18n import Note
from layout.io.coordinates import check_locations
from layout.io.extra_layers import check_attendance_totals, read_attendance, read_candidates
from layout.io.manifest import LAYERS, Manifest, read_manifest
from layout.io.tables import SUFFIXES, RawTable, load_table, table_from_frame
from layout.io.validate import (
    canonical_columns,
    to_amount,
    to_bool,
    to_count,
    to_float,
    to_grades,
    to_kind,
    to_text,
)
from layout.schema import BANDS, GRADES, LAT_ALIASES, LON_ALIASES, SCHEMA
from layout.standards import Standards, load_standards

__all__ = ["read_county", "from_frames", "build_county", "find_layer_files", "is_osm_file", "osm_road_table"]

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".osm.xml")   # roads from OpenStreetMap
_BIRTHS = re.compile(r"^(?:births?_?|出生(?:人口|数)?_?)(\d{4})(?:年)?$|^(\d{4})年?出生(?:人口|数)?$", re.I)
_WGS = CRS.from_epsg(4326)


def find_layer_files(folder: Path, manifest: Manifest) -> tuple[dict[str, Path], list[Problem]]:
    """Locate each layer's file: the manifest's ``files`` entry, else ``<layer>.<ext>`` in the folder."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for layer in LAYERS:
        if layer in manifest.files:
            p = folder / manifest.files[layer]
            if not p.exists():
                problems.append(Problem("county.yaml", f"file for {layer} not found: {manifest.files[layer]}",
                                        column="files", fix="correct the file name in county.yaml"))
            else:
                found[layer] = p
            continue
        candidates = sorted(p for p in folder.iterdir()
                            if p.is_file() and p.stem.lower() == layer and p.suffix.lower() in SUFFIXES)
        if len(candidates) > 1:
            problems.append(Problem(folder.name, f"several files for {layer}: "
                                    + ", ".join(p.name for p in candidates),
                                    fix=f"keep one, or name the one to use in county.yaml (files: {{{layer}: ...}})"))
        elif candidates:
            found[layer] = candidates[0]
        elif layer in ("villages", "schools"):
            problems.append(Problem(folder.name, f"no {layer} file",
                                    fix=f"add {layer}.csv (or .xlsx/.gpkg/.geojson/.shp) or name it in county.yaml"))
    return found, problems


# How to say "declare it" where the settings came from (county.yaml, or from_frames' keyword arguments)
_HOW = {
    "county.yaml": {"crs": "declare it in county.yaml (crs: EPSG:...)", "declares": "county.yaml declares",
                    "coordinates": "name them in county.yaml (coordinates: {lon: ..., lat: ...})"},
    "from_frames": {"crs": "pass crs='EPSG:...' to from_frames", "declares": "crs= declares",
                    "coordinates": "name them with coordinates={'lon': ..., 'lat': ...}"},
}


def _how(manifest: Manifest, what: str) -> str:
    return _HOW.get(manifest.source, _HOW["county.yaml"])[what]


def _declared_crs(manifest: Manifest, problems: ProblemCollector) -> tuple[str, CRS | None]:
    """The manifest's CRS as (label, CRS); GCJ-02 → ("GCJ-02", WGS84 until converted)."""
    if manifest.crs is None:
        return "EPSG:4326", None
    if manifest.crs.strip().lower() in GCJ02_NAMES:
        return "GCJ-02", _WGS
    try:
        crs = CRS.from_user_input(manifest.crs)
    except CRSError:
        problems.add(manifest.source, "unknown coordinate reference system", column="crs", value=manifest.crs,
                     fix="use EPSG:4326, EPSG:4490, GCJ-02 or another EPSG code")
        return "EPSG:4326", None
    return crs.to_string(), crs


def _coordinate_columns(raw: RawTable, manifest: Manifest) -> tuple[str | None, str | None]:
    cols = {c.strip().lower(): c for c in raw.frame.columns}
    lon = manifest.coordinates.get("lon")
    lat = manifest.coordinates.get("lat")
    lon = lon if lon in raw.frame.columns else next((cols[a] for a in LON_ALIASES if a in cols), None)
    lat = lat if lat in raw.frame.columns else next((cols[a] for a in LAT_ALIASES if a in cols), None)
    return lon, lat


def _points_from_table(raw: RawTable, manifest: Manifest, crs_label: str, crs: CRS | None,
                       problems: ProblemCollector) -> gpd.GeoSeries:
    file = raw.path.name
    lon_col, lat_col = _coordinate_columns(raw, manifest)
    if lon_col is None or lat_col is None:
        missing = [n for n, c in (("longitude", lon_col), ("latitude", lat_col)) if c is None]
        problems.add(file, f"missing coordinate column: {', '.join(missing)}", column=", ".join(missing),
                     fix=f"add lon and lat columns (经度, 纬度) in decimal degrees, or {_how(manifest, 'coordinates')}")
        return gpd.GeoSeries([None] * len(raw.frame), index=raw.frame.index)
    x = to_float(raw.frame[lon_col], lon_col, raw.rows, file, problems)
    y = to_float(raw.frame[lat_col], lat_col, raw.rows, file, problems)
    geographic = crs is None or crs.is_geographic
    if geographic:
        projected_like = (x.abs() > 360) | (y.abs() > 360)
        if projected_like.any() and not projected_like[x.notna() & y.notna()].all():
            problems.add(file, "mixed coordinate systems: some rows look like metres, others like degrees",
                         column=f"{lon_col}, {lat_col}", fix="convert all rows to decimal degrees")
        for row, a, b, proj in zip(raw.rows, x, y, projected_like, strict=True):
            if np.isnan(a) or np.isnan(b):
                continue
            if proj:
                if not projected_like.all():
                    continue
                problems.add(file, "coordinates look like projected metres, not degrees", row=row,
                             column=lon_col, value=f"{a}, {b}",
                             fix="give lon/lat in decimal degrees, or declare the projected CRS: "
                                 + _how(manifest, "crs"))
            elif abs(b) > 90 and abs(a) <= 90:
                problems.add(file, "longitude and latitude look swapped", row=row, column=f"{lon_col}/{lat_col}",
                             value=f"{a}, {b}", fix=f"swap the two columns' values (lon={b}, lat={a})")
            elif 18 <= a <= 54 and 73 <= b <= 135:
                problems.add(file, "longitude and latitude look swapped (for a place in China)", row=row,
                             column=f"{lon_col}/{lat_col}", value=f"{a}, {b}",
                             fix=f"swap the two columns' values (lon={b}, lat={a})")
            elif abs(a) > 180 or abs(b) > 90:
                problems.add(file, "coordinate out of range", row=row, column=f"{lon_col}/{lat_col}",
                             value=f"{a}, {b}", fix="longitude must be within ±180 and latitude within ±90")
            elif a == 0 and b == 0:
                problems.add(file, "coordinates are 0, 0 (missing?)", row=row, column=f"{lon_col}/{lat_col}",
                             fix="enter the real location")
    elif ((x.abs() <= 180) & (y.abs() <= 90)).all():
        problems.add(file, f"coordinates look like degrees but {_how(manifest, 'declares')} the projected CRS {crs_label}",
                     column=f"{lon_col}, {lat_col}",
                     fix="give coordinates in that CRS's metres, or declare crs: EPSG:4326 for lon/lat")
    if crs_label == "GCJ-02":
        gx, gy = gcj02_to_wgs84(x.to_numpy(), y.to_numpy())
        x = pd.Series(gx, index=x.index)
        y = pd.Series(gy, index=y.index)
    pts = [None if (np.isnan(a) or np.isnan(b)) else shapely.Point(a, b) for a, b in zip(x, y, strict=True)]
    return gpd.GeoSeries(pts, index=raw.frame.index, crs=crs or _WGS)


def _vector_geometry(raw: RawTable, manifest: Manifest, crs_label: str, declared: CRS | None,
                     problems: ProblemCollector, layer: str) -> gpd.GeoSeries:
    """A vector layer's geometry in its own CRS (reprojected later with the rest); the declared CRS only for a
    layer that carries none. GCJ-02 declared: lon/lat layers are shifted to WGS84 (no file can label GCJ-02)."""
    file = raw.path.name
    gdf: gpd.GeoDataFrame = raw.frame  # type: ignore[assignment]
    geom = gdf.geometry
    if gdf.crs is None and declared is None:
        problems.add(file, "the layer has no coordinate reference system", column="geometry",
                     fix=f"{_how(manifest, 'crs')}, or re-export the layer with a CRS")
        return geom
    file_crs = gdf.crs or declared
    geom = geom.set_crs(file_crs, allow_override=True)
    if crs_label == "GCJ-02" and file_crs.is_geographic:
        geom = geom.apply(lambda g: None if g is None else shapely.transform(
            g, lambda xy: np.column_stack(gcj02_to_wgs84(xy[:, 0], xy[:, 1]))))
        geom = gpd.GeoSeries(geom, crs=_WGS)
    for row, g in zip(raw.rows, geom, strict=True):
        if g is None or g.is_empty:
            problems.add(file, "empty geometry", row=row, column="geometry",
                         fix=f"give every {layer[:-1]} a location, or delete the row")
    return geom


def _layer_frame(raw: RawTable, layer: str, manifest: Manifest, problems: ProblemCollector) -> pd.DataFrame:
    frame = raw.frame.drop(columns="geometry", errors="ignore") if raw.is_vector else raw.frame
    frame = canonical_columns(pd.DataFrame(frame), layer, raw.path.name, problems, manifest.columns.get(layer))
    for f in SCHEMA[layer].values():
        if f.required and f.name not in frame.columns:
            problems.add(raw.path.name, f"missing required column {f.name!r}", column=f.name,
                         fix=f"add a column {f.name!r} (also accepted: {', '.join(f.aliases[:6])})")
    return frame


def _ids(frame: pd.DataFrame, col: str, raw: RawTable, problems: ProblemCollector) -> pd.Series:
    ids = to_text(frame[col], col, raw.rows, raw.path.name, problems, required=True) if col in frame else \
        pd.Series([f"row{r}" for r in raw.rows], index=frame.index, dtype=object)
    first: dict[str, int] = {}
    for row, v in zip(raw.rows, ids, strict=True):
        if v and v in first:
            problems.add(raw.path.name, f"duplicate {col} (first at row {first[v]})", row=row, column=col, value=v,
                         fix="give every record its own id")
        first.setdefault(v, row)
    return ids


def _text_columns(frame: pd.DataFrame, layer: str, raw: RawTable, problems: ProblemCollector,
                  names: tuple[str, ...]) -> dict[str, pd.Series]:
    out = {}
    for name in names:
        f = SCHEMA[layer][name]
        if name in frame:
            out[name] = to_text(frame[name], name, raw.rows, raw.path.name, problems, f.required)
        else:
            out[name] = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    return out


_DERIVED = {"schools": ("grade_lo", "grade_hi")}     # columns the reader computes (a County's frames carry them)


def _extra_columns(frame: pd.DataFrame, layer: str) -> list[str]:
    return [c for c in frame.columns if c not in SCHEMA[layer] and c.strip().lower() not in LON_ALIASES + LAT_ALIASES
            and not _BIRTHS.match(c) and c not in _DERIVED.get(layer, ())]


def _read_villages(raw: RawTable, manifest: Manifest, std: Standards, geometry: gpd.GeoSeries,
                   problems: ProblemCollector) -> gpd.GeoDataFrame:
    file, rows = raw.path.name, raw.rows
    frame = _layer_frame(raw, "villages", manifest, problems)
    ids = _ids(frame, "village_id", raw, problems)
    cols = _text_columns(frame, "villages", raw, problems, ("name", "township"))
    cols["population"] = (to_count(frame["population"], "population", rows, file, problems, default=np.nan)
                          if "population" in frame else pd.Series(np.nan, index=frame.index))
    grade_cols = [f"grade_{g}" for g in GRADES]
    has_bands = [b for b in BANDS if b in frame]
    has_grades = [g for g in grade_cols if g in frame]
    if has_grades:
        if len(has_grades) < len(grade_cols):
            problems.add(file, "single-grade children columns are incomplete: missing "
                         + ", ".join(sorted(set(grade_cols) - set(has_grades))),
                         column=has_grades[0], fix="give all nine grades, or give the three bands g1_3, g4_6, g7_9")
        for g in grade_cols:
            cols[g] = (to_count(frame[g], g, rows, file, problems, default=None) if g in frame
                       else pd.Series(0.0, index=frame.index))
        for b in BANDS:
            lo, hi = std.bands[b]
            total = sum(cols[f"grade_{g}"] for g in range(lo, hi + 1))
            if b in frame:
                given = to_count(frame[b], b, rows, file, problems, default=None)
                for row, a, s in zip(rows, given, total, strict=True):
                    if a != s:
                        problems.add(file, f"{b} does not equal the sum of its single grades ({int(s)})", row=row,
                                     column=b, value=int(a), fix="correct one of them, or drop the band column")
            cols[b] = total
    elif has_bands:
        for b in BANDS:
            if b in frame:
                cols[b] = to_count(frame[b], b, rows, file, problems, default=None)
            else:
                problems.add(file, f"missing children column {b!r}", column=b,
                             fix="give all three bands g1_3, g4_6, g7_9 (or nine single grades grade_1 … grade_9)")
                cols[b] = pd.Series(0.0, index=frame.index)
    else:
        problems.add(file, "no children columns", column="g1_3",
                     fix="add children by band (g1_3, g4_6, g7_9) or by grade (grade_1 … grade_9)")
        for b in BANDS:
            cols[b] = pd.Series(0.0, index=frame.index)
    for c in raw.frame.columns:
        m = _BIRTHS.match(str(c).strip())
        if m:
            year = m.group(1) or m.group(2)
            cols[f"births_{year}"] = to_count(raw.frame[c], c, rows, file, problems, default=np.nan)
    for c in _extra_columns(frame, "villages"):
        cols[c] = frame[c].astype(object)
    return _assemble(cols, ids, geometry, "village_id", problems, raw, points_only=True)


def _assemble(cols: dict[str, pd.Series], ids: pd.Series, geometry: gpd.GeoSeries, index_name: str,
              problems: ProblemCollector, raw: RawTable, points_only: bool) -> gpd.GeoDataFrame:
    geometry = geometry.copy()
    if points_only:
        for i, (row, g) in enumerate(zip(raw.rows, geometry, strict=True)):
            if g is None or g.is_empty:
                continue
            if g.geom_type in ("Polygon", "MultiPolygon"):
                geometry.iloc[i] = g.representative_point()
            elif g.geom_type != "Point":
                problems.add(raw.path.name, f"{g.geom_type} where a point is expected", row=row, column="geometry",
                             fix="give the location as a point (or a polygon, whose inner point is used)")
    frame = pd.DataFrame({k: v.to_numpy() for k, v in cols.items()}, index=pd.Index(ids.to_numpy(), name=index_name))
    return gpd.GeoDataFrame(frame, geometry=geometry.to_numpy(), crs=geometry.crs)


def _read_schools(raw: RawTable, manifest: Manifest, std: Standards, geometry: gpd.GeoSeries,
                  problems: ProblemCollector, notes: list[str]) -> gpd.GeoDataFrame:
    file, rows = raw.path.name, raw.rows
    frame = _layer_frame(raw, "schools", manifest, problems)
    ids = _ids(frame, "school_id", raw, problems)
    cols = _text_columns(frame, "schools", raw, problems, ("name", "township"))
    kind = (to_kind(frame["kind"], "kind", rows, file, problems) if "kind" in frame
            else pd.Series("primary", index=frame.index, dtype=object))
    cols["kind"] = kind
    if "grades" in frame:
        lo, hi = to_grades(frame["grades"], "grades", rows, file, problems)
    elif "grade_lo" in frame and "grade_hi" in frame:      # a County's own schools frame
        lo = to_count(frame["grade_lo"], "grade_lo", rows, file, problems, default=np.nan)
        hi = to_count(frame["grade_hi"], "grade_hi", rows, file, problems, default=np.nan)
    else:
        lo, hi = pd.Series(np.nan, index=frame.index), pd.Series(np.nan, index=frame.index)
    lo = lo.fillna(kind.map(lambda k: std.kind_grades(k)[0]).astype(float))
    hi = hi.fillna(kind.map(lambda k: std.kind_grades(k)[1]).astype(float))
    for row, k, a, b in zip(rows, kind, lo, hi, strict=True):
        bad = ((k == "middle" and a < 7) or (k in ("primary", "teaching_point") and b > 6)
               or (k == "nine_year" and not (a <= 6 and b >= 7)))
        if bad:
            problems.add(file, f"grades {int(a)}-{int(b)} contradict the kind {k!r}", row=row, column="grades",
                         value=f"{int(a)}-{int(b)}", fix="correct the grades or the kind (a nine-year school spans 1-9)")
    cols["grade_lo"], cols["grade_hi"] = lo.astype(int), hi.astype(int)
    served = np.array([[a <= g <= b for g in GRADES] for a, b in zip(lo, hi, strict=True)]).reshape(len(frame), 9)

    def by_grade(prefix: str, total_col: str, weights: np.ndarray | None) -> np.ndarray:
        given = [c for c in (f"{prefix}_{g}" for g in GRADES) if c in frame]
        if given:
            arr = np.column_stack([to_count(frame[c], c, rows, file, problems) if c in frame
                                   else pd.Series(0.0, index=frame.index) for c in (f"{prefix}_{g}" for g in GRADES)])
            if total_col in frame:
                total = to_count(frame[total_col], total_col, rows, file, problems)
                for row, t, s in zip(rows, total, arr.sum(axis=1), strict=True):
                    if t != s:
                        problems.add(file, f"{total_col} ({int(t)}) does not equal the sum by grade ({int(s)})",
                                     row=row, column=total_col, value=int(t), fix="correct the total or the grades")
            return arr
        if total_col in frame:
            total = to_count(frame[total_col], total_col, rows, file, problems).to_numpy()
            notes.append(Note("note.grades_spread", file=file, column=total_col))
            w = served.astype(float) if weights is None else weights
            return _spread(total, w)
        problems.add(file, f"missing column {total_col!r}", column=total_col,
                     fix=f"add {total_col} (total) or {prefix}_1 … {prefix}_9 (by grade)")
        return np.zeros((len(frame), 9))

    enrol = by_grade("enrol", "enrolment", None)
    classes = by_grade("classes", "classes", np.where(served, np.maximum(enrol, 1e-9), 0.0))
    for i, row in enumerate(rows):
        outside = enrol[i][~served[i]].sum()
        if outside > 0:
            problems.add(file, f"{int(outside)} pupils in grades the school does not serve ({int(lo.iloc[i])}-{int(hi.iloc[i])})",
                         row=row, column="enrol_*", fix="correct the grades served or the enrolment by grade")
        for stage, gs in (("primary", slice(0, 6)), ("middle", slice(6, 9))):
            if enrol[i][gs].sum() > 0 and classes[i][gs].sum() == 0:
                problems.add(file, f"0 {stage} classes but {int(enrol[i][gs].sum())} {stage} pupils", row=row,
                             column="classes", fix="enter the number of classes (combined classes count once)")
    for g in GRADES:
        cols[f"enrol_{g}"] = pd.Series(enrol[:, g - 1].astype(int), index=frame.index)
    for g in GRADES:
        cols[f"classes_{g}"] = pd.Series(classes[:, g - 1].astype(int), index=frame.index)
    cols["enrolment"] = pd.Series(enrol.sum(axis=1).astype(int), index=frame.index)
    cols["classes"] = pd.Series(classes.sum(axis=1).astype(int), index=frame.index)
    size = np.array([std.standard_class_size(k if k == "teaching_point" else "primary") for k in kind])
    default_seats = np.maximum(classes[:, :6].sum(axis=1) * size
                               + classes[:, 6:].sum(axis=1) * std.standard_class_size("middle"), enrol.sum(axis=1))
    seats = (to_count(frame["seats"], "seats", rows, file, problems, default=np.nan) if "seats" in frame
             else pd.Series(np.nan, index=frame.index))
    if seats.isna().any():
        notes.append(Note("note.seats_default", file=file, n=int(seats.isna().sum())))
    cols["seats"] = seats.fillna(pd.Series(default_seats, index=frame.index)).astype(int)
    for name in ("beds", "boarders"):
        cols[name] = (to_count(frame[name], name, rows, file, problems) if name in frame
                      else pd.Series(0.0, index=frame.index)).astype(int)
    # bus riders: blank means not known (nobody is then assumed to ride today)
    cols["bus_riders"] = (to_count(frame["bus_riders"], "bus_riders", rows, file, problems, default=np.nan)
                          if "bus_riders" in frame else pd.Series(np.nan, index=frame.index))
    for name in ("canteen", "remote"):
        cols[name] = (to_bool(frame[name], name, rows, file, problems) if name in frame
                      else pd.Series(False, index=frame.index))
    for name in RESOURCE_COLUMNS:
        f = SCHEMA["schools"][name]
        if name not in frame:
            cols[name] = pd.Series(np.nan, index=frame.index)
        elif f.kind == "count":
            cols[name] = to_count(frame[name], name, rows, file, problems, default=np.nan)
        else:
            cols[name] = to_amount(frame[name], name, rows, file, problems)
    for part in ("teachers_degree", "teachers_key", "teachers_pe_art", "teachers_senior"):
        over = cols[part] > cols["teachers"]
        for row, flag, v in zip(rows, over, cols[part], strict=True):
            if flag:
                problems.add(file, "more teachers in a category than teachers in all", row=row, column=part,
                             value=int(v), fix="check the category count against the total 'teachers'")
    for c in _extra_columns(frame, "schools"):
        cols[c] = frame[c].astype(object)
    ordered = ["name", "kind", "township", "grade_lo", "grade_hi", *ENROL_COLUMNS, *CLASS_COLUMNS, "enrolment",
               "classes", "seats", "beds", "boarders", "bus_riders", "canteen", "remote", *RESOURCE_COLUMNS]
    cols = {k: cols[k] for k in ordered} | {k: v for k, v in cols.items() if k not in ordered}
    return _assemble(cols, ids, geometry, "school_id", problems, raw, points_only=True)


def _spread(total: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Split integer totals over grades proportionally to weights (largest remainder; conserves totals)."""
    out = np.zeros(weights.shape)
    for i, (t, w) in enumerate(zip(total, weights, strict=True)):
        if t <= 0 or w.sum() <= 0:
            continue
        share = t * w / w.sum()
        base = np.floor(share)
        rest = int(round(t - base.sum()))
        order = np.argsort(-(share - base), kind="stable")[:rest]
        base[order] += 1
        out[i] = base
    return out


def _read_roads(raw: RawTable, manifest: Manifest, std: Standards, geometry: gpd.GeoSeries,
                problems: ProblemCollector) -> gpd.GeoDataFrame:
    file, rows = raw.path.name, raw.rows
    frame = _layer_frame(raw, "roads", manifest, problems)
    canonical = set(std.get("road_classes.canonical"))
    aliases = dict(std.get("road_classes.aliases")) | dict(std.get("road_classes.osm_highway"))
    classes = []
    for row, v in zip(rows, frame["road_class"] if "road_class" in frame else [""] * len(frame), strict=True):
        key = str(v).strip()
        cls = key.lower() if key.lower() in canonical else aliases.get(key.lower(), aliases.get(key))
        if cls is None:
            problems.add(file, "unknown road class", row=row, column="road_class", value=v or None,
                         fix=f"use one of {', '.join(sorted(canonical))} (or OSM highway values, 国道/省道/县道/乡道/村道)")
            cls = "village"
        classes.append(cls)
    cols = {"road_class": pd.Series(classes, index=frame.index, dtype=object)}
    speed = (to_amount(frame["speed_kmh"], "speed_kmh", rows, file, problems) if "speed_kmh" in frame
             else pd.Series(np.nan, index=frame.index))
    for row, s in zip(rows, speed, strict=True):
        if s == 0:
            problems.add(file, "speed of 0 km/h", row=row, column="speed_kmh", fix="leave it blank to use the class speed")
    cols["speed_kmh"] = speed
    if "oneway" in frame:
        # OpenStreetMap's -1 (and "reverse"): one-way against the drawing direction — the line is turned round
        against = frame["oneway"].map(lambda v: str(v).strip().lower() in ("-1", "-1.0", "reverse")).to_numpy()
        if against.any():
            geometry = geometry.copy()
            geometry[against] = shapely.reverse(geometry[against].to_numpy())
        cols["oneway"] = to_bool(frame["oneway"].where(~against, "1"), "oneway", rows, file, problems)
    else:
        cols["oneway"] = pd.Series(False, index=frame.index)
    for name in ("name", "road_id"):
        cols[name] = (to_text(frame[name], name, rows, file, problems, False) if name in frame
                      else pd.Series([""] * len(frame), index=frame.index, dtype=object))
    for row, g in zip(rows, geometry, strict=True):
        if g is not None and not g.is_empty and g.geom_type not in ("LineString", "MultiLineString"):
            problems.add(file, f"{g.geom_type} where a road line is expected", row=row, column="geometry",
                         fix="roads must be lines")
    gdf = gpd.GeoDataFrame({k: v.to_numpy() for k, v in cols.items()}, geometry=geometry.to_numpy(),
                           crs=geometry.crs)
    return gdf[~gdf.geometry.is_empty & gdf.geometry.notna()].explode(index_parts=False).reset_index(drop=True)


def _read_townships(raw: RawTable, manifest: Manifest, geometry: gpd.GeoSeries,
                    problems: ProblemCollector) -> gpd.GeoDataFrame:
    file, rows = raw.path.name, raw.rows
    frame = _layer_frame(raw, "townships", manifest, problems)
    names = (to_text(frame["township"], "township", rows, file, problems, True) if "township" in frame
             else pd.Series([""] * len(frame), index=frame.index))
    for row, g in zip(rows, geometry, strict=True):
        if g is not None and not g.is_empty and g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.add(file, f"{g.geom_type} where a township boundary polygon is expected", row=row,
                         column="geometry", fix="townships must be polygons")
    out = {"township": names.to_numpy()}
    if "township_id" in frame:
        out["township_id"] = to_text(frame["township_id"], "township_id", rows, file, problems, False).to_numpy()
    return gpd.GeoDataFrame(out, geometry=geometry.to_numpy(), crs=geometry.crs)


def _check_townships(layer: gpd.GeoDataFrame, raw: RawTable, known: set[str], problems: ProblemCollector) -> None:
    for row, t in zip(raw.rows, layer["township"], strict=True):
        if t and t not in known:
            problems.add(raw.path.name, "unknown township (not in the townships layer)", row=row, column="township",
                         value=t, fix=f"use one of: {', '.join(sorted(known)[:12])}")


def read_county(path: str | Path, *, standards: Standards | str | Path | None = None) -> County:
    """Read, validate and project a county folder.

    Parameters
    ----------
    path : str or Path
        Folder with ``villages.*``, ``schools.*`` and optionally ``roads.*``, ``townships.*``, ``attendance.*``,
        ``candidates.*`` and ``county.yaml``. The road layer may be an OpenStreetMap file named in county.yaml
        (``files: {roads: county.osm.pbf}``).
    standards : Standards or path, optional
        Standards to use; by default national, with the manifest's provincial override merged over them.

    Returns
    -------
    County
        Geometry in the UTM zone of the data's centre.

    Raises
    ------
    LayoutInputError
        Listing every problem found in every file, each with file, row, column, value and fix.

    See Also
    --------
    from_frames : the same checks on DataFrames and GeoDataFrames in memory.

    Example
    -------
    >>> import pathlib, tempfile
    >>> from layout.datasets import make_county
    >>> from layout.io.write import write_county
    >>> county_folder = write_county(make_county(n_villages=30, n_townships=3, seed=2),
    ...                              pathlib.Path(tempfile.mkdtemp()) / "county")   # a folder like data/sample_county
    >>> county = read_county(county_folder)
    >>> len(county.villages)
    30
    >>> int(county.villages[["g1_3", "g4_6", "g7_9"]].to_numpy().sum()) == int(county.children().to_numpy().sum())
    True
    """
    if not isinstance(path, str | os.PathLike):
        raise TypeError(f"read_county needs the path of a county folder (str or Path), not {type(path).__name__}: "
                        "e.g. read_county('data/sample_county')")
    folder = Path(path)
    if not folder.is_dir():
        raise LayoutInputError([Problem(str(folder), "not a folder", fix="give the path of a county folder")])
    manifest = read_manifest(folder)
    problems = ProblemCollector()
    if isinstance(standards, Standards):
        std = standards
    else:
        overrides = ([] if not manifest.standards else [manifest.standards] if isinstance(manifest.standards, Mapping)
                     else [folder / manifest.standards])
        std = load_standards(*overrides, *([standards] if standards is not None else []))
    try:
        files, file_problems = find_layer_files(folder, manifest)
    except OSError as exc:
        raise LayoutInputError([Problem(str(folder), f"cannot list the folder ({exc.strerror or exc})",
                                        fix="check that you may read the folder")]) from None
    problems.extend(file_problems)
    raws: dict[str, RawTable] = {}
    for layer, p in files.items():
        try:
            raws[layer] = (osm_road_table(p, std) if layer == "roads" and is_osm_file(p)
                           else load_table(p, manifest.encoding))
        except LayoutInputError as err:
            problems.extend(err.problems)
    problems.raise_if_any(f"{folder}: cannot read the county")
    return build_county(raws, manifest, std, name=manifest.name or folder.resolve().name, folder=folder,
                        where=str(folder))


def is_osm_file(path: Path) -> bool:
    """Whether a file name is an OpenStreetMap extract (``.osm.pbf``, ``.pbf``, ``.osm``, ``.osm.gz`` …)."""
    return any(path.name.lower().endswith(s) for s in OSM_SUFFIXES)


def osm_road_table(path: Path, standards: Standards) -> RawTable:
    """The roads of an OpenStreetMap file (:func:`layout.network.osm.read_osm_roads`) as a vector layer.

    Rows are the ways in file order (1-based), as a GeoPackage's features are numbered.
    """
    from layout.network.osm import read_osm_roads

    roads = read_osm_roads(path, standards=standards)
    return RawTable(path, roads.reset_index(drop=True), list(range(1, len(roads) + 1)), True)


_FRAMES_NOTE = "rows are positions in each frame, as frame.iloc[row]"


def from_frames(*, villages: pd.DataFrame, schools: pd.DataFrame, roads: pd.DataFrame | None = None,
                townships: pd.DataFrame | None = None, attendance: pd.DataFrame | None = None,
                candidates: pd.DataFrame | None = None, crs=None,
                standards: Standards | str | Path | None = None, name: str = "county",
                columns: Mapping[str, Mapping[str, str]] | None = None,
                coordinates: Mapping[str, str] | None = None) -> County:
    """A County from DataFrames and GeoDataFrames in memory, checked exactly as :func:`read_county` checks files.

    Each frame is what the file of its layer would hold: the same column names and aliases (Chinese headers such
    as 村名, 学校名称, 在校生数, 经度, 纬度), the same cell checks, cross-checks and projection to the UTM zone of
    the data. A GeoDataFrame keeps its own CRS (reprojected like every layer); a plain DataFrame gives its points
    as lon/lat columns in ``crs``. A named index (``village_id``, as a County's own frames have) is read as a
    column, so ``from_frames(villages=county.villages, schools=county.schools, ...)`` checks an edited county.

    Parameters
    ----------
    villages, schools : DataFrame or GeoDataFrame
        Required layers.
    roads, townships : GeoDataFrame, optional
        Road lines (e.g. from :func:`layout.network.osm.read_osm_roads`) and township polygons.
    attendance : DataFrame, optional
        Who attends which school today (home village, school, grade or band, mode, children).
    candidates : DataFrame or GeoDataFrame, optional
        Sites offered for new schools.
    crs : CRS-like, optional
        The CRS of lon/lat columns and of GeoDataFrames that have none: ``"EPSG:4490"``, ``4326``, ``"GCJ-02"``
        (AMap picks; converted) or a projected EPSG code; default EPSG:4326 (as county.yaml's ``crs``).
    standards : Standards or path, optional
        National standards by default.
    name : str
        The county's name.
    columns : mapping, optional
        Headers the alias table does not know, per layer: ``{"schools": {"学校名": "name"}}`` (county.yaml's
        ``columns``).
    coordinates : mapping, optional
        ``{"lon": "X坐标", "lat": "Y坐标"}`` when the coordinate headers are not the usual ones.

    Returns
    -------
    County
        ``folder`` is None.

    Raises
    ------
    LayoutInputError
        Every problem of every frame, each naming the frame (``"villages frame"``), the row (its position, as
        ``frame.iloc[row]``), the column, the value and a fix.
    TypeError
        A layer that is not a DataFrame.

    Example
    -------
    >>> import pandas as pd
    >>> villages = pd.DataFrame({"村庄编码": ["V1", "V2"], "村名": ["甲村", "乙村"], "乡镇": ["城关镇", "城关镇"],
    ...                          "经度": [105.10, 105.12], "纬度": [30.10, 30.11], "一至三年级": [30, 12],
    ...                          "四至六年级": [28, 10], "七至九年级": [25, 9]})
    >>> schools = pd.DataFrame({"学校代码": ["S1", "S2"], "学校名称": ["城关小学", "城关中学"], "乡镇": ["城关镇"] * 2,
    ...                         "学校类型": ["小学", "初中"], "经度": [105.11, 105.11], "纬度": [30.10, 30.11],
    ...                         "在校生数": [320, 300], "班级数": [8, 6]})
    >>> c = from_frames(villages=villages, schools=schools, crs="EPSG:4490", name="示例县")
    >>> c.crs.to_epsg(), c.schools.loc["S2", "kind"], int(c.villages["g1_3"].sum())
    (32648, 'middle', 42)
    >>> bad = schools.assign(在校生数=[320, -3])
    >>> try:
    ...     from_frames(villages=villages, schools=bad)
    ... except LayoutInputError as err:
    ...     print(err.problems[0])
    schools frame, row 1, column 'enrolment', value -3: negative count — fix: enter 0 or more
    """
    given = {"villages": villages, "schools": schools, "roads": roads, "townships": townships,
             "attendance": attendance, "candidates": candidates}
    problems = ProblemCollector()
    raws: dict[str, RawTable] = {}
    for layer, frame in given.items():
        if frame is None:
            continue
        try:
            raws[layer] = table_from_frame(frame, f"{layer} frame")
        except LayoutInputError as err:
            problems.extend(err.problems)
    problems.raise_if_any(f"from_frames: cannot read the frames ({_FRAMES_NOTE})")
    if isinstance(standards, Standards):
        std = standards
    else:
        std = load_standards(*([standards] if standards is not None else []))
    if crs is not None and not isinstance(crs, str):
        try:
            crs = CRS.from_user_input(crs).to_string()
        except CRSError:
            crs = str(crs)
    manifest = Manifest(name=name, crs=crs, columns={k: dict(v) for k, v in (columns or {}).items()},
                        coordinates=dict(coordinates or {}), source="from_frames")
    return build_county(raws, manifest, std, name=str(name), folder=None, where=f"from_frames ({_FRAMES_NOTE})")


def build_county(raws: dict[str, RawTable], manifest: Manifest, std: Standards, *, name: str,
                 folder: Path | None, where: str) -> County:
    """Check, convert and project loaded layers into a County: the one path of :func:`read_county` (files) and
    :func:`from_frames` (frames in memory).

    Parameters
    ----------
    raws : dict
        layer -> :class:`RawTable`; ``villages`` and ``schools`` required.
    manifest : Manifest
        Settings (CRS, column mappings, coordinates, targets) and where they came from (``manifest.source``).
    std : Standards
    name : str
        The county's name.
    folder : Path or None
        Where the county was read from.
    where : str
        How the error headline names the input.

    Returns
    -------
    County

    Raises
    ------
    LayoutInputError
        Every problem found.
    """
    problems = ProblemCollector()
    crs_label, declared = _declared_crs(manifest, problems)
    geoms = {}
    for layer, raw in raws.items():
        if raw.is_vector:
            geoms[layer] = _vector_geometry(raw, manifest, crs_label, declared, problems, layer)
        elif layer in ("villages", "schools", "candidates"):
            geoms[layer] = _points_from_table(raw, manifest, crs_label, declared, problems)
        elif layer == "attendance":
            continue
        else:
            problems.add(raw.path.name, f"{layer} need line/polygon geometry, not a table",
                         fix="use GeoPackage or GeoJSON (a GeoDataFrame for from_frames)")
    problems.extend(check_locations(raws, geoms, crs_label, declared))   # ranges, China, outliers (every layer)
    notes: list[str] = []
    villages = _read_villages(raws["villages"], manifest, std, geoms["villages"], problems)
    schools = _read_schools(raws["schools"], manifest, std, geoms["schools"], problems, notes)
    roads = (_read_roads(raws["roads"], manifest, std, geoms["roads"], problems)
             if "roads" in geoms else None)
    townships = (_read_townships(raws["townships"], manifest, geoms["townships"], problems)
                 if "townships" in geoms else None)
    if townships is not None:
        known = set(townships["township"])
        _check_townships(villages, raws["villages"], known, problems)
        _check_townships(schools, raws["schools"], known, problems)
    attendance = candidates = None
    if "attendance" in raws and not problems:
        raw = raws["attendance"]
        attendance = read_attendance(raw, villages.index, schools, std, manifest.columns.get("attendance"), problems)
        check_attendance_totals(attendance, villages, schools, std, raw.path.name, raws["schools"].path.name,
                                problems)
    if "candidates" in raws:
        candidates = read_candidates(raws["candidates"], geoms["candidates"], manifest.columns.get("candidates"),
                                     problems)
    problems.raise_if_any(f"{where}: {len(problems.problems)} problem(s) in the input")
    pts = pd.concat([villages.geometry.to_crs(4326), schools.geometry.to_crs(4326)])
    crs = utm_crs_for(float(pts.x.median()), float(pts.y.median()))
    return County(
        name=name,
        villages=villages.to_crs(crs),
        schools=schools.to_crs(crs),
        roads=None if roads is None else roads.to_crs(crs),
        townships=None if townships is None else townships.to_crs(crs),
        crs=crs,
        source_crs=crs_label,
        standards=std,
        notes=tuple(notes),
        folder=folder,
        attendance=attendance,
        targets=dict(manifest.targets or {}),
        candidates=None if candidates is None else candidates.to_crs(crs),
    )
