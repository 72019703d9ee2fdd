"""The locator gives the same answer as a brute-force point-in-polygon check, ties included (no database)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from gridgov.territory.locator import GridRecord, Locator, PolygonIndex

from .locator_cases import (
    EXTENT,
    SPECIAL_CODE,
    boundary_points,
    brute_force_grid,
    brute_force_micro,
    brute_force_specialized,
    voronoi_city,
)

RECORDS = list(voronoi_city())
LOCATOR = Locator.from_records(RECORDS)
EDGE_POINTS = boundary_points([r.polygon for r in RECORDS])

x0, y0, x1, y1 = EXTENT
lons = st.floats(x0 - 0.05, x1 + 0.05, allow_nan=False)
lats = st.floats(y0 - 0.05, y1 + 0.05, allow_nan=False)


def codes_of(indices: np.ndarray) -> list[str | None]:
    return [LOCATOR.grids[i].code if i >= 0 else None for i in indices]


def check_point(lon: float, lat: float) -> None:
    expected = brute_force_grid(RECORDS, lon, lat)
    assert codes_of(LOCATOR.locate_many(np.array([lon]), np.array([lat]))) == [expected]
    location = LOCATOR.locate(lon, lat)
    specialized = brute_force_specialized(RECORDS, lon, lat)
    if expected is None and not specialized:
        assert location is None
        return
    assert location is not None
    assert location.grid_code == expected
    assert location.micro_grid_code == brute_force_micro(RECORDS, expected, lon, lat)
    assert location.specialized_grid_codes == specialized
    assert location.community_code == (expected[:12] if expected else None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lon=lons, lat=lats)
def test_it_agrees_with_brute_force_on_random_points(lon: float, lat: float) -> None:
    check_point(lon, lat)


@settings(max_examples=150, deadline=None)
@given(i=st.integers(0, len(EDGE_POINTS) - 1))
def test_it_agrees_with_brute_force_on_vertices_and_edge_midpoints(i: int) -> None:
    lon, lat = EDGE_POINTS[i]
    check_point(float(lon), float(lat))


def brute_force_indices(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Every point against every territorial grid (GEOS covers); grids are in code order: the first hit wins."""
    polygons = np.array([r.polygon for r in LOCATOR.grids], dtype=object)
    hits = shapely.intersects_xy(polygons[:, None], lon[None, :], lat[None, :])
    return np.where(hits.any(axis=0), hits.argmax(axis=0), -1)


def test_it_agrees_with_brute_force_on_every_vertex_and_edge_midpoint_at_once() -> None:
    lon, lat = EDGE_POINTS[:, 0], EDGE_POINTS[:, 1]
    expected = brute_force_indices(lon, lat)
    assert (expected >= 0).sum() > len(EDGE_POINTS) * 0.9  # the sample really is on the grids' edges
    assert np.array_equal(LOCATOR.locate_many(lon, lat), expected)


def test_it_agrees_with_brute_force_on_a_dense_random_sample() -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(x0 - 0.02, x1 + 0.02, 20_000)
    lat = rng.uniform(y0 - 0.02, y1 + 0.02, 20_000)
    assert np.array_equal(LOCATOR.locate_many(lon, lat), brute_force_indices(lon, lat))


def test_it_answers_none_outside_every_grid() -> None:
    assert LOCATOR.locate(x0 - 1, y0 - 1) is None
    assert LOCATOR.locate_many(np.array([0.0, np.nan, 200.0]), np.array([0.0, 23.1, np.nan])).tolist() == [-1] * 3


def test_it_finds_the_special_grid_carved_out_of_the_comprehensive_ones() -> None:
    location = LOCATOR.locate((x0 + x1) / 2, (y0 + y1) / 2)
    assert location is not None
    assert location.grid_code == SPECIAL_CODE
    assert location.grid_kind == "special"


def four_squares() -> list[GridRecord]:
    # 2 x 2 unit squares; codes increase west→east, south→north.
    records = []
    for k, (ix, iy) in enumerate([(0, 0), (1, 0), (0, 1), (1, 1)], start=1):
        code = f"441302001001{k:03d}"
        records.append(GridRecord(code, "comprehensive", box(ix, iy, ix + 1, iy + 1), region_code=code[:12]))
    return records


@pytest.mark.parametrize(
    ("point", "code"),
    [
        ((1.0, 0.5), "441302001001001"),  # edge between 001 and 002
        ((1.0, 1.5), "441302001001003"),  # edge between 003 and 004
        ((0.5, 1.0), "441302001001001"),  # edge between 001 and 003
        ((1.0, 1.0), "441302001001001"),  # vertex shared by all four
        ((2.0, 2.0), "441302001001004"),  # outer corner: only 004 covers it
        ((1.5, 1.5), "441302001001004"),
    ],
)
def test_a_point_on_a_shared_edge_or_vertex_belongs_to_the_lowest_code(point: tuple[float, float], code: str) -> None:
    locator = Locator.from_records(four_squares())
    assert locator.locate(*point).grid_code == code  # type: ignore[union-attr]
    assert locator.grids[int(locator.locate_many(np.array([point[0]]), np.array([point[1]]))[0])].code == code


def test_overlapping_grids_give_the_lowest_code_even_inside_a_cell() -> None:
    # Bad data (a special grid laid over comprehensive ones without carving) still gets one answer by the rule.
    records = [*four_squares(), GridRecord("441302001001000", "special", box(0.2, 0.2, 1.8, 1.8))]
    locator = Locator.from_records(records)
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(-0.1, 2.1, 5000), rng.uniform(-0.1, 2.1, 5000)
    got = [locator.grids[i].code if i >= 0 else None for i in locator.locate_many(lon, lat)]
    assert got == [brute_force_grid(records, a, b) for a, b in zip(lon, lat, strict=True)]


def test_multipolygons_and_holes_are_located_exactly() -> None:
    ring = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    records = [
        GridRecord("441302001001002", "comprehensive", ring),
        GridRecord("441302001001001", "comprehensive", shapely.MultiPolygon([box(1, 1, 2, 2), box(5, 5, 6, 6)])),
    ]
    locator = Locator.from_records(records)
    points = np.array([[0.5, 0.5], [1.5, 1.5], [5.5, 5.5], [4, 4], [1, 1.5], [3, 3]])
    got = [locator.grids[i].code if i >= 0 else None for i in locator.locate_many(points[:, 0], points[:, 1])]
    assert got == [brute_force_grid(records, a, b) for a, b in points]
    assert got == ["441302001001002", "441302001001001", "441302001001001", None, "441302001001001", "441302001001002"]


def test_an_empty_locator_answers_none() -> None:
    locator = Locator.from_records([])
    assert locator.locate(114.4, 23.1) is None
    assert locator.locate_many(np.array([114.4]), np.array([23.1])).tolist() == [-1]


def test_a_small_raster_and_a_large_one_give_the_same_answers() -> None:
    polygons = [r.polygon for r in LOCATOR.grids]
    coarse = PolygonIndex(polygons, cells_per_polygon=1)
    fine = PolygonIndex(polygons, cells_per_polygon=4096)
    lon, lat = EDGE_POINTS[:, 0], EDGE_POINTS[:, 1]
    assert np.array_equal(coarse.first_covering(lon, lat), fine.first_covering(lon, lat))
    assert coarse.cell_count < fine.cell_count


def test_concurrent_queries_agree_with_a_single_thread() -> None:
    rng = np.random.default_rng(5)
    lon, lat = rng.uniform(x0, x1, 50_000), rng.uniform(y0, y1, 50_000)
    expected = LOCATOR.locate_many(lon, lat)
    results: list[np.ndarray] = []

    def work() -> None:
        results.append(LOCATOR.locate_many(lon, lat))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert all(np.array_equal(r, expected) for r in results)


def test_records_from_other_modules_are_accepted_by_shape() -> None:
    record = {"code": "441302001001001", "kind": "comprehensive", "polygon": box(0, 0, 1, 1), "name": "甲"}
    locator = Locator.from_records([record])
    assert locator.locate(0.5, 0.5).grid_name == "甲"  # type: ignore[union-attr]


def test_points_on_the_raster_lines_are_located_exactly() -> None:
    # Where the cell arithmetic rounds, a point may land in the neighbouring cell: it must not matter.
    index = LOCATOR.index
    rng = np.random.default_rng(9)
    k = rng.integers(0, index.nx, 3000)
    j = rng.integers(0, index.ny, 3000)
    on_vertical = (index.ox + k * index.cell, rng.uniform(y0, y1, 3000))
    on_horizontal = (rng.uniform(x0, x1, 3000), index.oy + j * index.cell)
    corners = (index.ox + k * index.cell, index.oy + j * index.cell)
    nudged = (np.nextafter(corners[0], np.inf), np.nextafter(corners[1], -np.inf))
    lon = np.concatenate([on_vertical[0], on_horizontal[0], corners[0], nudged[0]])
    lat = np.concatenate([on_vertical[1], on_horizontal[1], corners[1], nudged[1]])
    assert np.array_equal(LOCATOR.locate_many(lon, lat), brute_force_indices(lon, lat))
