"""The people API: masked personal fields for every role, scope (outsiders get 404), registering with field-level
errors (bad or duplicate ID number), stale edits (409 naming the fields), and tags hidden from roles that may not
see special groups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import Person, TagKind

from .factories import MiniCity
from .registry_factories import make_person, make_ric

GRID = "441302001001001"
READERS = ["worker", "community", "subdistrict", "district", "admin", "leader"]


@pytest.fixture
def person(city: MiniCity) -> Person:
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    return make_person(city, seq=7, registered_address="广东省惠州市惠城区江北街道文昌一路9号")


def as_user(api: APIClient, city: MiniCity, username: str) -> APIClient:
    api.force_authenticate(city.users[username])
    return api


def plain(person: Person) -> dict[str, str]:
    fresh = Person.objects.get(pk=person.pk)
    return {f: getattr(fresh, f).reveal() for f in services.PROTECTED_FIELDS}


def assert_no_plaintext(content: bytes, person: Person) -> None:
    text = content.decode()
    for field, value in plain(person).items():
        assert value not in text, field


@pytest.mark.parametrize("username", READERS)
def test_list_and_detail_show_personal_fields_masked_to_every_reader(
    city: MiniCity, api: APIClient, person: Person, username: str
) -> None:
    as_user(api, city, username)
    listing = api.get("/api/v1/persons/")
    assert listing.status_code == 200
    [row] = [r for r in listing.json()["results"] if r["id"] == person.pk]
    values = plain(person)
    assert row["id_number"] == values["id_number"][:4] + "**********" + values["id_number"][-4:]
    assert row["phone"] == "138****0007"
    assert row["current_address"].endswith("****")
    assert_no_plaintext(listing.content, person)

    detail = api.get(f"/api/v1/persons/{person.pk}/")
    assert detail.status_code == 200
    assert detail.json()["id_number"] == row["id_number"]
    assert detail.json()["registered_address"].endswith("****")
    assert_no_plaintext(detail.content, person)


def test_the_search_by_full_id_number_finds_the_person_without_echoing_it(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    as_user(api, city, "community")
    response = api.get("/api/v1/persons/", {"q": make_ric(seq=7)})
    assert [r["id"] for r in response.json()["results"]] == [person.pk]
    assert_no_plaintext(response.content, person)


def test_the_search_can_be_posted_so_numbers_stay_out_of_urls(city: MiniCity, api: APIClient, person: Person) -> None:
    as_user(api, city, "community")
    other = make_person(city, seq=8, grid="441302001001002", by="community")
    response = api.post("/api/v1/persons/search/", {"q": make_ric(seq=7)}, format="json")
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [person.pk]
    assert_no_plaintext(response.content, person)
    by_phone = api.post("/api/v1/persons/search/", {"q": "138-0000-0008"}, format="json").json()["results"]
    assert [r["id"] for r in by_phone] == [other.pk]
    by_area = api.post("/api/v1/persons/search/", {"area": "441302001001002", "sex": "female"}, format="json")
    assert [r["id"] for r in by_area.json()["results"]] == [other.pk]
    bad = api.post("/api/v1/persons/search/", {"area": "abc", "residence_type": ["alien"]}, format="json")
    assert bad.status_code == 400
    assert {"area", "residence_type"} <= set(bad.json())
    assert (
        as_user(api, city, "outsider")
        .post("/api/v1/persons/search/", {"q": make_ric(seq=7)}, format="json")
        .json()["results"]
        == []
    )


@pytest.mark.parametrize("username", ["outsider", "handler", "resident", "nobody"])
def test_people_out_of_scope_are_missing(city: MiniCity, api: APIClient, person: Person, username: str) -> None:
    as_user(api, city, username)
    assert api.get(f"/api/v1/persons/{person.pk}/").status_code == 404
    assert api.get("/api/v1/persons/").json()["results"] == []
    assert api.patch(f"/api/v1/persons/{person.pk}/", {"version": 1, "occupation": "x"}).status_code == 404


def test_only_reveal_roles_are_offered_the_reveal(city: MiniCity, api: APIClient, person: Person) -> None:
    assert as_user(api, city, "worker").get(f"/api/v1/persons/{person.pk}/").json()["revealable_fields"] == [
        "id_number",
        "phone",
        "registered_address",
        "current_address",
    ]
    for username in ("admin", "leader"):
        assert as_user(api, city, username).get(f"/api/v1/persons/{person.pk}/").json()["revealable_fields"] == []


def test_register_derives_birth_date_and_sex_and_answers_masked(city: MiniCity, api: APIClient) -> None:
    house = city.buildings[GRID].houses.order_by("number").first()
    number = make_ric(dt.date(1990, 2, 3), seq=12)
    response = as_user(api, city, "worker").post(
        "/api/v1/persons/",
        {"id_number": number, "name": "新居民", "phone": "13912345678", "house": house.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["birth_date"] == "1990-02-03"
    assert data["sex"] == "female"  # sequence 012: even
    assert data["grid"] == GRID
    assert data["version"] == 1
    assert number not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    assert Person.objects.get(pk=data["id"]).id_number == number


def test_register_with_a_bad_id_number_is_a_field_error(city: MiniCity, api: APIClient) -> None:
    house = city.buildings[GRID].houses.first()
    bad = make_ric(seq=3)[:-1] + ("0" if make_ric(seq=3)[-1] != "0" else "1")
    response = as_user(api, city, "worker").post(
        "/api/v1/persons/", {"id_number": bad, "name": "某人", "house": house.pk}, format="json"
    )
    assert response.status_code == 400
    assert "校验" in response.json()["id_number"][0]
    assert not Person.objects.filter(name="某人").exists()


def test_register_a_duplicate_id_number_is_a_field_error(city: MiniCity, api: APIClient, person: Person) -> None:
    house = city.buildings[GRID].houses.first()
    response = as_user(api, city, "worker").post(
        "/api/v1/persons/", {"id_number": make_ric(seq=7), "name": "重复", "house": house.pk}, format="json"
    )
    assert response.status_code == 400
    assert "id_number" in response.json()
    assert Person.objects.count() == 1


def test_register_names_every_bad_field(city: MiniCity, api: APIClient) -> None:
    house = city.buildings[GRID].houses.first()
    response = as_user(api, city, "worker").post(
        "/api/v1/persons/", {"phone": "12345", "house": house.pk, "sex": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "sex" in response.json()
    response = as_user(api, city, "worker").post("/api/v1/persons/", {"phone": "12345", "house": house.pk})
    assert {"phone", "name"} <= set(response.json())


def test_register_in_a_house_out_of_scope_is_refused(city: MiniCity, api: APIClient) -> None:
    house = city.buildings["441303001001001"].houses.first()
    response = as_user(api, city, "worker").post(
        "/api/v1/persons/", {"id_number": make_ric(seq=9), "name": "外区", "house": house.pk}, format="json"
    )
    assert response.status_code == 400
    assert "house" in response.json()
    assert not Person.objects.exists()


def test_readers_who_are_not_editors_cannot_register_or_edit(city: MiniCity, api: APIClient, person: Person) -> None:
    house = city.buildings[GRID].houses.first()
    as_user(api, city, "leader")
    response = api.post(
        "/api/v1/persons/", {"id_number": make_ric(seq=9), "name": "某", "house": house.pk}, format="json"
    )
    assert response.status_code == 403
    response = api.patch(f"/api/v1/persons/{person.pk}/", {"version": 1, "occupation": "教师"}, format="json")
    assert response.status_code == 403
    assert Person.objects.get(pk=person.pk).occupation == ""


def test_edit_bumps_the_version(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").patch(
        f"/api/v1/persons/{person.pk}/", {"version": 1, "phone": "13700001111"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert response.json()["phone"] == "137****1111"
    assert Person.objects.get(pk=person.pk).phone == "13700001111"


def test_edit_without_a_version_is_refused(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").patch(
        f"/api/v1/persons/{person.pk}/", {"occupation": "教师"}, format="json"
    )
    assert response.status_code == 400
    assert "version" in response.json()


def test_a_bad_phone_in_an_edit_is_a_field_error(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").patch(
        f"/api/v1/persons/{person.pk}/", {"version": 1, "phone": "123"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]


def test_a_stale_edit_is_a_conflict_naming_the_fields(city: MiniCity, api: APIClient, person: Person) -> None:
    services.update_person(by=city.users["community"], person=person, changes={"phone": "13700002222"})
    response = as_user(api, city, "worker").patch(
        f"/api/v1/persons/{person.pk}/",
        {"version": 1, "phone": "13700003333", "base": {"phone": "13800000007"}},
        format="json",
    )
    assert response.status_code == 409
    body: dict[str, Any] = response.json()
    assert body["fields"] == ["phone"]
    assert body["current_version"] == 2
    assert "13700002222" not in response.content.decode()
    assert Person.objects.get(pk=person.pk).phone == "13700002222"


def test_a_stale_edit_of_untouched_fields_is_merged(city: MiniCity, api: APIClient, person: Person) -> None:
    services.update_person(by=city.users["community"], person=person, changes={"phone": "13700002222"})
    response = as_user(api, city, "worker").patch(
        f"/api/v1/persons/{person.pk}/",
        {"version": 1, "occupation": "教师", "base": {"occupation": ""}},
        format="json",
    )
    assert response.status_code == 200
    fresh = Person.objects.get(pk=person.pk)
    assert (fresh.occupation, fresh.phone, fresh.version) == ("教师", "13700002222", 3)


def test_deregister_keeps_the_person_inactive(city: MiniCity, api: APIClient, person: Person) -> None:
    response = as_user(api, city, "worker").post(
        f"/api/v1/persons/{person.pk}/deregister/", {"on": "2026-01-05", "reason": "迁出"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["is_active"] is False
    assert response.json()["left_on"] == "2026-01-05"


def test_special_group_tags_are_hidden_from_roles_outside_special_group_roles(
    city: MiniCity, api: APIClient, person: Person
) -> None:
    services.tag_person(
        by=city.users["worker"],
        person=person,
        kind=TagKind.RELEASED_PRISONER,
        on=dt.date(2026, 1, 1),
        details={"release_date": "2025-12-01", "offence": "盗窃罪"},
    )
    services.tag_person(by=city.users["worker"], person=person, kind=TagKind.ELDERLY_ALONE, on=dt.date(2026, 1, 1))
    kinds = {t["kind"] for t in as_user(api, city, "worker").get(f"/api/v1/persons/{person.pk}/").json()["tags"]}
    assert kinds == {"released_prisoner", "elderly_alone"}
    for username in ("admin", "leader"):
        detail = as_user(api, city, username).get(f"/api/v1/persons/{person.pk}/")
        assert [t["kind"] for t in detail.json()["tags"]] == ["elderly_alone"]
        assert "盗窃罪" not in detail.content.decode()
        assert "released_prisoner" not in detail.content.decode()
        # Nor can the tag filter be used to find out who carries a hidden tag.
        listing = api.get("/api/v1/persons/", {"tag": "released_prisoner"})
        assert listing.json()["results"] == []


def test_the_detail_names_the_household(city: MiniCity, api: APIClient, person: Person) -> None:
    services.create_household(by=city.users["worker"], number="H001", head=person, on=dt.date(2025, 1, 1))
    household = as_user(api, city, "community").get(f"/api/v1/persons/{person.pk}/").json()["household"]
    assert household["number"] == "H001"
    assert household["relation"] == "head"
