"""The registry's lists: special groups hidden (404) from roles outside SPECIAL_GROUP_ROLES, visits due with
overdue highlighted, tagging from TAG_FIELDS and recording a visit; floating registrations expiring soon; rental
houses; organisations with the fire-safety inspection; facilities on a map; the access log for administrators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from gridgov.accounts.roles import Role
from gridgov.registry import services
from gridgov.registry.models import FireSafety, Organisation, PersonTag

from .factories import MiniCity
from .registry_factories import make_person, make_ric

pytestmark = pytest.mark.django_db


def rows(client: Client, url: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(response.context["page"])


def test_special_group_list_is_hidden_from_roles_not_in_special_group_roles(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1)
    today = timezone.localdate()
    services.tag_person(by=city.users["worker"], person=person, kind="drug_user", on=today)
    city.grant("leader", Role.LEADER, region="441300")
    for username in ("leader", "admin", "resident", "nobody"):
        client.force_login(city.users[username])
        assert client.get("/registry/special/").status_code == 404, username
        assert client.get("/registry/export/special.xlsx").status_code == 404, username
        assert "特殊人群" not in client.get("/registry/").content.decode() or username in ("resident", "nobody")
    for username in ("worker", "community", "district"):
        client.force_login(city.users[username])
        assert [t.person.name for t in rows(client, "/registry/special/")] == ["居民1"], username
    client.force_login(city.users["outsider"])
    assert rows(client, "/registry/special/") == []


def test_visits_due_are_highlighted_and_filterable(city: MiniCity, client: Client) -> None:
    today = timezone.localdate()
    late = make_person(city, seq=1)
    fresh = make_person(city, seq=2)
    services.tag_person(by=city.users["worker"], person=late, kind="elderly_alone", on=today - dt.timedelta(days=30))
    services.tag_person(by=city.users["worker"], person=fresh, kind="elderly_alone", on=today)
    client.force_login(city.users["worker"])
    html = client.get("/registry/care/").content.decode()
    assert html.count('class="overdue') == 1 and "逾期" in html
    assert [t.person.name for t in rows(client, "/registry/care/?visit_due=true")] == ["居民1"]
    assert [t.person.name for t in rows(client, "/registry/care/?visit_due=false")] == ["居民2"]
    assert rows(client, "/registry/care/?responsible=me") == []  # tagged by the service without a responsible


def test_tagging_a_person_uses_the_kinds_own_fields(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1)
    client.force_login(city.users["worker"])
    response = client.get(f"/registry/people/{person.pk}/tag/?kind=mental_disorder")
    assert "d_risk_level" in response.context["form"].fields and "d_guardian" in response.context["form"].fields
    response = client.post(
        f"/registry/people/{person.pk}/tag/",
        {"kind": "mental_disorder", "attention_level": "serious", "on": "2026-01-02", "d_risk_level": "9"},
    )
    assert response.status_code == 200 and "d_risk_level" in response.context["form"].errors
    assert not PersonTag.objects.exists()
    response = client.post(
        f"/registry/people/{person.pk}/tag/",
        {
            "kind": "mental_disorder",
            "attention_level": "serious",
            "on": "2026-01-02",
            "d_risk_level": "3",
            "d_guardian": "李四",
        },
    )
    assert response.status_code == 302
    tag = PersonTag.objects.get()
    assert tag.details == {"risk_level": 3, "guardian": "李四"} and tag.responsible == city.users["worker"]
    assert tag.next_visit_due == dt.date(2026, 1, 16)


def test_choosing_another_kind_reloads_the_form_without_saving(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1)
    client.force_login(city.users["worker"])
    response = client.post(
        f"/registry/people/{person.pk}/tag/",
        {"kind": "released_prisoner", "refresh": "1", "attention_level": "normal", "on": "2026-01-02"},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "d_release_date" in html and "d_risk_level" not in html and "<html" not in html
    assert not PersonTag.objects.exists()


def test_roles_outside_special_groups_are_not_offered_restricted_kinds(
    city: MiniCity, client: Client, settings
) -> None:
    person = make_person(city, seq=1)
    client.force_login(city.users["district"])  # reads, does not edit
    assert client.get(f"/registry/people/{person.pk}/tag/").status_code == 403
    client.force_login(city.users["worker"])
    kinds = dict(client.get(f"/registry/people/{person.pk}/tag/").context["form"].fields["kind"].choices)
    assert "drug_user" in kinds and "elderly_alone" in kinds


def test_recording_a_visit_moves_the_due_date(city: MiniCity, client: Client) -> None:
    today = timezone.localdate()
    person = make_person(city, seq=1)
    tag = services.tag_person(
        by=city.users["worker"], person=person, kind="elderly_alone", on=today - dt.timedelta(days=30)
    )
    client.force_login(city.users["district"])  # may read the list, may not record
    client.post(f"/registry/tags/{tag.pk}/visit/", {"on": today.isoformat()})
    tag.refresh_from_db()
    assert tag.last_visit_on is None
    client.force_login(city.users["worker"])
    future = client.post(f"/registry/tags/{tag.pk}/visit/", {"on": (today + dt.timedelta(days=3)).isoformat()})
    assert future.status_code == 302
    tag.refresh_from_db()
    assert tag.last_visit_on is None
    response = client.post(f"/registry/tags/{tag.pk}/visit/", {"on": today.isoformat(), "next": "/registry/care/"})
    assert response["Location"] == "/registry/care/"
    tag.refresh_from_db()
    assert tag.last_visit_on == today and tag.next_visit_due == today + dt.timedelta(days=7)
    client.force_login(city.users["outsider"])
    assert client.post(f"/registry/tags/{tag.pk}/visit/", {"on": today.isoformat()}).status_code == 404


def test_ending_a_tag_takes_the_person_off_the_list(city: MiniCity, client: Client) -> None:
    today = timezone.localdate()
    person = make_person(city, seq=1)
    tag = services.tag_person(by=city.users["worker"], person=person, kind="drug_user", on=today - dt.timedelta(days=9))
    client.force_login(city.users["district"])  # reads special groups, does not edit
    client.post(f"/registry/tags/{tag.pk}/end/", {"on": today.isoformat()})
    tag.refresh_from_db()
    assert tag.valid_to is None
    client.force_login(city.users["worker"])
    client.post(f"/registry/tags/{tag.pk}/end/", {"on": (today - dt.timedelta(days=30)).isoformat()})
    tag.refresh_from_db()
    assert tag.valid_to is None  # before it began
    response = client.post(f"/registry/tags/{tag.pk}/end/", {"on": today.isoformat(), "note": "戒断三年"})
    assert response["Location"] == f"/registry/people/{person.pk}/"
    tag.refresh_from_db()
    assert tag.valid_to == today and "戒断三年" in tag.note
    assert rows(client, "/registry/special/") == []
    assert len(rows(client, "/registry/special/?current=false")) == 1


def test_floating_registrations_expiring_soon(city: MiniCity, client: Client, settings) -> None:
    today = timezone.localdate()
    soon = make_person(city, seq=1, residence_type="floating")
    later = make_person(city, seq=2, residence_type="floating")
    services.register_floating(
        by=city.users["worker"],
        person=soon,
        on=today - dt.timedelta(days=300),
        expires_on=today + dt.timedelta(days=10),
    )
    services.register_floating(
        by=city.users["worker"], person=later, on=today, expires_on=today + dt.timedelta(days=200)
    )
    client.force_login(city.users["community"])
    response = client.get("/registry/floating/")
    assert [r.person.name for r in response.context["page"]] == ["居民1"]
    assert make_ric(seq=1) not in response.content.decode()
    assert {r.person.name for r in rows(client, "/registry/floating/?expiring_within=366")} == {"居民1", "居民2"}
    client.force_login(city.users["outsider"])
    assert rows(client, "/registry/floating/") == []


def test_rental_houses_list(city: MiniCity, client: Client) -> None:
    landlord = make_person(city, seq=1)
    services.register_rental(
        by=city.users["worker"], house=landlord.house, on=dt.date(2026, 1, 1), landlord=landlord, rooms=2
    )
    client.force_login(city.users["worker"])
    response = client.get("/registry/rentals/")
    html = response.content.decode()
    assert len(response.context["page"]) == 1 and "居民1" in html and "13800000001" not in html
    client.force_login(city.users["outsider"])
    assert rows(client, "/registry/rentals/") == []


def _venue(city: MiniCity) -> Organisation:
    return services.register_organisation(
        by=city.users["worker"],
        data={
            "kind": "small_venue",
            "venue_kind": "restaurant",
            "name": "老王小炒",
            "contact_phone": "13711112222",
            "building": city.buildings["441302001001001"],
        },
    )


def test_organisations_list_and_fire_inspection(city: MiniCity, client: Client) -> None:
    venue = _venue(city)
    client.force_login(city.users["worker"])
    response = client.get("/registry/organisations/?venue_kind=restaurant")
    html = response.content.decode()
    assert [o.name for o in response.context["page"]] == ["老王小炒"] and "13711112222" not in html
    response = client.post(
        f"/registry/organisations/{venue.pk}/inspect/", {"result": "hazard", "on": timezone.localdate().isoformat()}
    )
    assert response.status_code == 302
    venue.refresh_from_db()
    assert venue.fire_safety == FireSafety.HAZARD and venue.fire_checked_on == timezone.localdate()
    assert [o.name for o in rows(client, "/registry/organisations/?fire_safety=hazard")] == ["老王小炒"]
    client.force_login(city.users["district"])  # reads, does not inspect
    client.post(
        f"/registry/organisations/{venue.pk}/inspect/", {"result": "passed", "on": timezone.localdate().isoformat()}
    )
    venue.refresh_from_db()
    assert venue.fire_safety == FireSafety.HAZARD
    client.force_login(city.users["outsider"])
    assert (
        client.post(
            f"/registry/organisations/{venue.pk}/inspect/", {"result": "passed", "on": "2026-01-01"}
        ).status_code
        == 404
    )


def test_facilities_on_the_map_and_in_the_list(city: MiniCity, client: Client) -> None:
    services.register_facility(
        by=city.users["worker"],
        data={
            "code": "44130201001000001",
            "major_class": "01",
            "minor_class": "001",
            "name": "上水井盖",
            "lon": 114.405,
            "lat": 23.105,
            "status": "damaged",
        },
    )
    client.force_login(city.users["community"])
    response = client.get("/registry/facilities/")
    assert [f.name for f in response.context["page"]] == ["上水井盖"]
    config = response.context["map_config"]
    assert [p["code"] for p in config["points"]] == ["44130201001000001"]
    assert [f["properties"]["code"] for f in config["grids"]["features"]] == ["441302001001001"]
    client.force_login(city.users["outsider"])
    response = client.get("/registry/facilities/")
    assert list(response.context["page"]) == [] and response.context["map_config"]["points"] == []


def test_access_log_page_is_for_administrators_only(city: MiniCity, client: Client) -> None:
    person = make_person(city, seq=1)
    services.reveal(by=city.users["worker"], person=person, field="phone", reason="电话回访居民")
    city.grant("leader", Role.LEADER, region="441300")
    for username in ("worker", "community", "district", "leader"):
        client.force_login(city.users[username])
        assert client.get("/registry/access-log/").status_code == 404, username
    client.force_login(city.users["admin"])
    assert [a.reason for a in rows(client, "/registry/access-log/")] == ["电话回访居民"]
    assert rows(client, "/registry/access-log/?action=export") == []
    assert client.post("/registry/access-log/").status_code in (404, 405)
