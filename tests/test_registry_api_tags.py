"""Tags through the API: the list holds only what the caller may see (special groups and key youth only for
SPECIAL_GROUP_ROLES, care groups for staff in scope), tagging checks the kind's own fields and the caller's right
to manage the group, a visit moves the next due date."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import Person, PersonTag, TagKind

from .factories import MiniCity
from .registry_factories import make_person


@pytest.fixture
def person(city: MiniCity) -> Person:
    city.grant("leader", Role.LEADER, region="441300")
    return make_person(city, seq=5)


@pytest.fixture
def tags(city: MiniCity, person: Person) -> dict[str, PersonTag]:
    worker = city.users["worker"]
    on = dt.date(2026, 1, 1)
    return {
        "special": services.tag_person(
            by=worker,
            person=person,
            kind=TagKind.COMMUNITY_CORRECTION,
            on=on,
            details={"correction_start": "2025-06-01", "correction_end": "2027-06-01", "correction_type": "parole"},
        ),
        "youth": services.tag_person(
            by=worker, person=person, kind=TagKind.KEY_YOUTH, on=on, details={"youth_type": "idle"}
        ),
        "care": services.tag_person(by=worker, person=person, kind=TagKind.DISABLED, on=on, details={"grade": 2}),
    }


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


@pytest.mark.parametrize("username", ["worker", "community", "district"])
def test_special_group_roles_see_every_tag(
    city: MiniCity, api: APIClient, tags: dict[str, PersonTag], username: str
) -> None:
    kinds = {t["kind"] for t in as_user(api, city, username).get("/api/v1/tags/").json()["results"]}
    assert kinds == {"community_correction", "key_youth", "disabled"}


@pytest.mark.parametrize("username", ["admin", "leader"])
def test_other_roles_see_care_groups_only(
    city: MiniCity, api: APIClient, tags: dict[str, PersonTag], username: str
) -> None:
    as_user(api, city, username)
    response = api.get("/api/v1/tags/")
    assert [t["kind"] for t in response.json()["results"]] == ["disabled"]
    assert "parole" not in response.content.decode()
    assert api.get(f"/api/v1/tags/{tags['special'].pk}/").status_code == 404
    assert api.get(f"/api/v1/tags/{tags['youth'].pk}/").status_code == 404
    assert api.get("/api/v1/tags/", {"kind": "community_correction"}).json()["results"] == []
    assert api.get(f"/api/v1/tags/{tags['care'].pk}/").status_code == 200


def test_outsiders_see_no_tags(city: MiniCity, api: APIClient, tags: dict[str, PersonTag]) -> None:
    as_user(api, city, "outsider")
    assert api.get("/api/v1/tags/").json()["results"] == []
    assert api.get(f"/api/v1/tags/{tags['care'].pk}/").status_code == 404


def test_the_list_filters_by_group_and_visits_due(city: MiniCity, api: APIClient, tags: dict[str, PersonTag]) -> None:
    as_user(api, city, "worker")
    special = api.get("/api/v1/tags/", {"group": "special"}).json()["results"]
    assert [t["kind"] for t in special] == ["community_correction"]
    due = api.get("/api/v1/tags/", {"visit_due": "true"}).json()["results"]
    assert {t["kind"] for t in due} == {"community_correction", "key_youth", "disabled"}  # all due since January
    assert all(t["visit_due"] for t in due)


def test_tag_a_person_with_the_kinds_own_fields(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/tags/",
        {
            "person": person.pk,
            "kind": "mental_disorder",
            "on": "2026-03-01",
            "details": {"risk_level": "3", "guardian": "家属"},
            "attention_level": "serious",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["details"] == {"risk_level": 3, "guardian": "家属"}
    assert data["visit_every_days"] == 14
    assert data["next_visit_due"] == "2026-03-15"
    assert data["person"] == {"id": person.pk, "name": person.name}


def test_a_tag_with_bad_fields_is_a_field_error(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").post(
        "/api/v1/tags/", {"person": person.pk, "kind": "mental_disorder", "details": {"risk_level": 9}}, format="json"
    )
    assert response.status_code == 400
    assert "risk_level" in response.json()
    response = api.post("/api/v1/tags/", {"person": person.pk, "kind": "released_prisoner"}, format="json")
    assert response.status_code == 400
    assert "release_date" in response.json()
    assert not PersonTag.objects.exists()


def test_roles_outside_special_group_roles_cannot_tag_special_groups(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    response = as_user(api, city, "admin").post(
        "/api/v1/tags/", {"person": person.pk, "kind": "drug_user"}, format="json"
    )
    assert response.status_code == 403
    response = api.post("/api/v1/tags/", {"person": person.pk, "kind": "elderly_alone"}, format="json")
    assert response.status_code == 201
    assert list(PersonTag.objects.values_list("kind", flat=True)) == ["elderly_alone"]


def test_a_visit_moves_the_next_due_date(city: MiniCity, api: APIClient, tags: dict[str, PersonTag]) -> None:
    tag = tags["care"]
    response = as_user(api, city, "worker").post(f"/api/v1/tags/{tag.pk}/visit/", {"on": "2026-02-10"})
    assert response.status_code == 200
    assert response.json()["last_visit_on"] == "2026-02-10"
    assert response.json()["next_visit_due"] == "2026-03-12"


def test_a_visit_to_a_hidden_tag_is_missing(city: MiniCity, api: APIClient, tags: dict[str, PersonTag]) -> None:
    response = as_user(api, city, "admin").post(f"/api/v1/tags/{tags['special'].pk}/visit/", {"on": "2026-02-10"})
    assert response.status_code == 404
    tags["special"].refresh_from_db()
    assert tags["special"].last_visit_on is None


def test_end_a_tag(city: MiniCity, api: APIClient, tags: dict[str, PersonTag]) -> None:
    tag = tags["youth"]
    response = as_user(api, city, "worker").post(
        f"/api/v1/tags/{tag.pk}/end/", {"on": "2026-04-01", "note": "已就业"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["valid_to"] == "2026-04-01"
    assert api.get("/api/v1/tags/", {"current": "true"}).json()["count"] == 2
