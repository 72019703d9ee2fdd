"""Two patrols of one worker whose tracks overlap in time (two phones, a patrol started again without stopping the
first) count once: the later one is flagged ``overlap`` whatever order their points arrive in, so the worker's
hours are the time of the union, not the sum. Patrols one after the other, another worker's patrol at the same
time, and a forgotten patrol with an old track do not flag anything."""

from __future__ import annotations

import datetime as dt
import uuid

from gridgov.accounts.roles import Role
from gridgov.fieldwork import figures
from gridgov.fieldwork.models import Patrol
from gridgov.fieldwork.services import add_points, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0, WORKER_GRID


def walk(t0: dt.datetime, minutes: int) -> list[Point]:
    """Back and forth along a street, 20 m every 30 seconds."""
    return [
        Point(t0 + dt.timedelta(seconds=30 * i), 114.401 + abs(i % 80 - 40) * 0.0002, 23.105, 5.0)
        for i in range(2 * minutes + 1)
    ]


def patrol(worker: object, start: dt.datetime, minutes: int, *, stop: bool = True, track: bool = True) -> uuid.UUID:
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=start)
    if track:
        add_points(by=worker, patrol_id=pid, points=walk(start, minutes))
    if stop:
        stop_patrol(by=worker, patrol_id=pid, ended_at=start + dt.timedelta(minutes=minutes))
    return pid


def day(cc: CaseCity, username: str = "worker") -> figures.Figures:
    report = figures.for_day(cc.users["community"], dt.date(2026, 3, 4))
    return next(r.figures for r in report.workers if r.worker.username == username)


def test_two_patrols_at_the_same_time_count_once(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    first = patrol(worker, T0, 120)
    second = patrol(worker, T0 + dt.timedelta(minutes=1), 110)
    assert not Patrol.objects.get(pk=first).flagged
    assert Patrol.objects.get(pk=second).flags == [{"kind": "overlap", "with": str(first)}]
    mine = day(cc)
    assert mine.hours == 2.0 and mine.patrols == 1 and mine.flagged == 1


def test_the_later_patrol_is_flagged_when_its_points_arrive_first(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    first, second = uuid.uuid4(), uuid.uuid4()
    start_patrol(by=worker, patrol_id=first, started_at=T0)
    start_patrol(by=worker, patrol_id=second, started_at=T0 + dt.timedelta(minutes=5))
    add_points(by=worker, patrol_id=second, points=walk(T0 + dt.timedelta(minutes=5), 60))
    assert not Patrol.objects.get(pk=second).flagged
    add_points(by=worker, patrol_id=first, points=walk(T0, 60))  # the phone that was offline
    assert not Patrol.objects.get(pk=first).flagged
    assert Patrol.objects.get(pk=second).flags == [{"kind": "overlap", "with": str(first)}]
    stop_patrol(by=worker, patrol_id=second, ended_at=T0 + dt.timedelta(minutes=65))  # made again: still flagged
    assert Patrol.objects.get(pk=second).flags == [{"kind": "overlap", "with": str(first)}]
    assert day(cc).hours == 1.0


def test_patrols_one_after_the_other_and_another_workers_are_not_overlaps(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    colleague = cc.city.grant("colleague", Role.GRID_WORKER, grid=WORKER_GRID)
    patrol(worker, T0, 30)
    patrol(worker, T0 + dt.timedelta(minutes=30, seconds=20), 30)
    patrol(colleague, T0, 60)
    assert not Patrol.objects.filter(flagged=True).exists()
    assert day(cc).hours == 1.0 and day(cc).patrols == 2
    assert day(cc, "colleague").hours == 1.0


def test_a_forgotten_patrol_does_not_flag_the_next_one(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    patrol(worker, T0 - dt.timedelta(hours=1), 2, stop=False)  # started at 07:00, two minutes of track, never stopped
    later = patrol(worker, T0, 60)
    assert not Patrol.objects.get(pk=later).flagged
