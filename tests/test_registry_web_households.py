"""The household page: members with their relation and the head marked; add a member (found by ID number), change
the head, end a membership — through the services, refused out of scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gridgov.registry import services
from gridgov.registry.models import Membership

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 1, 5)


@pytest.fixture
def home(city: MiniCity):
    head = make_person(city, seq=1)
    household = services.create_household(by=city.users["worker"], number="H001", head=head, on=DAY)
    return household, head


def test_household_page_marks_the_head_and_masks_numbers(city: MiniCity, client: Client, home) -> None:
    household, _head = home
    client.force_login(city.users["community"])
    response = client.get(f"/registry/households/{household.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "居民1" in html and "户主" in html
    assert make_ric(seq=1) not in html
    client.force_login(city.users["outsider"])
    assert client.get(f"/registry/households/{household.pk}/").status_code == 404


def test_household_is_created_from_the_person_page(city: MiniCity, client: Client) -> None:
    head = make_person(city, seq=3)
    client.force_login(city.users["worker"])
    response = client.post(
        f"/registry/households/new/?head={head.pk}", {"number": "H777", "kind": "family", "on": "2026-01-02"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(person=head).relation == "head"
    again = client.post(
        f"/registry/households/new/?head={head.pk}", {"number": "H777", "kind": "family", "on": "2026-01-02"}
    )
    assert "number" in again.context["form"].errors


def test_add_member_change_head_and_end_membership(city: MiniCity, client: Client, home) -> None:
    household, head = home
    child = make_person(city, seq=2)
    client.force_login(city.users["worker"])
    base = f"/registry/households/{household.pk}"
    response = client.post(f"{base}/members/", {"person": make_ric(seq=2), "relation": "child", "on": "2026-01-06"})
    assert response.status_code == 302
    assert household.current_members().count() == 2
    response = client.post(f"{base}/head/", {"new_head": child.pk, "old_head_relation": "parent", "on": "2026-02-01"})
    assert response.status_code == 302
    relations = {m.person_id: m.relation for m in household.current_members()}
    assert relations == {child.pk: "head", head.pk: "parent"}
    old = household.current_members().get(person=head)
    response = client.post(f"{base}/members/{old.pk}/end/", {"on": "2026-03-01"})
    assert response.status_code == 302
    assert list(household.current_members().values_list("person_id", flat=True)) == [child.pk]


def test_member_errors_are_shown(city: MiniCity, client: Client, home) -> None:
    household, _head = home
    outsider = make_person(city, by="admin", grid="441303001001001", seq=8)
    client.force_login(city.users["worker"])
    base = f"/registry/households/{household.pk}"
    for ref in ("居民1", make_ric(seq=8), make_ric(seq=1)):
        response = client.post(f"{base}/members/", {"person": ref, "relation": "child", "on": "2026-01-06"})
        assert response.status_code == 200 and response.context["member_form"].errors, ref
    assert household.current_members().count() == 1 and outsider.memberships.count() == 0
    services.add_member(
        by=city.users["worker"], household=household, person=make_person(city, seq=2), relation="child", on=DAY
    )
    head_row = household.current_members().get(relation="head")
    response = client.post(f"{base}/members/{head_row.pk}/end/", {"on": "2026-03-01"}, follow=True)
    assert "户主离户前请先变更户主" in response.content.decode()
    assert household.current_members().count() == 2


def test_readers_cannot_change_a_household(city: MiniCity, client: Client, home) -> None:
    household, _head = home
    make_person(city, seq=2)
    client.force_login(city.users["district"])
    base = f"/registry/households/{household.pk}"
    response = client.post(f"{base}/members/", {"person": make_ric(seq=2), "relation": "child", "on": "2026-01-06"})
    assert response.status_code == 403
    assert household.current_members().count() == 1
