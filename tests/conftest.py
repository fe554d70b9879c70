"""Shared fixtures: a small valid county folder written from text, and the location of ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLE = REPO / "data" / "sample_county"
DEFAULT: str = "<default>"

VILLAGES_CSV = """village_id,name,township,lon,lat,population,g1_3,g4_6,g7_9
V1,甲村,城关镇,105.10,30.10,800,30,28,25
V2,乙村,城关镇,105.12,30.11,500,12,10,9
V3,丙村,河口乡,105.20,30.05,300,5,6,4
"""

SCHOOLS_CSV = """school_id,name,kind,township,lon,lat,enrolment,classes,seats,beds,canteen,teachers,teachers_degree
S1,城关小学,primary,城关镇,105.11,30.10,320,8,360,0,1,20,18
S2,河口教学点,teaching_point,河口乡,105.20,30.06,18,1,,0,0,2,1
S3,城关中学,middle,城关镇,105.11,30.11,300,6,300,100,是,25,20
"""


@pytest.fixture
def county_folder(tmp_path: Path):
    """Write a small valid county folder; pass ``villages=``/``schools=``/``files=`` to replace contents.

    Returns a function ``make(villages=..., schools=..., files=None) -> Path``: text or bytes replace a file,
    ``None`` leaves it out; ``files`` maps extra file names to text or bytes.
    """

    def make(villages: str | bytes | None = DEFAULT, schools: str | bytes | None = DEFAULT,
             files: dict[str, str | bytes] | None = None) -> Path:
        folder = tmp_path / "county"
        folder.mkdir(exist_ok=True)
        contents = {"villages.csv": VILLAGES_CSV if villages is DEFAULT else villages,
                    "schools.csv": SCHOOLS_CSV if schools is DEFAULT else schools, **(files or {})}
        for name, text in contents.items():
            if text is None:
                continue
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (folder / name).write_bytes(data)
        return folder

    return make


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder of public reference data; skips the test when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"../shared reference data not found at {SHARED} (it sits beside the repository in CI)")
    return SHARED
