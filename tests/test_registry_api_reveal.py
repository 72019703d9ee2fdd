"""POST /api/v1/persons/{id}/reveal/: the full value only to roles that may reveal, with a reason, logged, never
cached; readers who may not reveal get 403, people out of scope are 404 — and neither writes a log row."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry.models import AccessAction, AccessLog, Person

from .factories import MiniCity
from .registry_factories import make_person, make_ric


@pytest.fixture
def person(city: MiniCity) -> Person:
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    city.grant("head", Role.GRID_HEAD, grid="441302001001001")
    return make_person(city, seq=7)


def reveal(api: APIClient, city: MiniCity, username: str, person: Person, **body: str) -> Any:
    api.force_authenticate(city.users[username])
    data = {"field": "id_number", "reason": "入户走访核对身份"} | body
    return api.post(f"/api/v1/persons/{person.pk}/reveal/", data, format="json", REMOTE_ADDR="10.1.2.3")


@pytest.mark.parametrize("username", ["worker", "head", "community", "subdistrict", "district"])
def test_reveal_roles_get_the_value_and_a_log_row(
    city: MiniCity, api: APIClient, person: Person, username: str
) -> None:
    response = reveal(api, city, username, person)
    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": make_ric(seq=7)}
    assert "no-store" in response["Cache-Control"]
    [row] = AccessLog.objects.all()
    assert (row.user, row.action, row.person_id, row.field) == (
        city.users[username],
        AccessAction.REVEAL,
        person.pk,
        "id_number",
    )
    assert row.reason == "入户走访核对身份"
    assert row.ip == "10.1.2.3"
    assert row.scope_code == person.scope_code


def test_each_field_can_be_revealed_and_each_reveal_is_logged(city: MiniCity, api: APIClient, person: Person) -> None:
    values = {
        "phone": "13800000007",
        "current_address": "惠城区某街道某路7号",
    }
    for field, value in values.items():
        response = reveal(api, city, "worker", person, field=field)
        assert response.json()["value"] == value
    assert sorted(AccessLog.objects.values_list("field", flat=True)) == ["current_address", "phone"]


@pytest.mark.parametrize("username", ["leader", "admin"])
def test_readers_who_may_not_reveal_are_refused_and_nothing_is_logged(
    city: MiniCity, api: APIClient, person: Person, username: str
) -> None:
    response = reveal(api, city, username, person)
    assert response.status_code == 403
    assert make_ric(seq=7) not in response.content.decode()
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize("username", ["outsider", "handler", "resident", "nobody"])
def test_people_out_of_scope_are_missing_and_nothing_is_logged(
    city: MiniCity, api: APIClient, person: Person, username: str
) -> None:
    response = reveal(api, city, username, person)
    assert response.status_code == 404
    assert not AccessLog.objects.exists()


def test_anonymous_callers_are_unauthorised(api: APIClient, person: Person) -> None:
    response = api.post(f"/api/v1/persons/{person.pk}/reveal/", {"field": "phone", "reason": "核对身份信息"})
    assert response.status_code == 401
    assert not AccessLog.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": ""}, "reason"),
        ({"reason": "看看"}, "reason"),
        ({"field": "name"}, "field"),
        ({"field": "birth_date"}, "field"),
    ],
)
def test_a_reveal_needs_a_reason_and_a_protected_field(
    city: MiniCity, api: APIClient, person: Person, body: dict[str, str], field: str
) -> None:
    response = reveal(api, city, "worker", person, **body)
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not AccessLog.objects.exists()


def test_the_revealed_value_is_not_in_the_detail_afterwards(city: MiniCity, api: APIClient, person: Person) -> None:
    reveal(api, city, "worker", person)
    detail = api.get(f"/api/v1/persons/{person.pk}/")
    assert make_ric(seq=7) not in detail.content.decode()
