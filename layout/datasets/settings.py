"""The generator's settings: the few numbers that make one synthetic county differ from another.

:func:`layout.datasets.make_county` takes every field below as a keyword argument; the defaults are those of the
bundled sample county. A named parameter set such as :data:`layout.datasets.FLAGSHIP_PARAMETERS` is nothing but
other values for the same fields: there is no county-specific code path.

Example
-------
>>> s = Settings()
>>> s.middle_share, s.bus_share
(0.75, 0.5)
>>> Settings(town_pull=1.5)
Traceback (most recent call last):
...
ValueError: town_pull must be between 0 and 1, not 1.5
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = ["Settings"]


@dataclass(frozen=True)
class Settings:
    """How a synthetic county's people and schools are drawn (besides its size and seed).

    Parameters
    ----------
    birth_decline : float
        Annual fall of births per person (0.045: about 4.5 % a year over the fourteen cohorts drawn).
    town_size : float
        Scale of the county-town communities' registered population (1.0: about 7,000 each).
    town_pull : float
        Share of the rural grade 7–9 pupils whose nearest middle-stage school is a rural one who attend a
        county-town middle school instead and board there (进城读书: families choosing the town).
    middle_share : float
        Share of the rural townships (those farthest from the county town by road first) that keep a
        middle-stage school; the others send grades 7–9 to a neighbour or the town.
    nine_year_share : float
        Share of those middle-stage schools that are nine-year schools (九年一贯制), in the townships with fewest
        children.
    village_schools : float
        At most this many village primaries and teaching points per village (how many village schools the
        county kept through earlier consolidation); they open where children live more than 2 km from a school.
    bus_share : float
        Share of the rural townships whose schools run school buses today (校车) for pupils beyond walking
        distance, chosen with odds rising with the number of such pupils.
    town_class_size : (float, float)
        Range of the average class size drawn for each county-town school (classrooms are short: 大班额).
    bed_shortfalls : int
        Boarding schools (of those with at least 40 boarders) whose beds are fewer than their boarders today.
    out_of_county : int
        Pupils on county-town schools' rolls with no home village in the county (随迁子女, 外县), in all.
    """

    birth_decline: float = 0.045
    town_size: float = 1.0
    town_pull: float = 0.2
    middle_share: float = 0.75
    nine_year_share: float = 0.35
    village_schools: float = 0.45
    bus_share: float = 0.5
    town_class_size: tuple[float, float] = (56.0, 68.0)
    bed_shortfalls: int = 2
    out_of_county: int = 12

    def __post_init__(self) -> None:
        for name in ("town_pull", "middle_share", "nine_year_share", "village_schools", "bus_share"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {value}")
        if not -0.2 <= self.birth_decline <= 0.3:
            raise ValueError(f"birth_decline must be between -0.2 and 0.3, not {self.birth_decline}")
        if self.town_size <= 0:
            raise ValueError(f"town_size must be above 0, not {self.town_size}")
        lo, hi = self.town_class_size
        if not 30 <= lo <= hi <= 80:
            raise ValueError(f"town_class_size must be a range within 30-80, not {self.town_class_size}")
        if self.bed_shortfalls < 0 or self.out_of_county < 0:
            raise ValueError("bed_shortfalls and out_of_county must be 0 or more")

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The setting names, i.e. the keyword arguments of ``make_county`` they stand for."""
        return tuple(f.name for f in fields(cls))
