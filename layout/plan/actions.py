"""The actions a layout-adjustment proposal is made of.

Each action is a small frozen dataclass; :meth:`layout.plan.Plan.apply` turns a plan and an action into a new
plan. ``line`` remembers where the action came from in a proposal file (for error messages and reports) and
takes no part in equality.

========================  ==========================================================================
action                    meaning
========================  ==========================================================================
``Close(school)``         the school stops teaching; its pupils go to the nearest school with room
``Merge(from_, into)``    撤并: ``from_`` closes and ``into`` takes its pupils (seats grow by them)
``Downgrade(school, …)``  keep fewer grades, e.g. a village primary kept as a 1–3 teaching point
``AddBoarding(school,…)`` build dormitory beds (and a canteen)
``Expand(school, seats)`` build classrooms for more seats
``Open(id, name, …)``     a new school at a given site
``DesignateBoarding(…)``  name a school a boarding school (寄宿制学校)
``MovePupils(villages,…)`` re-zone (调整划片): the pupils of some villages (some bands) go to ``to``
========================  ==========================================================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, ClassVar

from layout.i18n import DEFAULT_LANG, t, term

__all__ = ["Action", "Close", "Merge", "Downgrade", "AddBoarding", "Expand", "Open", "DesignateBoarding",
           "MovePupils", "ACTION_TYPES", "format_grades"]


def format_grades(lo: int, hi: int) -> str:
    """``"1-3"`` for grades 1 to 3."""
    return f"{int(lo)}-{int(hi)}"


@dataclass(frozen=True)
class Action:
    """Base of all actions. ``line`` is the proposal-file line the action was read from (or None)."""

    keyword: ClassVar[str] = ""
    line: int | None = field(default=None, compare=False, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        """The action as it is written in a proposal file: ``{keyword: {field: value, ...}}``."""
        body = {}
        for f in fields(self):
            if f.name == "line":
                continue
            value = getattr(self, f.name)
            if value is None or (f.name == "resources" and not value):
                continue
            key = "from" if f.name == "from_" else f.name
            body[key] = dict(value) if isinstance(value, dict) else value
        return {self.keyword: body}

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        """One line for reports, in ``lang``."""
        d = {k: v for k, v in asdict(self).items() if k != "line" and v is not None}
        return t("plan_action.other", lang, keyword=term("action", self.keyword, lang),
                 fields=", ".join(f"{k}={v}" for k, v in d.items()))


@dataclass(frozen=True)
class Close(Action):
    """Close a school. Its teachers and equipment go to ``resources_to`` (default: the nearest open school
    teaching the same grades), following ``resources_on_closure`` in the standards."""

    keyword: ClassVar[str] = "close"
    school: str
    resources_to: str | None = None

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.close", lang, school=self.school)


@dataclass(frozen=True)
class Merge(Action):
    """Merge ``from_`` into ``into`` (撤并): ``from_`` closes, ``into`` must take its pupils in the grades it
    teaches, so its seats grow by them (in the same classrooms, unless the plan also expands it) and the
    closed school's resources move to it."""

    keyword: ClassVar[str] = "merge"
    from_: str
    into: str

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.merge", lang, source=self.from_, into=self.into)


@dataclass(frozen=True)
class Downgrade(Action):
    """Keep only some grades (``"1-3"``): e.g. a village primary kept as a teaching point for grades 1–3."""

    keyword: ClassVar[str] = "downgrade"
    school: str
    grades: str

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.downgrade", lang, school=self.school, grades=self.grades)


@dataclass(frozen=True)
class AddBoarding(Action):
    """Build ``beds`` boarding beds (dormitory) at a school; with ``canteen`` (default yes) a canteen too where it
    has none (``beds: 0`` builds only the canteen)."""

    keyword: ClassVar[str] = "add_boarding"
    school: str
    beds: int
    canteen: bool = True

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.add_boarding", lang, school=self.school, beds=self.beds)


@dataclass(frozen=True)
class Expand(Action):
    """Build classrooms for ``seats`` more students (classes at the standard class size), for one band (``g1_3``,
    ``g4_6``, ``g7_9``) or spread over the bands the school teaches."""

    keyword: ClassVar[str] = "expand"
    school: str
    seats: int
    band: str | None = None

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        if self.band:
            return t("plan_action.expand_band", lang, school=self.school, seats=self.seats,
                     band=term("band", self.band, lang))
        return t("plan_action.expand", lang, school=self.school, seats=self.seats)


@dataclass(frozen=True)
class Open(Action):
    """Open a new school at ``lon``, ``lat`` (WGS84/CGCS2000 degrees; ``gcj02: true`` for AMap points).

    ``grades`` defaults from the kind; ``canteen`` defaults to yes when there are beds; ``resources`` may give
    the new school's teachers, floor areas and equipment (columns as in ``schools.csv``) for the balance
    indicators.
    """

    keyword: ClassVar[str] = "open"
    id: str
    name: str
    kind: str
    lon: float
    lat: float
    seats: int
    beds: int = 0
    grades: str | None = None
    township: str | None = None
    canteen: bool | None = None
    gcj02: bool | None = None
    resources: dict | None = None
    capital: float | None = None
    premises_of: str | None = None

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.open", lang, name=self.name, id=self.id, seats=self.seats, beds=self.beds)


@dataclass(frozen=True)
class DesignateBoarding(Action):
    """Name a school a boarding school: it takes boarders up to its beds."""

    keyword: ClassVar[str] = "designate_boarding"
    school: str

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        return t("plan_action.designate_boarding", lang, school=self.school)


@dataclass(frozen=True)
class MovePupils(Action):
    """Re-zone (调整划片): the pupils of ``villages`` in ``bands`` (default every band the school teaches) go to
    school ``to`` — e.g. the town villages whose grades 7–9 a new middle school takes in, or children of a village
    that no school's roll holds today. With ``from_`` only those now at that school move. They go there by walk,
    bus or boarding as the travel rule allows; where it does not, to the next best school, and the evaluation says
    why. Moving pupils to the school they attend re-places them by the rule: a long walk becomes a bus ride."""

    keyword: ClassVar[str] = "move"
    villages: tuple[str, ...]
    to: str
    bands: tuple[str, ...] | None = None
    from_: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"villages": list(self.villages), "to": self.to}
        if self.bands:
            body["bands"] = list(self.bands)
        if self.from_:
            body["from"] = self.from_
        return {self.keyword: body}

    def describe(self, lang: str = DEFAULT_LANG) -> str:
        bands = (t("plan_action.move_bands", lang, bands=t("reason.names_sep", lang).join(
            term("band", b, lang) for b in self.bands)) if self.bands else "")
        return t("plan_action.move", lang, n=len(self.villages), bands=bands, to=self.to)


ACTION_TYPES: dict[str, type[Action]] = {
    cls.keyword: cls for cls in (Close, Merge, Downgrade, AddBoarding, Expand, Open, DesignateBoarding, MovePupils)
}
