"""Dask distributed back end: the same batch on a cluster.

The county's :class:`~layout.batch.rows.BatchContext` (county, walking and bus matrices, standards, demand) is
scattered to every worker once with ``client.scatter(..., broadcast=True)``; each proposal is then one small
task that receives a reference to it. Proposal files are read in the client process and sent as plans, so
workers need not see the client's file system.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from layout.batch.rows import BatchContext, ProposalItem, evaluate_item

__all__ = ["get_client", "run_dask"]


def get_client(scheduler: str | None = None, client=None):
    """The given client, or a new one connected to ``scheduler`` (``tcp://host:8786``)."""
    if client is not None:
        return client
    from distributed import Client

    return Client(scheduler)


def _task(ctx: BatchContext, item: ProposalItem) -> tuple[dict, float]:
    return evaluate_item(ctx, item)


def _plan_item(ctx: BatchContext, item: ProposalItem) -> tuple[ProposalItem, dict | None]:
    """Read a proposal file here (the client); a file that does not fit the county becomes its error row."""
    if item.plan is not None or item.path is None:
        return item, None
    from layout.errors import LayoutInputError
    from layout.plan import read_proposal

    try:
        plan = read_proposal(item.path, ctx.county)
    except LayoutInputError as err:
        return item, {"county": ctx.county_label, "proposal": item.label, "file": item.path, "status": "invalid",
                      "error": err.format()}
    return ProposalItem(label=item.label, path=item.path, plan=plan, key=item.key), None


def run_dask(ctx: BatchContext, items: Sequence[tuple[int, ProposalItem]], client) -> Iterator[tuple[int, dict, float]]:
    """Evaluate ``items`` on the cluster of ``client``; yield ``(position, row, seconds)`` as they finish."""
    from distributed import as_completed

    if not items:
        return
    ready: list[tuple[int, ProposalItem]] = []
    for i, item in items:
        planned, error_row = _plan_item(ctx, item)
        if error_row is not None:
            yield i, error_row, 0.0
        else:
            ready.append((i, planned))
    if not ready:
        return
    [remote_ctx] = client.scatter([ctx], broadcast=True, hash=False)
    futures = client.map(_task, [remote_ctx] * len(ready), [item for _, item in ready], pure=False)
    position = {f.key: i for f, (i, _) in zip(futures, ready, strict=True)}
    try:
        for fut in as_completed(futures):
            row, sec = fut.result()
            yield position[fut.key], row, sec
    finally:
        client.cancel(futures)
        client.cancel([remote_ctx])
