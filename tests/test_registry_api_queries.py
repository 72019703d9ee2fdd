"""The registry's list endpoints cost the same number of queries however many rows they return (no N+1)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gridgov.accounts.models import User
from gridgov.registry import services
from gridgov.registry.models import TagKind
from gridgov.territory.models import House

from .factories import MiniCity
from .registry_factories import make_person

PATHS = [
    "/api/v1/persons/",
    "/api/v1/households/",
    "/api/v1/tags/",
    "/api/v1/floating-registrations/",
    "/api/v1/rental-houses/",
    "/api/v1/organisations/",
    "/api/v1/facilities/",
]


def grow(city: MiniCity, start: int, n: int) -> None:
    """``n`` more of everything in the worker's grid: people (each heading a household, tagged, registered as
    floating, landlord of a rental house), organisations and facilities."""
    worker = city.users["worker"]
    for seq in range(start, start + n):
        person = make_person(city, seq=seq)
        services.create_household(by=worker, number=f"H{seq:04d}", head=person, on=dt.date(2025, 1, 1))
        services.tag_person(by=worker, person=person, kind=TagKind.ELDERLY_ALONE, on=dt.date(2025, 1, 1))
        services.register_floating(by=worker, person=person, on=dt.date(2026, 1, 1), expires_on=dt.date(2027, 1, 1))
        services.register_organisation(
            by=worker,
            data={"kind": "enterprise", "name": f"企业{seq}", "contact_phone": f"139{seq:08d}"},
            grid=city.grids["441302001001001"],
        )
        house = House.objects.create(building=city.buildings["441302001001001"], number=f"R{seq}")
        services.register_rental(by=worker, house=house, on=dt.date(2026, 1, 1), landlord=person)
        services.register_facility(
            by=worker,
            data={
                "code": f"4413020101{seq:05d}",
                "major_class": "01",
                "minor_class": "01",
                "name": f"井盖{seq}",
                "lon": 114.401 + seq * 0.0001,
                "lat": 23.11,
            },
        )


def count(city: MiniCity, api: APIClient, username: str, path: str) -> int:
    api.force_authenticate(User.objects.get(pk=city.users[username].pk))  # roles are cached on the user
    with CaptureQueriesContext(connection) as context:
        response = api.get(path)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("path", PATHS)
def test_list_query_count_does_not_grow_with_rows(city: MiniCity, api: APIClient, path: str) -> None:
    grow(city, 1, 2)
    small = count(city, api, "community", path)
    grow(city, 3, 10)
    assert count(city, api, "community", path) == small
    assert api.get(path).json()["count"] == 12


def test_the_person_list_uses_a_handful_of_queries(city: MiniCity, api: APIClient) -> None:
    grow(city, 1, 12)
    # The user's roles, the count, the page: nothing per row.
    assert count(city, api, "community", "/api/v1/persons/") <= 4
