"""`Delta`: what a scenario's edits changed against its starting plan — the children moved (by band, mode and
minutes), the schools' classes and 班额, the violations the edits bring and resolve, the cost by line, the balance
CVs, the bus routes touched and the reasons.

Built by :func:`compute_delta` from two evaluations (the starting plan's and the current one); every number is
read off those evaluations, so the same edits always give the same delta.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from layout.evaluate.evaluation import json_safe
from layout.evaluate.violations import Violation, violations_frame
from layout.scenario.buses import route_table
from layout.schema import BANDS

__all__ = ["Delta", "compute_delta", "MOVED_COLUMNS", "SCHOOL_COLUMNS"]

#: Columns of :attr:`Delta.moved`.
MOVED_COLUMNS = ["village_id", "band", "children", "school_before", "mode_before", "minutes_before", "school_after",
                 "mode_after", "minutes_after"]
#: What :attr:`Delta.schools` compares per school (before and after).
SCHOOL_COLUMNS = ["status", "grades", "enrolment", "classes", "max_class_size", "class_band", "boarders", "bus",
                  "beds", "seats"]
_MODES = ("walk", "bus", "board", "unserved")


@dataclass(frozen=True, eq=False)   # holds DataFrames: equality is identity
class Delta:
    """What changed against the starting plan.

    Attributes
    ----------
    actions : list of dict
        The edits since the start: ``keyword``, ``zh``, ``en`` (descriptions) and the action's fields.
    moved : DataFrame
        Children whose school or mode changed (:data:`MOVED_COLUMNS`; ``school_after`` "" and ``mode_after``
        ``unserved`` for children left without a place).
    moved_summary : dict
        ``total``, ``by_band``, ``by_mode`` (after: walk, bus, board, unserved), child-weighted ``mean_minutes_before``
        / ``_after`` and ``max_minutes_before`` / ``_after`` of the moved children.
    trips : dict
        Per band (and ``all``): ``max``, ``p90``, ``mean`` minutes and ``unserved``, each ``_before`` / ``_after``.
    schools : DataFrame
        Schools whose numbers changed: ``name`` and :data:`SCHOOL_COLUMNS` before and after.
    new_violations, resolved_violations : list of Violation
        Violations the edits bring (not in the starting plan) and those they remove.
    costs : DataFrame
        ``kind`` (annual / capital), ``line``, ``before``, ``after``, ``change`` in yuan.
    balance : DataFrame
        ``stage``, ``indicator``, ``zh``, ``cv_before``, ``cv_after``, ``change``, ``limit``, ``pass_after``; the
        stages' mean CVs as indicator ``mean``.
    buses : dict
        ``method``, ``vehicles_before`` / ``_after``, ``cost_before`` / ``_after``, ``routes_added``,
        ``routes_removed``, ``routes_changed`` (lists of route names) and ``routes`` (DataFrame of the touched ones).
    staffing : dict
        ``teachers_employed``, ``posts_freed``, ``posts_to_fill``, each ``_before`` / ``_after``.
    reasons : dict
        ``school_id -> [reason, ...]``: the recommendation's reasons (when the scenario started from one), the
        edits naming the school, and where its pupils went.
    """

    actions: list[dict]
    moved: pd.DataFrame
    moved_summary: dict
    trips: dict
    schools: pd.DataFrame
    new_violations: list[Violation]
    resolved_violations: list[Violation]
    costs: pd.DataFrame
    balance: pd.DataFrame
    buses: dict
    staffing: dict
    reasons: dict = field(default_factory=dict)

    # ---- numbers ---------------------------------------------------------------------------------------------
    def new_counts(self) -> dict[str, int]:
        """New violations by severity."""
        return {s: sum(1 for v in self.new_violations if v.severity == s) for s in ("hard", "soft", "confirm")}

    def cost_change(self, line: str = "total", kind: str = "annual") -> float:
        """Change of one cost line in yuan (``annual`` or ``capital``)."""
        c = self.costs
        row = c[(c["kind"] == kind) & (c["line"] == line)]
        return float(row["change"].iloc[0]) if len(row) else 0.0

    def numbers(self) -> dict[str, float | int | None]:
        """The headline numbers as one flat mapping (the keys the what-if panel shows them under).

        Example
        -------
        >>> sorted(k for k in delta.numbers() if k.startswith("moved."))   # doctest: +SKIP
        ['moved.board', 'moved.bus', 'moved.g1_3', ...]
        """
        m = self.moved_summary
        out: dict = {"moved.total": m["total"]}
        out.update({f"moved.{b}": m["by_band"][b] for b in BANDS})
        out.update({f"moved.{k}": m["by_mode"][k] for k in _MODES})
        out["moved.mean_minutes_before"] = m["mean_minutes_before"]
        out["moved.mean_minutes_after"] = m["mean_minutes_after"]
        for b in (*BANDS, "all"):
            for k in ("max", "p90", "mean", "unserved"):
                for w in ("before", "after"):
                    out[f"trips.{b}.{k}_{w}"] = self.trips[b][f"{k}_{w}"]
        n = self.new_counts()
        out.update({f"violations.new_{s}": n[s] for s in n})
        out["violations.resolved"] = sum(1 for v in self.resolved_violations if v.severity != "confirm")
        for r in self.costs.itertuples(index=False):
            out[f"costs.{r.kind}.{r.line}.change"] = float(r.change)
            out[f"costs.{r.kind}.{r.line}.after"] = float(r.after)
        for r in self.balance[self.balance["indicator"] == "mean"].itertuples(index=False):
            out[f"balance.{r.stage}.mean_cv_before"] = r.cv_before
            out[f"balance.{r.stage}.mean_cv_after"] = r.cv_after
        for k in ("vehicles_before", "vehicles_after", "cost_before", "cost_after"):
            out[f"buses.{k}"] = self.buses[k]
        out["buses.routes_touched"] = (len(self.buses["routes_added"]) + len(self.buses["routes_removed"])
                                       + len(self.buses["routes_changed"]))
        for k, v in self.staffing.items():
            out[f"staffing.{k}"] = v
        out["schools.changed"] = int(len(self.schools))
        return json_safe(out)

    def to_dict(self) -> dict:
        """Everything as JSON-safe plain data."""
        return json_safe({
            "actions": self.actions, "numbers": self.numbers(), "moved": self.moved,
            "moved_summary": self.moved_summary, "trips": self.trips, "schools": self.schools,
            "new_violations": [v.to_dict() for v in self.new_violations],
            "resolved_violations": [v.to_dict() for v in self.resolved_violations],
            "costs": self.costs, "balance": self.balance,
            "buses": {k: v for k, v in self.buses.items() if k != "routes"} | {"routes": self.buses["routes"]},
            "staffing": self.staffing, "reasons": self.reasons})

    def format(self, lang: str = "zh") -> str:
        """A short text summary."""
        from layout.scenario.panel import delta_text

        return delta_text(self, lang)

    def _repr_html_(self) -> str:
        from layout.scenario.panel import delta_html

        return delta_html(self)

    def __repr__(self) -> str:
        n = self.new_counts()
        return (f"Delta({len(self.actions)} edits: {self.moved_summary['total']} children moved, new violations "
                f"hard {n['hard']} soft {n['soft']}, annual cost {self.cost_change():+,.0f} yuan)")


# ---- building it ---------------------------------------------------------------------------------------------
def _places(ev) -> pd.DataFrame:
    """Children by village, band, school and mode (unserved as school "" mode ``unserved``), with trip minutes."""
    a = ev.allocation.assignments
    w = a.assign(wm=a["minutes"] * a["children"])
    g = w.groupby(["village_id", "band", "school_id", "mode"], as_index=False, sort=True).agg(
        children=("children", "sum"), wm=("wm", "sum"))
    g["minutes"] = g["wm"] / g["children"].where(g["children"] > 0)
    un = ev.allocation.unserved
    un = un[un["village_id"] != ""]
    if len(un):
        u = un.groupby(["village_id", "band"], as_index=False)["children"].sum()
        u = u.assign(school_id="", mode="unserved", minutes=np.nan)
        g = pd.concat([g.drop(columns="wm"), u], ignore_index=True)
    else:
        g = g.drop(columns="wm")
    return g[["village_id", "band", "school_id", "mode", "children", "minutes"]]


def _moved(start, now) -> pd.DataFrame:
    """Pair the children leaving a (school, mode) of each village-band group with those arriving at another."""
    key = ["village_id", "band", "school_id", "mode"]
    p0, p1 = _places(start), _places(now)
    m = p0.merge(p1, on=key, how="outer", suffixes=("_0", "_1"))
    m[["children_0", "children_1"]] = m[["children_0", "children_1"]].fillna(0).astype(np.int64)
    m = m[m["children_0"] != m["children_1"]]
    rows = []
    for (vid, band), grp in m.groupby(["village_id", "band"], sort=True):
        leave = [[r.school_id, r.mode, r.minutes_0, int(r.children_0 - r.children_1)]
                 for r in grp.itertuples(index=False) if r.children_0 > r.children_1]
        come = [[r.school_id, r.mode, r.minutes_1, int(r.children_1 - r.children_0)]
                for r in grp.itertuples(index=False) if r.children_1 > r.children_0]
        i = j = 0
        while i < len(leave) and j < len(come):
            n = min(leave[i][3], come[j][3])
            rows.append({"village_id": vid, "band": band, "children": n, "school_before": leave[i][0],
                         "mode_before": leave[i][1], "minutes_before": leave[i][2], "school_after": come[j][0],
                         "mode_after": come[j][1], "minutes_after": come[j][2]})
            leave[i][3] -= n
            come[j][3] -= n
            i += leave[i][3] == 0
            j += come[j][3] == 0
        for rest, before in ((leave[i:], True), (come[j:], False)):   # children new to or gone from the county's rolls
            for part in rest:
                if part[3] <= 0:
                    continue
                side = {"school_before": part[0], "mode_before": part[1], "minutes_before": part[2]} if before else {
                    "school_after": part[0], "mode_after": part[1], "minutes_after": part[2]}
                rows.append({"village_id": vid, "band": band, "children": part[3], "school_before": "",
                             "mode_before": "", "minutes_before": np.nan, "school_after": "", "mode_after": "",
                             "minutes_after": np.nan, **side})
    out = pd.DataFrame(rows, columns=MOVED_COLUMNS)
    return out.astype({"children": np.int64, "minutes_before": float, "minutes_after": float})


def _moved_summary(moved: pd.DataFrame) -> dict:
    kids = moved["children"].to_numpy(float)
    out = {"total": int(kids.sum()),
           "by_band": {b: int(moved.loc[moved["band"] == b, "children"].sum()) for b in BANDS},
           "by_mode": {k: int(moved.loc[moved["mode_after"] == k, "children"].sum()) for k in _MODES}}
    for w in ("before", "after"):
        m = moved[f"minutes_{w}"].to_numpy(float)
        ok = np.isfinite(m) & (kids > 0)
        out[f"mean_minutes_{w}"] = float(np.average(m[ok], weights=kids[ok])) if ok.any() else None
        out[f"max_minutes_{w}"] = float(m[ok].max()) if ok.any() else None
    return out


def _trips(start, now) -> dict:
    out = {}
    for b in (*BANDS, "all"):
        d0, d1 = start.by_band[b], now.by_band[b]
        out[b] = {f"{k}_{w}": d[f"{k}_minutes" if k != "unserved" else "unserved"]
                  for k in ("max", "p90", "mean", "unserved") for w, d in (("before", d0), ("after", d1))}
    return out


def _schools(start, now) -> pd.DataFrame:
    s0, s1 = start.schools, now.schools
    ids = s1.index
    a = s0.reindex(ids)[SCHOOL_COLUMNS]
    b = s1[SCHOOL_COLUMNS]
    differ = np.zeros(len(ids), dtype=bool)
    for c in SCHOOL_COLUMNS:
        x, y = a[c].to_numpy(dtype=object), b[c].to_numpy(dtype=object)
        differ |= ~(pd.isna(x) & pd.isna(y)) & (x != y)
    out = pd.DataFrame({"name": s1["name"].to_numpy(dtype=object)[differ]}, index=ids[differ])
    for c in SCHOOL_COLUMNS:
        out[f"{c}_before"] = a[c].to_numpy(dtype=object)[differ]
        out[f"{c}_after"] = b[c].to_numpy(dtype=object)[differ]
    out.index.name = "school_id"
    return out


def _violations(start, now) -> tuple[list, list]:
    k0 = {v.key for v in start.violations}
    k1 = {v.key for v in now.violations}
    return [v for v in now.violations if v.key not in k0], [v for v in start.violations if v.key not in k1]


def _costs(start, now) -> pd.DataFrame:
    rows = []
    for kind in ("annual", "capital"):
        for line in now.costs[kind]:
            b, a = float(start.costs[kind].get(line, 0.0)), float(now.costs[kind][line])
            rows.append({"kind": kind, "line": line, "before": b, "after": a, "change": a - b})
    b, a = float(start.costs["annualised"]), float(now.costs["annualised"])
    rows.append({"kind": "annualised", "line": "total", "before": b, "after": a, "change": a - b})
    return pd.DataFrame(rows)


def _balance(start, now) -> pd.DataFrame:
    rows = []
    for stage in ("primary", "middle"):
        q0, q1 = start.balance["quality"][stage], now.balance["quality"][stage]
        for ind, d in q1["indicators"].items():
            b = q0["indicators"].get(ind, {}).get("cv")
            rows.append({"stage": stage, "indicator": ind, "zh": d["zh"], "cv_before": b, "cv_after": d["cv"],
                         "change": None if b is None or d["cv"] is None else d["cv"] - b, "limit": d["limit"],
                         "pass_after": d["pass"]})
        b, a = q0["mean_cv"], q1["mean_cv"]
        rows.append({"stage": stage, "indicator": "mean", "zh": "平均差异系数", "cv_before": b, "cv_after": a,
                     "change": None if a is None or b is None else a - b, "limit": None, "pass_after": q1["pass"]})
    return pd.DataFrame(rows)


def _buses(start, now) -> dict:
    r0 = route_table(start).set_index("route")
    r1 = route_table(now).set_index("route")
    added = sorted(set(r1.index) - set(r0.index))
    removed = sorted(set(r0.index) - set(r1.index))
    common = r1.index.intersection(r0.index)
    cols = ["school_id", "villages", "riders", "vehicles", "km_per_trip"]
    changed = sorted(r for r in common if tuple(r0.loc[r, cols]) != tuple(r1.loc[r, cols]))
    touched = pd.concat([r0.loc[removed].assign(state="removed"), r1.loc[added].assign(state="added"),
                         r1.loc[changed].assign(state="changed", riders_before=r0.loc[changed, "riders"])])
    return {"method": now.costs.get("bus_method", ""), "vehicles_before": float(start.costs.get("buses", 0)),
            "vehicles_after": float(now.costs.get("buses", 0)), "cost_before": float(start.costs["annual"]["bus"]),
            "cost_after": float(now.costs["annual"]["bus"]), "routes_added": added, "routes_removed": removed,
            "routes_changed": changed, "routes": touched.reset_index()}


def _staffing(start, now) -> dict:
    s0, s1 = start.costs.get("staffing") or {}, now.costs.get("staffing") or {}
    return {f"{k}_{w}": d.get(k) for k in ("teachers_employed", "posts_freed", "posts_to_fill")
            for w, d in (("before", s0), ("after", s1))}


def _reasons(actions, now, recommendation, lang: str) -> dict[str, list[str]]:
    from layout.allocate import MOVE_HOW, MOVE_REASONS

    out: dict[str, list[str]] = {}
    if recommendation is not None:
        for sid, rs in recommendation.reasons(lang).items():
            out.setdefault(sid, []).extend(rs)
    i = 0 if lang == "en" else 1
    mv = now.allocation.moves
    for a in actions:
        text = a.describe(lang)
        for f in ("school", "from_", "into", "id", "to"):
            sid = getattr(a, f, None)
            if isinstance(sid, str):
                out.setdefault(sid, []).append(text)
        sid = getattr(a, "school", None) or getattr(a, "from_", None)
        if isinstance(sid, str):
            mine = mv[mv["from_school"] == sid]
            for (to, why, how), grp in mine.groupby(["to_school", "why", "how"], sort=True):
                n = int(grp["children"].sum())
                w = MOVE_REASONS.get(why, (why, why))[i]
                h = MOVE_HOW.get(how, (how, how))[i] if how != "unserved" else ("无学位" if lang == "zh" else "no place")
                dest = to or ("—")
                out[sid].append(f"{n}名学生:{w},{h}→{dest}" if lang == "zh" else f"{n} pupils: {w}, {h} → {dest}")
    return out


def compute_delta(start, now, actions, *, standards, recommendation=None, lang: str = "zh") -> Delta:
    """What changed from the ``start`` evaluation to ``now``.

    Parameters
    ----------
    start, now : Evaluation
    actions : sequence of Action
        The edits since the start.
    standards : Standards
    recommendation : Recommendation, optional
        Its per-school reasons are carried into :attr:`Delta.reasons`.
    lang : str
        Language of the reasons.

    Returns
    -------
    Delta
    """
    moved = _moved(start, now)
    new, resolved = _violations(start, now)
    return Delta(actions=[{"keyword": a.keyword, "zh": a.describe("zh"), "en": a.describe("en"),
                           **next(iter(a.to_dict().values()))} for a in actions],
                 moved=moved, moved_summary=_moved_summary(moved), trips=_trips(start, now),
                 schools=_schools(start, now), new_violations=new, resolved_violations=resolved,
                 costs=_costs(start, now), balance=_balance(start, now), buses=_buses(start, now),
                 staffing=_staffing(start, now), reasons=_reasons(actions, now, recommendation, lang))


def violations_table(violations: list[Violation]) -> pd.DataFrame:
    """Violations as a table (for notebooks)."""
    return violations_frame(violations)
