"""Patrol figures on constructed tracks: the distance (within 1 % of one computed independently), the hours, the
check-ins; an impossible jump is flagged and not counted; a track made outside the grid is flagged; overlapping
batches of points count once."""

from __future__ import annotations

import datetime as dt
import math
import uuid

from rest_framework.test import APIClient

from gridgov.fieldwork.models import CheckIn, Patrol, PatrolStatus, TrackPoint
from gridgov.fieldwork.services import add_points, check_in, checkin_is_far, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point, figures

from .case_factories import CaseCity
from .fieldwork_sync_factories import T0, WORKER_BUILDING, post, rec, statuses

LAT = 23.105
STEP_DEG = 0.0002  # east along the parallel, every 30 seconds (about 20 m: a walk)


def parallel_metres(dlon_deg: float, lat: float) -> float:
    """Length of an arc of a parallel, on the sphere of the same mean radius: an independent check of haversine."""
    return math.radians(dlon_deg) * 6_371_008.8 * math.cos(math.radians(lat))


def walk(n: int, *, start_lon: float = 114.401, lat: float = LAT, t0: dt.datetime = T0) -> list[Point]:
    return [Point(t0 + dt.timedelta(seconds=30 * i), start_lon + i * STEP_DEG, lat, 5.0) for i in range(n)]


def test_figures_of_a_constructed_walk(cc: CaseCity) -> None:
    points = walk(41)  # 20 minutes
    fig = figures(points, cc.city.grids["441302001001001"].boundary)
    expected = parallel_metres(40 * STEP_DEG, LAT)
    assert abs(fig.distance_m - expected) / expected < 0.01
    assert fig.duration_s == 20 * 60
    assert fig.points == 41 and fig.outside_share == 0 and fig.flags == []


def test_a_patrol_counts_its_hours_distance_and_check_ins(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    patrol_id = uuid.uuid4()
    start_patrol(by=worker, patrol_id=patrol_id, started_at=T0)
    points = walk(61)
    add_points(by=worker, patrol_id=patrol_id, points=points[:40])
    add_points(by=worker, patrol_id=patrol_id, points=points[30:])  # overlapping batches: ten points sent twice
    near = check_in(
        by=worker,
        checkin_id=uuid.uuid4(),
        building_code=WORKER_BUILDING,
        made_at=T0 + dt.timedelta(minutes=5),
        lon=114.4051,
        lat=23.1101,
        patrol_id=patrol_id,
    )
    far = check_in(
        by=worker,
        checkin_id=uuid.uuid4(),
        building_code=WORKER_BUILDING,
        made_at=T0 + dt.timedelta(minutes=9),
        lon=114.405,
        lat=23.105,
        patrol_id=patrol_id,
    )
    patrol = stop_patrol(by=worker, patrol_id=patrol_id, ended_at=T0 + dt.timedelta(minutes=45))
    assert TrackPoint.objects.filter(patrol=patrol).count() == 61
    expected = parallel_metres(60 * STEP_DEG, LAT)
    assert abs(patrol.distance_m - expected) / expected < 0.01
    assert patrol.duration_s == 30 * 60  # the time the track covers, not start to stop
    assert patrol.status == PatrolStatus.ENDED and not patrol.flagged
    assert patrol.checkins.count() == 2
    assert near.distance_m is not None and near.distance_m < 20 and not checkin_is_far(near)
    assert far.distance_m is not None and far.distance_m > 500 and checkin_is_far(far)


def test_a_teleporting_track_is_flagged_and_the_jump_is_not_counted(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    patrol_id = uuid.uuid4()
    start_patrol(by=worker, patrol_id=patrol_id, started_at=T0)
    before = walk(10)
    # 30 seconds later, 1.1 km north: 130 km/h on foot. Then the walk goes on from there.
    after = walk(10, lat=LAT + 0.01, start_lon=before[-1].lon, t0=before[-1].t + dt.timedelta(seconds=30))
    patrol = add_points(by=worker, patrol_id=patrol_id, points=before + after)
    assert patrol.flagged
    (flag,) = patrol.flags
    assert flag["kind"] == "speed" and 1000 < flag["metres"] < 1200  # type: ignore[operator]
    walked = parallel_metres(9 * STEP_DEG, LAT) + parallel_metres(9 * STEP_DEG, LAT + 0.01)
    assert abs(patrol.distance_m - walked) / walked < 0.01


def test_a_track_outside_the_grid_is_flagged(cc: CaseCity) -> None:
    worker = cc.users["worker"]
    patrol_id = uuid.uuid4()
    start_patrol(by=worker, patrol_id=patrol_id, started_at=T0)
    patrol = add_points(by=worker, patrol_id=patrol_id, points=walk(20, start_lon=114.46, lat=23.12))  # 惠阳区
    assert patrol.flagged and patrol.outside_share == 1.0
    assert [f["kind"] for f in patrol.flags] == ["outside"]
    # A few metres past the edge (GPS error) is not "outside".
    edge, later = uuid.uuid4(), T0 + dt.timedelta(minutes=15)  # after the first: overlapping patrols are flagged
    start_patrol(by=worker, patrol_id=edge, started_at=later)
    patrol = add_points(by=worker, patrol_id=edge, points=walk(20, start_lon=114.3995, lat=23.105, t0=later))
    assert patrol.outside_share == 0 and not patrol.flagged


def test_a_patrol_recorded_offline_arrives_through_sync(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    points = [[p.t.isoformat(), p.lon, p.lat, p.accuracy_m] for p in walk(21)]
    records = [
        rec("patrol_start", {"patrol": patrol}, made_at=T0.isoformat()),
        rec("track", {"patrol": patrol, "points": points[:11]}, made_at=points[10][0]),  # type: ignore[arg-type]
        rec("checkin", {"patrol": patrol, "building": WORKER_BUILDING}, made_at=points[12][0]),  # type: ignore[arg-type]
        rec("track", {"patrol": patrol, "points": points[11:]}, made_at=points[20][0]),  # type: ignore[arg-type]
        rec("patrol_stop", {"patrol": patrol}, made_at=(T0 + dt.timedelta(minutes=12)).isoformat()),
    ]
    assert statuses(post(api, cc.users["worker"], records)) == [201] * 5
    stored = Patrol.objects.get()
    assert stored.points == 21 and stored.duration_s == 10 * 60  # the track, not start to stop
    expected = parallel_metres(20 * STEP_DEG, LAT)
    assert abs(stored.distance_m - expected) / expected < 0.01
    assert CheckIn.objects.get().patrol_id == stored.pk


def test_track_points_in_gcj02_are_stored_in_wgs84(cc: CaseCity, api: APIClient) -> None:
    from gridgov.core.crs import from_wgs84

    patrol = str(uuid.uuid4())
    lon, lat = from_wgs84(114.405, 23.105, "gcj02")
    records = [
        rec("patrol_start", {"patrol": patrol}, made_at=T0.isoformat()),
        rec("track", {"patrol": patrol, "crs": "gcj02", "points": [[T0.isoformat(), lon, lat, 5]]}),
    ]
    assert statuses(post(api, cc.users["worker"], records)) == [201, 201]
    point = TrackPoint.objects.get()
    assert abs(point.lon - 114.405) < 1e-6 and abs(point.lat - 23.105) < 1e-6


def test_a_stop_before_the_start_is_400(cc: CaseCity, api: APIClient) -> None:
    patrol = str(uuid.uuid4())
    records = [
        rec("patrol_start", {"patrol": patrol}, made_at=T0.isoformat()),
        rec("patrol_stop", {"patrol": patrol}, made_at=(T0 - dt.timedelta(minutes=1)).isoformat()),
    ]
    results = post(api, cc.users["worker"], records)
    assert statuses(results) == [201, 400]
    assert Patrol.objects.get().status == PatrolStatus.RUNNING
