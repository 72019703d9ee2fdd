"""The access log through the API: administrators read it (within their scope), nobody else; nobody writes it."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import AccessLog, Person

from .factories import MiniCity
from .registry_factories import make_person


@pytest.fixture
def log(city: MiniCity) -> AccessLog:
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("huiyang_admin", Role.ADMINISTRATOR, region="441303")
    person: Person = make_person(city, seq=3)
    services.reveal(by=city.users["worker"], person=person, field="phone", reason="电话回访核对", ip="10.0.0.9")
    return AccessLog.objects.get()


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


def test_administrators_read_who_revealed_what_and_why(city: MiniCity, api: APIClient, log: AccessLog) -> None:
    response = as_user(api, city, "admin").get("/api/v1/access-log/")
    assert response.status_code == 200
    [entry] = response.json()["results"]
    assert entry["user"] == city.users["worker"].username
    assert entry["action"] == "reveal"
    assert entry["field"] == "phone"
    assert entry["reason"] == "电话回访核对"
    assert entry["person"]["id"] == log.person_id
    assert entry["ip"] == "10.0.0.9"
    assert "13800000003" not in response.content.decode()
    assert api.get(f"/api/v1/access-log/{log.pk}/").status_code == 200


def test_the_log_filters_by_user_and_action(city: MiniCity, api: APIClient, log: AccessLog) -> None:
    as_user(api, city, "admin")
    assert api.get("/api/v1/access-log/", {"user": city.users["worker"].username}).json()["count"] == 1
    assert api.get("/api/v1/access-log/", {"user": "someone"}).json()["count"] == 0
    assert api.get("/api/v1/access-log/", {"action": "export"}).json()["count"] == 0
    assert api.get("/api/v1/access-log/", {"action": "nonsense"}).status_code == 400


def test_an_administrator_elsewhere_does_not_see_the_entry(city: MiniCity, api: APIClient, log: AccessLog) -> None:
    as_user(api, city, "huiyang_admin")
    assert api.get("/api/v1/access-log/").json()["results"] == []
    assert api.get(f"/api/v1/access-log/{log.pk}/").status_code == 404


@pytest.mark.parametrize("username", ["worker", "community", "district", "leader", "resident", "nobody"])
def test_other_roles_may_not_read_the_log(city: MiniCity, api: APIClient, log: AccessLog, username: str) -> None:
    as_user(api, city, username)
    assert api.get("/api/v1/access-log/").status_code == 403
    assert api.get(f"/api/v1/access-log/{log.pk}/").status_code == 403


def test_the_log_is_read_only(city: MiniCity, api: APIClient, log: AccessLog) -> None:
    as_user(api, city, "admin")
    assert api.post("/api/v1/access-log/", {"reason": "x"}).status_code == 405
    assert api.patch(f"/api/v1/access-log/{log.pk}/", {"reason": "x"}).status_code == 405
    assert api.delete(f"/api/v1/access-log/{log.pk}/").status_code == 405
    assert AccessLog.objects.get().reason == "电话回访核对"
