"""Whistle and report-in: two units summoned; verification waits for both to report in and finish; a unit that
misses its report-in deadline is flagged by the sweep."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseSummons
from gridgov.cases.services import TransitionNotAllowed
from gridgov.cases.tasks import sweep_overdue_cases
from gridgov.cases.workflow import Status

from .case_factories import CaseCity


def whistled(cc: CaseCity) -> Case:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.sign_case(case, by=cc.users["cm"])
    services.summon_units(
        case, by=cc.users["community"], units=[cc.units["police"], cc.units["justice"]], note="联合处置"
    )
    return case


def test_the_case_cannot_be_verified_until_every_summoned_unit_reported_in_and_finished(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    case = whistled(cc)
    assert CaseSummons.objects.filter(case=case).count() == 2
    assert Notification.objects.filter(recipient=cc.users["police"], verb="case_summoned").exists()
    services.handle_case(case, by=cc.users["cm"], result="已拆除")
    with pytest.raises(TransitionNotAllowed, match="尚未全部报到并完成分工"):
        services.verify_case(case, by=cc.users["community"])
    services.report_in(case, by=cc.users["police"])
    services.finish_part(case, by=cc.users["police"], result="维持秩序")
    with pytest.raises(TransitionNotAllowed, match="尚未全部报到"):
        services.verify_case(case, by=cc.users["community"])
    with pytest.raises(TransitionNotAllowed, match="须先报到"):
        services.finish_part(case, by=cc.users["justice"], result="调解")
    services.report_in(case, by=cc.users["justice"])
    services.finish_part(case, by=cc.users["justice"], result="调解")
    services.verify_case(case, by=cc.users["community"])
    assert case.status == Status.CLOSED


def test_only_summoned_units_report_in(cc: CaseCity) -> None:
    case = whistled(cc)
    with pytest.raises(TransitionNotAllowed, match="报到"):
        services.report_in(case, by=cc.users["cm"])
    services.report_in(case, by=cc.users["police"])
    with pytest.raises(TransitionNotAllowed, match="已报到"):
        services.report_in(case, by=cc.users["police"])


def test_a_unit_cannot_be_summoned_twice_or_outside_its_area(cc: CaseCity) -> None:
    case = whistled(cc)
    with pytest.raises(TransitionNotAllowed, match="已被召集"):
        services.summon_units(case, by=cc.users["community"], units=[cc.units["police"]])
    with pytest.raises(TransitionNotAllowed, match="管辖范围"):
        services.summon_units(case, by=cc.users["community"], units=[cc.units["yhousing"]])
    with pytest.raises(TransitionNotAllowed, match="吹哨"):
        services.summon_units(case, by=cc.users["cm"], units=[cc.units["justice"]])


def test_a_unit_that_misses_the_report_in_deadline_is_flagged_once(cc: CaseCity) -> None:
    case = whistled(cc)
    services.report_in(case, by=cc.users["police"])
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        first = sweep_overdue_cases()
        second = sweep_overdue_cases()
    assert first["late_summonses"] == 1
    assert second["late_summonses"] == 0
    late = {s.unit_id: s.flagged_late for s in CaseSummons.objects.filter(case=case)}
    assert late == {cc.units["police"].pk: False, cc.units["justice"].pk: True}
    assert case.events.filter(action="summons_late").count() == 1
