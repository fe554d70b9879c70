"""What-if planning on a map, in Jupyter or as a small local app.

* :func:`explore` — a :class:`~layout.explore.widget.WhatIfWidget` for a county folder (or County), starting from
  today's layout, a proposal file or a recommendation.
* ``layout explore DIR`` (:mod:`layout.cli.explore`) serves the same widget with Voilà on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["explore", "WhatIfWidget"]


def explore(county, start=None, *, year: int = 0, lang: str = "zh", out: str | Path | None = None,
            cache_dir=None, goal: str | None = None):
    """The what-if widget for a county.

    Parameters
    ----------
    county : County or path
        A county, or a county folder (read with :func:`layout.read_county`).
    start : Plan, Recommendation, path or "recommend", optional
        Where to start: today's layout (default), a plan, a proposal file, a recommendation, or ``"recommend"``
        to compute one (``goal`` as for :func:`layout.recommend.recommend`).
    year : int
        Years ahead.
    lang : str
        ``zh`` (default) or ``en``.
    out : path, optional
        Where "save proposal" writes ``proposal.yaml``.
    cache_dir : path, optional
        Travel cache folder.

    Returns
    -------
    WhatIfWidget

    Example
    -------
    >>> w = explore(county, start=plan, lang="en")      # in Jupyter, the cell shows the map and the panel
    >>> w.panel["title"]
    'What if: changes against the starting plan'
    >>> sorted(w.geo)                                     # the map's layers, sent to the page
    ['bounds', 'candidates', 'roads', 'schools', 'townships', 'villages']
    """
    from layout.explore.widget import WhatIfWidget
    from layout.scenario import Scenario

    if isinstance(county, (str, Path)):
        from layout import read_county

        county = read_county(county)
    if isinstance(start, str) and start == "recommend":
        from layout.recommend import recommend

        start = recommend(county, **({"goal": goal} if goal else {}))
    return WhatIfWidget(Scenario(county, start, year=year, cache_dir=cache_dir), lang=lang, out=out)


def __getattr__(name: str):
    if name == "WhatIfWidget":
        from layout.explore.widget import WhatIfWidget

        return WhatIfWidget
    raise AttributeError(name)
