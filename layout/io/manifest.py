"""``county.yaml``: the optional manifest of a county folder.

Example manifest::

    name: 示例县
    crs: EPSG:4490            # EPSG:4326 / EPSG:4490 lon-lat, GCJ-02 (AMap picks), or a projected EPSG code
    encoding: gb18030         # CSV encoding, when not UTF-8
    files:                    # when files are not named villages.* / schools.* / roads.* / townships.*
      villages: 村庄.csv
      schools: 学校基本情况.xlsx
    columns:                  # headers the alias table does not know, per layer
      schools: {学校名: name}
    coordinates: {lon: X坐标, lat: Y坐标}   # coordinate headers, when not one of the usual names
    standards: guizhou.yaml   # provincial override merged over the national standards
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from layout.errors import LayoutInputError, Problem

__all__ = ["Manifest", "read_manifest", "MANIFEST_NAME", "LAYERS"]

MANIFEST_NAME = "county.yaml"
LAYERS = ("villages", "schools", "roads", "townships", "attendance", "candidates")
_KEYS = {"name", "crs", "encoding", "files", "columns", "coordinates", "standards", "description", "notes"}


@dataclass(frozen=True)
class Manifest:
    """What ``county.yaml`` says (all optional)."""

    name: str | None = None
    crs: str | None = None
    encoding: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    columns: dict[str, dict[str, str]] = field(default_factory=dict)
    coordinates: dict[str, str] = field(default_factory=dict)
    standards: str | None = None
    description: str | None = None


def read_manifest(folder: Path) -> Manifest:
    """Read ``folder/county.yaml`` if present, checking its keys.

    Parameters
    ----------
    folder : Path
        The county folder.

    Returns
    -------
    Manifest
        Empty when there is no manifest.
    """
    path = folder / MANIFEST_NAME
    if not path.exists():
        return Manifest()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except UnicodeDecodeError:
        raise LayoutInputError([Problem(MANIFEST_NAME, "not UTF-8 text", fix="save county.yaml as UTF-8")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise LayoutInputError([Problem(MANIFEST_NAME, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                        row=(mark.line + 1) if mark else None,
                                        fix="check indentation and colons on that line")]) from None
    if not isinstance(data, dict):
        raise LayoutInputError([Problem(MANIFEST_NAME, "must be a mapping such as 'name: ...'",
                                        fix="see docs/data_format.md for an example")])
    problems = []
    for key in data:
        if key not in _KEYS:
            problems.append(Problem(MANIFEST_NAME, f"unknown key {key!r}", column=str(key),
                                    fix=f"use only: {', '.join(sorted(_KEYS))}"))
    for key in ("files", "columns", "coordinates"):
        if key in data and not isinstance(data[key], dict):
            problems.append(Problem(MANIFEST_NAME, f"{key!r} must be a mapping", column=key,
                                    fix=f"write it as '{key}: {{villages: ...}}'"))
    for layer in list((data.get("files") or {}) if isinstance(data.get("files"), dict) else {}):
        if layer not in LAYERS:
            problems.append(Problem(MANIFEST_NAME, f"unknown layer {layer!r} in files", column="files",
                                    fix=f"use {', '.join(LAYERS)}"))
    if problems:
        raise LayoutInputError(problems)
    columns = data.get("columns") or {}
    return Manifest(
        name=None if data.get("name") is None else str(data["name"]),
        crs=None if data.get("crs") is None else str(data["crs"]).strip(),
        encoding=data.get("encoding"),
        files={k: str(v) for k, v in (data.get("files") or {}).items()},
        columns={k: {str(a): str(b) for a, b in (v or {}).items()} for k, v in columns.items()},
        coordinates={k: str(v) for k, v in (data.get("coordinates") or {}).items()},
        standards=data.get("standards"),
        description=data.get("description"),
    )
