"""Deregistering a person (moved away, deceased) keeps the reason and the day, counts as one change of version
under a lock, refuses a second deregistration, and ends what kept the person on a work list: their current tags
and their household memberships (except as head, which the household page changes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from gridgov.registry import services
from gridgov.registry.models import Membership, Person, PersonTag, Relation, TagKind

from .factories import MiniCity
from .registry_factories import make_person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 3, 2)
LEFT = dt.date(2026, 4, 1)


def test_the_api_keeps_the_reason_and_the_day(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    api.force_authenticate(city.users["community"])
    r = api.post(f"/api/v1/persons/{person.pk}/deregister/", {"reason": "死亡", "on": LEFT.isoformat()}, format="json")
    assert r.status_code == 200, r.content
    assert (r.json()["left_on"], r.json()["left_reason"], r.json()["version"]) == (LEFT.isoformat(), "死亡", 2)
    person.refresh_from_db()
    assert (person.is_active, person.left_on, person.left_reason, person.version) == (False, LEFT, "死亡", 2)


def test_a_second_deregistration_is_refused(city: MiniCity, api: APIClient) -> None:
    person = make_person(city, seq=1)
    api.force_authenticate(city.users["community"])
    api.post(f"/api/v1/persons/{person.pk}/deregister/", {"reason": "迁出"}, format="json")
    r = api.post(f"/api/v1/persons/{person.pk}/deregister/", {"reason": "死亡"}, format="json")
    assert r.status_code == 400 and "non_field_errors" in r.json()
    person.refresh_from_db()
    assert (person.left_reason, person.version) == ("迁出", 2)


def test_a_day_in_the_future_is_refused(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    with pytest.raises(ValidationError) as exc:
        services.deregister_person(by=city.users["community"], person=person, on=dt.date(2999, 1, 1))
    assert "on" in exc.value.message_dict


def test_a_stale_copy_does_not_lose_a_newer_versions_increment(city: MiniCity) -> None:
    person = make_person(city, seq=1)
    stale = Person.objects.get(pk=person.pk)
    services.update_person(by=city.users["community"], person=person, changes={"occupation": "司机"})  # version 2
    services.deregister_person(by=city.users["community"], person=stale, on=LEFT, reason="迁出")
    assert stale.version == 3
    assert Person.objects.get(pk=person.pk).version == 3


def test_current_tags_and_memberships_end_but_a_heads_membership_stays(city: MiniCity) -> None:
    by = city.users["community"]
    head = make_person(city, seq=1)
    member = make_person(city, seq=2)
    household = services.create_household(by=by, number="H1", head=head, on=ON)
    services.add_member(by=by, household=household, person=member, relation=Relation.CHILD, on=ON)
    tag = services.tag_person(by=by, person=member, kind=TagKind.DRUG_USER, on=ON)
    ended_before = services.tag_person(by=by, person=member, kind=TagKind.DISABLED, on=ON)
    services.end_tag(by=by, tag=ended_before, on=dt.date(2026, 3, 10))
    head_tag = services.tag_person(by=by, person=head, kind=TagKind.ELDERLY_ALONE, on=ON)

    services.deregister_person(by=by, person=member, on=LEFT, reason="死亡")
    services.deregister_person(by=by, person=head, on=LEFT, reason="迁出")

    tag.refresh_from_db()
    assert tag.valid_to == LEFT and "死亡" in tag.note
    assert PersonTag.objects.get(pk=ended_before.pk).valid_to == dt.date(2026, 3, 10)
    assert PersonTag.objects.get(pk=head_tag.pk).valid_to == LEFT
    assert not PersonTag.objects.current().filter(person__in=[head, member]).exists()
    assert Membership.objects.get(person=member).valid_to == LEFT
    assert Membership.objects.get(person=head).valid_to is None  # the household keeps its head
