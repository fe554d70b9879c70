"""Write the batch table as Excel or CSV, atomically, with English or Chinese headers."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layout.errors import LayoutInputError, Problem
from layout.io.safe_tables import safe_csv_text, xlsx_bytes

__all__ = ["COLUMN_LABELS", "labelled", "write_table"]

# column -> (zh, en)
COLUMN_LABELS: dict[str, tuple[str, str]] = {
    "county": ("县", "county"),
    "proposal": ("方案", "proposal"),
    "file": ("方案文件", "file"),
    "status": ("状态", "status"),
    "error": ("错误", "error"),
    "schools_open": ("保留学校数", "schools open"),
    "schools_closed": ("撤并学校数", "schools closed"),
    "schools_new": ("新建学校数", "new schools"),
    "students_total": ("学生总数", "children"),
    "students_assigned": ("已安置学生", "children placed"),
    "students_unserved": ("未安置学生", "children unserved"),
    "students_conserved": ("学生数守恒", "children conserved"),
    "boarders": ("寄宿生", "boarders"),
    "bus_riders": ("乘校车学生", "bus riders"),
    "mean_minutes": ("平均单程(分钟)", "mean trip (min)"),
    "g1_3_mean_minutes": ("1-3年级平均单程(分钟)", "grades 1-3 mean trip (min)"),
    "g1_3_p90_minutes": ("1-3年级90%单程(分钟)", "grades 1-3 p90 trip (min)"),
    "g1_3_max_minutes": ("1-3年级最长单程(分钟)", "grades 1-3 longest trip (min)"),
    "g4_6_mean_minutes": ("4-6年级平均单程(分钟)", "grades 4-6 mean trip (min)"),
    "g4_6_p90_minutes": ("4-6年级90%单程(分钟)", "grades 4-6 p90 trip (min)"),
    "g4_6_max_minutes": ("4-6年级最长单程(分钟)", "grades 4-6 longest trip (min)"),
    "g7_9_mean_minutes": ("7-9年级平均单程(分钟)", "grades 7-9 mean trip (min)"),
    "g7_9_p90_minutes": ("7-9年级90%单程(分钟)", "grades 7-9 p90 trip (min)"),
    "g7_9_max_minutes": ("7-9年级最长单程(分钟)", "grades 7-9 longest trip (min)"),
    "g1_3_within_30min": ("1-3年级30分钟内占比", "grades 1-3 within 30 min (share)"),
    "annual_cost": ("年度运行费用(元)", "annual cost (yuan)"),
    "capital_cost": ("建设投入(元)", "capital cost (yuan)"),
    "balance_primary_pass": ("小学优质均衡达标", "primary balance pass"),
    "balance_middle_pass": ("初中优质均衡达标", "middle balance pass"),
    "balance_pass": ("优质均衡达标", "balance pass"),
    "balance_primary_mean_cv": ("小学差异系数均值", "primary mean CV"),
    "balance_middle_mean_cv": ("初中差异系数均值", "middle mean CV"),
    "violations_hard": ("违反硬性规定", "hard violations"),
    "violations_soft": ("未达标准", "soft violations"),
    "violations_confirm": ("待人工确认", "to confirm"),
    "small_schools": ("小规模学校", "small schools"),
    "oversized_class_schools": ("大班额学校", "schools with oversized classes"),
    "gini_travel": ("行程基尼系数", "travel Gini"),
    "travel_estimated": ("行程为直线估算", "travel estimated"),
    "pareto": ("帕累托最优", "Pareto-optimal"),
    "rank": ("排名", "rank"),
}


def labelled(table: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """The table with headers in ``lang`` (``en`` keeps the column names, ``zh`` uses Chinese labels)."""
    if lang == "en":
        return table.copy()
    if lang != "zh":
        raise ValueError(f"unknown language {lang!r}; use 'zh' or 'en'")
    return table.rename(columns={c: COLUMN_LABELS[c][0] for c in table.columns if c in COLUMN_LABELS})


def write_table(result, path: str | Path, lang: str = "en") -> Path:
    """Write a batch table (or :class:`~layout.batch.BatchResult`) to ``.xlsx`` or ``.csv``, atomically.

    CSV is UTF-8 with a byte-order mark so Excel and WPS open Chinese text correctly. The Excel file has a
    ``proposals`` sheet (every row) and an ``errors`` sheet when some proposals failed.

    Parameters
    ----------
    result : BatchResult or DataFrame
    path : path ending in .xlsx or .csv
    lang : {"en", "zh"}
        Header language.

    Returns
    -------
    Path

    Example
    -------
    >>> write_table(result, "out/results.xlsx", lang="zh")   # doctest: +SKIP
    """
    from layout.io.write import atomic_write_bytes

    table = result.table if hasattr(result, "table") else result
    path = Path(path)
    suffix = path.suffix.lower()
    shown = labelled(table, lang)
    if suffix == ".csv":   # every cell through the shared safe writer: no formula, no control characters
        data = safe_csv_text(shown).encode("utf-8-sig")
    elif suffix == ".xlsx":
        sheets = {"proposals": shown}
        bad = table[table["status"] != "ok"]
        if len(bad):
            sheets["errors"] = labelled(bad[["county", "proposal", "file", "status", "error"]], lang)
        data = xlsx_bytes(sheets)
    else:
        raise LayoutInputError([Problem(str(path), "unsupported output format", value=path.suffix or "(none)",
                                        fix="end the output name in .xlsx or .csv")])
    return atomic_write_bytes(path, data)
