"""Whistle and report-in (吹哨报到): a centre summons units with a report-in deadline; each reports in, then records
its part. Verification waits for all of them (workflow guard ``summons_complete``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridgov.units.models import Unit

from .. import deps
from ..models import Case, CaseSummons
from ..workflow import TransitionNotAllowed
from .base import begin, finish, tell_unit
from .transitions import deadline_or_default, unit_covers


@transaction.atomic
def summon_units(
    case: Case, *, by: Any, units: Sequence[Unit], deadline: datetime | None = None, note: str = ""
) -> list[CaseSummons]:
    """吹哨: summon one or more units to the case, each to report in by ``deadline`` (default: the configured
    working hours from now)."""
    if not units:
        raise TransitionNotAllowed(_("吹哨须至少召集一个单位。"), action="summon", rule="input")
    step = begin(case, by=by, action="summon")
    c = step.case
    already = set(c.summonses.values_list("unit_id", flat=True))
    for unit in units:
        if not unit.is_active:
            raise TransitionNotAllowed(_("该单位已停用,不能召集。"), action="summon", rule="unit_active")
        if unit.pk in already:
            raise TransitionNotAllowed(
                _("%(u)s 已被召集到本案件。") % {"u": unit.name}, action="summon", rule="already_summoned"
            )
        if not unit_covers(unit, c):
            raise TransitionNotAllowed(
                _("案件所在地不在 %(u)s 的管辖范围内。") % {"u": unit.name}, action="summon", rule="unit_area"
            )
    due = deadline_or_default(deadline, step.now)
    rows = CaseSummons.objects.bulk_create(
        [CaseSummons(case=c, unit=u, summoned_by=by, summoned_at=step.now, deadline=due, note=note) for u in units]
    )
    event = finish(step, note=note, data={"units": [u.pk for u in units], "deadline": due.isoformat()})
    for unit in units:
        text = _("案件 %(n)s 吹哨召集贵单位,请于期限前报到。") % {"n": c.number}
        tell_unit(unit, c, event, verb="case_summoned", text=text)
    return rows


def _my_summons(c: Case, by: Any, unit: Unit | None, action: str) -> CaseSummons:
    units = deps.unit_ids_of(by)
    qs = c.summonses.select_for_update().filter(unit_id__in=units)
    if unit is not None:
        qs = qs.filter(unit=unit)
    rows = list(qs)
    if len(rows) != 1:
        raise TransitionNotAllowed(_("请指明以哪个被召集单位的名义操作。"), action=action, rule="which_unit")
    return rows[0]


@transaction.atomic
def report_in(case: Case, *, by: Any, unit: Unit | None = None, note: str = "") -> CaseSummons:
    """报到: a summoned unit acknowledges. Late report-ins are flagged as late."""
    step = begin(case, by=by, action="report_in")
    summons = _my_summons(step.case, by, unit, "report_in")
    if summons.reported_in_at is not None:
        raise TransitionNotAllowed(_("贵单位已报到。"), action="report_in", rule="already_reported_in")
    summons.reported_in_at = step.now
    if step.now > summons.deadline:
        summons.flagged_late = True
    summons.save(update_fields=["reported_in_at", "flagged_late"])
    finish(step, note=note, data={"unit": summons.unit_id, "late": summons.flagged_late})
    return summons


@transaction.atomic
def finish_part(case: Case, *, by: Any, result: str, unit: Unit | None = None) -> CaseSummons:
    """完成分工: a summoned unit that has reported in records what it did."""
    result = (result or "").strip()
    if not result:
        raise TransitionNotAllowed(_("须填写完成情况。"), action="finish_part", rule="input")
    step = begin(case, by=by, action="finish_part")
    summons = _my_summons(step.case, by, unit, "finish_part")
    if summons.reported_in_at is None:
        raise TransitionNotAllowed(_("须先报到,再记录完成情况。"), action="finish_part", rule="report_in_first")
    if summons.part_done_at is not None:
        raise TransitionNotAllowed(_("贵单位的分工已完成。"), action="finish_part", rule="already_done")
    summons.part_done_at = step.now
    summons.part_result = result
    summons.save(update_fields=["part_done_at", "part_result"])
    finish(step, note=result, data={"unit": summons.unit_id})
    return summons
