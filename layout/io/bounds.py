"""The largest credible value of every count and amount a county file or a proposal gives.

A school of more than 20,000 pupils, 1e308 seats or a village of 10 billion people is a typo (an extra zero, a
value pasted into the wrong column, a spreadsheet's overflow) — and taken at face value it overflows the
integer tables downstream (1e308 seats became −9.2e18). Readers report such a value as a problem naming the
file, row, column and value; nothing is cast with overflow.

One table, by canonical column name (``*`` matches any suffix, e.g. ``enrol_*``); a column not listed gets
:data:`DEFAULT_COUNT_MAX`.

Example
-------
>>> count_max("enrolment"), count_max("enrol_3"), count_max("teachers_key")
(20000, 20000, 2000)
>>> amount_max("speed_kmh")
300
"""

from __future__ import annotations

import fnmatch

__all__ = ["COUNT_MAXIMA", "AMOUNT_MAXIMA", "count_max", "amount_max", "DEFAULT_COUNT_MAX", "DEFAULT_AMOUNT_MAX"]

PUPILS_PER_SCHOOL_MAX = 20_000   # ten times the national cap of 2000 (2500 nine-year): beyond it, a typo

COUNT_MAXIMA: dict[str, int] = {
    # schools
    "enrolment": PUPILS_PER_SCHOOL_MAX, "enrol_*": PUPILS_PER_SCHOOL_MAX,
    "seats": PUPILS_PER_SCHOOL_MAX, "beds": PUPILS_PER_SCHOOL_MAX, "boarders": PUPILS_PER_SCHOOL_MAX,
    "bus_riders": PUPILS_PER_SCHOOL_MAX,
    "classes": 1_000, "classes_*": 200,
    "teachers": 2_000, "teachers_*": 2_000,
    "multimedia_rooms": 2_000, "computers": 100_000, "books": 10_000_000,
    # villages
    "population": 10_000_000, "g1_3": 100_000, "g4_6": 100_000, "g7_9": 100_000, "grade_*": 50_000,
    "births_*": 100_000,
    # attendance
    "children": PUPILS_PER_SCHOOL_MAX, "grade": 9,
}
AMOUNT_MAXIMA: dict[str, float] = {
    "floor_*": 10_000_000,          # m² of one school
    "equipment_value": 1e11,        # yuan
    "capital_yuan": 1e12,           # yuan of one site
    "speed_kmh": 300,               # km/h of a road line
}
DEFAULT_COUNT_MAX = 10_000_000
DEFAULT_AMOUNT_MAX = 1e12


def _lookup(table: dict, column: str, default):
    key = str(column).strip()
    if key in table:
        return table[key]
    hits = [p for p in table if "*" in p and fnmatch.fnmatchcase(key, p)]
    return table[max(hits, key=len)] if hits else default


def count_max(column: str) -> int:
    """Largest credible whole number in a column (canonical name)."""
    return _lookup(COUNT_MAXIMA, column, DEFAULT_COUNT_MAX)


def amount_max(column: str) -> float:
    """Largest credible amount in a column (canonical name)."""
    return _lookup(AMOUNT_MAXIMA, column, DEFAULT_AMOUNT_MAX)
