"""The report's tables as an Excel workbook (Chinese sheet names and headers when ``lang="zh"``), written
atomically. Text that Excel would read as a formula (``=``, ``+``, ``-``, ``@`` first) is stored as text."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layout.io.safe_tables import write_xlsx

__all__ = ["write_workbook"]


def write_workbook(sheets: dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write ``{sheet name: table}`` to an .xlsx file atomically, through the shared safe table writer
    (:func:`layout.io.safe_tables.write_xlsx`: no cell is ever a formula, names are cleaned).

    Parameters
    ----------
    sheets : dict of str -> DataFrame
        Sheet names are cut to Excel's 31 characters.
    path : str or Path

    Returns
    -------
    Path
    """
    return write_xlsx(sheets, path)
