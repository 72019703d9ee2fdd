"""The case page: facts, deadlines, timeline with photos, summonses, masked mediation parties; only the actions the
user may take now; the reporter shown only to centres; 404 out of scope."""

from __future__ import annotations

import datetime

from django.test import Client

from gridgov.cases import services

from .case_factories import CaseCity, jpeg_with_gps


def page(client: Client, number: str) -> str:
    response = client.get(f"/cases/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def actions(client: Client, number: str) -> list[str]:
    return [name for name, _label, _form in client.get(f"/cases/{number}/").context["forms"]]


def test_the_page_shows_the_facts_deadlines_counters_and_timeline(cc: CaseCity, client: Client) -> None:
    case = cc.report(photos=[jpeg_with_gps()])
    services.accept_case(case, by=cc.users["community"], note="属实,立案")
    client.force_login(cc.users["community"])
    html = page(client, case.number)
    for text in ("暴露垃圾", "某路1号", "垃圾暴露堆放", "网格员巡查", "已立案", "属实,立案", "催办", "附议"):
        assert text in html, text
    assert 'id="timeline"' in html and "已上报" in html and "立案" in html
    photo = case.attachments.get()
    assert f"/cases/{case.number}/photos/{photo.pk}/" in html
    stages = client.get(f"/cases/{case.number}/").context["stages"]
    assert [s.state for s in stages] == ["done", "current", "pending", "pending", "pending"]


def test_a_dispatcher_sees_accept_and_reject_on_a_reported_case(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    names = actions(client, case.number)
    assert "accept" in names and "reject" in names
    assert "dispatch" not in names and "sign" not in names
    assert 'value="accept"' in page(client, case.number)


def test_a_grid_worker_sees_no_dispatch_button(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["worker"])
    names = actions(client, case.number)
    assert "dispatch" not in names and "accept" not in names
    assert "self_settle" in names and "escalate" in names
    client.force_login(cc.users["community"])
    assert "dispatch" in actions(client, case.number)


def test_the_unit_select_offers_only_units_covering_the_case(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    client.force_login(cc.users["community"])
    forms = dict((name, form) for name, _label, form in client.get(f"/cases/{case.number}/").context["forms"])
    offered = set(forms["dispatch"].fields["unit"].queryset.values_list("code", flat=True))
    assert {"U441302CM", "U441302001PS", "U441302001JO"} <= offered
    assert "U441303HS" not in offered  # another district's housing bureau


def test_a_department_handler_sees_sign_and_return_once_dispatched(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    client.force_login(cc.users["cm"])
    assert actions(client, case.number) == ["sign", "return"]
    client.force_login(cc.users["police"])
    assert client.get(f"/cases/{case.number}/").status_code == 404


def test_a_case_out_of_scope_or_missing_is_404(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    for username in ("outsider", "resident", "nobody", "cm"):
        client.force_login(cc.users[username])
        assert client.get(f"/cases/{case.number}/").status_code == 404, username
        assert client.get(f"/cases/{case.number}/photos/1/").status_code == 404, username
    client.force_login(cc.users["admin"])
    assert client.get("/cases/20269999999/").status_code == 404


def test_the_reporter_is_shown_to_centres_only(cc: CaseCity, client: Client) -> None:
    cc.users["resident"].display_name = "居民王五"
    cc.users["resident"].save()
    case = cc.report(by="resident", source="resident")
    client.force_login(cc.users["community"])
    assert "居民王五" in page(client, case.number)
    client.force_login(cc.users["worker"])
    html = page(client, case.number)
    assert "居民王五" not in html and 'id="case-reporter"' not in html
    assert "上报人" in html  # the timeline names the role, not the person


def test_summonses_are_listed_with_their_state(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.summon_units(
        case, by=cc.users["community"], units=[cc.units["police"], cc.units["justice"]], note="联合处置"
    )
    services.report_in(case, by=cc.users["police"])
    client.force_login(cc.users["community"])
    html = page(client, case.number)
    assert 'id="summonses"' in html and "街道1派出所" in html and "街道1司法所" in html and "未报到" in html
    client.force_login(cc.users["police"])
    assert actions(client, case.number) == ["finish_part"]
    client.force_login(cc.users["justice"])
    assert actions(client, case.number) == ["report_in"]


def test_mediation_parties_are_masked(cc: CaseCity, client: Client) -> None:
    case = cc.report(category="dispute", description="邻里噪音纠纷")
    services.accept_case(case, by=cc.users["community"])
    services.open_mediation(case, by=cc.users["community"], parties=[("张三丰", "申请人"), ("李四", "被申请人")])
    services.record_session(
        case,
        by=cc.users["community"],
        held_on=datetime.date(2026, 3, 4),
        outcome="双方初步沟通",
        agreement_reached=False,
    )
    client.force_login(cc.users["community"])
    html = page(client, case.number)
    assert "张**" in html and "李*" in html
    assert "张三丰" not in html and "李四" not in html
    assert "先行调解" in html and "双方初步沟通" in html
    names = actions(client, case.number)
    assert "mediate_session" in names and "mediate_advance" in names and "mediate_register" not in names


def test_a_notification_link_by_id_redirects_to_the_number(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    client.force_login(cc.users["community"])
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.number}/"
    client.force_login(cc.users["outsider"])
    assert client.get(f"/cases/{case.pk}/").status_code == 404


def test_a_photo_is_served_without_its_exif_to_those_who_see_the_case(cc: CaseCity, client: Client) -> None:
    case = cc.report(photos=[jpeg_with_gps()])
    photo = case.attachments.get()
    client.force_login(cc.users["worker"])
    response = client.get(f"/cases/{case.number}/photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body[:3] == b"\xff\xd8\xff" and b"PhoneMaker" not in body


def test_an_action_held_back_by_a_rule_is_explained_not_offered(cc: CaseCity, client: Client) -> None:
    case = cc.report()
    services.accept_case(case, by=cc.users["community"])
    services.dispatch_case(case, to=cc.units["cm"], by=cc.users["community"])
    services.summon_units(case, by=cc.users["community"], units=[cc.units["police"]])
    services.sign_case(case, by=cc.users["cm"])
    services.handle_case(case, by=cc.users["cm"], result="已清运")
    client.force_login(cc.users["community"])
    response = client.get(f"/cases/{case.number}/")
    assert "verify" not in [name for name, _label, _form in response.context["forms"]]
    assert "吹哨召集的单位尚未全部报到并完成分工" in response.content.decode()
    assert "召集单位:街道1派出所" in response.content.decode()
