"""Dispute mediation on a case: register the parties and mediators, record sessions, move through
登记 → 调解 → 研判 → 流转 → 督办 → 案结事了 (forward only), each step on the case's timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import (
    MEDIATION_STAGE_ORDER,
    Case,
    Mediation,
    MediationParty,
    MediationSession,
    MediationStage,
    Mediator,
    MediatorRole,
    RiskLevel,
)
from ..workflow import TransitionNotAllowed
from .base import begin, finish


@transaction.atomic
def open_mediation(
    case: Case,
    *,
    by: Any,
    parties: Sequence[tuple[str, str]],
    mediators: Sequence[tuple[str, str]] = (),
    risk_level: str = RiskLevel.LOW,
    note: str = "",
) -> Mediation:
    """登记受理: parties as (name, role), mediators as (name, MediatorRole)."""
    if len(parties) < 2:
        raise TransitionNotAllowed(_("矛盾纠纷至少需要两方当事人。"), action="mediate", rule="parties")
    if any(role not in MediatorRole.values for _name, role in mediators):
        raise TransitionNotAllowed(_("调解员身份无效。"), action="mediate", rule="mediator_role")
    step = begin(case, by=by, action="mediate")
    if Mediation.objects.filter(case=step.case).exists():
        raise TransitionNotAllowed(_("本案件已登记调解。"), action="mediate", rule="already_registered")
    mediation = Mediation.objects.create(case=step.case, risk_level=RiskLevel(risk_level))
    MediationParty.objects.bulk_create([MediationParty(mediation=mediation, name=n, role=r) for n, r in parties])
    Mediator.objects.bulk_create([Mediator(mediation=mediation, name=n, role=r) for n, r in mediators])
    # Names are personal data: the timeline keeps counts, not names.
    finish(
        step,
        note=note,
        data={"step": "register", "stage": MediationStage.REGISTERED, "parties": len(parties), "risk": risk_level},
    )
    return mediation


def _mediation_of(c: Case) -> Mediation:
    mediation = Mediation.objects.select_for_update().filter(case=c).first()
    if mediation is None:
        raise TransitionNotAllowed(_("本案件尚未登记调解。"), action="mediate", rule="not_registered")
    return mediation


@transaction.atomic
def record_session(case: Case, *, by: Any, held_on: date, outcome: str, agreement_reached: bool) -> MediationSession:
    """A mediation session; the first one moves a registered mediation to 先行调解."""
    outcome = (outcome or "").strip()
    if not outcome:
        raise TransitionNotAllowed(_("须填写调解情况。"), action="mediate", rule="input")
    step = begin(case, by=by, action="mediate")
    mediation = _mediation_of(step.case)
    session = MediationSession.objects.create(
        mediation=mediation, held_on=held_on, outcome=outcome, agreement_reached=agreement_reached
    )
    if mediation.stage == MediationStage.REGISTERED:
        mediation.stage = MediationStage.MEDIATING
    mediation.agreement_reached = agreement_reached
    mediation.save()
    finish(
        step,
        note=outcome,
        data={"step": "session", "stage": mediation.stage, "agreement": agreement_reached, "held_on": str(held_on)},
    )
    return session


@transaction.atomic
def advance_mediation(
    case: Case, *, by: Any, stage: str, note: str = "", risk_level: str | None = None, agreement_text: str = ""
) -> Mediation:
    """Move the mediation forward to ``stage`` (never back); 案结事了 needs at least one session."""
    if stage not in MediationStage.values:
        raise TransitionNotAllowed(_("调解阶段无效。"), action="mediate", rule="input")
    step = begin(case, by=by, action="mediate")
    mediation = _mediation_of(step.case)
    if MEDIATION_STAGE_ORDER.index(MediationStage(stage)) <= MEDIATION_STAGE_ORDER.index(
        MediationStage(mediation.stage)
    ):
        raise TransitionNotAllowed(
            _("调解已处于“%(s)s”阶段,只能向后推进。") % {"s": mediation.get_stage_display()},
            action="mediate",
            rule="stage_order",
        )
    if stage == MediationStage.RESOLVED and not mediation.sessions.exists():
        raise TransitionNotAllowed(_("尚无调解记录,不能案结事了。"), action="mediate", rule="no_session")
    previous = mediation.stage
    mediation.stage = stage
    if risk_level is not None:
        if risk_level not in RiskLevel.values:
            raise TransitionNotAllowed(_("风险等级无效。"), action="mediate", rule="input")
        mediation.risk_level = risk_level
    if agreement_text:
        mediation.agreement_text = agreement_text
    mediation.save()
    finish(step, note=note, data={"step": "stage", "from": previous, "stage": stage, "risk": mediation.risk_level})
    return mediation
