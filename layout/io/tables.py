"""Load one input file as raw text cells (tables) or features (vector files), nothing interpreted yet.

Row numbers reported to planners are what they see when they open the file: for CSV and XLSX the
spreadsheet row (header = row 1, first data row = row 2); for vector files the feature number (1-based).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from layout.errors import LayoutInputError, Problem
from layout.io.safe_text import UNSAFE_TEXT, clean_text

__all__ = ["RawTable", "load_table", "table_from_frame", "TABLE_SUFFIXES", "VECTOR_SUFFIXES", "SUFFIXES",
           "ENCODINGS"]

TABLE_SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp")
SUFFIXES = VECTOR_SUFFIXES + TABLE_SUFFIXES
# Tried in order when no encoding is declared: UTF-8 (with or without BOM), then GB18030 (a superset of GBK
# and GB2312, which Chinese Excel exports use).
ENCODINGS = ("utf-8-sig", "gb18030")
MAX_XLSX_UNPACKED = 512 * 2**20
_SEP_NAMES = {",": "commas", ";": "semicolons", "\t": "tabs"}


@dataclass
class RawTable:
    """A file's contents before interpretation.

    Parameters
    ----------
    path : Path
        The file.
    frame : DataFrame or GeoDataFrame
        Cells as text (tables) or attributes + geometry (vector files), original headers.
    rows : list of int
        The row number a planner sees for each record (same order as ``frame``).
    is_vector : bool
        Whether geometry came from the file (vector) or must be built from lon/lat columns.
    encoding : str or None
        Encoding a CSV was read with.
    """

    path: Path
    frame: pd.DataFrame
    rows: list[int]
    is_vector: bool
    encoding: str | None = None


def _fail(path: Path, message: str, fix: str) -> LayoutInputError:
    return LayoutInputError([Problem(path.name, message, fix=fix)])


def _read_csv(path: Path, encoding: str | None) -> tuple[pd.DataFrame, str]:
    raw = path.read_bytes()
    if not raw.strip():
        raise _fail(path, "the file is empty", "export the table again with a header row and data rows")
    tried = [encoding] if encoding else list(ENCODINGS)
    for enc in tried:
        try:
            text = raw.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
        header = next((line for line in text.splitlines() if line.strip()), "")
        sep = max((",", ";", "\t"), key=header.count)
        _check_delimiters(path, text, sep)
        try:
            frame = pd.read_csv(StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True,
                                sep=sep, skip_blank_lines=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            line = re.search(r"line (\d+)", detail)
            raise LayoutInputError([Problem(
                path.name, f"cannot parse the CSV ({detail})", row=int(line.group(1)) if line else None,
                fix="every row needs as many cells as the header; quote cells that contain the separator")]) from None
        return frame, enc
    if encoding:
        raise _fail(path, f"the file is not in the declared encoding {encoding!r}",
                    "correct 'encoding' in county.yaml (e.g. gb18030 for GBK exports) or remove it")
    raise _fail(path, f"unreadable text encoding (tried {', '.join(tried)})",
                "save it as UTF-8 or GBK, or declare the encoding in county.yaml (encoding: ...)")


def _check_unpacked_size(path: Path) -> None:
    """An .xlsx is a zip: refuse one that unpacks to more than :data:`MAX_XLSX_UNPACKED` (a "zip bomb" would fill
    the memory while the workbook is parsed)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return   # not a zip: the workbook reader says so
    if total > MAX_XLSX_UNPACKED:
        raise _fail(path, f"the workbook unpacks to {total / 2**20:,.0f} MiB (more than "
                    f"{MAX_XLSX_UNPACKED / 2**20:,.0f} MiB): not a county table", "export the table again from Excel/WPS")


def _read_xlsx(path: Path) -> pd.DataFrame:
    _check_unpacked_size(path)
    try:
        frame = pd.read_excel(path, dtype=str, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many kinds for broken files
        raise _fail(path, f"cannot open the workbook ({type(exc).__name__}: {exc})",
                    "open it in Excel/WPS and save it again as .xlsx") from None
    _check_formulas(path, frame)
    return frame


def _check_formulas(path: Path, frame: pd.DataFrame) -> None:
    """A formula cell whose value was never computed and saved (files written by scripts, not by Excel) reads as
    blank: say so, with the row and column, instead of reporting a missing value."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 (pandas read it: keep what it read)
        return
    problems = []
    try:
        ws = wb.worksheets[0]
        header: list = []
        for r, row in enumerate(ws.iter_rows(), start=1):
            if r == 1:
                header = [str(c.value).strip() if c.value is not None else "" for c in row]
                continue
            for j, cell in enumerate(row):
                if cell.data_type != "f" or r - 2 >= len(frame) or j >= frame.shape[1]:
                    continue
                if str(frame.iat[r - 2, j]).strip() == "":
                    problems.append(Problem(path.name, "formula without a saved value", row=r,
                                            column=header[j] if j < len(header) else None, value=str(cell.value),
                                            fix="open the file in Excel/WPS and save it (values are computed), or "
                                                "paste the values instead of formulas"))
    finally:
        wb.close()
    if problems:
        raise LayoutInputError(problems)


def _check_delimiters(path: Path, text: str, sep: str) -> None:
    """Rows separated by another delimiter than the header (``;`` or a tab where the header uses ``,``)."""
    others = [c for c in (",", ";", "\t") if c != sep]
    problems: list[Problem] = []
    if not text.splitlines() or next(ln for ln in text.splitlines() if ln.strip()).count(sep) == 0:
        return
    lines = text.splitlines()
    header_seen = False
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if not header_seen:
            header_seen = True
            continue
        bare = re.sub(r'"[^"]*"', "", line)
        if bare.count(sep) == 0 and any(bare.count(o) > 0 for o in others):
            used = next(o for o in others if bare.count(o) > 0)
            problems.append(Problem(path.name, f"this row is separated by {_SEP_NAMES[used]} but the header by "
                                    f"{_SEP_NAMES[sep]}", row=n, fix=f"use {_SEP_NAMES[sep]} between the cells of "
                                    "every row (save the table again as CSV)"))
    if problems:
        raise LayoutInputError(problems[:50])


def _dbf_encoding(shp: Path) -> str | None:
    """Encoding of a shapefile's attributes when no ``.cpg`` says it: UTF-8 if it decodes, else GB18030.

    Chinese GIS exports (ArcGIS, SuperMap) often write GBK attribute tables without a ``.cpg``; GDAL would then
    read them as Latin-1 and garble every Chinese name without any error.
    """
    if shp.with_suffix(".cpg").exists() or shp.with_suffix(".CPG").exists():
        return None
    dbf = next((p for p in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if p.exists()), None)
    if dbf is None:
        return None
    data = dbf.read_bytes()
    header_len = int.from_bytes(data[8:10], "little") if len(data) >= 32 else len(data)
    names = b"".join(data[i:i + 11].rstrip(b"\x00") for i in range(32, max(32, header_len - 1), 32))
    raw = names + data[header_len:]  # field names and records: the text parts of the table
    if raw.isascii():
        return None
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def _read_vector(path: Path, encoding: str | None = None) -> gpd.GeoDataFrame:
    if path.stat().st_size == 0:
        raise _fail(path, "the file is empty", "export the layer again")
    if path.suffix.lower() == ".shp":
        for part, what in ((".dbf", "attribute table"), (".shx", "index")):
            if not any(path.with_suffix(x).exists() for x in (part, part.upper())):
                raise _fail(path, f"the shapefile's {what} {path.stem}{part} is missing beside {path.name}",
                            f"copy {path.stem}{part} (with .shx, .prj and .cpg) into the folder, or export the "
                            "layer as GeoPackage (.gpkg), one file")
    if encoding is None and path.suffix.lower() == ".shp":
        encoding = _dbf_encoding(path)
    try:
        return gpd.read_file(path, encoding=encoding) if encoding else gpd.read_file(path)
    except Exception as exc:  # pyogrio raises DataSourceError and friends; shapely GEOSException for bad shapes
        bad = _unreadable_features(path)
        if bad:
            raise LayoutInputError([Problem(path.name, why, row=row, column="geometry",
                                            fix="give the line at least two different points, or delete it")
                                    for row, why in bad]) from None
        raise _fail(path, f"cannot read the layer ({type(exc).__name__}: {str(exc).splitlines()[0]})",
                    "check the file opens in QGIS; export it again as GeoPackage or GeoJSON") from None


def _unreadable_features(path: Path) -> list[tuple[int, str]]:
    """Feature numbers (1-based) whose geometry cannot be built, e.g. a line of a single point."""
    try:
        from pyogrio.raw import read as raw_read

        _meta, _fids, wkb, _fields = raw_read(path)
    except Exception:  # noqa: BLE001 (the layer cannot be read at all: the caller reports that)
        return []
    out = []
    for i, w in enumerate(wkb if wkb is not None else []):
        if w is None:
            continue
        try:
            shapely.from_wkb(w)
        except Exception as exc:  # noqa: BLE001 (GEOSException)
            detail = str(exc).split(":", 1)[-1].strip()
            why = ("a line with a single point" if "point array" in detail
                   else f"geometry cannot be read ({detail})")
            out.append((i + 1, why))
    return out


def _clean_cells(frame: pd.DataFrame) -> None:
    """Remove escape sequences, control characters and bidi overrides from every text cell, in place: names
    reach terminals, HTML pages and spreadsheets already clean (:mod:`layout.io.safe_text`)."""
    for col in frame.columns:
        s = frame[col]
        if col == "geometry" or s.dtype != object:
            continue
        text = s.map(lambda v: isinstance(v, str) and UNSAFE_TEXT.search(v) is not None)
        if text.any():
            frame[col] = s.map(clean_text)


def load_table(path: Path, encoding: str | None = None) -> RawTable:
    """Read a CSV, XLSX or vector file into a :class:`RawTable`.

    Parameters
    ----------
    path : Path
        File to read.
    encoding : str, optional
        CSV encoding; by default UTF-8 (with or without BOM) then GB18030/GBK are tried.

    Returns
    -------
    RawTable

    Raises
    ------
    LayoutInputError
        Empty file, unreadable encoding, unparseable content, or no data rows.

    Example
    -------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "villages.csv"
    >>> _ = p.write_bytes("村名,经度\\n甲村,105.1\\n".encode("gbk"))
    >>> t = load_table(p)
    >>> t.encoding, list(t.frame.columns), t.rows
    ('gb18030', ['村名', '经度'], [2])
    """
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        frame, enc = _read_csv(path, encoding)
        table = RawTable(path, frame, [i + 2 for i in range(len(frame))], False, enc)
    elif suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path)
        table = RawTable(path, frame, [i + 2 for i in range(len(frame))], False)
    elif suffix in VECTOR_SUFFIXES:
        frame = _read_vector(path, encoding)
        table = RawTable(path, frame, [i + 1 for i in range(len(frame))], True)
    else:
        raise _fail(path, f"unsupported file type {suffix!r}",
                    f"use one of {', '.join(SUFFIXES)}")
    table.frame.columns = [clean_text(str(c).replace("\ufeff", "")).strip() for c in table.frame.columns]
    _clean_cells(table.frame)
    if len(table.frame) == 0:
        raise _fail(path, "the file has a header but no data rows", "add the rows, or remove the file if optional")
    return table


def table_from_frame(frame: pd.DataFrame, name: str) -> RawTable:
    """A DataFrame or GeoDataFrame in memory as a :class:`RawTable`, for :func:`layout.from_frames`.

    A GeoDataFrame keeps its geometry and CRS (a vector layer); a plain DataFrame is a table whose points come
    from lon/lat columns. A named index (``village_id`` of a County's own frames) becomes a column. Text cells
    are cleaned as in files. Rows are numbered by position, as ``frame.iloc[row]``.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
    name : str
        How problems name the frame (e.g. ``"villages frame"``).

    Returns
    -------
    RawTable

    Raises
    ------
    TypeError
        When ``frame`` is not a DataFrame.
    LayoutInputError
        When it has no rows.

    Example
    -------
    >>> import pandas as pd
    >>> t = table_from_frame(pd.DataFrame({"村名": ["甲村"], "经度": [105.1]}), "villages frame")
    >>> t.path.name, t.is_vector, t.rows
    ('villages frame', False, [0])
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a DataFrame or GeoDataFrame, not {type(frame).__name__}")
    is_vector = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    out = frame.copy()
    if is_vector and out.geometry.name != "geometry":
        out = out.rename_geometry("geometry")
    if out.index.name is not None or any(n is not None for n in out.index.names):
        out = out.reset_index()
    else:
        out = out.reset_index(drop=True)
    if not is_vector:
        out = pd.DataFrame(out)
    out.columns = [clean_text(str(c).replace("\ufeff", "")).strip() for c in out.columns]
    table = RawTable(Path(name), out, list(range(len(out))), is_vector)
    _clean_cells(table.frame)
    if len(table.frame) == 0:
        raise LayoutInputError([Problem(name, "the frame has no rows", fix="pass the rows, or leave the layer out")])
    return table
