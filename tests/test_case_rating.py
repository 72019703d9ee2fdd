"""Rating after close, and reopening a dissatisfied case within the configured number of days only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.cases.services import TransitionNotAllowed
from gridgov.cases.workflow import Status

from .case_factories import CaseCity


def closed(cc: CaseCity) -> Case:
    u = cc.users
    case = cc.report(by="resident", source="resident")
    services.accept_case(case, by=u["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
    services.sign_case(case, by=u["cm"])
    services.handle_case(case, by=u["cm"], result="已清运")
    services.verify_case(case, by=u["community"])
    return case


def test_the_reporter_rates_once(cc: CaseCity) -> None:
    case = closed(cc)
    with pytest.raises(TransitionNotAllowed, match="评价"):
        services.rate_case(case, by=cc.users["community"], rating="satisfied")
    services.rate_case(case, by=cc.users["resident"], rating="basically_satisfied", comment="还行")
    assert case.rating == "basically_satisfied"
    with pytest.raises(TransitionNotAllowed, match="已评价"):
        services.rate_case(case, by=cc.users["resident"], rating="satisfied")


def test_the_grid_worker_may_rate_on_a_call_back(cc: CaseCity) -> None:
    case = closed(cc)
    services.rate_case(case, by=cc.users["worker"], rating="satisfied")
    assert case.events.get(action="rate").data["call_back"] is True


def test_a_satisfied_case_cannot_be_reopened(cc: CaseCity) -> None:
    case = closed(cc)
    services.rate_case(case, by=cc.users["resident"], rating="satisfied")
    with pytest.raises(TransitionNotAllowed, match="不满意"):
        services.reopen_case(case, by=cc.users["resident"], reason="又脏了")


def test_a_dissatisfied_case_reopens_to_its_unit_within_the_limit(cc: CaseCity, settings: object) -> None:
    settings.GRIDGOV_REOPEN_DAYS = 7  # type: ignore[attr-defined]
    case = closed(cc)
    services.rate_case(case, by=cc.users["resident"], rating="dissatisfied", comment="没清干净")
    with time_machine.travel(timezone.now() + timedelta(days=6), tick=False):
        services.reopen_case(case, by=cc.users["resident"], reason="没清干净")
    assert case.status == Status.IN_PROGRESS
    assert case.current_unit == cc.units["cm"]
    assert case.rating == ""
    assert case.redo_count == 1


def test_a_dissatisfied_case_cannot_be_reopened_after_the_limit(cc: CaseCity, settings: object) -> None:
    settings.GRIDGOV_REOPEN_DAYS = 7  # type: ignore[attr-defined]
    case = closed(cc)
    services.rate_case(case, by=cc.users["resident"], rating="dissatisfied")
    with (
        time_machine.travel(timezone.now() + timedelta(days=8), tick=False),
        pytest.raises(TransitionNotAllowed, match="超过 7 天"),
    ):
        services.reopen_case(case, by=cc.users["resident"], reason="没清干净")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
