"""Write the batch table as Excel or CSV, atomically, with English or Chinese headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.i18n import DEFAULT_LANG, catalogue, check_lang, t, term
from layout.io.safe_tables import safe_csv_text, xlsx_bytes

__all__ = ["COLUMN_LABELS", "labelled", "write_table"]

# column -> (zh, en), from the catalogue's ``batch.column.*``
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    key.rsplit(".", 1)[1]: (entry["zh"], entry["en"]) for key, entry in catalogue().items()
    if key.startswith("batch.column.")}


def labelled(table: pd.DataFrame, lang: str = DEFAULT_LANG) -> pd.DataFrame:
    """The table with headers in ``lang`` (``en`` keeps the column names, ``zh`` uses Chinese labels), its
    statuses in ``lang`` too."""
    check_lang(lang)
    if lang == "en":
        return table.copy()
    out = table.copy()
    if "status" in out:
        out["status"] = [term("batch.status", s, lang) for s in out["status"]]
    return out.rename(columns={c: COLUMN_LABELS[c][0] for c in out.columns if c in COLUMN_LABELS})


def write_table(result, path: str | Path, lang: str = DEFAULT_LANG) -> Path:
    """Write a batch table (or :class:`~layout.batch.BatchResult`) to ``.xlsx`` or ``.csv``, atomically.

    CSV is UTF-8 with a byte-order mark so Excel and WPS open Chinese text correctly. The Excel file has a
    ``proposals`` sheet (every row) and an ``errors`` sheet when some proposals failed.

    Parameters
    ----------
    result : BatchResult or DataFrame
    path : path ending in .xlsx or .csv
    lang : {"zh", "en"}
        Language of the headers, statuses and sheet names.

    Returns
    -------
    Path

    Example
    -------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"proposal": ["A"], "status": ["ok"], "schools_open": [26]})
    >>> path = write_table(table, "out/results.xlsx", lang="zh")
    >>> pd.read_excel(path).columns.tolist(), pd.read_excel(path).loc[0, "状态"]
    (['方案', '状态', '保留学校数'], '完成')
    """
    from layout.io.write import atomic_write_bytes

    table = result.table if hasattr(result, "table") else result
    path = Path(path)
    suffix = path.suffix.lower()
    shown = labelled(table, lang)
    if suffix == ".csv":   # every cell through the shared safe writer: no formula, no control characters
        data = safe_csv_text(shown).encode("utf-8-sig")
    elif suffix == ".xlsx":
        sheets = {t("sheet.proposals", lang): shown}
        bad = table[table["status"] != "ok"]
        if len(bad):
            sheets[t("sheet.errors", lang)] = labelled(bad[["county", "proposal", "file", "status", "error"]], lang)
        data = xlsx_bytes(sheets)
    else:
        raise LayoutInputError([Problem(str(path), "unsupported output format", value=path.suffix or "(none)",
                                        fix="end the output name in .xlsx or .csv")])
    return atomic_write_bytes(path, data)
