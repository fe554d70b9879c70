"""The what-if widget: a county map (schools coloured by action, villages by trip) beside a panel with the delta,
the clicked school's allowed actions, refusals with their rule, undo/redo and "save proposal".

Built on anywidget: its front end is one ES module shipped in this package (``static/whatif.js``) with Leaflet
inlined from the ``xstatic-leaflet`` wheel, the same copy the offline HTML maps inline. The module reaches the
browser through the kernel's own connection, so the widget works with no internet: no CDN, and no map tiles —
townships, roads, villages and schools are vector layers drawn from the county's data. Works in JupyterLab,
Notebook 7, VS Code and Voilà (``layout explore``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import anywidget
import traitlets

from layout.explore.geo import map_data, map_styles, school_point
from layout.i18n import label
from layout.maps.offline import leaflet_assets
from layout.scenario import ActionRefused, Scenario
from layout.scenario.panel import panel_rows

__all__ = ["WhatIfWidget", "widget_module"]

_STATIC = Path(__file__).with_name("static")
_KINDS = ("teaching_point", "primary", "middle", "nine_year")


@cache
def widget_module() -> tuple[str, str]:
    """The widget's ES module (Leaflet inlined in a function scope: no global, no network) and its CSS."""
    js, css = leaflet_assets()
    js = js.replace("<\\/script", "</script")
    leaflet = "const L = (function () { const module = { exports: {} }; const exports = module.exports;\n" + js + \
        "\nreturn module.exports; })();\n"
    own = (_STATIC / "whatif.js").read_text(encoding="utf-8")
    return leaflet + own, css.replace("<\\/style", "</style") + "\n" + (_STATIC / "whatif.css").read_text("utf-8")


def _labels(lang: str) -> dict[str, str]:
    from layout.i18n import catalogue

    return {k: label(k, lang) for k in catalogue() if k.startswith("whatif_") or k in ("seats", "beds")} | {
        k: label(k, lang) for k in ("g1_3", "g4_6", "g7_9", "primary", "middle", "teaching_point", "nine_year")}


class WhatIfWidget(anywidget.AnyWidget):
    """What-if planning on a map.

    Parameters
    ----------
    scenario : Scenario
    lang : str
        ``zh`` (default) or ``en``.
    out : path, optional
        Folder where "save proposal" writes ``proposal.yaml`` (default: the current folder).

    Example
    -------
    >>> w = WhatIfWidget(Scenario(county), lang="en")
    >>> w.do({"action": "close", "school": "S011"})         # what the page sends when a planner clicks "close"
    True
    >>> [a["text"] if isinstance(a, dict) else a for a in w.panel["actions"]]
    ['close S011']
    >>> w.panel["numbers"]["moved.total"] > 0               # its pupils now go elsewhere
    True
    """

    # Declared here: anywidget syncs _css only when the class has it (passed to __init__ alone, it never reaches the
    # page, and the map is drawn without Leaflet's stylesheet or ours, 81 pixels high, its markers empty)
    _esm = traitlets.Unicode().tag(sync=True)
    _css = traitlets.Unicode().tag(sync=True)
    geo = traitlets.Dict().tag(sync=True)
    styles = traitlets.Dict().tag(sync=True)
    panel = traitlets.Dict().tag(sync=True)
    selected = traitlets.Dict().tag(sync=True)
    message = traitlets.Dict().tag(sync=True)
    labels = traitlets.Dict().tag(sync=True)
    busy = traitlets.Bool(False).tag(sync=True)

    def __init__(self, scenario: Scenario, lang: str = "zh", out: str | Path | None = None, **kwargs):
        esm, css = widget_module()
        super().__init__(_esm=esm, _css=css, **kwargs)
        self.scenario = scenario
        self.lang = lang
        self.out = Path(out) if out is not None else Path.cwd()
        self._merge_from: str | None = None
        self._known_schools = set(scenario.plan.schools.index)
        self.labels = _labels(lang)
        self.geo = map_data(scenario.county, scenario.plan)
        self.on_msg(self._on_message)
        self.refresh()

    # ---- state shown ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Recolour the map and redraw the panel from the scenario's current state."""
        sc = self.scenario
        styles = map_styles(sc.county, sc.plan, sc.evaluation, sc.recommendation, self.lang)
        new = [sid for sid in sc.plan.schools.index if sid not in self._known_schools]
        if new:
            ll = sc.plan.schools.loc[new].to_crs(4326)
            styles["new_schools"] = [school_point(sid, sc.plan.schools.loc[sid], ll.geometry[sid]) for sid in new]
            self._known_schools.update(new)
        self.styles = styles
        d = sc.delta(self.lang)
        zh = self.lang == "zh"
        self.panel = {
            "title": label("whatif_title", self.lang),
            "actions": [a["zh" if zh else "en"] for a in d.actions],
            "sections": panel_rows(d, self.lang),
            "numbers": d.numbers(),
            "new_violations": [{"code": v.code, "severity": v.severity, "text": v.message_zh if zh else v.message_en}
                               for v in d.new_violations if v.severity != "confirm"],
            "resolved": [{"code": v.code, "text": v.message_zh if zh else v.message_en}
                         for v in d.resolved_violations if v.severity != "confirm"],
            "seconds": round(float(sc.last_step.seconds), 3),
        }
        self._delta = d

    def select_school(self, sid: str) -> None:
        """Show a school and the actions allowed for it."""
        sc = self.scenario
        s = sc.plan.schools
        if sid not in s.index:
            return
        t = sc.evaluation.schools.loc[sid]
        zh = self.lang == "zh"
        status = label("whatif_status_open" if t["status"] == "open" else "whatif_status_closed", self.lang)
        info = [(label("whatif_kind", self.lang), label(str(t["kind"]), self.lang)),
                (label("enrolment", self.lang), int(t["enrolment"])), ("年级" if zh else "grades", str(t["grades"])),
                (label("seats", self.lang), int(t["seats"])), (label("beds", self.lang), int(t["beds"])),
                ("最大班额" if zh else "largest class", float(t["max_class_size"])), ("状态" if zh else "status", status)]
        reasons = self._delta.reasons.get(sid, []) if hasattr(self, "_delta") else []
        if not reasons and sc.recommendation is not None:
            reasons = sc.recommendation.reasons(self.lang).get(sid, [])
        self.selected = {"kind": "school", "id": sid, "title": f"{t['name']}({sid})", "info": info,
                         "actions": sc.allowed_actions(sid), "reasons": list(reasons)}

    def _select_point(self, lon: float, lat: float, candidate: str | None = None) -> None:
        std = self.scenario.standards
        if candidate is not None:
            a = self.scenario.open_action(candidate=candidate)
            title = f"{label('whatif_candidates', self.lang)}: {a.name}({candidate})"
        else:
            a = self.scenario.open_action(at=(lon, lat))
            title = f"{label('whatif_open', self.lang)} ({lat:.4f}, {lon:.4f})"
        kinds = [[k, label(k, self.lang)] for k in _KINDS if k in std.school_kinds]
        self.selected = {"kind": "candidate" if candidate else "point", "id": candidate, "at": [a.lon, a.lat],
                         "title": title, "info": [],
                         "actions": [{"action": "open", "kind": a.kind, "seats": a.seats, "beds": a.beds,
                                      "kinds": kinds}, {"action": "cancel"}]}

    # ---- what a click asks -------------------------------------------------------------------------------
    def _on_message(self, _widget, content: dict, _buffers) -> None:
        kind = content.get("type")
        try:
            if kind == "school":
                sid = str(content.get("id"))
                if self._merge_from is not None:
                    frm, self._merge_from = self._merge_from, None
                    self.do({"action": "merge", "school": frm, "into": sid})
                else:
                    self.message = {}
                    self.select_school(sid)
            elif kind == "pick_merge":
                self._merge_from = str(content.get("school"))
                self.message = {"kind": "info", "text": label("whatif_merge_pick", self.lang)}
            elif kind == "point":
                self._merge_from = None
                self.message = {}
                self._select_point(float(content["lon"]), float(content["lat"]))
            elif kind == "candidate":
                self.message = {}
                self._select_point(0.0, 0.0, candidate=str(content.get("id")))
            elif kind == "cancel":
                self._merge_from = None
                self.selected, self.message = {}, {}
            elif kind == "act":
                self.do(content)
            elif kind == "undo":
                self._busy(lambda: self.scenario.undo())
                self.message = {}
            elif kind == "redo":
                self._busy(lambda: self.scenario.redo())
                self.message = {}
            elif kind == "save":
                path = self.save()
                self.message = {"kind": "info", "text": f"{label('whatif_saved', self.lang)}: {path}"}
        except (ValueError, KeyError, TypeError) as err:     # bad input from the page: shown, never raised
            self.message = {"kind": "refused", "text": str(err)}

    def _busy(self, fn) -> None:
        self.busy = True
        try:
            fn()
            self.refresh()
        finally:
            self.busy = False

    def do(self, request: dict) -> bool:
        """Apply one action request (as the page sends it: ``action``, ``school`` and its fields); a refusal is
        shown in the panel with its rule and the scenario stays unchanged. Returns whether it was applied."""
        sc = self.scenario
        a, sid = request.get("action"), request.get("school")
        calls = {
            "close": lambda: sc.close(sid),
            "merge": lambda: sc.merge(sid, str(request["into"])),
            "downgrade": lambda: sc.downgrade(sid, str(request["grades"])),
            "designate_boarding": lambda: sc.designate_boarding(sid),
            "add_boarding": lambda: sc.add_boarding(sid, int(request["beds"])),
            "expand": lambda: sc.expand(sid, int(request["seats"])),
            "open": lambda: sc.open(at=None if request.get("candidate") else tuple(request["at"]),
                                    candidate=request.get("candidate"), kind=request.get("kind"),
                                    seats=int(request["seats"]), beds=int(request.get("beds") or 0)),
        }
        if a not in calls:
            self.message = {"kind": "refused", "text": f"unknown action {a!r}"}
            return False
        try:
            self._busy(calls[a])
        except ActionRefused as err:
            self.message = {"kind": "refused", "rule": err.rule, "text": err.message(self.lang),
                            "fix": err.fix(self.lang)}
            return False
        self.message = {"kind": "done", "text": next(iter(self.panel.get("actions", [])[-1:]), "")}
        if sid in sc.plan.schools.index and a != "open":
            self.select_school(sid)
        else:
            self.selected = {}
        return True

    def save(self, name: str = "proposal.yaml") -> Path:
        """Write the scenario's plan as a proposal file in :attr:`out` (``layout evaluate`` reads it back)."""
        self.out.mkdir(parents=True, exist_ok=True)
        return self.scenario.to_proposal(self.out / name)
