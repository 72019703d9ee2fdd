"""Synthetic territories and a brute-force oracle for the locator tests."""

from __future__ import annotations

import functools

import numpy as np
import shapely
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from gridgov.territory.locator import GridRecord

EXTENT = (114.30, 23.00, 114.60, 23.25)
SPECIAL_CODE = "441302001001999"


def brute_force_grid(records: list[GridRecord], lon: float, lat: float) -> str | None:
    """The documented rule, the slow way: the lowest code among territorial grids whose polygon covers the point."""
    covering = [r.code for r in records if r.kind in ("comprehensive", "special") and r.polygon.covers(Point(lon, lat))]
    return min(covering) if covering else None


def brute_force_micro(records: list[GridRecord], grid: str | None, lon: float, lat: float) -> str | None:
    covering = [
        r.code for r in records if r.kind == "micro" and r.parent_code == grid and r.polygon.covers(Point(lon, lat))
    ]
    return min(covering) if covering else None


def brute_force_specialized(records: list[GridRecord], lon: float, lat: float) -> tuple[str, ...]:
    return tuple(sorted(r.code for r in records if r.kind == "specialized" and r.polygon.covers(Point(lon, lat))))


def _code(i: int) -> str:
    # Spread over four communities so that region codes differ.
    return f"441302001{(i % 4) + 1:03d}{i:03d}"


@functools.cache
def voronoi_city(n: int = 300, seed: int = 7) -> tuple[GridRecord, ...]:
    """``n`` comprehensive grids (Voronoi cells of random seeds clipped to a box), a special grid carved out of
    them, a micro-grid layer (the first 40 grids halved) and a specialized overlay crossing grid lines."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = EXTENT
    seeds = shapely.points(rng.uniform(x0, x1, n), rng.uniform(y0, y1, n))
    frame = box(x0, y0, x1, y1)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds))), frame)
    special = Point((x0 + x1) / 2, (y0 + y1) / 2).buffer(0.02, quad_segs=4)
    records: list[GridRecord] = []
    for i, cell in enumerate(cells):
        carved = shapely.difference(cell, special)
        if carved.is_empty or carved.area == 0:
            continue
        code = _code(i)
        records.append(GridRecord(code, "comprehensive", carved, name=f"网格{i}", region_code=code[:12]))
    records.append(GridRecord(SPECIAL_CODE, "special", special, name="产业园", region_code=SPECIAL_CODE[:12]))
    for record in records[:40]:
        minx, miny, maxx, maxy = record.polygon.bounds
        xm = (minx + maxx) / 2
        for k, half in enumerate((box(minx, miny, xm, maxy), box(xm, miny, maxx, maxy)), start=1):
            piece = shapely.intersection(record.polygon, half)
            if not piece.is_empty and piece.area > 0:
                records.append(
                    GridRecord(
                        f"{record.code}{k:02d}", "micro", piece, parent_code=record.code, region_code=record.region_code
                    )
                )
    for j in range(6):
        cx, cy = rng.uniform(x0, x1), rng.uniform(y0, y1)
        records.append(GridRecord(f"4413020{j:02d}", "specialized", box(cx - 0.04, cy - 0.03, cx + 0.04, cy + 0.03)))
    return tuple(records)


def boundary_points(geoms: list[BaseGeometry]) -> np.ndarray:
    """Every vertex of ``geoms`` and the midpoint of every edge: where ties happen."""
    rings = shapely.get_rings(shapely.get_parts(geoms))
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    mids = (coords[:-1][same] + coords[1:][same]) / 2
    return np.vstack([coords, mids])
