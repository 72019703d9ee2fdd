"""Acting from the case page: each posted action runs its service (status, timeline row); a refused action is a
message and changes nothing; a stale page is a conflict; bad input re-shows the form; out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gridgov.cases import services
from gridgov.cases.models import Case

from .case_factories import CaseCity, jpeg_with_gps


def act(client: Client, case: Case, action: str, *, version: int | None = None, **data: Any) -> Any:
    payload = {"action": action, "version": case.version if version is None else version, **data}
    return client.post(f"/cases/{case.number}/act/", payload, follow=True)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_accepting_from_the_page_runs_the_service(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = act(client, case, "accept", note="属实")
    assert response.redirect_chain[-1][0] == f"/cases/{case.number}/#timeline"
    case.refresh_from_db()
    assert case.status == "accepted"
    event = case.events.get(action="accept")
    assert (event.from_status, event.to_status, event.note, event.actor) == (
        "reported",
        "accepted",
        "属实",
        cc.users["community"],
    )
    assert any("立案" in m for m in messages_of(response))


def test_dispatching_to_a_unit_and_the_unit_signing_for_it(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["community"])
    act(client, case, "dispatch", unit=cc.units["cm"].pk, note="请城管处理")
    case.refresh_from_db()
    assert (case.status, case.current_unit) == ("dispatched", cc.units["cm"])
    client.force_login(cc.users["cm"])
    act(client, case, "sign")
    case.refresh_from_db()
    assert case.status == "in_progress"
    assert list(case.events.values_list("action", flat=True)) == ["report", "accept", "dispatch", "sign"]


def test_a_unit_outside_the_sensible_list_is_a_form_error(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["community"])
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "dispatch", "version": case.version + 0, "unit": cc.units["yhousing"].pk},
    )
    assert response.status_code == 400
    assert response.context["open_action"] == "dispatch"
    assert "errorlist" in response.content.decode()
    case.refresh_from_db()
    assert case.status == "accepted"


def test_handling_with_photos_stores_them_on_the_timeline(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.sign_case(case, by=cc.users["cm"])
    client.force_login(cc.users["cm"])
    photo = SimpleUploadedFile("done.jpg", jpeg_with_gps(), content_type="image/jpeg")
    act(client, case, "handle", result="已清运", photos=[photo])
    case.refresh_from_db()
    assert case.status == "to_verify" and case.result == "已清运"
    event = case.events.get(action="handle")
    assert event.attachments.count() == 1
    html = client.get(f"/cases/{case.number}/").content.decode()
    assert f"/cases/{case.number}/photos/{event.attachments.get().pk}/" in html


def test_a_reason_is_required_to_reject(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = client.post(f"/cases/{case.number}/act/", {"action": "reject", "version": case.version, "reason": ""})
    assert response.status_code == 400
    case.refresh_from_db()
    assert case.status == "reported" and case.events.count() == 1


def test_an_action_the_user_may_not_take_shows_the_message_and_changes_nothing(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["worker"])
    response = act(client, case, "dispatch", unit=cc.units["cm"].pk)
    assert any("没有执行“派遣”的角色" in m for m in messages_of(response))
    case.refresh_from_db()
    assert case.status == "accepted" and case.current_unit is None
    assert case.events.count() == 2


def test_an_action_in_the_wrong_state_shows_the_message(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = act(client, case, "verify")
    assert any("不能执行“核查结案”" in m for m in messages_of(response))
    case.refresh_from_db()
    assert case.status == "reported"


def test_a_stale_page_gets_the_conflict_message_and_a_reload(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    seen = case.version
    other = Case.objects.get(pk=case.pk)
    services.accept_case(other, by=cc.users["subdistrict"])
    client.force_login(cc.users["community"])
    # The page was read before the accept: "escalate" is allowed now too, but the version is old.
    response = act(client, case, "escalate", version=seen, reason="需要街道协调")
    assert "案件已被他人处理,请刷新" in messages_of(response)
    assert response.redirect_chain[-1][0] == f"/cases/{case.number}/"
    case.refresh_from_db()
    assert case.status == "accepted" and case.escalation_count == 0
    assert case.events.filter(action="escalate").count() == 0


def test_a_stale_page_posting_an_action_already_taken_gets_the_conflict_message(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(Case.objects.get(pk=case.pk), by=cc.users["subdistrict"])
    client.force_login(cc.users["community"])
    response = act(client, case, "accept", version=case.version)
    assert "案件已被他人处理,请刷新" in messages_of(response)
    assert case.events.filter(action="accept").count() == 1


def test_posting_to_a_case_out_of_scope_is_404(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["outsider"])
    response = client.post(f"/cases/{case.number}/act/", {"action": "accept", "version": case.version})
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "reported"


def test_an_unknown_action_is_a_message(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = act(client, case, "delete_everything")
    assert "未知的操作。" in messages_of(response)


def test_the_page_only_accepts_posts_for_actions(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    assert client.get(f"/cases/{case.number}/act/").status_code == 405


def test_the_whole_loop_through_the_page(cc: CaseCity, client: Client) -> None:
    case = cc.report(by="resident", source="resident")
    client.force_login(cc.users["community"])
    act(client, case, "accept")
    case.refresh_from_db()
    act(client, case, "dispatch", unit=cc.units["cm"].pk)
    client.force_login(cc.users["cm"])
    case.refresh_from_db()
    act(client, case, "sign")
    case.refresh_from_db()
    act(client, case, "handle", result="已清运")
    client.force_login(cc.users["community"])
    case.refresh_from_db()
    act(client, case, "verify", note="现场核查属实")
    client.force_login(cc.users["resident"])
    case.refresh_from_db()
    assert [n for n, _l, _f in client.get(f"/cases/{case.number}/").context["forms"]] == ["rate"]
    act(client, case, "rate", rating="satisfied", comment="很快")
    case.refresh_from_db()
    assert (case.status, case.rating) == ("closed", "satisfied")
    assert list(case.events.values_list("action", flat=True)) == [
        "report",
        "accept",
        "dispatch",
        "sign",
        "handle",
        "verify",
        "rate",
    ]


def test_registering_a_mediation_from_the_page_parses_the_parties(cc: CaseCity, client: Client) -> None:
    case = cc.report(category="dispute", description="邻里噪音纠纷")
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["community"])
    act(
        client,
        case,
        "mediate_register",
        parties="张三,申请人\n李四,被申请人",
        mediators="王五,网格员",
        risk_level="medium",
    )
    mediation = case.mediation  # type: ignore[attr-defined]
    assert [(p.name, p.role) for p in mediation.parties.all()] == [("张三", "申请人"), ("李四", "被申请人")]
    assert [(m.name, m.role) for m in mediation.mediators.all()] == [("王五", "grid_worker")]
    assert mediation.risk_level == "medium"


def test_a_mediation_needs_two_parties(cc: CaseCity, client: Client) -> None:
    case = cc.report(category="dispute", description="邻里噪音纠纷")
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["community"])
    response = client.post(
        f"/cases/{case.number}/act/",
        {"action": "mediate_register", "version": case.version, "parties": "张三,申请人", "risk_level": "low"},
    )
    assert response.status_code == 400
    assert "至少需要两方当事人" in response.content.decode()
