"""Point → grid: the territorial grid (comprehensive or special), micro-grid, community, sub-district, district
and specialized grids of a point given in WGS-84, GCJ-02 or BD-09.

Public API::

    from gridgov.territory.locator import locate, get_locator, Locator, Location, GridRecord

    locate(114.41, 23.11)                   # Location | None, process-wide locator, rebuilt when grids change
    locate(lon, lat, crs="gcj02")
    get_locator().locate_many(lons, lats)   # positions in get_locator().grids, -1 = none (vectorised)
    Locator.from_records(records)           # in memory, no database (benchmarks, demo tooling)

A point on a shared edge or vertex belongs to the lowest-coded territorial grid whose closed polygon covers it
(the same rule for micro-grids within that grid); it lies in every specialized grid that covers it.
"""

from .core import GridRecord, Location, Locator, as_record
from .index import PolygonIndex
from .process import build_from_database, get_locator, locate, reset, territory_token

__all__ = [
    "GridRecord",
    "Location",
    "Locator",
    "PolygonIndex",
    "as_record",
    "build_from_database",
    "get_locator",
    "locate",
    "reset",
    "territory_token",
]
