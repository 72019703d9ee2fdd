"""The incremental pull (``since``) sends the people and households whose memberships changed after the cursor —
a member added, a head changed, a member leaving — so that the phone's "current household" of each person and the
household's rows stay true without a full download."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from rest_framework.test import APIClient

from gridgov.registry import services as registry
from gridgov.registry.models import Membership

from .case_factories import CaseCity
from .registry_factories import make_person

UTC = dt.UTC
JAN_1 = dt.date(2026, 1, 1)


def pull(api: APIClient, user: Any, **params: str) -> dict[str, Any]:
    api.force_authenticate(user)
    response = api.get("/api/v1/sync/pull/", params)
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def sent(body: dict[str, Any]) -> tuple[dict[int, Any], set[int]]:
    return {p["id"]: p["household"] for p in body["people"]}, {h["id"] for h in body["households"]}


def test_membership_changes_reach_the_incremental_pull(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    head = make_person(cc.city, seq=1)
    member = make_person(cc.city, seq=3)
    bystander = make_person(cc.city, seq=5)
    household = registry.create_household(by=worker, number="H1", head=head, on=JAN_1, house=head.house)

    with time_machine.travel(dt.datetime(2026, 3, 4, 3, 0, tzinfo=UTC), tick=False):
        full = pull(api, worker)
    assert full["full"] is True and sent(full)[0][member.pk] is None

    with time_machine.travel(dt.datetime(2026, 3, 4, 4, 0, tzinfo=UTC), tick=False):
        registry.add_member(by=worker, household=household, person=member, relation="child", on=dt.date(2026, 3, 4))
    with time_machine.travel(dt.datetime(2026, 3, 4, 4, 2, tzinfo=UTC), tick=False):  # past the cursor's margin
        added = pull(api, worker, since=full["cursor"])
    people, households = sent(added)
    assert added["full"] is False
    assert people == {member.pk: household.pk}  # nobody else changed
    assert households == {household.pk}

    with time_machine.travel(dt.datetime(2026, 3, 4, 5, 0, tzinfo=UTC), tick=False):
        registry.change_head(by=worker, household=household, new_head=member, on=dt.date(2026, 3, 4))
    with time_machine.travel(dt.datetime(2026, 3, 4, 5, 2, tzinfo=UTC), tick=False):
        changed = pull(api, worker, since=added["cursor"])
    people, households = sent(changed)
    assert set(people) == {head.pk, member.pk} and households == {household.pk}

    with time_machine.travel(dt.datetime(2026, 3, 4, 6, 0, tzinfo=UTC), tick=False):
        leaving = Membership.objects.get(person=head, valid_to__isnull=True)
        registry.end_membership(by=worker, membership=leaving, on=dt.date(2026, 3, 4))
    with time_machine.travel(dt.datetime(2026, 3, 4, 6, 2, tzinfo=UTC), tick=False):
        left = pull(api, worker, since=changed["cursor"])
    people, households = sent(left)
    assert people == {head.pk: None} and households == {household.pk}
    assert bystander.pk in left["person_ids"] and bystander.pk not in people


def test_a_new_household_sends_its_head_again(cc: CaseCity, api: APIClient) -> None:
    worker = cc.users["worker"]
    head = make_person(cc.city, seq=1)
    with time_machine.travel(dt.datetime(2026, 3, 4, 3, 0, tzinfo=UTC), tick=False):
        full = pull(api, worker)
    with time_machine.travel(dt.datetime(2026, 3, 4, 4, 0, tzinfo=UTC), tick=False):
        household = registry.create_household(by=worker, number="H9", head=head, on=JAN_1, house=head.house)
        later = pull(api, worker, since=full["cursor"])
    assert sent(later) == ({head.pk: household.pk}, {household.pk})
