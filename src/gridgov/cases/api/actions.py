"""Every case action of the API, declared once: its URL name, the serializer of its inputs, and the service call.

``POST /api/v1/cases/{number}/{action}/`` looks the action up here; the view does the rest the same way for all of
them (scope, ``expected_version``, error mapping). ``field_rules`` names the input field that a service's rule is
about, so that such a refusal is a 400 on that field rather than a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .. import services
from ..models import Case
from ..workflow import TRANSITIONS
from . import serializers as s

Run = Callable[[Case, Any, dict[str, Any]], Any]


@dataclass(frozen=True)
class ActionSpec:
    name: str  # as in the URL: request-extension
    workflow: str | None  # the transition in workflow.py (None: me-too, which is not a transition)
    serializer: type[serializers.Serializer[Any]]
    run: Run
    summary: Promise
    description: Promise | str = ""
    multipart: bool = False
    #: service rule → input field (a 400 on that field); rule "input" is a 400 on non_field_errors
    field_rules: dict[str, str] = field(default_factory=dict)

    @property
    def method_name(self) -> str:
        return "do_" + self.name.replace("-", "_")


def _note(d: dict[str, Any]) -> str:
    return str(d.get("note") or "")


SPECS: list[ActionSpec] = [
    ActionSpec(
        "accept",
        "accept",
        s.NoteSerializer,
        lambda c, u, d: services.accept_case(c, by=u, note=_note(d)),
        _("立案"),
        _("综治中心调度员将上报纳入办理流程。"),
    ),
    ActionSpec(
        "reject",
        "reject",
        s.ReasonSerializer,
        lambda c, u, d: services.reject_case(c, by=u, reason=d["reason"]),
        _("不予立案"),
        _("须说明理由,上报人会收到通知。"),
    ),
    ActionSpec(
        "self-settle",
        "self_settle",
        s.SelfSettleSerializer,
        lambda c, u, d: services.self_settle(c, by=u, result=d["result"], photos=d["photos"]),
        _("自行处置"),
        _("网格员就地处置(事项清单允许时),须上传现场照片;之后由他人核查。"),
        multipart=True,
        field_rules={"proof_photo": "photos"},
    ),
    ActionSpec(
        "dispatch",
        "dispatch",
        s.DispatchSerializer,
        lambda c, u, d: services.dispatch_case(c, to=d["unit"], by=u, note=_note(d)),
        _("派遣"),
        _("派往处置单位;单位须管辖案件所在地。退回过的单位再次派遣须填写说明。"),
        field_rules={"unit_area": "unit", "unit_active": "unit", "redispatch_note": "note"},
    ),
    ActionSpec(
        "sign",
        "sign",
        s.NoteSerializer,
        lambda c, u, d: services.sign_case(c, by=u, note=_note(d)),
        _("签收"),
        _("处置单位签收案件,办理时限开始计算。"),
    ),
    ActionSpec(
        "return",
        "return",
        s.ReturnSerializer,
        lambda c, u, d: services.return_case(c, by=u, reason=d["reason"], note=_note(d)),
        _("退回"),
        _("非本单位职能或非本单位辖区,退回调度员重新派遣。"),
        field_rules={"return_reason": "reason"},
    ),
    ActionSpec(
        "handle",
        "handle",
        s.ResultPhotosSerializer,
        lambda c, u, d: services.handle_case(c, by=u, result=d["result"], photos=d["photos"]),
        _("办结"),
        _("处置单位填写办理结果(可附照片),案件转入待核查。"),
        multipart=True,
    ),
    ActionSpec(
        "verify",
        "verify",
        s.NotePhotosSerializer,
        lambda c, u, d: services.verify_case(c, by=u, note=_note(d), photos=d["photos"]),
        _("核查结案"),
        _("现场核查通过后结案;吹哨召集的单位须全部报到并完成分工。"),
        multipart=True,
    ),
    ActionSpec(
        "redo",
        "redo",
        s.ReasonPhotosSerializer,
        lambda c, u, d: services.redo_case(c, by=u, reason=d["reason"], photos=d["photos"]),
        _("重办"),
        _("核查未通过,退回处置单位重新办理。"),
        multipart=True,
    ),
    ActionSpec(
        "escalate",
        "escalate",
        s.ReasonSerializer,
        lambda c, u, d: services.escalate_case(c, by=u, reason=d["reason"]),
        _("上报上级"),
        _("网格 → 社区 → 街道 → 区县,须说明理由。"),
    ),
    ActionSpec(
        "request-extension",
        "request_extension",
        s.ExtensionRequestSerializer,
        lambda c, u, d: services.request_extension(
            c, by=u, amount=d["amount"], unit=d["amount_unit"], reason=d["reason"]
        ),
        _("申请延期"),
        _("处置单位申请延长办理时限(工作小时或工作日)。"),
    ),
    ActionSpec(
        "approve-extension",
        "approve_extension",
        s.NoteSerializer,
        lambda c, u, d: services.approve_extension(c, by=u, note=_note(d)),
        _("批准延期"),
    ),
    ActionSpec(
        "refuse-extension",
        "refuse_extension",
        s.ReasonSerializer,
        lambda c, u, d: services.refuse_extension(c, by=u, reason=d["reason"]),
        _("不批准延期"),
    ),
    ActionSpec(
        "remind",
        "remind",
        s.NoteSerializer,
        lambda c, u, d: services.remind_case(c, by=u, note=_note(d)),
        _("催办"),
        _("上级层级催办,计入次数并通知处置单位。"),
    ),
    ActionSpec(
        "supervise",
        "supervise",
        s.SuperviseSerializer,
        lambda c, u, d: services.supervise_case(c, by=u, note=d["note"]),
        _("督办"),
        _("上级层级督办,须填写督办意见。"),
    ),
    ActionSpec(
        "summon",
        "summon",
        s.SummonSerializer,
        lambda c, u, d: services.summon_units(c, by=u, units=d["units"], deadline=d["deadline"], note=_note(d)),
        _("吹哨"),
        _("综治中心召集一个或多个单位,各单位须在报到期限前报到并完成分工。"),
        field_rules={"unit_area": "units", "unit_active": "units", "already_summoned": "units"},
    ),
    ActionSpec(
        "report-in",
        "report_in",
        s.ReportInSerializer,
        lambda c, u, d: services.report_in(c, by=u, unit=d["unit"], note=_note(d)),
        _("报到"),
        _("被召集单位报到;超过期限的标记为逾期。"),
        field_rules={"which_unit": "unit"},
    ),
    ActionSpec(
        "finish-part",
        "finish_part",
        s.FinishPartSerializer,
        lambda c, u, d: services.finish_part(c, by=u, result=d["result"], unit=d["unit"]),
        _("完成分工"),
        _("被召集单位报到后记录完成情况。"),
        field_rules={"which_unit": "unit"},
    ),
    ActionSpec(
        "merge",
        "merge",
        s.MergeSerializer,
        lambda c, u, d: services.merge_duplicate(c, into=d["into"], by=u, note=_note(d)),
        _("合并重复案件"),
        _("本案件与另一未结案件重复:合并后上报人会收到通知。"),
        field_rules={"self": "into", "target_open": "into"},
    ),
    ActionSpec(
        "mediate",
        "mediate",
        s.MediateSerializer,
        lambda c, u, d: services.open_mediation(
            c,
            by=u,
            parties=[(p["name"], p["role"]) for p in d["parties"]],
            mediators=[(m["name"], m["role"]) for m in d["mediators"]],
            risk_level=d["risk_level"],
            note=_note(d),
        ),
        _("登记调解"),
        _("矛盾纠纷登记受理:当事人、调解员、风险等级。"),
        field_rules={"parties": "parties", "mediator_role": "mediators"},
    ),
    ActionSpec(
        "mediate-session",
        "mediate",
        s.MediationSessionSerializer,
        lambda c, u, d: services.record_session(
            c, by=u, held_on=d["held_on"], outcome=d["outcome"], agreement_reached=d["agreement_reached"]
        ),
        _("记录调解"),
        _("记录一次调解;首次调解使案件进入“先行调解”。"),
    ),
    ActionSpec(
        "mediate-advance",
        "mediate",
        s.MediationAdvanceSerializer,
        lambda c, u, d: services.advance_mediation(
            c,
            by=u,
            stage=d["stage"],
            note=_note(d),
            risk_level=d["risk_level"],
            agreement_text=d["agreement_text"],
        ),
        _("推进调解阶段"),
        _("登记 → 调解 → 研判 → 流转 → 督办 → 案结事了,只能向后推进。"),
        field_rules={"stage_order": "stage", "no_session": "stage"},
    ),
    ActionSpec(
        "rate",
        "rate",
        s.RateSerializer,
        lambda c, u, d: services.rate_case(c, by=u, rating=d["rating"], comment=d["comment"]),
        _("评价"),
        _("结案后由上报人(或网格员回访)评价。"),
    ),
    ActionSpec(
        "reopen",
        "reopen",
        s.ReasonSerializer,
        lambda c, u, d: services.reopen_case(c, by=u, reason=d["reason"]),
        _("不满意重办"),
        _("评价为不满意的案件在规定天数内可重办。"),
    ),
    ActionSpec(
        "me-too",
        None,
        s.ActionSerializer,
        lambda c, u, d: services.me_too(c, by=u),
        _("附议"),
        _("“我也遇到了”:每人每案计一次。"),
    ),
]

ACTIONS: dict[str, ActionSpec] = {spec.name: spec for spec in SPECS}

#: workflow transition → its URL name (for ``allowed_actions`` in the case detail).
URL_NAME: dict[str, str] = {t: t.replace("_", "-") for t in TRANSITIONS}

assert {spec.workflow for spec in SPECS if spec.workflow} == set(TRANSITIONS), "every transition has an action"
