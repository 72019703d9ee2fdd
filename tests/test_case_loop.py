"""The main loop: report → accept → dispatch → sign → handle → verify → close, with a timeline row per step."""

from __future__ import annotations

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.workflow import Status, allowed_actions

from .case_factories import CaseCity


def test_a_report_goes_round_the_loop_and_each_step_is_on_the_timeline(cc: CaseCity) -> None:
    u = cc.users
    case = cc.report()
    assert case.status == Status.REPORTED
    assert case.grid_code == "441302001001001"
    assert case.community_code == "441302001001"
    assert case.number.startswith("2026")
    services.accept_case(case, by=u["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
    assert case.status == Status.DISPATCHED
    services.sign_case(case, by=u["cm"])
    services.handle_case(case, by=u["cm"], result="已清运")
    assert case.status == Status.TO_VERIFY
    services.verify_case(case, by=u["community"], note="现场已清理")
    case.refresh_from_db()
    assert case.status == Status.CLOSED
    assert case.closed_at is not None
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == ["report", "accept", "dispatch", "sign", "handle", "verify"]
    assert case.version == 5


def test_the_reporter_is_told_when_the_case_is_closed(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    u = cc.users
    case = cc.report(by="resident", source="resident")
    services.accept_case(case, by=u["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
    assert Notification.objects.filter(recipient=u["cm"], verb="case_dispatched").count() == 1
    services.sign_case(case, by=u["cm"])
    services.handle_case(case, by=u["cm"], result="已清运")
    services.verify_case(case, by=u["community"])
    assert Notification.objects.filter(recipient=u["resident"], verb="case_closed").count() == 1


def test_allowed_actions_show_only_what_this_user_may_do_now(cc: CaseCity) -> None:
    u = cc.users
    case = cc.report()
    assert "accept" in allowed_actions(case, u["community"])
    assert "reject" in allowed_actions(case, u["community"])
    assert allowed_actions(case, u["cm"]) == []
    assert "accept" not in allowed_actions(case, u["worker"])
    assert "self_settle" in allowed_actions(case, u["worker"])
    services.accept_case(case, by=u["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=u["community"])
    assert allowed_actions(case, u["cm"]) == ["sign", "return"]
    assert "accept" not in allowed_actions(case, u["community"])


def test_a_report_outside_every_grid_is_refused(cc: CaseCity) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不在任何网格内"):
        cc.report(point=(113.0, 22.0))
    assert not Case.objects.exists()


def test_dispatch_writes_an_outbox_message_to_a_unit_with_a_webhook_in_the_same_transaction(cc: CaseCity) -> None:
    from gridgov.core.models import OutboxMessage

    unit = cc.units["cm"]
    unit.webhook_url = "https://cm.example.org/hook"
    unit.save()
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=unit, by=cc.users["community"])
    message = OutboxMessage.objects.get(channel="webhook")
    assert message.address == "https://cm.example.org/hook"
    assert message.payload["case"] == case.number
    assert message.payload["event"] == "case_dispatched"
    # No personal data leaves with it.
    assert "description" not in message.payload and "reporter" not in message.payload
