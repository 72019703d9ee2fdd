"""A record about a patrol the server does not have — its start not sent yet, refused, or another worker's — is a
404 ("send the referenced record first"), not a 400: once the start is stored, the same records go through."""

from __future__ import annotations

import uuid

from rest_framework.test import APIClient

from gridgov.accounts.roles import Role
from gridgov.fieldwork.models import CheckIn, Patrol, TrackPoint

from .case_factories import CaseCity
from .fieldwork_sync_factories import WORKER_BUILDING, WORKER_GRID, at, post, rec, statuses


def about(patrol: str) -> list[dict[str, object]]:
    return [
        rec("track", {"patrol": patrol, "points": [[at(1), 114.405, 23.105, 5], [at(2), 114.4052, 23.105, 5]]}),
        rec("checkin", {"patrol": patrol, "building": WORKER_BUILDING, "lon": 114.405, "lat": 23.11}, made_at=at(2)),
        rec("patrol_stop", {"patrol": patrol}, made_at=at(3)),
    ]


def test_records_sent_before_their_patrols_start_are_404_and_go_through_after_it(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    records = about(patrol)
    early = post(api, cc.users["worker"], records)
    assert statuses(early) == [404, 404, 404]
    assert all(r["message"] for r in early)
    assert not TrackPoint.objects.exists() and not CheckIn.objects.exists()
    start = rec("patrol_start", {"patrol": patrol}, made_at=at(0))
    assert statuses(post(api, cc.users["worker"], [start, *records])) == [201, 201, 201, 201]
    stored = Patrol.objects.get()
    assert stored.points == 2 and stored.status == "ended" and CheckIn.objects.get().patrol_id == stored.pk


def test_a_record_about_another_workers_patrol_is_404(cc: CaseCity, api: APIClient) -> None:
    colleague = cc.city.grant("colleague", Role.GRID_WORKER, grid=WORKER_GRID)
    patrol = str(uuid.uuid4())
    assert statuses(post(api, colleague, [rec("patrol_start", {"patrol": patrol}, made_at=at(0))])) == [201]
    assert statuses(post(api, cc.users["worker"], about(patrol))) == [404, 404, 404]
    assert Patrol.objects.get().points == 0 and Patrol.objects.get().status == "running"
