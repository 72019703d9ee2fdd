"""The tasks page: the list (state, overdue first), the assign form (only admitted matters: an unlisted or
not grid-assignable matter is refused on the category field; only the grid's worker), accept / redo / remind, and
scope (a grid worker sees only their own tasks; an action on a task out of scope is a 404)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from gridgov.core.models import Notification
from gridgov.fieldwork.models import Task, TaskStatus
from gridgov.fieldwork.services import assign_task, report_task

from .case_factories import CaseCity, make_category
from .fieldwork_centre_factories import G1, G2, build_field_data


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def client_for(cc: CaseCity, who: str) -> Client:
    client = Client()
    client.force_login(cc.users[who])
    return client


def form(cc: CaseCity, **over: Any) -> dict[str, Any]:
    values = {
        "category": "0101",
        "kind": "inspection",
        "title": "检查暴露垃圾",
        "description": "3 栋门口",
        "grid": G1,
        "assignee": cc.users["worker"].pk,
        "due_at": "",
    }
    values.update(over)
    return values


def make_task(cc: CaseCity, title: str = "走访独居老人", **kwargs: Any) -> Task:
    args: dict[str, Any] = {"kind": "visit", "grid": cc.city.grids[G1], "assignee": cc.users["worker"]}
    args.update(kwargs)
    return assign_task(by=cc.users["community"], category=cc.categories["rubbish"], title=title, **args)


def test_a_dispatcher_assigns_an_admitted_matter_from_the_page(cc: CaseCity, data: Any) -> None:
    response = client_for(cc, "community").post("/field/tasks/assign/", form(cc))
    assert response.status_code == 302 and response["Location"] == "/field/tasks/"
    task = Task.objects.get()
    assert (task.title, task.grid.code, task.assignee, task.status) == (
        "检查暴露垃圾",
        G1,
        cc.users["worker"],
        "assigned",
    )
    assert Notification.objects.filter(recipient=cc.users["worker"], verb="task_assigned").exists()


def test_a_matter_not_grid_assignable_is_refused_on_the_category_field(cc: CaseCity, data: Any) -> None:
    response = client_for(cc, "community").post("/field/tasks/assign/", form(cc, category="0201"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="category-errors"' in html and "未列入网格事项清单" in html
    assert not Task.objects.exists()


def test_a_matter_no_longer_on_the_list_is_refused(cc: CaseCity, data: Any) -> None:
    make_category("0401", "已停用事项", grid_assignable=True, is_active=False)
    response = client_for(cc, "community").post("/field/tasks/assign/", form(cc, category="0401"))
    assert response.status_code == 400
    assert "不在事项清单内" in response.content.decode()
    assert not Task.objects.exists()


def test_the_form_offers_only_admitted_matters(cc: CaseCity, data: Any) -> None:
    html = client_for(cc, "community").get("/field/tasks/").content.decode()
    assert '<option value="0101"' in html and '<option value="0301"' in html
    assert '<option value="0201"' not in html  # 违法建设: not grid-assignable


def test_only_the_grids_worker_may_be_the_assignee(cc: CaseCity, data: Any) -> None:
    response = client_for(cc, "community").post(
        "/field/tasks/assign/", form(cc, grid=G2, assignee=cc.users["worker"].pk)
    )
    assert response.status_code == 400
    assert 'id="assignee-errors"' in response.content.decode()
    assert not Task.objects.exists()


def test_a_grid_worker_may_not_assign(cc: CaseCity, data: Any) -> None:
    assert client_for(cc, "worker").post("/field/tasks/assign/", form(cc)).status_code == 403
    html = client_for(cc, "worker").get("/field/tasks/").content.decode()
    assert 'action="/field/tasks/assign/"' not in html
    assert not Task.objects.exists()


def test_an_outsider_cannot_assign_in_a_grid_out_of_scope(cc: CaseCity, data: Any) -> None:
    response = client_for(cc, "outsider").post("/field/tasks/assign/", form(cc))
    assert response.status_code == 400  # the grid is not among the choices
    assert not Task.objects.exists()


def test_the_list_shows_state_and_overdue_first(cc: CaseCity, data: Any) -> None:
    late = make_task(cc, "已超时的任务")
    later = make_task(cc, "稍后到期的任务", due_at=dt.datetime(2026, 3, 20, 9, tzinfo=dt.UTC))
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, tzinfo=dt.UTC), tick=False):
        html = client_for(cc, "community").get("/field/tasks/").content.decode()
        only_late = client_for(cc, "community").get("/field/tasks/?overdue=1").content.decode()
    assert html.index(f'data-task="{late.pk}"') < html.index(f'data-task="{later.pk}"')
    assert f'<tr class="overdue" data-task="{late.pk}">' in html
    assert f'<tr class="" data-task="{later.pk}">' in html
    assert "稍后到期的任务" not in only_late and "已超时的任务" in only_late


def test_accept_redo_and_remind(cc: CaseCity, data: Any) -> None:
    client = client_for(cc, "community")
    task = make_task(cc)
    assert client.post(f"/field/tasks/{task.pk}/act/", {"action": "remind"}).status_code == 302
    task.refresh_from_db()
    assert task.reminders == 1
    report_task(
        by=cc.users["worker"], task=task, report="已走访", reported_at=dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC)
    )
    client.post(f"/field/tasks/{task.pk}/act/", {"action": "redo", "note": "缺照片"})
    task.refresh_from_db()
    assert task.status == TaskStatus.REDO and "缺照片" in task.report
    report_task(
        by=cc.users["worker"], task=task, report="补了照片", reported_at=dt.datetime(2026, 3, 4, 3, tzinfo=dt.UTC)
    )
    client.post(f"/field/tasks/{task.pk}/act/", {"action": "accept"})
    task.refresh_from_db()
    assert task.status == TaskStatus.ACCEPTED


def test_redo_without_a_reason_is_refused_with_a_message(cc: CaseCity, data: Any) -> None:
    task = make_task(cc)
    report_task(
        by=cc.users["worker"], task=task, report="已走访", reported_at=dt.datetime(2026, 3, 4, 2, tzinfo=dt.UTC)
    )
    response = client_for(cc, "community").post(f"/field/tasks/{task.pk}/act/", {"action": "redo"}, follow=True)
    assert "退回重做请说明原因" in response.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED


def test_an_action_on_a_task_out_of_scope_is_404(cc: CaseCity, data: Any) -> None:
    task = make_task(cc)
    assert client_for(cc, "outsider").post(f"/field/tasks/{task.pk}/act/", {"action": "remind"}).status_code == 404
    assert client_for(cc, "worker2").post(f"/field/tasks/{task.pk}/act/", {"action": "remind"}).status_code == 404
    task.refresh_from_db()
    assert task.reminders == 0


def test_a_grid_worker_may_not_review_their_own_task(cc: CaseCity, data: Any) -> None:
    task = make_task(cc)
    assert client_for(cc, "worker").post(f"/field/tasks/{task.pk}/act/", {"action": "remind"}).status_code == 403


def test_a_grid_worker_sees_only_their_own_tasks(cc: CaseCity, data: Any) -> None:
    mine = make_task(cc, "我的任务")
    theirs = make_task(cc, "同事的任务", assignee=cc.users["worker2"])
    html = client_for(cc, "worker").get("/field/tasks/").content.decode()
    assert f'data-task="{mine.pk}"' in html and f'data-task="{theirs.pk}"' not in html
    html = client_for(cc, "head").get("/field/tasks/").content.decode()
    assert f'data-task="{mine.pk}"' in html and f'data-task="{theirs.pk}"' in html
    assert "我的任务" not in client_for(cc, "outsider").get("/field/tasks/").content.decode()
