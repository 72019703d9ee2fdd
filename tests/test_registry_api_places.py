"""Floating-population registrations (incl. those expiring soon) and rental houses through the API."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.models import FloatingRegistration, Person, RentalHouse

from .factories import MiniCity
from .registry_factories import make_person

GRID = "441302001001001"


@pytest.fixture
def person(city: MiniCity) -> Person:
    return make_person(city, seq=4, residence_type="floating")


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


def test_register_a_floating_person(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/floating-registrations/",
        {"person": person.pk, "on": "2026-01-01", "expires_on": "2026-12-31", "reason": "business"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["person"] == {"id": person.pk, "name": person.name}
    assert data["reason"] == "business"
    assert data["house"] == person.house_id
    assert data["grid"] == GRID


def test_an_expiry_before_the_registration_is_a_field_error(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/floating-registrations/",
        {"person": person.pk, "on": "2026-01-01", "expires_on": "2025-12-31"},
        format="json",
    )
    assert response.status_code == 400
    assert "expires_on" in response.json()
    assert not FloatingRegistration.objects.exists()


def test_an_outsider_cannot_register_someone_out_of_scope(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "outsider").post(
        "/api/v1/floating-registrations/", {"person": person.pk, "expires_on": "2027-01-01"}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()


@time_machine.travel(dt.datetime(2026, 6, 1, 4, tzinfo=dt.UTC), tick=False)
def test_expiring_lists_registrations_due_within_the_notice_days(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    worker = city.users["worker"]
    other = make_person(city, seq=6)
    soon = services.register_floating(by=worker, person=person, on=dt.date(2025, 6, 1), expires_on=dt.date(2026, 6, 20))
    services.register_floating(by=worker, person=other, on=dt.date(2025, 6, 1), expires_on=dt.date(2026, 9, 1))
    services.register_floating(by=worker, person=other, on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 5, 1))
    as_user(api, city, "worker")
    response = api.get("/api/v1/floating-registrations/expiring/")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [soon.pk]
    assert api.get("/api/v1/floating-registrations/expiring/", {"within": 120}).json()["count"] == 2
    assert api.get("/api/v1/floating-registrations/", {"expiring_within": 120}).json()["count"] == 2
    bad = api.get("/api/v1/floating-registrations/expiring/", {"within": "abc"})
    assert bad.status_code == 400
    assert "within" in bad.json()


def test_register_a_rental_house_once(city: MiniCity, api: APIClient, person: Person) -> None:
    house = city.buildings[GRID].houses.order_by("number").last()
    as_user(api, city, "worker")
    body = {"house": house.pk, "landlord": person.pk, "rooms": 3, "on": "2026-02-01"}
    response = api.post("/api/v1/rental-houses/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["landlord"] == {"id": person.pk, "name": person.name}
    assert data["building"] == city.buildings[GRID].code
    assert data["rooms"] == 3
    again = api.post("/api/v1/rental-houses/", body, format="json")
    assert again.status_code == 400
    assert "house" in again.json()
    assert RentalHouse.objects.count() == 1


def test_rental_houses_out_of_scope_are_missing(city: MiniCity, api: APIClient) -> None:
    house = city.buildings[GRID].houses.first()
    rental = services.register_rental(by=city.users["worker"], house=house, on=dt.date(2026, 1, 1))
    as_user(api, city, "outsider")
    assert api.get(f"/api/v1/rental-houses/{rental.pk}/").status_code == 404
    assert api.get("/api/v1/rental-houses/").json()["results"] == []
    assert as_user(api, city, "district").get(f"/api/v1/rental-houses/{rental.pk}/").status_code == 200


def test_a_house_out_of_scope_cannot_be_registered(city: MiniCity, api: APIClient) -> None:
    house = city.buildings["441303001001001"].houses.first()
    response = as_user(api, city, "worker").post("/api/v1/rental-houses/", {"house": house.pk}, format="json")
    assert response.status_code == 400
    assert "house" in response.json()
