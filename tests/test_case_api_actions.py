"""POST /api/v1/cases/{number}/{action}/: the loop and the whistle through HTTP; a wrong role is 403 with the rule's
message (in the client's language), out of scope is 404, a stale version is 409, bad input is a 400 on the field."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from gridgov.cases.models import Case, CaseEvent

from .case_factories import CaseCity, png_bytes


def act(api: APIClient, cc: CaseCity, user: str, case: Case | str, action: str, fmt: str = "json", **data: Any) -> Any:
    api.force_authenticate(cc.users[user])
    number = case if isinstance(case, str) else case.number
    return api.post(f"/api/v1/cases/{number}/{action}/", data, format=fmt)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.json()
    body: dict[str, Any] = response.json()
    return body


def test_the_main_loop_runs_through_http_from_report_to_rating(cc: CaseCity, api: APIClient) -> None:
    api.force_authenticate(cc.users["worker"])
    created = api.post(
        "/api/v1/cases/",
        {"category": "0101", "lon": 114.405, "lat": 23.105, "description": "垃圾暴露堆放"},
        format="json",
    )
    assert created.status_code == 201
    number = created.json()["number"]
    assert ok(act(api, cc, "community", number, "accept"))["status"] == "accepted"
    dispatched = ok(act(api, cc, "community", number, "dispatch", unit="U441302CM", note="请处理"))
    assert dispatched["status"] == "dispatched" and dispatched["current_unit"]["code"] == "U441302CM"
    assert ok(act(api, cc, "cm", number, "sign"))["status"] == "in_progress"
    proof = SimpleUploadedFile("after.png", png_bytes(), content_type="image/png")
    handled = ok(act(api, cc, "cm", number, "handle", fmt="multipart", result="已清运", photos=[proof]))
    assert handled["status"] == "to_verify" and handled["result"] == "已清运"
    assert len(handled["attachments"]) == 1
    closed = ok(act(api, cc, "community", number, "verify", note="现场已清理"))
    assert closed["status"] == "closed"
    rated = ok(act(api, cc, "worker", number, "rate", rating="satisfied"))
    assert rated["rating"] == "satisfied"
    actions = [e["action"] for e in rated["timeline"]]
    assert actions == ["report", "accept", "dispatch", "sign", "handle", "verify", "rate"]


def test_the_detail_lists_only_the_actions_this_user_may_take_now(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    api.force_authenticate(cc.users["community"])
    allowed = {a["action"] for a in api.get(f"/api/v1/cases/{case.number}/").json()["allowed_actions"]}
    assert {"accept", "reject", "merge"} <= allowed and "sign" not in allowed
    api.force_authenticate(cc.users["worker"])
    allowed = {a["action"] for a in api.get(f"/api/v1/cases/{case.number}/").json()["allowed_actions"]}
    assert "accept" not in allowed and "self-settle" in allowed


def test_a_whistle_case_cannot_be_verified_until_every_summoned_unit_has_finished(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    ok(act(api, cc, "community", case, "accept"))
    summoned = ok(act(api, cc, "community", case, "summon", units=["U441302001PS", "U441302001JO"], note="联合处置"))
    assert {s["unit"]["code"] for s in summoned["summonses"]} == {"U441302001PS", "U441302001JO"}
    ok(act(api, cc, "community", case, "dispatch", unit="U441302CM"))
    ok(act(api, cc, "cm", case, "sign"))
    ok(act(api, cc, "cm", case, "handle", result="已处置"))
    refused = act(api, cc, "community", case, "verify")
    assert refused.status_code == 403
    assert refused.json()["rule"] == "summons_complete"
    assert "吹哨" in refused.json()["detail"]
    for unit in ("police", "justice"):
        ok(act(api, cc, unit, case, "report-in"))
        ok(act(api, cc, unit, case, "finish-part", result="已完成本单位分工"))
    closed = ok(act(api, cc, "community", case, "verify"))
    assert closed["status"] == "closed"
    assert all(s["part_done_at"] for s in closed["summonses"])


def test_a_wrong_role_is_403_with_the_rule_in_chinese_and_in_english(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    ok(act(api, cc, "community", case, "accept"))
    response = act(api, cc, "worker", case, "dispatch", unit="U441302CM")
    assert response.status_code == 403
    assert response.json() == {
        "detail": "您在本案件上没有执行“派遣”的角色。",
        "action": "dispatch",
        "rule": "role",
    }
    api.force_authenticate(cc.users["worker"])
    english = api.post(
        f"/api/v1/cases/{case.number}/dispatch/", {"unit": "U441302CM"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.status_code == 403
    assert english.json()["detail"].startswith("You have no role on this case")
    case.refresh_from_db()
    assert case.status == "accepted" and case.version == 1


def test_an_action_in_the_wrong_state_is_403_naming_the_state(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    response = act(api, cc, "community", case, "verify")
    assert response.status_code == 403
    assert response.json()["rule"] == "state"
    assert "已上报" in response.json()["detail"]


def test_a_case_out_of_scope_is_404_for_reading_and_acting(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    api.force_authenticate(cc.users["outsider"])
    assert api.get(f"/api/v1/cases/{case.number}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.number}/timeline/").status_code == 404
    assert act(api, cc, "outsider", case, "accept").status_code == 404
    assert act(api, cc, "cm", case, "sign").status_code == 404
    assert CaseEvent.objects.filter(case=case).count() == 1


def test_a_stale_expected_version_is_409_and_changes_nothing(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    ok(act(api, cc, "community", case, "accept", expected_version=0))
    stale = act(api, cc, "community", case, "reject", expected_version=0, reason="重复")
    assert stale.status_code == 409
    assert stale.json() == {"detail": "案件已被他人处理,请刷新", "version": 1}
    case.refresh_from_db()
    assert case.status == "accepted" and case.events.count() == 2


def test_missing_or_bad_inputs_are_400_on_the_field(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    response = act(api, cc, "community", case, "reject")
    assert response.status_code == 400 and "reason" in response.json()
    ok(act(api, cc, "community", case, "accept"))
    response = act(api, cc, "community", case, "dispatch", unit="NO-SUCH-UNIT")
    assert response.status_code == 400 and "unit" in response.json()
    # A unit whose jurisdiction does not cover the case: the service's rule, reported on the field.
    response = act(api, cc, "community", case, "dispatch", unit="U441303HS")
    assert response.status_code == 400, response.json()
    assert "unit" in response.json()
    response = act(api, cc, "community", case, "summon", units=[])
    assert response.status_code == 400 and "units" in response.json()
    case.refresh_from_db()
    assert case.status == "accepted"


def test_return_escalate_extension_reminder_and_supervision_through_http(cc: CaseCity, api: APIClient) -> None:
    case = cc.report()
    ok(act(api, cc, "community", case, "accept"))
    ok(act(api, cc, "community", case, "dispatch", unit="U441302CM"))
    bad = act(api, cc, "cm", case, "return", reason="not_mine")
    assert bad.status_code == 400 and "reason" in bad.json()
    returned = ok(act(api, cc, "cm", case, "return", reason="not_our_function"))
    # The unit no longer sees the case it returned: the answer says only where it went.
    assert returned == {"number": case.number, "status": "returned", "version": 3, "visible": False}
    assert api.get(f"/api/v1/cases/{case.number}/").status_code == 404
    ok(act(api, cc, "community", case, "dispatch", unit="U441302001PS"))
    ok(act(api, cc, "police", case, "sign"))
    refused = act(api, cc, "police", case, "request-extension", amount=2, amount_unit="clock_hours", reason="需协调")
    assert refused.status_code == 400 and "amount_unit" in refused.json()  # extensions are in working time
    asked = ok(act(api, cc, "police", case, "request-extension", amount=2, amount_unit="days", reason="需协调"))
    assert asked["deadlines"]["extension_amount"] == 2
    ok(act(api, cc, "community", case, "approve-extension"))
    assert ok(act(api, cc, "subdistrict", case, "remind"))["reminder_count"] == 1
    assert ok(act(api, cc, "subdistrict", case, "supervise", note="请于明日反馈"))["supervision_count"] == 1
    escalated = ok(act(api, cc, "community", case, "escalate", reason="需街道协调"))
    assert escalated["current_tier"] == "subdistrict" and escalated["status"] == "accepted"


def test_merge_me_too_and_mediation_through_http(cc: CaseCity, api: APIClient) -> None:
    first = cc.report()
    second = cc.report(by="resident", source="resident")
    merged = ok(act(api, cc, "community", second, "merge", into=first.number))
    assert merged["status"] == "merged" and merged["duplicate_of"] == first.number
    before = ok(act(api, cc, "district", first.number, "me-too"))["me_too_count"]
    assert ok(act(api, cc, "subdistrict", first.number, "me-too"))["me_too_count"] == before + 1
    assert ok(act(api, cc, "subdistrict", first.number, "me-too"))["me_too_count"] == before + 1
    dispute = cc.report(category="dispute", description="邻里噪音纠纷")
    parties = [{"name": "张三", "role": "申请人"}, {"name": "李四", "role": "被申请人"}]
    opened = ok(act(api, cc, "worker", dispute, "mediate", parties=parties, risk_level="medium"))
    assert [p["name"] for p in opened["mediation"]["parties"]] == ["张*", "李*"]
    ok(act(api, cc, "worker", dispute, "mediate-session", held_on="2026-03-04", outcome="双方达成谅解"))
    advanced = ok(act(api, cc, "worker", dispute, "mediate-advance", stage="resolved"))
    assert advanced["mediation"]["stage"] == "resolved"
    assert "张三" not in str(advanced)
    backwards = act(api, cc, "worker", dispute, "mediate-advance", stage="mediating")
    assert backwards.status_code == 400 and "stage" in backwards.json()


def test_every_workflow_transition_has_an_action_route(cc: CaseCity, api: APIClient) -> None:
    from gridgov.cases.workflow import TRANSITIONS

    case = cc.report()
    api.force_authenticate(cc.users["nobody"])
    for name in TRANSITIONS:
        # A user who cannot see the case gets 404 on every action route: each route exists and is scoped.
        response = api.post(f"/api/v1/cases/{case.number}/{name.replace('_', '-')}/", {}, format="json")
        assert response.status_code == 404, name
