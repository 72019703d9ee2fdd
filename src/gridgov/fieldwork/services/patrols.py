"""Patrols: start, add track points (figures and flags recomputed), check in at a building, stop.

A patrol's hours are the time its track covers (``gridgov.fieldwork.track``), never the phone's stop − start: the
phone's clock is checked where it can be — a track point later than the server's clock (beyond
``FIELDWORK_CLOCK_SKEW_S``), earlier than the patrol's start or later than its stop (beyond ``POINT_SLACK_S``) is
refused — and a second stop changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.accounts.scope import scope_for
from gridgov.territory.models import Building, Grid

from .. import track
from ..models import CheckIn, Patrol, PatrolStatus, TrackPoint
from ..track import Point, TrackFigures, figures, haversine_m

#: A track point may be this much earlier than the patrol's start (a position the phone had cached when the
#: worker tapped start) or later than its stop (a position taken while stopping); it counts only inside them.
POINT_SLACK_S = 60


def worker_grids(user: Any) -> list[Grid]:
    """The current grids a user may patrol (grid-level roles that allow adding patrols)."""
    scope = scope_for(user, "patrol", "add")
    if scope.everything:
        return list(Grid.objects.current())
    return list(Grid.objects.current().filter(code__in=scope.grid_codes))


def _grid_for(by: Any, grid_code: str | None) -> Grid:
    grids = worker_grids(by)
    if not grids:
        raise PermissionDenied(_("只有网格员和网格长可以开始巡查。"))
    if grid_code:
        for grid in grids:
            if grid.code == grid_code:
                return grid
        raise PermissionDenied(_("只能在自己负责的网格巡查。"))
    return grids[0]


@transaction.atomic
def start_patrol(*, by: Any, patrol_id: uuid.UUID, started_at: datetime, grid_code: str | None = None) -> Patrol:
    existing = Patrol.objects.filter(pk=patrol_id).first()
    if existing is not None:
        if existing.worker_id != by.pk:
            raise ValidationError({"patrol": _("巡查编号已被使用。")})
        return existing
    grid = _grid_for(by, grid_code)
    return Patrol.objects.create(id=patrol_id, worker=by, grid=grid, scope_code=grid.code, started_at=started_at)


def _own_patrol(by: Any, patrol_id: Any) -> Patrol:
    patrol = Patrol.objects.select_for_update().filter(pk=patrol_id, worker=by).first()
    if patrol is None:
        # Not found (never started on the server, its start refused, or another worker's): the sync contract's
        # 404, "send the referenced record first" — the record is fine as it is and may be sent again later.
        raise Patrol.DoesNotExist(_("找不到这次巡查(请先同步“开始巡查”)。"))
    return patrol


def _check_times(patrol: Patrol, points: Sequence[Point]) -> None:
    slack = dt.timedelta(seconds=POINT_SLACK_S)
    latest = timezone.now() + dt.timedelta(seconds=settings.FIELDWORK_CLOCK_SKEW_S)
    for p in points:
        if p.t > latest:
            raise ValidationError({"points": _("轨迹点时间晚于服务器当前时间,请校准手机时间。")})
        if p.t < patrol.started_at - slack:
            raise ValidationError({"points": _("轨迹点时间早于巡查开始时间。")})
        if patrol.ended_at is not None and p.t > patrol.ended_at + slack:
            raise ValidationError({"points": _("轨迹点时间晚于巡查结束时间。")})


@transaction.atomic
def add_points(*, by: Any, patrol_id: Any, points: Sequence[Point]) -> Patrol:
    """Store points (a point already stored at the same time is skipped: batches may overlap) and update the
    figures by what changed: the points from the last stored one before the batch onwards, read before and after
    the batch is stored (``track`` module: every figure but the derived flags is a sum). A batch in time order
    reads one stored point, so the cost of a batch does not grow with the patrol."""
    patrol = _own_patrol(by, patrol_id)
    for p in points:
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90):
            raise ValidationError({"points": _("轨迹点坐标无效。")})
    _check_times(patrol, points)
    if not points:
        return patrol
    first = min(p.t for p in points)
    anchor = patrol.track.filter(t__lt=first).order_by("-t").values_list("t", flat=True).first()
    tail = patrol.track.filter(t__gte=anchor) if anchor is not None else patrol.track.all()
    area = track.grid_area(patrol.grid.boundary)
    win = track.window(patrol.started_at, patrol.ended_at)
    before = _partial(tail, area, win, skip_first=anchor is not None)
    TrackPoint.objects.bulk_create(
        [TrackPoint(patrol=patrol, t=p.t, lon=p.lon, lat=p.lat, accuracy_m=p.accuracy_m) for p in points],
        ignore_conflicts=True,
    )
    after = _partial(tail, area, win, skip_first=anchor is not None)
    # The outside count is not stored: outside_share × points gives it back exactly (a ratio of small integers).
    outside = round(patrol.outside_share * patrol.points) + after.outside - before.outside
    fig = TrackFigures(
        distance_m=patrol.distance_m + after.distance_m - before.distance_m,
        duration_s=max(0, patrol.duration_s + round(after.seconds - before.seconds)),
        points=patrol.points + after.points - before.points,
        outside_points=outside,
        track_from=_earliest(patrol.track_from, win.clip(first)),
        track_to=_latest(patrol.track_to, win.clip(max(p.t for p in points))),
    )
    kept = [f for f in patrol.flags if f.get("kind") == "speed" and anchor is not None and _at(f) <= anchor]
    _store(patrol, track.derive(fig, kept + after.speed_flags, win=win, ended=patrol.ended_at is not None))
    return patrol


def _partial(tail: QuerySet[TrackPoint], area: Any, win: track.Window, *, skip_first: bool) -> track.Partial:
    rows = tail.order_by("t").values_list("t", "lon", "lat", "accuracy_m")
    return track.partial([Point(*r) for r in rows], area, win=win, skip_first=skip_first)


def _at(flag: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(str(flag["at"]))


def _earliest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else min(a, b)


def _latest(a: datetime | None, b: datetime) -> datetime:
    return b if a is None else max(a, b)


def _store(patrol: Patrol, fig: TrackFigures) -> None:
    patrol.distance_m = fig.distance_m
    patrol.points = fig.points
    patrol.outside_share = fig.outside_share
    patrol.duration_s = fig.duration_s
    patrol.track_from, patrol.track_to = fig.track_from, fig.track_to
    later = _flag_overlap(patrol, fig.flags)
    patrol.save(
        update_fields=[
            "distance_m", "points", "outside_share", "flags", "flagged", "duration_s", "track_from", "track_to",
        ]
    )  # fmt: skip
    for other in later:
        if not any(f.get("kind") == "overlap" for f in other.flags):
            other.flags = [*other.flags, {"kind": "overlap", "with": str(patrol.pk)}]
            other.flagged = True
            other.save(update_fields=["flags", "flagged"])


def _flag_overlap(patrol: Patrol, flags: list[dict[str, Any]]) -> list[Patrol]:
    """Set the patrol's flags, with ``overlap`` when its track overlaps the track of an earlier patrol of the same
    worker (two phones, or a patrol started again without stopping the first: the same hours counted twice).
    The earlier patrol (by start, then number) keeps its figures; the later one is flagged, so the worker's
    unflagged patrols never overlap and their hours add up to the time of their union. Returns the worker's later
    patrols that this one's track now overlaps (they are flagged too)."""
    others: list[Patrol] = []
    if patrol.track_from is not None and patrol.track_to is not None and patrol.track_from < patrol.track_to:
        others = list(
            Patrol.objects.filter(
                worker_id=patrol.worker_id, track_from__lt=patrol.track_to, track_to__gt=patrol.track_from
            )
            .exclude(pk=patrol.pk)
            .only("id", "started_at", "flags", "flagged")
        )
    key = (patrol.started_at, str(patrol.pk))
    earlier = sorted((o for o in others if (o.started_at, str(o.pk)) < key), key=lambda o: (o.started_at, str(o.pk)))
    patrol.flags = [*flags, {"kind": "overlap", "with": str(earlier[0].pk)}] if earlier else list(flags)
    patrol.flagged = bool(patrol.flags)
    return [o for o in others if (o.started_at, str(o.pk)) > key]


def recompute(patrol: Patrol) -> None:
    """The figures and flags of the whole track (hours: the time the track covers inside the patrol's window)."""
    rows = patrol.track.order_by("t").values_list("t", "lon", "lat", "accuracy_m")
    fig = figures(
        [Point(*r) for r in rows], patrol.grid.boundary, started_at=patrol.started_at, ended_at=patrol.ended_at
    )
    _store(patrol, fig)


@transaction.atomic
def stop_patrol(*, by: Any, patrol_id: Any, ended_at: datetime) -> Patrol:
    """End a patrol. A patrol already ended stays as it is: a second stop (another phone, a resent record with a
    new number) does not move its end. The figures are made once more from the whole track (once a patrol, so an
    ended patrol's figures are exactly those of its track, without the rounding of the batches' sums)."""
    patrol = _own_patrol(by, patrol_id)
    if patrol.status == PatrolStatus.ENDED:
        return patrol
    if ended_at < patrol.started_at:
        raise ValidationError({"ended_at": _("结束时间早于开始时间。")})
    patrol.status = PatrolStatus.ENDED
    patrol.ended_at = ended_at
    patrol.save(update_fields=["status", "ended_at"])
    recompute(patrol)
    return patrol


@transaction.atomic
def check_in(
    *,
    by: Any,
    checkin_id: uuid.UUID,
    building_code: str,
    made_at: datetime,
    lon: float | None = None,
    lat: float | None = None,
    patrol_id: Any = None,
    note: str = "",
) -> CheckIn:
    existing = CheckIn.objects.filter(pk=checkin_id).first()
    if existing is not None:
        return existing
    building = Building.objects.visible_to(by, "view").filter(code=building_code).select_related("grid").first()
    if building is None or not scope_for(by, "patrol", "add").covers_code(building.code):
        raise ValidationError({"building": _("楼栋“%(c)s”不在您负责的网格内。") % {"c": building_code}})
    patrol = _own_patrol(by, patrol_id) if patrol_id else None
    distance = haversine_m(lon, lat, building.lon, building.lat) if lon is not None and lat is not None else None
    return CheckIn.objects.create(
        id=checkin_id,
        patrol=patrol,
        worker=by,
        building=building,
        scope_code=building.grid.code,
        made_at=made_at,
        lon=lon,
        lat=lat,
        distance_m=round(distance, 1) if distance is not None else None,
        note=note,
    )


def checkin_is_far(checkin: CheckIn) -> bool:
    return checkin.distance_m is not None and checkin.distance_m > settings.FIELDWORK_CHECKIN_RADIUS_M
