"""Geometry helpers on Shapely 2. Geometries are stored as WKB (lon/lat, WGS-84) in ordinary columns.

Areas and distances are computed in a local equirectangular projection around the geometry's mean latitude:
at Huizhou's size (under 200 km across) its area error is well under 0.5 %, which is what a coverage report
needs, and it keeps the code free of a projection library.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_M = 6_371_008.8


def from_wkb(data: bytes | memoryview | None) -> BaseGeometry | None:
    if data is None:
        return None
    return shapely.from_wkb(bytes(data))


def to_wkb(geom: BaseGeometry | None) -> bytes | None:
    if geom is None:
        return None
    return shapely.to_wkb(geom, output_dimension=2)


def reference_latitude(geom: BaseGeometry) -> float:
    _minx, miny, _maxx, maxy = geom.bounds
    return (miny + maxy) / 2


def to_local_metres(geom: BaseGeometry, lat0: float | None = None) -> BaseGeometry:
    """Project lon/lat degrees to metres around ``lat0`` (equirectangular)."""
    if lat0 is None:
        lat0 = reference_latitude(geom)
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M

    def scale(coords: np.ndarray) -> np.ndarray:
        return coords * np.array([kx, ky])

    return shapely.transform(geom, scale)


def from_local_metres(geom: BaseGeometry, lat0: float) -> BaseGeometry:
    kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
    ky = math.radians(1) * EARTH_RADIUS_M
    return shapely.transform(geom, lambda c: c / np.array([kx, ky]))


def area_m2(geom: BaseGeometry | None, lat0: float | None = None) -> float:
    if geom is None or geom.is_empty:
        return 0.0
    return float(to_local_metres(geom, lat0).area)


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def polygonal_part(geom: BaseGeometry) -> BaseGeometry:
    """Drop points and lines that an overlay can leave beside the polygons."""
    if geom.geom_type in ("Polygon", "MultiPolygon") or geom.is_empty:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
