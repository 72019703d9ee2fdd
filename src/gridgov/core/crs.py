"""WGS-84 ⇄ GCJ-02 ⇄ BD-09, on the public-domain ``prcoords`` library.

We store WGS-84 (DESIGN rule 6). GCJ-02 → WGS-84 uses prcoords' iterative ("bored") inverse, which is exact to
well under a centimetre, so a round trip stays far inside the 1 m the tests demand.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import numpy as np
import prcoords
import shapely
from numpy.typing import NDArray

Array = NDArray[np.float64]


class CRS(StrEnum):
    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


CRS_CHOICES = [(c.value, c.value) for c in CRS]


def parse_crs(value: str | None) -> CRS:
    if not value:
        return CRS.WGS84
    normalized = value.strip().lower().replace("-", "").replace("_", "").replace(":", "")
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


def transform_geometry(geom: Any, source: CRS | str, target: CRS | str) -> Any:
    """Convert every vertex of a geometry (or an array of geometries) from ``source`` to ``target``."""
    source, target = CRS(source), CRS(target)
    if source == target:
        return geom

    def convert(coords: Array) -> Array:
        return from_wgs84_array(to_wgs84_array(coords, source), target)

    return shapely.transform(geom, convert)


# The GCJ-02 and BD-09 formulas on arrays: the same constants and sanity box as ``prcoords`` (which the scalar
# functions above wrap); tests hold the two to the same answer. Geometries and batches go through these.
_GCJ_A = 6378245.0
_GCJ_EE = 0.00669342162296594323
_BD_DLAT = 0.0060
_BD_DLON = 0.0065


def _wgs_to_gcj(lon: Array, lat: Array) -> tuple[Array, Array]:
    in_china = (lat >= 0.8293) & (lat <= 55.8271) & (lon >= 72.004) & (lon <= 137.8347)
    x, y = lon - 105.0, lat - 35.0
    pi = math.pi
    dlat_m = (
        -100
        + 2 * x
        + 3 * y
        + 0.2 * y * y
        + 0.1 * x * y
        + 0.2 * np.sqrt(np.abs(x))
        + (
            2 * np.sin(x * 6 * pi)
            + 2 * np.sin(x * 2 * pi)
            + 2 * np.sin(y * pi)
            + 4 * np.sin(y / 3 * pi)
            + 16 * np.sin(y / 12 * pi)
            + 32 * np.sin(y / 30 * pi)
        )
        * 20
        / 3
    )
    dlon_m = (
        300
        + x
        + 2 * y
        + 0.1 * x * x
        + 0.1 * x * y
        + 0.1 * np.sqrt(np.abs(x))
        + (
            2 * np.sin(x * 6 * pi)
            + 2 * np.sin(x * 2 * pi)
            + 2 * np.sin(x * pi)
            + 4 * np.sin(x / 3 * pi)
            + 15 * np.sin(x / 12 * pi)
            + 30 * np.sin(x / 30 * pi)
        )
        * 20
        / 3
    )
    rad_lat = np.radians(lat)
    magic = 1 - _GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_arclen = np.radians((_GCJ_A * (1 - _GCJ_EE)) / magic**1.5)
    lon_deg_arclen = np.radians(_GCJ_A * np.cos(rad_lat) / np.sqrt(magic))
    return (
        np.where(in_china, lon + dlon_m / lon_deg_arclen, lon),
        np.where(in_china, lat + dlat_m / lat_deg_arclen, lat),
    )


def _gcj_to_bd(lon: Array, lat: Array) -> tuple[Array, Array]:
    r = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(np.radians(lat) * 3000)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(np.radians(lon) * 3000)
    return r * np.cos(theta) + _BD_DLON, r * np.sin(theta) + _BD_DLAT


def from_wgs84_array(coords: Array, crs: CRS | str) -> Array:
    """Convert an (n, 2) array of WGS-84 lon/lat to ``crs``."""
    crs = CRS(crs)
    if crs == CRS.WGS84 or len(coords) == 0:
        return coords
    lon, lat = _wgs_to_gcj(coords[:, 0], coords[:, 1])
    if crs == CRS.BD09:
        lon, lat = _gcj_to_bd(lon, lat)
    return np.column_stack([lon, lat])


def _forward(lon: Array, lat: Array, crs: CRS) -> tuple[Array, Array]:
    lon, lat = _wgs_to_gcj(lon, lat)
    if crs == CRS.BD09:
        lon, lat = _gcj_to_bd(lon, lat)
    return lon, lat


def to_wgs84_array(coords: Array, crs: CRS | str) -> Array:
    """Convert an (n, 2) array of lon/lat in ``crs`` to WGS-84.

    The inverse is found by fixed-point iteration on the forward formula with a FIXED number of steps (no early
    exit), so the map stays smooth: two vertices a hair apart move together and a valid polygon stays valid.
    Four steps bring the error far below a millimetre (the forward map's derivative is ~1e-5 off identity).
    """
    crs = CRS(crs)
    if crs == CRS.WGS84 or len(coords) == 0:
        return coords
    target_lon, target_lat = coords[:, 0], coords[:, 1]
    lon, lat = target_lon.copy(), target_lat.copy()
    for _ in range(INVERSE_STEPS):
        f_lon, f_lat = _forward(lon, lat, crs)
        lon = lon - (f_lon - target_lon)
        lat = lat - (f_lat - target_lat)
    return np.column_stack([lon, lat])


INVERSE_STEPS = 5
