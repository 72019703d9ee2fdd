"""Households through the API: create with a head, add members, change the head (one current head always),
members leave; out of scope is 404, readers who are not editors get 403."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import Household, Membership, Person

from .factories import MiniCity
from .registry_factories import make_person


@pytest.fixture
def people(city: MiniCity) -> list[Person]:
    city.grant("leader", Role.LEADER, region="441300")
    return [make_person(city, seq=n) for n in (1, 2, 3)]


@pytest.fixture
def household(city: MiniCity, people: list[Person]) -> Household:
    return services.create_household(by=city.users["worker"], number="H100", head=people[0], on=dt.date(2025, 1, 1))


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


def test_create_a_household_with_its_head(city: MiniCity, api: APIClient, people: list[Person]) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/households/", {"number": "H200", "head": people[1].pk, "on": "2026-01-02"}, format="json"
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["head"] == {"id": people[1].pk, "name": people[1].name}
    assert data["member_count"] == 1
    assert data["grid"] == "441302001001001"


def test_a_duplicate_household_number_is_a_field_error(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/households/", {"number": "H100", "head": people[1].pk}, format="json"
    )
    assert response.status_code == 400
    assert "number" in response.json()


def test_a_head_out_of_scope_does_not_exist(city: MiniCity, api: APIClient, people: list[Person]) -> None:
    response = as_user(api, city, "outsider").post(
        "/api/v1/households/", {"number": "H300", "head": people[0].pk}, format="json"
    )
    assert response.status_code == 400
    assert "head" in response.json()
    assert not Household.objects.filter(number="H300").exists()


def test_add_member_and_change_head_keep_one_current_head(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    as_user(api, city, "community")
    url = f"/api/v1/households/{household.pk}"
    response = api.post(f"{url}/add-member/", {"person": people[1].pk, "relation": "spouse"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["member_count"] == 2

    response = api.post(f"{url}/change-head/", {"person": people[1].pk, "old_head_relation": "spouse"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["head"]["id"] == people[1].pk
    members = {m["person"]["id"]: m["relation"] for m in response.json()["members"]}
    assert members == {people[0].pk: "spouse", people[1].pk: "head"}
    assert Membership.objects.filter(household=household, relation="head", valid_to__isnull=True).count() == 1

    history = api.get(f"{url}/members/").json()
    assert len(history) == 4  # two ended rows and two current


def test_a_second_head_cannot_be_added(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    response = as_user(api, city, "worker").post(
        f"/api/v1/households/{household.pk}/add-member/", {"person": people[1].pk, "relation": "head"}, format="json"
    )
    assert response.status_code == 400
    assert "relation" in response.json()


def test_the_new_head_must_be_a_member(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    response = as_user(api, city, "worker").post(
        f"/api/v1/households/{household.pk}/change-head/", {"person": people[2].pk}, format="json"
    )
    assert response.status_code == 400
    assert "new_head" in response.json()


def test_a_member_leaves_but_the_head_must_be_changed_first(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    member = services.add_member(
        by=city.users["worker"], household=household, person=people[1], relation="child", on=dt.date(2025, 2, 1)
    )
    head = household.memberships.get(relation="head")
    as_user(api, city, "worker")
    url = f"/api/v1/households/{household.pk}/end-membership/"
    refused = api.post(url, {"membership": head.pk}, format="json")
    assert refused.status_code == 400
    assert "membership" in refused.json()
    response = api.post(url, {"membership": member.pk, "on": "2026-01-01"}, format="json")
    assert response.status_code == 200
    assert response.json()["member_count"] == 1
    assert api.post(url, {"membership": member.pk}, format="json").status_code == 400


def test_households_out_of_scope_are_missing(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    as_user(api, city, "outsider")
    assert api.get(f"/api/v1/households/{household.pk}/").status_code == 404
    assert api.get("/api/v1/households/").json()["results"] == []
    response = api.post(f"/api/v1/households/{household.pk}/add-member/", {"person": people[1].pk, "relation": "child"})
    assert response.status_code == 404


def test_readers_who_are_not_editors_cannot_change_a_household(
    city: MiniCity, api: APIClient, people: list[Person], household: Household
) -> None:
    as_user(api, city, "leader")
    assert api.get(f"/api/v1/households/{household.pk}/").status_code == 200
    response = api.post(f"/api/v1/households/{household.pk}/add-member/", {"person": people[1].pk, "relation": "child"})
    assert response.status_code == 403
    assert household.memberships.count() == 1
