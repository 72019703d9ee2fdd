"""A change to the grids through the ORM is seen by the next locate() in the same process, without a restart."""

from __future__ import annotations

import datetime

import pytest
from shapely.geometry import box

from gridgov.territory.locator import get_locator, locate, reset
from gridgov.territory.models import Building, Grid
from gridgov.territory.services import redraw_grid

from .factories import MiniCity

pytestmark = pytest.mark.django_db

WEST, EAST = "441302002001001", "441302002001002"  # the two grids of community 441302002001 (no users on them)


@pytest.fixture(autouse=True)
def fresh_locator() -> None:
    reset()


def code_at(lon: float, lat: float) -> str | None:
    where = locate(lon, lat)
    return where.grid_code if where else None


def test_a_redrawn_grid_is_located_by_its_new_boundary(city: MiniCity) -> None:
    assert code_at(114.435, 23.11) == EAST
    before = get_locator()
    # Move the shared edge (114.43) east to 114.438: the west grid grows, the east one shrinks.
    redraw_grid(city.grids[WEST], box(114.42, 23.10, 114.438, 23.12), on=datetime.date(2026, 1, 1))
    redraw_grid(city.grids[EAST], box(114.438, 23.10, 114.44, 23.12), on=datetime.date(2026, 1, 1))
    assert code_at(114.435, 23.11) == WEST
    assert code_at(114.438, 23.11) == WEST  # the new shared edge: the lower code
    assert code_at(114.439, 23.11) == EAST
    assert get_locator() is not before


def test_a_deleted_grid_is_no_longer_found(city: MiniCity) -> None:
    assert code_at(114.435, 23.11) == EAST
    grid = Grid.objects.get(code=EAST)
    Building.objects.filter(grid=grid).delete()
    grid.delete()
    assert code_at(114.435, 23.11) is None
    assert code_at(114.43, 23.11) == WEST  # the shared edge now belongs to the west grid alone


def test_a_grid_saved_with_a_new_boundary_is_seen_at_once(city: MiniCity) -> None:
    grid = Grid.objects.get(code=WEST)
    grid.set_boundary(box(114.42, 23.10, 114.421, 23.101))
    grid.save()
    assert code_at(114.422, 23.11) is None
    assert code_at(114.4205, 23.1005) == WEST
