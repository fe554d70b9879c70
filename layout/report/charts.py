"""Report charts drawn with matplotlib (Agg) into inline SVG whose text stays text.

Labels are always in the report's language. The SVG names a list of CJK fonts (:data:`CJK_FAMILIES`, then
``sans-serif``) for the browser to draw the text with, so a Chinese chart reads the same on a machine with no CJK
font for matplotlib: matplotlib only measures the text (with an installed CJK font when there is one) and its
"glyph missing" warnings are not raised for text it does not draw.
"""

from __future__ import annotations

import io
import re
import warnings
from contextlib import contextmanager
from functools import cache

import numpy as np
import pandas as pd

from layout.i18n import DEFAULT_LANG
from layout.i18n import t as _t
from layout.maps.labels import t
from layout.schema import BANDS

__all__ = ["cjk_font", "chart_style", "trip_chart", "enrolment_chart", "CJK_FAMILIES"]

#: The font families every chart's text names, in order (a browser takes the first it has).
CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei",
                "SimHei", "Noto Sans SC", "Heiti SC")

_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "AR PL UMing CN",
)
_CJK_FILES = ("notosanscjk", "notoserifcjk", "sourcehansans", "wqy", "msyh", "simhei", "pingfang", "uming")


@cache
def cjk_font() -> str | None:
    """The name of an installed font that has Chinese glyphs (matplotlib measures the text with it), or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    found = next((n for n in _CJK_FONTS if n in names), None)
    if found is None:  # installed after matplotlib built its font cache: register the files directly
        for path in font_manager.findSystemFonts():
            if any(k in path.lower() for k in _CJK_FILES):
                try:
                    font_manager.fontManager.addfont(path)
                except (OSError, RuntimeError, ValueError):
                    continue
        names = {f.name for f in font_manager.fontManager.ttflist}
        found = next((n for n in _CJK_FONTS if n in names), None)
    return found


def _figure(width: float = 7.0, height: float = 3.2):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=100)


_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def _svg(fig) -> str:
    buf = io.StringIO()
    import matplotlib

    with matplotlib.rc_context({"svg.hashsalt": "layout"}):   # the same SVG ids on every run
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.find("<svg") :]  # drop the XML prolog and DOCTYPE (which names an external DTD)
    return _METADATA.sub("", text, count=1)


@contextmanager
def chart_style():
    """matplotlib settings of every chart: text kept as text in SVG, the CJK family list, no glyph warnings.

    Example
    -------
    >>> with chart_style():
    ...     import matplotlib
    ...     matplotlib.rcParams["svg.fonttype"]
    'none'
    """
    import matplotlib

    found = cjk_font()
    families = list(dict.fromkeys([*([found] if found else []), *CJK_FAMILIES, "DejaVu Sans"]))
    rc = {"svg.fonttype": "none", "axes.unicode_minus": False, "font.family": ["sans-serif"],
          "font.sans-serif": families}
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        # Without a CJK font matplotlib measures Chinese text with DejaVu Sans and says each glyph is missing; the
        # SVG keeps the text and the browser draws it, so the warning is noise.
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        yield


def _trip_shares(evaluation, bins: list[float]) -> pd.DataFrame:
    a = evaluation.allocation.assignments
    u = evaluation.allocation.unserved
    edges = [0.0, *bins, np.inf]
    rows = {}
    for b in BANDS:
        part = a[(a["band"] == b) & (a["mode"] != "board")]
        counts = np.histogram(
            part["minutes"].to_numpy(float), bins=edges, weights=part["children"].to_numpy(float)
        )[0]
        board = float(a[(a["band"] == b) & (a["mode"] == "board")]["children"].sum())
        unserved = float(u[u["band"] == b]["children"].sum()) if len(u) else 0.0
        rows[b] = [*counts, board, unserved]
    return pd.DataFrame(rows).T


def trip_chart(evaluation, baseline=None, lang: str = DEFAULT_LANG) -> str:
    """Children by one-way trip time (bins from the standards), boarders and unserved, per band; the status quo
    beside the plan when ``baseline`` is given. Returns inline SVG."""
    bins = (
        list(evaluation.allocation.plan.standards.get("travel.report_bins_minutes", [15, 30, 45]))
        if hasattr(evaluation.allocation.plan, "standards")
        else [15, 30, 45]
    )
    labels = (
        [f"0–{bins[0]:g}"]
        + [f"{a:g}–{b:g}" for a, b in zip(bins[:-1], bins[1:], strict=True)]
        + [f">{bins[-1]:g}", _t("chart.board", lang), _t("chart.unserved", lang)]
    )
    colours = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#4575b4", "#67001f"][: len(labels)]
    series = [(_t("chart.proposal", lang), _trip_shares(evaluation, bins))]
    if baseline is not None:
        series.insert(0, (_t("chart.status_quo", lang), _trip_shares(baseline, bins)))
    with chart_style():
        fig = _figure(7.5, 3.0 + 0.4 * len(series))
        ax = fig.subplots()
        ylabels, y = [], 0
        for name, frame in series:
            for b in BANDS:
                left = 0.0
                for j, v in enumerate(frame.loc[b]):
                    ax.barh(
                        y,
                        v,
                        left=left,
                        color=colours[j],
                        edgecolor="white",
                        linewidth=0.5,
                        label=labels[j] if y == 0 else None,
                    )
                    left += v
                ylabels.append(f"{t(b, lang)} · {name}" if baseline is not None else t(b, lang))
                y += 1
        ax.set_yticks(range(len(ylabels)), ylabels)
        ax.invert_yaxis()
        ax.set_xlabel(_t("chart.children", lang))
        ax.set_title(_t("chart.trip_title", lang))
        ax.legend(
            ncols=min(6, len(labels)),
            fontsize=8,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            frameon=False,
        )
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)


def enrolment_chart(evaluation, actions: pd.Series, lang: str = DEFAULT_LANG, limit: int = 30) -> str | None:
    """Enrolment now vs under the plan for the schools the plan changes (at most ``limit``). SVG, or None when
    nothing changes."""
    s = evaluation.schools
    changed = actions[actions != "keep"].index
    receiving = s.index[(s["enrolment"] - s["enrolment_now"]).abs() > 0]
    ids = [i for i in s.index if i in set(changed) | set(receiving)][:limit]
    if not ids:
        return None
    part = s.loc[ids]
    names = [n.replace("$", r"\$") for n in part["name"].astype(str)]  # no mathtext from data
    with chart_style():
        fig = _figure(7.5, 1.2 + 0.28 * len(ids))
        ax = fig.subplots()
        y = np.arange(len(ids))
        ax.barh(
            y - 0.2,
            part["enrolment_now"].astype(float),
            height=0.4,
            color="#9ecae1",
            label=_t("chart.enrolment_now", lang),
        )
        ax.barh(
            y + 0.2, part["enrolment"].astype(float), height=0.4, color="#08519c", label=_t("chart.enrolment", lang)
        )
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.legend(fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)
