"""List endpoints cost the same number of queries however many rows they return (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from shapely.geometry import box

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.territory.models import Building, House

from .factories import MiniCity, UserFactory, make_grid

PATHS = [
    "/api/v1/regions/",
    "/api/v1/regions/?geometry=1",
    "/api/v1/regions/geojson/",
    "/api/v1/grids/",
    "/api/v1/grids/?geometry=1&crs=gcj02",
    "/api/v1/grids/geojson/",
    "/api/v1/buildings/",
    "/api/v1/houses/",
]


def fresh(city: MiniCity, username: str) -> User:
    """The user as a new request would load it (roles are cached on the user object)."""
    return User.objects.get(pk=city.users[username].pk)


def queries(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


def grow(city: MiniCity, n: int) -> None:
    """Add ``n`` grids to the Huiyang community, each with two workers, two buildings and three houses each."""
    community = city.regions["441303001001"]
    for i in range(n):
        x = 114.44 + i * 0.0005
        grid = make_grid(f"441303001001{100 + i:03d}", f"加密网格{i}", community, box(x, 23.10, x + 0.0005, 23.101))
        for part_time in (False, True):
            user = UserFactory(username=f"extra{i}-{part_time}")
            RoleAssignment.objects.create(user=user, role=Role.GRID_WORKER, grid=grid, part_time=part_time)
        for b in range(2):
            building = Building.objects.create(
                code=f"{grid.code}{b + 2:05d}", grid=grid, name=f"楼{i}-{b}", lon=x, lat=23.1005
            )
            House.objects.bulk_create([House(building=building, number=str(n)) for n in range(3)])


@pytest.mark.parametrize("path", PATHS)
def test_list_query_count_does_not_grow_with_rows(city: MiniCity, api: APIClient, path: str) -> None:
    api.force_authenticate(fresh(city, "admin"))
    small = queries(api, path)
    grow(city, 12)
    api.force_authenticate(fresh(city, "admin"))
    large = queries(api, path)
    assert large == small


@pytest.mark.parametrize("path", PATHS)
def test_list_endpoints_use_a_handful_of_queries(
    city: MiniCity, api: APIClient, path: str, django_assert_max_num_queries: object
) -> None:
    grow(city, 5)
    api.force_authenticate(fresh(city, "district"))
    with django_assert_max_num_queries(6):  # type: ignore[operator]
        assert api.get(path).status_code == 200
