"""Track batches update a patrol's figures by what they change, without reading the whole track again: the figures
after every batch are those of the whole track computed at once (jumps, points outside the grid, gaps, batches
that overlap or arrive out of order), and a batch in time order reads only the stored point before it."""

from __future__ import annotations

import datetime as dt
import math
import uuid
from typing import Any

import pytest

from gridgov.fieldwork import track
from gridgov.fieldwork.models import Patrol
from gridgov.fieldwork.services import add_points, recompute, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0

LAT = 23.105


def route(n: int) -> list[Point]:
    """A walk with everything the figures look at: a 1 km jump for a minute, a stretch outside the grid (east of
    114.41 in 惠阳区 is another grid's: we go past the buffer), a gap of ten minutes."""
    points = []
    t = T0
    for i in range(n):
        lon, lat = 114.401 + (i % 200) * 0.00005, LAT
        if 100 <= i < 102:
            lat += 0.01  # the jump, and back
        if 300 <= i < 340:
            lon = 114.46  # outside
        t += dt.timedelta(seconds=600 if i == 250 else 5)
        points.append(Point(t, lon, lat, 5.0))
    return points


def snapshot(patrol: Patrol) -> dict[str, Any]:
    patrol.refresh_from_db()
    return {
        "distance_m": round(patrol.distance_m, 1),
        "duration_s": patrol.duration_s,
        "points": patrol.points,
        "outside_share": round(patrol.outside_share, 9),
        "flags": patrol.flags,
    }


def test_the_figures_after_every_batch_are_those_of_the_whole_track(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    patrol = start_patrol(by=worker, patrol_id=pid, started_at=T0)
    points = route(400)
    batches = [points[i : i + 20] for i in range(0, 380, 20)]
    batches.insert(5, points[90:115])  # overlaps the batches before and after it
    late = batches.pop(8)  # arrives after three later batches
    batches.insert(11, late)
    batches.append(points[380:])
    for batch in batches:
        add_points(by=worker, patrol_id=pid, points=batch)
        incremental = snapshot(patrol)
        recompute(patrol)
        assert incremental["distance_m"] == pytest.approx(snapshot(patrol)["distance_m"], abs=0.2)
        assert {**incremental, "distance_m": 0} == {**snapshot(patrol), "distance_m": 0}
    kinds = [f["kind"] for f in patrol.flags]
    assert "speed" in kinds and patrol.points == 400 and 0 < patrol.outside_share < 0.3
    stopped = stop_patrol(by=worker, patrol_id=pid, ended_at=points[-1].t + dt.timedelta(seconds=30))
    at_stop = snapshot(stopped)
    recompute(stopped)
    assert at_stop == snapshot(stopped)


def test_a_stop_before_the_last_points_counts_them_no_more(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    add_points(by=worker, patrol_id=pid, points=route(60))
    patrol = stop_patrol(by=worker, patrol_id=pid, ended_at=T0 + dt.timedelta(seconds=200))
    assert patrol.duration_s == 195  # the first point at 5 s, the stop at 200 s
    assert patrol.distance_m == track.figures(route(40), None).distance_m  # the steps up to 200 s


def test_a_batch_in_time_order_reads_only_the_stored_point_before_it(
    cc: CaseCity, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real = track.partial

    def spy(points: Any, *args: Any, **kwargs: Any) -> track.Partial:
        seen.append(len(points))
        return real(points, *args, **kwargs)

    monkeypatch.setattr(track, "partial", spy)
    worker = cc.users["worker"]
    pid = uuid.uuid4()
    start_patrol(by=worker, patrol_id=pid, started_at=T0)
    points = [Point(T0 + dt.timedelta(seconds=i), 114.401 + i * 1e-5, LAT) for i in range(1200)]
    for i in range(0, 1200, 20):
        seen.clear()
        add_points(by=worker, patrol_id=pid, points=points[i : i + 20])
        assert max(seen) <= 21  # the batch and the point before it, never the whole track
    patrol = Patrol.objects.get(pk=pid)
    assert patrol.points == 1200 and patrol.duration_s == 1199
    assert math.isclose(patrol.distance_m, track.figures(points, None).distance_m, abs_tol=0.2)
