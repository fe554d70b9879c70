"""Chinese and English labels used on maps and in reports (kept here so the shared label file stays small)."""

from __future__ import annotations

from layout.i18n import LANGS

__all__ = ["t", "ACTION_LABELS"]

_LABELS: dict[str, tuple[str, str]] = {
    "keep": ("保留", "keep"),
    "bus_routes": ("校车线路", "school-bus routes"),
    "route": ("线路", "route"),
    "stops": ("停靠村(按上车顺序)", "stops (pickup order)"),
    "route_minutes": ("首站至学校(分钟)", "first stop to school (min)"),
    "km": ("里程(公里)", "km"),
    "close": ("撤并(关闭)", "close"),
    "merge": ("合并", "merge"),
    "downgrade": ("降级(缩减年级)", "downgrade"),
    "boarding": ("寄宿制", "boarding"),
    "new": ("新建", "new"),
    "villages": ("村庄(大小=适龄儿童)", "villages (size = children)"),
    "village_colour": ("学生单程用时(分钟)", "pupils' one-way trip (minutes)"),
    "unserved": ("有未安置学生", "children without a place"),
    "schools": ("学校(按调整措施)", "schools (by action)"),
    "assign": ("就学路线", "assignment"),
    "catchments": ("步行可达范围", "walking catchments"),
    "roads": ("道路", "roads"),
    "townships": ("乡镇边界", "township boundaries"),
    "hotspots": ("超时出行热点", "long-trip hotspots"),
    "walk": ("步行", "walk"),
    "bus": ("校车", "school bus"),
    "board": ("寄宿", "boarding"),
    "g1_3": ("1-3年级", "grades 1-3"),
    "g4_6": ("4-6年级", "grades 4-6"),
    "g7_9": ("7-9年级", "grades 7-9"),
    "children": ("适龄儿童", "children"),
    "minutes": ("分钟", "minutes"),
    "mean_minutes": ("平均用时(分钟)", "mean trip (minutes)"),
    "max_minutes": ("最长用时(分钟)", "longest trip (minutes)"),
    "township": ("乡镇", "township"),
    "kind": ("类型", "kind"),
    "grades": ("年级", "grades"),
    "action": ("调整措施", "action"),
    "reasons": ("理由", "reasons"),
    "enrolment_now": ("现有在校生", "enrolment now"),
    "enrolment": ("调整后在校生", "enrolment under the plan"),
    "seats": ("学位", "seats"),
    "utilisation": ("学位使用率", "seat utilisation"),
    "classes": ("班级数", "classes"),
    "max_class_size": ("最大平均班额", "largest average class"),
    "class_band": ("班额等级", "class-size band"),
    "boarders": ("寄宿生", "boarders"),
    "beds": ("床位", "beds"),
    "merged_into": ("并入", "merged into"),
    "status": ("状态", "status"),
    "teachers": ("教师", "teachers"),
    "violations": ("问题", "issues"),
    "to_school": ("到校", "to school"),
    "legend": ("图例", "Legend"),
    "status_quo": ("现状", "status quo"),
    "proposal": ("方案", "proposal"),
    "trip_unknown": ("无学生或未计算", "no pupils / not computed"),
    "more_than": ("超过", "over"),
    "over_limit": ("名超时", "over the time limit"),
    "road_expressway": ("高速公路", "expressway"),
    "road_motorway": ("高速公路", "motorway"),
    "road_national": ("国道", "national road"),
    "road_provincial": ("省道", "provincial road"),
    "road_county": ("县道", "county road"),
    "road_township": ("乡道", "township road"),
    "road_village": ("村道", "village road"),
    "road_footpath": ("步道", "footpath"),
}

ACTION_LABELS = {a: _LABELS[a] for a in ("keep", "close", "merge", "downgrade", "boarding", "new")}


def t(key: str, lang: str = "zh") -> str:
    """The label of ``key`` in ``lang`` (``zh``/``en``); the key itself when unknown."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    pair = _LABELS.get(key)
    if pair is None:
        from layout.i18n import label

        return label(key, lang)
    return pair[0] if lang == "zh" else pair[1]
