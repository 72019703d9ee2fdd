"""The server's refusals of a record's time say why in ``code`` (docs/fieldwork-sync.md), so that the phone decides
from the server's clock, not its own: ``clock_ahead`` when ``made_at`` lies ahead of the server's clock beyond
FIELDWORK_CLOCK_SKEW_S (the phone's clock is fast: the same record passes once the server's time has caught up),
``too_old`` when it is older than FIELDWORK_MAX_OFFLINE_DAYS (it never will). Other refusals carry no code."""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Visit

from .case_factories import CaseCity
from .fieldwork_sync_factories import SHANGHAI, post, rec, statuses
from .registry_factories import make_person

NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # the cc fixture's clock


def visit(person: Any, made_at: dt.datetime) -> dict[str, Any]:
    return rec("visit", {"person": person.pk, "situation": "身体尚好"}, made_at=made_at.isoformat())


def test_a_time_ahead_of_the_server_is_clock_ahead_and_passes_once_the_server_caught_up(
    cc: CaseCity, api: APIClient
) -> None:
    person = make_person(cc.city)
    ahead = visit(person, NOW + dt.timedelta(minutes=20))
    (result,) = post(api, cc.users["worker"], [ahead])
    assert result["status"] == 400 and result["code"] == "clock_ahead"
    assert "晚于服务器当前时间" in result["errors"]["made_at"][0]
    assert not Visit.objects.exists()
    with time_machine.travel(NOW + dt.timedelta(minutes=20), tick=False):
        assert statuses(post(api, cc.users["worker"], [ahead])) == [201]
    assert [str(v.pk) for v in Visit.objects.all()] == [ahead["uuid"]]


def test_a_time_too_old_is_too_old(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    (result,) = post(api, cc.users["worker"], [visit(person, NOW - dt.timedelta(days=31))])
    assert result["status"] == 400 and result["code"] == "too_old"


def test_other_refusals_carry_no_code(cc: CaseCity, api: APIClient) -> None:
    person = make_person(cc.city)
    no_offset = rec("visit", {"person": person.pk, "situation": "身体尚好"}, made_at="2026-03-04T09:00:00")
    no_situation = rec("visit", {"person": person.pk, "situation": ""}, made_at=NOW.isoformat())
    results = post(api, cc.users["worker"], [no_offset, no_situation])
    assert statuses(results) == [400, 400]
    assert "made_at" in results[0]["errors"]
    assert ["code" in r for r in results] == [False, False]
