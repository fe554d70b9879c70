"""The report's tables as an Excel workbook (Chinese sheet names and headers when ``lang="zh"``), written
atomically. Text that Excel would read as a formula (``=``, ``+``, ``-``, ``@`` first) is stored as text."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from layout.io.write import atomic_path

__all__ = ["write_workbook"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _plain(value: object) -> object:
    if value is None:
        return None
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (int, float, bool, str)):
        return value
    return str(value)


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write ``{sheet name: table}`` to an .xlsx file atomically.

    Parameters
    ----------
    sheets : dict of str -> DataFrame
        Sheet names are cut to Excel's 31 characters.
    path : str or Path

    Returns
    -------
    Path
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    path = Path(path)
    wb = Workbook()
    wb.remove(wb.active)
    for name, frame in sheets.items():
        safe = "".join("_" if ch in "[]:*?/\\" else ch for ch in str(name))[:31] or "sheet"
        ws = wb.create_sheet(safe)
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDE6F0")
        for row in frame.itertuples(index=False):
            ws.append([_plain(v) for v in row])
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(_FORMULA_START):
                    cell.data_type = "s"  # data, never a formula
        ws.freeze_panes = "A2"
        for i, col in enumerate(frame.columns, start=1):
            width = (
                max([len(str(col))] + [len(str(v)) for v in frame.iloc[:200, i - 1]])
                if len(frame)
                else len(str(col))
            )
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, width * 1.6 + 2))
    if not wb.sheetnames:
        wb.create_sheet("empty")
    with atomic_path(path) as tmp:
        wb.save(tmp)
    return path
