"""The point → grid locator: the territory held in memory as a :class:`PolygonIndex` over the current territorial
grids, plus small STR-trees for micro-grids and specialized grids.

Tie rule (a point on a shared edge or vertex gets one answer): among the territorial (comprehensive or special)
grids whose closed polygon covers the point, the one with the lowest code; among the micro-grids of that grid
covering the point, the lowest code; every specialized grid covering the point, in code order.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry.base import BaseGeometry

from gridgov.core.crs import CRS, to_wgs84

from .index import FloatArray, IntArray, PolygonIndex

COMPREHENSIVE, SPECIAL, SPECIALIZED, MICRO = "comprehensive", "special", "specialized", "micro"
TERRITORIAL = frozenset({COMPREHENSIVE, SPECIAL})


@dataclass(frozen=True)
class GridRecord:
    """A grid as the locator needs it. ``polygon`` is WGS-84 lon/lat; ``region_code`` is the community code for
    territorial grids and micro-grids (sub-district and district codes are its 9- and 6-digit prefixes)."""

    code: str
    kind: str
    polygon: BaseGeometry
    name: str = ""
    parent_code: str | None = None
    region_code: str = ""


@dataclass(frozen=True)
class Location:
    """Where a point lies. ``grid_*`` is ``None`` only for a point outside every territorial grid that still
    lies in some specialized grid (:func:`locate` returns ``None`` for a point outside every grid)."""

    lon: float  # WGS-84
    lat: float
    grid_code: str | None
    grid_name: str
    grid_kind: str | None
    micro_grid_code: str | None
    micro_grid_name: str
    community_code: str | None
    community_name: str
    subdistrict_code: str | None
    subdistrict_name: str
    district_code: str | None
    district_name: str
    specialized_grid_codes: tuple[str, ...]
    specialized_grid_names: tuple[str, ...] = ()


def as_record(item: Any) -> GridRecord:
    """Accept a :class:`GridRecord`, any object with the same attributes, or a mapping with the same keys."""
    if isinstance(item, GridRecord):
        return item

    def get(name: str, default: Any = None) -> Any:
        if isinstance(item, Mapping):
            return item.get(name, default)
        return getattr(item, name, default)

    polygon = get("polygon")
    if polygon is None:
        polygon = get("boundary")
    return GridRecord(
        code=str(get("code")),
        kind=str(get("kind", COMPREHENSIVE)),
        polygon=polygon,
        name=str(get("name", "") or ""),
        parent_code=get("parent_code"),
        region_code=str(get("region_code", "") or get("community_code", "") or ""),
    )


class _Layer:
    """Grids of one kind with an STR-tree, for single-point lookups."""

    def __init__(self, records: list[GridRecord]) -> None:
        self.records = sorted(records, key=lambda r: r.code)
        self.polygons = np.array([r.polygon for r in self.records], dtype=object)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)
        if len(self.polygons):
            # Build the prepared polygons' lazy point locators now, in one thread (see PolygonIndex).
            bounds = shapely.bounds(self.polygons)
            shapely.intersects_xy(self.polygons, bounds[:, 0], bounds[:, 1])

    def covering(self, lon: float, lat: float) -> list[GridRecord]:
        if not self.records:
            return []
        hits = self.tree.query(shapely.Point(lon, lat), predicate="intersects")
        return [self.records[i] for i in sorted(int(h) for h in hits)]


class Locator:
    """Immutable once built; safe to share between threads."""

    def __init__(
        self,
        records: Iterable[Any],
        *,
        region_names: Mapping[str, str] | None = None,
        token: object = None,
    ) -> None:
        started = time.perf_counter()
        territorial: list[GridRecord] = []
        micro: list[GridRecord] = []
        specialized: list[GridRecord] = []
        for item in records:
            record = as_record(item)
            if record.polygon is None or record.polygon.is_empty:
                continue
            if record.kind in TERRITORIAL:
                territorial.append(record)
            elif record.kind == MICRO:
                micro.append(record)
            elif record.kind == SPECIALIZED:
                specialized.append(record)
        territorial.sort(key=lambda r: r.code)
        #: Territorial grids in code order; :meth:`locate_many` returns positions in this tuple.
        self.grids: tuple[GridRecord, ...] = tuple(territorial)
        self.codes: NDArray[np.str_] = np.array([r.code for r in territorial], dtype=str)
        self.index = PolygonIndex([r.polygon for r in territorial])
        self.micro = _Layer(micro)
        self.specialized = _Layer(specialized)
        self.region_names: dict[str, str] = dict(region_names or {})
        self.token = token
        self.build_seconds = time.perf_counter() - started

    @classmethod
    def from_records(cls, records: Iterable[Any], region_names: Mapping[str, str] | None = None) -> Locator:
        """Build from in-memory records (no database): :class:`GridRecord` or anything shaped like one."""
        return cls(records, region_names=region_names)

    def __len__(self) -> int:
        return len(self.grids)

    def locate_many(self, lons: FloatArray, lats: FloatArray) -> IntArray:
        """Positions in :attr:`grids` of the territorial grid of each WGS-84 point (-1 = none), vectorised."""
        return self.index.first_covering(lons, lats)

    def grid_index(self, lon: float, lat: float) -> int:
        for rank in self.index.candidates(lon, lat):
            if shapely.intersects_xy(self.index.polygons[rank], lon, lat):
                return int(rank)
        return -1

    def locate(self, lon: float, lat: float, crs: CRS | str = CRS.WGS84) -> Location | None:
        """Where the point lies, or ``None`` outside every grid. ``crs``: wgs84, gcj02 or bd09."""
        lon, lat = to_wgs84(float(lon), float(lat), crs)
        rank = self.grid_index(lon, lat)
        specialized = self.specialized.covering(lon, lat)
        if rank < 0 and not specialized:
            return None
        grid = self.grids[rank] if rank >= 0 else None
        micro = None
        if grid is not None:
            micro = next((m for m in self.micro.covering(lon, lat) if m.parent_code == grid.code), None)
        community = grid.region_code if grid is not None and grid.region_code else None
        subdistrict = community[:9] if community else None
        district = community[:6] if community else None
        names = self.region_names
        return Location(
            lon=lon,
            lat=lat,
            grid_code=grid.code if grid else None,
            grid_name=grid.name if grid else "",
            grid_kind=grid.kind if grid else None,
            micro_grid_code=micro.code if micro else None,
            micro_grid_name=micro.name if micro else "",
            community_code=community,
            community_name=names.get(community or "", ""),
            subdistrict_code=subdistrict,
            subdistrict_name=names.get(subdistrict or "", ""),
            district_code=district,
            district_name=names.get(district or "", ""),
            specialized_grid_codes=tuple(s.code for s in specialized),
            specialized_grid_names=tuple(s.name for s in specialized),
        )
