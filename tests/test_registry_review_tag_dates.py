"""A tag's visits and its end keep to the tag's time, whoever records them (page, API, the phone): a visit is
not in the future nor before the tag began, a tag is ended on a day not before it began and only once; each
works on the tag as it is in the database (locked), not on the caller's copy."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Visit
from gridgov.fieldwork.services import record_visit
from gridgov.registry import services
from gridgov.registry.models import PersonTag, TagKind

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 2)


@pytest.fixture
def tag(city: MiniCity) -> PersonTag:
    person = make_person(city, seq=1)
    return services.tag_person(by=city.users["community"], person=person, kind=TagKind.DRUG_USER, on=ON)


def test_the_api_refuses_a_visit_in_the_future(city: MiniCity, tag: PersonTag, api: APIClient) -> None:
    api.force_authenticate(city.users["worker"])
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    r = api.post(f"/api/v1/tags/{tag.pk}/visit/", {"on": tomorrow.isoformat()}, format="json")
    assert r.status_code == 400 and "on" in r.json()
    r = api.post(f"/api/v1/tags/{tag.pk}/visit/", {"on": "2030-01-01"}, format="json")
    assert r.status_code == 400 and "on" in r.json()
    tag.refresh_from_db()
    assert (tag.last_visit_on, tag.next_visit_due) == (None, ON + dt.timedelta(days=30))


def test_the_api_refuses_a_visit_before_the_tag_began(city: MiniCity, tag: PersonTag, api: APIClient) -> None:
    api.force_authenticate(city.users["worker"])
    r = api.post(f"/api/v1/tags/{tag.pk}/visit/", {"on": "2026-03-01"}, format="json")
    assert r.status_code == 400 and "on" in r.json()


def test_the_api_refuses_an_end_before_the_tag_began_and_a_second_end(
    city: MiniCity, tag: PersonTag, api: APIClient
) -> None:
    api.force_authenticate(city.users["worker"])
    r = api.post(f"/api/v1/tags/{tag.pk}/end/", {"on": "2000-01-01", "note": ""}, format="json")
    assert r.status_code == 400 and "on" in r.json()
    tag.refresh_from_db()
    assert tag.valid_to is None
    r = api.post(f"/api/v1/tags/{tag.pk}/end/", {"on": ON.isoformat(), "note": "戒断三年"}, format="json")
    assert r.status_code == 200 and r.json()["valid_to"] == ON.isoformat()
    r = api.post(f"/api/v1/tags/{tag.pk}/end/", {"on": "2026-04-01", "note": "再次"}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()
    tag.refresh_from_db()
    assert (tag.valid_to, tag.note) == (ON, "戒断三年")


def test_the_api_refuses_a_visit_to_an_ended_tag(city: MiniCity, tag: PersonTag, api: APIClient) -> None:
    services.end_tag(by=city.users["community"], tag=tag, on=ON)
    api.force_authenticate(city.users["worker"])
    r = api.post(f"/api/v1/tags/{tag.pk}/visit/", {"on": ON.isoformat()}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()


def test_a_stale_copy_of_the_tag_cannot_end_it_twice_or_move_its_visit_back(city: MiniCity, tag: PersonTag) -> None:
    by = city.users["community"]
    stale = PersonTag.objects.get(pk=tag.pk)
    services.record_tag_visit(by=by, tag=tag, on=dt.date(2026, 3, 20))
    services.record_tag_visit(by=by, tag=stale, on=dt.date(2026, 3, 10))  # stale.last_visit_on is still None
    tag.refresh_from_db()
    assert tag.last_visit_on == dt.date(2026, 3, 20)
    assert stale.last_visit_on == dt.date(2026, 3, 20)  # the caller's copy shows what is stored
    services.end_tag(by=by, tag=tag, on=dt.date(2026, 4, 1))
    with pytest.raises(ValidationError):
        services.end_tag(by=by, tag=stale, on=dt.date(2026, 5, 1))
    tag.refresh_from_db()
    assert tag.valid_to == dt.date(2026, 4, 1)


def test_the_pages_show_the_services_refusal(city: MiniCity, tag: PersonTag, client: Client) -> None:
    client.force_login(city.users["worker"])
    r = client.post(f"/registry/tags/{tag.pk}/end/", {"on": "2000-01-01"}, follow=True)
    assert "日期不能早于列管日期" in r.content.decode()
    r = client.post(f"/registry/tags/{tag.pk}/visit/", {"on": "2030-01-01"}, follow=True)
    assert "走访日期不能晚于今天" in r.content.decode()
    client.post(f"/registry/tags/{tag.pk}/end/", {"on": ON.isoformat()})
    r = client.post(f"/registry/tags/{tag.pk}/visit/", {"on": ON.isoformat()}, follow=True)
    assert "该类别已于2026-03-02撤销" in r.content.decode()


def test_a_phone_visit_to_a_tag_ended_meanwhile_is_kept_without_moving_the_tag(city: MiniCity, tag: PersonTag) -> None:
    services.end_tag(by=city.users["community"], tag=tag, on=ON)
    made_at = dt.datetime(2026, 3, 4, 8, 0, tzinfo=dt.UTC)
    record_visit(by=city.users["worker"], visit_id=uuid.uuid4(), made_at=made_at, situation="未见本人", tag=tag)
    assert Visit.objects.get().tag_id == tag.pk
    tag.refresh_from_db()
    assert tag.last_visit_on is None
