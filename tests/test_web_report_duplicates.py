"""Duplicate suggestions on the report form (the htmx partial) and "me too" on one of them."""

from __future__ import annotations

from django.test import Client

from gridgov.cases.models import Case, CaseEvent

from .case_factories import POINT, CaseCity

DUPLICATES = "/cases/report/duplicates/"
ME_TOO = "/cases/report/me-too/"


def client_for(cc: CaseCity, username: str) -> Client:
    client = Client()
    client.force_login(cc.users[username])
    return client


def params(cc: CaseCity, category: str = "rubbish", point: tuple[float, float] = POINT) -> dict[str, str]:
    return {"category": str(cc.categories[category].pk), "lon": str(point[0]), "lat": str(point[1]), "crs": "wgs84"}


def test_an_open_case_of_the_same_category_nearby_is_suggested(cc: CaseCity) -> None:
    case = cc.report(by="worker")
    response = client_for(cc, "resident").get(DUPLICATES, params(cc, point=(POINT[0] + 0.001, POINT[1])))
    assert response.status_code == 200
    html = response.content.decode()
    assert case.number in html and "我也遇到" in html
    assert case.description not in html  # a reporter sees the number and the distance, not the content
    assert "<form" not in html  # it is shown inside the report form: a nested form would post the report


def test_another_category_or_a_far_point_has_no_suggestions(cc: CaseCity) -> None:
    case = cc.report(by="worker")
    for query in (params(cc, "building"), params(cc, point=(POINT[0] + 0.02, POINT[1]))):
        html = client_for(cc, "worker").get(DUPLICATES, query).content.decode()
        assert case.number not in html and 'id="no-duplicates"' in html


def test_an_incomplete_choice_shows_nothing(cc: CaseCity) -> None:
    cc.report(by="worker")
    response = client_for(cc, "worker").get(DUPLICATES, {"category": "", "lon": "", "lat": ""})
    assert response.status_code == 200 and response.content.decode().strip() == ""


def test_me_too_raises_the_counter_once_per_user(cc: CaseCity) -> None:
    case = cc.report(by="worker")
    client = client_for(cc, "resident")
    first = client.post(ME_TOO, {**params(cc), "number": case.number})
    second = client.post(ME_TOO, {**params(cc), "number": case.number})
    assert first.status_code == 200 and "已附议" in first.content.decode()
    assert "已附议过" in second.content.decode()
    case.refresh_from_db()
    assert case.me_too_count == 1
    assert CaseEvent.objects.filter(case=case, action="me_too", actor=cc.users["resident"]).count() == 1


def test_me_too_reaches_only_a_case_the_check_offers_for_that_point(cc: CaseCity) -> None:
    case = cc.report(by="worker")
    far = (POINT[0] + 0.02, POINT[1])
    response = client_for(cc, "resident").post(ME_TOO, {**params(cc, point=far), "number": case.number})
    assert response.status_code == 404
    assert Case.objects.get(pk=case.pk).me_too_count == 0


def test_users_who_do_not_report_get_no_suggestions_and_cannot_me_too(cc: CaseCity) -> None:
    case = cc.report(by="worker")
    client = client_for(cc, "nobody")
    assert client.get(DUPLICATES, params(cc)).status_code == 403
    assert client.post(ME_TOO, {**params(cc), "number": case.number}).status_code == 403
    assert Case.objects.get(pk=case.pk).me_too_count == 0
