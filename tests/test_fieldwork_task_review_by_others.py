"""A task is reviewed by someone other than its assignee: a user who is both the grid's worker and its head cannot
accept or send back their own report (page and API say so); another head or a centre can."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gridgov.fieldwork.models import Task, TaskStatus
from gridgov.fieldwork.services import assign_task, report_task, review_task

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_GRID


def own_reported_task(cc: CaseCity) -> Task:
    cc.city.grant("worker", "grid_head", grid=WORKER_GRID)  # the worker is also the grid's head
    task = assign_task(
        by=cc.users["community"],
        category=cc.categories["rubbish"],
        kind="inspection",
        title="检查暴露垃圾",
        grid=cc.city.grids[WORKER_GRID],
        assignee=cc.users["worker"],
    )
    return report_task(by=cc.users["worker"], task=task, report="已清理", reported_at=timezone.now())


def test_the_assignee_cannot_review_their_own_task(cc: CaseCity) -> None:
    task = own_reported_task(cc)
    for accept, note in ((True, ""), (False, "再做一次")):
        with pytest.raises(PermissionDenied) as refused:
            review_task(by=cc.users["worker"], task=task, accept=accept, note=note)
        assert "自己" in str(refused.value)
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
    assert review_task(by=cc.users["community"], task=task, accept=True).status == TaskStatus.ACCEPTED


def test_the_api_and_the_page_refuse_it_too(cc: CaseCity, api: APIClient) -> None:
    task = own_reported_task(cc)
    api.force_authenticate(cc.users["worker"])
    response = api.post(f"/api/v1/tasks/{task.pk}/accept/", {}, format="json")
    assert response.status_code == 403 and "自己" in response.json()["detail"]
    client = Client()
    client.force_login(cc.users["worker"])
    assert client.post(f"/field/tasks/{task.pk}/act/", {"action": "accept"}).status_code == 403
    task.refresh_from_db()
    assert task.status == TaskStatus.REPORTED
