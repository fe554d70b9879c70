"""Write a County back to a folder that :func:`layout.read_county` reads to an equal County.

Villages and schools go to UTF-8 CSV with lon/lat (readable in Excel/WPS and diff-friendly), roads and
townships to GeoJSON, plus ``county.yaml``. Coordinates are written in WGS84 (or CGCS2000 when that was the
source) at full precision; a GCJ-02 source is written converted to WGS84 and the manifest says so.

Everything is first written to a temporary sibling folder, so a failed write leaves an earlier folder
intact; files of the folder that are not the county's own (proposals, notes) are kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import yaml

from layout.county import County
from layout.io.output_set import check_writable, output_file, output_folder  # outputs as a set (re-exported)
from layout.schema import BANDS, GRADES

__all__ = ["write_county", "atomic_path", "atomic_write_text", "atomic_write_bytes", "replace_dir", "output_folder",
           "output_file", "check_writable"]

_UMASK = os.umask(0)
os.umask(_UMASK)


@contextmanager
def atomic_path(path: str | Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` only if the block succeeds.

    ``suffix`` ends the temporary name (a writer that goes by the ending, like GDAL's GeoPackage driver, is given
    ``".gpkg"``). The temporary file exists, empty, when the block starts; a writer that refuses to open an
    existing file may unlink it first.

    Example
    -------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    >>> target.read_text()
    'a,b\\n'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = atomic_write_bytes(pathlib.Path(tempfile.mkdtemp()) / "a.txt", b"hi")
    >>> p.read_bytes()
    b'hi'
    """
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Text version of :func:`atomic_write_bytes`."""
    return atomic_write_bytes(path, text.encode(encoding))


def replace_dir(tmp: Path, target: Path) -> None:
    """Move a finished temporary folder onto ``target``, keeping the old one until the move succeeded."""
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, backup)
    try:
        os.replace(tmp, target)
    except BaseException:
        if backup is not None:
            os.replace(backup, target)
        raise
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)


def _lonlat(county: County, layer: str) -> pd.DataFrame:
    gdf = getattr(county, layer).to_crs(4490 if county.source_crs == "EPSG:4490" else 4326)
    return pd.DataFrame({"lon": gdf.geometry.x.to_numpy(), "lat": gdf.geometry.y.to_numpy()}, index=gdf.index)


def _villages_table(county: County) -> pd.DataFrame:
    v = county.villages
    out = pd.DataFrame(index=v.index)
    out["name"] = v["name"]
    out["township"] = v["township"]
    out = out.join(_lonlat(county, "villages"))
    out["population"] = v["population"].astype("Int64") if "population" in v else pd.NA
    grade_cols = [f"grade_{g}" for g in GRADES]
    cols = grade_cols if all(c in v for c in grade_cols) else list(BANDS)
    for c in cols:
        out[c] = v[c].astype(int)
    births = sorted(c for c in v.columns if c.startswith("births_"))
    for c in births:
        out[c] = v[c].astype("Int64")
    skip = {"geometry", "name", "township", "population", *BANDS, *grade_cols, *births}
    for c in v.columns:
        if c not in skip:
            out[c] = v[c]
    return out.reset_index()


def _schools_table(county: County) -> pd.DataFrame:
    s = county.schools
    out = pd.DataFrame(index=s.index)
    for c in ("name", "kind", "township"):
        out[c] = s[c]
    out["grades"] = s["grade_lo"].astype(int).astype(str) + "-" + s["grade_hi"].astype(int).astype(str)
    out = out.join(_lonlat(county, "schools"))
    rest = [c for c in s.columns if c not in ("geometry", "name", "kind", "township", "grade_lo", "grade_hi")]
    for c in rest:
        col = s[c]
        if col.dtype == bool:
            out[c] = col.astype(int)
        elif pd.api.types.is_float_dtype(col) and col.dropna().apply(float.is_integer).all():
            out[c] = col.astype("Int64")
        else:
            out[c] = col
    return out.reset_index()


def _candidates_table(county: County) -> pd.DataFrame:
    c = county.candidates
    out = c[["name", "township", "kind"]].join(_lonlat(county, "candidates"))
    out["seats"] = ["|".join(str(int(x)) for x in opts) for opts in c["seat_options"]]
    out["beds"] = c["beds"].astype("Int64")
    out["capital_yuan"] = c["capital_yuan"]
    out["note"] = c["note"]
    return pd.DataFrame(out).reset_index()


def write_county(county: County, path: str | Path) -> Path:
    """Write ``county`` to folder ``path``.

    A new folder appears whole or not at all. In an existing folder the county's files are replaced only after
    all of them were written, and other files there (proposals, notes) are kept.

    Parameters
    ----------
    county : County
    path : str or Path
        Target folder.

    Returns
    -------
    Path
        The folder written.

    Example
    -------
    >>> folder = write_county(county, out / "small_county")
    >>> sorted(p.name for p in folder.iterdir() if p.suffix in (".csv", ".geojson", ".yaml"))
    ['attendance.csv', 'candidates.csv', 'county.yaml', 'roads.geojson', 'schools.csv', 'townships.geojson', 'villages.csv']
    >>> again = layout.read_county(folder)                      # reads back as the same county
    >>> len(again.villages), len(again.schools), int(again.schools["enrolment"].sum()) == int(county.schools["enrolment"].sum())
    (40, 27, True)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        _villages_table(county).to_csv(tmp / "villages.csv", index=False, encoding="utf-8")
        _schools_table(county).to_csv(tmp / "schools.csv", index=False, encoding="utf-8")
        if county.attendance is not None:
            county.attendance[["village_id", "school_id", "grade", "band", "mode", "children"]].sort_values(
                ["school_id", "village_id", "grade", "mode"]).to_csv(tmp / "attendance.csv", index=False,
                                                                    encoding="utf-8")
        if county.candidates is not None:
            _candidates_table(county).to_csv(tmp / "candidates.csv", index=False, encoding="utf-8")
        crs = 4490 if county.source_crs == "EPSG:4490" else 4326
        for layer in ("roads", "townships"):
            gdf = getattr(county, layer)
            if gdf is not None:
                gdf = gdf.to_crs(crs)
                for c in gdf.columns:
                    if c != "geometry" and gdf[c].dtype == object:
                        gdf[c] = gdf[c].astype(str)
                gdf.to_file(tmp / f"{layer}.geojson", driver="GeoJSON", engine="pyogrio",
                            layer_options={"COORDINATE_PRECISION": 9, "RFC7946": "NO"})
        manifest = {"name": county.name, "crs": f"EPSG:{crs}"}
        if county.source_crs == "GCJ-02":
            manifest["notes"] = "coordinates converted from GCJ-02 (AMap) to WGS84 when first read"
        (tmp / "county.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
        _check_no_conflicting_layers(target, {p.name for p in tmp.iterdir()})
        if target.exists():
            for f in sorted(tmp.iterdir()):  # everything is written; now swap files in one by one
                os.replace(f, target / f.name)
            tmp.rmdir()
        else:
            os.chmod(tmp, 0o755)
            replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


def _check_no_conflicting_layers(target: Path, written: set[str]) -> None:
    """Refuse to write next to another file of the same layer (e.g. villages.xlsx), which would make the folder
    ambiguous to read; other files in the folder (proposals, notes) are left as they are."""
    if not target.exists():
        return
    from layout.errors import LayoutInputError, Problem
    from layout.io.manifest import LAYERS
    from layout.io.tables import SUFFIXES

    clashes = [p.name for p in target.iterdir() if p.is_file() and p.stem.lower() in LAYERS
               and p.suffix.lower() in SUFFIXES and p.name not in written]
    if clashes:
        raise LayoutInputError([Problem(str(target), f"the folder already holds {', '.join(sorted(clashes))}",
                                        fix="write the county to an empty folder, or remove those files first")])

