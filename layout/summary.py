"""The county summary a planner checks first: counts of villages, children, schools, seats and beds."""

from __future__ import annotations

import pandas as pd

from layout.i18n import DEFAULT_LANG, display_width, label, localise, pad
from layout.schema import BANDS, KINDS

__all__ = ["county_summary", "attendance_summary", "format_summary"]


def attendance_summary(attendance) -> dict:
    """What ``layout check`` says about today's attendance: given or inferred, pupils by mode, and the data
    differences found (children on no roll, pupils without a home village, totals that disagree).

    Parameters
    ----------
    attendance : Attendance
        From :func:`layout.attendance.attendance_today`.

    Returns
    -------
    dict
        ``inferred``, ``rows``, ``pupils``, ``by_mode``, ``not_on_roll``, ``roll_without_home``, ``messages``
        (list of ``(en, zh)``).
    """
    t = attendance.table
    return {"inferred": bool(attendance.inferred), "rows": int(len(t)), "pupils": int(t["children"].sum()),
            "by_mode": {m: int(t.loc[t["mode"] == m, "children"].sum()) for m in ("walk", "bus", "board")},
            "not_on_roll": int(attendance.not_on_roll["children"].sum()),
            "roll_without_home": int(attendance.roll_without_home["children"].sum()),
            "messages": [list(m) for m in attendance.messages]}


def county_summary(county, attendance=None) -> dict:
    """Key counts of a county, overall and per township.

    Parameters
    ----------
    county : County
    attendance : Attendance, optional
        Today's attendance (:func:`layout.attendance.attendance_today`), summarised under ``attendance``.

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
        "teachers": None if "teachers" not in s or s["teachers"].isna().all() else int(s["teachers"].sum()),
        "bus_riders": None if "bus_riders" not in s or s["bus_riders"].isna().all() else int(s["bus_riders"].sum()),
        "boarders": int(s["boarders"].sum()),
        "notes": list(county.notes),
        "attendance": None if attendance is None else attendance_summary(attendance),
    }


def _table(frame: pd.DataFrame, headers: list[str]) -> list[str]:
    rows = [[str(i), *[f"{x:,}" for x in r]] for i, r in zip(frame.index, frame.to_numpy().tolist(), strict=True)]
    widths = [max(display_width(h), *(display_width(r[k]) for r in rows)) for k, h in enumerate(headers)]
    line = "  ".join(pad(h, w, right=k > 0) for k, (h, w) in enumerate(zip(headers, widths, strict=True)))
    out = [line, "-" * display_width(line)]
    for r in rows:
        out.append("  ".join(pad(c, w, right=k > 0) for k, (c, w) in enumerate(zip(r, widths, strict=True))))
    return out


def format_summary(summary: dict, lang: str = DEFAULT_LANG) -> str:
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
                 f"{L('beds')}: {summary['beds']:,}    {L('boarders')}: {summary.get('boarders', 0):,}"
                 + (f"    {L('bus_riders')}: {summary['bus_riders']:,}" if summary.get("bus_riders") is not None else "")
                 + (f"    {L('teachers')}: {summary['teachers']:,}" if summary.get("teachers") is not None else ""))
    if summary["roads_km"] is not None:
        lines.append(f"{L('roads_km')}: {summary['roads_km']:,}")
    lines.append(f"{L('crs')}: {summary['crs']} ({summary['source_crs']})")
    lines.append("")
    headers = [L("township"), L("villages"), *[L(b) for b in BANDS], L("schools"), L("enrolment"), L("seats"), L("beds")]
    lines += _table(summary["by_township"], headers)
    att = summary.get("attendance")
    if att:
        lines.append("")
        how = L("attendance_inferred") if att["inferred"] else L("attendance_given")
        modes = ", ".join(f"{L(m)} {n:,}" for m, n in (("walkers", att["by_mode"]["walk"]),
                                                       ("bus_riders", att["by_mode"]["bus"]),
                                                       ("boarders", att["by_mode"]["board"])))
        lines.append(f"{L('attendance')}: {how}; {att['pupils']:,} ({modes})")
        lines.append(f"  {L('not_on_roll')}: {att['not_on_roll']:,}; {L('roll_without_home')}: "
                     f"{att['roll_without_home']:,}")
        if att["messages"]:
            lines.append(f"  {L('data_differences')}:")
            lines += [f"  - {m[1] if lang == 'zh' else m[0]}" for m in att["messages"]]
    if summary["notes"]:
        lines.append("")
        lines.append(f"{L('notes')}:")
        lines += [f"  - {localise(n, lang)}" for n in summary["notes"]]
    return "\n".join(lines)
