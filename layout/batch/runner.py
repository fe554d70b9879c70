"""``evaluate_many``: evaluate a folder (or list) of proposals for one county into one comparison table."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from layout.batch.cache import (
    ResultCache,
    county_fingerprint,
    plan_fingerprint,
    result_key,
    standards_fingerprint,
)
from layout.batch.pareto import DEFAULT_OBJECTIVES, pareto_mask
from layout.batch.ranking import rank
from layout.batch.rows import ID_COLUMNS, METRIC_COLUMNS, BatchContext, ProposalItem
from layout.i18n import DEFAULT_LANG

__all__ = ["BatchResult", "evaluate_many", "collect_proposals", "prepare_context", "finish_table"]

PROPOSAL_SUFFIXES = (".yaml", ".yml")

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class BatchResult:
    """The comparison table of a batch and how it was obtained.

    Attributes
    ----------
    table : DataFrame
        One row per proposal, in input order: ``county, proposal, file, status, error``, the metrics
        (:data:`layout.batch.rows.METRIC_COLUMNS`), ``pareto`` (bool) and ``rank`` (1 = best for ``goal``).
    goal : str
    objectives : tuple of str
        The Pareto objectives.
    seconds : Series
        Wall time per proposal (0 for rows taken from the cache).
    cached : int
        Rows taken from the cache.
    backend : str
        ``inline``, ``processes`` or ``dask``.
    """

    table: pd.DataFrame
    goal: str | tuple = "balanced"
    objectives: tuple[str, ...] = DEFAULT_OBJECTIVES
    seconds: pd.Series = field(default_factory=lambda: pd.Series(dtype=float))
    cached: int = 0
    backend: str = "inline"

    @property
    def ok(self) -> pd.DataFrame:
        """Rows of proposals evaluated without error."""
        return self.table[self.table["status"] == "ok"]

    @property
    def errors(self) -> pd.DataFrame:
        """Rows of proposals that failed, with their error text."""
        return self.table[self.table["status"] != "ok"][["county", "proposal", "file", "status", "error"]]

    @property
    def pareto(self) -> pd.DataFrame:
        """Pareto-optimal rows."""
        return self.table[self.table["pareto"]]

    def ranked(self) -> pd.DataFrame:
        """Evaluated rows ordered by rank."""
        return self.ok.sort_values("rank")

    def to_file(self, path: str | Path, lang: str = DEFAULT_LANG):
        """Write the table as .xlsx or .csv (atomically); headers in ``lang`` (``"en"`` keeps the column names)."""
        from layout.batch.tables import write_table

        return write_table(self, path, lang=lang)

    def __repr__(self) -> str:
        n_ok = int((self.table["status"] == "ok").sum())
        return (f"BatchResult({len(self.table)} proposals: {n_ok} evaluated, {len(self.table) - n_ok} with errors, "
                f"{int(self.table['pareto'].sum())} Pareto-optimal; backend {self.backend}, {self.cached} cached)")


def collect_proposals(proposals: str | Path | Iterable | Mapping) -> list[ProposalItem]:
    """Proposals as a list: a folder (its ``*.yaml``/``*.yml`` files, sorted), files, plans, or name → plan.

    Parameters
    ----------
    proposals : path, iterable of paths or Plans, or mapping of name -> Plan

    Returns
    -------
    list of ProposalItem
    """
    from layout.errors import LayoutInputError, Problem

    if isinstance(proposals, (str, Path)):
        folder = Path(proposals)
        if not folder.is_dir():
            raise LayoutInputError([Problem(str(folder), "the proposals folder does not exist",
                                            fix="give a folder of proposal .yaml files (see docs/proposals.md)")])
        paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in PROPOSAL_SUFFIXES and p.is_file())
        if not paths:
            raise LayoutInputError([Problem(str(folder), "no proposal files (*.yaml, *.yml) in the folder",
                                            fix="put one proposal per .yaml file in it (see docs/proposals.md)")])
        return [ProposalItem(label=p.stem, path=str(p)) for p in paths]
    if isinstance(proposals, Mapping):
        return [ProposalItem(label=str(k), plan=v.renamed(str(k)) if hasattr(v, "renamed") and v.name != k else v)
                for k, v in proposals.items()]
    items = []
    for p in proposals:
        if isinstance(p, (str, Path)):
            items.append(ProposalItem(label=Path(p).stem, path=str(p)))
        else:
            items.append(ProposalItem(label=str(getattr(p, "name", len(items))), plan=p))
    return items


def _keyed(items: list[ProposalItem], county_fp: str, standards_fp: str, year: int, extra: str) -> list[ProposalItem]:
    out = []
    for item in items:
        if item.plan is not None:
            pfp = "plan:" + plan_fingerprint(item.plan)
        else:
            try:
                pfp = "file:" + Path(item.path).name + hashlib.sha256(Path(item.path).read_bytes()).hexdigest()
            except OSError:
                pfp = "missing:" + str(item.path)
        out.append(ProposalItem(item.label, item.path, item.plan, result_key(county_fp, pfp, standards_fp, year,
                                                                             extra)))
    return out


def prepare_context(county, *, travel=None, standards=None, year: int = 0, evaluate_fn: Callable | None = None,
                    county_label: str | None = None, progress: bool = True) -> BatchContext:
    """Compute what every proposal of the county shares: travel matrices (once), standards, projected demand.

    ``progress`` shows the travel searches' progress bar when they take more than a second.
    """
    from layout.demand import project_demand
    from layout.evaluate import MODES
    from layout.network import travel as network_travel

    std = standards or county.standards
    travel = dict(travel or {})
    for mode in MODES:        # the county's own schools (the status quo has no new sites)
        if mode not in travel:
            travel[mode] = network_travel(county, mode, progress=progress)
    demand = project_demand(county, year)
    return BatchContext(county=county, travel=dict(travel), standards=std, year=int(year), demand=demand,
                        evaluate_fn=evaluate_fn, county_label=county.name if county_label is None else county_label)


def finish_table(rows: Sequence[dict], goal: str | Sequence[str] = "balanced",
                 objectives: Sequence[str] = DEFAULT_OBJECTIVES) -> pd.DataFrame:
    """Rows → the batch table with ``pareto`` and ``rank`` (within each county)."""
    cols = list(ID_COLUMNS) + list(METRIC_COLUMNS)
    table = pd.DataFrame(list(rows)).reindex(columns=cols).reset_index(drop=True)
    for c in ("county", "proposal", "file", "status", "error"):
        table[c] = table[c].fillna("").astype(str)
    table["pareto"] = False
    table["rank"] = pd.Series(pd.NA, index=table.index, dtype="Int64")
    for _, idx in table.groupby("county", sort=False).groups.items():
        sub = table.loc[idx]
        ok = sub["status"] == "ok"
        table.loc[idx, "pareto"] = pareto_mask(sub, objectives, eligible=ok)
        table.loc[idx, "rank"] = rank(sub, goal, ok=ok)
    table["pareto"] = table["pareto"].astype(bool)
    return table


def evaluate_many(county, proposals, *, travel: Mapping | None = None, standards=None, year: int = 0,
                  goal: str | Sequence[str] = "balanced", objectives: Sequence[str] = DEFAULT_OBJECTIVES,
                  client=None, scheduler: str | None = None, n_jobs: int | None = 1,
                  cache_dir: str | Path | None = None, progress: bool = True, executor=None,
                  evaluate_fn: Callable | None = None, county_label: str | None = None,
                  processes: int | None = None) -> BatchResult:
    """Evaluate many proposals for one county: one row per proposal, Pareto front marked, ranked by ``goal``.

    Travel matrices for the county's schools are computed once here (or taken from ``travel``) and shared with
    every worker; proposals that open new schools compute travel to those sites only. A proposal that does not
    fit the county or whose evaluation fails becomes a row with ``status`` ``invalid``/``failed`` and its error
    text; the others go on.

    Parameters
    ----------
    county : County
    proposals : folder, iterable of proposal files or Plans, or mapping name -> Plan
    travel : mapping mode -> TravelMatrix, optional
        Walking and bus matrices of the existing schools (computed when missing).
    standards : Standards, optional
        Defaults to the county's.
    year : int
        Years ahead (projected children).
    goal : str or list of str
        Ranking goal, a name of :data:`layout.batch.ranking.GOALS` or columns (``-col`` maximises).
    objectives : list of str
        Columns minimised for the Pareto front (``-col`` maximises).
    client : distributed.Client, optional
        Run on this Dask cluster.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:8786``) to connect to.
    n_jobs : int or None
        Local worker processes, as in scikit-learn: 1 (the default) or ``None`` evaluates in this process, ``N``
        starts N processes, -1 one per available core, -2 all but one.
    cache_dir : path, optional
        Keep each finished row here; a re-run skips proposals whose county, file, standards and year are
        unchanged.
    progress : bool
        Show progress bars (tqdm: text on stderr, a widget in Jupyter): proposals evaluated, and the travel searches when they take more than
        a second. What the batch does (proposals, cache hits, workers, each proposal's status and time) is logged
        on the ``layout.batch`` loggers at INFO and DEBUG level.
    executor : concurrent.futures.Executor, optional
        A process pool to reuse (multi-county runs).
    evaluate_fn : callable, optional
        Replaces :func:`layout.evaluate.evaluate` (same signature); for experiments and tests.
    county_label : str, optional
        The ``county`` column (default: the county's name).
    processes : int, optional
        The former name of ``n_jobs`` (kept so scripts that use it keep working); when given it wins.

    Returns
    -------
    BatchResult

    Example
    -------
    >>> from layout.plan import Plan
    >>> result = evaluate_many(county, {"today": Plan.status_quo(county), "two points": plan}, goal="cost",
    ...                        progress=False)
    >>> result.table.set_index("proposal")[["status", "schools_open", "rank"]].to_dict("index")
    {'today': {'status': 'ok', 'schools_open': 27, 'rank': 2}, 'two points': {'status': 'ok', 'schools_open': 25, 'rank': 1}}
    """
    from layout.batch.local_backend import resolve_jobs, run_local
    from layout.progress import progress_bar

    items = collect_proposals(proposals)
    ctx = prepare_context(county, travel=travel, standards=standards, year=year, evaluate_fn=evaluate_fn,
                          county_label=county_label, progress=progress)
    extra = "" if evaluate_fn is None else f"fn:{getattr(evaluate_fn, '__module__', '')}." \
                                          f"{getattr(evaluate_fn, '__qualname__', repr(evaluate_fn))}"
    items = _keyed(items, county_fingerprint(county), standards_fingerprint(ctx.standards), year, extra)
    cache = ResultCache(cache_dir) if cache_dir is not None else None

    rows: list[dict | None] = [None] * len(items)
    seconds = [0.0] * len(items)
    todo: list[tuple[int, ProposalItem]] = []
    for i, item in enumerate(items):
        hit = cache.get(item.key) if cache is not None else None
        if hit is not None:
            hit["county"] = ctx.county_label
            rows[i] = hit
        else:
            todo.append((i, item))
    n_cached = len(items) - len(todo)

    if client is not None or scheduler is not None:
        from layout.batch.dask_backend import get_client, run_dask

        own_client = client is None
        dask_client = get_client(scheduler, client)
        backend = "dask"
        stream = run_dask(ctx, todo, dask_client)
    else:
        own_client, dask_client = False, None
        n_proc = resolve_jobs(processes if processes is not None else n_jobs)
        n_proc = min(n_proc, max(1, len(todo)))
        backend = "processes" if (n_proc > 1 or executor is not None) else "inline"
        stream = run_local(ctx, todo, n_proc, executor=executor)
    workers = getattr(executor, "_max_workers", None) if executor is not None else None
    log.info("batch %s: %d proposals, %d from the cache, %d to evaluate (%s%s)", ctx.county_label, len(items),
             n_cached, len(todo), backend, "" if backend != "processes" else f", {workers or n_proc} processes")
    t0 = time.perf_counter()

    bar = progress_bar(total=len(items), initial=n_cached, disable=not progress, unit="proposal",
               desc=str(ctx.county_label or "batch"))
    try:
        for i, row, sec in stream:
            rows[i] = row
            seconds[i] = sec
            log.debug("proposal %s: %s in %.2f s", items[i].label, row.get("status"), sec)
            if cache is not None and row.get("status") != "failed":   # failures may be transient: retry them
                cache.put(items[i].key, row)
            bar.update(1)
    finally:
        bar.close()
        if own_client and dask_client is not None:
            dask_client.close()
    table = finish_table([r for r in rows if r is not None], goal, objectives)
    n_ok = int((table["status"] == "ok").sum())
    log.info("batch %s: %d evaluated, %d with errors, in %.1f s", ctx.county_label, n_ok, len(table) - n_ok,
             time.perf_counter() - t0)
    return BatchResult(table=table, goal=goal if isinstance(goal, str) else tuple(goal),
                       objectives=tuple(objectives), seconds=pd.Series(seconds, index=table.index, dtype=float),
                       cached=n_cached, backend=backend)

