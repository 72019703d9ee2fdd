"""Each transition: allowed for the right role in the right state, refused otherwise with the rule named."""

from __future__ import annotations

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, ReturnReason
from gridgov.cases.services import TransitionNotAllowed
from gridgov.cases.workflow import Status
from gridgov.units.models import Tier

from .case_factories import CaseCity, jpeg_with_gps


def dispatched(cc: CaseCity, unit: str = "cm") -> Case:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units[unit], by=cc.users["community"])
    return case


def in_progress(cc: CaseCity) -> Case:
    case = dispatched(cc)
    services.sign_case(case, by=cc.users["cm"])
    return case


def test_a_grid_worker_cannot_accept_a_report(cc: CaseCity) -> None:
    case = cc.report()
    with pytest.raises(TransitionNotAllowed, match="没有执行“立案”的角色"):
        services.accept_case(case, by=cc.users["worker"])


def test_an_accepted_case_cannot_be_accepted_again(cc: CaseCity) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    with pytest.raises(TransitionNotAllowed, match="当前状态为“已立案”,不能执行“立案”") as info:
        services.accept_case(case, by=cc.users["community"])
    assert info.value.rule == "state"


def test_a_rejection_needs_a_reason_and_tells_the_reporter(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    case = cc.report(by="resident", source="resident")
    with pytest.raises(TransitionNotAllowed, match="说明理由"):
        services.reject_case(case, by=cc.users["community"], reason=" ")
    services.reject_case(case, by=cc.users["community"], reason="不属于受理范围")
    assert case.status == Status.REJECTED
    assert Notification.objects.filter(recipient=cc.users["resident"], verb="case_rejected").exists()


def test_the_grid_worker_settles_on_the_spot_with_a_proof_photo(cc: CaseCity) -> None:
    case = cc.report()
    with pytest.raises(TransitionNotAllowed, match="现场照片"):
        services.self_settle(case, by=cc.users["worker"], result="已清理", photos=[])
    services.self_settle(case, by=cc.users["worker"], result="已清理", photos=[jpeg_with_gps()])
    assert case.status == Status.TO_VERIFY
    assert case.current_tier == Tier.GRID
    assert case.attachments.count() == 1
    with pytest.raises(TransitionNotAllowed, match="须由他人核查"):
        services.verify_case(case, by=cc.users["worker"])
    services.verify_case(case, by=cc.users["community"])
    assert case.status == Status.CLOSED


def test_settling_on_the_spot_is_refused_when_the_matter_does_not_allow_it(cc: CaseCity) -> None:
    case = cc.report(category="building", description="违建")
    with pytest.raises(TransitionNotAllowed, match="不允许网格员自行处置"):
        services.self_settle(case, by=cc.users["worker"], result="x", photos=[jpeg_with_gps()])


def test_settling_on_the_spot_is_refused_for_a_matter_off_the_grid_list(cc: CaseCity) -> None:
    from gridgov.matters.models import MatterCategory

    case = cc.report()
    MatterCategory.objects.filter(pk=case.category_id).update(grid_assignable=False)
    with pytest.raises(TransitionNotAllowed, match="事项清单"):
        services.self_settle(case, by=cc.users["worker"], result="x", photos=[jpeg_with_gps()])


def test_only_a_member_of_the_dispatched_unit_signs_for_it(cc: CaseCity) -> None:
    case = dispatched(cc)
    for name in ("community", "worker"):
        with pytest.raises(TransitionNotAllowed, match="签收"):
            services.sign_case(case, by=cc.users[name])
    with pytest.raises(Case.DoesNotExist):  # another unit does not even see it
        services.sign_case(case, by=cc.users["police"])
    services.sign_case(case, by=cc.users["cm"])
    assert case.status == Status.IN_PROGRESS


def test_a_unit_cannot_be_dispatched_a_case_outside_its_jurisdiction(cc: CaseCity) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    with pytest.raises(TransitionNotAllowed, match="管辖范围"):
        services.dispatch_case(case, to=cc.units["yhousing"], by=cc.users["community"])


def test_a_returned_case_goes_back_to_the_dispatcher_who_must_re_route_it(cc: CaseCity) -> None:
    case = dispatched(cc)
    with pytest.raises(TransitionNotAllowed, match="退回须选择理由"):
        services.return_case(case, by=cc.users["cm"], reason="busy")
    services.return_case(case, by=cc.users["cm"], reason=ReturnReason.NOT_OUR_FUNCTION)
    assert case.status == Status.RETURNED
    assert case.current_unit is None
    assert case.return_count == 1
    with pytest.raises(TransitionNotAllowed, match="再次派给它须填写说明"):
        services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["police"], by=cc.users["community"])
    assert case.current_unit == cc.units["police"]


def test_a_returned_case_may_go_back_to_the_same_unit_with_a_note(cc: CaseCity) -> None:
    case = dispatched(cc)
    services.return_case(case, by=cc.users["cm"], reason=ReturnReason.NOT_OUR_AREA)
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"], note="经核实属城管职责")
    assert case.status == Status.DISPATCHED


def test_handling_needs_a_result_and_a_failed_check_sends_it_back_for_redo(cc: CaseCity) -> None:
    case = in_progress(cc)
    with pytest.raises(TransitionNotAllowed, match="办理结果"):
        services.handle_case(case, by=cc.users["cm"], result="")
    services.handle_case(case, by=cc.users["cm"], result="已清运", photos=[jpeg_with_gps()])
    with pytest.raises(TransitionNotAllowed, match="没有执行“重办”的角色"):
        services.redo_case(case, by=cc.users["cm"], reason="x")
    services.redo_case(case, by=cc.users["community"], reason="现场仍有垃圾")
    assert case.status == Status.IN_PROGRESS
    assert case.redo_count == 1


def test_escalation_climbs_one_tier_at_a_time_and_stops_at_the_district(cc: CaseCity) -> None:
    case = dispatched(cc)
    with pytest.raises(TransitionNotAllowed, match="说明理由"):
        services.escalate_case(case, by=cc.users["community"], reason="")
    services.escalate_case(case, by=cc.users["community"], reason="社区无力解决")
    assert case.current_tier == Tier.SUBDISTRICT
    assert case.status == Status.ACCEPTED
    assert case.current_unit is None
    services.escalate_case(case, by=cc.users["subdistrict"], reason="涉及多个部门")
    assert case.current_tier == Tier.DISTRICT
    with pytest.raises(TransitionNotAllowed, match="已在区县层级"):
        services.escalate_case(case, by=cc.users["district"], reason="再上报")


def test_an_extension_is_requested_by_the_unit_and_approved_by_the_centre(cc: CaseCity) -> None:
    case = in_progress(cc)
    before = case.due_at
    assert before is not None
    with pytest.raises(TransitionNotAllowed, match="没有待审批的延期申请"):
        services.approve_extension(case, by=cc.users["community"])
    with pytest.raises(TransitionNotAllowed, match="申请延期"):
        services.request_extension(case, by=cc.users["community"], amount=2, unit="days", reason="x")
    services.request_extension(case, by=cc.users["cm"], amount=2, unit="days", reason="需协调")
    with pytest.raises(TransitionNotAllowed, match="尚待审批"):
        services.handle_case(case, by=cc.users["cm"], result="已办")
    with pytest.raises(TransitionNotAllowed, match="批准延期"):
        services.approve_extension(case, by=cc.users["cm"])
    services.approve_extension(case, by=cc.users["community"])
    assert case.due_at is not None and case.due_at > before
    assert case.extension_requested_at is None


def test_a_refused_extension_leaves_the_deadline_alone(cc: CaseCity) -> None:
    case = in_progress(cc)
    before = case.due_at
    services.request_extension(case, by=cc.users["cm"], amount=1, unit="days", reason="需协调")
    services.refuse_extension(case, by=cc.users["community"], reason="时限足够")
    assert case.due_at == before
    assert case.extension_requested_at is None


def test_reminders_and_supervision_come_from_a_higher_tier_and_are_counted(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    case = cc.report()
    with pytest.raises(TransitionNotAllowed, match="上级层级"):
        services.remind_case(case, by=cc.users["community"])
    services.remind_case(case, by=cc.users["subdistrict"], note="请尽快受理")
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.remind_case(case, by=cc.users["community"])
    services.supervise_case(case, by=cc.users["district"], note="限期办结")
    case.refresh_from_db()
    assert (case.reminder_count, case.supervision_count) == (2, 1)
    assert Notification.objects.filter(recipient=cc.users["cm"], verb="case_supervise").count() == 1
    assert CaseEvent.objects.filter(case=case, action__in=["remind", "supervise"]).count() == 3


def test_merging_a_duplicate_takes_it_out_of_the_loop_and_tells_its_reporter(cc: CaseCity) -> None:
    from gridgov.core.models import Notification

    first = cc.report()
    second = cc.report(by="resident", source="resident")
    services.merge_duplicate(second, into=first, by=cc.users["community"])
    assert second.status == Status.MERGED
    assert second.duplicate_of == first
    assert Notification.objects.filter(recipient=cc.users["resident"], verb="case_merged").exists()
    with pytest.raises(TransitionNotAllowed, match="合并到它自己"):
        services.merge_duplicate(first, into=first, by=cc.users["community"])
