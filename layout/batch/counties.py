"""Province runs: every county folder under a directory, one batch each, one table for all."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from layout.batch.pareto import DEFAULT_OBJECTIVES
from layout.batch.runner import BatchResult, evaluate_many

__all__ = ["find_counties", "evaluate_counties", "GENERATED"]

GENERATED = re.compile(r"^generated(?::(\d+))?$")
_VILLAGE_FILES = ("villages.csv", "villages.xlsx", "villages.gpkg", "villages.shp", "villages.geojson",
                  "villages.txt", "村庄.csv", "村庄.xlsx")


def find_counties(folder: str | Path) -> list[Path]:
    """County folders directly under ``folder`` (those holding a villages file), sorted by name.

    Example
    -------
    >>> from layout.io.write import write_county
    >>> for name in ("county_b", "county_a"):
    ...     _ = write_county(county, out / "province" / name)
    >>> (out / "province" / "notes").mkdir()                 # no villages file: not a county
    >>> [p.name for p in find_counties(out / "province")]
    ['county_a', 'county_b']
    """
    from layout.errors import LayoutInputError, Problem

    folder = Path(folder)
    if not folder.is_dir():
        raise LayoutInputError([Problem(str(folder), "the counties folder does not exist",
                                        fix="give a folder holding one sub-folder per county")])
    found = sorted(p for p in folder.iterdir()
                   if p.is_dir() and (any(p.glob("villages.*")) or any((p / n).exists() for n in _VILLAGE_FILES)))
    if not found:
        raise LayoutInputError([Problem(str(folder), "no county folders (with a villages file) inside",
                                        fix="put each county's villages and schools files in its own sub-folder")])
    return found


def evaluate_counties(folder: str | Path, proposals: str = "proposals", *, year: int = 0,
                      goal: str | Sequence[str] = "balanced", objectives: Sequence[str] = DEFAULT_OBJECTIVES,
                      client=None, scheduler: str | None = None, n_jobs: int | None = 1,
                      cache_dir: str | Path | None = None, progress: bool = True, seed: int = 0,
                      processes: int | None = None) -> BatchResult:
    """Evaluate the proposals of every county under ``folder`` into one table (``county`` column first).

    Parameters
    ----------
    folder : path
        One sub-folder per county (see :func:`find_counties`).
    proposals : str
        The proposals sub-folder inside each county (default ``proposals``), or ``generated:N`` to evaluate N
        random valid proposals per county (:func:`layout.batch.random_proposals`, seeded by ``seed``).
    year, goal, objectives, client, scheduler, n_jobs, cache_dir, progress
        As in :func:`evaluate_many`; Pareto front and rank are within each county. One process pool (or
        Dask client) serves all counties.
    seed : int
    processes : int, optional
        The former name of ``n_jobs`` (kept for existing scripts); when given it wins.

    Returns
    -------
    BatchResult
        A county that cannot be read is one ``invalid`` row with the reading error; the others go on.
    """
    from layout.batch.dask_backend import get_client
    from layout.batch.local_backend import make_pool, resolve_jobs
    from layout.batch.proposals import random_proposals
    from layout.batch.runner import finish_table
    from layout.errors import LayoutInputError
    from layout.io.read import read_county

    folders = find_counties(folder)
    gen = GENERATED.match(proposals)
    own_client = client is None and scheduler is not None
    dask_client = get_client(scheduler, client) if (client is not None or scheduler is not None) else None
    n_proc = resolve_jobs(processes if processes is not None else n_jobs)
    pool = make_pool(n_proc) if dask_client is None and n_proc > 1 else None
    rows: list[dict] = []
    seconds: list[float] = []
    cached = 0
    try:
        for path in folders:
            try:
                county = read_county(path)
                props = random_proposals(county, int(gen.group(1) or 20), seed) if gen else path / proposals
                res = evaluate_many(county, props, year=year, goal=goal, objectives=objectives, client=dask_client,
                                    n_jobs=n_proc, cache_dir=cache_dir, progress=progress, executor=pool,
                                    county_label=path.name)
            except LayoutInputError as err:
                rows.append({"county": path.name, "proposal": "", "file": str(path), "status": "invalid",
                             "error": err.format()})
                seconds.append(0.0)
                continue
            except Exception as err:  # noqa: BLE001 — one county failing must not stop the province: recorded
                rows.append({"county": path.name, "proposal": "", "file": str(path), "status": "failed",
                             "error": f"{type(err).__name__}: {err}"})
                seconds.append(0.0)
                continue
            rows.extend(res.table.drop(columns=["pareto", "rank"]).to_dict(orient="records"))
            seconds.extend(res.seconds.tolist())
            cached += res.cached
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        if own_client and dask_client is not None:
            dask_client.close()
    table = finish_table(rows, goal, objectives)
    backend = "dask" if dask_client is not None else ("processes" if pool is not None else "inline")
    return BatchResult(table=table, goal=goal if isinstance(goal, str) else tuple(goal), objectives=tuple(objectives),
                       seconds=pd.Series(seconds, index=table.index, dtype=float), cached=cached, backend=backend)
