"""Patrol figures per worker and per grid for a month and a day, on constructed data with known answers: hours,
distance, days patrolled (Beijing dates), buildings checked, households covered over the grid's households,
flagged patrols counted apart and not in the totals; scope (a grid worker sees only their own, an outsider
nothing); a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from gridgov.fieldwork import figures
from gridgov.fieldwork.services import add_points, start_patrol, stop_patrol
from gridgov.fieldwork.track import Point

from .case_factories import CaseCity
from .fieldwork_centre_factories import G1, G2, MARCH, bj, build_field_data


@pytest.fixture
def data(cc: CaseCity) -> Any:
    return build_field_data(cc)


def rows_by_user(report: figures.Report) -> dict[tuple[str, str], figures.Figures]:
    return {(r.worker.username, r.grid.code): r.figures for r in report.workers}


def grid_row(report: figures.Report, code: str) -> figures.Figures:
    return next(r.figures for r in report.grids if r.grid.code == code)


def test_a_workers_month_has_known_hours_distance_days_buildings_and_coverage(cc: CaseCity, data: Any) -> None:
    report = figures.for_month(cc.users["community"], MARCH)
    mine = rows_by_user(report)[("worker", G1)]
    assert mine.hours == 3.5
    assert mine.km == 5.0
    assert mine.patrols == 3
    assert mine.days == 2  # 2 and 4 March in Beijing (the 07:00 patrol is still 1 March in UTC)
    assert mine.buildings == 1  # the far check-in and the flagged patrol's check-in do not count
    assert (mine.households_covered, mine.households_total) == (3, 5)  # H1, H2 by check-in; H4 by visit
    assert mine.coverage == 0.6
    assert mine.flagged == 1


def test_a_flagged_patrol_adds_nothing_to_the_totals(cc: CaseCity, data: Any) -> None:
    before = rows_by_user(figures.for_month(cc.users["community"], MARCH))[("worker", G1)]
    data.patrols["flagged"].flagged = False
    data.patrols["flagged"].save()
    after = rows_by_user(figures.for_month(cc.users["community"], MARCH))[("worker", G1)]
    assert (after.hours, after.km, after.days, after.flagged) == (8.5, 14.0, 3, 0)
    assert (before.hours, before.km, before.days, before.flagged) == (3.5, 5.0, 2, 1)
    assert after.buildings == 2  # the check-in made in it now counts: B2
    assert after.households_covered == 5


def test_the_grids_month_sums_its_workers_and_counts_households_once(cc: CaseCity, data: Any) -> None:
    report = figures.for_month(cc.users["community"], MARCH)
    other = rows_by_user(report)[("worker2", G1)]
    assert (other.hours, other.km, other.days, other.buildings) == (1.0, 2.0, 1, 1)
    assert (other.households_covered, other.coverage) == (3, 0.6)  # H3, H4, H5
    grid = grid_row(report, G1)
    assert (grid.hours, grid.km, grid.patrols, grid.days, grid.buildings) == (4.5, 7.0, 4, 3, 2)
    assert (grid.households_covered, grid.households_total, grid.coverage) == (5, 5, 1.0)  # H4 counted once
    assert grid.flagged == 1
    neighbour = grid_row(report, G2)
    assert (neighbour.hours, neighbour.households_total, neighbour.coverage) == (1.0, 0, None)
    # Every grid in the user's scope is listed, patrolled or not.
    assert {r.grid.code for r in report.grids} == {G1, G2}


def test_a_day_counts_only_that_beijing_day(cc: CaseCity, data: Any) -> None:
    mine = rows_by_user(figures.for_day(cc.users["community"], dt.date(2026, 3, 2)))[("worker", G1)]
    assert (mine.hours, mine.km, mine.patrols, mine.days, mine.buildings) == (3.0, 4.5, 2, 1, 1)
    assert mine.households_covered == 2  # H1, H2; the visits were on 4 March
    first = rows_by_user(figures.for_day(cc.users["community"], dt.date(2026, 3, 1)))
    assert ("worker", G1) not in first  # 07:00 on 2 March in Beijing is not 1 March


def test_the_month_bounds_are_beijing_months() -> None:
    start, end = figures.month_bounds(dt.date(2026, 12, 15))
    assert start.isoformat() == "2026-12-01T00:00:00+08:00"
    assert end.isoformat() == "2027-01-01T00:00:00+08:00"


def test_a_grid_worker_sees_only_their_own_figures(cc: CaseCity, data: Any) -> None:
    report = figures.for_month(cc.users["worker"], MARCH)
    assert set(rows_by_user(report)) == {("worker", G1)}
    grid = grid_row(report, G1)
    assert (grid.hours, grid.households_covered) == (3.5, 3)  # worker2's patrol is not theirs to see
    assert figures.own_only(cc.users["worker"])
    assert not figures.own_only(cc.users["head"])
    head = figures.for_month(cc.users["head"], MARCH)
    assert set(rows_by_user(head)) == {("worker", G1), ("worker2", G1)}


def test_an_outsider_sees_no_figures_of_other_districts(cc: CaseCity, data: Any) -> None:
    report = figures.for_month(cc.users["outsider"], MARCH)
    assert report.workers == []
    assert {r.grid.code for r in report.grids} == {"441303001001001"}
    assert grid_row(report, "441303001001001").hours == 0


def test_a_patrol_made_through_the_services_is_counted_with_its_track_distance(cc: CaseCity, data: Any) -> None:
    worker = cc.users["worker"]
    patrol_id = uuid.uuid4()
    t0 = bj(3, 14)  # a day without other patrols of the worker, before the clock's now (4 March 10:00)
    start_patrol(by=worker, patrol_id=patrol_id, started_at=t0)
    add_points(
        by=worker,
        patrol_id=patrol_id,
        points=[Point(t0 + dt.timedelta(seconds=30 * i), 114.401 + 0.0002 * i, 23.105, 5.0) for i in range(61)],
    )
    patrol = stop_patrol(by=worker, patrol_id=patrol_id, ended_at=t0 + dt.timedelta(minutes=30))
    mine = rows_by_user(figures.for_day(cc.users["community"], dt.date(2026, 3, 3)))[("worker", G1)]
    assert mine.hours == 0.5
    assert mine.km == round(patrol.distance_m / 1000, 2)
    assert 1.2 < mine.km < 1.25  # 60 steps of 0.0002° at 23.1°N: about 1227 m


def test_the_figures_take_a_fixed_number_of_queries(
    cc: CaseCity, data: Any, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(12):
        figures.for_month(cc.users["community"], MARCH)
