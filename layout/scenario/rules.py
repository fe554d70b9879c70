"""Edits a scenario refuses, and the rule each refusal names.

Two kinds of refusal:

* the action cannot apply to the plan at all — merging into a school that is already closed or merged, closing a
  school twice, merging a school into itself or into one that teaches none of its grades, keeping grades a school
  does not teach (:func:`invalid_action`, before anything is computed);
* the action applies but breaks a rule the planner may not trade away (:func:`broken_rule`, after the edit's
  incremental evaluation): grades 1–3 left without a school within the day-trip limit
  (``g1_3_stranded``: they do not board, 国办发〔2018〕27号), or any children left without a seat or bed in reach
  (``build_first``: build first, close after, 国办发〔2012〕48号).

Either way :class:`ActionRefused` is raised — a :class:`~layout.errors.LayoutInputError` carrying the rule's code,
its text in Chinese and English and the fix — and the scenario stays as it was.
"""

from __future__ import annotations

from layout.errors import LayoutInputError, Problem
from layout.i18n import label
from layout.schema import BANDS

__all__ = ["ActionRefused", "REFUSALS", "invalid_action", "broken_rule", "school_label"]

#: Rules whose breach refuses an edit (a scenario may be built with fewer).
REFUSALS = ("g1_3_stranded", "build_first")


class ActionRefused(LayoutInputError):
    """An edit the scenario refused, with the rule that forbids it; the scenario is unchanged.

    Attributes
    ----------
    action : Action
    rule : str
        ``invalid_action``, ``merge_into_closed``, ``already_closed``, ``g1_3_stranded``, ``build_first`` …
    message_zh, message_en : str
        What is refused and why (the rule, with its source).
    fix_zh, fix_en : str
        What the planner can do instead.
    children : int
        Children the edit would strand (0 for an invalid action).
    villages : tuple of str
        Where they live.
    """

    def __init__(self, action, rule: str, message_zh: str, message_en: str, fix_zh: str = "", fix_en: str = "",
                 children: int = 0, villages: tuple[str, ...] = ()):
        self.action, self.rule = action, rule
        self.message_zh, self.message_en, self.fix_zh, self.fix_en = message_zh, message_en, fix_zh, fix_en
        self.children, self.villages = int(children), tuple(villages)
        school = next((getattr(action, f) for f in ("school", "from_", "id", "to") if getattr(action, f, None)), None)
        super().__init__([Problem("scenario", f"{rule}: {message_en}", column=getattr(action, "keyword", None),
                                  value=school, fix=fix_en)], summary=f"refused: {action.describe('en')}")

    def message(self, lang: str = "zh") -> str:
        """The refusal and its rule in one language."""
        return self.message_zh if lang == "zh" else self.message_en

    def fix(self, lang: str = "zh") -> str:
        return self.fix_zh if lang == "zh" else self.fix_en

    def to_dict(self) -> dict:
        return {"rule": self.rule, "action": self.action.describe("zh"), "action_en": self.action.describe("en"),
                "message_zh": self.message_zh, "message_en": self.message_en, "fix_zh": self.fix_zh,
                "fix_en": self.fix_en, "children": self.children, "villages": list(self.villages)}


def school_label(plan, sid: str) -> str:
    """``name (id)`` of a school of the plan, or the id alone."""
    s = plan.schools
    return f"{s.at[sid, 'name']}({sid})" if sid in s.index else str(sid)


def _closed_how(plan, sid: str) -> tuple[str, str]:
    into = plan.schools.at[sid, "merged_into"]
    if isinstance(into, str) and into:
        return f"已并入{school_label(plan, into)}", f"already merged into {into}"
    return "已撤并(关闭)", "already closed"


def invalid_action(plan, action) -> ActionRefused | None:
    """Why ``action`` cannot apply to ``plan`` at all (None when it can), in the planner's words.

    Parameters
    ----------
    plan : Plan
    action : Action

    Returns
    -------
    ActionRefused or None
        ``unknown_school``, ``already_closed``, ``merge_into_closed``, ``merge_into_itself``, ``merge_grades`` or
        ``invalid_action`` (any other problem :meth:`layout.plan.Plan.apply` finds, with its message).

    Example
    -------
    >>> from layout.datasets import make_county
    >>> from layout.plan import Plan, Close, Merge
    >>> county = make_county(n_villages=30, n_townships=3, seed=2)
    >>> plan = Plan.status_quo(county)
    >>> a, b = plan.schools.index[:2]
    >>> invalid_action(plan.apply(Close(b)), Merge(a, b)).rule
    'merge_into_closed'
    """
    s = plan.schools
    kw = getattr(action, "keyword", "")
    act_zh, act_en = f"执行「{action.describe('zh')}」", action.describe("en")
    names = [getattr(action, f) for f in ("school", "from_") if isinstance(getattr(action, f, None), str)]
    for sid in names:
        if sid not in s.index:
            return ActionRefused(action, "unknown_school", f"不能{act_zh}:没有编号为 {sid} 的学校",
                                 f"cannot {act_en}: there is no school {sid}", "请在地图上点选学校",
                                 "pick a school on the map")
        if s.at[sid, "status"] != "open":
            zh, en = _closed_how(plan, sid)
            return ActionRefused(action, "already_closed", f"不能{act_zh}:{school_label(plan, sid)}{zh}",
                                 f"cannot {act_en}: {sid} is {en}", "撤销(undo)先前的撤并,或选择其他学校",
                                 "undo the earlier closure, or choose another school")
    if kw == "merge":
        into = action.into
        if into not in s.index:
            return ActionRefused(action, "unknown_school", f"不能{act_zh}:没有编号为 {into} 的学校",
                                 f"cannot {act_en}: there is no school {into}", "请在地图上点选接收学校",
                                 "pick the receiving school on the map")
        if into == action.from_:
            return ActionRefused(action, "merge_into_itself", f"不能{act_zh}:学校不能并入自身",
                                 f"cannot {act_en}: a school cannot merge into itself", "选择另一所接收学校",
                                 "choose another receiving school")
        if s.at[into, "status"] != "open":
            zh, en = _closed_how(plan, into)
            by = s.at[into, "merged_into"]
            alt_zh = f",可并入{school_label(plan, by)}" if isinstance(by, str) and by else ""
            alt_en = f" (e.g. {by})" if isinstance(by, str) and by else ""
            return ActionRefused(action, "merge_into_closed",
                                 f"不能{act_zh}:接收学校{school_label(plan, into)}{zh}。撤并学校的学生和资源只能并入"
                                 "保留开办的学校", f"cannot {act_en}: the receiving school {into} is {en}; pupils and "
                                 "resources of a merged school go only to a school that stays open",
                                 f"选择一所开办中的接收学校{alt_zh}", f"merge into an open school{alt_en}")
        f, t = s.loc[action.from_], s.loc[into]
        if int(t["grade_hi"]) < int(f["grade_lo"]) or int(t["grade_lo"]) > int(f["grade_hi"]):
            return ActionRefused(action, "merge_grades",
                                 f"不能{act_zh}:{school_label(plan, into)}({int(t['grade_lo'])}-{int(t['grade_hi'])}"
                                 f"年级)不开设{action.from_}的任何年级({int(f['grade_lo'])}-{int(f['grade_hi'])}年级)",
                                 f"cannot {act_en}: {into} teaches none of the grades of {action.from_}",
                                 "选择开设相同年级的接收学校", "merge into a school teaching the same grades")
    try:
        plan.apply(action)
    except LayoutInputError as err:
        p = err.problems[0]
        return ActionRefused(action, "invalid_action", f"不能{act_zh}:{p.message}", f"cannot {act_en}: {p.message}",
                             p.fix, p.fix)
    return None


def _unserved_by_band(evaluation) -> dict[str, int]:
    un = evaluation.allocation.unserved
    return {b: int(un.loc[un["band"] == b, "children"].sum()) for b in BANDS}


def broken_rule(before, after, action, standards, refuse=REFUSALS, village_names=None) -> ActionRefused | None:
    """The rule an edit breaks (None when it keeps them): compares the evaluations before and after it.

    Parameters
    ----------
    before, after : Evaluation
        The scenario's evaluation before the edit and the edit's (incremental) evaluation.
    action : Action
    standards : Standards
        Supplies the grades 1–3 travel rule named in the refusal.
    refuse : iterable of str
        The rules that refuse (:data:`REFUSALS`).
    village_names : Series, optional
        Village names by id (shown in the refusal).

    Returns
    -------
    ActionRefused or None
    """
    refuse = set(refuse)
    b0, b1 = _unserved_by_band(before), _unserved_by_band(after)
    un = after.allocation.unserved
    act_zh, act_en = f"执行「{action.describe('zh')}」", action.describe("en")
    more = {b: b1[b] - b0[b] for b in BANDS if b1[b] > b0[b]}
    if "g1_3_stranded" in refuse and "g1_3" in more:
        n = more["g1_3"]
        villages = tuple(sorted(set(un.loc[un["band"] == "g1_3", "village_id"])))
        rule = standards.travel_rule("g1_3")
        vnames = _village_names(villages, village_names)
        return ActionRefused(
            action, "g1_3_stranded",
            f"不能{act_zh}:{n}名1-3年级学生({vnames})在通行时限内将无学校可上。规则:{label('g1_3', 'zh')}学生"
            f"{rule.describe('zh')},就近走读(国办发〔2018〕27号)",
            f"cannot {act_en}: {n} pupils of grades 1-3 ({', '.join(villages[:5])}) would have no school within "
            f"the day-trip limit. Rule: grades 1-3 {rule.describe('en')}; they do not board and attend a nearby "
            "school as day pupils (国办发〔2018〕27号)",
            "保留该校(或保留1-3年级教学点),或在附近新建教学点、开通校车后再撤并",
            "keep the school (or its grades 1-3 as a teaching point), or open a teaching point or a school bus nearby "
            "first", n, villages)
    if "build_first" in refuse and more:
        n = sum(more.values())
        villages = tuple(sorted(set(un["village_id"]) - {""}))
        bands = "、".join(label(b, "zh") for b in more)
        return ActionRefused(
            action, "build_first",
            f"不能{act_zh}:{n}名{bands}学生将无学位或床位。规则:先建后撤——接收学校须先有学位、床位和食堂,"
            "再撤并(国办发〔2012〕48号)",
            f"cannot {act_en}: {n} pupils ({', '.join(more)}) would have no seat or bed in reach. Rule: build first, "
            "close after — the receiving schools need the seats, beds and canteen before the closure "
            "(国办发〔2012〕48号)",
            "先扩建接收学校学位或新增床位(寄宿),再撤并", "first expand the receiving schools or add boarding beds, "
            "then close", n, villages)
    return None


def _village_names(villages: tuple[str, ...], names=None, limit: int = 3) -> str:
    names = {} if names is None else names
    shown = [str(names.get(v, v)) for v in villages[:limit]]
    return "、".join(shown) + ("等" if len(villages) > limit else "")
