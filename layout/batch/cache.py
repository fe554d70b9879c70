"""Results of a batch, cached on disk by a hash of everything that decides them.

A proposal's row depends on the county (villages, schools, roads, CRS), the proposal itself, the standards,
the projection year and the version of ``layout``. :func:`result_key` hashes all of these; :class:`ResultCache`
keeps one small JSON file per key, so re-running a batch skips the proposals already evaluated and a changed
input (one more child in a village, a new bed count in the standards) is evaluated again.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import yaml

__all__ = ["county_fingerprint", "standards_fingerprint", "plan_fingerprint", "result_key", "ResultCache"]


def _frame_digest(h: Any, frame: pd.DataFrame | None) -> None:
    if frame is None:
        h.update(b"<none>")
        return
    h.update(repr(list(map(str, frame.columns))).encode())
    h.update(repr(list(map(str, frame.index))).encode())
    is_geo = isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns
    plain = pd.DataFrame(frame.drop(columns=[frame.geometry.name])) if is_geo else pd.DataFrame(frame)
    h.update(pd.util.hash_pandas_object(plain.astype(str), index=False).to_numpy().tobytes())
    if is_geo:
        for wkb in frame.geometry.to_wkb():
            h.update(wkb or b"")


def county_fingerprint(county) -> str:
    """A hex digest of a county's name, CRS, villages, schools, roads and townships.

    Parameters
    ----------
    county : County

    Returns
    -------
    str
        Equal for equal data; any changed value, row or geometry changes it.

    Example
    -------
    >>> county_fingerprint(county) == county_fingerprint(county)
    True
    >>> changed = county.schools.copy()
    >>> changed.loc["S001", "seats"] += 1
    >>> from dataclasses import replace
    >>> county_fingerprint(replace(county, schools=changed)) == county_fingerprint(county)
    False
    """
    h = hashlib.sha256()
    h.update(str(county.name).encode())
    h.update(str(county.crs.to_wkt() if county.crs is not None else "").encode())
    for layer in (county.villages, county.schools, county.roads, county.townships):
        _frame_digest(h, layer)
    return h.hexdigest()


def standards_fingerprint(standards) -> str:
    """A hex digest of every threshold of a :class:`~layout.standards.Standards`."""
    text = yaml.safe_dump(standards.to_dict(), sort_keys=True, allow_unicode=True)
    return hashlib.sha256(text.encode()).hexdigest()


def plan_fingerprint(plan) -> str:
    """A hex digest of a plan's proposal (name, description, actions in order)."""
    from layout.plan import proposal_to_dict

    text = yaml.safe_dump(proposal_to_dict(plan), sort_keys=True, allow_unicode=True)
    return hashlib.sha256(text.encode()).hexdigest()


def result_key(county_fp: str, proposal_fp: str, standards_fp: str, year: int, extra: str = "") -> str:
    """The cache key of one proposal's row: county, proposal, standards, year and the ``layout`` version.

    Parameters
    ----------
    county_fp, proposal_fp, standards_fp : str
        Digests from :func:`county_fingerprint`, the proposal file bytes or :func:`plan_fingerprint`, and
        :func:`standards_fingerprint`.
    year : int
    extra : str
        Anything else the row depends on (e.g. the name of a replacement evaluation function).

    Returns
    -------
    str
        40 hex characters.
    """
    from layout import __version__

    h = hashlib.sha256()
    for part in (county_fp, proposal_fp, standards_fp, str(int(year)), __version__, extra):
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()[:40]


class ResultCache:
    """One JSON file per finished proposal under ``folder`` (written atomically).

    Parameters
    ----------
    folder : path
        Created when missing.

    Example
    -------
    >>> cache = ResultCache("out/.batch-cache")
    >>> key = result_key(county_fingerprint(county), plan_fingerprint(plan), "standards", 0)
    >>> cache.get(key) is None
    True
    >>> cache.put(key, {"proposal": "A", "status": "ok"}).parent.name
    '.batch-cache'
    >>> cache.get(key)["status"]
    'ok'
    """

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str) -> dict | None:
        """The cached row, or None when absent or unreadable (a damaged file is evaluated again)."""
        path = self._path(key)
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def put(self, key: str, row: dict) -> Path:
        """Store a row (JSON-safe values)."""
        from layout.evaluate import json_safe
        from layout.io.write import atomic_write_text

        return atomic_write_text(self._path(key), json.dumps(json_safe(row), ensure_ascii=False))

    def __contains__(self, key: str) -> bool:
        return self._path(key).is_file()

    def __len__(self) -> int:
        return sum(1 for _ in self.folder.glob("*.json"))
