"""The county data format: canonical columns of each layer, their types, defaults and accepted aliases.

One table drives reading, validation, writing back and the documentation (``docs/data_format.md``), so
the alias list a planner reads is the one the code uses.

Canonical layers and their key:

* ``villages`` (points, index ``village_id``): where children live.
* ``schools`` (points, index ``school_id``): every school and teaching point.
* ``roads`` (lines): the road network, with ``road_class`` and optional ``speed_kmh``.
* ``townships`` (polygons, optional): township boundaries.
* ``attendance`` (table, optional): who goes where today — home village, school, grade, pupils, mode (the
  bureau's 学籍 roll); inferred from the rolls and travel times when absent.
* ``candidates`` (points, optional): sites a planner offers for new schools (e.g. a county-town parcel).

Example
-------
>>> from layout.schema import SCHEMA, resolve_alias
>>> resolve_alias("schools", "学校名称")
'name'
>>> SCHEMA["villages"]["g1_3"].kind
'count'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Field", "SCHEMA", "GRADES", "BANDS", "KINDS", "KIND_ALIASES", "resolve_alias",
           "LON_ALIASES", "LAT_ALIASES", "BOOL_TRUE", "BOOL_FALSE"]

GRADES = tuple(range(1, 10))
BANDS = ("g1_3", "g4_6", "g7_9")
KINDS = ("teaching_point", "primary", "middle", "nine_year")

KIND_ALIASES = {
    "teaching_point": "teaching_point", "teaching point": "teaching_point", "tp": "teaching_point",
    "教学点": "teaching_point", "村小教学点": "teaching_point",
    "primary": "primary", "小学": "primary", "完全小学": "primary", "中心小学": "primary", "村小": "primary",
    "middle": "middle", "初中": "middle", "初级中学": "middle", "中学": "middle",
    "nine_year": "nine_year", "nine-year": "nine_year", "nine year": "nine_year",
    "九年一贯制": "nine_year", "九年一贯制学校": "nine_year",
}

BOOL_TRUE = {"1", "true", "yes", "y", "t", "有", "是", "√", "✓"}
BOOL_FALSE = {"0", "false", "no", "n", "f", "无", "否", "", "nan", "none", "×"}

LON_ALIASES = ("lon", "lng", "long", "longitude", "x", "经度", "东经")
LAT_ALIASES = ("lat", "latitude", "y", "纬度", "北纬")


@dataclass(frozen=True)
class Field:
    """One canonical column.

    Parameters
    ----------
    name : str
        Canonical column name.
    kind : str
        ``id`` (non-empty text, unique), ``text``, ``count`` (whole number ≥ 0), ``amount`` (number ≥ 0),
        ``bool``, ``kind`` (a school kind) or ``grades`` (``"1-6"``).
    required : bool
        Whether the file must carry it (some are required only as one of a group; see the reader).
    aliases : tuple of str
        Other headers accepted for it (English and Chinese as in bureau exports).
    description : str
        What it means, for the documentation.
    unit : str
        Unit, if any.
    """

    name: str
    kind: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    description: str = ""
    unit: str = ""


def _grade_fields(prefix: str, what: str, zh: str) -> list[Field]:
    out = []
    for g in GRADES:
        out.append(Field(f"{prefix}_{g}", "count", aliases=(f"{prefix}{g}", f"grade{g}_{prefix}",
                                                            f"{g}年级{zh}", f"{'一二三四五六七八九'[g - 1]}年级{zh}"),
                         description=f"{what} in grade {g}"))
    return out


_VILLAGES = [
    Field("village_id", "id", True, ("id", "code", "村代码", "行政村代码", "村编码", "村庄编码", "行政区划代码"),
          "unique id of the village (administrative village or natural village)"),
    Field("name", "text", True, ("village", "village_name", "村名", "村庄名称", "行政村", "行政村名称", "自然村"),
          "village name"),
    Field("township", "text", True, ("town", "township_name", "乡镇", "乡镇名称", "所属乡镇", "镇"),
          "township (乡镇) the village belongs to"),
    Field("population", "count", False, ("pop", "hukou_population", "户籍人口", "人口", "常住人口", "总人口"),
          "registered population", "persons"),
    Field("g1_3", "count", False, ("grades_1_3", "children_g1_3", "1-3年级", "一至三年级", "1-3年级学生"),
          "children of grades 1–3 age living in the village", "children"),
    Field("g4_6", "count", False, ("grades_4_6", "children_g4_6", "4-6年级", "四至六年级", "4-6年级学生"),
          "children of grades 4–6 age", "children"),
    Field("g7_9", "count", False, ("grades_7_9", "children_g7_9", "7-9年级", "七至九年级", "7-9年级学生"),
          "children of grades 7–9 age", "children"),
    *[Field(f"grade_{g}", "count", False, (f"g{g}", f"{g}年级", f"{'一二三四五六七八九'[g - 1]}年级"),
            f"children of grade {g} age (single grades; bands are summed from these when given)", "children")
      for g in GRADES],
]

_SCHOOLS = [
    Field("school_id", "id", True, ("id", "code", "school_code", "学校标识码", "学校代码", "学校编码"),
          "unique school id (学校标识码)"),
    Field("name", "text", True, ("school", "school_name", "学校名称", "校名", "名称"), "school name"),
    Field("kind", "kind", True, ("type", "school_type", "办学类型", "学校类型", "类型", "学段类型"),
          "teaching_point, primary, middle or nine_year (Chinese names accepted: 教学点, 小学, 初中, 九年一贯制)"),
    Field("township", "text", True, ("town", "乡镇", "乡镇名称", "所属乡镇", "镇"), "township the school is in"),
    Field("grades", "grades", False, ("grade_range", "年级", "开设年级", "年级范围"),
          "grades served, e.g. '1-6'; defaults from the kind (teaching point 1-3)"),
    Field("enrolment", "count", False, ("enrollment", "students", "pupils", "在校生数", "在校学生数", "学生数"),
          "students enrolled (total); by grade in enrol_1 … enrol_9", "students"),
    *_grade_fields("enrol", "students enrolled", "学生数"),
    Field("classes", "count", False, ("class_count", "班级数", "班数", "教学班数"), "classes (total)", "classes"),
    *_grade_fields("classes", "classes", "班级数"),
    Field("seats", "count", False, ("capacity", "学位数", "核定学位", "规划学位", "容量"),
          "student places; default classes × standard class size", "students"),
    Field("beds", "count", False, ("boarding_beds", "床位数", "宿舍床位", "住宿床位"), "boarding beds", "beds"),
    Field("boarders", "count", False, ("寄宿生数", "住宿生数"), "students boarding now", "students"),
    Field("bus_riders", "count", False, ("校车学生数", "乘坐校车学生数", "乘车学生数", "校车人数"),
          "students riding a school bus (校车) to school today; blank: nobody is assumed to ride", "students"),
    Field("canteen", "bool", False, ("has_canteen", "食堂", "是否有食堂"), "has a canteen (yes/no)"),
    Field("teachers", "count", False, ("teachers_total", "专任教师数", "教师数", "教职工数"), "full-time teachers"),
    Field("teachers_degree", "count", False, ("高于规定学历教师数", "高学历教师数"),
          "teachers above the required degree (专科+ primary, 本科+ middle)"),
    Field("teachers_key", "count", False, ("骨干教师数", "县级以上骨干教师数"), "county-level-or-above key teachers"),
    Field("teachers_pe_art", "count", False, ("体育艺术教师数", "体育、艺术专任教师数", "音体美教师数"),
          "PE, music and art specialist teachers"),
    Field("teachers_senior", "count", False, ("中级及以上职称教师数", "中高级职称教师数"),
          "teachers with intermediate or higher professional title"),
    Field("floor_teaching", "amount", False, ("教学及辅助用房面积", "教学辅助用房面积"),
          "teaching and auxiliary floor area", "m²"),
    Field("floor_sports", "amount", False, ("体育运动场馆面积", "运动场面积"), "sports ground area", "m²"),
    Field("floor_dorm", "amount", False, ("宿舍面积", "学生宿舍面积"), "dormitory floor area", "m²"),
    Field("equipment_value", "amount", False, ("教学仪器设备值", "仪器设备值", "教学仪器设备总值"),
          "teaching equipment value", "yuan"),
    Field("multimedia_rooms", "count", False, ("网络多媒体教室数", "多媒体教室数"), "networked multimedia classrooms"),
    Field("computers", "count", False, ("计算机台数", "电脑台数"), "computers for teaching"),
    Field("books", "count", False, ("图书册数", "藏书册数", "图书"), "library books"),
    Field("remote", "bool", False, ("偏远", "是否偏远"), "marked remote: kept even when small"),
]

_ROADS = [
    Field("road_class", "text", True, ("class", "highway", "fclass", "道路等级", "等级", "技术等级", "行政等级"),
          "expressway, national, provincial, county, township, village or footpath (OSM highway values and "
          "国道/省道/县道/乡道/村道 accepted)"),
    Field("speed_kmh", "amount", False, ("speed", "maxspeed", "设计速度", "限速"),
          "vehicle speed on this line, overrides the class speed", "km/h"),
    Field("oneway", "bool", False, ("one_way", "单行", "单行道", "是否单行"),
          "traffic only in the line's drawing direction (yes/no); walking ignores it"),
    Field("name", "text", False, ("road_name", "道路名称", "名称"), "road name"),
    Field("road_id", "text", False, ("id", "道路编码"), "road id"),
]

_TOWNSHIPS = [
    Field("township", "text", True, ("name", "township_name", "乡镇", "乡镇名称", "镇"), "township name"),
    Field("township_id", "text", False, ("code", "乡镇代码"), "township code"),
]

_ATTENDANCE = [
    Field("village_id", "text", False, ("village", "村代码", "行政村代码", "村编码", "村庄编码", "户籍村", "家庭住址村"),
          "home village of the pupils (a village_id of villages.*); blank: pupils without a home village in the "
          "county (外县, 随迁)"),
    Field("school_id", "id", True, ("school", "school_code", "学校标识码", "学校代码", "学校编码", "就读学校"),
          "school they attend today (a school_id of schools.*)"),
    Field("grade", "count", False, ("年级", "就读年级"), "grade 1–9 (or give band instead)"),
    Field("band", "text", False, ("grade_band", "学段", "年级段"),
          "grade band g1_3, g4_6 or g7_9 (1-3年级 / 4-6年级 / 7-9年级 accepted) when grades are not given"),
    Field("children", "count", True, ("pupils", "students", "count", "人数", "学生数", "在校生数"),
          "pupils of that village, school and grade (or band)", "students"),
    Field("mode", "text", False, ("travel_mode", "上学方式", "交通方式", "方式"),
          "how they go today: walk, bus or board (步行 / 校车 / 寄宿); blank: inferred from the school's boarders "
          "and bus riders"),
]

_CANDIDATES = [
    Field("candidate_id", "id", True, ("id", "site_id", "候选点编号", "编号"), "unique id of the candidate site"),
    Field("name", "text", True, ("site_name", "名称", "候选点名称", "拟建学校名称"), "name of the school it would be"),
    Field("township", "text", False, ("town", "乡镇", "所属乡镇"), "township the site is in"),
    Field("kind", "kind", True, ("type", "school_type", "办学类型", "学校类型"),
          "the kind of school the site can take (teaching_point, primary, middle, nine_year)"),
    Field("seats", "text", True, ("capacity", "capacity_options", "seat_options", "学位数", "规模", "可选规模"),
          "seat options, one number or several separated by '|' or '、' (e.g. 900|1200|1500)", "students"),
    Field("beds", "count", False, ("boarding_beds", "床位数"), "boarding beds built with the school (default: none, "
          "the recommendation adds them where boarders need them)", "beds"),
    Field("capital_yuan", "amount", False, ("capital", "cost", "投资", "建设投资", "造价"),
          "capital cost of the site works (default: costs.new_school_capital of the standards)", "yuan"),
    Field("note", "text", False, ("notes", "备注", "说明"), "free text (e.g. land status)"),
]

SCHEMA: dict[str, dict[str, Field]] = {
    "villages": {f.name: f for f in _VILLAGES},
    "schools": {f.name: f for f in _SCHOOLS},
    "roads": {f.name: f for f in _ROADS},
    "townships": {f.name: f for f in _TOWNSHIPS},
    "attendance": {f.name: f for f in _ATTENDANCE},
    "candidates": {f.name: f for f in _CANDIDATES},
}

_ALIAS_INDEX: dict[str, dict[str, str]] = {}
for _layer, _fields in SCHEMA.items():
    idx: dict[str, str] = {}
    for _f in _fields.values():
        for _a in (_f.name, *_f.aliases):
            idx.setdefault(_a.strip().lower(), _f.name)
    _ALIAS_INDEX[_layer] = idx


def resolve_alias(layer: str, header: str) -> str | None:
    """The canonical column a header stands for in a layer, or ``None`` if unknown.

    Matching ignores case and surrounding spaces (full-width spaces too).
    """
    key = str(header).replace("\u3000", " ").strip().lower()
    return _ALIAS_INDEX[layer].get(key)


def alias_table_markdown() -> str:
    """The alias table of every layer as Markdown (the source of ``docs/data_format.md``'s tables).

    Example
    -------
    >>> "| `school_id` |" in alias_table_markdown()
    True
    """
    kinds = {"id": "text, unique", "text": "text", "count": "whole number ≥ 0", "amount": "number ≥ 0",
             "bool": "yes/no", "kind": "school kind", "grades": "grade range"}
    out = []
    for layer, fields in SCHEMA.items():
        out.append(f"### {layer}\n")
        out.append("| column | required | type | unit | meaning | also accepted |")
        out.append("|---|---|---|---|---|---|")
        for f in fields.values():
            aliases = ", ".join(f"`{a}`" for a in f.aliases)
            out.append(f"| `{f.name}` | {'yes' if f.required else ''} | {kinds[f.kind]} | {f.unit} | "
                       f"{f.description} | {aliases} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":  # python -m layout.schema > alias tables for docs/data_format.md
    print(alias_table_markdown())
