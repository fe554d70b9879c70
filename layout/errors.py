"""The one error type a planner can cause, and the problems it carries.

Every mistake in input (a bad file, an unknown school id, an impossible proposal) is reported as a
:class:`LayoutInputError` that lists *all* problems found, each naming the file, the row, the field, the
value and how to fix it. Code never lets a bare traceback reach a planner for bad input.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = ["Problem", "LayoutInputError", "ProblemCollector"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input.

    Parameters
    ----------
    file : str
        The file (or proposal, or object) the problem is in.
    message : str
        What is wrong, in plain words.
    row : int or None
        1-based data row (the header is row 0 in tables); for YAML, the line number.
    column : str or None
        The column or field name as it appears in the file.
    value : object
        The offending value, if any.
    fix : str
        How to fix it.

    Example
    -------
    >>> p = Problem("schools.csv", "negative enrolment", row=4, column="enrolment", value=-3,
    ...             fix="enter a count of 0 or more")
    >>> print(p)
    schools.csv, row 4, column 'enrolment', value -3: negative enrolment — fix: enter a count of 0 or more
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    value: object = None
    fix: str = ""

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        if self.value is not None:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
            if len(shown) > 60:
                shown = shown[:57] + "..."
            where.append(f"value {shown}")
        text = ", ".join(where) + f": {self.message}"
        if self.fix:
            text += f" — fix: {self.fix}"
        return text


class LayoutInputError(ValueError):
    """Bad input a planner can fix; carries every :class:`Problem` found.

    Parameters
    ----------
    problems : iterable of Problem
        All problems found (at least one).
    summary : str, optional
        A one-line headline.

    Example
    -------
    >>> err = LayoutInputError([Problem("villages.csv", "file is empty", fix="export it again")])
    >>> "villages.csv" in str(err)
    True
    """

    def __init__(self, problems: Iterable[Problem], summary: str | None = None):
        self.problems: list[Problem] = list(problems)
        if not self.problems:
            raise ValueError("LayoutInputError needs at least one Problem")
        n = len(self.problems)
        self.summary = summary or f"{n} problem{'s' if n != 1 else ''} in the input"
        super().__init__(self.format())

    def format(self, limit: int = 40) -> str:
        """Return the headline and up to ``limit`` problems, one per line."""
        lines = [self.summary + ":"]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  ... and {len(self.problems) - limit} more")
        return "\n".join(lines)


@dataclass
class ProblemCollector:
    """Collects problems while validating, then raises them all at once.

    Example
    -------
    >>> c = ProblemCollector()
    >>> c.add("schools.csv", "duplicate id", row=3, column="school_id", value="S1", fix="make ids unique")
    >>> c.raise_if_any()
    Traceback (most recent call last):
    ...
    layout.errors.LayoutInputError: 1 problem in the input:
      - schools.csv, row 3, column 'school_id', value 'S1': duplicate id — fix: make ids unique
    """

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, message: str, *, row: int | None = None, column: str | None = None,
            value: object = None, fix: str = "") -> None:
        """Record one problem."""
        self.problems.append(Problem(file, message, row, column, value, fix))

    def extend(self, problems: Iterable[Problem]) -> None:
        """Record several problems."""
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, summary: str | None = None) -> None:
        """Raise :class:`LayoutInputError` if anything was recorded."""
        if self.problems:
            ordered = sorted(self.problems, key=lambda p: (p.file, p.row is not None, p.row or 0))
            raise LayoutInputError(ordered, summary)
