"""A task's overdue flag is frozen when its report arrives, by the server's clock: a report that arrives after the
deadline is overdue even if it arrives between two sweeps, or carries a phone time before the deadline (made
offline, or a phone clock set back); one that arrives in time is not."""

from __future__ import annotations

import datetime as dt

import time_machine
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Task
from gridgov.fieldwork.services import assign_task, sweep_overdue_tasks

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_GRID, post, rec, statuses

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def a_task(cc: CaseCity) -> Task:
    task = assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查暴露垃圾",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )
    assert task.due_at == dt.datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI)
    return task


def report_at(api: APIClient, cc: CaseCity, task: Task, server: dt.datetime, phone: str) -> Task:
    with time_machine.travel(server, tick=False):
        results = post(
            api, cc.users["worker"], [rec("task_report", {"task": task.pk, "report": "已清理"}, made_at=phone)]
        )
    assert statuses(results) == [201], results
    task.refresh_from_db()
    return task


def test_a_report_arriving_late_between_two_sweeps_is_overdue(cc: CaseCity, api: APIClient) -> None:
    task = a_task(cc)
    with time_machine.travel(dt.datetime(2026, 3, 4, 15, 59, tzinfo=SHANGHAI), tick=False):
        assert sweep_overdue_tasks() == 0
    task = report_at(api, cc, task, dt.datetime(2026, 3, 4, 16, 3, tzinfo=SHANGHAI), "2026-03-04T16:03:00+08:00")
    assert task.status == "reported" and task.overdue is True
    with time_machine.travel(dt.datetime(2026, 3, 4, 16, 5, tzinfo=SHANGHAI), tick=False):
        sweep_overdue_tasks()
    task.refresh_from_db()
    assert task.overdue is True


def test_a_report_made_before_the_deadline_but_arriving_days_later_is_overdue(cc: CaseCity, api: APIClient) -> None:
    task = a_task(cc)
    task = report_at(api, cc, task, dt.datetime(2026, 3, 9, 9, 0, tzinfo=SHANGHAI), "2026-03-04T15:00:00+08:00")
    assert task.overdue is True
    assert task.reported_at == dt.datetime(2026, 3, 4, 15, 0, tzinfo=SHANGHAI)  # the phone's time is kept


def test_a_report_arriving_in_time_is_not_overdue(cc: CaseCity, api: APIClient) -> None:
    task = a_task(cc)
    task = report_at(api, cc, task, dt.datetime(2026, 3, 4, 15, 30, tzinfo=SHANGHAI), "2026-03-04T15:29:00+08:00")
    assert task.status == "reported" and task.overdue is False
