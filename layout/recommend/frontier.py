"""The trade-off frontier: what each further closure costs children, money and balance.

Rows come from the verified closure sequence cut at several closure limits ``k`` (0 = status quo with the
boarding the county needs, up to every verified closure); each cut is rebuilt (expansions and boarding
recomputed for it) and evaluated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.evaluate import evaluate
from layout.recommend.verify import build_plan, new_hard_violations

__all__ = ["trade_off_frontier", "pick_from_frontier", "plot_frontier", "FRONTIER_COLUMNS"]

FRONTIER_COLUMNS = ["closures", "schools_open", "mean_minutes", "worst_minutes", "g1_3_mean_minutes",
                    "g1_3_max_minutes", "annual_cost", "capital_cost", "primary_mean_cv", "middle_mean_cv",
                    "students_unserved", "new_hard_violations", "chosen"]


def _row(k: int, ev, base) -> dict:
    a = ev.allocation.assignments
    w = a["children"].to_numpy(float)
    minutes = a["minutes"].to_numpy(float)
    day = a["mode"] != "board"
    new, unserved = new_hard_violations(ev, base)
    m = ev.summary_metrics()
    return {
        "closures": k,
        "schools_open": m["schools_open"],
        "mean_minutes": float(np.average(minutes[day], weights=w[day])) if w[day].sum() else np.nan,
        "worst_minutes": float(minutes[day].max()) if day.any() else np.nan,
        "g1_3_mean_minutes": m["g1_3_mean_minutes"], "g1_3_max_minutes": m["g1_3_max_minutes"],
        "annual_cost": m["annual_cost"], "capital_cost": m["capital_cost"],
        "primary_mean_cv": m["balance_primary_mean_cv"], "middle_mean_cv": m["balance_middle_mean_cv"],
        "students_unserved": m["students_unserved"],
        "new_hard_violations": len(new) + int(unserved.sum()),
        "chosen": False,
    }


def _cuts(n: int, points: int) -> list[int]:
    if n == 0:
        return [0]
    return sorted({int(round(x)) for x in np.linspace(0, n, max(2, min(points, n + 1)))})


def trade_off_frontier(county, travel, moves, demand, baseline, final_ev, std, opens: tuple = ()):
    """Evaluate the closure sequence at several closure limits.

    Returns
    -------
    frame : DataFrame
        One row per closure limit (columns :data:`FRONTIER_COLUMNS`), sorted by ``closures``.
    built : dict
        ``k -> (plan, boarding sites, expansions, evaluation)`` for each row.
    """
    active = [m for m in moves if m.active]
    n = len(active)
    points = int(std.get("recommend.frontier_points"))
    rows, built = [], {}
    for k in _cuts(n, points):
        plan, sites, exp = build_plan(county, travel, active[:k], demand, {}, opens=opens)
        # the full sequence is the verified plan already evaluated (its repairs may have added classrooms)
        ev = final_ev if k == n else evaluate(county, plan, travel, std)
        if k == n:
            plan = final_ev.allocation.plan
        built[k] = (plan, sites, exp, ev)
        rows.append(_row(k, ev, baseline))
    return pd.DataFrame(rows, columns=FRONTIER_COLUMNS), built


def pick_from_frontier(frame: pd.DataFrame, goal: str) -> int | None:
    """The closure limit the goal prefers among rows that break no hard rule (None: keep the full sequence).

    ``least_cost`` takes the lowest annual cost, ``best_balance`` the lowest primary mean CV; ties go to more
    closures for cost and to fewer for balance.
    """
    ok = frame[frame["new_hard_violations"] == 0]
    if ok.empty or goal in ("fewest_schools", "least_travel"):
        return None
    if goal == "least_cost":
        best = ok.sort_values(["annual_cost", "closures"], ascending=[True, False], kind="stable")
    else:
        if ok["primary_mean_cv"].isna().all():   # no resource data: balance cannot rank the rows
            return None
        best = ok.assign(cv=ok["primary_mean_cv"].astype(float).fillna(np.inf)).sort_values(["cv", "closures"], kind="stable")
    return int(best.iloc[0]["closures"])


def plot_frontier(frame: pd.DataFrame, path, lang: str = "en"):
    """Save the frontier as a PNG: schools merged or downgraded vs mean/worst travel, annual cost and primary CV
    (the chosen row starred)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    font = None
    if lang == "zh":
        try:   # the report's finder of an installed CJK font (English labels when there is none)
            from layout.report.charts import cjk_font

            font = cjk_font()
        except ImportError:
            font = None
    zh = font is not None
    labels = {
        "x": "撤并或改为教学点的学校数" if zh else "schools merged or downgraded",
        "t": "通行时间(分钟)" if zh else "travel (minutes)",
        "mean": "平均" if zh else "mean",
        "worst": "最远" if zh else "worst",
        "cost": "年度成本(万元)" if zh else "annual cost (10k yuan)",
        "cv": "小学平均差异系数" if zh else "primary mean CV",
    }
    rc = {"font.family": "sans-serif", "font.sans-serif": [font, "DejaVu Sans"]} if zh else {}
    with plt.rc_context(rc):
        return _draw(frame, path, labels, plt)


def _draw(frame: pd.DataFrame, path, labels: dict, plt):
    from matplotlib.ticker import MaxNLocator

    f = frame.sort_values("closures")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6))
    x = f["closures"]
    axes[0].plot(x, f["mean_minutes"], "o-", label=labels["mean"])
    axes[0].plot(x, f["worst_minutes"], "s--", label=labels["worst"])
    axes[0].set_ylabel(labels["t"])
    axes[0].legend()
    axes[1].plot(x, f["annual_cost"] / 1e4, "o-", color="tab:green")
    axes[1].set_ylabel(labels["cost"])
    axes[2].plot(x, f["primary_mean_cv"], "o-", color="tab:purple")
    axes[2].set_ylabel(labels["cv"])
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel(labels["x"])
        ax.grid(alpha=0.3)
    chosen = f[f["chosen"]]
    for ax, col, scale in ((axes[0], "mean_minutes", 1), (axes[1], "annual_cost", 1e4), (axes[2], "primary_mean_cv", 1)):
        if len(chosen):
            ax.plot(chosen["closures"], chosen[col] / scale, "*", color="red", markersize=14)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
