"""layout — school-layout consolidation planning with GIS analysis.

Main entry points (see ``docs/architecture.md``)::

    county = layout.read_county("data/sample_county")       # a folder of files ...
    county = layout.from_frames(villages=v, schools=s)      # ... or DataFrames / GeoDataFrames, same checks
    walk = layout.travel(county, "walk")

"""

from __future__ import annotations

from layout import display as _display
from layout.county import County
from layout.errors import LayoutInputError, Problem
from layout.network import TravelMatrix, travel
from layout.standards import Standards, load_standards

__version__ = "0.1.0"

# Rich display in Jupyter: the presentation side renders the core's objects. Named by path, so the report and
# map modules load the first time an object is shown, never when the core is imported (layout.display).
for _kind in ("plan", "evaluation", "recommendation"):
    _display.register_html(_kind, f"layout.report.notebook:{_kind}_html")
del _kind

__all__ = ["County", "LayoutInputError", "Problem", "Standards", "load_standards", "TravelMatrix", "travel",
           "read_county", "from_frames", "__version__"]


def read_county(path, **kwargs):
    """Read and validate a county folder; see :func:`layout.io.read.read_county`."""
    from layout.io.read import read_county as _read

    return _read(path, **kwargs)


def from_frames(**frames):
    """A County from DataFrames and GeoDataFrames, checked as files are; see :func:`layout.io.read.from_frames`."""
    from layout.io.read import from_frames as _from_frames

    return _from_frames(**frames)
