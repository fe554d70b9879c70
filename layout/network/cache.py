"""On-disk cache of travel matrices, keyed by a hash of everything that determines them.

The key covers the network's content, both point layers (ids and coordinates), the mode definition (speeds,
excluded roads, waits, snapping settings) and the cutoff, so a change to any of them is a cache miss. Files are
written atomically (temporary file in the same folder, then ``os.replace``); an unreadable or mismatched file is
ignored and recomputed, never trusted.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from layout.io.write import atomic_path
from layout.network.matrix import TravelMatrix

__all__ = ["matrix_key", "cached"]

log = logging.getLogger(__name__)

FORMAT = "layout-travel-v2"   # v2: junctions by distance, snap points at junctions (issue 18)


def _points_hash(h, points: gpd.GeoDataFrame) -> None:
    h.update(str(points.index.name).encode())
    h.update("\x1f".join(map(str, points.index)).encode())
    h.update(np.ascontiguousarray(points.geometry.get_coordinates().to_numpy(float)).tobytes())


def matrix_key(fingerprint: str, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, mode_key: str,
               cutoff: float | None) -> str:
    """Hex digest identifying one matrix computation."""
    h = hashlib.sha256(FORMAT.encode())
    h.update(fingerprint.encode())
    _points_hash(h, origins)
    _points_hash(h, destinations)
    h.update(mode_key.encode())
    h.update(repr(None if cutoff is None else float(cutoff)).encode())
    return h.hexdigest()


def _save(path: Path, key: str, tm: TravelMatrix) -> None:
    un = tm.unreachable
    arrays = {
        "key": np.array(key), "mode": np.array(tm.mode), "estimated": np.array(tm.estimated),
        "minutes": tm.minutes.to_numpy(float), "metres": tm.metres.to_numpy(float),
        "oid": np.array(tm.minutes.index.astype(str), dtype=str),
        "did": np.array(tm.minutes.columns.astype(str), dtype=str),
        "names": np.array([str(tm.minutes.index.name), str(tm.minutes.columns.name)], dtype=str),
        "un_cols": np.array(list(un.columns), dtype=str),
        **{f"un_{i}": np.array(un[c].astype(str), dtype=str) for i, c in enumerate(un.columns)},
        "snap_id": np.array(tm.snap.index.astype(str), dtype=str),
        "snap_layer": np.array(tm.snap["layer"].astype(str), dtype=str),
        "snap_metres": tm.snap["snap_metres"].to_numpy(float),
        "snap_flagged": tm.snap["flagged"].to_numpy(bool),
        "snap_snapped": (tm.snap["snapped"].to_numpy(bool) if "snapped" in tm.snap
                         else np.ones(len(tm.snap), bool)),
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez(f, **arrays)


def _load(path: Path, key: str) -> TravelMatrix | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            if str(z["key"]) != key:
                return None
            names = [str(n) for n in z["names"]]
            oid = pd.Index(z["oid"].astype(object), name=names[0])
            did = pd.Index(z["did"].astype(object), name=names[1])
            cols = [str(c) for c in z["un_cols"]]
            un = pd.DataFrame({c: z[f"un_{i}"].astype(object) for i, c in enumerate(cols)}, columns=cols)
            snap = pd.DataFrame({"layer": z["snap_layer"].astype(object), "snap_metres": z["snap_metres"],
                                 "flagged": z["snap_flagged"], "snapped": z["snap_snapped"]},
                                index=pd.Index(z["snap_id"].astype(object), name="id"))
            return TravelMatrix(pd.DataFrame(z["minutes"], index=oid, columns=did),
                                pd.DataFrame(z["metres"], index=oid, columns=did), str(z["mode"]),
                                bool(z["estimated"]), un, snap)
    except Exception:   # corrupted, truncated or from another version: recompute
        return None


def cached(cache_dir: str | Path | None, key: str, compute: Callable[[], TravelMatrix]) -> TravelMatrix:
    """Return the cached matrix for ``key`` or compute, store and return it.

    Parameters
    ----------
    cache_dir : path or None
        Folder of cache files; ``None`` disables caching.
    key : str
        From :func:`matrix_key`.
    compute : callable
        Makes the matrix on a miss.

    Returns
    -------
    TravelMatrix
    """
    if cache_dir is None:
        return compute()
    path = Path(cache_dir) / f"travel-{key[:32]}.npz"
    if path.is_file():
        hit = _load(path, key)
        if hit is not None:
            log.info("travel cache: %s matrix from %s", hit.mode, path)
            return hit
        log.info("travel cache: %s unreadable or for other inputs, computing again", path)
    tm = compute()
    try:
        _save(path, key, tm)
        log.debug("travel cache: stored %s", path)
    except OSError as err:   # a read-only or full disk must not stop the analysis
        log.info("travel cache: could not store %s (%s)", path, err)
    return tm
