"""Person search and the person page: scoped, masked (the full ID number never in the HTML), the reveal button
only for roles that may reveal, tags only of the groups the user may see, the access log only for administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import Person

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db


def listed(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/registry/{query}")
    assert response.status_code == 200
    return [p.name for p in response.context["page"]]


def test_search_lists_only_people_in_scope(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    make_person(city, by="admin", grid="441302002001001", seq=2)
    make_person(city, by="admin", grid="441303001001001", seq=3)
    expected = {
        "worker": ["居民1"],
        "community": ["居民1"],
        "district": ["居民1", "居民2"],
        "outsider": ["居民3"],
        "admin": ["居民1", "居民2", "居民3"],
    }
    for username, names in expected.items():
        client.force_login(city.users[username])
        assert sorted(listed(client)) == names, username


def test_search_is_404_for_users_who_do_not_read_the_registry(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    for username in ("resident", "nobody", "handler"):
        client.force_login(city.users[username])
        assert client.get("/registry/").status_code == 404, username
        assert client.post("/registry/", {"q": make_ric(seq=1)}).status_code == 404, username


def test_search_by_full_id_number_or_phone_is_exact_and_masked(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    make_person(city, seq=2)
    client.force_login(city.users["community"])
    assert listed(client, f"?q={make_ric(seq=2)}") == ["居民2"]
    assert listed(client, "?q=13800000001") == ["居民1"]
    assert listed(client, "?q=居民") == ["居民1", "居民2"]
    assert listed(client, f"?q={make_ric(seq=2)[:10]}") == []  # a partial number is not a name
    # The form posts, and the number searched for is not echoed: only masked values come back.
    response = client.post("/registry/", {"q": make_ric(seq=2)})
    html = response.content.decode()
    assert [p.name for p in response.context["page"]] == ["居民2"]
    assert make_ric(seq=2) not in html and "13800000002" not in html
    assert "441302**********" not in html and "4413**********" in html and "138****0002" in html
    assert 'id="export-form"' not in html


def test_search_filters_and_bad_filter_input(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    make_person(city, seq=2, name="王芳", id_number=make_ric(dt.date(2010, 3, 1), seq=4))
    client.force_login(city.users["community"])
    assert listed(client, "?age_max=20") == ["王芳"]
    assert listed(client, "?sex=female") == ["王芳"]
    response = client.get("/registry/?area=abc")
    assert response.status_code == 200 and list(response.context["page"]) == []
    assert "errorlist" in response.content.decode()


def test_search_htmx_returns_only_the_results(city: MiniCity, client: Client) -> None:
    make_person(city, seq=1)
    client.force_login(city.users["worker"])
    response = client.get("/registry/?q=居民1", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "居民1" in html and "<html" not in html


def test_person_page_is_masked_and_offers_reveal_to_allowed_roles(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5, registered_address="广东省惠州市惠城区某路88号")
    city.grant("leader", Role.LEADER, region="441300")
    for username, reveals in (("worker", True), ("community", True), ("district", True), ("leader", False)):
        client.force_login(city.users[username])
        response = client.get(f"/registry/people/{person.pk}/")
        html = response.content.decode()
        assert response.status_code == 200, username
        assert make_ric(seq=5) not in html and "13800000005" not in html and "某路88号" not in html
        assert "**********" in html
        assert ("查看完整信息</button>" in html) is reveals, username


def test_person_page_is_404_out_of_scope_and_for_non_readers(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    city.grant("handler", Role.DEPARTMENT_HANDLER, region="441302")
    for username in ("outsider", "resident", "nobody", "handler"):
        client.force_login(city.users[username])
        assert client.get(f"/registry/people/{person.pk}/").status_code == 404, username
    client.logout()
    assert client.get(f"/registry/people/{person.pk}/").status_code == 302


def test_person_page_shows_only_tags_the_user_may_see(city: MiniCity, client: Client, settings) -> None:
    person = make_person(city, seq=5)
    services.tag_person(
        by=city.users["worker"],
        person=person,
        kind="released_prisoner",
        on=dt.date(2026, 1, 1),
        details={"release_date": "2025-12-01", "offence": "盗窃"},
    )
    services.tag_person(by=city.users["worker"], person=person, kind="elderly_alone", on=dt.date(2026, 1, 1))
    city.grant("leader", Role.LEADER, region="441300")
    client.force_login(city.users["worker"])
    html = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert "刑满释放人员" in html and "盗窃" in html and "独居老人" in html
    client.force_login(city.users["leader"])  # not in SPECIAL_GROUP_ROLES
    html = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert "独居老人" in html and "刑满释放人员" not in html and "盗窃" not in html


def test_access_log_section_only_for_administrators(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    services.reveal(by=city.users["worker"], person=person, field="phone", reason="入户走访核对")
    client.force_login(city.users["admin"])
    html = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert 'id="access-log"' in html and "入户走访核对" in html
    client.force_login(city.users["community"])
    html = client.get(f"/registry/people/{person.pk}/").content.decode()
    assert 'id="access-log"' not in html and "入户走访核对" not in html


def test_building_page_lists_houses_residents_and_rentals(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=5)
    services.register_rental(by=city.users["worker"], house=person.house, on=dt.date(2026, 1, 1), rooms=3)
    client.force_login(city.users["worker"])
    response = client.get(f"/registry/buildings/{city.buildings['441302001001001'].code}/")
    html = response.content.decode()
    assert response.status_code == 200 and "居民5" in html and "出租屋 · 3 间" in html
    client.force_login(city.users["outsider"])
    assert client.get(f"/registry/buildings/{city.buildings['441302001001001'].code}/").status_code == 404


def test_person_count_matches(city: MiniCity) -> None:
    make_person(city, seq=1)
    assert Person.objects.count() == 1
