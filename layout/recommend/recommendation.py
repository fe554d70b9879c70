"""`Recommendation`: the recommended plan with its actions, reasons, frontier, robustness and evaluations."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from layout.display import HtmlDisplay
from layout.i18n import DEFAULT_LANG, localise, t, term

__all__ = ["Recommendation"]


@dataclass(frozen=True, eq=False)
class Recommendation(HtmlDisplay):
    """What :func:`layout.recommend.recommend` returns.

    Attributes
    ----------
    plan : Plan
        The recommended layout (its actions are a proposal file's actions).
    actions : DataFrame
        ``school_id, name, action, target, beds, seats, holds_all, reasons_zh, reasons_en``.
    frontier : DataFrame or None
        The trade-off frontier (see :mod:`layout.recommend.frontier`).
    robustness : DataFrame
        Per school an action is about, whether it holds now and at the later years checked.
    evaluation, baseline : Evaluation
        The plan's and the status quo's evaluation (year 0).
    goal : str
    horizon : int
    notes : tuple of str
    evaluations_by_year : dict
        ``year -> (plan evaluation, status quo evaluation)``.
    seconds : float
        Wall time of the computation (not written to files, so outputs repeat exactly).
    targets : Targets
        The targets the plan was asked to meet.
    relaxed : tuple of dict
        Targets it does not meet, each with the schools or villages that block it and why.
    model_status : dict
        The school model's solve: ``status``, ``gap``, ``objective``, ``lower_bound``, ``seconds``, ``rounds``.
    stages : dict
        Schools per stage before and after, closures under 50 / 100 pupils, new sites, boarding primaries.
    cost_shares : DataFrame
        Each action's school's share of the county's cost change (:mod:`layout.recommend.money`).
    cost_other : Series
        What no school explains (shares + other = the county's change).
    """

    display_kind = "recommendation"   # its HTML in Jupyter comes from the renderer registered in layout.display

    plan: Any
    actions: pd.DataFrame
    frontier: pd.DataFrame | None
    robustness: pd.DataFrame
    evaluation: Any
    baseline: Any
    goal: str = "fewest_schools"
    horizon: int = 10
    notes: tuple[str, ...] = ()
    evaluations_by_year: dict = field(default_factory=dict, repr=False)
    seconds: float = field(default=0.0, repr=False)
    targets: Any = None
    relaxed: tuple = ()
    model_status: dict = field(default_factory=dict)
    stages: dict = field(default_factory=dict)
    cost_shares: pd.DataFrame | None = field(default=None, repr=False)
    cost_other: pd.Series | None = field(default=None, repr=False)

    def changes(self) -> pd.DataFrame:
        """The actions that change something (every row but ``keep``)."""
        return self.actions[self.actions["action"] != "keep"].reset_index(drop=True)

    def reasons(self, lang: str = DEFAULT_LANG) -> dict[str, list[str]]:
        """``school_id -> [reason, ...]`` in one language (what maps and reports show per school)."""
        col = "reasons_zh" if lang == "zh" else "reasons_en"
        out: dict[str, list[str]] = {}
        for r in self.actions.itertuples(index=False):
            out.setdefault(str(r.school_id), []).append(str(getattr(r, col)))
        return out

    def summary(self, lang: str = DEFAULT_LANG) -> str:
        """A few lines for the terminal: counts of actions and the headline before/after numbers."""
        c = self.changes()["action"].value_counts().sort_index()
        b, e = self.baseline.summary_metrics(), self.evaluation.summary_metrics()
        parts = t("reason.names_sep", lang).join(
            t("recommendation.count", lang, action=term("action_count", k, lang), n=v) for k, v in c.items())
        return t("recommendation.summary", lang, goal=term("goal", self.goal, lang),
                 actions=parts or t("recommendation.no_change", lang), open_before=b["schools_open"],
                 open_after=e["schools_open"], cost_before=f"{b['annual_cost']:,.0f}",
                 cost_after=f"{e['annual_cost']:,.0f}", capital=f"{e['capital_cost']:,.0f}",
                 unserved_before=b["students_unserved"], unserved_after=e["students_unserved"],
                 new_hard=e["new_hard_violations"], hard_today=b["violations_hard"])

    def format_stages(self, lang: str = DEFAULT_LANG) -> str:
        """Schools per stage before → after, closures of schools under 50 / 100 pupils, downgrades, new sites and
        boarding primaries per township, as a few lines for the terminal."""
        st = self.stages
        if not st:
            return ""
        b, a = st["schools_before"], st["schools_after"]
        town = st.get("boarding_primaries_by_township", {})
        towns = t("reason.names_sep", lang).join(t("recommendation.town_count", lang, town=k, n=v)
                                                  for k, v in town.items())
        return t("recommendation.stages", lang, p0=b["primary"], p1=a["primary"], m0=b["middle"], m1=a["middle"],
                 closed=st["closed"], c50=st["closed_under_50"], pool50=st["pool_under_50"],
                 c100=st["closed_under_100"], downgraded=st["downgraded"], new=st["new_sites"],
                 towns=towns or t("recommendation.none", lang))

    def note_lines(self, lang: str = DEFAULT_LANG) -> list[str]:
        """The notes of the computation in ``lang``."""
        return [localise(n, lang) for n in self.notes]

    def to_dict(self) -> dict:
        """JSON-safe plain data (goal, notes, actions, frontier, robustness, boarding sites, headline numbers)."""
        from layout.evaluate import json_safe

        return json_safe({
            "goal": self.goal, "horizon": self.horizon, "plan": self.plan.name, "notes": list(self.notes),
            "notes_zh": self.note_lines("zh"),
            "targets": self.targets.to_dict() if self.targets is not None else None,
            "targets_not_met": list(self.relaxed), "model": self.model_status, "stages": self.stages,
            "actions": self.actions, "frontier": self.frontier if self.frontier is not None else [],
            "robustness": self.robustness,
            "cost_shares": self.cost_shares.reset_index() if self.cost_shares is not None else [],
            "cost_other": self.cost_other.to_dict() if self.cost_other is not None else {},
            "status_quo": self.baseline.summary_metrics(), "recommended": self.evaluation.summary_metrics(),
        })

    def write(self, out_dir: str | Path, lang: str = DEFAULT_LANG) -> dict[str, Path]:
        """Write every output atomically into ``out_dir``.

        Files: ``plan.yaml`` (a proposal :func:`layout.plan.read_proposal` reads back), ``evaluation.json`` (the
        plan), ``evaluation_status_quo.json``, ``actions.csv``, ``frontier.csv``, ``robustness.csv``,
        ``recommendation.json`` — the data only; the frontier's pictures are drawn by the presentation side
        (:func:`layout.report.write_frontier_charts`, which ``layout plan`` calls).

        Returns
        -------
        dict
            name -> path written.
        """
        from layout.io.safe_tables import safe_csv_text
        from layout.io.write import atomic_write_text
        from layout.plan import write_proposal

        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        paths = {"plan": write_proposal(self.plan, out / "plan.yaml"),
                 "evaluation": self.evaluation.write_json(out / "evaluation.json"),
                 "evaluation_status_quo": self.baseline.write_json(out / "evaluation_status_quo.json")}
        paths["actions"] = atomic_write_text(out / "actions.csv", safe_csv_text(self.actions))
        paths["robustness"] = atomic_write_text(out / "robustness.csv", safe_csv_text(self.robustness))
        front = self.frontier if self.frontier is not None else pd.DataFrame()
        paths["frontier"] = atomic_write_text(out / "frontier.csv", safe_csv_text(front))
        paths["recommendation"] = atomic_write_text(
            out / "recommendation.json", json.dumps(self.to_dict(), ensure_ascii=False, indent=2))
        return paths

    def layers(self) -> dict:
        """The recommended plan as GIS layers (:mod:`layout.recommend.frames`).

        Returns
        -------
        dict
            name -> GeoDataFrame: the evaluation's ``schools`` (with ``recommended``, ``reasons_zh``,
            ``reasons_en``), ``villages``, ``assignments``, ``bus_routes``, ``bus_stops``, and ``changes``.
        """
        from layout.recommend.frames import recommendation_layers

        return recommendation_layers(self)

    def to_file(self, path: str | Path) -> Path:
        """Write the GIS layers into one GeoPackage (``.gpkg``) for QGIS / ArcGIS, with Chinese field aliases
        (``docs/guide/gis.md``), atomically.

        Parameters
        ----------
        path : str or Path
            A file name ending ``.gpkg`` (replaced whole if it exists).

        Returns
        -------
        Path
        """
        from layout.recommend.frames import write_recommendation

        return write_recommendation(self, path)

    def __repr__(self) -> str:
        return f"Recommendation({self.goal!r}: {self.summary('en')})"
