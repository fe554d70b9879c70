"""The one writer of every table ``layout`` hands to a spreadsheet: CSV and Excel files that never run a formula.

A cell whose text starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is read by
Excel, WPS and LibreOffice as a formula: a school named ``=HYPERLINK("http://…","点击")`` or
``=cmd|' /C calc'!A0`` in a bureau's file would become a live link or a DDE command in the committee's copy of
the results. In CSV, :func:`safe_cell` neutralises such text with a leading apostrophe (the spreadsheet convention
for "this is text"); in .xlsx the cell is stored as text with Excel's quote prefix. Both remove control characters and bidi overrides (:func:`layout.io.safe_text.clean_text`).
Numbers stay numbers.

Used by ``layout.batch.tables`` (batch xlsx/csv), ``layout.report.workbook`` (report.xlsx), the plan command's
CSVs, and meant for every new table: call :func:`safe_csv_text` where code would call ``frame.to_csv()``.

Example
-------
>>> import pandas as pd
>>> df = pd.DataFrame({"name": ["=1+2", "甲村", "-x", "@SUM(A1)"], "pupils": [-3, 5, 0, 1]})
>>> print(safe_csv_text(df), end="")
name,pupils
'=1+2,-3
甲村,5
'-x,0
'@SUM(A1),1
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from layout.io.safe_text import clean_text

__all__ = ["safe_cell", "safe_frame", "safe_csv_text", "write_csv", "xlsx_bytes", "write_xlsx", "FORMULA_START"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell value safe for a spreadsheet: text cleaned and, if it would start a formula, prefixed with ``'``.

    Example
    -------
    >>> safe_cell("=cmd|' /C calc'!A0"), safe_cell("\\t=1"), safe_cell(-4), safe_cell("S\\u202e12")
    ("'=cmd|' /C calc'!A0", "'=1", -4, 'S12')
    """
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    if value.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text.lstrip()
    return text


def safe_frame(frame: pd.DataFrame, *, index: bool = False) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell (and header) passed through :func:`safe_cell`."""
    out = frame.reset_index() if index else frame.copy()
    out.columns = [safe_cell(str(c)) if isinstance(c, str) else c for c in out.columns]
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(safe_cell)
    return out


def safe_csv_text(frame: pd.DataFrame, *, index: bool = False) -> str:
    """``frame.to_csv(index=...)`` with every cell made safe (drop-in for writers of CSV outputs)."""
    return safe_frame(frame, index=index).to_csv(index=False)


def write_csv(frame: pd.DataFrame, path: str | Path, *, index: bool = False, excel_bom: bool = True) -> Path:
    """Write a safe CSV atomically; UTF-8 with a byte-order mark (so Excel/WPS read Chinese text) by default."""
    from layout.io.write import atomic_write_bytes

    data = safe_csv_text(frame, index=index).encode("utf-8-sig" if excel_bom else "utf-8")
    return atomic_write_bytes(path, data)


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return clean_text(str(value))
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, bool | int | float):
        return value
    return clean_text(value if isinstance(value, str) else str(value))


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame], *, styled: bool = True) -> bytes:
    """An .xlsx workbook of ``{sheet name: table}`` as bytes, every cell safe and stored as data (never a formula).

    Text is kept as written (cleaned of control characters); text that would start a formula is stored as a
    string cell with Excel's quote prefix, so it shows as written and is never evaluated.

    Parameters
    ----------
    sheets : mapping of str -> DataFrame
        Sheet names are cleaned and cut to Excel's 31 characters.
    styled : bool
        Bold shaded header row, frozen, column widths from the contents.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for name, frame in sheets.items():
        safe = "".join("_" if ch in "[]:*?/\\'" else ch for ch in clean_text(str(name)))[:31] or "sheet"
        while safe in used:
            safe = (safe[:29] + f"_{len(used)}")[:31]
        used.add(safe)
        ws = wb.create_sheet(safe)
        ws.append([_plain(str(c)) for c in frame.columns])
        for row in frame.itertuples(index=False):
            ws.append([_plain(v) for v in row])
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f" or (isinstance(cell.value, str)
                                             and cell.value.lstrip().startswith(FORMULA_START)):
                    cell.data_type = "s"      # data, never a formula ...
                    cell.quotePrefix = True   # ... not even when someone edits the cell later
        if styled:
            for cell in ws[1]:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="DDE6F0")
            ws.freeze_panes = "A2"
            for i, col in enumerate(frame.columns, start=1):
                width = (max([len(str(col))] + [len(str(v)) for v in frame.iloc[:200, i - 1]]) if len(frame)
                         else len(str(col)))
                ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width * 1.6 + 2))
    if not wb.sheetnames:
        wb.create_sheet("empty")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_xlsx(sheets: Mapping[str, pd.DataFrame], path: str | Path, *, styled: bool = True) -> Path:
    """Write :func:`xlsx_bytes` to ``path`` atomically."""
    from layout.io.write import atomic_write_bytes

    return atomic_write_bytes(path, xlsx_bytes(sheets, styled=styled))
