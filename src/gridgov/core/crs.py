"""WGS-84 ⇄ GCJ-02 ⇄ BD-09, on the public-domain ``prcoords`` library.

We store WGS-84 (DESIGN rule 6). GCJ-02 → WGS-84 uses prcoords' iterative ("bored") inverse, which is exact to
well under a centimetre, so a round trip stays far inside the 1 m the tests demand.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from enum import StrEnum

import numpy as np
import prcoords
import shapely
from shapely.geometry.base import BaseGeometry


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


CRS_CHOICES = [(c.value, c.value) for c in CRS]


def parse_crs(value: str | None) -> CRS:
    if not value:
        return CRS.WGS84
    normalized = value.strip().lower().replace("-", "").replace("_", "")
    aliases = {"wgs84": CRS.WGS84, "epsg4326": CRS.WGS84, "gcj02": CRS.GCJ02, "bd09": CRS.BD09}
    if normalized not in aliases:
        raise ValueError(value)
    return aliases[normalized]


def _pair(func: Callable[..., prcoords.Coords]) -> Callable[[float, float], tuple[float, float]]:
    def convert(lon: float, lat: float) -> tuple[float, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # outside China prcoords returns the input unchanged, by design
            result = func(prcoords.Coords(lat, lon))
        return float(result.lon), float(result.lat)

    return convert


_TO_WGS = {
    CRS.WGS84: lambda lon, lat: (lon, lat),
    CRS.GCJ02: _pair(prcoords.gcj_wgs_bored),
    CRS.BD09: _pair(prcoords.bd_wgs_bored),
}
_FROM_WGS = {
    CRS.WGS84: lambda lon, lat: (lon, lat),
    CRS.GCJ02: _pair(prcoords.wgs_gcj),
    CRS.BD09: _pair(prcoords.wgs_bd),
}


def to_wgs84(lon: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    return _TO_WGS[CRS(crs)](lon, lat)


def from_wgs84(lon: float, lat: float, crs: CRS | str) -> tuple[float, float]:
    return _FROM_WGS[CRS(crs)](lon, lat)


def transform_geometry(geom: BaseGeometry, source: CRS | str, target: CRS | str) -> BaseGeometry:
    """Convert every vertex of ``geom`` from ``source`` to ``target``."""
    source, target = CRS(source), CRS(target)
    if source == target:
        return geom

    def convert(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        for i, (lon, lat) in enumerate(coords):
            wlon, wlat = to_wgs84(lon, lat, source)
            out[i] = from_wgs84(wlon, wlat, target)
        return out

    return shapely.transform(geom, convert)
