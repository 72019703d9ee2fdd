"""One service function per transition of the main loop: accept, reject, settle on the spot, dispatch, sign for,
return, handle, verify, redo, escalate, extension, reminder, supervision. Each runs in one transaction, checks the
workflow (role on this case, state, guards) and scope, writes one timeline row and tells the parties."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import RoleAssignment
from gridgov.accounts.roles import Role
from gridgov.core.regioncodes import scope_prefix
from gridgov.units.models import TIER_ORDER, Tier, Unit

from .. import deps
from ..models import Case, ReturnReason
from ..workflow import TransitionNotAllowed
from .base import begin, checked_photos, finish, tell_unit, tell_users

#: The dispatcher role that speaks for each tier's centre, and the case's region code at that tier.
CENTRE_ROLE = {
    Tier.COMMUNITY: (Role.COMMUNITY_DISPATCHER, "community_code"),
    Tier.SUBDISTRICT: (Role.SUBDISTRICT_DISPATCHER, "subdistrict_code"),
    Tier.DISTRICT: (Role.DISTRICT_DISPATCHER, "district_code"),
}


def _require(value: str, action: str, message: Any) -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionNotAllowed(message, action=action, rule="input")
    return value


def centre_users(case: Case, tier: str) -> list[Any]:
    """The dispatchers of the centre at ``tier`` over the case's location (for notifications)."""
    if tier == Tier.GRID:
        rows = RoleAssignment.objects.filter(role=Role.GRID_WORKER, grid__code=case.grid_code)
    elif tier in CENTRE_ROLE:
        role, code_field = CENTRE_ROLE[Tier(tier)]
        rows = RoleAssignment.objects.filter(role=role, region__code=getattr(case, code_field))
    else:
        return []
    return [row.user for row in rows.select_related("user")]


def unit_covers(unit: Unit, case: Case) -> bool:
    """Whether the case's location is in the unit's jurisdiction (or, without one, under the unit's region)."""
    regions = list(unit.jurisdiction.all()) or [unit.region]
    return any(case.community_code.startswith(scope_prefix(r.code, r.level)) for r in regions)


@transaction.atomic
def accept_case(case: Case, *, by: Any, note: str = "") -> Case:
    """立案: the centre takes the report into the loop."""
    step = begin(case, by=by, action="accept")
    finish(step, note=note)
    return step.case


@transaction.atomic
def reject_case(case: Case, *, by: Any, reason: str) -> Case:
    """不予立案, with the reason the reporter is told."""
    reason = _require(reason, "reject", _("不予立案须说明理由。"))
    step = begin(case, by=by, action="reject")
    c = step.case
    finish(step, note=reason)
    tell_users(
        [c.reporter],
        c,
        verb="case_rejected",
        text=_("您上报的案件 %(n)s 不予立案:%(r)s") % {"n": c.number, "r": reason},
    )
    return c


@transaction.atomic
def self_settle(case: Case, *, by: Any, result: str, photos: Sequence[Any]) -> Case:
    """自行处置: the grid worker settles a small matter on the spot, with a proof photo; it then awaits
    verification by someone else."""
    result = _require(result, "self_settle", _("自行处置须填写处置结果。"))
    checked = checked_photos(photos)
    if not checked:
        raise TransitionNotAllowed(_("自行处置须上传现场照片作为凭证。"), action="self_settle", rule="proof_photo")
    step = begin(case, by=by, action="self_settle")
    c = step.case
    try:
        deps.assert_grid_assignable(c.category)
    except ValidationError as exc:
        raise TransitionNotAllowed(" ".join(exc.messages), action="self_settle", rule="admission") from exc
    c.settled_by = by
    c.current_tier = Tier.GRID
    c.result = result
    finish(step, note=result, photos=checked)
    return c


@transaction.atomic
def dispatch_case(case: Case, *, to: Unit, by: Any, note: str = "") -> Case:
    """派遣 to the unit that must handle it. A case its unit returned may go back to that same unit only with a
    note saying why."""
    step = begin(case, by=by, action="dispatch")
    c = step.case
    if not to.is_active:
        raise TransitionNotAllowed(_("该单位已停用,不能派遣。"), action="dispatch", rule="unit_active")
    if not unit_covers(to, c):
        raise TransitionNotAllowed(_("案件所在地不在该单位的管辖范围内。"), action="dispatch", rule="unit_area")
    if c.last_returned_unit_id == to.pk and not note.strip():
        raise TransitionNotAllowed(
            _("该单位已退回本案件,再次派给它须填写说明。"), action="dispatch", rule="redispatch_note"
        )
    # The tier stays the coordinating centre's: a community may task a district bureau and still follow it up.
    c.current_unit = to
    event = finish(step, note=note, data={"unit": to.pk, "unit_name": to.name})
    tell_unit(to, c, event, verb="case_dispatched", text=_("新派遣案件 %(n)s,请及时签收。") % {"n": c.number})
    return c


@transaction.atomic
def sign_case(case: Case, *, by: Any, note: str = "") -> Case:
    """签收: the unit takes the case on; the handling clock starts."""
    step = begin(case, by=by, action="sign")
    finish(step, note=note, data={"unit": step.case.current_unit_id})
    return step.case


@transaction.atomic
def return_case(case: Case, *, by: Any, reason: str, note: str = "") -> Case:
    """退回: not our function or not our area; the case goes back to the dispatcher, who must re-route it."""
    if reason not in ReturnReason.values:
        raise TransitionNotAllowed(
            _("退回须选择理由:非本单位职能或非本单位辖区。"), action="return", rule="return_reason"
        )
    step = begin(case, by=by, action="return")
    c = step.case
    unit = c.current_unit
    c.last_returned_unit = unit
    c.current_unit = None
    c.return_count += 1
    finish(step, note=note, data={"reason": reason, "unit": unit.pk if unit else None})
    text = _("案件 %(n)s 被 %(u)s 退回,请重新派遣。") % {"n": c.number, "u": unit}
    tell_users(centre_users(c, c.current_tier), c, verb="case_returned", text=text)
    return c


@transaction.atomic
def handle_case(case: Case, *, by: Any, result: str, photos: Sequence[Any] = ()) -> Case:
    """办结: the unit reports what it did; the case awaits verification on site."""
    result = _require(result, "handle", _("办结须填写办理结果。"))
    checked = checked_photos(photos)
    step = begin(case, by=by, action="handle")
    c = step.case
    c.result = result
    finish(step, note=result, photos=checked)
    tell_users(
        centre_users(c, c.current_tier), c, verb="case_handled", text=_("案件 %(n)s 已办结,请核查。") % {"n": c.number}
    )
    return c


@transaction.atomic
def verify_case(case: Case, *, by: Any, note: str = "", photos: Sequence[Any] = ()) -> Case:
    """核查结案: checked on site and closed; the reporter is told and may rate it."""
    checked = checked_photos(photos)
    step = begin(case, by=by, action="verify")
    c = step.case
    c.closed_at = step.now
    finish(step, note=note, photos=checked)
    tell_users([c.reporter], c, verb="case_closed", text=_("您上报的案件 %(n)s 已办结,欢迎评价。") % {"n": c.number})
    return c


@transaction.atomic
def redo_case(case: Case, *, by: Any, reason: str, photos: Sequence[Any] = ()) -> Case:
    """重办: the result did not hold up on site; back to the unit (or, for a case settled in the grid, to the
    dispatcher)."""
    reason = _require(reason, "redo", _("重办须说明理由。"))
    checked = checked_photos(photos)
    step = begin(case, by=by, action="redo")
    c = step.case
    c.redo_count += 1
    c.settled_by = None
    event = finish(step, note=reason, photos=checked)
    if c.current_unit is not None:
        tell_unit(
            c.current_unit, c, event, verb="case_redo", text=_("案件 %(n)s 核查未通过,请重办。") % {"n": c.number}
        )
    return c


def next_tier(tier: str) -> str:
    index = TIER_ORDER.index(Tier(tier))
    return TIER_ORDER[min(index + 1, TIER_ORDER.index(Tier.DISTRICT))]


def apply_escalation(c: Case) -> str:
    """Move the case to the next tier's centre, which must route it again; returns the new tier."""
    c.current_tier = next_tier(c.current_tier)
    c.current_unit = None
    c.escalation_count += 1
    return c.current_tier


@transaction.atomic
def escalate_case(case: Case, *, by: Any, reason: str) -> Case:
    """上报上级: grid → community → sub-district → district, with the reason."""
    reason = _require(reason, "escalate", _("上报上级须说明理由。"))
    step = begin(case, by=by, action="escalate")
    c = step.case
    before = c.current_tier
    tier = apply_escalation(c)
    finish(step, note=reason, data={"from_tier": before, "to_tier": tier}, restart_clock=True)
    text = _("案件 %(n)s 已上报至本级,请处理。") % {"n": c.number}
    tell_users(centre_users(c, tier), c, verb="case_escalated", text=text)
    return c


@transaction.atomic
def request_extension(case: Case, *, by: Any, amount: int, unit: str, reason: str) -> Case:
    """延期申请 by the handling unit: how much more working time, and why."""
    reason = _require(reason, "request_extension", _("申请延期须说明理由。"))
    if amount <= 0 or unit not in ("hours", "days"):
        raise TransitionNotAllowed(_("延期时长须为正数的工作小时或工作日。"), action="request_extension", rule="input")
    step = begin(case, by=by, action="request_extension")
    c = step.case
    c.extension_requested_at = step.now
    c.extension_amount = amount
    c.extension_unit = unit
    finish(step, note=reason, data={"amount": amount, "unit": unit})
    tell_users(
        centre_users(c, c.current_tier),
        c,
        verb="extension_requested",
        text=_("案件 %(n)s 申请延期。") % {"n": c.number},
    )
    return c


@transaction.atomic
def approve_extension(case: Case, *, by: Any, note: str = "") -> Case:
    """批准延期: the handling deadline moves by the working time asked for."""
    step = begin(case, by=by, action="approve_extension")
    c = step.case
    old = c.due_at
    base = old or step.now
    c.due_at = deps.add_working_time(base, c.extension_amount or 0, c.extension_unit or "days")
    data = {
        "amount": c.extension_amount,
        "unit": c.extension_unit,
        "old_due_at": old.isoformat() if old else None,
        "new_due_at": c.due_at.isoformat(),
    }
    c.extension_requested_at = None
    c.extension_amount = None
    c.extension_unit = ""
    event = finish(step, note=note, data=data)
    if c.current_unit is not None:
        tell_unit(
            c.current_unit, c, event, verb="extension_approved", text=_("案件 %(n)s 延期已批准。") % {"n": c.number}
        )
    return c


@transaction.atomic
def refuse_extension(case: Case, *, by: Any, reason: str) -> Case:
    reason = _require(reason, "refuse_extension", _("不批准延期须说明理由。"))
    step = begin(case, by=by, action="refuse_extension")
    c = step.case
    c.extension_requested_at = None
    c.extension_amount = None
    c.extension_unit = ""
    event = finish(step, note=reason)
    if c.current_unit is not None:
        tell_unit(
            c.current_unit, c, event, verb="extension_refused", text=_("案件 %(n)s 延期未获批准。") % {"n": c.number}
        )
    return c


def _press(case: Case, *, by: Any, action: str, note: str) -> Case:
    step = begin(case, by=by, action=action)
    c = step.case
    if action == "remind":
        c.reminder_count += 1
        text = _("案件 %(n)s 被催办,请抓紧办理。") % {"n": c.number}
    else:
        c.supervision_count += 1
        text = _("案件 %(n)s 被督办,请抓紧办理并反馈。") % {"n": c.number}
    event = finish(step, note=note)
    if c.current_unit is not None:
        tell_unit(c.current_unit, c, event, verb=f"case_{action}", text=text)
    else:
        tell_users(centre_users(c, c.current_tier), c, verb=f"case_{action}", text=text)
    return c


@transaction.atomic
def remind_case(case: Case, *, by: Any, note: str = "") -> Case:
    """催办 from a higher tier: counted, on the timeline, the unit told."""
    return _press(case, by=by, action="remind", note=note)


@transaction.atomic
def supervise_case(case: Case, *, by: Any, note: str) -> Case:
    """督办 from a higher tier: counted, on the timeline, the unit told."""
    note = _require(note, "supervise", _("督办须填写督办意见。"))
    return _press(case, by=by, action="supervise", note=note)


def deadline_or_default(deadline: datetime | None, now: datetime) -> datetime:
    from django.conf import settings

    return deadline or deps.add_working_time(now, settings.GRIDGOV_SUMMONS_HOURS, "hours")
