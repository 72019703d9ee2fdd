"""Intake reads the categories in force from a per-process cache keyed by the matter list's version: a published
change, a direct ``update()`` or a new day is seen by the next report, and an unchanged list costs no category
query."""

from __future__ import annotations

import datetime
from typing import Any

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.matters import inforce
from gridgov.matters.models import ChangeStatus, MatterCategory, MatterListState
from gridgov.matters.services import approve_change, propose_change, publish_due_changes

from .case_factories import POINT, CaseCity


def report(api: APIClient, category: str) -> Any:
    return api.post(
        "/api/v1/cases/",
        {"category": category, "lon": POINT[0], "lat": POINT[1], "description": "暴露垃圾"},
        format="json",
    )


def publish(cc: CaseCity, *, category: MatterCategory | None, fields: dict[str, Any]) -> None:
    today = timezone.localdate()
    change = propose_change(
        by=cc.users["district"], category=category, fields=fields, reason="调整", effective_on=today
    )
    approve_change(change, by=cc.users["admin"], note="同意")  # due today: published on approval
    publish_due_changes(today)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PUBLISHED


def test_a_published_change_is_seen_by_the_next_report(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    assert report(api, "0101").status_code == 201  # fills the cache
    assert report(api, "09").status_code == 400
    publish(cc, category=None, fields={"code": "09", "name": "其他事件", "kind": "ordinary"})
    assert report(api, "09").status_code == 201
    publish(cc, category=cc.categories["rubbish"], fields={"is_active": False})
    refused = report(api, "0101")
    assert refused.status_code == 400 and "category" in refused.json()


def test_a_direct_update_moves_the_version_too(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    assert report(api, "0101").status_code == 201
    before = MatterListState.objects.get(pk=1).version
    MatterCategory.objects.filter(code="0101").update(is_active=False)
    assert MatterListState.objects.get(pk=1).version > before
    assert report(api, "0101").status_code == 400


def test_a_category_lapses_when_the_date_turns_without_any_write(cc: CaseCity, api: APIClient) -> None:
    rubbish = cc.categories["rubbish"]
    rubbish.is_temporary, rubbish.approved_by, rubbish.ends_on = True, cc.users["admin"], datetime.date(2026, 3, 4)
    rubbish.save()
    api.force_authenticate(cc.users["worker"])
    with time_machine.travel(datetime.datetime(2026, 3, 4, 10, tzinfo=datetime.UTC)):
        assert report(api, "0101").status_code == 201
    with time_machine.travel(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)):
        assert report(api, "0101").status_code == 400


def test_an_unchanged_list_is_not_read_again(cc: CaseCity, api: APIClient) -> None:
    inforce.reset()
    api.force_authenticate(cc.users["worker"])
    assert report(api, "0101").status_code == 201
    with CaptureQueriesContext(connection) as context:
        assert report(api, "0101").status_code == 201
    tables = " ".join(q["sql"] for q in context.captured_queries)
    assert "matters_mattercategory" not in tables
    assert "matters_matterliststate" in tables
