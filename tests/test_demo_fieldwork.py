"""The demo's field work (``gridgov.demo.fieldwork``), built into the four grids of the mini city's 桥东街道 (a small
demo: the grids get buildings, houses, residents, workers and the matter list first). 街道 441302001 is the
showcase (patrols on the latest day, the two flagged patrols, tasks in every state) and the worker's grid
441302001001001 is written through the services, as 冈头社区 and the demo worker's grid are in the full demo."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import shapely
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client

from gridgov.accounts.roles import Role
from gridgov.core.models import Notification
from gridgov.demo.build import delete_demo
from gridgov.demo.fieldwork import (
    DAYS,
    POINT_EVERY_S,
    VisitPlan,
    _places,
    _write_patrol_by_services,
    _write_visit_by_services,
    build_fieldwork,
    fieldwork_counts,
    walk,
    write_patrols,
    write_visits,
)
from gridgov.demo.people import build_people
from gridgov.fieldwork import figures as fig
from gridgov.fieldwork.models import OPEN_TASK_STATUSES, CheckIn, Patrol, Task, TaskStatus, TrackPoint, Visit
from gridgov.matters.loader import load_matter_list
from gridgov.matters.models import MatterCategory
from gridgov.matters.services import assert_grid_assignable
from gridgov.registry.models import PersonTag
from gridgov.territory.models import Building, BuildingKind, Grid, House

from .factories import MiniCity

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: A Friday afternoon, and the same day before anyone is out.
NOW = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SHANGHAI)
EARLY = dt.datetime(2026, 11, 27, 7, 30, tzinfo=SHANGHAI)
GRIDS = ("441302001001001", "441302001001002", "441302001002001", "441302001002002")
SHOWCASE = "441302001"
SERVICES_GRID = GRIDS[0]


def _populate(city: MiniCity) -> None:
    """Seven residential buildings of twelve homes in each grid, a worker per grid, the second community's
    dispatcher, the matter list, and residents (with tags and visits due)."""
    rng = np.random.default_rng(7)
    for code in GRIDS:
        grid = city.grids[code]
        boundary = grid.boundary
        assert boundary is not None
        minx, miny, maxx, maxy = boundary.bounds
        for n in range(2, 9):
            lon = float(rng.uniform(minx + 0.001, maxx - 0.001))
            lat = float(rng.uniform(miny + 0.001, maxy - 0.001))
            b = Building.objects.create(
                code=f"{code}{n:05d}", grid=grid, name=f"{n}栋", kind=BuildingKind.RESIDENTIAL, lon=lon, lat=lat,
                floors=6, households=12,
            )  # fmt: skip
            House.objects.bulk_create([House(building=b, number=f"{i // 2 + 1}0{i % 2 + 1}") for i in range(12)])
    for code in GRIDS[1:]:
        city.grant(f"gw{code}", Role.GRID_WORKER, grid=code)
    city.grant("community2", Role.COMMUNITY_DISPATCHER, region="441302001002")
    load_matter_list()
    build_people([city.grids[c] for c in GRIDS], today=NOW.date())


def _build(city: MiniCity, now: dt.datetime = NOW) -> dict[str, int]:
    with time_machine.travel(now, tick=False):
        summary = build_fieldwork(
            [city.grids[c] for c in GRIDS], now=now, showcase=SHOWCASE, services_grid=SERVICES_GRID
        )
    return summary.counts


@pytest.fixture
def populated(city: MiniCity) -> MiniCity:
    with time_machine.travel(NOW, tick=False):
        _populate(city)
    return city


@pytest.fixture
def built(populated: MiniCity) -> MiniCity:
    _build(populated)
    return populated


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def _grid_shapes() -> dict[int, Any]:
    return {g.pk: g.boundary for g in Grid.objects.filter(code__in=GRIDS)}


# --- patrols ---------------------------------------------------------------------------------------------------------


def test_patrols_cover_the_month_and_today_in_working_hours_and_end_before_now(built: MiniCity) -> None:
    patrols = list(Patrol.objects.filter(scope_code__in=GRIDS))
    days = {_local_day(p.started_at) for p in patrols}
    assert NOW.date() in days
    first = NOW.date() - dt.timedelta(days=DAYS - 1)
    assert min(days) >= first and len(days) >= 20
    for p in patrols:
        assert p.status == "ended" and p.ended_at is not None
        assert p.started_at < p.ended_at <= NOW
        start, end = p.started_at.astimezone(SHANGHAI), p.ended_at.astimezone(SHANGHAI)
        assert dt.time(8) <= start.time() and end.time() <= dt.time(18, 30)
        assert 20 * 60 <= p.duration_s <= 3 * 3600
    # A worker's patrols never overlap (two at once would be one walk counted twice).
    spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for p in patrols:
        assert p.ended_at is not None
        spans.setdefault(p.worker_id, []).append((p.started_at, p.ended_at))
    for worker_spans in spans.values():
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(sorted(worker_spans)))
    # Every grid's worker patrols, and nobody patrols a grid that is not theirs.
    assert {p.scope_code for p in patrols} == set(GRIDS)
    assert all(p.worker.role_assignments.filter(role=Role.GRID_WORKER, grid=p.grid).exists() for p in patrols)


def test_a_track_is_a_walk_with_a_point_every_half_minute(built: MiniCity) -> None:
    for p in Patrol.objects.filter(scope_code__in=GRIDS, flagged=False)[:40]:
        rows = list(p.track.order_by("t").values_list("t", "lon", "lat"))
        assert len(rows) == p.points > 50
        gaps = [(b[0] - a[0]).total_seconds() for a, b in itertools.pairwise(rows)]
        assert max(gaps) <= POINT_EVERY_S + 6 and min(gaps) > 0
        # Walking: about a metre a second, taking the pauses at the buildings into account.
        speed = p.distance_m / p.duration_s
        assert 0.3 < speed < 1.6, speed


def test_every_point_lies_inside_its_grid_unless_the_patrol_is_flagged(built: MiniCity) -> None:
    shapes = _grid_shapes()
    kinds: set[str] = set()
    for p in Patrol.objects.filter(scope_code__in=GRIDS):
        pts = np.array(list(p.track.values_list("lon", "lat")))
        inside = shapely.contains_xy(shapes[p.grid_id], pts[:, 0], pts[:, 1])
        assert p.flagged == (not inside.all()), p.pk
        assert bool(p.flags) == p.flagged
        kinds.update(f["kind"] for f in p.flags)
    assert kinds == {"speed", "outside"}


def test_the_latest_day_shows_a_jumping_patrol_and_one_outside_the_grid(built: MiniCity) -> None:
    today = Patrol.objects.filter(scope_code__in=GRIDS, started_at__gte=NOW.replace(hour=0))
    flagged = {p.scope_code: {f["kind"] for f in p.flags} for p in today if p.flagged}
    assert flagged == {GRIDS[1]: {"speed"}, GRIDS[2]: {"outside"}}
    assert today.filter(flagged=False).exists()


def test_check_ins_are_at_buildings_of_the_grid_during_the_patrol(built: MiniCity) -> None:
    checkins = list(CheckIn.objects.filter(scope_code__in=GRIDS).select_related("patrol", "building"))
    assert len(checkins) >= Patrol.objects.filter(scope_code__in=GRIDS).count()
    for c in checkins:
        assert c.patrol is not None and c.building.grid_id == c.patrol.grid_id
        assert c.patrol.started_at <= c.made_at <= (c.patrol.ended_at or NOW)
        if not c.patrol.flagged:
            assert c.distance_m is not None and c.distance_m < 60


def test_the_worker_s_grid_and_the_latest_day_are_written_through_the_services(populated: MiniCity) -> None:
    counts = _build(populated)
    assert counts["patrols_by_services"] >= Patrol.objects.filter(scope_code=SERVICES_GRID).count() > 15
    assert counts["visits_by_services"] > 0
    assert counts["patrols"] == Patrol.objects.filter(scope_code__in=GRIDS).count()


# --- bulk rows are the services' rows -----------------------------------------------------------------------------


def _rolled_back(write: Callable[[], object], snapshot: Callable[[], Any]) -> Any:
    with transaction.atomic():
        write()
        snap = snapshot()
        transaction.set_rollback(True)
    return snap


@pytest.mark.parametrize("flag", ["", "speed", "outside"])
def test_a_bulk_patrol_is_the_patrol_the_services_write(populated: MiniCity, flag: str) -> None:
    grid = populated.grids[SERVICES_GRID]
    worker = populated.users["worker"]
    (place,) = _places([grid], {grid.pk: worker})
    start = dt.datetime(2026, 11, 25, 9, 12, tzinfo=SHANGHAI)
    plan = walk(random.Random(3), place, worker, start, 80, 5, flag)
    assert plan.checkins

    def snapshot() -> Any:
        patrol = Patrol.objects.filter(pk=plan.id).values().get()
        points = list(
            TrackPoint.objects.filter(patrol_id=plan.id).order_by("t").values_list("t", "lon", "lat", "accuracy_m")
        )
        checkins = list(CheckIn.objects.filter(patrol_id=plan.id).order_by("made_at").values())
        return patrol, points, checkins

    with time_machine.travel(NOW, tick=False):
        by_services = _rolled_back(lambda: _write_patrol_by_services(plan), snapshot)
        in_bulk = _rolled_back(lambda: write_patrols([plan]), snapshot)
    assert by_services == in_bulk
    assert by_services[0]["flagged"] == bool(flag)
    assert len(by_services[1]) == len(plan.points) and len(by_services[2]) == len(plan.checkins)


@pytest.mark.parametrize("overdue", [False, True])
def test_a_bulk_visit_is_the_visit_the_services_write(populated: MiniCity, overdue: bool) -> None:
    worker = populated.users["worker"]
    today = NOW.date()
    tags = PersonTag.objects.current().filter(scope_code=SERVICES_GRID, responsible=worker).order_by("id")
    tag = (tags.filter(next_visit_due__lt=today) if overdue else tags.filter(last_visit_on__lt=today)).first()
    assert tag is not None
    day = today - dt.timedelta(days=1) if overdue else tag.last_visit_on
    assert day is not None
    plan = VisitPlan(
        uuid.uuid4(), worker, tag, dt.datetime.combine(day, dt.time(10, 5), SHANGHAI), "本人在家,无异常。", "", overdue
    )

    def snapshot() -> Any:
        visit = Visit.objects.filter(pk=plan.id).values().get()
        return visit, PersonTag.objects.filter(pk=tag.pk).values().get()

    with time_machine.travel(NOW, tick=False):
        by_services = _rolled_back(lambda: _write_visit_by_services(plan), snapshot)
        tag.refresh_from_db()
        in_bulk = _rolled_back(lambda: write_visits([dataclasses.replace(plan, tag=tag)]), snapshot)
    assert by_services == in_bulk
    if overdue:
        assert by_services[1]["last_visit_on"] == day and by_services[1]["next_visit_due"] > today


# --- visits ----------------------------------------------------------------------------------------------------------


def test_visits_record_the_last_visits_and_move_some_overdue_people_leaving_others_overdue(populated: MiniCity) -> None:
    tags = PersonTag.objects.current().filter(scope_code__in=GRIDS)
    overdue_before = set(tags.filter(next_visit_due__lt=NOW.date()).values_list("pk", flat=True))
    assert len(overdue_before) >= 4
    _build(populated)
    today = NOW.date()
    first = today - dt.timedelta(days=DAYS - 1)
    visits = list(Visit.objects.filter(scope_code__in=GRIDS).select_related("tag"))
    assert visits
    recorded = {(v.tag_id, _local_day(v.made_at)) for v in visits}
    for v in visits:
        assert v.tag is not None and v.person_id == v.tag.person_id and v.worker_id == v.tag.responsible_id
        assert first <= _local_day(v.made_at) and v.made_at <= NOW
        assert v.tag.last_visit_on is not None and v.tag.last_visit_on >= _local_day(v.made_at)
    # Each last visit in the period has its visit record.
    for pk, last in tags.filter(last_visit_on__gte=first).values_list("pk", "last_visit_on"):
        assert (pk, last) in recorded
    overdue_after = set(tags.filter(next_visit_due__lt=today).values_list("pk", flat=True))
    assert overdue_after < overdue_before and overdue_after


# --- tasks -----------------------------------------------------------------------------------------------------------


def test_tasks_are_for_admitted_matters_in_every_state(populated: MiniCity) -> None:
    # A matter taken off the grid workers' list before the build is never assigned.
    withdrawn = MatterCategory.objects.grid_assignable().exclude(parent=None).order_by("code").first()
    assert withdrawn is not None
    MatterCategory.objects.filter(pk=withdrawn.pk).update(grid_assignable=False)
    _build(populated)
    tasks = list(Task.objects.filter(scope_code__in=GRIDS).select_related("category", "grid"))
    assert tasks and withdrawn.pk not in {t.category_id for t in tasks}
    for t in tasks:
        assert_grid_assignable(t.category)
        assert t.assignee.role_assignments.filter(role=Role.GRID_WORKER, grid=t.grid).exists()
        assert t.assigned_at <= NOW and t.assigned_at < t.due_at
        if t.status in OPEN_TASK_STATUSES:
            assert t.overdue == (t.due_at < NOW)
        if t.status != TaskStatus.ASSIGNED:
            assert t.report and t.reported_at is not None and t.assigned_at <= t.reported_at <= NOW
    states = {t.status for t in tasks}
    assert {TaskStatus.ASSIGNED, TaskStatus.REPORTED, TaskStatus.ACCEPTED, TaskStatus.REDO} <= states
    assert any(t.overdue and t.status in OPEN_TASK_STATUSES for t in tasks)
    assert any(not t.overdue and t.status == TaskStatus.ASSIGNED for t in tasks)
    assert {t.assigned_by.username for t in tasks} == {"community", "community2"}
    # Their notifications (assigned, reported, sent back, overdue) carry the times of the events, not the build's.
    notes = Notification.objects.filter(
        target_content_type=ContentType.objects.get_for_model(Task), target_object_id__in=[str(t.pk) for t in tasks]
    )
    assert {"task_assigned", "task_reported", "task_redo", "task_overdue"} <= set(notes.values_list("verb", flat=True))
    assigned_at = {str(t.pk): t.assigned_at for t in tasks}
    for note in notes:
        assert note.created_at <= NOW and note.created_at >= assigned_at[note.target_object_id]
        assert (note.read_at is not None) == (note.created_at < NOW - dt.timedelta(days=2))


# --- the centre's figures and pages ---------------------------------------------------------------------------------


def test_the_figures_of_the_month_and_the_day_are_not_zero(built: MiniCity) -> None:
    with time_machine.travel(NOW, tick=False):
        month = fig.for_month(built.users["subdistrict"], NOW.date().replace(day=1))
        day = fig.for_day(built.users["community"], NOW.date())
    rows = {r.grid.code: r.figures for r in month.grids}
    assert set(GRIDS) <= set(rows)
    for code in GRIDS:
        f = rows[code]
        assert f.hours > 5 and f.km > 5 and f.days >= 10 and f.buildings >= 3
        assert f.coverage is not None and 0 < f.coverage <= 1
    assert sum(r.figures.flagged for r in month.grids) >= 2
    # A worker whose only patrol of the day is flagged has no hours: a flagged patrol is counted apart.
    assert any(r.figures.hours > 0 for r in day.workers)
    assert all(r.figures.hours > 0 or r.figures.flagged for r in day.workers)


def _get(user: Any, url: str, at: dt.datetime) -> Any:
    client = Client()
    client.force_login(user)
    with time_machine.travel(at, tick=False):
        return client.get(url)


def test_the_tracks_and_coverage_pages_show_the_demo_field_work(built: MiniCity) -> None:
    community = built.users["community"]
    tracks = _get(community, "/field/", NOW + dt.timedelta(minutes=5))
    assert tracks.status_code == 200 and tracks.context["day"] == NOW.date()
    assert len(tracks.context["patrols"]) >= 2 and tracks.context["flagged_total"] >= 1
    assert all(p["latlngs"] for p in tracks.context["map_config"]["patrols"])
    coverage = _get(community, "/field/coverage/", NOW + dt.timedelta(minutes=5))
    assert coverage.status_code == 200
    assert all(row.figures.coverage for row, _shade in coverage.context["grid_rows"])


def test_before_anyone_is_out_the_tracks_page_opens_on_the_latest_day_with_patrols(populated: MiniCity) -> None:
    _build(populated, EARLY)
    today = EARLY.date()
    assert not Patrol.objects.filter(started_at__gte=EARLY.replace(hour=0)).exists()
    assert Patrol.objects.filter(started_at__gte=EARLY.replace(hour=0) - dt.timedelta(days=1)).exists()
    community = populated.users["community"]
    page = _get(community, "/field/", EARLY)
    assert page.context["day"] == today - dt.timedelta(days=1) and page.context["patrols"]
    assert "今天还没有巡查记录" in page.content.decode()
    asked = _get(community, f"/field/?day={today}", EARLY)
    assert asked.context["day"] == today and not asked.context["patrols"]
    assert "今天还没有巡查记录" not in asked.content.decode()


def test_a_grid_worker_opens_on_their_own_latest_patrol(populated: MiniCity) -> None:
    _build(populated, EARLY)
    worker = populated.users["worker"]
    page = _get(worker, "/field/", EARLY)
    assert page.context["patrols"] and {p.worker_id for p in page.context["patrols"]} == {worker.pk}


# --- the same every time, and deleted with the demo ------------------------------------------------------------------


def _snapshot() -> list[Any]:
    return [
        sorted(Patrol.objects.filter(scope_code__in=GRIDS).values_list("id", "started_at", "distance_m", "flagged")),
        TrackPoint.objects.filter(patrol__scope_code__in=GRIDS).count(),
        sorted(CheckIn.objects.filter(scope_code__in=GRIDS).values_list("id", "building_id", "made_at")),
        sorted(Visit.objects.filter(scope_code__in=GRIDS).values_list("id", "tag_id", "made_at")),
        sorted(Task.objects.filter(scope_code__in=GRIDS).values_list("title", "status", "assigned_at", "overdue")),
    ]


def test_the_field_work_is_the_same_every_time(populated: MiniCity) -> None:
    first = _rolled_back(lambda: _build(populated), _snapshot)
    second = _rolled_back(lambda: _build(populated), _snapshot)
    assert first == second and first[0]


def test_deleting_the_demo_deletes_its_field_work(built: MiniCity) -> None:
    task_ids = [str(pk) for pk in Task.objects.values_list("pk", flat=True)]
    about_tasks = Notification.objects.filter(
        target_content_type=ContentType.objects.get_for_model(Task), target_object_id__in=task_ids
    )
    assert about_tasks.exists()
    delete_demo()
    assert fieldwork_counts("4413") == {"patrols": 0, "track_points": 0, "checkins": 0, "visits": 0, "tasks": 0}
    assert not about_tasks.exists()
    assert not Grid.objects.filter(code__in=GRIDS).exists()
