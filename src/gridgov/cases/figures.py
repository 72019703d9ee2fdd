"""Figures for dashboards and assessment (考核): per unit and per region, for a period ``[start, end)``.

These selectors are the *definitions*. DESIGN says dashboards read rollup tables maintained incrementally; those
rollups are not built yet, and when they are they must reproduce exactly what these functions compute (a test that
compares the two on the demo city is the way to keep them honest). Each figure is computed with a handful of
aggregate queries over ``Case`` and its timeline (``CaseEvent``), never with a Python loop over cases.

Definitions (a rate is ``None`` when its denominator is 0):

* **response rate** (响应率) — of the cases *dispatched* in the period (a ``dispatch`` row in the period; for a unit,
  dispatched to that unit), the share the unit signed for (签收) within the sign limit: a ``sign`` row by that unit
  and no overdue flag frozen on the case's sign stage. The flag is kept per case and stage (``overdue_stages``), so
  a case returned late and signed in time on its second dispatch counts as late.
* **resolution rate** (办结率) — of the cases *accepted* in the period (region: an ``accept`` row, or a grid
  worker's ``self_settle`` straight from "reported"; unit: a ``sign`` row by that unit), the share that are now
  handled or closed (status "to verify" or "closed"; for a unit, still its case).
* **satisfaction rate** (满意率) — of the cases rated in the period (``rated_at``), the share rated satisfied or
  basically satisfied (for a unit: cases whose current unit it is).
* **on-time rate** (按时率) — of the stages finished in the period (a row that moves the case out of a stage's
  status, or an escalation, which restarts the clock), the share whose stage carries no overdue flag. For a unit,
  the stages it is responsible for: signing (its ``sign`` and ``return`` rows) and handling (``handle`` rows on
  its cases).
* **share resolved at each tier** (各层级化解占比) — of the cases closed in the period (``closed_at``, status
  closed), the share at each ``current_tier`` (the tier at close: verification does not move the tier).
* **whistle rate** (吹哨率) — of the accepted cases (as above), the share on which units were summoned (吹哨). For
  a unit also: how many times it was summoned in the period and how many of those report-ins were late.
* **returns** (退回) and **redos** (重办: ``redo`` after verification and ``reopen`` after a dissatisfied rating) —
  timeline rows in the period (for a unit: its returns; redos of its cases).

Scope: :func:`figures_for_region` and :func:`figures_for_unit` take the user and answer ``Http404`` — the same as
"no such region" — when the region (or unit) is outside what the user may see of cases.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from gridgov.accounts.scope import scope_for
from gridgov.core.regioncodes import scope_prefix
from gridgov.territory.models import Region
from gridgov.units.models import TIER_ORDER, Unit

from .models import Case, CaseEvent, CaseSummons, Rating
from .workflow import STAGE_OF_STATUS, Status

__all__ = ["Figures", "figures_for_region", "figures_for_unit", "region_figures", "unit_figures"]

LOCAL = ZoneInfo("Asia/Shanghai")

#: Statuses of each stage (routing an accepted or returned case is the dispatch stage).
STAGE_STATUSES: dict[str, list[str]] = {}
for _status, _stage in STAGE_OF_STATUS.items():
    STAGE_STATUSES.setdefault(str(_stage), []).append(str(_status))

RESOLVED_STATUSES = (Status.TO_VERIFY, Status.CLOSED)
GOOD_RATINGS = (Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


@dataclass(frozen=True)
class Figures:
    """What one unit or region did in ``[start, end)``; counts and the rates made from them."""

    start: datetime.datetime
    end: datetime.datetime
    dispatched: int = 0
    signed_in_time: int = 0
    accepted: int = 0
    resolved: int = 0
    rated: int = 0
    satisfied: int = 0
    stages_finished: int = 0
    stages_on_time: int = 0
    closed: int = 0
    closed_by_tier: dict[str, int] = field(default_factory=dict)
    whistled: int = 0
    returns: int = 0
    redos: int = 0
    #: Units only: summonses of this unit in the period, and how many of them it reported in late to.
    summoned: int = 0
    summons_late: int = 0

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.signed_in_time, self.dispatched)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.rated)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.stages_on_time, self.stages_finished)

    @property
    def whistle_rate(self) -> float | None:
        return self._rate(self.whistled, self.accepted)

    @property
    def tier_share(self) -> dict[str, float]:
        """Tier → share of the period's closed cases closed at that tier (every tier present, in tier order)."""
        if not self.closed:
            return {}
        return {str(t): self.closed_by_tier.get(str(t), 0) / self.closed for t in TIER_ORDER}


# --- the period -----------------------------------------------------------------------------------------------


def _moment(value: datetime.date | datetime.datetime) -> datetime.datetime:
    """A date means its midnight in Asia/Shanghai; a naive datetime is read as Shanghai time."""
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=LOCAL)
    return datetime.datetime.combine(value, datetime.time(), tzinfo=LOCAL)


def _period(start: Any, end: Any) -> tuple[datetime.datetime, datetime.datetime]:
    s, e = _moment(start), _moment(end)
    if e <= s:
        raise ValueError("end must be after start")
    return s, e


# --- the shared computation ----------------------------------------------------------------------------------


def _late_q(prefix: str = "") -> Q:
    """The event's stage carries an overdue flag on its case (``prefix`` leads from the row to the case)."""
    q = Q(pk__in=[])
    for stage, statuses in STAGE_STATUSES.items():
        q |= Q(from_status__in=statuses, **{f"{prefix}overdue_stages__{stage}": True})
    return q


def _stage_finish_q() -> Q:
    stage_statuses = sorted(STAGE_OF_STATUS)
    moved = Q(from_status__in=stage_statuses) & ~Q(to_status=F("from_status"))
    return moved | Q(action="escalate", from_status__in=stage_statuses)


def _compute(
    start: datetime.datetime,
    end: datetime.datetime,
    cases: QuerySet[Case],
    *,
    unit: Unit | None = None,
) -> Figures:
    in_period = Q(at__gte=start, at__lt=end)
    events = CaseEvent.objects.filter(case__in=cases.values("pk"))
    period_events = events.filter(in_period)

    # Dispatched → signed in time (cohort: the cases dispatched in the period).
    dispatch_rows = period_events.filter(action="dispatch")
    sign_rows = CaseEvent.objects.filter(case_id=OuterRef("pk"), action="sign")
    if unit is not None:
        dispatch_rows = dispatch_rows.filter(data__unit=unit.pk)
        sign_rows = sign_rows.filter(data__unit=unit.pk)
    dispatched_cases = Case.objects.filter(pk__in=dispatch_rows.values("case_id"))
    response = dispatched_cases.aggregate(
        dispatched=Count("pk"),
        signed_late=Count("pk", filter=Q(Exists(sign_rows), overdue_stages__sign=True)),
        signed=Count("pk", filter=Q(Exists(sign_rows))),
    )

    # Accepted → resolved, and whistled.
    if unit is None:
        accepted_rows = period_events.filter(Q(action="accept") | Q(action="self_settle", from_status=Status.REPORTED))
        resolved_q = Q(status__in=RESOLVED_STATUSES)
    else:
        accepted_rows = period_events.filter(action="sign", data__unit=unit.pk)
        resolved_q = Q(status__in=RESOLVED_STATUSES, current_unit=unit)
    summonses = CaseSummons.objects.filter(case_id=OuterRef("pk"))
    accepted = Case.objects.filter(pk__in=accepted_rows.values("case_id")).aggregate(
        accepted=Count("pk"),
        resolved=Count("pk", filter=resolved_q),
        whistled=Count("pk", filter=Q(Exists(summonses))),
    )

    # Ratings and closures of the period (case columns).
    own = cases if unit is None else cases.filter(current_unit=unit)
    rated = own.filter(rated_at__gte=start, rated_at__lt=end).aggregate(
        rated=Count("pk"), satisfied=Count("pk", filter=Q(rating__in=GOOD_RATINGS))
    )
    closed_by_tier = {
        row["current_tier"]: row["n"]
        for row in own.filter(status=Status.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .order_by()
        .values("current_tier")
        .annotate(n=Count("pk"))
    }

    # Stages finished, returns and redos (timeline rows of the period).
    finished = period_events.filter(_stage_finish_q())
    returns = period_events.filter(action="return")
    redos = period_events.filter(action__in=("redo", "reopen"))
    if unit is not None:
        finished = finished.filter(
            Q(action__in=("sign", "return"), data__unit=unit.pk) | Q(action="handle", case__current_unit=unit)
        )
        returns = returns.filter(data__unit=unit.pk)
        redos = redos.filter(case__current_unit=unit)
    stages = finished.aggregate(finished=Count("pk"), late=Count("pk", filter=_late_q("case__")))

    summoned = summons_late = 0
    if unit is not None:
        mine = CaseSummons.objects.filter(unit=unit, summoned_at__gte=start, summoned_at__lt=end).aggregate(
            n=Count("pk"), late=Count("pk", filter=Q(flagged_late=True))
        )
        summoned, summons_late = mine["n"], mine["late"]

    return Figures(
        start=start,
        end=end,
        dispatched=response["dispatched"],
        signed_in_time=response["signed"] - response["signed_late"],
        accepted=accepted["accepted"],
        resolved=accepted["resolved"],
        rated=rated["rated"],
        satisfied=rated["satisfied"],
        stages_finished=stages["finished"],
        stages_on_time=stages["finished"] - stages["late"],
        closed=sum(closed_by_tier.values()),
        closed_by_tier=closed_by_tier,
        whistled=accepted["whistled"],
        returns=returns.count(),
        redos=redos.count(),
        summoned=summoned,
        summons_late=summons_late,
    )


# --- unscoped (for rollups, commands and tests) --------------------------------------------------------------


def region_figures(region: Region, start: Any, end: Any) -> Figures:
    """Figures of the cases located in ``region`` (its code prefix), unscoped."""
    s, e = _period(start, end)
    prefix = scope_prefix(region.code, region.level)
    return _compute(s, e, Case.objects.filter(community_code__startswith=prefix))


def unit_figures(unit: Unit, start: Any, end: Any) -> Figures:
    """Figures of what ``unit`` did (wherever its cases are), unscoped."""
    s, e = _period(start, end)
    return _compute(s, e, Case.objects.all(), unit=unit)


# --- scoped -------------------------------------------------------------------------------------------------


def figures_for_region(user: Any, code: str, start: Any, end: Any) -> Figures:
    """Region figures for ``user``: ``Http404`` unless the whole region lies inside the user's case scope (a
    community dispatcher may not read the district's figures, though the district's name is visible to them)."""
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    scope = scope_for(user, "case", "view")
    if not scope.covers_code(scope_prefix(region.code, region.level)):
        raise Http404
    return region_figures(region, start, end)


def figures_for_unit(user: Any, code: str, start: Any, end: Any) -> Figures:
    """Unit figures for ``user``: its members, and users whose case scope covers the unit's region; else
    ``Http404``."""
    unit = Unit.objects.select_related("region").filter(code=code).first()
    if unit is None:
        raise Http404
    from . import deps

    if unit.pk not in deps.unit_ids_of(user):
        scope = scope_for(user, "case", "view")
        if not scope.covers_code(scope_prefix(unit.region.code, unit.region.level)):
            raise Http404
    return unit_figures(unit, start, end)
