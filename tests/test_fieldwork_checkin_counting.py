"""A check-in counts for the buildings checked and the households covered only with the phone's position near the
building, during an unflagged patrol of the worker (between its start and its stop). Check-ins without a
position, without a patrol or after the patrol's stop are stored (the app can always check in) but count nothing:
from home, one check-in a building would otherwise cover the whole grid."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rest_framework.test import APIClient

from gridgov.fieldwork import figures
from gridgov.fieldwork.models import CheckIn
from gridgov.fieldwork.services import add_points, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0, WORKER_BUILDING, post, rec, statuses

NEAR = {"lon": 114.4051, "lat": 23.1101}  # a dozen metres from the building


def patrol_of_half_an_hour(cc: CaseCity) -> str:
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    points = [Point(T0 + dt.timedelta(seconds=30 * i), 114.401 + i * 0.0002, 23.105, 5.0) for i in range(61)]
    add_points(by=worker, patrol_id=pid, points=points)
    stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(minutes=30))
    return str(pid)


def buildings_checked(cc: CaseCity) -> tuple[int, int]:
    report = figures.for_day(cc.users["community"], dt.date(2026, 3, 4))
    row = next((r for r in report.workers if r.worker.username == "worker"), None)
    return (row.figures.buildings, row.figures.households_covered) if row else (0, 0)


def check_in(cc: CaseCity, api: APIClient, data: dict[str, Any], minutes: int = 10) -> None:
    made_at = (T0 + dt.timedelta(minutes=minutes)).isoformat()
    results = post(api, cc.users["worker"], [rec("checkin", {"building": WORKER_BUILDING, **data}, made_at=made_at)])
    assert statuses(results) == [201]


def test_a_check_in_near_the_building_during_the_patrol_counts(cc: CaseCity, api: APIClient) -> None:
    patrol = patrol_of_half_an_hour(cc)
    check_in(cc, api, {"patrol": patrol, **NEAR})
    assert buildings_checked(cc)[0] == 1


def test_a_check_in_without_a_position_is_kept_but_does_not_count(cc: CaseCity, api: APIClient) -> None:
    patrol = patrol_of_half_an_hour(cc)
    check_in(cc, api, {"patrol": patrol})
    assert CheckIn.objects.get().distance_m is None
    assert buildings_checked(cc) == (0, 0)


def test_a_check_in_without_a_patrol_does_not_count(cc: CaseCity, api: APIClient) -> None:
    patrol_of_half_an_hour(cc)
    check_in(cc, api, NEAR)
    assert CheckIn.objects.get().patrol_id is None
    assert buildings_checked(cc) == (0, 0)


def test_a_check_in_after_its_patrol_stopped_does_not_count(cc: CaseCity, api: APIClient) -> None:
    patrol = patrol_of_half_an_hour(cc)
    check_in(cc, api, {"patrol": patrol, **NEAR}, minutes=50)
    assert buildings_checked(cc) == (0, 0)


def test_a_check_in_far_from_the_building_does_not_count(cc: CaseCity, api: APIClient) -> None:
    patrol = patrol_of_half_an_hour(cc)
    check_in(cc, api, {"patrol": patrol, "lon": 114.405, "lat": 23.105})  # about 550 m south
    assert buildings_checked(cc) == (0, 0)
