"""Corrupted county files never crash the reader: it either reads them or raises LayoutInputError."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layout import read_county
from layout.cli import main
from layout.errors import LayoutInputError

from .conftest import SAMPLE, SCHOOLS_CSV, VILLAGES_CSV

NASTY = ["", " ", "-", "NaN", "inf", "-1", "1e309", "3.5", "１２", "1,234", "是", "<b>x</b>", "'; DROP", "\t", "0x10",
         "30.1", "105.2", "1-3", "9-1", "九", "None", "null", "\"", "\u3000"]


def corrupt(text: str, rng: random.Random) -> str:
    lines = text.splitlines()
    if not lines:
        return rng.choice(["", "\n", "village_id\n"])
    how = rng.randrange(8)
    if how == 0 and len(lines) > 1:                      # drop a random line (maybe the header)
        del lines[rng.randrange(len(lines))]
    elif how == 1:                                        # replace a random cell by a nasty value
        i = rng.randrange(len(lines))
        cells = lines[i].split(",")
        cells[rng.randrange(len(cells))] = rng.choice(NASTY)
        lines[i] = ",".join(cells)
    elif how == 2:                                        # cut a row short
        i = rng.randrange(len(lines))
        lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
    elif how == 3:                                        # add a column to one row only
        i = rng.randrange(len(lines))
        lines[i] += "," + rng.choice(NASTY)
    elif how == 4:                                        # duplicate a row
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif how == 5:                                        # swap two header names
        cells = lines[0].split(",")
        a, b = rng.randrange(len(cells)), rng.randrange(len(cells))
        cells[a], cells[b] = cells[b], cells[a]
        lines[0] = ",".join(cells)
    elif how == 6:                                        # blank lines and a trailing comma
        lines.insert(rng.randrange(len(lines) + 1), "")
        lines[-1] += ","
    else:                                                 # truncate the file mid-way
        return "\n".join(lines)[: rng.randrange(len(text) + 1)]
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 2**32 - 1), st.integers(1, 3))
def test_corrupted_csv_reads_or_raises_a_clear_error(county_folder, seed, n_corruptions):
    rng = random.Random(seed)
    villages, schools = VILLAGES_CSV, SCHOOLS_CSV
    for _ in range(n_corruptions):
        if rng.random() < 0.5:
            villages = corrupt(villages, rng)
        else:
            schools = corrupt(schools, rng)
    folder = county_folder(villages=villages, schools=schools)
    try:
        county = read_county(folder)
    except LayoutInputError as err:
        assert err.problems and all(p.file and p.message for p in err.problems)
        return
    assert county.villages.index.is_unique and county.schools.index.is_unique
    assert (county.villages[["g1_3", "g4_6", "g7_9"]] >= 0).all().all()


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLE.is_dir(), reason="sample county not generated yet")
@pytest.mark.parametrize("seed", range(12))
def test_corrupted_sample_never_shows_a_traceback(tmp_path, capsys, seed):
    import shutil

    rng = random.Random(seed)
    folder = tmp_path / "county"
    shutil.copytree(SAMPLE, folder)
    target = folder / rng.choice(["villages.csv", "schools.csv"])
    text = target.read_text(encoding="utf-8")
    for _ in range(3):
        text = corrupt(text, rng)
    target.write_text(text, encoding="utf-8")
    code = main(["check", str(folder)])
    captured = capsys.readouterr()
    assert code in (0, 2)
    assert "Traceback" not in captured.err + captured.out
