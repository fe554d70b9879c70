"""Reasons for every school, in Chinese and English, with every number taken from the evaluations.

Per school: its real pupils now and projected in the years checked; for a school that closes, merges or drops
grades, where each band of its pupils goes and how (school, mode, mean and longest trip), what the receiving school
becomes (pupils, classes, 班额, beds) and its share of the county's change in annual cost (the shares add up, see
:mod:`layout.recommend.money`); for a school that stays although it is small, the rule or the figure that kept it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from layout.i18n import LANGS, Phrase, pair, t, term

__all__ = ["action_table", "ACTION_COLUMNS", "why_kept"]

ACTION_COLUMNS = ["school_id", "name", "action", "target", "beds", "seats", "saving_yuan", "holds_all",
                  "reasons_zh", "reasons_en"]
def _fmt(x, d: int = 1) -> str:
    return "—" if x is None or pd.isna(x) or not np.isfinite(float(x)) else f"{float(x):.{d}f}"


def _money(x: float) -> str:
    return f"{x / 1e4:,.1f}"


def _both(key: str, **fields) -> dict[str, str]:
    """One sentence in both languages: ``{"en": ..., "zh": ...}``."""
    return {lang: t(key, lang, **fields) for lang in LANGS}


def _join(parts: list[dict[str, str]], sep: str) -> dict[str, str]:
    return {lang: t(f"reason.{sep}", lang).join(p[lang] for p in parts) for lang in LANGS}


def _pupils_line(sid, baseline, futures) -> tuple[str, str]:
    now = baseline.schools.at[sid, "enrolment"] if sid in baseline.schools.index else 0
    parts = [_both("reason.pupils_now", n=int(now))]
    for year, (_, base_y) in sorted(futures.items()):
        if year and sid in base_y.schools.index:
            parts.append(_both("reason.pupils_in_years", n=int(base_y.schools.at[sid, "enrolment"]), years=year))
    line = _join(parts, "list_sep")
    return line["en"], line["zh"]


def _where_they_go(sid, ev, names) -> tuple[list[str], list[str]]:
    """One phrase per band and destination: how many, to which school, how, mean and longest trip."""
    mv = ev.allocation.moves
    mine = mv[mv["from_school"] == sid]
    en, zh = [], []
    for (band, to, mode), g in mine.groupby(["band", "to_school", "mode"], sort=True):
        n = int(g["children"].sum())
        if not to:
            e, z = pair("reason.no_place", band=Phrase(f"band.{band}"), n=n)
        else:
            mean = float(np.average(g["minutes"], weights=g["children"]))
            worst = float(g["minutes"].max())
            trip = (Phrase("reason.trip_day", mode=Phrase(f"reason_mode.{mode}"), mean=f"{mean:.0f}", worst=f"{worst:.0f}")
                    if mode != "board" else Phrase("reason.trip_board", mean=f"{mean:.0f}"))
            e, z = pair("reason.goes_to", band=Phrase(f"band.{band}"), n=n, school=names.get(to, to), trip=trip)
        en.append(e)
        zh.append(z)
    return en, zh


def _receiver_line(to, ev, names) -> tuple[str, str]:
    t_ = ev.schools
    if to not in t_.index:
        return "", ""
    r = t_.loc[to]
    band = str(r["class_band"])
    beds = (Phrase("reason.receiver_beds", boarders=int(r["boarders"]), beds=int(r["beds"])) if r["beds"] > 0
            else "")
    return pair("reason.receiver", school=names.get(to, to), n=int(r["enrolment"]), classes=int(r["classes"]),
                size=_fmt(r["max_class_size"]), band={lang: term("class_band", band, lang) for lang in LANGS},
                beds=beds)


def why_kept(model, sid: str, bands: tuple[str, ...] | None = None) -> tuple[str, str] | None:
    """Why the school model kept a school (or some of its bands) that could have closed: the rule (its children
    have nowhere else to go within the travel rule), protection, or the figures (closing it costs more than it
    saves)."""
    sites = model.sites
    if sid not in sites.index:
        return None
    if bool(sites.at[sid, "protected"]):
        return pair("reason.protected")
    if bool(sites.at[sid, "fixed"]):
        return pair("reason.large_enough")
    g = model.groups[(model.groups["home"] == sid)]
    if bands is not None:
        g = g[g["band"].isin(bands)]
    arcs = model.arcs
    stuck = []
    for gi, row in g.iterrows():
        alt = arcs[(arcs["group"] == gi) & (arcs["site_id"] != sid)]
        if alt.empty:
            stuck.append(row)
    if stuck:
        young = [r for r in stuck if r["band"] == "g1_3"]
        pick = young or stuck
        n = int(sum(r["children"] for r in pick))
        band = pick[0]["band"]
        villages = sorted({str(r["village_id"]) for r in pick})
        v = ", ".join(villages[:3]) + (" …" if len(villages) > 3 else "")
        return pair("reason.rule_keeps", n=n, band=Phrase(f"band.{band}"), villages=v)
    return pair("reason.costs_more")


def action_table(county, plan, model, verified, baseline, futures: dict, robust: pd.DataFrame, shares: pd.DataFrame,
                 std) -> pd.DataFrame:
    """One row per school and action (``keep`` for a school with no change), with reasons in both languages.

    Parameters
    ----------
    county, plan
    model : SchoolModel
    verified : Verified
    baseline : Evaluation
    futures : dict
        ``year -> (plan evaluation, status quo evaluation)``.
    robust : DataFrame
        ``school_id, holds_all`` (from :func:`layout.recommend.robust.robustness`).
    shares : DataFrame
        From :func:`layout.recommend.money.cost_shares`.
    std : Standards

    Returns
    -------
    DataFrame
        Columns :data:`ACTION_COLUMNS`, sorted by school id then action.
    """
    ev = verified.evaluation
    names = plan.schools["name"].astype(str).to_dict()
    holds = dict(zip(robust["school_id"], robust["holds_all"], strict=True)) if len(robust) else {}
    share = shares["annual_total"] if len(shares) else pd.Series(dtype=float)
    capital = shares["capital_total"] if len(shares) else pd.Series(dtype=float)
    staff = shares["staffing"] if len(shares) else pd.Series(dtype=float)
    salary = float(std.get("staffing.salary_per_post_yuan"))
    by_action: dict[str, list] = {}
    for a in plan.actions:
        sid = getattr(a, "school", None) or getattr(a, "from_", None) or getattr(a, "id", None)
        if a.keyword == "move":
            continue
        by_action.setdefault(str(sid), []).append(a)
    rows = []
    for sid in sorted(plan.schools.index):
        acts = by_action.get(sid, [])
        pupils_en, pupils_zh = _pupils_line(sid, baseline, futures) if sid in baseline.schools.index else ("", "")
        saving = -float(share.get(sid, 0.0))
        posts = -float(staff.get(sid, 0.0)) / salary          # posts the action frees (negative: adds)
        posts = (Phrase("reason.posts_fewer" if posts > 0 else "reason.posts_more", n=f"{abs(posts):.0f}")
                 if round(abs(posts)) else "")
        capital_part = (Phrase("reason.money_capital", amount=_money(float(capital.get(sid, 0.0))))
                        if capital.get(sid) else "")
        money_key = "reason.money_saves" if saving >= 0 else "reason.money_adds"
        money = {lang: t(money_key, lang, amount=_money(abs(saving)), posts=posts) + (
            capital_part.render(lang) if capital_part else "") for lang in LANGS}
        money_en, money_zh = money["en"], money["zh"]
        if not acts:
            kept = why_kept(model, sid) if sid in county.schools.index and bool(
                baseline.schools.at[sid, "small_school"]) else None
            en = t("reason.keep", "en", pupils=pupils_en) + (f" {kept[0]}." if kept else "")
            zh = t("reason.keep", "zh", pupils=pupils_zh) + (f"{kept[1]}。" if kept else "")
            came = ev.allocation.moves
            came = came[(came["to_school"] == sid) & (came["from_school"] != sid) & (came["from_school"] != "")]
            if len(came):   # a receiving school: what it takes in, what it becomes, its share of the money
                rec_en, rec_zh = _receiver_line(sid, ev, names)
                n_in, n_from = int(came["children"].sum()), int(came["from_school"].nunique())
                en += " " + t("reason.receives", "en", n=n_in, n_schools=n_from, receiver=rec_en) + "."
                zh += t("reason.receives", "zh", n=n_in, n_schools=n_from, receiver=rec_zh) + "。"
            rows.append(_row(sid, "keep", None, 0, 0, 0.0, True, zh, en))
            _carry_share(rows[-1:], saving, money_zh, money_en)
            continue
        first = len(rows)
        for a in acts:
            kw = a.keyword
            if kw in ("merge", "close"):
                to = getattr(a, "into", None)
                go_en, go_zh = _where_they_go(sid, ev, names)
                rec_en, rec_zh = _receiver_line(to, ev, names) if to else ("", "")
                head = ("reason.merge_head", {"school": names.get(to, to)}) if to else ("reason.close_head", {})
                en = (t(head[0], "en", pupils=pupils_en, **head[1])
                      + ("; ".join(go_en) + ". " if go_en else "") + (rec_en + ". " if rec_en else "")
                      + money_en + ".")
                zh = (t(head[0], "zh", pupils=pupils_zh, **head[1])
                      + (";".join(go_zh) + "。" if go_zh else "") + (rec_zh + "。" if rec_zh else "")
                      + money_zh + "。")
                rows.append(_row(sid, kw, to, 0, 0, saving, holds.get(sid, True), zh, en))
            elif kw == "downgrade":
                go_en, go_zh = _where_they_go(sid, ev, names)
                which = a.grades
                lo, hi = (int(x) for x in which.split("-"))
                kept = why_kept(model, sid, tuple(b for b, (x, y) in std.bands.items() if lo <= x and y <= hi))
                en = (t("reason.downgrade_head", "en", grades=which, pupils=pupils_en)
                      + ("; ".join(go_en) + ". " if go_en else "")
                      + (t("reason.downgrade_why", "en", grades=which, why=kept[0]) if kept else "") + money_en + ".")
                zh = (t("reason.downgrade_head", "zh", grades=which, pupils=pupils_zh)
                      + (";".join(go_zh) + "。" if go_zh else "")
                      + (t("reason.downgrade_why", "zh", grades=which, why=kept[1]) if kept else "") + money_zh + "。")
                rows.append(_row(sid, "downgrade", which, 0, 0, saving, holds.get(sid, True), zh, en))
            elif kw == "open":
                t_ = ev.schools.loc[sid]
                mv = ev.allocation.moves
                came = mv[mv["to_school"] == sid].groupby("from_school")["children"].sum()
                sources = [Phrase("reason.source", school=names.get(k, k), n=int(n)) for k, n in came.items() if k]
                prem = getattr(a, "premises_of", None)
                where = Phrase("reason.open_premises", school=names.get(prem, prem)) if prem else ""
                fields = dict(name=a.name, where=where, n=int(t_["enrolment"]), classes=int(t_["classes"]),
                              size=_fmt(t_["max_class_size"]), beds=int(t_["beds"]))
                src = {lang: t("reason.names_sep", lang).join(p.render(lang) for p in sources)
                       or t("reason.no_source", lang) for lang in LANGS}
                en = t("reason.open", "en", sources=src["en"], **fields) + f"{money_en}."
                zh = t("reason.open", "zh", sources=src["zh"], **fields) + f"{money_zh}。"
                rows.append(_row(sid, "open", None, int(a.beds), int(a.seats), saving, holds.get(sid, True), zh, en))
            elif kw == "expand":
                t_ = ev.schools.loc[sid]
                band = {lang: term("band", a.band, lang) if a.band else "" for lang in LANGS}
                size_band = {lang: term("class_band", str(t_["class_band"]), lang) for lang in LANGS}
                en, zh = pair("reason.expand", seats=a.seats, band=band, size=_fmt(t_["max_class_size"]),
                              size_band=size_band)
                rows.append(_row(sid, "expand", a.band, 0, int(a.seats), 0.0, True, zh, en))
            elif kw in ("add_boarding", "designate_boarding"):
                t_ = ev.schools.loc[sid]
                canteen = Phrase("reason.boarding_canteen") if getattr(a, "canteen", False) and not bool(
                    county.schools.at[sid, "canteen"]) else ""
                en, zh = pair("reason.boarding", township=str(plan.schools.at[sid, "township"]),
                              boarders=int(t_["boarders"]), beds=int(t_["beds"]), built=int(getattr(a, "beds", 0)),
                              canteen=canteen)
                rows.append(_row(sid, kw, None, int(getattr(a, "beds", 0)), 0, 0.0, True, zh, en))
        _carry_share(rows[first:], saving, money_zh, money_en)
    out = pd.DataFrame(rows, columns=[c for c in ACTION_COLUMNS if c != "name"])
    out.insert(1, "name", out["school_id"].map(names))
    return out[ACTION_COLUMNS].astype({"school_id": object, "action": object, "target": object}).reset_index(drop=True)


def _carry_share(school_rows: list[dict], saving: float, money_zh: str, money_en: str) -> None:
    """A school's share of the county's cost change on its first row, said in its reason, when none of its rows
    carries it yet (a kept or expanded school whose own pupils moved) — so the table's savings add up to the
    county's change and every figure in it is in a reason."""
    if not school_rows or any(r["saving_yuan"] for r in school_rows) or round(abs(saving) / 1e3) == 0:
        return
    r = school_rows[0]
    r["saving_yuan"] = float(saving)
    r["reasons_zh"] += f"{money_zh}。"
    r["reasons_en"] += f" {money_en}."


def _row(sid, action, target, beds, seats, saving, holds, zh, en) -> dict:
    return {"school_id": sid, "action": action, "target": target, "beds": int(beds), "seats": int(seats),
            "saving_yuan": float(saving), "holds_all": bool(holds), "reasons_zh": zh, "reasons_en": en}
