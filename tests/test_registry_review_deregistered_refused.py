"""A deregistered person (moved away or deceased) is a record of the past: the services refuse to edit or tag
them, to give them a floating registration or a household, with a message naming the day they left — 400 in the
API and for the phone's person edit, a row error in a re-import — and the person page offers none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.importing import import_rows
from gridgov.registry.models import FloatingRegistration, Membership, Person, PersonTag, TagKind

from .case_factories import CaseCity
from .factories import MiniCity
from .fieldwork_sync_factories import post, rec
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db

LEFT = dt.date(2026, 3, 2)  # before the case fixture's frozen day too
LEFT_TEXT = "此人已于2026-03-02注销"


def gone(city: MiniCity, seq: int = 1) -> Person:
    person = make_person(city, seq=seq, occupation="教师")
    return services.deregister_person(by=city.users["community"], person=person, on=LEFT, reason="迁出")


def test_the_services_refuse_an_edit_a_tag_a_registration_and_a_household(city: MiniCity) -> None:
    person = gone(city)
    by = city.users["community"]
    today = timezone.localdate()
    attempts = {
        "edit": lambda: services.update_person(by=by, person=person, changes={"occupation": "司机"}),
        "tag": lambda: services.tag_person(by=by, person=person, kind=TagKind.DISABLED, on=today),
        "floating": lambda: services.register_floating(
            by=by, person=person, on=today, expires_on=today + dt.timedelta(days=90)
        ),
        "household": lambda: services.create_household(by=by, number="H-GONE", head=person, on=today),
    }
    for name, attempt in attempts.items():
        with pytest.raises(ValidationError) as exc:
            attempt()
        assert LEFT_TEXT in exc.value.messages[0], name
    person.refresh_from_db()
    assert (person.occupation, person.version) == ("教师", 2)
    assert not PersonTag.objects.filter(person=person).exists()
    assert not FloatingRegistration.objects.filter(person=person).exists()
    assert not Membership.objects.filter(person=person).exists()


def test_a_household_does_not_take_a_deregistered_member(city: MiniCity) -> None:
    head = make_person(city, seq=2)
    household = services.create_household(by=city.users["community"], number="H-1", head=head, on=LEFT)
    with pytest.raises(ValidationError, match=LEFT_TEXT):
        services.add_member(
            by=city.users["community"], household=household, person=gone(city), relation="child", on=LEFT
        )


def test_the_api_answers_400_with_the_message(city: MiniCity, api: APIClient) -> None:
    person = gone(city)
    api.force_authenticate(city.users["community"])
    r = api.patch(f"/api/v1/persons/{person.pk}/", {"version": 2, "occupation": "司机"}, format="json")
    assert r.status_code == 400 and LEFT_TEXT in r.json()["non_field_errors"][0], r.content
    r = api.post("/api/v1/tags/", {"person": person.pk, "kind": "disabled"}, format="json")
    assert r.status_code == 400 and LEFT_TEXT in r.json()["non_field_errors"][0], r.content
    # Still readable: the record of the past stays.
    assert api.get(f"/api/v1/persons/{person.pk}/").json()["is_active"] is False


def test_an_active_person_is_still_edited_and_tagged(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    api.force_authenticate(city.users["community"])
    r = api.patch(f"/api/v1/persons/{person.pk}/", {"version": 1, "occupation": "司机"}, format="json")
    assert r.status_code == 200, r.content
    r = api.post("/api/v1/tags/", {"person": person.pk, "kind": "disabled"}, format="json")
    assert r.status_code == 201, r.content


def test_the_phones_person_edit_is_400(cc: CaseCity, api: APIClient) -> None:
    person = gone(cc.city)
    edit = rec("person_edit", {"person": person.pk, "version": 1, "changes": {"occupation": "司机"}})
    (result,) = post(api, cc.users["worker"], [edit])
    assert result["status"] == 400, result
    assert LEFT_TEXT in str(result["errors"])
    person.refresh_from_db()
    assert person.occupation == "教师"


def test_a_re_import_does_not_update_a_deregistered_person(city: MiniCity) -> None:
    person = gone(city)
    headers = ["证件号码", "姓名", "人口类型", "网格编码", "职业"]
    row = {"证件号码": make_ric(seq=1), "姓名": "居民1", "人口类型": "户籍人口", "网格编码": person.scope_code}
    result = import_rows(
        "person",
        [{**row, "职业": "司机"}],
        by=city.users["community"],
        headers=headers,
    )
    assert (result.updated, result.created) == (0, 0)
    assert LEFT_TEXT in result.errors[0].reason
    person.refresh_from_db()
    assert person.occupation == "教师"


def test_the_page_offers_no_edit_no_tag_and_the_forms_send_back(city: MiniCity) -> None:
    person = gone(city)
    client = Client()
    client.force_login(city.users["community"])
    page = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert "已注销" in page
    for url in (f"/registry/people/{person.pk}/edit/", f"/registry/people/{person.pk}/tag/"):
        assert url not in page
        r = client.get(url, follow=True)
        assert r.redirect_chain[-1][0].endswith(f"/registry/people/{person.pk}/")
        assert LEFT_TEXT in r.content.decode()
    assert "以此人为户主立户" not in page
    r = client.post(f"/registry/people/{person.pk}/edit/", {"name": "改名"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.name == "居民1"


def test_an_active_persons_page_still_offers_them(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    client = Client()
    client.force_login(city.users["community"])
    page = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert f"/registry/people/{person.pk}/edit/" in page and f"/registry/people/{person.pk}/tag/" in page
