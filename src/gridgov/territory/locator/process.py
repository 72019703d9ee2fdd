"""The process-wide locator, built from the database and rebuilt whenever the territory changes.

Every write to a grid or region bumps ``TerritoryState`` in the same transaction (territory/signals.py). Each
:func:`get_locator` call reads that row (one tiny query) and compares it with the token the current locator was
built from; when it moved, one thread rebuilds while the others wait for the new one. So every process — each
gunicorn worker, each Celery worker — answers from the current territory without a restart.
"""

from __future__ import annotations

import threading

import shapely

from gridgov.core.crs import CRS

from .core import GridRecord, Location, Locator

_lock = threading.Lock()
_current: Locator | None = None


def territory_token() -> tuple[int, str | None]:
    """What identifies the territory's state: the version and the row's timestamp (a test database or a rolled
    back transaction can reuse a version number; it cannot reuse both)."""
    from gridgov.territory.models import TerritoryState

    row = TerritoryState.objects.filter(pk=1).values_list("version", "changed_at").first()
    if row is None:
        return (0, None)
    return (int(row[0]), row[1].isoformat() if row[1] else None)


def build_from_database(token: object = None) -> Locator:
    """A locator over the current grids (``Grid.objects.current()``)."""
    from gridgov.territory.models import Grid, Region

    rows = list(
        Grid.objects.current()
        .exclude(boundary_wkb=None)
        .values_list("code", "name", "kind", "boundary_wkb", "parent__code", "region_code")
    )
    polygons = shapely.from_wkb([bytes(r[3] or b"") for r in rows]) if rows else []
    records = [
        GridRecord(code=r[0], name=r[1], kind=r[2], polygon=p, parent_code=r[4], region_code=r[5] or "")
        for r, p in zip(rows, polygons, strict=True)
    ]
    wanted: set[str] = set()
    for record in records:
        if len(record.region_code) == 12:
            wanted |= {record.region_code, record.region_code[:9], record.region_code[:6]}
    names = dict(Region.objects.filter(code__in=wanted).values_list("code", "name")) if wanted else {}
    return Locator(records, region_names=names, token=token)


def get_locator() -> Locator:
    """The locator of this process, rebuilt first if the territory changed since it was built."""
    global _current
    token = territory_token()
    locator = _current
    if locator is not None and locator.token == token:
        return locator
    with _lock:
        locator = _current
        if locator is None or locator.token != token:
            locator = build_from_database(token)
            _current = locator
    return locator


def locate(lon: float, lat: float, crs: CRS | str = CRS.WGS84) -> Location | None:
    """Where a point lies in the current territory; ``None`` outside every grid. See :mod:`.core` for the rule
    that decides a point on a shared edge."""
    return get_locator().locate(lon, lat, crs)


def reset() -> None:
    """Forget the process's locator (tests)."""
    global _current
    with _lock:
        _current = None
