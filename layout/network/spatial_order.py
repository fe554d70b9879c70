"""Number nodes along a Hilbert curve so that nodes close on the map are close in memory.

A shortest-path search touches the nodes around its frontier; when their distances, heap positions and arcs
sit in nearby memory the search runs several times faster than with nodes numbered by a coordinate sort (a
column of a grid numbered by jittered x scatters each node's neighbours across the column).
"""

from __future__ import annotations

import numpy as np

__all__ = ["hilbert_rank"]


def hilbert_rank(xy: np.ndarray, bits: int = 16) -> np.ndarray:
    """Position of every point along a Hilbert curve through the points' bounding square.

    Parameters
    ----------
    xy : ndarray (n, 2)
        Coordinates.
    bits : int
        The curve visits a ``2**bits`` × ``2**bits`` grid over the bounding square.

    Returns
    -------
    ndarray of int
        A permutation of ``0 … n-1``: ``rank[i]`` is the new number of point ``i``.

    Example
    -------
    >>> hilbert_rank(np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])).tolist()
    [0, 2, 1, 3]
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, np.int64)
    x, y = np.asarray(xy[:, 0], float), np.asarray(xy[:, 1], float)
    side = 2 ** bits
    span = max(float(np.ptp(x)), float(np.ptp(y)))
    scale = (side - 1) / span if span > 0 else 0.0
    xi = np.minimum(((x - x.min()) * scale).astype(np.int64), side - 1)
    yi = np.minimum(((y - y.min()) * scale).astype(np.int64), side - 1)
    key = np.zeros(n, np.int64)
    s = side // 2
    while s > 0:
        rx = (xi & s) > 0
        ry = (yi & s) > 0
        key += s * s * ((3 * rx.astype(np.int64)) ^ ry.astype(np.int64))
        # rotate the quadrant so the curve inside it runs the right way (only the lower bits matter from here)
        flip = ~ry & rx
        xi = np.where(flip, s - 1 - xi, xi)
        yi = np.where(flip, s - 1 - yi, yi)
        xi, yi = np.where(~ry, yi, xi), np.where(~ry, xi, yi)
        s //= 2
    rank = np.empty(n, np.int64)
    rank[np.argsort(key, kind="stable")] = np.arange(n)
    return rank
