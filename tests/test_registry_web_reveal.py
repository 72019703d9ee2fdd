"""Revealing a protected field through the person page: a reason is required, the value comes back only to roles
allowed to reveal, every reveal writes one access-log row, and the response is never cached."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.registry.models import AccessLog

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db


def url(person, field: str = "id_number") -> str:
    return f"/registry/people/{person.pk}/reveal/{field}/"


def test_reveal_shows_the_value_and_logs_one_row(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    form = client.get(url(person), headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'name="reason"' in form.content.decode()
    assert make_ric(seq=5) not in form.content.decode()
    assert AccessLog.objects.count() == 0  # asking for the form is not a reveal
    response = client.post(
        url(person), {"reason": "入户走访核对身份"}, headers={"HX-Request": "true"}, REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert make_ric(seq=5) in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    (row,) = AccessLog.objects.all()
    assert (row.user, row.person, row.field, row.reason, row.action, row.ip) == (
        city.users["worker"],
        person,
        "id_number",
        "入户走访核对身份",
        "reveal",
        "10.1.2.3",
    )


def test_each_protected_field_can_be_revealed(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5, registered_address="广东省惠州市惠城区某路88号")
    client.force_login(city.users["community"])
    expected = {
        "phone": "13800000005",
        "current_address": "惠城区某街道某路5号",
        "registered_address": "广东省惠州市惠城区某路88号",
    }
    for field, value in expected.items():
        response = client.post(url(person, field), {"reason": "核对信息需要"})
        assert value in response.content.decode(), field
    assert AccessLog.objects.count() == 3


def test_a_short_or_missing_reason_reveals_nothing(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    for reason in ("", "看看"):
        response = client.post(url(person), {"reason": reason}, headers={"HX-Request": "true"})
        html = response.content.decode()
        assert response.status_code == 200 and make_ric(seq=5) not in html and "errorlist" in html
    assert AccessLog.objects.count() == 0


def test_roles_without_reveal_are_refused_and_nothing_is_logged(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    city.grant("leader", Role.LEADER, region="441300")
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    for username, status in (("leader", 403), ("admin", 403), ("handler", 404), ("outsider", 404), ("resident", 404)):
        client.force_login(city.users[username])
        response = client.post(url(person), {"reason": "入户走访核对身份"})
        assert response.status_code == status, username
        assert make_ric(seq=5) not in response.content.decode()
        assert client.get(url(person)).status_code == status, username
    assert AccessLog.objects.count() == 0


def test_only_protected_fields_can_be_revealed(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    assert client.post(url(person, "name"), {"reason": "入户走访核对身份"}).status_code == 404
    assert client.get(url(person, "scope_code")).status_code == 404
    assert AccessLog.objects.count() == 0


def test_reveal_without_htmx_renders_a_page(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    client.force_login(city.users["worker"])
    response = client.post(url(person, "phone"), {"reason": "电话回访居民"})
    html = response.content.decode()
    assert "<html" in html and "13800000005" in html
    assert AccessLog.objects.filter(field="phone").count() == 1
