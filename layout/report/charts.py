"""Report charts drawn with matplotlib (Agg) into inline SVG, with a CJK-capable font when one is installed."""

from __future__ import annotations

import io
from functools import cache

import numpy as np
import pandas as pd

from layout.maps.labels import t
from layout.schema import BANDS

__all__ = ["cjk_font", "trip_chart", "enrolment_chart"]

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
    """The name of an installed font that has Chinese glyphs, or None (charts then use English labels)."""
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


def _has_cjk(text: str) -> bool:
    return any("\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def _figure(width: float = 7.0, height: float = 3.2):
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    return fig


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    text = buf.getvalue()
    return text[text.find("<svg") :]  # drop the XML prolog and DOCTYPE (which names an external DTD)


def _lang_for_chart(lang: str) -> str:
    return lang if lang == "en" or cjk_font() else "en"


def _font_rc():
    import matplotlib

    font = cjk_font()
    rc = {"svg.fonttype": "path", "axes.unicode_minus": False}
    if font:
        rc["font.family"] = [font, "DejaVu Sans"]
    return matplotlib.rc_context(rc)


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


def trip_chart(evaluation, baseline=None, lang: str = "zh") -> str:
    """Children by one-way trip time (bins from the standards), boarders and unserved, per band; the status quo
    beside the plan when ``baseline`` is given. Returns inline SVG."""
    lang = _lang_for_chart(lang)
    bins = (
        list(evaluation.allocation.plan.standards.get("travel.report_bins_minutes", [15, 30, 45]))
        if hasattr(evaluation.allocation.plan, "standards")
        else [15, 30, 45]
    )
    labels = (
        [f"0–{bins[0]:g}"]
        + [f"{a:g}–{b:g}" for a, b in zip(bins[:-1], bins[1:], strict=True)]
        + [f">{bins[-1]:g}", t("board", lang), t("unserved", lang)]
    )
    colours = ["#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#4575b4", "#67001f"][: len(labels)]
    series = [(t("proposal", lang), _trip_shares(evaluation, bins))]
    if baseline is not None:
        series.insert(0, (t("status_quo", lang), _trip_shares(baseline, bins)))
    with _font_rc():
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
        ax.set_xlabel(t("children", lang))
        ax.set_title(t("village_colour", lang))
        ax.legend(
            ncols=min(6, len(labels)),
            fontsize=8,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.22),
            frameon=False,
        )
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)


def enrolment_chart(evaluation, actions: pd.Series, lang: str = "zh", limit: int = 30) -> str | None:
    """Enrolment now vs under the plan for the schools the plan changes (at most ``limit``). SVG, or None when
    nothing changes."""
    lang = _lang_for_chart(lang)
    s = evaluation.schools
    changed = actions[actions != "keep"].index
    receiving = s.index[(s["enrolment"] - s["enrolment_now"]).abs() > 0]
    ids = [i for i in s.index if i in set(changed) | set(receiving)][:limit]
    if not ids:
        return None
    part = s.loc[ids]
    names = [n.replace("$", r"\$") for n in part["name"].astype(str)]  # no mathtext from data
    if cjk_font() is None:  # no font to draw Chinese names: show the school ids instead of empty boxes
        names = [str(i) if _has_cjk(n) else n for i, n in zip(ids, names, strict=True)]
    with _font_rc():
        fig = _figure(7.5, 1.2 + 0.28 * len(ids))
        ax = fig.subplots()
        y = np.arange(len(ids))
        ax.barh(
            y - 0.2,
            part["enrolment_now"].astype(float),
            height=0.4,
            color="#9ecae1",
            label=t("enrolment_now", lang),
        )
        ax.barh(
            y + 0.2, part["enrolment"].astype(float), height=0.4, color="#08519c", label=t("enrolment", lang)
        )
        ax.set_yticks(y, names, fontsize=8)
        ax.invert_yaxis()
        ax.legend(fontsize=8, frameon=False)
        ax.spines[["top", "right"]].set_visible(False)
        return _svg(fig)
