"""Tasks for grid workers: admission first (a matter not on the list, not grid-assignable or lapsed is refused,
whoever asks), only the grid's worker as assignee, reported from the phone, accepted or sent back to redo, reminded,
and flagged overdue once however many sweeps run."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from rest_framework.test import APIClient

from gridgov.core.models import Notification
from gridgov.fieldwork.models import Task, TaskStatus
from gridgov.fieldwork.services import assign_task, remind_task, review_task, sweep_overdue_tasks
from gridgov.fieldwork.tasks import sweep_overdue_tasks_task
from gridgov.matters.services import NotAdmissible

from .case_factories import CaseCity, make_category
from .fieldwork_sync_factories import NEIGHBOUR_GRID, WORKER_GRID, post, rec, statuses

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def assign(cc: CaseCity, *, by: str = "community", category: str = "rubbish", **kwargs: Any) -> Task:
    args: dict[str, Any] = {
        "kind": "inspection",
        "title": "检查暴露垃圾",
        "grid": cc.city.grids[WORKER_GRID],
        "assignee": cc.users["worker"],
    }
    args.update(kwargs)
    return assign_task(by=cc.users[by], category=cc.categories[category], **args)


def test_a_listed_matter_is_assigned_with_a_working_time_deadline(cc: CaseCity) -> None:
    task = assign(cc)
    assert task.status == TaskStatus.ASSIGNED
    # 暴露垃圾: 4 working hours from Wednesday 10:00 — two before the lunch break (12:00-14:00), two after.
    assert task.due_at == dt.datetime(2026, 3, 4, 16, 0, tzinfo=SHANGHAI)
    assert Notification.objects.filter(recipient=cc.users["worker"], verb="task_assigned").count() == 1


def test_a_matter_not_grid_assignable_is_refused_whoever_asks(cc: CaseCity) -> None:
    for who in ("community", "worker", "admin"):
        with pytest.raises(NotAdmissible) as refused:
            assign(cc, by=who, category="building")
        assert "未列入网格事项清单" in refused.value.message_dict["category"][0]
    assert not Task.objects.exists()


def test_an_inactive_or_lapsed_matter_is_refused(cc: CaseCity) -> None:
    cc.categories["stopped"] = make_category("0401", "已停用事项", grid_assignable=True, is_active=False)
    cc.categories["temporary"] = make_category(
        "0402",
        "防汛排查",
        grid_assignable=True,
        is_temporary=True,
        approved_by=cc.users["admin"],
        ends_on=dt.date(2026, 3, 1),
    )
    with pytest.raises(NotAdmissible) as inactive:
        assign(cc, category="stopped")
    assert "已停用" in inactive.value.message_dict["category"][0]
    with pytest.raises(NotAdmissible) as lapsed:
        assign(cc, category="temporary")
    assert "到期失效" in lapsed.value.message_dict["category"][0]
    assert not Task.objects.exists()


def test_only_the_grids_worker_may_be_the_assignee(cc: CaseCity) -> None:
    with pytest.raises(ValidationError) as wrong:
        assign(cc, assignee=cc.users["community"])
    assert "assignee" in wrong.value.message_dict
    with pytest.raises(ValidationError):
        assign(cc, grid=cc.city.grids[NEIGHBOUR_GRID])  # the worker does not hold that grid
    assert not Task.objects.exists()


def test_a_worker_or_an_outsider_cannot_assign(cc: CaseCity) -> None:
    for who in ("worker", "outsider"):
        with pytest.raises(PermissionDenied):
            assign(cc, by=who)


def test_report_accept_and_redo(cc: CaseCity, api: APIClient) -> None:
    task = assign(cc)
    with pytest.raises(ValidationError):
        review_task(by=cc.users["community"], task=task, accept=True)  # nothing reported yet
    report = rec("task_report", {"task": task.pk, "report": "已清理"})
    (result,) = post(api, cc.users["worker"], [report])
    assert result == {"uuid": report["uuid"], "status": 201, "result": {"type": "task", "id": task.pk}}
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED and task.report == "已清理"
    assert str(task.report_record) == report["uuid"]
    with pytest.raises(ValidationError):
        review_task(by=cc.users["community"], task=task, accept=False)  # redo needs a reason
    with pytest.raises(PermissionDenied):
        review_task(by=cc.users["worker"], task=task, accept=True)
    task = review_task(by=cc.users["community"], task=task, accept=False, note="还有一处未清理")
    assert task.status == TaskStatus.REDO
    assert Notification.objects.filter(recipient=cc.users["worker"], verb="task_redo").count() == 1
    again = rec("task_report", {"task": task.pk, "report": "全部清理"})
    assert statuses(post(api, cc.users["worker"], [again])) == [201]
    task = review_task(by=cc.users["community"], task=Task.objects.get(pk=task.pk), accept=True)
    assert task.status == TaskStatus.ACCEPTED
    late = rec("task_report", {"task": task.pk, "report": "再报一次"})
    (result,) = post(api, cc.users["worker"], [late])
    assert result["status"] == 400 and "task" in result["errors"]


def test_only_the_assignee_reports_and_others_do_not_see_the_task(cc: CaseCity, api: APIClient) -> None:
    task = assign(cc)
    cc.city.grant("worker2", "grid_worker", grid=NEIGHBOUR_GRID)
    (result,) = post(api, cc.users["worker2"], [rec("task_report", {"task": task.pk, "report": "x"})])
    assert result["status"] == 404
    (result,) = post(api, cc.users["community"], [rec("task_report", {"task": task.pk, "report": "x"})])
    assert result["status"] == 403
    assert Task.objects.get().status == TaskStatus.ASSIGNED


def test_a_reminder_counts_and_tells_the_worker(cc: CaseCity) -> None:
    task = assign(cc)
    task = remind_task(by=cc.users["community"], task=task)
    assert task.reminders == 1
    assert Notification.objects.filter(recipient=cc.users["worker"], verb="task_reminder").count() == 1
    with pytest.raises(PermissionDenied):
        remind_task(by=cc.users["worker"], task=task)


def test_the_overdue_sweep_flags_a_task_once(cc: CaseCity) -> None:
    task = assign(cc)
    done = assign(cc, title="已完成的")
    Task.objects.filter(pk=done.pk).update(status=TaskStatus.ACCEPTED)
    assert sweep_overdue_tasks() == 0  # not yet due
    with time_machine.travel(dt.datetime(2026, 3, 4, 16, 1, tzinfo=SHANGHAI), tick=False):
        assert sweep_overdue_tasks() == 1
        assert sweep_overdue_tasks_task.delay().get() == 0  # the beat's task: the second sweep finds nothing new
    task.refresh_from_db()
    assert task.overdue is True
    assert not Task.objects.get(pk=done.pk).overdue
    assert Notification.objects.filter(verb="task_overdue").count() == 2  # the worker and the assigner, once each
