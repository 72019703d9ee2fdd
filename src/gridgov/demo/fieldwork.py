"""The demo city's field work: patrols with their GPS tracks and check-ins, home visits and tasks, so that the
centre's pages under /field/ (tracks of a day, coverage of a month, overdue visits, tasks) show a working city.

:func:`build_fieldwork` runs inside the demo build's transaction, after the people and the cases.

*Where*: the comprehensive grids of 桥东街道 (the demo sub-district) that hold residents (:func:`fieldwork_grids`,
冈头社区's seven grids first) — each grid's full-time worker patrols, checks in and visits; the community's
dispatcher assigns the tasks.

*What*, over the last :data:`DAYS` days up to the build's "now" (Asia/Shanghai):

* patrols: on most working days (and some days off) one or two patrols of an hour or two in office hours, each a
  walk from building to building inside the worker's grid — a GPS point every ~30 s at walking speed with a few
  metres of noise, pauses of a few minutes at the buildings where the worker checks in. How often a worker goes
  out differs from worker to worker, and so does the share of the grid's buildings on their usual round: coverage
  differs from grid to grid. Today's patrols end before "now"
  (a build before about 08:50 has none today; the tracks page then opens on the latest day with patrols);
* flagged tracks: on the latest patrol day, in 冈头社区, one patrol whose GPS jumps a kilometre or two away and back
  (``speed``) and one walked mostly outside the worker's grid (``outside``); a few more of each over the month;
* home visits: a visit record for each tagged person's last visit when it falls in the period, and visits in the
  last days to a little over half of the people whose visit was overdue (moving ``next_visit_due``); the rest stay
  overdue and are listed on the visits page;
* tasks: assigned by the community's dispatcher for grid-assignable matters in force, in every state (open,
  reported, accepted, redo, overdue).

*Through the services* (``gridgov.fieldwork.services``): every patrol, check-in and visit of the demo worker's
grid, every patrol of 冈头社区 on the latest patrol day (the two flagged ones among them), the visits to overdue
people in 冈头社区, and every task (so admission is enforced: a task for a matter that is not admitted fails the
build). The services run at build time; afterwards the times they stamp themselves (``received_at``, a task's
``assigned_at`` and ``due_at``, the tasks' notifications) are moved back to where the plan puts them, and the
overdue sweep (``sweep_overdue_tasks``) flags the late tasks.

*In bulk* (the rest): the same rows the services write — the patrol's figures and flags from the same
``fieldwork.track.figures`` — with ``bulk_create`` and plain INSERTs for the track points;
``tests/test_demo_fieldwork.py`` holds a bulk patrol and a bulk visit against the same ones written through the
services.

Deterministic: seeded generators choose the days, walks, check-ins, visits and tasks; only the absolute times
(relative to the build's "now") differ between two builds.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import F
from django.utils import timezone
from shapely.ops import nearest_points

from gridgov.accounts.models import RoleAssignment, User
from gridgov.accounts.roles import Role
from gridgov.core.models import Notification
from gridgov.core.workcalendar import add_working_time, is_working_day
from gridgov.fieldwork import services
from gridgov.fieldwork.models import CheckIn, Patrol, PatrolStatus, Task, TaskKind, TrackPoint, Visit
from gridgov.fieldwork.track import Point, figures, haversine_m
from gridgov.matters.models import MatterCategory, MatterKind
from gridgov.registry.models import Person, PersonTag
from gridgov.territory.models import Building, Grid, GridKind

from .geometry import SEED
from .people import demo_grids

SHANGHAI = ZoneInfo("Asia/Shanghai")
FIELDWORK_SEED = SEED + 41
DEMO_SUBDISTRICT = "441302001"
DEMO_COMMUNITY = "441302001009"
DEMO_GRID = "441302001009001"
#: Days of field work, today included.
DAYS = 30
#: Seconds between two GPS points (the phone app's interval), and their noise (metres, one sigma).
POINT_EVERY_S = 30
GPS_NOISE_M = 4.0
#: Walking speed range (m/s).
WALK_SPEED = (0.9, 1.4)
#: Track points sent in one ``add_points`` call (the phone flushes in batches).
FLUSH_EVERY = 60
#: Share of the month's other patrols flagged on purpose (a GPS jump; a walk mostly outside the grid).
JUMP_RATE = 0.01
OUTSIDE_RATE = 0.005
#: Share of the overdue tagged people visited in the last days (the rest stay overdue).
OVERDUE_VISITED = 0.55
#: The share of the grid's buildings on the usual round of each showcase grid's worker, in code order.
SHOWCASE_ROUTES = (1.0, 0.85, 0.6, 0.4, 0.95, 0.3, 0.7)
#: Tasks per grid in 冈头社区, and the chance of one task in any other grid.
SHOWCASE_TASKS = 6
OTHER_GRID_TASK_CHANCE = 0.35
#: How many days before the build each kind of task was assigned (from, to).
TASK_AGE_DAYS = {"assigned": (0, 2), "redo": (1, 4), "reported": (1, 6), "accepted": (5, 29), "overdue": (12, 29)}
#: (status, weight) of the tasks; "overdue" is an open task past its deadline.
TASK_STATES: tuple[tuple[str, float], ...] = (
    ("assigned", 20),
    ("overdue", 15),
    ("reported", 15),
    ("accepted", 35),
    ("redo", 15),
)

CHECKIN_NOTES = (
    "",
    "",
    "",
    "楼道整洁,消防通道畅通。",
    "门岗登记正常。",
    "电动车停放有序。",
    "无异常。",
    "提醒住户清理楼道杂物。",
)
VISIT_SITUATION: dict[str, tuple[str, ...]] = {
    "special": ("本人在家,情绪稳定,近期无异常。", "与家属交谈,了解其近期工作和生活情况,无异常。"),
    "youth": ("与监护人沟通,了解其学习和生活情况,表现正常。",),
    "care": (
        "老人身体状况良好,生活能自理,已提醒注意用电安全。",
        "上门了解生活情况,家中无困难。",
        "了解近期需求,已告知社区服务电话。",
    ),
}
VISIT_NEEDS = ("", "", "", "希望社区协助申请临时救助。", "家中水龙头漏水,需要维修。", "希望定期上门测量血压。")
TAG_VISIT_GROUP = {
    "released_prisoner": "special",
    "community_correction": "special",
    "drug_user": "special",
    "mental_disorder": "special",
    "hiv_risk": "special",
    "key_youth": "youth",
}
#: Matter code → task titles; a matter without its own titles gets "<name>专项工作".
TASK_TITLES: dict[str, tuple[str, ...]] = {
    "0101": ("清理网格内暴露垃圾点",),
    "0102": ("排查楼道乱堆物堆料",),
    "0109": ("清理小区内非法小广告",),
    "0301": ("排查化解邻里纠纷",),
    "0303": ("了解小区物业纠纷情况",),
    "0401": ("检查三小场所消防安全",),
    "0501": ("走访独居老人", "独居老人夏季防暑关爱"),
    "0502": ("走访留守儿童家庭",),
    "0503": ("残疾人帮扶需求摸排",),
    "0801": ("反诈宣传入户", "防汛防台风知识宣传", "禁毒宣传进小区"),
    "0802": ("出租屋信息采集核对", "新入住人员信息登记", "流动人口信息核查"),
    "0803": ("矛盾纠纷排查", "信访隐患摸排"),
    "0804": ("高层住宅消防通道巡查", "电动车违规充电排查", "汛期安全隐患巡查"),
    "0805": ("特殊人群关爱走访",),
    "0806": ("为行动不便老人代办社保认证",),
}
TASK_KIND_OF: dict[str, str] = {
    MatterKind.PUBLICITY: TaskKind.PUBLICITY,
    MatterKind.INFORMATION: TaskKind.COLLECTION,
    MatterKind.CARE: TaskKind.VISIT,
}
TASK_REPORT = (
    "已完成,共走访 %(n)d 户,现场情况已拍照留存。",
    "已按要求完成,发现的问题已当场处理。",
    "已完成排查,未发现新的问题。",
)
REDO_NOTE = "照片不清晰,请补充现场照片并写明走访户数。"


@dataclass
class FieldworkSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    #: CPU seconds of each part (plan, patrols_by_services, patrols_in_bulk, visits, tasks).
    cpu: dict[str, float] = field(default_factory=dict)


def fieldwork_grids() -> list[Grid]:
    """The grids with field work: those of 桥东街道 that hold the demo's residents, 冈头社区's first."""
    return [g for g in demo_grids() if g.code.startswith(DEMO_SUBDISTRICT)]


def fieldwork_counts(prefix: str) -> dict[str, int]:
    return {
        "patrols": Patrol.objects.filter(scope_code__startswith=prefix).count(),
        "track_points": TrackPoint.objects.filter(patrol__scope_code__startswith=prefix).count(),
        "checkins": CheckIn.objects.filter(scope_code__startswith=prefix).count(),
        "visits": Visit.objects.filter(scope_code__startswith=prefix).count(),
        "tasks": Task.objects.filter(scope_code__startswith=prefix).count(),
    }


def delete_fieldwork(prefix: str) -> None:
    """Delete the field work under ``prefix`` (before the demo's people, territory and users go): raw deletes, as
    the ORM would load every track point to cascade. Notifications about the tasks go with them."""
    like = prefix + "%"
    patrols = f"SELECT id FROM {Patrol._meta.db_table} WHERE scope_code LIKE %s"
    task_ids = [str(pk) for pk in Task.objects.filter(scope_code__startswith=prefix).values_list("pk", flat=True)]
    if task_ids:
        Notification.objects.filter(
            target_content_type=ContentType.objects.get_for_model(Task), target_object_id__in=task_ids
        ).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TrackPoint._meta.db_table} WHERE patrol_id IN ({patrols})", [like])
        cursor.execute(f"DELETE FROM {CheckIn._meta.db_table} WHERE scope_code LIKE %s OR patrol_id IN ({patrols})",
                       [like, like])  # fmt: skip
        for model in (Patrol, Visit, Task):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE scope_code LIKE %s", [like])


# --- walks ------------------------------------------------------------------------------------------------------


@dataclass
class CheckInPlan:
    id: uuid.UUID
    building_id: int
    building_code: str
    made_at: dt.datetime
    lon: float
    lat: float
    note: str
    distance_m: float


@dataclass
class PatrolPlan:
    id: uuid.UUID
    worker: User
    grid: Grid
    started_at: dt.datetime
    ended_at: dt.datetime
    points: list[Point]
    offsets: np.ndarray  # seconds of each point from the start
    checkins: list[CheckInPlan]
    flag: str = ""  # "", "speed" or "outside": flagged on purpose


@dataclass
class _GridPlace:
    grid: Grid
    polygon: Any
    inner: Any
    ids: list[int]
    codes: list[str]
    xy: np.ndarray  # buildings in metres from the origin
    lonlat_of: list[tuple[float, float]]
    lon0: float
    lat0: float
    kx: float  # metres per degree of longitude here
    ky: float
    nearest: list[list[int]] = field(default_factory=list)  # per building, the others from near to far

    def __post_init__(self) -> None:
        d = np.hypot(*(self.xy[:, None, :] - self.xy[None, :, :]).transpose(2, 0, 1))
        self.nearest = np.argsort(d, axis=1, kind="stable").tolist()

    @classmethod
    def of(cls, grid: Grid, buildings: list[tuple[int, str, float, float]]) -> _GridPlace:
        polygon = grid.boundary
        assert polygon is not None
        c = polygon.centroid
        lon0, lat0 = float(c.x), float(c.y)
        kx, ky = 111_320.0 * math.cos(math.radians(lat0)), 110_540.0
        xy = np.array([((lon - lon0) * kx, (lat - lat0) * ky) for _i, _c, lon, lat in buildings], dtype=float)
        # About two metres inside the boundary: where a noisy point that strays out is put back.
        inner = polygon.buffer(-2.0 / ky)
        if inner.is_empty:
            inner = polygon
        return cls(
            grid, polygon, inner, [b[0] for b in buildings], [b[1] for b in buildings], xy,
            [(b[2], b[3]) for b in buildings], lon0, lat0, kx, ky,
        )  # fmt: skip

    def route(self, r: random.Random, share: float) -> _GridPlace:
        """The buildings of the worker's usual round: ``share`` of the grid's (at least two), near one another."""
        n = len(self.ids)
        keep = sorted(self.nearest[r.randrange(n)][: max(min(n, 2), round(n * share))])
        return dataclasses.replace(
            self,
            ids=[self.ids[i] for i in keep],
            codes=[self.codes[i] for i in keep],
            xy=self.xy[keep],
            lonlat_of=[self.lonlat_of[i] for i in keep],
        )

    def lonlat(self, xy: np.ndarray) -> np.ndarray:
        return np.column_stack([self.lon0 + xy[:, 0] / self.kx, self.lat0 + xy[:, 1] / self.ky])


def _uuid(r: random.Random) -> uuid.UUID:
    return uuid.UUID(int=r.getrandbits(128), version=4)


def _next_stop(r: random.Random, place: _GridPlace, at: int, passed: set[int]) -> int:
    """The next building on the way: one of the three nearest not passed yet (all passed: start a new round)."""
    if len(passed) >= len(place.ids):
        passed.clear()
        passed.add(at)
    candidates = [i for i in place.nearest[at] if i not in passed][:3]
    nxt = r.choice(candidates) if candidates else at
    passed.add(nxt)
    return nxt


def walk(
    r: random.Random,
    place: _GridPlace,
    worker: User,
    start: dt.datetime,
    minutes: float,
    checkins: int,
    flag: str = "",
) -> PatrolPlan:
    """A patrol of about ``minutes`` from ``start``: building to building at walking speed, pausing where the
    worker checks in, a GPS point every ~30 s with a few metres of noise, every point inside the grid (unless
    ``flag`` asks for a jump away and back, or a walk shifted out of the grid)."""
    speed = r.uniform(*WALK_SPEED)
    duration = minutes * 60.0
    at = r.randrange(len(place.ids))
    passed = {at}
    times = [0.0]
    xy = [place.xy[at]]
    arrivals: list[tuple[float, int]] = []
    # Check in at about every other building on the way until the planned check-ins are done.
    while times[-1] < duration:
        at = _next_stop(r, place, at, passed)
        target = place.xy[at]
        metres = float(np.hypot(*(target - xy[-1])))
        # Not the straight line: a little longer, round the buildings; a short look around at each.
        times.append(times[-1] + metres * r.uniform(1.05, 1.3) / speed + r.uniform(5, 40))
        xy.append(target)
        if len(arrivals) < checkins and times[-1] < duration - 120 and r.random() < 0.5:
            arrivals.append((times[-1], at))
            times.append(times[-1] + r.uniform(150, 600))  # a pause: talk to the door keeper, look around
            xy.append(target)
    duration = float(round(min(duration, times[-1])))
    vertices = np.array(xy)
    vt = np.array(times)
    count = int(duration // POINT_EVERY_S) + 1
    ts = np.arange(count, dtype=float) * POINT_EVERY_S
    noise = np.random.default_rng(r.getrandbits(64))
    ts[1:] += noise.uniform(-2.5, 2.5, count - 1)
    ts = np.minimum(np.round(ts), duration)
    ts = np.unique(ts)
    pos = np.column_stack([np.interp(ts, vt, vertices[:, 0]), np.interp(ts, vt, vertices[:, 1])])
    pos += noise.normal(0, GPS_NOISE_M, (len(ts), 2))
    lonlat = place.lonlat(pos).round(7)
    inside = shapely.contains_xy(place.polygon, lonlat[:, 0], lonlat[:, 1])
    for i in np.flatnonzero(~inside):
        nearest = nearest_points(place.inner, shapely.Point(lonlat[i]))[0]
        lonlat[i] = (round(nearest.x, 7), round(nearest.y, 7))
    # Far enough to leave the grid whatever the direction: more than its bounding box's diagonal.
    minx, miny, maxx, maxy = place.polygon.bounds
    diagonal = math.hypot((maxx - minx) * place.kx, (maxy - miny) * place.ky)
    if flag == "speed":  # the phone's GPS jumps kilometres away for a minute or two, then back
        k = len(lonlat) // 2
        angle = r.uniform(0, 2 * math.pi)
        far = diagonal + r.uniform(700, 1300)
        lonlat[k : k + 3, 0] += far * math.cos(angle) / place.kx
        lonlat[k : k + 3, 1] += far * math.sin(angle) / place.ky
    elif flag == "outside":  # most of the walk somewhere else: rides off (an e-bike, 5 m/s), walks there, back
        angle = r.uniform(0, 2 * math.pi)
        away = diagonal + r.uniform(150, 400)
        ramp = math.ceil(away / (5.0 * POINT_EVERY_S))
        n = len(lonlat)
        a, b = n // 8, n * 7 // 8
        share = np.clip(np.minimum(np.arange(n) - a, b - np.arange(n)) / ramp, 0, 1)
        lonlat[:, 0] += share * away * math.cos(angle) / place.kx
        lonlat[:, 1] += share * away * math.sin(angle) / place.ky
    lonlat = lonlat.round(7)
    accuracy = noise.uniform(4, 15, len(ts)).round(1).tolist()
    utc = start.astimezone(dt.UTC)  # as the services read them back (a speed flag's time is written in it)
    points = [
        Point(utc + dt.timedelta(seconds=t), lon, lat, a)
        for t, (lon, lat), a in zip(ts.tolist(), lonlat.tolist(), accuracy, strict=True)
    ]
    plans = []
    for arrived, b in arrivals:
        moment = arrived + r.uniform(20, 90)
        near = min(int(np.searchsorted(ts, moment)), len(ts) - 1)  # the point at (or just after) the check-in
        lon, lat = points[near].lon, points[near].lat
        blon, blat = place.lonlat_of[b]
        building = place.ids[b]
        plans.append(
            CheckInPlan(
                _uuid(r), building, place.codes[b], start + dt.timedelta(seconds=round(moment)), lon, lat,
                r.choice(CHECKIN_NOTES), haversine_m(lon, lat, blon, blat),
            )
        )  # fmt: skip
    end = start + dt.timedelta(seconds=float(duration))
    return PatrolPlan(_uuid(r), worker, place.grid, start, end, points, ts.astype("int64"), plans, flag)


# --- the plan -----------------------------------------------------------------------------------------------------


def _local(day: dt.date, minutes: float) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI) + dt.timedelta(minutes=round(minutes))


@dataclass
class _Plan:
    now: dt.datetime
    today: dt.date
    patrols: list[PatrolPlan] = field(default_factory=list)
    #: Patrols written through the services (the demo worker's, and 冈头社区's on the latest patrol day).
    by_services: set[uuid.UUID] = field(default_factory=set)


def _plan_patrols(
    r: random.Random,
    places: list[_GridPlace],
    workers: dict[int, User],
    now: dt.datetime,
    showcase: str,
    services_grid: str,
) -> _Plan:
    local_now = timezone.localtime(now, SHANGHAI)
    today = local_now.date()
    plan = _Plan(now=now, today=today)
    # Latest patrol day: today if a patrol of at least 40 minutes from 08:00 ends 5 minutes before now.
    now_min = local_now.hour * 60 + local_now.minute
    latest = today if now_min >= 8 * 60 + 45 else today - dt.timedelta(days=1)
    # In the showcase (冈头社区), the second grid's patrol on the latest day jumps, the third's strays outside.
    shown = sorted(p.grid.code for p in places if p.grid.code.startswith(showcase))
    flag_of = dict(zip(shown[1:3], ("speed", "outside"), strict=False))
    for place in places:
        worker = workers[place.grid.pk]
        demo_community = place.grid.code.startswith(showcase)
        # How diligent this worker is: the share of working days with a patrol, and the share of the grid's
        # buildings on their usual round (the rest are never checked: coverage differs from grid to grid).
        if demo_community:
            diligence = r.uniform(0.75, 0.95)
            share = SHOWCASE_ROUTES[shown.index(place.grid.code) % len(SHOWCASE_ROUTES)]
        else:
            diligence = r.choice((0.95, 0.9, 0.85, 0.75, 0.6, 0.45, 0.3))
            share = r.choice((1.0, 0.9, 0.75, 0.6, 0.45, 0.3))
            if r.random() < 0.04:
                diligence = 0.05  # a nominal grid (挂名网格): on paper only
        place = place.route(r, share)
        for back in range(DAYS - 1, -1, -1):
            day = today - dt.timedelta(days=back)
            forced = demo_community and day == latest
            p = diligence if is_working_day(day) else diligence * 0.25
            if not forced and r.random() >= p:
                continue
            windows = [(8 * 60, 10 * 60 + 30)]
            if r.random() < 0.25:
                windows.append((14 * 60 + 30, 16 * 60))
            for lo, hi in windows:
                start = _local(day, r.uniform(lo, hi))
                minutes = r.uniform(45, 110)
                if day == today:
                    room = (local_now - start).total_seconds() / 60 - 5
                    if room < 40 and forced and lo == windows[0][0]:
                        start, room = _local(day, 8 * 60), now_min - 8 * 60 - 5
                    if room < 40:
                        continue
                    minutes = min(minutes, room)
                flag = ""
                if forced and lo == windows[0][0]:
                    flag = flag_of.get(place.grid.code, "")
                elif not demo_community:
                    x = r.random()
                    flag = "speed" if x < JUMP_RATE else "outside" if x < JUMP_RATE + OUTSIDE_RATE else ""
                checkins = max(1, round(r.uniform(2, 7) * min(1.0, diligence + 0.2)))
                patrol = walk(r, place, worker, start, minutes, checkins, flag)
                if patrol.ended_at > now:
                    continue
                plan.patrols.append(patrol)
                if place.grid.code == services_grid or forced:
                    plan.by_services.add(patrol.id)
    return plan


# --- writing ------------------------------------------------------------------------------------------------------


def _write_patrol_by_services(p: PatrolPlan) -> None:
    """As the phone app does: start, points in batches with the check-ins between them, stop."""
    services.start_patrol(by=p.worker, patrol_id=p.id, started_at=p.started_at, grid_code=p.grid.code)
    pending = sorted(p.checkins, key=lambda c: c.made_at)
    for i in range(0, len(p.points), FLUSH_EVERY):
        batch = p.points[i : i + FLUSH_EVERY]
        services.add_points(by=p.worker, patrol_id=p.id, points=batch)
        while pending and pending[0].made_at <= batch[-1].t:
            c = pending.pop(0)
            services.check_in(
                by=p.worker, checkin_id=c.id, building_code=c.building_code, made_at=c.made_at,
                lon=c.lon, lat=c.lat, patrol_id=p.id, note=c.note,
            )  # fmt: skip
    for c in pending:
        services.check_in(
            by=p.worker, checkin_id=c.id, building_code=c.building_code, made_at=c.made_at,
            lon=c.lon, lat=c.lat, patrol_id=p.id, note=c.note,
        )  # fmt: skip
    services.stop_patrol(by=p.worker, patrol_id=p.id, ended_at=p.ended_at)


def write_patrols(plans: Sequence[PatrolPlan]) -> None:
    """Patrols, their points and check-ins in bulk, as the services would write them (figures and flags from the
    same :func:`gridgov.fieldwork.track.figures`)."""
    rows: list[Patrol] = []
    checkins: list[CheckIn] = []
    points: list[tuple[Any, ...]] = []
    sqlite = connection.vendor == "sqlite"
    pk = Patrol._meta.pk
    assert pk is not None
    # In the order of the patrol ids: the track point indexes, which begin with the patrol's id, then grow at
    # their end (several times faster than random inserts).
    for p in sorted(plans, key=lambda p: p.id.hex):
        fig = figures(p.points, p.grid.boundary, started_at=p.started_at, ended_at=p.ended_at)
        patrol_id = pk.get_db_prep_value(p.id, connection)
        rows.append(
            Patrol(
                id=p.id, worker=p.worker, grid=p.grid, scope_code=p.grid.code, status=PatrolStatus.ENDED,
                started_at=p.started_at, ended_at=p.ended_at, distance_m=fig.distance_m,
                duration_s=fig.duration_s, points=fig.points,
                outside_share=fig.outside_share, flagged=fig.flagged, flags=fig.flags,
                track_from=fig.track_from, track_to=fig.track_to,
            )
        )  # fmt: skip
        if sqlite:  # what adapt_datetimefield_value() makes of each time (naive UTC text), in one go
            start = np.datetime64(p.started_at.astimezone(dt.UTC).replace(tzinfo=None), "s")
            times: list[Any] = np.char.replace(np.datetime_as_string(start + p.offsets), "T", " ").tolist()
        else:
            times = [pt.t for pt in p.points]
        points.extend((patrol_id, t, pt.lon, pt.lat, pt.accuracy_m) for t, pt in zip(times, p.points, strict=True))
        checkins.extend(
            CheckIn(
                id=c.id, patrol_id=p.id, worker=p.worker, building_id=c.building_id, scope_code=p.grid.code,
                made_at=c.made_at, lon=c.lon, lat=c.lat, distance_m=round(c.distance_m, 1), note=c.note,
            )
            for c in p.checkins
        )  # fmt: skip
    Patrol.objects.bulk_create(rows, batch_size=2000)
    _insert_points(points)
    CheckIn.objects.bulk_create(checkins, batch_size=2000)


def _insert_points(rows: list[tuple[Any, ...]]) -> None:
    """Track points with plain INSERTs (SQLite) or COPY (PostgreSQL); the database numbers them."""
    table = TrackPoint._meta.db_table
    columns = "patrol_id, t, lon, lat, accuracy_m"
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 50_000):
            chunk = rows[i : i + 50_000]
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s)", chunk)


def _received(grid_codes: list[str], visits: list[uuid.UUID]) -> None:
    """The phone sent everything as it happened: ``received_at`` at the patrol's start, the check-in, the visit."""
    Patrol.objects.filter(scope_code__in=grid_codes).update(received_at=F("started_at"))
    CheckIn.objects.filter(scope_code__in=grid_codes).update(received_at=F("made_at"))
    for i in range(0, len(visits), 500):
        Visit.objects.filter(pk__in=visits[i : i + 500]).update(received_at=F("made_at"))


# --- visits -------------------------------------------------------------------------------------------------------


@dataclass
class VisitPlan:
    id: uuid.UUID
    worker: User
    tag: PersonTag
    made_at: dt.datetime
    situation: str
    needs: str
    moves_due: bool  # a visit to an overdue person: moves last_visit_on and next_visit_due


def _visit_time(r: random.Random, day: dt.date, now: dt.datetime) -> dt.datetime | None:
    when = _local(day, r.uniform(9 * 60, 17 * 60 + 30))
    if when > now:
        when = _local(day, r.uniform(8 * 60 + 30, 9 * 60 + 30))
    return when if when <= now else None


def _plan_visits(r: random.Random, grids: list[Grid], workers: dict[int, User], now: dt.datetime) -> list[VisitPlan]:
    today = timezone.localtime(now, SHANGHAI).date()
    first = today - dt.timedelta(days=DAYS - 1)
    worker_of = {g.code: workers[g.pk] for g in grids if g.pk in workers}
    tags = (
        PersonTag.objects.current()
        .filter(scope_code__in=list(worker_of), responsible__isnull=False)
        .order_by("scope_code", "id")
    )
    plans = []
    for tag in tags:
        worker = worker_of[tag.scope_code]
        if tag.responsible_id != worker.pk:
            continue
        group = TAG_VISIT_GROUP.get(tag.kind, "care")
        days: list[tuple[dt.date, bool]] = []
        if tag.last_visit_on is not None and first <= tag.last_visit_on <= today:
            days.append((tag.last_visit_on, False))  # the visit that the registry's last visit date records
        if tag.next_visit_due < today and r.random() < OVERDUE_VISITED:
            # Overdue, and visited in the last days (after the last visit on record).
            earliest = max(tag.next_visit_due, (tag.last_visit_on or first) + dt.timedelta(days=1))
            day = max(earliest, today - dt.timedelta(days=r.randint(0, 3)))
            days.append((day, True))
        for day, moves in days:
            when = _visit_time(r, day, now)
            if when is None and moves:
                when = _visit_time(r, day - dt.timedelta(days=1), now)
            if when is None:
                continue
            plans.append(
                VisitPlan(_uuid(r), worker, tag, when, r.choice(VISIT_SITUATION[group]), r.choice(VISIT_NEEDS), moves)
            )
    return plans


def _write_visit_by_services(v: VisitPlan) -> None:
    services.record_visit(
        by=v.worker, visit_id=v.id, made_at=v.made_at, situation=v.situation, tag=v.tag, needs=v.needs
    )


def write_visits(plans: Sequence[VisitPlan]) -> None:
    """Visits in bulk, as ``record_visit`` writes them: the visit row, and the tag's last visit and next visit due
    moved when the visit is later than the last one."""
    scope = dict(Person.objects.filter(pk__in={v.tag.person_id for v in plans}).values_list("pk", "scope_code"))
    Visit.objects.bulk_create(
        [
            Visit(
                id=v.id, worker=v.worker, person_id=v.tag.person_id, tag=v.tag, scope_code=scope[v.tag.person_id],
                made_at=v.made_at, situation=v.situation, needs=v.needs,
            )
            for v in plans
        ],
        batch_size=2000,
    )  # fmt: skip
    moved = []
    for v in plans:
        day = timezone.localtime(v.made_at, SHANGHAI).date()
        tag = v.tag
        if tag.last_visit_on is None or day > tag.last_visit_on:
            tag.last_visit_on = day
            tag.next_visit_due = tag.compute_next_visit()
            moved.append(tag)
    PersonTag.objects.bulk_update(moved, ["last_visit_on", "next_visit_due"], batch_size=1000)


# --- tasks --------------------------------------------------------------------------------------------------------


def _dispatcher_of(grid: Grid) -> User | None:
    """The community's dispatcher, else the sub-district's."""
    for role, code in ((Role.COMMUNITY_DISPATCHER, grid.region_code), (Role.SUBDISTRICT_DISPATCHER, grid.code[:9])):
        row = RoleAssignment.objects.filter(role=role, region__code=code).select_related("user").order_by("id").first()
        if row is not None:
            return row.user
    return None


def _office_moment(r: random.Random, day: dt.date) -> dt.datetime:
    return _local(day, r.choice((r.uniform(8 * 60 + 40, 11 * 60 + 40), r.uniform(14 * 60 + 10, 17 * 60 + 10))))


def _recent_office_moment(r: random.Random, now: dt.datetime, lo: int, hi: int) -> dt.datetime:
    """A moment in office hours on a working day between ``lo`` and ``hi`` days before ``now``'s day, before now."""
    today = timezone.localtime(now, SHANGHAI).date()
    for _attempt in range(60):
        day = today - dt.timedelta(days=r.randint(lo, hi))
        moment = _office_moment(r, day)
        if is_working_day(day) and moment < now:
            return moment
        lo, hi = lo + 1, hi + 1
    return now - dt.timedelta(hours=1)


def _write_tasks(r: random.Random, grids: list[Grid], workers: dict[int, User], now: dt.datetime, showcase: str) -> int:
    """Tasks through the services (admission enforced by ``assign_task``), then their times moved back and the
    overdue sweep run."""
    categories = list(MatterCategory.objects.grid_assignable().exclude(parent=None).order_by("code"))
    if not categories:
        return 0
    dispatchers: dict[str, User | None] = {}
    states, weights = zip(*TASK_STATES, strict=True)
    written = 0
    #: Per task, when each of its notifications would have been sent (by verb).
    sent: dict[int, dict[str, dt.datetime]] = {}
    for grid in grids:
        worker = workers.get(grid.pk)
        if grid.region_code not in dispatchers:
            dispatchers[grid.region_code] = _dispatcher_of(grid)
        centre = dispatchers[grid.region_code]
        if worker is None or centre is None:
            continue
        if grid.code.startswith(showcase):
            wanted = list(states) + [r.choices(states, weights)[0] for _ in range(SHOWCASE_TASKS - len(states))]
        elif r.random() < OTHER_GRID_TASK_CHANCE:
            wanted = [r.choices(states, weights)[0]]
        else:
            continue
        for state in wanted:
            category = r.choice(categories)
            limit = category.limit("handle")
            assigned = _recent_office_moment(r, now, *TASK_AGE_DAYS[state])
            late = add_working_time(assigned, *limit) <= now
            if late != (state == "overdue"):  # an hours-limit matter is late within a day, a days-limit one not
                unit = "days" if late else "hours"
                others = [c for c in categories if c.limit("handle")[1] == unit]
                if others:
                    category = r.choice(others)
                    limit = category.limit("handle")
            due = add_working_time(assigned, *limit)
            titles = TASK_TITLES.get(category.code, (f"{category.name}专项工作",))
            task = services.assign_task(
                by=centre, category=category, kind=TASK_KIND_OF.get(category.kind, TaskKind.INSPECTION),
                title=r.choice(titles), grid=grid, assignee=worker,
                description=f"请于时限内完成{category.name}相关工作,并上传现场照片。",
            )  # fmt: skip
            if state in ("reported", "accepted", "redo"):
                latest = min(due, now) if state != "redo" else min(now, assigned + (due - assigned) / 2)
                reported = assigned + (latest - assigned) * r.uniform(0.3, 0.9)
                task = services.report_task(
                    by=worker, task=task, report=r.choice(TASK_REPORT) % {"n": r.randint(6, 40)}, reported_at=reported
                )
                if state == "accepted":
                    task = services.review_task(by=centre, task=task, accept=True)
                elif state == "redo":
                    task = services.review_task(by=centre, task=task, accept=False, note=REDO_NOTE)
                sent[task.pk] = {
                    "task_reported": reported,
                    "task_redo": min(now, reported + dt.timedelta(hours=r.uniform(1, 20))),
                }
            Task.objects.filter(pk=task.pk).update(assigned_at=assigned, due_at=due)
            sent.setdefault(task.pk, {}).update(task_assigned=assigned, task_overdue=due)
            written += 1
    services.sweep_overdue_tasks(now)
    _move_notifications(sent, now)
    return written


def _move_notifications(sent: dict[int, dict[str, dt.datetime]], now: dt.datetime) -> None:
    """The tasks' notifications carry the time the plan gives their event; those older than two days are read
    (as the cases' are)."""
    read_before = now - dt.timedelta(days=2)
    notes = list(
        Notification.objects.filter(
            target_content_type=ContentType.objects.get_for_model(Task), target_object_id__in=[str(k) for k in sent]
        )
    )
    for note in notes:
        when = sent[int(note.target_object_id)].get(note.verb)
        if when is not None:
            note.created_at = when
            note.read_at = when if when < read_before else None
    Notification.objects.bulk_update(notes, ["created_at", "read_at"], batch_size=500)


# --- the build ----------------------------------------------------------------------------------------------------


def _workers(grids: Iterable[Grid]) -> dict[int, User]:
    rows = (
        RoleAssignment.objects.filter(role=Role.GRID_WORKER, part_time=False, grid__in=list(grids))
        .select_related("user")
        .order_by("grid_id", "id")
    )
    out: dict[int, User] = {}
    for row in rows:
        assert row.grid_id is not None
        out.setdefault(row.grid_id, row.user)
    return out


def _places(grids: list[Grid], workers: dict[int, User]) -> list[_GridPlace]:
    by_grid: dict[int, list[tuple[int, str, float, float]]] = defaultdict(list)
    for b in (
        Building.objects.filter(grid__in=grids).order_by("code").values_list("id", "code", "lon", "lat", "grid_id")
    ):
        by_grid[b[4]].append(b[:4])
    return [_GridPlace.of(g, by_grid[g.pk]) for g in grids if g.pk in workers and by_grid[g.pk]]


def build_fieldwork(
    grids: Sequence[Grid] | None = None,
    *,
    now: dt.datetime | None = None,
    seed: int = FIELDWORK_SEED,
    showcase: str = DEMO_COMMUNITY,
    services_grid: str = DEMO_GRID,
    progress: Callable[[float], None] | None = None,
) -> FieldworkSummary:
    """Write the demo's field work in ``grids`` (default :func:`fieldwork_grids`) over the :data:`DAYS` days up
    to ``now``; call it inside the demo build's transaction, after the people and the cases. ``showcase`` (a
    region code prefix, default 冈头社区) gets patrols on the latest day, the two flagged ones and tasks in every
    state; ``services_grid`` (default the demo worker's) has all its field work written through the services."""
    started = time.monotonic()
    cpu: dict[str, float] = {}
    clock = time.process_time()

    def lap(name: str, share: float) -> None:
        nonlocal clock
        cpu[name] = round(time.process_time() - clock, 2)
        clock = time.process_time()
        if progress:
            progress(share)

    now = now or timezone.now()
    grids = sorted(
        (g for g in (fieldwork_grids() if grids is None else grids) if g.kind == GridKind.COMPREHENSIVE),
        key=lambda g: (not g.code.startswith(showcase), g.code),
    )
    workers = _workers(grids)
    plan = _plan_patrols(random.Random(seed), _places(grids, workers), workers, now, showcase, services_grid)
    lap("plan", 0.3)
    by_services = [p for p in plan.patrols if p.id in plan.by_services]
    for p in by_services:
        _write_patrol_by_services(p)
    lap("patrols_by_services", 0.1)
    write_patrols([p for p in plan.patrols if p.id not in plan.by_services])
    lap("patrols_in_bulk", 0.35)
    visits = _plan_visits(random.Random(seed + 1), grids, workers, now)
    via = [
        v
        for v in visits
        if v.tag.scope_code == services_grid or (v.moves_due and v.tag.scope_code.startswith(showcase))
    ]
    for v in via:
        _write_visit_by_services(v)
    via_ids = {v.id for v in via}
    write_visits([v for v in visits if v.id not in via_ids])
    lap("visits", 0.15)
    tasks = _write_tasks(random.Random(seed + 2), grids, workers, now, showcase)
    _received([g.code for g in grids], [v.id for v in visits])
    lap("tasks", 0.1)
    counts = {
        "grids": len(grids),
        "patrols": len(plan.patrols),
        "patrols_by_services": len(by_services),
        "flagged": sum(1 for p in plan.patrols if p.flag),
        "track_points": sum(len(p.points) for p in plan.patrols),
        "checkins": sum(len(p.checkins) for p in plan.patrols),
        "visits": len(visits),
        "visits_by_services": len(via),
        "tasks": tasks,
    }
    return FieldworkSummary(counts=counts, seconds=time.monotonic() - started, cpu=cpu)
