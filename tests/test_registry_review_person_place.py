"""Editing where a person lives by naming some of house, building and grid: what is named wins and the rest
follows or is cleared; an inconsistent combination is refused on its field (the PATCH used to answer 200 and
keep the old place)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.models import Person

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

GRID = "441302001001001"
OTHER = "441302001001002"


def _patch(api: APIClient, city: MiniCity, person: Person, **data: object) -> tuple[int, dict[str, object]]:
    api.force_authenticate(city.users["community"])
    response = api.patch(f"/api/v1/persons/{person.pk}/", {"version": person.version, **data}, format="json")
    return response.status_code, response.json()


def test_a_patch_of_the_building_moves_the_person_and_drops_the_old_house(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    status, body = _patch(api, city, person, building=f"{OTHER}00001")
    assert status == 200, body
    person.refresh_from_db()
    assert (person.building.code, person.house_id, person.grid.code, person.scope_code) == (  # type: ignore[union-attr]
        f"{OTHER}00001",
        None,
        OTHER,
        OTHER,
    )


def test_a_patch_of_the_grid_alone_moves_the_person_out_of_their_building(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    status, body = _patch(api, city, person, grid=OTHER)
    assert status == 200, body
    person.refresh_from_db()
    assert (person.grid.code, person.building_id, person.house_id, person.scope_code) == (OTHER, None, None, OTHER)  # type: ignore[union-attr]


def test_a_patch_of_the_same_grid_keeps_building_and_house(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    house_id = person.house_id
    status, _body = _patch(api, city, person, grid=GRID)
    assert status == 200
    person.refresh_from_db()
    assert (person.house_id, person.building.code) == (house_id, f"{GRID}00001")  # type: ignore[union-attr]


def test_a_building_outside_the_named_grid_is_refused_on_the_building(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    status, body = _patch(api, city, person, building=f"{OTHER}00001", grid=GRID)
    assert status == 400 and "building" in body
    person.refresh_from_db()
    assert (person.scope_code, person.version) == (GRID, 1)


def test_a_house_outside_the_named_building_is_refused_on_the_house(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    house = city.buildings[GRID].houses.order_by("number").last()
    with pytest.raises(ValidationError) as exc:
        services.update_person(
            by=city.users["community"], person=person, changes={"house": house, "building": city.buildings[OTHER]}
        )
    assert "house" in exc.value.message_dict


def test_clearing_house_building_and_grid_is_refused(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    with pytest.raises(ValidationError) as exc:
        services.update_person(
            by=city.users["community"], person=person, changes={"house": None, "building": None, "grid": None}
        )
    assert "grid" in exc.value.message_dict
