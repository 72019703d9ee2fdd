"""A patrol's hours are the time its track covers, not what the phone's clock says at start and stop: a start
backdated by hours with no track counts nothing and is flagged; points far apart count at most the allowed gap;
point times later than the server's clock, before the start or after the stop are refused; a patrol counts at
most FIELDWORK_MAX_PATROL_HOURS; a second stop changes nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from rest_framework.test import APIClient

from gridgov.fieldwork import figures
from gridgov.fieldwork.models import Patrol, PatrolStatus, TrackPoint
from gridgov.fieldwork.services import add_points, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point

from .case_factories import CaseCity
from .fieldwork_sync_factories import SHANGHAI, T0, post, rec, statuses

LAT = 23.105


def walk(n: int, *, every_s: int = 30, t0: dt.datetime = T0) -> list[Point]:
    return [Point(t0 + dt.timedelta(seconds=every_s * i), 114.401 + i * 0.0002, LAT, 5.0) for i in range(n)]


def wire(points: list[Point]) -> list[list[Any]]:
    return [[p.t.isoformat(), p.lon, p.lat, p.accuracy_m] for p in points]


def workers_hours(cc: CaseCity) -> figures.Figures:
    report = figures.for_day(cc.users["community"], dt.date(2026, 3, 4))
    return next(r.figures for r in report.workers if r.worker.username == "worker")


def test_a_backdated_start_without_a_track_counts_no_hours_and_is_flagged(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    results = post(
        api,
        cc.users["worker"],
        [
            rec("patrol_start", {"patrol": patrol}, made_at=dt.datetime(2026, 3, 4, 2, 0, tzinfo=SHANGHAI).isoformat()),
            rec("patrol_stop", {"patrol": patrol}, made_at=dt.datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI).isoformat()),
        ],
    )
    assert statuses(results) == [201, 201]
    stored = Patrol.objects.get()
    assert stored.duration_s == 0 and stored.flagged
    assert stored.flags == [{"kind": "gaps", "stated_s": 8 * 3600, "tracked_s": 0}]
    mine = workers_hours(cc)
    assert mine.hours == 0 and mine.patrols == 0 and mine.flagged == 1


def test_a_walk_counts_the_time_its_track_covers_not_start_to_stop(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    add_points(by=worker, patrol_id=pid, points=walk(61))  # 30 minutes of track
    patrol = stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(minutes=50))
    assert patrol.duration_s == 30 * 60 and not patrol.flagged  # 30 of 50 minutes: more than half
    assert workers_hours(cc).hours == 0.5


def test_points_far_apart_count_at_most_the_gap_and_the_patrol_is_flagged(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    add_points(by=worker, patrol_id=pid, points=walk(4, every_s=1800))  # a point every half hour, 90 minutes
    patrol = Patrol.objects.get(pk=pid)
    assert patrol.duration_s == 3 * 300 and not patrol.flagged  # still running: nothing stated yet
    patrol = stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(minutes=90))
    assert patrol.duration_s == 900
    assert patrol.flags == [{"kind": "gaps", "stated_s": 5400, "tracked_s": 900}]


def test_a_point_later_than_the_servers_clock_is_refused(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    tomorrow = [dt.datetime(2026, 3, 5, 9, 0, tzinfo=SHANGHAI).isoformat(), 114.4051, LAT, 5]
    today = [T0.isoformat(), 114.405, LAT, 5]
    results = post(
        api,
        cc.users["worker"],
        [
            rec("patrol_start", {"patrol": patrol}, made_at=T0.isoformat()),
            rec("track", {"patrol": patrol, "points": [today, tomorrow]}),
        ],
    )
    assert statuses(results) == [201, 400]
    assert "服务器当前时间" in results[1]["errors"]["points"][0]
    assert not TrackPoint.objects.exists() and Patrol.objects.get().duration_s == 0


def test_points_before_the_start_or_after_the_stop_are_refused(cc: CaseCity) -> None:
    from django.core.exceptions import ValidationError

    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    early = Point(T0 - dt.timedelta(hours=2), 114.405, LAT)
    try:
        add_points(by=worker, patrol_id=pid, points=[early])
    except ValidationError as exc:
        assert "早于巡查开始时间" in str(exc)
    else:
        raise AssertionError("a point two hours before the start was stored")
    # A position the phone had cached a few seconds before the tap is taken, and counts from the start.
    add_points(by=worker, patrol_id=pid, points=[Point(T0 - dt.timedelta(seconds=5), 114.401, LAT), *walk(3)[1:]])
    stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(minutes=1))
    assert Patrol.objects.get(pk=pid).duration_s == 60
    late = Point(T0 + dt.timedelta(minutes=30), 114.405, LAT)
    try:
        add_points(by=worker, patrol_id=pid, points=[late])
    except ValidationError as exc:
        assert "晚于巡查结束时间" in str(exc)
    else:
        raise AssertionError("a point half an hour after the stop was stored")
    assert TrackPoint.objects.filter(patrol_id=pid).count() == 3


def test_a_second_stop_does_not_move_the_end(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    points = wire(walk(21))
    first = post(
        api,
        cc.users["worker"],
        [
            rec("patrol_start", {"patrol": patrol}, made_at=T0.isoformat()),
            rec("track", {"patrol": patrol, "points": points}, made_at=points[-1][0]),
            rec("patrol_stop", {"patrol": patrol}, made_at=(T0 + dt.timedelta(minutes=10)).isoformat()),
        ],
    )
    assert statuses(first) == [201] * 3
    again = post(
        api, cc.users["worker"], [rec("patrol_stop", {"patrol": patrol}, made_at=T0.replace(hour=9).isoformat())]
    )
    assert statuses(again) == [201]
    stored = Patrol.objects.get()
    assert stored.status == PatrolStatus.ENDED
    assert stored.ended_at == T0 + dt.timedelta(minutes=10) and stored.duration_s == 600


def test_a_patrol_counts_at_most_the_longest_patrol(cc: CaseCity, settings: Any) -> None:
    settings.FIELDWORK_MAX_PATROL_HOURS = 1
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    add_points(by=worker, patrol_id=pid, points=walk(181, every_s=30))  # 90 minutes
    assert Patrol.objects.get(pk=pid).duration_s == 3600
    assert stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(minutes=90)).duration_s == 3600
