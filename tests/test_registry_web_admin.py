"""The registry admin is read-only and never shows plaintext; the access log cannot be added to, changed or
deleted there. The site's navigation offers the registry to staff who read it."""

from __future__ import annotations

import pytest
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import AccessLog, Person

from .factories import MiniCity, UserFactory
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(client: Client) -> Client:
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


def test_person_admin_lists_and_shows_only_masked_values(city: MiniCity, root: Client) -> None:
    person = make_person(city, seq=5, registered_address="广东省惠州市惠城区某路88号")
    for url in ("/admin/registry/person/", f"/admin/registry/person/{person.pk}/change/"):
        response = root.get(url)
        html = response.content.decode()
        assert response.status_code == 200, url
        assert make_ric(seq=5) not in html and "13800000005" not in html and "某路88号" not in html, url
        assert "4413**********" in html, url
    assert 'name="name"' not in root.get(f"/admin/registry/person/{person.pk}/change/").content.decode()
    assert root.get("/admin/registry/person/add/").status_code == 403
    assert root.post(f"/admin/registry/person/{person.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=person.pk).exists()


def test_the_access_log_admin_cannot_add_change_or_delete(city: MiniCity, root: Client) -> None:
    person = make_person(city, seq=5)
    services.reveal(by=city.users["worker"], person=person, field="phone", reason="电话回访居民")
    row = AccessLog.objects.get()
    assert "电话回访居民" in root.get("/admin/registry/accesslog/").content.decode()
    assert root.get("/admin/registry/accesslog/add/").status_code == 403
    assert root.post(f"/admin/registry/accesslog/{row.pk}/change/", {"reason": "改"}).status_code == 403
    assert root.post(f"/admin/registry/accesslog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    response = root.post(
        "/admin/registry/accesslog/", {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302, 403)
    assert AccessLog.objects.get().reason == "电话回访居民"


def test_the_nav_offers_the_registry_to_readers_only(city: MiniCity, client: Client) -> None:
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    for username, shown in (
        ("worker", True),
        ("district", True),
        ("admin", True),
        ("handler", False),
        ("resident", False),
    ):
        client.force_login(city.users[username])
        assert ('id="nav-registry"' in client.get("/").content.decode()) is shown, username
