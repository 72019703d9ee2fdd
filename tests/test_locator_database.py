"""The process-wide locator is built from the current grids in the database and agrees with brute force."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import Point, box

from gridgov.core.crs import CRS, from_wgs84
from gridgov.territory.locator import build_from_database, get_locator, locate, reset
from gridgov.territory.models import Grid, GridKind
from gridgov.territory.services import bump_version

from .factories import MiniCity, make_grid
from .locator_cases import boundary_points

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_locator() -> None:
    reset()


def brute_force(lon: float, lat: float) -> str | None:
    covering = [
        g.code
        for g in Grid.objects.current().filter(kind__in=[GridKind.COMPREHENSIVE, GridKind.SPECIAL])
        if g.boundary is not None and g.boundary.covers(Point(lon, lat))
    ]
    return min(covering) if covering else None


def test_it_names_the_grid_community_subdistrict_and_district_of_a_point(city: MiniCity) -> None:
    where = locate(114.405, 23.105)
    assert where is not None
    assert (where.grid_code, where.grid_name, where.grid_kind) == ("441302001001001", "网格1-1-1", "comprehensive")
    assert (where.community_code, where.community_name) == ("441302001001", "社区1-1")
    assert (where.subdistrict_code, where.subdistrict_name) == ("441302001", "街道1")
    assert (where.district_code, where.district_name) == ("441302", "惠城区")
    assert where.micro_grid_code is None
    assert where.specialized_grid_codes == ()


def test_it_agrees_with_brute_force_on_the_mini_city_edges_vertices_and_outside(city: MiniCity) -> None:
    rng = np.random.default_rng(11)
    edges = boundary_points([g.boundary for g in city.grids.values()])
    randoms = np.column_stack([rng.uniform(114.38, 114.52, 300), rng.uniform(23.08, 23.16, 300)])
    for lon, lat in np.vstack([edges, randoms]):
        where = locate(float(lon), float(lat))
        assert (where.grid_code if where else None) == brute_force(float(lon), float(lat))


def test_a_point_outside_every_grid_is_none(city: MiniCity) -> None:
    assert locate(113.0, 22.0) is None


def test_gcj02_and_bd09_input_find_the_grid_of_the_equivalent_wgs84_point(city: MiniCity) -> None:
    lon, lat = 114.435, 23.135
    expected = locate(lon, lat)
    assert expected is not None
    for crs in (CRS.GCJ02, CRS.BD09):
        where = locate(*from_wgs84(lon, lat, crs), crs=crs)
        assert where is not None
        assert where.grid_code == expected.grid_code
        assert abs(where.lon - lon) < 1e-6 and abs(where.lat - lat) < 1e-6


def test_micro_grids_and_specialized_grids_are_found(city: MiniCity) -> None:
    parent = city.grids["441302001001001"]
    community = city.regions["441302001001"]
    make_grid("44130200100100101", "微网格1", community, box(114.40, 23.10, 114.405, 23.12), GridKind.MICRO, parent)
    make_grid("44130200100100102", "微网格2", community, box(114.405, 23.10, 114.41, 23.12), GridKind.MICRO, parent)
    make_grid("441302P01", "巡区1", city.regions["441302"], box(114.40, 23.10, 114.43, 23.13), GridKind.SPECIALIZED)
    make_grid("441302P02", "巡区2", city.regions["441302"], box(114.404, 23.10, 114.45, 23.11), GridKind.SPECIALIZED)
    where = locate(114.4045, 23.105)
    assert where is not None
    assert (where.micro_grid_code, where.micro_grid_name) == ("44130200100100101", "微网格1")
    assert where.specialized_grid_codes == ("441302P01", "441302P02")
    on_micro_edge = locate(114.405, 23.105)
    assert on_micro_edge is not None
    assert on_micro_edge.micro_grid_code == "44130200100100101"  # the lower code on a shared edge


def test_superseded_and_inactive_grids_are_ignored(city: MiniCity) -> None:
    grid = city.grids["441302001001001"]
    Grid.objects.filter(pk=grid.pk).update(is_active=False)
    bump_version()
    assert locate(114.405, 23.105) is None


def test_build_from_database_covers_every_current_territorial_grid(city: MiniCity) -> None:
    locator = build_from_database()
    assert [g.code for g in locator.grids] == sorted(city.grids)


def test_the_locator_is_reused_while_the_territory_is_unchanged(city: MiniCity) -> None:
    first = get_locator()
    assert get_locator() is first
