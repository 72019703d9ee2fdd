"""A visit's ``next_visit_on`` sets the tag's next visit due only when the visit is the tag's latest (a visit made
earlier and synced late changes nothing), and never later than the tag's cycle allows (last visit + visit every n
days): the worker may plan the next visit sooner, not put it off."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from gridgov.registry import services as registry

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0, post, rec, statuses
from .registry_factories import make_person

JAN_1 = dt.date(2026, 1, 1)


def test_a_date_beyond_the_tags_cycle_is_capped(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    weekly = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    visit = rec(
        "visit", {"person": person.pk, "situation": "身体尚好", "next_visit_on": "2030-12-31"}, made_at=T0.isoformat()
    )
    assert statuses(post(api, cc.users["worker"], [visit])) == [201]
    weekly.refresh_from_db()
    assert weekly.last_visit_on == dt.date(2026, 3, 4)
    assert weekly.next_visit_due == dt.date(2026, 3, 11)  # a week after the visit, not 2030


def test_an_older_visit_arriving_late_does_not_move_the_date(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    weekly = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    newer = rec(
        "visit",
        {"person": person.pk, "situation": "感冒", "next_visit_on": "2026-03-06"},
        made_at="2026-03-04T09:00:00+08:00",
    )
    older = rec(
        "visit",
        {"person": person.pk, "situation": "身体尚好", "next_visit_on": "2026-02-27"},
        made_at="2026-02-20T09:00:00+08:00",
    )
    assert statuses(post(api, cc.users["worker"], [newer])) == [201]
    assert statuses(post(api, cc.users["worker"], [older])) == [201]  # the visit itself is kept
    weekly.refresh_from_db()
    assert weekly.last_visit_on == dt.date(2026, 3, 4)
    assert weekly.next_visit_due == dt.date(2026, 3, 6)


def test_a_sooner_date_from_the_latest_visit_applies(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    monthly = registry.tag_person(by=cc.users["worker"], person=person, kind="disabled", on=JAN_1)
    weekly = registry.tag_person(by=cc.users["worker"], person=person, kind="elderly_alone", on=JAN_1)
    visit = rec(
        "visit", {"person": person.pk, "situation": "需复查", "next_visit_on": "2026-03-20"}, made_at=T0.isoformat()
    )
    assert statuses(post(api, cc.users["worker"], [visit])) == [201]
    monthly.refresh_from_db()
    weekly.refresh_from_db()
    assert monthly.next_visit_due == dt.date(2026, 3, 20)  # sooner than its 3 April
    assert weekly.next_visit_due == dt.date(2026, 3, 11)  # its own cycle is shorter
