"""WGS-84 ⇄ GCJ-02 ⇄ BD-09 conversions round-trip within 1 m across Guangdong."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from gridgov.core.crs import CRS, from_wgs84, from_wgs84_array, parse_crs, to_wgs84, to_wgs84_array, transform_geometry
from gridgov.core.geo import distance_m

# Guangdong spans about lon 109.6–117.4, lat 20.2–25.6; a 15 × 12 lattice over it, corners included.
GUANGDONG = [(float(lon), float(lat)) for lon in np.linspace(109.6, 117.4, 15) for lat in np.linspace(20.2, 25.6, 12)]


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_a_round_trip_through_a_chinese_datum_stays_within_one_metre(crs: CRS) -> None:
    worst = 0.0
    for lon, lat in GUANGDONG:
        back = to_wgs84(*from_wgs84(lon, lat, crs), crs)
        worst = max(worst, distance_m(lon, lat, *back))
    assert worst < 1.0


@pytest.mark.parametrize(("crs", "at_least_m"), [(CRS.GCJ02, 100.0), (CRS.BD09, 500.0)])
def test_the_chinese_datums_really_are_shifted_from_wgs84(crs: CRS, at_least_m: float) -> None:
    # Without this the round trip would pass for a conversion that does nothing.
    for lon, lat in GUANGDONG:
        assert distance_m(lon, lat, *from_wgs84(lon, lat, crs)) > at_least_m


def test_bd09_is_gcj02_shifted_again() -> None:
    lon, lat = 114.4163, 23.1115  # Huizhou
    gcj = from_wgs84(lon, lat, CRS.GCJ02)
    bd = from_wgs84(lon, lat, CRS.BD09)
    assert distance_m(*gcj, *bd) > 500
    assert distance_m(*to_wgs84(*bd, CRS.BD09), *to_wgs84(*gcj, CRS.GCJ02)) < 1.0


@pytest.mark.parametrize(
    ("text", "crs"),
    [
        (None, CRS.WGS84),
        ("", CRS.WGS84),
        ("WGS-84", CRS.WGS84),
        ("EPSG:4326", CRS.WGS84),
        ("gcj_02", CRS.GCJ02),
        ("BD09", CRS.BD09),
    ],
)
def test_crs_names_are_read_loosely(text: str | None, crs: CRS) -> None:
    assert parse_crs(text) == crs


def test_an_unknown_crs_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_crs("mercator")


@pytest.mark.parametrize("crs", [CRS.GCJ02, CRS.BD09])
def test_the_array_conversions_agree_with_the_scalar_library(crs: CRS) -> None:
    coords = np.array(GUANGDONG, dtype=float)
    forward = from_wgs84_array(coords, crs)
    backward = to_wgs84_array(coords, crs)
    for (lon, lat), fwd, back in zip(GUANGDONG, forward, backward, strict=True):
        assert distance_m(*fwd, *from_wgs84(lon, lat, crs)) < 0.001
        assert distance_m(*back, *to_wgs84(lon, lat, crs)) < 0.05  # prcoords stops iterating at ~1 cm
    round_trip = to_wgs84_array(forward, crs)
    assert np.abs(round_trip - coords).max() < 1e-8  # about a millimetre


def test_converting_a_polygon_with_nearly_coincident_vertices_keeps_it_valid() -> None:
    # Clipping leaves vertices a hair apart; a conversion that stopped iterating at different steps for
    # neighbouring vertices could fold them over each other.
    eps = 1e-12
    ring = [(114.40, 23.10), (114.42, 23.10), (114.42, 23.12), (114.42 - eps, 23.12 + eps), (114.40, 23.12)]
    polygon = shapely.Polygon(ring)
    assert polygon.is_valid
    for crs in (CRS.GCJ02, CRS.BD09):
        converted = transform_geometry(polygon, crs, CRS.WGS84)
        assert converted.is_valid, shapely.is_valid_reason(converted)
        back = transform_geometry(converted, CRS.WGS84, crs)
        assert abs(back.area - polygon.area) / polygon.area < 1e-9
