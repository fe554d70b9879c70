"""The trade-off frontier as a picture (PNG, or SVG with its text kept as text): schools open against travel,
annual cost and primary balance, the chosen plan starred. The frontier itself is computed by
:func:`layout.recommend.trade_off_frontier`; this module only draws it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from layout.i18n import DEFAULT_LANG, t
from layout.report.charts import chart_style

__all__ = ["plot_frontier", "write_frontier_charts"]


def plot_frontier(frame: pd.DataFrame, path, lang: str = DEFAULT_LANG, *also) -> Path:
    """Save the frontier as a picture (PNG, or SVG with its text kept as text when the path ends in ``.svg``):
    schools open vs mean/worst travel, annual cost and primary CV (the chosen row starred), labelled in ``lang``.

    Parameters
    ----------
    frame : DataFrame
        :attr:`Recommendation.frontier`.
    path : str or Path
    lang : {"zh", "en"}
    *also : str or Path
        More files to save the same drawing to (e.g. the SVG beside the PNG), drawn once.

    Returns
    -------
    Path
        ``path``.
    """
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    labels = {k: t(f"chart.frontier_{k}", lang) for k in ("x", "travel", "mean", "worst", "cost", "cv")}
    with chart_style():
        fig = Figure(figsize=(12, 3.4))
        _draw(frame, labels, fig)
        with rc_context({"svg.hashsalt": "layout"}):   # the same SVG ids on every run
            for target in (path, *also):
                svg = str(target).lower().endswith(".svg")
                fig.savefig(target, dpi=110, format="svg" if svg else "png",
                            metadata={"Date": None} if svg else None)
    return Path(path)


def _draw(frame, labels, fig) -> None:
    axes = fig.subplots(1, 3)
    x = frame["schools_open"]
    axes[0].plot(x, frame["mean_minutes"], "o-", label=labels["mean"])
    axes[0].plot(x, frame["worst_minutes"], "s--", label=labels["worst"])
    axes[0].set_ylabel(labels["travel"])
    axes[0].legend()
    axes[1].plot(x, frame["annual_cost"] / 1e4, "o-")
    axes[1].set_ylabel(labels["cost"])
    axes[2].plot(x, frame["primary_mean_cv"], "o-")
    axes[2].set_ylabel(labels["cv"])
    chosen = frame[frame["chosen"]]
    for ax, col, scale in ((axes[0], "mean_minutes", 1), (axes[1], "annual_cost", 1e4), (axes[2], "primary_mean_cv", 1)):
        ax.set_xlabel(labels["x"])
        if len(chosen):
            ax.plot(chosen["schools_open"], chosen[col] / scale, "*", markersize=14, color="crimson")
    fig.tight_layout()


def write_frontier_charts(frame: pd.DataFrame, out_dir, lang: str = DEFAULT_LANG) -> dict[str, Path]:
    """Write ``frontier.png`` and ``frontier.svg`` into ``out_dir`` atomically (nothing when the frame is empty).

    Parameters
    ----------
    frame : DataFrame
        :attr:`Recommendation.frontier`.
    out_dir : str or Path
    lang : {"zh", "en"}

    Returns
    -------
    dict
        ``{"frontier_plot": Path, "frontier_svg": Path}`` (empty when there is no frontier).

    Example
    -------
    >>> import tempfile
    >>> frame = pd.DataFrame({"schools_open": [3, 5], "mean_minutes": [20.0, 12.0], "worst_minutes": [40, 25],
    ...                       "annual_cost": [9e6, 1.1e7], "primary_mean_cv": [0.3, 0.4], "chosen": [True, False]})
    >>> sorted(p.name for p in write_frontier_charts(frame, tempfile.mkdtemp(), "en").values())
    ['frontier.png', 'frontier.svg']
    """
    from layout.io.write import atomic_write_bytes

    out = Path(out_dir)
    if frame is None or not len(frame):
        return {}
    out.mkdir(parents=True, exist_ok=True)
    tmp = {suffix: out / f".frontier.tmp.{suffix}" for suffix in ("png", "svg")}
    try:
        plot_frontier(frame, tmp["png"], lang, tmp["svg"])
        paths = {key: atomic_write_bytes(out / f"frontier.{suffix}", tmp[suffix].read_bytes())
                 for key, suffix in (("frontier_plot", "png"), ("frontier_svg", "svg"))}
    finally:
        for p in tmp.values():
            p.unlink(missing_ok=True)
    return paths
