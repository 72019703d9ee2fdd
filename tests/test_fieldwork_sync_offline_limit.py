"""A phone record made more than FIELDWORK_MAX_OFFLINE_DAYS (default 30) days before the server's clock is refused
when it first arrives — a 400 on ``made_at`` that says why, nothing stored — so that figures of closed periods do
not change; the rest of the batch goes on, and a record accepted in time is still a harmless replay later."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from rest_framework.test import APIClient

from gridgov.fieldwork.models import ClientRecord, Visit

from .case_factories import CaseCity
from .fieldwork_sync_factories import SHANGHAI, post, rec, statuses
from .registry_factories import make_person

NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # the cc fixture's clock


def visit(person: Any, days_ago: float, situation: str = "身体尚好") -> dict[str, Any]:
    return rec(
        "visit", {"person": person.pk, "situation": situation}, made_at=(NOW - dt.timedelta(days=days_ago)).isoformat()
    )


def test_a_record_older_than_the_limit_is_refused_and_the_batch_goes_on(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    old, recent = visit(person, 31), visit(person, 29)
    results = post(api, cc.users["worker"], [old, recent])
    assert statuses(results) == [400, 201]
    (message,) = results[0]["errors"]["made_at"]
    assert "30 天" in message and "手机时间" in message
    assert [str(v.pk) for v in Visit.objects.all()] == [recent["uuid"]]
    assert not ClientRecord.objects.filter(pk=old["uuid"]).exists()


def test_a_record_accepted_in_time_is_still_a_replay_later(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    record = visit(person, 1)
    first = post(api, cc.users["worker"], [record])
    assert statuses(first) == [201]
    with time_machine.travel(NOW + dt.timedelta(days=60), tick=False):
        again = post(api, cc.users["worker"], [record])
    assert statuses(again) == [200] and again[0]["result"] == first[0]["result"]


def test_the_limit_is_a_setting(cc: CaseCity, api: APIClient, settings: Any) -> None:
    settings.FIELDWORK_MAX_OFFLINE_DAYS = 7
    person = make_person(cc.city)
    results = post(api, cc.users["worker"], [visit(person, 8), visit(person, 6)])
    assert statuses(results) == [400, 201]
    assert "7 天" in results[0]["errors"]["made_at"][0]
