"""The overdue sweep (celery beat, ``CELERY_BEAT_SCHEDULE["cases-overdue-sweep"]``).

Each open case whose current stage's ``due_at`` has passed and is not yet flagged is *claimed* with a conditional
UPDATE (same id, version, status and due_at, ``due_flagged`` still false) that also bumps ``version``; only the
sweep whose UPDATE changed exactly one row acts on it (flags the stage, escalates, notifies). Two sweeps at once,
on any number of workers, therefore escalate a case once; a transition that raced the sweep gets ``CaseConflict``.
Summoned units that missed their report-in deadline are flagged the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import TIER_ORDER, Tier

from .models import Case, CaseEvent, CaseSummons, mutable_values
from .services.base import tell_unit, tell_users
from .services.transitions import centre_users
from .workflow import OPEN_STATUSES, STAGE_OF_STATUS


def escalation_rule(category: Any) -> str:
    """What an overdue case of ``category`` does: "next_tier" (the default) or "flag" (flag and notify only).
    A category may say so with an ``overdue_escalation`` attribute."""
    return getattr(category, "overdue_escalation", "") or "next_tier"


def sweep_overdue_cases(*, now: datetime | None = None, batch: int = 500) -> dict[str, int]:
    now = now or timezone.now()
    escalated = flagged = 0
    due = (
        Case.objects.filter(status__in=sorted(OPEN_STATUSES), due_at__lt=now, due_flagged=False)
        .order_by("due_at")
        .values_list("pk", flat=True)[:batch]
    )
    for pk in list(due):
        outcome = _claim_and_act(pk, now)
        if outcome is not None:
            flagged += 1
            escalated += outcome
    late = _flag_late_summonses(now, batch)
    return {"flagged": flagged, "escalated": escalated, "late_summonses": late}


@transaction.atomic
def _claim_and_act(pk: int, now: datetime) -> int | None:
    """1 if escalated, 0 if only flagged, None if another sweep (or a transition) got there first."""
    case = Case.objects.select_related("category", "current_unit").filter(pk=pk).first()
    if case is None or case.due_flagged or case.due_at is None or case.due_at >= now or not case.is_open:
        return None
    stage = STAGE_OF_STATUS.get(case.status)
    case.due_flagged = True
    case.overdue_stages = {**case.overdue_stages, str(stage): True}
    escalate = escalation_rule(case.category) == "next_tier" and TIER_ORDER.index(
        Tier(case.current_tier)
    ) < TIER_ORDER.index(Tier.DISTRICT)
    before_tier = case.current_tier
    unit = case.current_unit
    if escalate:
        # The higher centre takes over the watch; the unit keeps the case (it is still theirs to finish).
        case.current_tier = TIER_ORDER[TIER_ORDER.index(Tier(case.current_tier)) + 1]
        case.escalation_count += 1
    claimed = Case.objects.filter(
        pk=pk, version=case.version, status=case.status, due_at=case.due_at, due_flagged=False
    ).update(**mutable_values(case), version=case.version + 1, updated_at=now)
    if claimed != 1:
        return None
    case.version += 1
    event = CaseEvent.objects.create(
        case=case,
        actor=None,
        at=now,
        action="overdue",
        from_status=case.status,
        to_status=case.status,
        data={
            "stage": str(stage),
            "due_at": case.due_at.isoformat(),
            "from_tier": before_tier,
            "to_tier": case.current_tier,
        },
    )
    text = _("案件 %(n)s 已超过%(s)s期限。") % {"n": case.number, "s": stage.label if stage else ""}
    if unit is not None:
        tell_unit(unit, case, event, verb="case_overdue", text=text)
    tell_users(centre_users(case, case.current_tier), case, verb="case_overdue", text=text)
    return 1 if escalate else 0


def _flag_late_summonses(now: datetime, batch: int) -> int:
    flagged = 0
    waiting = CaseSummons.objects.filter(reported_in_at__isnull=True, flagged_late=False, deadline__lt=now)
    for summons in waiting.select_related("case", "case__category", "unit")[:batch]:
        with transaction.atomic():
            claimed = CaseSummons.objects.filter(pk=summons.pk, reported_in_at__isnull=True, flagged_late=False).update(
                flagged_late=True
            )
            if claimed != 1:
                continue
            event = CaseEvent.objects.create(
                case=summons.case,
                actor=None,
                at=now,
                action="summons_late",
                from_status=summons.case.status,
                to_status=summons.case.status,
                data={"unit": summons.unit_id, "deadline": summons.deadline.isoformat()},
            )
            text = _("案件 %(n)s:贵单位未在期限内报到。") % {"n": summons.case.number}
            tell_unit(summons.unit, summons.case, event, verb="summons_late", text=text)
            flagged += 1
    return flagged


@shared_task(name="gridgov.cases.tasks.sweep_overdue")
def sweep_overdue() -> dict[str, int]:
    return sweep_overdue_cases()
