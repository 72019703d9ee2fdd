"""Admission (准入制) holds for a task's whole life, not only when it is assigned: a temporary matter's task is due by
the matter's end at the latest; sending a task back to redo and reminding check admission again; and when a matter
leaves the list (a published change, or a temporary matter lapsing) its open tasks are cancelled, the worker told,
and the phone's pull no longer offers them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.core.models import Notification
from gridgov.fieldwork.models import Task, TaskStatus
from gridgov.fieldwork.services import assign_task, remind_task, report_task, review_task
from gridgov.matters.models import MatterCategory
from gridgov.matters.services import (
    NotAdmissible,
    approve_change,
    lapse_expired_temporaries,
    propose_change,
)

from .case_factories import CaseCity, make_category
from .fieldwork_sync_factories import WORKER_GRID

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MARCH_5 = dt.date(2026, 3, 5)
END_OF_MARCH_5 = dt.datetime(2026, 3, 6, 0, 0, tzinfo=SHANGHAI)


def temporary(cc: CaseCity, ends_on: dt.date = MARCH_5, **fields: Any) -> MatterCategory:
    return make_category(
        "0402",
        "防汛排查",
        grid_assignable=True,
        is_temporary=True,
        approved_by=cc.users["admin"],
        ends_on=ends_on,
        handle_limit=20,
        handle_limit_unit="days",
        **fields,
    )


def assign(cc: CaseCity, category: MatterCategory, **kwargs: Any) -> Task:
    return assign_task(
        by=cc.users["community"],
        category=category,
        kind="inspection",
        title="排查易涝点",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
        **kwargs,
    )


def reported(cc: CaseCity, category: MatterCategory) -> Task:
    task = assign(cc, category)
    return report_task(by=cc.users["worker"], task=task, report="已完成", reported_at=timezone.now())


def test_a_deadline_after_a_temporary_matters_end_is_refused(cc: CaseCity) -> None:
    flood = temporary(cc)
    with pytest.raises(ValidationError) as refused:
        assign(cc, flood, due_at=dt.datetime(2026, 6, 30, 18, 0, tzinfo=SHANGHAI))
    assert "2026-03-05" in refused.value.message_dict["due_at"][0]
    assert not Task.objects.exists()
    # The end of its last day is still inside.
    assert assign(cc, flood, due_at=END_OF_MARCH_5).due_at == END_OF_MARCH_5


def test_a_temporary_matters_default_deadline_stops_at_its_end(cc: CaseCity) -> None:
    """20 working days from 4 March would be April; the matter ends on 5 March."""
    assert assign(cc, temporary(cc)).due_at == END_OF_MARCH_5
    # A standing matter keeps its working-time deadline.
    assert assign(cc, cc.categories["dispute"]).due_at > END_OF_MARCH_5


def test_the_api_says_the_deadline_is_after_the_matters_end(cc: CaseCity, api: APIClient) -> None:
    temporary(cc)
    api.force_authenticate(cc.users["community"])
    response = api.post(
        "/api/v1/tasks/",
        {
            "category": "0402",
            "kind": "inspection",
            "title": "排查易涝点",
            "grid": WORKER_GRID,
            "assignee": cc.users["worker"].pk,
            "due_at": "2026-06-30T18:00:00+08:00",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "截止日期" in response.json()["due_at"][0]


def test_redo_and_remind_check_admission_again(cc: CaseCity) -> None:
    task = reported(cc, cc.categories["rubbish"])
    MatterCategory.objects.filter(pk=cc.categories["rubbish"].pk).update(grid_assignable=False)
    with pytest.raises(NotAdmissible):
        review_task(by=cc.users["community"], task=task, accept=False, note="照片不清楚")
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    # Work already done may still be accepted.
    assert review_task(by=cc.users["community"], task=task, accept=True).status == TaskStatus.ACCEPTED

    flood = temporary(cc)
    open_task = assign(cc, flood)
    with (
        time_machine.travel(dt.datetime(2026, 3, 6, 9, 0, tzinfo=SHANGHAI), tick=False),
        pytest.raises(NotAdmissible) as lapsed,
    ):
        remind_task(by=cc.users["community"], task=open_task)
    assert "到期失效" in lapsed.value.message_dict["category"][0]
    open_task.refresh_from_db()
    assert open_task.reminders == 0


def test_the_redo_page_says_why(cc: CaseCity, client: Any) -> None:
    task = reported(cc, cc.categories["rubbish"])
    MatterCategory.objects.filter(pk=cc.categories["rubbish"].pk).update(grid_assignable=False)
    client.force_login(cc.users["community"])
    response = client.post(f"/field/tasks/{task.pk}/act/", {"action": "redo", "note": "再去一次"}, follow=True)
    assert "未列入网格事项清单" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED


def test_a_published_change_taking_a_matter_off_the_list_cancels_its_open_tasks(cc: CaseCity, api: APIClient) -> None:
    rubbish = cc.categories["rubbish"]
    open_task = assign(cc, rubbish)
    done = reported(cc, rubbish)
    other = assign(cc, cc.categories["dispute"])
    change = propose_change(
        by=cc.users["district"],
        category=rubbish,
        fields={"grid_assignable": False},
        reason="改由城管队员巡查",
        effective_on=timezone.localdate(),
    )
    approve_change(change, by=cc.users["admin"], note="同意")  # effective today: published at once
    open_task.refresh_from_db()
    done.refresh_from_db()
    other.refresh_from_db()
    assert open_task.status == TaskStatus.CANCELLED and open_task.version == 2
    assert done.status == TaskStatus.REPORTED  # awaiting review: the centre decides
    assert other.status == TaskStatus.ASSIGNED
    assert Notification.objects.filter(recipient=cc.users["worker"], verb="task_cancelled").count() == 1
    api.force_authenticate(cc.users["worker"])
    assert [t["id"] for t in api.get("/api/v1/sync/pull/").json()["tasks"]] == [other.pk]


def test_a_temporary_matter_lapsing_cancels_its_open_tasks(cc: CaseCity) -> None:
    flood = temporary(cc)
    task = assign(cc, flood)
    standing = assign(cc, cc.categories["rubbish"])
    assert lapse_expired_temporaries(MARCH_5) == 0  # its last day: still in force
    task.refresh_from_db()
    assert task.status == TaskStatus.ASSIGNED
    with time_machine.travel(dt.datetime(2026, 3, 6, 0, 10, tzinfo=SHANGHAI), tick=False):
        assert lapse_expired_temporaries() == 1
    task.refresh_from_db()
    standing.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    assert standing.status == TaskStatus.ASSIGNED
