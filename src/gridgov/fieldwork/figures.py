"""Patrol figures per grid worker and per grid for a month or a day — the inputs of later assessment (考核).

- hours and distance: the sum over the period's patrols (by their start on the phone, Beijing time);
- days patrolled: distinct Beijing dates with a patrol;
- hours: the time each patrol's track covers (``gridgov.fieldwork.track``: gaps capped, inside the patrol's start
  and stop), never the phone's stop − start. Of two patrols of a worker whose tracks overlap, the later is flagged
  ``overlap`` (``services.patrols``), so the sum over a worker's unflagged patrols is the time of their union;
- buildings checked: distinct buildings with a check-in that counts — one with the phone's position within
  ``FIELDWORK_CHECKIN_RADIUS_M`` of the building, made during an unflagged patrol of the worker (between its start
  and its stop). A check-in without a position (no GPS fix), without a patrol, or outside its patrol's time is
  kept and shown, but does not count: otherwise a worker at home could "check" every building of the grid;
- households covered: the households of the buildings checked plus the households visited (a visit to a person
  counts for the person's current household), over the grid's total households: the coverage (巡查覆盖率);
- flagged patrols (impossible jumps, mostly outside the grid, a track missing for most of the stated time, an
  overlap with an earlier patrol) are counted separately and add nothing to the totals: neither their hours,
  distance, days, nor their check-ins.

Everything is a handful of grouped queries over the scoped querysets (``visible_to``), never a loop over patrols
or points. A user whose only role with field-work access is grid worker sees only their own figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from gridgov.accounts.models import User
from gridgov.accounts.roles import Role
from gridgov.accounts.scope import roles_of
from gridgov.registry.models import Household
from gridgov.territory.models import Grid

from .models import CheckIn, Patrol, Visit

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Roles that read other workers' field work (grid heads, centres, leaders, administrators).
OVERSEERS = frozenset(
    {
        Role.GRID_HEAD,
        Role.COMMUNITY_DISPATCHER,
        Role.SUBDISTRICT_DISPATCHER,
        Role.DISTRICT_DISPATCHER,
        Role.LEADER,
        Role.ADMINISTRATOR,
    }
)


def own_only(user: Any) -> bool:
    """True for a user who reaches field work only as a grid worker: they see their own records, not their
    colleagues' in the same grid."""
    if user.is_superuser:
        return False
    roles = roles_of(user)
    return not (roles & {r.value for r in OVERSEERS})


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[first day 00:00, first day of next month 00:00) in Beijing time, as aware datetimes."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=SHANGHAI)
    nxt = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=SHANGHAI)
    return start, nxt


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=SHANGHAI)
    return start, start + dt.timedelta(days=1)


@dataclass
class Figures:
    seconds: int = 0
    metres: float = 0.0
    patrols: int = 0
    days: int = 0
    buildings: int = 0
    households_covered: int = 0
    households_total: int = 0
    flagged: int = 0

    @property
    def hours(self) -> float:
        return round(self.seconds / 3600, 2)

    @property
    def km(self) -> float:
        return round(self.metres / 1000, 2)

    @property
    def coverage(self) -> float | None:
        """covered / total households, or None when the grid has no households on record."""
        if not self.households_total:
            return None
        return round(self.households_covered / self.households_total, 4)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours,
            "distance_km": self.km,
            "patrols": self.patrols,
            "days": self.days,
            "buildings_checked": self.buildings,
            "households_covered": self.households_covered,
            "households_total": self.households_total,
            "coverage": self.coverage,
            "flagged_patrols": self.flagged,
        }


@dataclass
class WorkerRow:
    worker: User
    grid: Grid
    figures: Figures


@dataclass
class GridRow:
    grid: Grid
    figures: Figures
    workers: int = 0


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    workers: list[WorkerRow] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)


def scoped_patrols(user: Any) -> QuerySet[Patrol]:
    qs = Patrol.objects.visible_to(user, "view")
    return qs.filter(worker=user) if own_only(user) else qs


def scoped_checkins(user: Any) -> QuerySet[CheckIn]:
    qs = CheckIn.objects.visible_to(user, "view")
    return qs.filter(worker=user) if own_only(user) else qs


def scoped_visits(user: Any) -> QuerySet[Visit]:
    qs = Visit.objects.visible_to(user, "view")
    return qs.filter(worker=user) if own_only(user) else qs


def counted_checkins() -> Q:
    """The check-ins that count: a position near the building, during an unflagged patrol (its start to its stop)."""
    return (
        Q(distance_m__isnull=False, distance_m__lte=settings.FIELDWORK_CHECKIN_RADIUS_M)
        & Q(patrol__flagged=False, made_at__gte=F("patrol__started_at"))
        & (Q(patrol__ended_at__isnull=True) | Q(made_at__lte=F("patrol__ended_at")))
    )


def _patrol_sums(patrols: QuerySet[Patrol], *group: str) -> QuerySet[Any]:
    ok = Q(flagged=False)
    return (
        patrols.order_by()
        .values(*group)
        .annotate(
            seconds=Sum("duration_s", filter=ok),
            metres=Sum("distance_m", filter=ok),
            n=Count("id", filter=ok),
            days=Count(TruncDate("started_at", tzinfo=SHANGHAI), filter=ok, distinct=True),
            flagged_n=Count("id", filter=Q(flagged=True)),
        )
    )


def _fill(fig: Figures, row: dict[str, Any]) -> None:
    fig.seconds = int(row["seconds"] or 0)
    fig.metres = float(row["metres"] or 0)
    fig.patrols = row["n"]
    fig.days = row["days"]
    fig.flagged = row["flagged_n"]


def compute(
    user: Any,
    start: dt.datetime,
    end: dt.datetime,
    *,
    grids: QuerySet[Grid] | None = None,
    worker: Any = None,
) -> Report:
    """Figures of the patrols, check-ins and visits ``user`` may see that started in [start, end), per worker
    (and grid) and per grid. ``grids`` narrows the grids (default: every current grid ``user`` may see);
    ``worker`` one worker."""
    grid_qs = (grids if grids is not None else Grid.objects.current()).filter(
        pk__in=Grid.objects.visible_to(user, "view").values("pk")
    )
    grid_ids = set(grid_qs.values_list("pk", flat=True))

    patrols = scoped_patrols(user).filter(started_at__gte=start, started_at__lt=end, grid_id__in=grid_ids)
    checkins = (
        scoped_checkins(user)
        .filter(made_at__gte=start, made_at__lt=end, building__grid_id__in=grid_ids)
        .filter(counted_checkins())
    )
    visits = scoped_visits(user).filter(made_at__gte=start, made_at__lt=end)
    if worker is not None:
        patrols, checkins, visits = (
            patrols.filter(worker=worker),
            checkins.filter(worker=worker),
            visits.filter(worker=worker),
        )

    by_worker: dict[tuple[int, int], Figures] = defaultdict(Figures)
    by_grid: dict[int, Figures] = defaultdict(Figures)
    for row in _patrol_sums(patrols, "worker_id", "grid_id"):
        _fill(by_worker[(row["worker_id"], row["grid_id"])], row)
    for row in _patrol_sums(patrols, "grid_id"):
        _fill(by_grid[row["grid_id"]], row)

    checked = checkins.order_by().values("worker_id", grid_id=F("building__grid_id"))
    for row in checked.annotate(n=Count("building_id", distinct=True)):
        by_worker[(row["worker_id"], row["grid_id"])].buildings = row["n"]
    for row in (
        checkins.order_by().values(grid_id=F("building__grid_id")).annotate(n=Count("building_id", distinct=True))
    ):
        by_grid[row["grid_id"]].buildings = row["n"]

    # Households covered: (worker, grid, household) triples from three sources, made distinct by UNION.
    in_grids = Household.objects.filter(grid_id__in=grid_ids).order_by()
    from_checkins = in_grids.filter(house__building__checkins__in=checkins).values_list(
        "house__building__checkins__worker_id", "grid_id", "id"
    )
    from_visits = in_grids.filter(visits__in=visits).values_list("visits__worker_id", "grid_id", "id")
    from_people = in_grids.filter(
        memberships__valid_to__isnull=True, memberships__person__visits__in=visits
    ).values_list("memberships__person__visits__worker_id", "grid_id", "id")
    covered_by_worker: dict[tuple[int, int], int] = defaultdict(int)
    covered_in_grid: dict[int, set[int]] = defaultdict(set)
    for worker_id, grid_id, household_id in from_checkins.union(from_visits, from_people):
        covered_by_worker[(worker_id, grid_id)] += 1
        covered_in_grid[grid_id].add(household_id)
    for key, n in covered_by_worker.items():
        by_worker[key].households_covered = n
    for grid_id, ids in covered_in_grid.items():
        by_grid[grid_id].households_covered = len(ids)

    totals = dict(in_grids.values("grid_id").annotate(n=Count("id")).values_list("grid_id", "n"))
    grid_objs = {g.pk: g for g in grid_qs.select_related("region")}
    users = {u.pk: u for u in User.objects.filter(pk__in={w for w, _g in by_worker})}
    workers_per_grid: dict[int, int] = defaultdict(int)
    report = Report(start=start, end=end)
    for (worker_id, grid_id), fig in sorted(by_worker.items(), key=lambda kv: (grid_objs[kv[0][1]].code, kv[0][0])):
        fig.households_total = totals.get(grid_id, 0)
        report.workers.append(WorkerRow(worker=users[worker_id], grid=grid_objs[grid_id], figures=fig))
        workers_per_grid[grid_id] += 1
    shown = grid_ids if worker is None else {g for _w, g in by_worker}
    for grid_id in sorted(shown, key=lambda pk: grid_objs[pk].code):
        fig = by_grid[grid_id]
        fig.households_total = totals.get(grid_id, 0)
        report.grids.append(GridRow(grid=grid_objs[grid_id], figures=fig, workers=workers_per_grid[grid_id]))
    return report


def for_month(user: Any, month: dt.date, **kwargs: Any) -> Report:
    return compute(user, *month_bounds(month), **kwargs)


def for_day(user: Any, day: dt.date, **kwargs: Any) -> Report:
    return compute(user, *day_bounds(day), **kwargs)
