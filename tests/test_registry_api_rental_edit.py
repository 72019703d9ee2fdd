"""PATCH /api/v1/rental-houses/{id}/: a rental house's rooms, last safety check and whether it is still let, with
the version read — 409 naming the fields someone else changed, 400 per field, 403 for a reader, 404 out of scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.models import RentalHouse

from .factories import MiniCity

GRID = "441302001001001"
OTHER_GRID = "441302001001002"
TODAY = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture(autouse=True)
def clock() -> Any:
    with time_machine.travel(TODAY, tick=False):
        yield


def rental(city: MiniCity, grid: str = GRID, by: str = "worker") -> RentalHouse:
    house = city.buildings[grid].houses.order_by("number").first()
    return services.register_rental(by=city.users[by], house=house, on=dt.date(2026, 1, 5), rooms=2)


def patch(api: APIClient, city: MiniCity, username: str, r: RentalHouse, body: dict[str, Any]) -> Any:
    api.force_authenticate(city.users[username])
    return api.patch(f"/api/v1/rental-houses/{r.pk}/", body, format="json")


def test_a_worker_records_a_safety_check_and_the_version_goes_up(city: MiniCity, api: APIClient) -> None:
    r = rental(city)
    response = patch(api, city, "worker", r, {"version": 1, "safety_checked_on": "2026-03-04", "rooms": 3})
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["safety_checked_on"], data["rooms"], data["is_active"], data["version"]) == ("2026-03-04", 3, True, 2)
    response = patch(api, city, "worker", r, {"version": 2, "is_active": False})
    assert response.status_code == 200
    r.refresh_from_db()
    assert (r.rooms, r.safety_checked_on, r.is_active, r.version) == (3, dt.date(2026, 3, 4), False, 3)


def test_an_edit_against_an_old_version_is_409_naming_the_moved_field(city: MiniCity, api: APIClient) -> None:
    r = rental(city)
    services.update_rental(by=city.users["community"], rental=r, changes={"rooms": 4})
    response = patch(api, city, "worker", r, {"version": 1, "base": {"rooms": 2}, "rooms": 5})
    assert response.status_code == 409
    assert response.json()["fields"] == ["rooms"] and response.json()["current_version"] == 2
    r.refresh_from_db()
    assert r.rooms == 4
    merged = patch(api, city, "worker", r, {"version": 1, "base": {"is_active": True}, "is_active": False})
    assert merged.status_code == 200 and merged.json()["version"] == 3 and merged.json()["rooms"] == 4


def test_bad_values_are_400_per_field(city: MiniCity, api: APIClient) -> None:
    r = rental(city)
    response = patch(api, city, "worker", r, {"version": 1, "rooms": 1000, "safety_checked_on": "2026-03-05"})
    assert response.status_code == 400
    assert set(response.json()) == {"rooms", "safety_checked_on"}
    assert "今天" in response.json()["safety_checked_on"][0]
    assert patch(api, city, "worker", r, {"rooms": 3}).json().keys() == {"version"}
    assert patch(api, city, "worker", r, {"version": 1}).status_code == 400  # nothing to change
    r.refresh_from_db()
    assert r.rooms == 2 and r.version == 1


def test_a_reader_may_not_change_and_out_of_scope_is_missing(city: MiniCity, api: APIClient) -> None:
    r = rental(city)
    assert patch(api, city, "district", r, {"version": 1, "rooms": 3}).status_code == 403
    theirs = rental(city, OTHER_GRID, by="community")
    assert patch(api, city, "worker", theirs, {"version": 1, "rooms": 3}).status_code == 404
    assert patch(api, city, "outsider", r, {"version": 1, "rooms": 3}).status_code == 404
    r.refresh_from_db()
    theirs.refresh_from_db()
    assert r.version == 1 and theirs.version == 1
