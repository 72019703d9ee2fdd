"""The case workflow, declared once: states, stages, transitions (who may take each, from which states, to which,
under which guards). Services check against it (:func:`check`); the UI shows :func:`allowed_actions`.

Who may act is decided by the *roles a user holds on this case* (:func:`roles_on`): a territorial role counts only
when its node covers the case's grid; "reporter" when the user reported it; "unit_handler" when the user is a
member of the case's current unit; "summoned_handler" when the user is a member of a unit summoned by whistle.
Guards are named functions of (case, user) returning ``None`` when the rule holds, or the message naming the rule.
Rules that depend on what the user submits (a reason, a photo, the unit chosen) are checked by the services.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from gridgov.accounts.roles import Role
from gridgov.accounts.scope import assignments_of
from gridgov.core.regioncodes import scope_prefix
from gridgov.units.models import TIER_ORDER, Tier

from . import deps

if TYPE_CHECKING:
    from .models import Case


class Status(models.TextChoices):
    REPORTED = "reported", _("已上报")
    ACCEPTED = "accepted", _("已立案")
    REJECTED = "rejected", _("不予立案")
    DISPATCHED = "dispatched", _("已派遣")
    RETURNED = "returned", _("已退回")
    IN_PROGRESS = "in_progress", _("处置中")
    TO_VERIFY = "to_verify", _("待核查")
    CLOSED = "closed", _("已结案")
    MERGED = "merged", _("已合并")


#: Statuses in which the case is still moving (deadlines run, the sweep looks at them).
OPEN_STATUSES = frozenset(
    {Status.REPORTED, Status.ACCEPTED, Status.DISPATCHED, Status.RETURNED, Status.IN_PROGRESS, Status.TO_VERIFY}
)


class Stage(models.TextChoices):
    """The stage a status belongs to; each has its own time limit in the matter category."""

    ACCEPT = "accept", _("受理")
    DISPATCH = "dispatch", _("派遣")
    SIGN = "sign", _("签收")
    HANDLE = "handle", _("办理")
    VERIFY = "verify", _("核查")


STAGE_OF_STATUS: dict[str, Stage] = {
    Status.REPORTED: Stage.ACCEPT,
    Status.ACCEPTED: Stage.DISPATCH,
    Status.RETURNED: Stage.DISPATCH,
    Status.DISPATCHED: Stage.SIGN,
    Status.IN_PROGRESS: Stage.HANDLE,
    Status.TO_VERIFY: Stage.VERIFY,
}

#: The category's limit fields for each stage (routing an accepted case shares the acceptance limit).
STAGE_LIMIT_FIELD: dict[Stage, str] = {
    Stage.ACCEPT: "accept_limit",
    Stage.DISPATCH: "accept_limit",
    Stage.SIGN: "sign_limit",
    Stage.HANDLE: "handle_limit",
    Stage.VERIFY: "verify_limit",
}

REPORTER = "reporter"
UNIT_HANDLER = "unit_handler"
SUMMONED_HANDLER = "summoned_handler"

DISPATCHERS = frozenset({Role.COMMUNITY_DISPATCHER, Role.SUBDISTRICT_DISPATCHER, Role.DISTRICT_DISPATCHER})
#: Rank of the centre a role speaks for, compared with the case's tier (grid 0 … district 3).
ROLE_RANK = {
    Role.GRID_WORKER: 0,
    Role.GRID_HEAD: 0,
    Role.COMMUNITY_DISPATCHER: 1,
    Role.SUBDISTRICT_DISPATCHER: 2,
    Role.DISTRICT_DISPATCHER: 3,
    Role.LEADER: 4,
}


@dataclass(frozen=True)
class Transition:
    name: str
    label: Promise
    sources: frozenset[str]
    #: ``None``: the status does not change (a reminder, an extension request, a summons …).
    target: str | None
    roles: frozenset[str]
    guards: tuple[str, ...] = ()
    #: Where the case goes instead of ``target`` when it has no current unit (redo and reopen of a case settled
    #: in the grid go back to the dispatcher rather than to a unit).
    target_without_unit: str | None = None

    def target_for(self, case: Case) -> str:
        if self.target is None:
            return case.status
        if self.target_without_unit is not None and case.current_unit_id is None:
            return self.target_without_unit
        return self.target


def _t(
    name: str,
    label: Promise,
    sources: Iterable[str],
    target: str | None,
    roles: Iterable[str],
    guards: tuple[str, ...] = (),
    target_without_unit: str | None = None,
) -> Transition:
    return Transition(name, label, frozenset(sources), target, frozenset(roles), guards, target_without_unit)


S = Status
_ROUTABLE = {S.ACCEPTED, S.RETURNED}
_MOVING = {S.REPORTED, S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.IN_PROGRESS}
_CENTRES = DISPATCHERS | {Role.LEADER}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        _t("accept", _("立案"), {S.REPORTED}, S.ACCEPTED, DISPATCHERS),
        _t("reject", _("不予立案"), {S.REPORTED}, S.REJECTED, DISPATCHERS),
        _t(
            "self_settle",
            _("自行处置"),
            {S.REPORTED, S.ACCEPTED},
            S.TO_VERIFY,
            {Role.GRID_WORKER},
            ("category_allows_self_settle",),
        ),
        _t("dispatch", _("派遣"), _ROUTABLE, S.DISPATCHED, DISPATCHERS),
        _t("sign", _("签收"), {S.DISPATCHED}, S.IN_PROGRESS, {UNIT_HANDLER}),
        _t("return", _("退回"), {S.DISPATCHED}, S.RETURNED, {UNIT_HANDLER}),
        _t("handle", _("办结"), {S.IN_PROGRESS}, S.TO_VERIFY, {UNIT_HANDLER}, ("no_pending_extension",)),
        _t(
            "verify",
            _("核查结案"),
            {S.TO_VERIFY},
            S.CLOSED,
            DISPATCHERS | {Role.GRID_WORKER},
            ("summons_complete", "not_own_settlement"),
        ),
        _t(
            "redo",
            _("重办"),
            {S.TO_VERIFY},
            S.IN_PROGRESS,
            DISPATCHERS | {Role.GRID_WORKER},
            ("not_own_settlement",),
            target_without_unit=S.ACCEPTED,
        ),
        _t("escalate", _("上报上级"), _MOVING, S.ACCEPTED, DISPATCHERS | {Role.GRID_WORKER}, ("below_top_tier",)),
        _t(
            "request_extension",
            _("申请延期"),
            {S.IN_PROGRESS},
            None,
            {UNIT_HANDLER},
            ("no_pending_extension",),
        ),
        _t("approve_extension", _("批准延期"), {S.IN_PROGRESS}, None, DISPATCHERS, ("extension_pending",)),
        _t("refuse_extension", _("不批准延期"), {S.IN_PROGRESS}, None, DISPATCHERS, ("extension_pending",)),
        _t("remind", _("催办"), _MOVING, None, _CENTRES, ("from_higher_tier",)),
        _t("supervise", _("督办"), _MOVING, None, _CENTRES, ("from_higher_tier",)),
        _t("summon", _("吹哨"), {S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.IN_PROGRESS}, None, DISPATCHERS),
        _t(
            "report_in",
            _("报到"),
            {S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.IN_PROGRESS, S.TO_VERIFY},
            None,
            {SUMMONED_HANDLER},
        ),
        _t(
            "finish_part",
            _("完成分工"),
            {S.ACCEPTED, S.RETURNED, S.DISPATCHED, S.IN_PROGRESS, S.TO_VERIFY},
            None,
            {SUMMONED_HANDLER},
        ),
        _t("merge", _("合并重复案件"), {S.REPORTED, S.ACCEPTED}, S.MERGED, DISPATCHERS),
        _t(
            "mediate",
            _("矛盾调解"),
            OPEN_STATUSES,
            None,
            DISPATCHERS | {Role.GRID_WORKER, UNIT_HANDLER},
            ("category_is_dispute",),
        ),
        _t("rate", _("评价"), {S.CLOSED}, None, {REPORTER, Role.GRID_WORKER}, ("not_rated",)),
        _t(
            "reopen",
            _("不满意重办"),
            {S.CLOSED},
            S.IN_PROGRESS,
            {REPORTER, *DISPATCHERS},
            ("rated_dissatisfied", "within_reopen_days"),
            target_without_unit=S.ACCEPTED,
        ),
    ]
}


class TransitionNotAllowed(Exception):
    """The workflow refuses this action; ``message`` names the rule (Chinese source, translatable)."""

    def __init__(self, message: Any, *, action: str = "", rule: str = "") -> None:
        super().__init__(str(message))
        self.message = message
        self.action = action
        self.rule = rule


# --- who the user is on this case ----------------------------------------------------------------------------


def roles_on(case: Case, user: Any) -> frozenset[str]:
    """The roles ``user`` holds on ``case``: territorial roles whose node covers the case's grid, plus the
    pseudo-roles reporter / unit_handler / summoned_handler. Department handlers act only through their units
    and residents only as reporters, whatever region their assignment names."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached: dict[tuple[int, int], frozenset[str]] = user.__dict__.setdefault("_gridgov_case_roles", {})
    key = (case.pk or 0, case.version)
    if key in cached:
        return cached[key]
    roles: set[str] = set()
    code = case.grid_code or ""
    for role, region_code, region_level, grid_code in assignments_of(user):
        if role in (Role.DEPARTMENT_HANDLER, Role.RESIDENT):
            continue
        if grid_code is not None:
            if code.startswith(grid_code):
                roles.add(role)
        elif region_code is not None and region_level is not None:
            if code.startswith(scope_prefix(region_code, region_level)):
                roles.add(role)
        elif role == Role.ADMINISTRATOR or role == Role.LEADER:
            roles.add(role)
    if case.reporter_id is not None and case.reporter_id == user.pk:
        roles.add(REPORTER)
    units = deps.unit_ids_of(user)
    if units:
        if case.current_unit_id in units:
            roles.add(UNIT_HANDLER)
        if case.pk and case.summonses.filter(unit_id__in=units).exists():
            roles.add(SUMMONED_HANDLER)
    result = frozenset(roles)
    cached[key] = result
    return result


def rank_of(user_roles: frozenset[str]) -> int:
    return max((ROLE_RANK.get(Role(r), -1) for r in user_roles if r in Role.values), default=-1)


# --- guards ------------------------------------------------------------------------------------------------------

Guard = Callable[["Case", Any, frozenset[str]], Any]


def _category_allows_self_settle(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if not case.category.self_settle_allowed:
        return _("该事项类别不允许网格员自行处置。")
    return None


def _no_pending_extension(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if case.extension_requested_at is not None:
        return _("延期申请尚待审批。")
    return None


def _extension_pending(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if case.extension_requested_at is None:
        return _("没有待审批的延期申请。")
    return None


def _summons_complete(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if case.summonses.filter(part_done_at__isnull=True).exists():
        return _("吹哨召集的单位尚未全部报到并完成分工,不能核查结案。")
    return None


def _not_own_settlement(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if case.settled_by_id is not None and case.settled_by_id == user.pk:
        return _("自行处置的案件须由他人核查。")
    return None


def _below_top_tier(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if TIER_ORDER.index(Tier(case.current_tier)) >= TIER_ORDER.index(Tier.DISTRICT):
        return _("案件已在区县层级,不能再上报。")
    return None


def _from_higher_tier(case: Case, user: Any, roles: frozenset[str]) -> Any:
    case_rank = TIER_ORDER.index(Tier(case.current_tier))
    rank = rank_of(roles)
    # A centre may press the unit it dispatched to (same tier); otherwise only a higher tier may.
    if rank > case_rank or (case.current_unit_id is not None and rank >= case_rank):
        return None
    return _("催办和督办须由上级层级发起。")


def _category_is_dispute(case: Case, user: Any, roles: frozenset[str]) -> Any:
    from gridgov.matters.models import MatterKind

    if case.category.kind not in (MatterKind.DISPUTE, MatterKind.SCREENING):
        return _("只有矛盾纠纷类案件可以调解。")
    return None


def _not_rated(case: Case, user: Any, roles: frozenset[str]) -> Any:
    if case.rating:
        return _("该案件已评价。")
    return None


def _rated_dissatisfied(case: Case, user: Any, roles: frozenset[str]) -> Any:
    from .models import Rating

    if case.rating != Rating.DISSATISFIED:
        return _("只有评价为不满意的案件可以重办。")
    return None


def _within_reopen_days(case: Case, user: Any, roles: frozenset[str]) -> Any:
    days = settings.GRIDGOV_REOPEN_DAYS
    if case.closed_at is None or timezone.now() > case.closed_at + timedelta(days=days):
        return ngettext("结案已超过 %(days)d 天,不能重办。", "结案已超过 %(days)d 天,不能重办。", days) % {"days": days}
    return None


GUARDS: dict[str, Guard] = {
    "category_allows_self_settle": _category_allows_self_settle,
    "no_pending_extension": _no_pending_extension,
    "extension_pending": _extension_pending,
    "summons_complete": _summons_complete,
    "not_own_settlement": _not_own_settlement,
    "below_top_tier": _below_top_tier,
    "from_higher_tier": _from_higher_tier,
    "category_is_dispute": _category_is_dispute,
    "not_rated": _not_rated,
    "rated_dissatisfied": _rated_dissatisfied,
    "within_reopen_days": _within_reopen_days,
}


def _refusal(case: Case, user: Any, transition: Transition) -> TransitionNotAllowed | None:
    roles = roles_on(case, user)
    if case.status not in transition.sources:
        return TransitionNotAllowed(
            _("案件当前状态为“%(status)s”,不能执行“%(action)s”。")
            % {"status": Status(case.status).label, "action": transition.label},
            action=transition.name,
            rule="state",
        )
    if not roles & transition.roles:
        return TransitionNotAllowed(
            _("您在本案件上没有执行“%(action)s”的角色。") % {"action": transition.label},
            action=transition.name,
            rule="role",
        )
    for name in transition.guards:
        message = GUARDS[name](case, user, roles)
        if message is not None:
            return TransitionNotAllowed(message, action=transition.name, rule=name)
    return None


def check(case: Case, user: Any, action: str) -> Transition:
    """The transition ``action`` if ``user`` may take it on ``case`` now; :class:`TransitionNotAllowed` if not."""
    transition = TRANSITIONS[action]
    refusal = _refusal(case, user, transition)
    if refusal is not None:
        raise refusal
    return transition


def allowed_actions(case: Case, user: Any) -> list[str]:
    """Names of the transitions ``user`` may take on ``case`` now, in declaration order (for buttons)."""
    return [name for name, t in TRANSITIONS.items() if _refusal(case, user, t) is None]
