"""The county summary a planner checks first: counts of villages, children, schools, seats and beds."""

from __future__ import annotations

import pandas as pd

from layout.i18n import display_width, label, pad
from layout.schema import BANDS, KINDS

__all__ = ["county_summary", "format_summary"]


def county_summary(county) -> dict:
    """Key counts of a county, overall and per township.

    Parameters
    ----------
    county : County

    Returns
    -------
    dict
        ``villages``, ``population``, ``children`` (per band and total), ``schools`` (total), ``schools_by_kind``,
        ``small_schools`` (``under_100`` and ``under_50``: village primaries and teaching points, the national
        小规模学校 definition), ``enrolment``, ``seats``, ``beds``, ``roads_km``, ``townships`` and
        ``by_township`` (a DataFrame), ``notes``.

    Example
    -------
    >>> from layout.datasets import make_county
    >>> s = county_summary(make_county(n_villages=40, seed=3))
    >>> s["villages"]
    40
    """
    v, s, std = county.villages, county.schools, county.standards
    rural_small = s[s["kind"].isin(["teaching_point", "primary"])]
    children = {b: int(v[b].sum()) for b in BANDS}
    children["total"] = sum(children.values())
    town = (v.groupby("township")[list(BANDS)].sum().astype(int)
            .join(v.groupby("township").size().rename("villages"), how="outer"))
    town = town.join(s.groupby("township").agg(schools=("kind", "size"), enrolment=("enrolment", "sum"),
                                               seats=("seats", "sum"), beds=("beds", "sum")), how="outer")
    town = town.fillna(0).astype(int)
    town = town[["villages", *BANDS, "schools", "enrolment", "seats", "beds"]].sort_index()
    town.index.name = "township"
    return {
        "name": county.name,
        "crs": county.crs.to_string() if county.crs else None,
        "source_crs": county.source_crs,
        "villages": len(v),
        "population": int(v["population"].sum(skipna=True)) if "population" in v else None,
        "children": children,
        "schools": len(s),
        "schools_by_kind": {k: int((s["kind"] == k).sum()) for k in KINDS},
        "small_schools": {"under_100": int((rural_small["enrolment"] < std.small_school).sum()),
                          "under_50": int((rural_small["enrolment"] < std.closure_pool_under).sum())},
        "enrolment": int(s["enrolment"].sum()),
        "seats": int(s["seats"].sum()),
        "beds": int(s["beds"].sum()),
        "roads_km": None if county.roads is None else round(float(county.roads.length.sum()) / 1000.0, 1),
        "townships": int(town.shape[0]),
        "by_township": town,
        "notes": list(county.notes),
    }


def _table(frame: pd.DataFrame, headers: list[str]) -> list[str]:
    rows = [[str(i), *[f"{x:,}" for x in r]] for i, r in zip(frame.index, frame.to_numpy().tolist(), strict=True)]
    widths = [max(display_width(h), *(display_width(r[k]) for r in rows)) for k, h in enumerate(headers)]
    line = "  ".join(pad(h, w, right=k > 0) for k, (h, w) in enumerate(zip(headers, widths, strict=True)))
    out = [line, "-" * display_width(line)]
    for r in rows:
        out.append("  ".join(pad(c, w, right=k > 0) for k, (c, w) in enumerate(zip(r, widths, strict=True))))
    return out


def format_summary(summary: dict, lang: str = "zh") -> str:
    """The summary as a one-screen text block for the terminal.

    Parameters
    ----------
    summary : dict
        From :func:`county_summary`.
    lang : {"zh", "en"}

    Returns
    -------
    str
    """
    L = lambda k: label(k, lang)  # noqa: E731
    ch = summary["children"]
    lines = [f"{L('summary_title')}: {summary['name']}", ""]
    lines.append(f"{L('villages')}: {summary['villages']:,}"
                 + (f"    {L('population')}: {summary['population']:,}" if summary["population"] else ""))
    lines.append(f"{L('children')}: " + ", ".join(f"{L(b)} {ch[b]:,}" for b in BANDS) + f"; {L('total')} {ch['total']:,}")
    lines.append(f"{L('schools')}: {summary['schools']:,} — "
                 + ", ".join(f"{L(k)} {n}" for k, n in summary["schools_by_kind"].items()))
    sm = summary["small_schools"]
    lines.append(f"{L('small_under_100')}: {sm['under_100']}; {L('small_under_50')}: {sm['under_50']}")
    lines.append(f"{L('enrolment')}: {summary['enrolment']:,}    {L('seats')}: {summary['seats']:,}    "
                 f"{L('beds')}: {summary['beds']:,}")
    if summary["roads_km"] is not None:
        lines.append(f"{L('roads_km')}: {summary['roads_km']:,}")
    lines.append(f"{L('crs')}: {summary['crs']} ({summary['source_crs']})")
    lines.append("")
    headers = [L("township"), L("villages"), *[L(b) for b in BANDS], L("schools"), L("enrolment"), L("seats"), L("beds")]
    lines += _table(summary["by_township"], headers)
    if summary["notes"]:
        lines.append("")
        lines.append(f"{L('notes')}:")
        lines += [f"  - {n}" for n in summary["notes"]]
    return "\n".join(lines)
