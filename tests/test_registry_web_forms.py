"""Registering and editing a person through the pages: the services validate (errors per field), the edit form
never carries plaintext, and an edit against an older version that touches a field changed since is refused."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.registry import services
from gridgov.registry.models import Person

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

BUILDING = "44130200100100100001"


def form_data(**extra: str) -> dict[str, str]:
    data = {
        "doc_type": "ric",
        "id_number": make_ric(seq=9),
        "name": "张三",
        "phone": "13912345678",
        "current_address": "惠城区某路9号",
        "residence_type": "registered",
        "occupancy": "owner",
        "building_code": BUILDING,
        "house_number": "101",
        "ethnicity": "汉族",
    }
    data.update(extra)
    return data


def test_a_grid_worker_registers_a_person(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    assert client.get("/registry/people/new/").status_code == 200
    response = client.post("/registry/people/new/", form_data())
    person = Person.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/registry/people/{person.pk}/"
    assert person.id_number.reveal() == make_ric(seq=9) and person.house.number == "101"
    assert person.scope_code == "441302001001001" and person.sex == "male"


def test_service_errors_are_shown_per_field(city: MiniCity, client: Client) -> None:
    client.force_login(city.users["worker"])
    bad = make_ric(seq=9)[:-1] + ("0" if make_ric(seq=9)[-1] != "0" else "1")
    response = client.post("/registry/people/new/", form_data(id_number=bad, phone="12345", name=""))
    form = response.context["form"]
    assert response.status_code == 200 and Person.objects.count() == 0
    assert {"id_number", "phone", "name"} <= set(form.errors)
    response = client.post("/registry/people/new/", form_data(building_code="44130300100100100001"))
    assert "building_code" in response.context["form"].errors  # not in the worker's grid
    response = client.post("/registry/people/new/", form_data(house_number="999"))
    assert "house_number" in response.context["form"].errors
    assert Person.objects.count() == 0


def test_a_duplicate_id_number_is_refused_on_the_field(city: MiniCity, client: Client) -> None:
    make_person(city, seq=9)
    client.force_login(city.users["worker"])
    response = client.post("/registry/people/new/", form_data())
    assert "id_number" in response.context["form"].errors and Person.objects.count() == 1


def test_readers_cannot_register_or_edit(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["district"])
    assert client.get("/registry/people/new/").status_code == 403
    assert client.get(f"/registry/people/{person.pk}/edit/").status_code == 404
    client.force_login(city.users["outsider"])
    assert client.get(f"/registry/people/{person.pk}/edit/").status_code == 404


def test_the_edit_form_carries_no_plaintext_and_empty_protected_fields_keep_their_value(
    city: MiniCity, client: Client
) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    response = client.get(f"/registry/people/{person.pk}/edit/")
    html = response.content.decode()
    assert make_ric(seq=5) not in html and "13800000005" not in html and "某路5号" not in html
    data = {k: ("" if v is None else v) for k, v in response.context["form"].initial.items()}
    data.update({"occupation": "教师", "birth_date": person.birth_date.isoformat()})
    response = client.post(f"/registry/people/{person.pk}/edit/", data)
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.occupation == "教师" and person.id_number.reveal() == make_ric(seq=5)
    assert person.phone.reveal() == "13800000005" and person.version == 2


def test_a_stale_edit_of_a_field_changed_since_is_refused(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    initial = client.get(f"/registry/people/{person.pk}/edit/").context["form"].initial
    data = {k: ("" if v is None else v) for k, v in initial.items()}
    data["birth_date"] = person.birth_date.isoformat()
    services.update_person(by=city.users["community"], person=person, changes={"occupation": "医生"})
    response = client.post(f"/registry/people/{person.pk}/edit/", {**data, "occupation": "教师"})
    assert response.status_code == 200
    assert "职业" in str(response.context["form"].non_field_errors())  # the field's label, not its name
    person.refresh_from_db()
    assert person.occupation == "医生"
    # a change to a field nobody else touched is merged onto the newer version
    response = client.post(f"/registry/people/{person.pk}/edit/", {**data, "workplace": "某公司"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.occupation, person.workplace) == ("医生", "某公司")
