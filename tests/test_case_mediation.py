"""Dispute mediation: registered with parties and mediators, sessions, forward-only stages to 案结事了, names
masked wherever they are displayed."""

from __future__ import annotations

import datetime

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, MediationParty, MediationStage, mask_name
from gridgov.cases.services import TransitionNotAllowed

from .case_factories import CaseCity


def dispute(cc: CaseCity) -> Case:
    case = cc.report(category="dispute", description="邻里噪音纠纷")
    services.accept_case(case, by=cc.users["community"])
    return case


def test_a_mediation_goes_from_registration_to_resolution_on_the_timeline(cc: CaseCity) -> None:
    case = dispute(cc)
    services.open_mediation(
        case,
        by=cc.users["worker"],
        parties=[("张三", "申请人"), ("李四", "被申请人")],
        mediators=[("王五", "grid_worker"), ("赵六", "police")],
    )
    services.record_session(
        case, by=cc.users["worker"], held_on=datetime.date(2026, 3, 4), outcome="初步沟通", agreement_reached=False
    )
    assert case.mediation.stage == MediationStage.MEDIATING
    services.advance_mediation(case, by=cc.users["community"], stage="assessing", risk_level="medium")
    with pytest.raises(TransitionNotAllowed, match="只能向后推进"):
        services.advance_mediation(case, by=cc.users["community"], stage="mediating")
    services.record_session(
        case, by=cc.users["worker"], held_on=datetime.date(2026, 3, 5), outcome="达成协议", agreement_reached=True
    )
    services.advance_mediation(case, by=cc.users["community"], stage="resolved", agreement_text="互谅互让")
    case.mediation.refresh_from_db()
    assert case.mediation.stage == MediationStage.RESOLVED
    assert case.mediation.agreement_reached is True
    steps = [e.data.get("step") for e in case.events.filter(action="mediate")]
    assert steps == ["register", "session", "stage", "session", "stage"]
    # The timeline holds no names.
    assert all("张三" not in str(e.data) + e.note for e in case.events.all())


def test_mediation_is_only_for_disputes(cc: CaseCity) -> None:
    case = cc.report()
    with pytest.raises(TransitionNotAllowed, match="矛盾纠纷"):
        services.open_mediation(case, by=cc.users["worker"], parties=[("甲", "申请人"), ("乙", "被申请人")])


def test_a_mediation_needs_two_parties_and_a_session_before_resolution(cc: CaseCity) -> None:
    case = dispute(cc)
    with pytest.raises(TransitionNotAllowed, match="两方当事人"):
        services.open_mediation(case, by=cc.users["worker"], parties=[("甲", "申请人")])
    services.open_mediation(case, by=cc.users["worker"], parties=[("甲某", "申请人"), ("乙某", "被申请人")])
    with pytest.raises(TransitionNotAllowed, match="尚无调解记录"):
        services.advance_mediation(case, by=cc.users["community"], stage="resolved")


def test_party_names_are_masked_for_display(cc: CaseCity) -> None:
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    case = dispute(cc)
    services.open_mediation(case, by=cc.users["worker"], parties=[("张三", "申请人"), ("李四", "被申请人")])
    assert [str(p) for p in MediationParty.objects.order_by("id")] == ["张*(申请人)", "李*(被申请人)"]
